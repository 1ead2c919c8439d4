"""Matplotlib figures: twist timeline, per-episode density, trope scores, corpus heatmaps.

Input: an ``Analysis`` (or a matrix and its names); output: a ``Display``. Each ``plot_*``
function follows scikit-learn's Display pattern: it draws on ``ax`` (or a new figure), returns
a ``Display`` with ``figure_`` and ``ax_``, and never calls ``show()``.

Every figure reads at any length. A series of up to ``TIMELINE_MAX_EPISODES`` episodes gets
the timeline (events by category along the series, episode boundaries, the density curve); a
longer one gets a heat map, one row per episode and one column per window of screen time,
where every k-th episode is labelled so labels never overlap. Figures grow with the series up
to a cap, and ``save`` and ``to_data_uri`` lower the resolution of a bigger figure (a caller's
own) so that no image is wider than ``MAX_WIDTH_PX`` or taller than ``MAX_HEIGHT_PX``. Each
figure has one title, and names the script at most once.

Chinese labels need a CJK font: ``cjk_font()`` registers the bundled Noto Sans SC by file at
the first plot (``fonts.py`` says why by file), else a CJK font of the machine; without one,
labels fall back to English (a warning is issued once) instead of drawing empty boxes. Fonts
are applied inside ``rc_context`` so global ``rcParams`` are never changed.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..schema import PRESENT_THRESHOLD
from ..util import atomic_write_bytes
from .fonts import CJK_NAME_HINTS, SYSTEM_FONTS, bundled_font_file, looks_cjk

CJK_FONTS = SYSTEM_FONTS  # the machine's fonts tried when the bundled one is missing
CATEGORY_COLORS = {"reveal": "#d62728", "reversal": "#ff7f0e", "face_slap": "#9467bd",
                   "betrayal": "#8c564b", "crisis": "#1f77b4", "hook": "#2ca02c"}
PRESENT_COLOR = "#d62728"
ABSENT_COLOR = "0.7"

#: No image is larger than this, at any episode count (``save`` and ``to_data_uri``).
MAX_WIDTH_PX = 3000
MAX_HEIGHT_PX = 4000
SAVE_DPI = 120
URI_DPI = 100
#: Up to this many episodes the twists are drawn along one timeline; beyond, as a heat map.
TIMELINE_MAX_EPISODES = 12

# Label spacing, in inches of the drawn axes: an 8-point "第12集" is about 0.45 in wide and
# 0.11 in tall; a 10-point "12:30" about 0.4 in wide.
EPISODE_LABEL_WIDTH_IN = 0.55
EPISODE_LABEL_HEIGHT_IN = 0.18
EPISODE_NUMBER_WIDTH_IN = 0.32
TIME_LABEL_WIDTH_IN = 0.7
#: Tick steps of the time axes: whole or half minutes, then rounder steps for long spans.
TIME_STEPS_S = (30, 60, 120, 300, 600, 900, 1800, 3600)
#: Label every k-th item, k taken from these.
LABEL_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


def _mpl() -> Any:
    try:
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


# -- fonts -------------------------------------------------------------------------------------

@cache
def cjk_font() -> str | None:
    """The family name of a font with Chinese glyphs, registered for this process, or None.

    Tried in order: the bundled Noto Sans SC (``fonts.bundled_font_file``); a CJK font that
    matplotlib lists and whose file still exists; a CJK font file in the machine's font folders,
    read directly, so a font installed after matplotlib wrote its font cache still counts. Files
    are registered with ``FontManager.addfont``, in this process only; the result is cached.
    """
    _mpl()
    from matplotlib import font_manager

    bundled = bundled_font_file()
    if bundled is not None and (name := _register(font_manager, str(bundled))):
        return name
    if name := _listed_cjk_font(font_manager):
        return name
    for path in sorted(font_manager.findSystemFonts()):
        if looks_cjk(path) and (name := _register(font_manager, path)):
            return name
    warnings.warn("no CJK font found: plot labels are in English (reinstall tropescan, which "
                  "brings its font, or install fonts-noto-cjk)", stacklevel=3)
    return None


def _register(font_manager: Any, path: str) -> str | None:
    """Add a font file to matplotlib's list; the family name of its Simplified Chinese face
    (a collection holds several), of its first face otherwise, or None if it cannot be read."""
    ttflist = font_manager.fontManager.ttflist
    start = len(ttflist)
    try:
        font_manager.fontManager.addfont(path)
    except (OSError, RuntimeError, ValueError):
        return None
    names = [str(f.name) for f in ttflist[start:]]
    return next((n for n in names if n.endswith((" SC", " CN", " GB"))),
                names[0] if names else None)


def _listed_cjk_font(font_manager: Any) -> str | None:
    # A cache written on another day may list fonts since removed: check the file is there.
    fonts = [f for f in font_manager.fontManager.ttflist if os.path.isfile(f.fname)]
    names = {f.name for f in fonts}
    for name in SYSTEM_FONTS:
        if name in names:
            return name
    return next((str(f.name) for f in fonts if any(k in f.name for k in CJK_NAME_HINTS)), None)


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
        if font is None:
            # labels are English then; only a script's own name may still hold Chinese
            warnings.filterwarnings("ignore", message="Glyph .* missing from")
        yield


# -- shared pieces -----------------------------------------------------------------------------

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


def _axes_inches(ax: Any) -> tuple[float, float]:
    """The axes' size in inches, as laid out before drawing: a little smaller than the final
    constrained layout, so label spacing worked out from it errs on the roomy side."""
    box = ax.get_position()
    return ax.figure.get_figwidth() * box.width, ax.figure.get_figheight() * box.height


def mmss(x: float, _pos: Any = None) -> str:
    return f"{int(x) // 60}:{int(x) % 60:02d}"


def time_step(span_s: float, length: float, label: float) -> int:
    """The smallest step of ``TIME_STEPS_S`` whose labels (``label`` wide, in the unit of the
    axis ``length``) do not touch, else a multiple of the largest."""
    fits = [s for s in TIME_STEPS_S if span_s / s * label <= length]
    return fits[0] if fits else TIME_STEPS_S[-1] * math.ceil(
        span_s / TIME_STEPS_S[-1] * label / max(length, 1e-9))


def _time_axis(axis: Any, span_s: float, length_in: float) -> None:
    """m:ss ticks on the smallest step of ``TIME_STEPS_S`` whose labels do not touch."""
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    axis.set_major_locator(MultipleLocator(time_step(span_s, length_in, TIME_LABEL_WIDTH_IN)))
    axis.set_major_formatter(FuncFormatter(mmss))


def every_kth(n: int, length_in: float, need_in: float) -> list[int]:
    """Which of ``n`` evenly spaced items to label so that labels are ``need_in`` apart: the
    first, then every k-th (k one of ``LABEL_STEPS``): 1, 5, 10, 15 … where the first has room
    before the fifth, else 1, 3, 5 … or 1, 6, 11 …; positions from 0."""
    room = length_in / max(n, 1)
    m = max(1, math.ceil(need_in / room - 1e-9)) if room > 0 else max(n, 1)
    k = next((s for s in LABEL_STEPS if s >= m), 1000 * math.ceil(m / 1000))
    if k == 1 or k - 1 < m:
        return list(range(0, n, k))
    return [0, *range(k - 1, n, k)]


def window_runs(analysis: Any) -> list[list[Any]]:
    """Windows per episode, aligned with ``script.episodes``. Windows come in episode order and
    a window whose index restarts at 0 opens the next episode (numbers alone are ambiguous when
    a writer repeats 第N集); every episode has at least one window."""
    runs: list[list[Any]] = []
    for win in analysis.window_items:
        if win.index == 0 or not runs:
            runs.append([])
        runs[-1].append(win)
    n = len(analysis.script.episodes)
    return (runs + [[] for _ in range(n)])[:n]


def _title(ax: Any, script: Any, zh: str, en: str) -> None:
    """The figure's one title, naming the script once: its title in Chinese, else its id."""
    if cjk_font():
        ax.set_title(f"{script.title or script.id}：{zh} {en}")
    else:
        ax.set_title(f"{script.id}: {en}")


