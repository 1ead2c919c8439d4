"""PNGs painted from the SVG charts (``report/raster.py``): every kind of mark lands where the
SVG puts it, in its colour, and a mark the painter does not know is an error, not a gap."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tropescan.api import Analyzer
from tropescan.report import charts, raster

CORPUS = Path(__file__).resolve().parents[1] / "corpora_sample" / "scripts"


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def _svg(body: str, width: int = 100, height: int = 50) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" font-size="12">{body}</svg>')


def test_raster_marks_land_where_the_svg_puts_them() -> None:
    png = raster.svg_to_png(_svg(
        '<rect x="10" y="10" width="20" height="10" fill="#ff0000"><title>tip</title></rect>'
        '<line x1="0" y1="40" x2="100" y2="40" stroke="#0000ff"/>'
        '<circle cx="70" cy="15" r="5" fill="#00ff00"/>'))
    img = _image(png)
    s = raster.SCALE
    assert img.size == (100 * s, 50 * s)
    assert img.getpixel((20 * s, 15 * s)) == (255, 0, 0)
    assert img.getpixel((9 * s, 15 * s)) == (255, 255, 255)  # the rect ends where it says
    assert img.getpixel((50 * s, 40 * s)) == (0, 0, 255)
    assert img.getpixel((70 * s, 15 * s)) == (0, 255, 0)


def test_raster_dashed_line_has_gaps() -> None:
    img = _image(raster.svg_to_png(_svg(
        '<line x1="0" y1="25" x2="100" y2="25" stroke="#000000" stroke-dasharray="5 5"/>')))
    s = raster.SCALE
    row = [img.getpixel((x, 25 * s)) for x in range(0, 100 * s)]
    assert row[2 * s] == (0, 0, 0) and row[7 * s] == (255, 255, 255)


def _ink(png: bytes) -> list[tuple[int, int]]:
    img = _image(png)
    return [(x, y) for x in range(img.width) for y in range(img.height)
            if img.getpixel((x, y)) != (255, 255, 255)]


def test_raster_text_anchors_and_rotation() -> None:
    s = raster.SCALE
    ended = _ink(raster.svg_to_png(_svg('<text x="50" y="20" text-anchor="end">反转</text>')))
    xs, ys = [x for x, _ in ended], [y for _, y in ended]
    assert 50 * s - 2 <= max(xs) <= 50 * s + 2 and min(xs) >= 20 * s  # ends at x=50
    assert max(ys) <= 20 * s + 4  # on the baseline y=20
    turned = _ink(raster.svg_to_png(_svg(
        '<text x="10" y="45" transform="rotate(-90 10 45)">每集</text>', 100, 100)))
    xs, ys = [x for x, _ in turned], [y for _, y in turned]
    # turned a quarter anticlockwise: taller than wide, rising from its anchor at (10, 45),
    # the glyphs left of the anchor's x (their baseline is the vertical through it)
    assert max(ys) - min(ys) > max(xs) - min(xs)
    assert 45 * s - 4 <= max(ys) <= 45 * s + 2
    assert max(xs) <= 10 * s + 4 and min(xs) < 10 * s


def test_raster_unknown_mark_is_an_error() -> None:
    with pytest.raises(ValueError, match="ellipse"):
        raster.svg_to_png(_svg('<ellipse cx="1" cy="1" rx="1" ry="1"/>'))


@pytest.mark.parametrize("name", ["s002.txt", "s011.txt"])
def test_raster_paints_every_chart_of_an_analysis(name: str) -> None:
    a = Analyzer(corpus=None).analyze(CORPUS / name)
    pngs = raster.analysis_pngs(a)
    assert set(pngs) == {"timeline", "episodes", "tropes"}
    for key, png in pngs.items():
        img = _image(png)
        assert img.width == charts.WIDTH * raster.SCALE, key
        colours = {c for _, c in img.getcolors(maxcolors=1 << 20)}
        assert len(colours) > 20, key  # anti-aliased text and marks, not a blank page
    bars = _image(pngs["episodes"])
    assert (0x4C, 0x72, 0xB0) in {c for _, c in bars.getcolors(maxcolors=1 << 20)}


def test_raster_paints_the_heat_map_of_a_long_series() -> None:
    from tropescan.report.plots import TIMELINE_MAX_EPISODES

    a = Analyzer(corpus=None).analyze(CORPUS / "s002.txt")
    many = a.script.episodes * (TIMELINE_MAX_EPISODES // len(a.script.episodes) + 1)
    assert len(many) > TIMELINE_MAX_EPISODES
    import dataclasses
    long = dataclasses.replace(a, script=dataclasses.replace(a.script, episodes=many))
    svg = charts.twist_chart(long)
    assert "one row per episode" in svg
    img = _image(raster.svg_to_png(svg))
    colours = {c for _, c in img.getcolors(maxcolors=1 << 20)}
    assert (0xFF, 0xF8, 0xD9) in colours  # the heat map's empty-window colour
