"""Inline SVG charts for the HTML reports: trope scores, twist density per episode, and the
twist timeline (a heat map, one row per episode, beyond ``TIMELINE_MAX_EPISODES``).

Why not the matplotlib figures here: a page's three PNGs took 1–2 s to draw (text layout in a
CJK font, a second draw for the tight bounding box) where analysing a script takes ~25 ms, so
a batch with reports ran 13x longer than without. SVG written directly costs milliseconds,
scales with the page, uses the reader's own fonts (Chinese included, so no font is bundled
into the page), and every mark carries a tooltip (``<title>``) with its exact value.
``scan --plot`` paints these same charts as PNGs (``raster.py``); matplotlib stays for
notebooks and the API's figures (``plots.py``); all read the same records.

Every text that comes from a script (event lines in tooltips) is escaped; the result is
``Markup``, so the page template does not escape it twice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from ..schema import PRESENT_THRESHOLD
from .plots import (
    CATEGORY_COLORS,
    PRESENT_COLOR,
    TIMELINE_MAX_EPISODES,
    every_kth,
    mmss,
    time_step,
    window_runs,
)

WIDTH = 1000  # viewBox units; the page scales the chart to its column
ABSENT = "#b3b3b3"
#: Heat-map colours for 0, 1, 2, 3 and 4+ twists in a window (a yellow-orange-red scale).
HEAT = ("#fff8d9", "#fecc5c", "#fd8d3c", "#e31a1c", "#800026")
BEYOND = "#ececec"  # heat-map cells past an episode's end
TIME_LABEL_PX = 60  # room an "m:ss" label needs on a time axis
TOOLTIP_CHARS = 60


def _svg(height: float, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-label="{escape(label)}" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" '
        f'height="{height:.0f}" font-size="12" font-family="inherit">{"".join(body)}</svg>')


def _text(x: float, y: float, s: str, anchor: str = "start", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>'
            f"{escape(s)}</text>")


def _time_axis(x0: float, width: float, span_s: float, y: float) -> list[str]:
    """m:ss ticks under a plot that spans ``span_s`` seconds over ``width`` px."""
    step = time_step(span_s, width, TIME_LABEL_PX)
    out = []
    for k in range(int(span_s // step) + 1):
        x = x0 + k * step / span_s * width
        out.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x:.1f}" y2="{y + 4:.1f}" '
                   'stroke="#666"/>')
        out.append(_text(x, y + 16, mmss(k * step), "middle"))
    return out


def analysis_charts(analysis: Any) -> dict[str, Markup]:
    """An analysis's three charts by name: the twist timeline (a heat map for a long series),
    twists per episode and the trope scores; the HTML report shows them, ``--plot`` paints
    them as PNGs (``raster.py``)."""
    return {"timeline": twist_chart(analysis),
            "episodes": episode_chart(analysis.episode_items, analysis.settings.window_s),
            "tropes": trope_chart(analysis.trope_scores)}


# -- tropes ------------------------------------------------------------------------------------

def trope_chart(scores: Sequence[Any], *, top: int = 14, threshold: float | None = None
                ) -> Markup:
    """Horizontal bars of the combined trope scores, present tropes highlighted, and the line a
    score must reach to count as present."""
    threshold = PRESENT_THRESHOLD if threshold is None else threshold
    shown = list(scores[:top])
    x0, bar_w, row = 190.0, 700.0, 24.0
    height = 48 + row * len(shown) + 30
    body = [_text(WIDTH / 2, 18, "套路 Tropes", "middle", ' font-weight="bold"')]
    for k, t in enumerate(shown):
        y = 30 + k * row
        w = max(0.0, min(1.0, t.score)) * bar_w
        color = PRESENT_COLOR if t.present else ABSENT
        state = "出现 present" if t.present else "未出现 not present"
        if w > 0:
            body.append(f'<rect x="{x0}" y="{y + 3:.1f}" width="{w:.1f}" '
                        f'height="{row - 6:.1f}" fill="{color}"><title>{escape(t.name_zh)} '
                        f'{escape(t.trope)}: {t.score:.2f} ({state})</title></rect>')
        body.append(_text(x0 - 8, y + row / 2 + 4, f"{t.name_zh} {t.trope}", "end"))
        body.append(_text(x0 + w + 4, y + row / 2 + 4, f"{t.score:.2f}", extra=' font-size="11"'))
    bottom = 30 + row * len(shown)
    for v in (0, 0.2, 0.4, 0.6, 0.8, 1.0):
        x = x0 + v * bar_w
        body.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 4}" '
                    'stroke="#666"/>')
        body.append(_text(x, bottom + 16, f"{v:g}", "middle"))
    xt = x0 + threshold * bar_w
    body.append(f'<line x1="{xt:.1f}" y1="26" x2="{xt:.1f}" y2="{bottom}" stroke="#222" '
                f'stroke-dasharray="5 3"><title>出现阈值 present at {threshold:g}</title></line>')
    body.append(_text(xt + 4, 28 + row * len(shown) - 4, f"出现阈值 present at {threshold:g}",
                      extra=' font-size="11"'))
    body.append(_text(x0 + bar_w / 2, bottom + 32, "套路得分 trope score", "middle"))
    return _svg(height + 8, "trope scores", body)


# -- twists per episode ------------------------------------------------------------------------

def _y_axis(x0: float, top: float, bottom: float, vmax: float, label: str) -> list[str]:
    out = [f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{bottom}" stroke="#666"/>',
           _text(14, (top + bottom) / 2, label, "middle",
                 f' transform="rotate(-90 14 {(top + bottom) / 2:.1f})"')]
    step = 1 if vmax <= 6 else math.ceil(vmax / 6)
    for v in range(0, int(vmax) + 1, step):
        y = bottom - v / vmax * (bottom - top)
        out.append(_text(x0 - 6, y + 4, str(v), "end"))
    return out


def episode_chart(episodes: Sequence[Any], window_s: float) -> Markup:
    """Twists per window for each episode, against the one-per-window formula line; every k-th
    episode is numbered when they are too many to number all."""
    n = len(episodes)
    x0, top, bottom = 60.0, 34.0, 214.0
    plot_w = WIDTH - x0 - 20
    vmax = max(2.0, *(e.density for e in episodes)) * 1.15 if n else 2.0
    per = f"每{window_s:.0f}秒反转数 twists per {window_s:.0f} s"
    body = [_text(WIDTH / 2, 18, "各集反转密度 Twist density per episode", "middle",
                  ' font-weight="bold"')]
    body += _y_axis(x0, top, bottom, vmax, f"每{window_s:.0f}秒 per {window_s:.0f} s")
    slot = plot_w / max(n, 1)
    labelled = set(every_kth(n, plot_w, 34))
    for k, e in enumerate(episodes):
        h = e.density / vmax * (bottom - top)
        x = x0 + k * slot
        body.append(f'<rect x="{x + slot * 0.1:.2f}" y="{bottom - h:.2f}" '
                    f'width="{slot * 0.8:.2f}" height="{h:.2f}" fill="#4c72b0"><title>第{e.episode}集 '
                    f'E{e.episode}: {e.n_twists} twists, {e.density:.2f} per {window_s:.0f} s'
                    f'</title></rect>')
        if k in labelled:
            body.append(_text(x + slot / 2, bottom + 16, str(e.episode), "middle"))
    y1 = bottom - 1.0 / vmax * (bottom - top)
    body.append(f'<line x1="{x0}" y1="{y1:.1f}" x2="{x0 + plot_w}" y2="{y1:.1f}" '
                f'stroke="#d62728" stroke-dasharray="6 3"><title>每{window_s:.0f}秒一个反转 '
                f'one twist per {window_s:.0f} s</title></line>')
    body.append(f'<line x1="{x0}" y1="{bottom}" x2="{x0 + plot_w}" y2="{bottom}" stroke="#666"/>')
    body.append(_text(x0 + plot_w, top - 4, f"- - 每{window_s:.0f}秒一个反转 one twist per "
                      f"{window_s:.0f} s", "end", ' fill="#d62728" font-size="11"'))
    body.append(_text(x0 + plot_w / 2, bottom + 34, "集 episode", "middle"))
    return _svg(bottom + 44, f"twist density per episode ({per})", body)


# -- twist timeline / heat map -----------------------------------------------------------------

def twist_chart(analysis: Any) -> Markup:
    """The twist timeline of a short series, the heat map of a long one."""
    if len(analysis.script.episodes) > TIMELINE_MAX_EPISODES:
        return _heatmap(analysis)
    return _timeline(analysis)


def _tooltip(ev: Any, names: dict[str, str]) -> str:
    text = ev.text if len(ev.text) <= TOOLTIP_CHARS else ev.text[:TOOLTIP_CHARS] + "…"
    return (f"第{ev.episode}集 {mmss(ev.time_s)} {names.get(ev.category, ev.category)} "
            f"{ev.category} ({ev.score:.2f}): {text}")


def _timeline(analysis: Any) -> Markup:
    s, w = analysis.script, analysis.settings.window_s
    span = max(s.duration_s, w)
    cats = list(CATEGORY_COLORS)
    x0, plot_w, lane = 150.0, WIDTH - 170.0, 24.0
    top = 40.0
    dots_bottom = top + lane * len(cats)
    band_top, band_bottom = dots_bottom + 18, dots_bottom + 108
    def xs(t: float) -> float:
        return x0 + t / span * plot_w
    body = [_text(WIDTH / 2, 18, "反转时间线 Twist timeline", "middle", ' font-weight="bold"')]
    for k in range(int(span // w) + 1):  # the window grid
        body.append(f'<line x1="{xs(k * w):.1f}" y1="{top}" x2="{xs(k * w):.1f}" '
                    f'y2="{band_bottom}" stroke="#e6e6e6"/>')
    last = -math.inf
    for ep in s.episodes:
        x = xs(ep.start_s)
        body.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{band_bottom}" '
                    'stroke="#555"/>')
        if x - last >= 50:
            body.append(_text(x + 3, top - 8, f"第{ep.number}集", extra=' font-size="11"'))
            last = x
    names = analysis.twist_names
    for k, cat in enumerate(cats):
        y = top + lane * k + lane / 2
        body.append(_text(x0 - 8, y + 4, f"{names.get(cat, cat)} {cat}", "end"))
        for ev in analysis.twist_events:
            if ev.category == cat:
                body.append(f'<circle cx="{xs(ev.series_time_s):.1f}" cy="{y:.1f}" r="5" '
                            f'fill="{CATEGORY_COLORS[cat]}"><title>{escape(_tooltip(ev, names))}'
                            "</title></circle>")
    body += _density_band(analysis, xs, band_top, band_bottom)
    body += _time_axis(x0, plot_w, span, band_bottom)
    body.append(_text(x0 + plot_w / 2, band_bottom + 34, "时间（分:秒） time (m:ss)", "middle"))
    return _svg(band_bottom + 44, "twist timeline", body)


def _density_band(analysis: Any, xs: Any, top: float, bottom: float) -> list[str]:
    """Each episode's twists per window as its own line (a cut between episodes is not a
    lull), under the one-per-window formula line."""
    s, w = analysis.script, analysis.settings.window_s
    runs = window_runs(analysis)
    vmax = max([2.0, *(win.n_twists for run in runs for win in run)])
    def ys(v: float) -> float:
        return bottom - v / vmax * (bottom - top)
    out = [f'<line x1="{xs(0):.1f}" y1="{bottom}" x2="{xs(s.duration_s):.1f}" y2="{bottom}" '
           'stroke="#666"/>',
           _text(xs(0) - 8, (top + bottom) / 2 + 4, f"每{w:.0f}秒 per {w:.0f} s", "end")]
    for ep, run in zip(s.episodes, runs, strict=True):
        pts = " ".join(f"{xs(ep.start_s + (win.start_s + win.end_s) / 2):.1f},"
                       f"{ys(win.n_twists):.1f}" for win in run)
        if pts:
            out.append(f'<polyline points="{pts}" fill="none" stroke="#333" stroke-width="1.5"/>')
    out.append(f'<line x1="{xs(0):.1f}" y1="{ys(1):.1f}" x2="{xs(s.duration_s):.1f}" '
               f'y2="{ys(1):.1f}" stroke="#d62728" stroke-dasharray="6 3"><title>每{w:.0f}秒一个'
               f"反转 one twist per {w:.0f} s</title></line>")
    out.append(_text(xs(0) + 4, top + 2, f"- - 每{w:.0f}秒一个反转 one twist per {w:.0f} s "
                     f"(max {vmax:.0f})", extra=' fill="#d62728" font-size="11"'))
    return out


def _heatmap(analysis: Any) -> Markup:
    s, w = analysis.script, analysis.settings.window_s
    runs = window_runs(analysis)
    n, cols = len(runs), max([1, *(len(run) for run in runs)])
    x0, plot_w, top = 80.0, WIDTH - 100.0, 56.0
    row = max(3.0, min(16.0, 900.0 / max(n, 1)))
    cell = plot_w / cols
    bottom = top + row * n
    body = [_text(WIDTH / 2, 18, "反转热图（每集一行） Twists, one row per episode", "middle",
                  ' font-weight="bold"')]
    for k, color in enumerate(HEAT):  # the legend
        x = x0 + k * 70
        body.append(f'<rect x="{x:.0f}" y="28" width="14" height="12" fill="{color}" '
                    'stroke="#ccc"/>')
        body.append(_text(x + 18, 38, f"{k}{'+' if k == len(HEAT) - 1 else ''}",
                          extra=' font-size="11"'))
    body.append(_text(x0 + len(HEAT) * 70, 38, f"每{w:.0f}秒反转数 twists per {w:.0f} s",
                      extra=' font-size="11"'))
    body.append(f'<rect x="{x0 + len(HEAT) * 70 + 230}" y="28" width="14" height="12" '
                f'fill="{BEYOND}" stroke="#ccc"/>')
    body.append(_text(x0 + len(HEAT) * 70 + 248, 38, "集已结束 after the episode's end",
                      extra=' font-size="11"'))
    body.append(f'<rect x="{x0}" y="{top}" width="{plot_w:.1f}" height="{row * n:.1f}" '
                f'fill="{BEYOND}"/>')
    labelled = set(every_kth(n, row * n, 14))
    for r, (ep, run) in enumerate(zip(s.episodes, runs, strict=True)):
        y = top + r * row
        body.append(f'<rect x="{x0}" y="{y:.2f}" width="{len(run) * cell:.2f}" '
                    f'height="{row:.2f}" fill="{HEAT[0]}"/>')
        for win in run:
            if win.n_twists:
                body.append(f'<rect x="{x0 + win.index * cell:.2f}" y="{y:.2f}" '
                            f'width="{cell:.2f}" height="{row:.2f}" '
                            f'fill="{HEAT[min(win.n_twists, len(HEAT) - 1)]}"><title>第{ep.number}集 '
                            f"{mmss(win.start_s)}–{mmss(win.end_s)}: {win.n_twists} "
                            f"({escape(win.categories)})</title></rect>")
        if r in labelled:
            body.append(_text(x0 - 6, y + row / 2 + 4, f"第{ep.number}集", "end",
                              ' font-size="11"'))
    body.append(f'<rect x="{x0}" y="{top}" width="{plot_w:.1f}" height="{row * n:.1f}" '
                'fill="none" stroke="#ccc"/>')
    body += _time_axis(x0, plot_w, cols * w, bottom)
    body.append(_text(x0 + plot_w / 2, bottom + 34, "集内时间（分:秒） time within the episode "
                      "(m:ss)", "middle"))
    return _svg(bottom + 44, "twists, one row per episode", body)
