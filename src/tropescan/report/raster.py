"""PNG images of the inline SVG charts (``charts.py``), painted with Pillow: what ``scan --plot``
and ``compare``-style folders of charts write.

Input: an SVG string from ``charts.py``. Output: PNG bytes, ``SCALE`` pixels per SVG unit.

Why not matplotlib here: for an 80-episode series, ``--plot`` spent 1.6 s on top of the scan
(the import 0.4 s, laying out CJK text for three figures ~1.1 s). The SVG charts are already
laid out, so painting them takes tens of milliseconds, and the PNGs look like the charts of
the HTML report. Only the marks ``charts.py`` writes are understood — ``rect``, ``line``
(solid or dashed), ``polyline``, ``circle`` and ``text`` (anchored, bold, rotated by -90°);
anything else raises ``ValueError``, so a new kind of mark cannot vanish from the PNGs
unnoticed (a test paints every chart). ``<title>`` tooltips have no place in a picture and are
skipped. Matplotlib figures stay for notebooks and the API (``plots.py``).
"""

from __future__ import annotations

import io
import math
import re
import warnings
import xml.etree.ElementTree as ET
from functools import cache
from typing import Any

from .charts import analysis_charts
from .fonts import bundled_font_file

SCALE = 2  # pixels per SVG unit: a 1000-unit chart becomes a 2000-pixel PNG
NS = "{http://www.w3.org/2000/svg}"
ROTATE_RE = re.compile(r"rotate\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*\)")
#: SVG text-anchor -> Pillow anchor on the baseline (SVG's y is the baseline too)
ANCHORS = {"start": "ls", "middle": "ms", "end": "rs"}


@cache
def _font(px: int) -> Any:
    from PIL import ImageFont

    path = bundled_font_file()
    if path is not None:
        return ImageFont.truetype(str(path), px)
    warnings.warn("the bundled Chinese font is missing: chart labels may show as boxes "
                  "(reinstall tropescan)", stacklevel=4)
    return ImageFont.load_default(px)


def _f(el: ET.Element, name: str, default: float = 0.0) -> float:
    value = el.get(name)
    return float(value) if value is not None else default


def _paint(value: str | None, default: str | None) -> str | None:
    if value is None:
        return default
    return None if value == "none" else value


def svg_to_png(svg: str) -> bytes:
    """The PNG of one chart of ``charts.py``."""
    from PIL import Image, ImageDraw

    root = ET.fromstring(str(svg))
    width, height = int(_f(root, "width")), int(_f(root, "height"))
    base_size = _f(root, "font-size", 12.0)
    image = Image.new("RGB", (width * SCALE, height * SCALE), "white")
    draw = ImageDraw.Draw(image)
    for el in root:
        tag = el.tag.removeprefix(NS)
        if tag == "rect":
            _rect(draw, el)
        elif tag == "line":
            _line(draw, el)
        elif tag == "polyline":
            points = [float(v) * SCALE for v in re.split(r"[\s,]+", el.get("points", "").strip())
                      if v]
            stroke = _paint(el.get("stroke"), None)
            if stroke and len(points) >= 4:
                draw.line(points, fill=stroke, joint="curve",
                          width=max(1, round(_f(el, "stroke-width", 1.0) * SCALE)))
        elif tag == "circle":
            x, y, r = (_f(el, k) * SCALE for k in ("cx", "cy", "r"))
            draw.ellipse([x - r, y - r, x + r, y + r], fill=_paint(el.get("fill"), "black"))
        elif tag == "text":
            _text(image, draw, el, base_size)
        else:
            raise ValueError(f"svg_to_png: <{tag}> is not a mark charts.py writes")
    buf = io.BytesIO()
    # zlib level 1: half the encoding time of the default 6 for files ~25% larger (flat charts)
    image.save(buf, format="PNG", optimize=False, compress_level=1)
    return buf.getvalue()


def _rect(draw: Any, el: ET.Element) -> None:
    x, y, w, h = (_f(el, k) * SCALE for k in ("x", "y", "width", "height"))
    if w <= 0 or h <= 0:
        return
    fill = _paint(el.get("fill"), "black")
    stroke = _paint(el.get("stroke"), None)
    # Pillow's rectangle includes its far edge: one pixel less, so cells side by side touch
    # without overlapping.
    box = [x, y, max(x, x + w - 1), max(y, y + h - 1)]
    draw.rectangle(box, fill=fill, outline=stroke, width=SCALE if stroke else 0)


def _line(draw: Any, el: ET.Element) -> None:
    stroke = _paint(el.get("stroke"), None)
    if not stroke:
        return
    x1, y1, x2, y2 = (_f(el, k) * SCALE for k in ("x1", "y1", "x2", "y2"))
    width = max(1, round(_f(el, "stroke-width", 1.0) * SCALE))
    dashes = [float(v) * SCALE for v in (el.get("stroke-dasharray") or "").replace(",", " ")
              .split()]
    length = math.hypot(x2 - x1, y2 - y1)
    if not dashes or length == 0 or sum(dashes) <= 0:
        draw.line([x1, y1, x2, y2], fill=stroke, width=width)
        return
    if len(dashes) % 2:
        dashes *= 2
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    pos, k = 0.0, 0
    while pos < length:
        end = min(length, pos + dashes[k % len(dashes)])
        if k % 2 == 0:  # a dash; odd entries are the gaps
            draw.line([x1 + ux * pos, y1 + uy * pos, x1 + ux * end, y1 + uy * end],
                      fill=stroke, width=width)
        pos, k = end, k + 1


def _text(image: Any, draw: Any, el: ET.Element, base_size: float) -> None:
    from PIL import Image, ImageDraw

    text = "".join(el.itertext())
    if not text:
        return
    font = _font(round(_f(el, "font-size", base_size) * SCALE))
    fill = _paint(el.get("fill"), "black") or "black"
    bold = SCALE // 2 if el.get("font-weight") == "bold" else 0
    anchor = ANCHORS.get(el.get("text-anchor", "start"), "ls")
    x, y = _f(el, "x") * SCALE, _f(el, "y") * SCALE
    rotate = ROTATE_RE.search(el.get("transform") or "")
    if not rotate:
        draw.text((x, y), text, fill=fill, font=font, anchor=anchor, stroke_width=bold,
                  stroke_fill=fill)
        return
    # Only the y-axis label is rotated (by -90° about its own anchor): draw it upright on its
    # own transparent layer, turn the layer and paste it so the anchor lands on (x, y).
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font, anchor=anchor)
    layer = Image.new("RGBA", (right - left + 2, bottom - top + 2), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text((-left + 1, -top + 1), text, fill=fill, font=font,
                               anchor=anchor)
    turned = layer.rotate(-float(rotate.group(1)), expand=True)
    # upright, the anchor sat at (1 - left, 1 - top); turned 90° counter-clockwise it sits at
    # (1 - top, width - (1 - left))
    ax, ay = 1 - top, layer.width - (1 - left)
    image.paste(turned, (round(x - ax), round(y - ay)), turned)



def analysis_pngs(analysis: Any) -> dict[str, bytes]:
    """The three charts of an analysis (``charts.analysis_charts``) as PNGs, by name."""
    from concurrent.futures import ThreadPoolExecutor

    charts = analysis_charts(analysis)
    # Pillow draws and encodes outside the GIL: three charts in threads take ~0.6x the time
    with ThreadPoolExecutor(len(charts) or 1) as pool:
        return dict(zip(charts, pool.map(svg_to_png, charts.values()), strict=True))
