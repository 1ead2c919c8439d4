"""Matplotlib figures: twist timeline, per-episode density, trope scores, corpus heatmaps.

Each ``plot_*`` function follows scikit-learn's Display pattern: it draws on ``ax`` (or a new
figure), returns a ``Display`` with ``figure_`` and ``ax_``, and never calls ``show()``.
Chinese labels need a CJK font: ``cjk_font()`` looks for one installed on the machine (Noto
CJK, Source Han, WenQuanYi, SimHei, PingFang, Microsoft YaHei …); without one, labels fall
back to English (a warning is issued once) instead of drawing empty boxes. Fonts are applied
inside ``rc_context`` so global ``rcParams`` are never changed.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..util import atomic_write_bytes

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
             "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
             "Microsoft YaHei", "PingFang SC", "Heiti SC", "AR PL UMing CN", "Droid Sans Fallback")
CATEGORY_COLORS = {"reveal": "#d62728", "reversal": "#ff7f0e", "face_slap": "#9467bd",
                   "betrayal": "#8c564b", "crisis": "#1f77b4", "hook": "#2ca02c"}


def _mpl() -> Any:
    try:
        import os
        import sys

        import matplotlib

        # Render off-screen in scripts and servers, but never override a backend the user (or
        # Jupyter, through MPLBACKEND) already chose: notebooks must keep showing figures.
        if "MPLBACKEND" not in os.environ and "matplotlib.pyplot" not in sys.modules:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is a core dependency
        raise ImportError("plots need matplotlib: pip install matplotlib") from exc
    return plt


@cache
def cjk_font() -> str | None:
    """The name of an installed font that has Chinese glyphs, or None."""
    _mpl()
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in names:
            return name
    for f in font_manager.fontManager.ttflist:
        if any(k in f.name for k in ("CJK", "Hei", "Song", "Ming", "Kai", "Han")):
            return str(f.name)
    warnings.warn("no CJK font found: plot labels are in English (install fonts-noto-cjk or "
                  "fonts-wqy-microhei for Chinese labels)", stacklevel=3)
    return None


def label(zh: str, en: str) -> str:
    """Chinese and English when a CJK font is available, else English."""
    return f"{zh} {en}" if cjk_font() else en


@contextmanager
def _style() -> Iterator[None]:
    plt = _mpl()
    font = cjk_font()
    rc: dict[str, Any] = {"axes.unicode_minus": False, "figure.dpi": 100}
    if font:
        rc["font.sans-serif"] = [font, "DejaVu Sans"]
        rc["font.family"] = "sans-serif"
    with plt.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        yield


@dataclass
class Display:
    figure_: Any
    ax_: Any


def _display(fig: Any, ax: Any) -> Display:
    """Pin the CJK font on every text of the figure: fonts are looked up when a figure is drawn,
    and a notebook or a caller's ``savefig`` draws it outside our ``rc_context``."""
    from matplotlib.text import Text

    font = cjk_font()
    if font:
        for text in fig.findobj(Text):
            text.set_fontfamily([font, "DejaVu Sans"])
    return Display(fig, ax)


def _axes(ax: Any, size: tuple[float, float]) -> tuple[Any, Any]:
    plt = _mpl()
    if ax is None:
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        return fig, ax
    return ax.figure, ax


def _mmss(x: float, _pos: Any = None) -> str:
    return f"{int(x) // 60}:{int(x) % 60:02d}"


def plot_twist_timeline(analysis: Any, *, ax: Any = None) -> Display:
    """Twist events by category along the series timeline, episode boundaries, the window
    grid, and the density (twists per window, smoothed over three windows within each
    episode) against the one-twist-per-window formula line."""
    import numpy as np
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    with _style():
        s = analysis.script
        w = analysis.settings.window_s
        width = min(18.0, 6 + s.duration_s / 60)
        fig, ax = _axes(ax, (width, 3.8))
        cats = list(CATEGORY_COLORS)
        for k, cat in enumerate(cats):
            xs = [ev.series_time_s for ev in analysis.twist_events if ev.category == cat]
            ax.scatter(xs, [k] * len(xs), s=36, color=CATEGORY_COLORS[cat], zorder=3)
        for ep in s.episodes:
            ax.axvline(ep.start_s, color="0.3", lw=1)
            ax.text(ep.start_s + 1, len(cats) - 0.4, label(f"第{ep.number}集", f"E{ep.number}"),
                    fontsize=8, va="bottom")
        grid = np.arange(0, s.duration_s + w, w)
        for x in grid:
            ax.axvline(x, color="0.88", lw=0.5, zorder=0)
        ax.set_yticks(range(len(cats)), [label(analysis.twist_names.get(c, c), c) for c in cats])
        ax.set_ylim(-0.8, len(cats) + 0.2)
        ax.set_xlim(0, max(s.duration_s, w))
        # ticks on whole minutes (half minutes for short scripts), a multiple of the grid
        ax.xaxis.set_major_locator(MultipleLocator(60 if s.duration_s > 240 else 30))
        ax.xaxis.set_major_formatter(FuncFormatter(_mmss))
        ax.set_xlabel(label("时间（分:秒）", "time (m:ss)"))
        twin = ax.twinx()
        # Windows come in episode order; a window whose index restarts at 0 opens the next
        # episode (numbers alone are ambiguous when a writer repeats 第N集). Each episode's
        # curve is smoothed and drawn on its own: a cut between episodes is not a lull.
        runs: list[list[tuple[float, float]]] = []
        k = -1
        for win in analysis.window_items:
            if win.index == 0 or not runs:
                k += 1
                runs.append([])
            start = s.episodes[min(k, len(s.episodes) - 1)].start_s
            runs[-1].append((start + (win.start_s + win.end_s) / 2, float(win.n_twists)))
        for n, run in enumerate(runs):
            xs, counts = (np.array(v) for v in zip(*run, strict=True))
            if len(counts) >= 3:
                padded = np.concatenate([counts[:1], counts, counts[-1:]])
                counts = np.convolve(padded, np.ones(3) / 3, mode="valid")
            twin.plot(xs, counts, color="0.2", lw=1.4, alpha=0.75,
                      label=label("反转密度", "twist density") if n == 0 else None)
            twin.fill_between(xs, counts, color="0.2", alpha=0.08, lw=0)
        twin.axhline(1.0, color="#d62728", ls="--", lw=1,
                     label=label(f"每{w:.0f}秒一个反转", f"one twist per {w:.0f} s"))
        twin.set_ylabel(label(f"每{w:.0f}秒反转数", f"twists per {w:.0f} s"))
        twin.set_ylim(0, max(2.0, *(c for run in runs for _, c in run)) * 1.05)
        ax.set_title(label(f"{s.title}：反转时间线", f"{s.id}: twist timeline"))
        twin.legend(loc="upper left", bbox_to_anchor=(1.06, 1.0), fontsize=8, frameon=False)
    return _display(fig, ax)