# -- twists --------------------------------------------------------------------------------------

def plot_twist_timeline(analysis: Any, *, ax: Any = None) -> Display:
    """Twists along the series: a timeline up to ``TIMELINE_MAX_EPISODES`` episodes, a heat map
    (one row per episode) beyond.

    The timeline shows twist events by category, episode boundaries, the window grid, and the
    density (twists per window, smoothed over three windows within each episode) against the
    one-twist-per-window formula line. The heat map colours each window of each episode by its
    number of twists: a series written to the formula is a wall of colour.
    """
    if len(analysis.script.episodes) > TIMELINE_MAX_EPISODES:
        return _twist_heatmap(analysis, ax)
    with _style():
        s = analysis.script
        w = analysis.settings.window_s
        fig, ax = _axes(ax, (min(15.0, 6 + s.duration_s / 60), 3.8))
        cats = list(CATEGORY_COLORS)
        for k, cat in enumerate(cats):
            xs = [ev.series_time_s for ev in analysis.twist_events if ev.category == cat]
            ax.scatter(xs, [k] * len(xs), s=36, color=CATEGORY_COLORS[cat], zorder=3)
        _episode_marks(ax, s, w, y=len(cats) - 0.4)
        ax.set_yticks(range(len(cats)), [label(analysis.twist_names.get(c, c), c) for c in cats])
        ax.set_ylim(-0.8, len(cats) + 0.2)
        ax.set_xlim(0, max(s.duration_s, w))
        _time_axis(ax.xaxis, max(s.duration_s, w), _axes_inches(ax)[0])
        ax.set_xlabel(label("时间（分:秒）", "time (m:ss)"))
        twin = ax.twinx()
        _density_curves(twin, analysis)
        _title(ax, s, "反转时间线", "twist timeline")
        twin.legend(loc="upper left", bbox_to_anchor=(1.06, 1.0), fontsize=8, frameon=False)
    return _display(fig, ax)