def plot_episode_density(analysis: Any, *, ax: Any = None) -> Display:
    """Twists per window for each episode, against the one-per-window formula line."""
    with _style():
        w = analysis.settings.window_s
        fig, ax = _axes(ax, (max(4.0, 0.6 * len(analysis.episode_items) + 2), 3.2))
        eps = [e.episode for e in analysis.episode_items]
        ax.bar([str(e) for e in eps], [e.density for e in analysis.episode_items], color="#4c72b0")
        ax.axhline(1.0, color="#d62728", ls="--", lw=1,
                   label=label(f"每{w:.0f}秒一个反转", f"one twist per {w:.0f} s"))
        ax.set_xlabel(label("集", "episode"))
        ax.set_ylabel(label(f"每{w:.0f}秒反转数", f"twists per {w:.0f} s"))
        ax.set_title(label("各集反转密度", "twist density per episode"))
        ax.legend(fontsize=8, frameon=False)
    return _display(fig, ax)


def plot_trope_scores(analysis: Any, *, ax: Any = None, top: int = 14) -> Display:
    """Horizontal bars of the combined trope scores, present tropes highlighted."""
    with _style():
        scores = analysis.trope_scores[:top][::-1]
        fig, ax = _axes(ax, (6.0, 0.32 * len(scores) + 1.2))
        names = [label(t.name_zh, t.trope) for t in scores]
        colors = ["#d62728" if t.present else "0.7" for t in scores]
        ax.barh(names, [t.score for t in scores], color=colors)
        ax.set_xlim(0, 1)
        ax.set_xlabel(label("套路得分", "trope score"))
        ax.set_title(label("套路", "tropes"))
    return _display(fig, ax)


def plot_similarity_heatmap(matrix: Any, names: list[str], *, ax: Any = None) -> Display:
    with _style():
        n = len(names)
        fig, ax = _axes(ax, (min(14.0, 2 + 0.18 * n), min(12.0, 1.5 + 0.16 * n)))
        im = ax.imshow(matrix, cmap="magma", vmin=0, vmax=1)
        step = max(1, n // 40)
        ax.set_xticks(range(0, n, step), names[::step], rotation=90, fontsize=6)
        ax.set_yticks(range(0, n, step), names[::step], fontsize=6)
        fig.colorbar(im, ax=ax, shrink=0.8, label=label("余弦相似度", "cosine similarity"))
        ax.set_title(label("作品相似度", "pairwise similarity"))
    return _display(fig, ax)


def plot_cooccurrence(matrix: Any, tropes: list[str], *, ax: Any = None) -> Display:
    with _style():
        fig, ax = _axes(ax, (6.5, 5.5))
        im = ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(len(tropes)), tropes, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(len(tropes)), tropes, fontsize=8)
        for i in range(len(tropes)):
            for j in range(len(tropes)):
                if matrix[i][j]:
                    ax.text(j, i, int(matrix[i][j]), ha="center", va="center", fontsize=6)
        fig.colorbar(im, ax=ax, shrink=0.8, label=label("作品数", "works"))
        ax.set_title(label("套路共现", "trope co-occurrence"))
    return _display(fig, ax)


def save(fig: Any, path: Any) -> None:
    """Save a figure (PNG or SVG by extension) atomically, then close it."""
    import io
    from pathlib import Path


    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format=fmt, dpi=120, bbox_inches="tight")
    atomic_write_bytes(path, buf.getvalue())
    _mpl().close(fig)


def to_data_uri(fig: Any) -> str:
    """A PNG data URI, for self-contained HTML reports."""
    import base64
    import io

    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    _mpl().close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