def _episode_marks(ax: Any, script: Any, window_s: float, *, y: float) -> None:
    """Episode boundaries, the window grid, and 第N集 labels wherever one fits after the last."""
    import numpy as np

    span = max(script.duration_s, window_s)
    width_in = _axes_inches(ax)[0]
    last = -math.inf
    for ep in script.episodes:
        ax.axvline(ep.start_s, color="0.3", lw=1)
        x_in = ep.start_s / span * width_in
        if x_in - last >= EPISODE_LABEL_WIDTH_IN and x_in + EPISODE_LABEL_WIDTH_IN <= width_in:
            ax.text(ep.start_s + 1, y, label(f"第{ep.number}集", f"E{ep.number}"),
                    fontsize=8, va="bottom")
            last = x_in
    for x in np.arange(0, script.duration_s + window_s, window_s):
        ax.axvline(x, color="0.88", lw=0.5, zorder=0)


def _density_curves(twin: Any, analysis: Any) -> None:
    """Each episode's density as its own curve (a cut between episodes is not a lull), and the
    formula line at one twist per window."""
    import numpy as np

    s = analysis.script
    w = analysis.settings.window_s
    tops = [2.0]
    for ep, run in zip(s.episodes, window_runs(analysis), strict=True):
        if not run:
            continue
        xs = np.array([ep.start_s + (win.start_s + win.end_s) / 2 for win in run])
        counts = np.array([float(win.n_twists) for win in run])
        tops.append(float(counts.max()))
        if len(counts) >= 3:
            padded = np.concatenate([counts[:1], counts, counts[-1:]])
            counts = np.convolve(padded, np.ones(3) / 3, mode="valid")
        twin.plot(xs, counts, color="0.2", lw=1.4, alpha=0.75,
                  label=None if twin.lines else label("反转密度", "twist density"))
        twin.fill_between(xs, counts, color="0.2", alpha=0.08, lw=0)
    twin.axhline(1.0, color="#d62728", ls="--", lw=1,
                 label=label(f"每{w:.0f}秒一个反转", f"one twist per {w:.0f} s"))
    twin.set_ylabel(label(f"每{w:.0f}秒反转数", f"twists per {w:.0f} s"))
    twin.set_ylim(0, max(tops) * 1.05)


def _twist_heatmap(analysis: Any, ax: Any) -> Display:
    """Rows: episodes; columns: windows of screen time within the episode; colour: twists in
    the window. Windows past an episode's end are grey, so short episodes show as short rows."""
    import matplotlib
    import numpy as np
    from matplotlib.colors import BoundaryNorm

    with _style():
        s = analysis.script
        w = analysis.settings.window_s
        runs = window_runs(analysis)
        n, cols = len(runs), max([1, *(len(run) for run in runs)])
        grid = np.full((n, cols), np.nan)
        for row, run in enumerate(runs):
            grid[row, :len(run)] = [win.n_twists for win in run]
        top = max(2, int(np.nanmax(grid)) if np.isfinite(grid).any() else 0)
        fig, ax = _axes(ax, (min(14.0, 7.0 + 0.08 * cols), min(30.0, 2.2 + 0.14 * n)))
        cmap = matplotlib.colormaps["YlOrRd"].with_extremes(bad="0.93")
        norm = BoundaryNorm(np.arange(-0.5, top + 1.0), cmap.N)
        image = ax.imshow(grid, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest",
                          extent=(0, cols * w, n - 0.5, -0.5))
        width_in, height_in = _axes_inches(ax)
        rows = every_kth(n, height_in, EPISODE_LABEL_HEIGHT_IN)
        ax.set_yticks(rows, [label(f"第{s.episodes[r].number}集", f"E{s.episodes[r].number}")
                             for r in rows], fontsize=8)
        _time_axis(ax.xaxis, cols * w, width_in)
        ax.set_xlabel(label("集内时间（分:秒）", "time within the episode (m:ss)"))
        bar = fig.colorbar(image, ax=ax, ticks=range(top + 1), shrink=min(1.0, 4.0 / height_in),
                           aspect=20, anchor=(0.0, 1.0))
        bar.set_label(label(f"每{w:.0f}秒反转数", f"twists per {w:.0f} s"))
        _title(ax, s, "反转热图（每集一行）", "twists, one row per episode")
    return _display(fig, ax)


def plot_episode_density(analysis: Any, *, ax: Any = None) -> Display:
    """Twists per window for each episode, against the one-per-window formula line; every k-th
    episode is numbered when they are too many to number all."""
    with _style():
        w = analysis.settings.window_s
        items = analysis.episode_items
        n = len(items)
        fig, ax = _axes(ax, (min(12.0, max(5.0, 2.5 + 0.12 * n)), 3.6))
        densities = [e.density for e in items]
        ax.bar(range(n), densities, color="#4c72b0", width=0.8)
        ticks = every_kth(n, _axes_inches(ax)[0], EPISODE_NUMBER_WIDTH_IN)
        ax.set_xticks(ticks, [str(items[k].episode) for k in ticks])
        ax.set_xlim(-0.6, n - 0.4)
        ax.set_ylim(0, max([2.0, *densities]) * 1.3)  # headroom for the legend
        ax.axhline(1.0, color="#d62728", ls="--", lw=1,
                   label=label(f"每{w:.0f}秒一个反转", f"one twist per {w:.0f} s"))
        ax.set_xlabel(label("集", "episode"))
        ax.set_ylabel(label(f"每{w:.0f}秒反转数", f"twists per {w:.0f} s"))
        ax.set_title(label("各集反转密度", "twist density per episode"))
        ax.legend(loc="upper right", fontsize=8, frameon=False)
    return _display(fig, ax)


# -- tropes --------------------------------------------------------------------------------------

def plot_trope_scores(analysis: Any, *, ax: Any = None, top: int = 14,
                      threshold: float | None = None) -> Display:
    """Horizontal bars of the combined trope scores, present tropes highlighted, and the line a
    score must reach to count as present (``threshold``, ``PRESENT_THRESHOLD`` by default)."""
    from matplotlib.patches import Patch

    threshold = PRESENT_THRESHOLD if threshold is None else threshold
    with _style():
        scores = analysis.trope_scores[:top][::-1]
        fig, ax = _axes(ax, (6.5, 0.32 * len(scores) + 1.6))
        bars = ax.barh(range(len(scores)), [t.score for t in scores],
                       color=[PRESENT_COLOR if t.present else ABSENT_COLOR for t in scores])
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=2)
        ax.set_yticks(range(len(scores)), [label(t.name_zh, t.trope) for t in scores])
        line = ax.axvline(threshold, color="0.15", ls="--", lw=1.2,
                          label=label(f"出现阈值 {threshold:g}", f"present at {threshold:g}"))
        ax.legend(handles=[Patch(color=PRESENT_COLOR, label=label("出现", "present")),
                           Patch(color=ABSENT_COLOR, label=label("未出现", "not present")), line],
                  loc="lower right", fontsize=8)
        ax.set_xlim(0, 1.1)  # room for the value of a full bar
        ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set_xlabel(label("套路得分", "trope score"))
        ax.set_title(label("套路", "tropes"))
    return _display(fig, ax)


# -- collections ---------------------------------------------------------------------------------

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


# -- output --------------------------------------------------------------------------------------

def _bounded_dpi(fig: Any, dpi: float) -> float:
    """``dpi``, lowered for a figure that would be wider than MAX_WIDTH_PX or taller than
    MAX_HEIGHT_PX (with the 0.1-inch padding of a tight bounding box on each side)."""
    width, height = fig.get_size_inches()
    return float(min(dpi, MAX_WIDTH_PX / (width + 0.25), MAX_HEIGHT_PX / (height + 0.25)))


def _png_or_svg(fig: Any, fmt: str, dpi: float) -> bytes:
    import io

    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format=fmt, dpi=_bounded_dpi(fig, dpi))
    return buf.getvalue()


def save(fig: Any, path: Any) -> None:
    """Save a figure (PNG or SVG by extension) atomically, then close it."""
    from pathlib import Path

    path = Path(path)
    data = _png_or_svg(fig, path.suffix.lstrip(".").lower() or "png", SAVE_DPI)
    atomic_write_bytes(path, data)
    _mpl().close(fig)


def to_data_uri(fig: Any) -> str:
    """A PNG data URI, for self-contained HTML reports."""
    import base64

    data = _png_or_svg(fig, "png", URI_DPI)
    _mpl().close(fig)
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
