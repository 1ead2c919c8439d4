"""Renderers: terminal tables, JSON/CSV views, self-contained HTML pages, and plots.

Issue "The three users' workflows". Submissions are untrusted text: the terminal never reads
it as rich markup, and HTML pages escape it, carry no script and load nothing from outside
(images are data URIs; a Content-Security-Policy forbids scripts even if escaping failed).
"""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from texts import HOSTILE_ESCAPED, HOSTILE_RAW, HOSTILE_SCRIPT

from tropescan.api import ROW_COLUMNS
from tropescan.report import html as html_report
from tropescan.report import plots, serialize, tables, terminal

CORPUS = Path(__file__).parents[1] / "corpora_sample" / "scripts"
DATA = Path(__file__).parent / "data" / "scripts"
PNG = b"\x89PNG\r\n\x1a\n"

MARKUP_SCRIPT = ("第1集\n1-1 日 内 客厅\n苏晚：[bold]我重生了[/bold]！这一世，我要让他们血债血偿！\n"
                 "△[red]门被推开[/red]。\n苏晚：你到底是谁？\n")


@pytest.fixture
def hostile(write_script: Callable[..., Path], lexicon_only_analyzer: Any) -> Any:
    return lexicon_only_analyzer.analyze(write_script(HOSTILE_SCRIPT, "hostile.txt"))


# -- terminal ----------------------------------------------------------------------------------

def test_report_terminal_text_is_not_markup(write_script: Callable[..., Path],
                                            lexicon_only_analyzer: Any) -> None:
    a = lexicon_only_analyzer.analyze(write_script(MARKUP_SCRIPT, "markup.txt"))
    assert {t.trope for t in a.present_tropes} >= {"chongsheng", "fuchou"}
    out = terminal.render_scan(a)
    assert "苏晚：[bold]我重生了[/bold]！" in out
    assert "[/bold]" in terminal.render_evidence(a)
    assert "\x1b[" not in out  # no colour codes in redirected output


def test_report_terminal_scan_sections(analysis_of: Callable[[str], Any],
                                       lexicon_only_analyzer: Any) -> None:
    a = analysis_of("s002.txt")
    out = terminal.render_scan(a)
    assert out.splitlines()[0] == (f"━━ s002  ({CORPUS / 's002.txt'}; 5 集 episodes, "
                                   f"{terminal.clock(a.script.duration_s)} estimated)")
    o = a.originality
    assert f"原创度 Originality: {o.score:.0f}/100" in out
    assert f"疑似复用 Reused passages ({len(o.passage_items)}):" in out
    assert out.count("青石县的上门女婿 (s071)") >= 2  # nearest works and the passage table
    bare = terminal.render_scan(lexicon_only_analyzer.analyze(DATA / "no_episodes.txt"))
    assert "   ! no episode markers (第N集): read as one episode" in bare
    assert "原创度" not in bare


def test_report_terminal_no_tropes(analysis_of: Callable[[str], Any]) -> None:
    out = terminal.render_scan(analysis_of("s057.txt"))
    assert "套路 Tropes: no formula trope found 未发现明显套路" in out


def test_report_terminal_tables(analysis_of: Callable[[str], Any]) -> None:
    a = analysis_of("s002.txt")
    trope_lines = terminal.render_tropes(a).splitlines()
    assert len(trope_lines) == 2 + 32  # header, rule, one line per trope
    present = [ln.split("│")[0].strip() for ln in trope_lines[2:] if "│ yes " in ln]
    assert set(present) == {t.trope for t in a.present_tropes}
    twists = terminal.render_twists(a)
    p = a.pacing
    assert twists.splitlines()[-1] == (
        f"{p['n_twists']} twists, {p['density']:.2f} per 15 s; "
        f"{100 * p['window_share']:.0f}% of windows hit; longest gap {p['longest_gap_s']:.0f} s")


# -- HTML ----------------------------------------------------------------------------------------

def test_report_html_escapes_hostile_text(hostile: Any,
                                          html_problems: Callable[[str], list[str]]) -> None:
    assert hostile.script.title == "<script>alert(1)</script>"
    assert hostile.evidence_items and hostile.twist_events  # the hostile lines reach the tables
    page = html_report.render_report(hostile, plots=False)
    assert html_problems(page) == []
    for raw in HOSTILE_RAW:
        assert raw not in page
    for escaped in HOSTILE_ESCAPED:
        assert escaped in page
    assert f"<h1>{HOSTILE_ESCAPED[0]}</h1>" in page
    assert "<img" not in page  # plots=False


def test_report_html_self_contained_with_plots(analysis_of: Callable[[str], Any],
                                               html_problems: Callable[[str], list[str]]) -> None:
    a = analysis_of("s002.txt")
    page = html_report.render_report(a)
    assert html_problems(page) == []
    charts = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
                        r'aria-label="([^"]+)".*?</svg>', page, re.S)
    assert [c.split(" (")[0] for c in charts] == ["trope scores", "twist timeline",
                                                  "twist density per episode"]
    for chart in re.findall(r'<svg xmlns=.*?</svg>', page, re.S):
        ElementTree.fromstring(chart)  # well-formed: every script text in it escaped
    # one mark per present trope, per twist event and per episode, each with its value
    assert page.count("(出现 present)</title></rect>") == sum(t.present for t in a.trope_scores)
    assert page.count("<circle ") == len(a.twist_events)
    assert page.count('fill="#4c72b0"><title>') == len(a.episode_items)
    o = a.originality
    for part in o.parts:
        assert f"<tr><td>{part}</td>" in page
    assert f'<span class="score">{o.score:.0f}</span>/100' in page
    assert page.count("青石县的上门女婿") >= 2


def test_report_html_index(html_problems: Callable[[str], list[str]]) -> None:
    rows = [
        {"rank": 1, "id": "a", "title": HOSTILE_RAW[0] + "(1)</script>", "originality": 87.94,
         "top_tropes": "chongsheng", "twist_density": 0.5, "nearest_work": "<b>x</b>",
         "similar_submissions": "", "status": "ok", "error": "", "report": "a-123456.html"},
        {"rank": "", "id": "bad", "title": None, "originality": None, "top_tropes": None,
         "twist_density": None, "nearest_work": None, "similar_submissions": "", "status": "error",
         "error": "<img src=x onerror=alert(1)> is not a script", "report": ""},
    ]
    page = html_report.render_index(rows, title="contest <2024>", window_s=15,
                                    versions={"tropescan": "0", "lexicon": "v",
                                              "tropes_method": "t", "twists_method": "w",
                                              "originality_method": "o"})
    assert html_problems(page) == []
    for raw in HOSTILE_RAW:
        assert raw not in page
    assert "<title>contest &lt;2024&gt; · tropescan</title>" in page
    assert "1 scored, 1 failed." in page
    assert '<a href="a-123456.html">a</a>' in page and "<td>bad</td>" in page
    assert '<td class="num">88</td>' in page
    assert f"error: {HOSTILE_ESCAPED[1]} is not a script" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page


def test_report_html_declares_a_cjk_font_stack(hostile: Any) -> None:
    """Report and index pages name a font with Chinese glyphs on macOS, Windows and Linux
    before the generic family."""
    from tropescan.report import fonts

    index = html_report.render_index([], title="t", window_s=15,
                                     versions={"tropescan": "0", "lexicon": "v",
                                               "tropes_method": "t", "twists_method": "w",
                                               "originality_method": "o"})
    for page in (html_report.render_report(hostile, plots=False), index):
        assert f"body {{ font-family: {fonts.CSS_FONT_STACK};" in page
    names = re.findall(r'"([^"]+)"', fonts.CSS_FONT_STACK)
    assert {"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
            "Source Han Sans SC", "WenQuanYi Micro Hei"} <= set(names)
    assert fonts.CSS_FONT_STACK.endswith(", sans-serif")


@pytest.mark.parametrize(("script_id", "path"), [
    pytest.param("s002", "/a/s002.txt", id="plain"),
    pytest.param("../../etc/passwd", "/a/x.txt", id="path-traversal"),
    pytest.param("剧本 一/二", "/a/剧本.txt", id="chinese-space-slash"),
    pytest.param("", None, id="empty"),
    pytest.param("x" * 300, "/a/long.txt", id="long"),
])
def test_report_html_report_name_is_safe(script_id: str, path: str | None) -> None:
    name = html_report.report_name(script_id, path)
    assert re.fullmatch(r"[\w\-]{1,60}-[0-9a-f]{6}\.html", name), name
    assert ".." not in name and "/" not in name


def test_report_html_report_name_unique_per_path() -> None:
    names = {html_report.report_name("s002", p) for p in ("/a/s002.txt", "/b/s002.txt",
                                                          "/a/s002.md")}
    assert len(names) == 3


def test_report_html_write_report(hostile: Any, tmp_path: Path) -> None:
    path = html_report.write_report(hostile, tmp_path / "pages", plots=False)
    assert path.parent == tmp_path / "pages"
    assert path.name == html_report.report_name(hostile.script.id, hostile.script.path)
    assert path.read_text(encoding="utf-8") == html_report.render_report(hostile, plots=False)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left


# -- CSV and JSON views --------------------------------------------------------------------------

def test_report_rows_to_csv(analysis_of: Callable[[str], Any]) -> None:
    rows = [analysis_of(n).summary_row() for n in ("s002.txt", "s057.txt")]
    rows[1]["title"] = '标题，带逗号和"引号"'
    rows[1]["extra"] = "ignored"
    text = tables.rows_to_csv(rows)
    back = list(csv.DictReader(io.StringIO(text)))
    assert list(back[0]) == ROW_COLUMNS
    assert [r["id"] for r in back] == ["s002", "s057"]
    assert back[1]["title"] == '标题，带逗号和"引号"'
    assert float(back[0]["originality"]) == rows[0]["originality"]
    assert tables.rows_to_csv(rows, ["id", "status"]).splitlines() == ["id,status", "s002,ok",
                                                                       "s057,ok"]


def _floats(obj: Any) -> list[float]:
    if isinstance(obj, float):
        return [obj]
    if isinstance(obj, dict):
        return [f for v in obj.values() for f in _floats(v)]
    if isinstance(obj, list):
        return [f for v in obj for f in _floats(v)]
    return []


def test_report_serialize_rounds_table_floats(analysis_of: Callable[[str], Any]) -> None:
    d = serialize.analysis_to_dict(analysis_of("s002.txt"))
    for key in ("tropes", "evidence", "twists", "windows", "episodes"):
        values = _floats(d[key])
        assert values, key
        assert all(round(v, 4) == v for v in values), key
    assert all(round(v, 4) == v for v in _floats(d["originality"]["nearest"]))
    assert d["script"] == serialize.script_summary(analysis_of("s002.txt").script)
    assert [t["lines"] for t in d["twists"]][:1] and isinstance(d["twists"][0]["lines"], list)


# -- plots -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("suffix", "magic"), [
    pytest.param(".png", PNG, id="png"),
    pytest.param(".svg", b"<?xml", id="svg"),
])
def test_report_plots_save(suffix: str, magic: bytes, analysis_of: Callable[[str], Any],
                           tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    fig = analysis_of("s002.txt").plot_tropes()
    path = tmp_path / f"tropes{suffix}"
    plots.save(fig, path)
    assert path.read_bytes().startswith(magic)
    assert not plt.fignum_exists(fig.number)  # closed after saving
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_report_plots_data_uri(analysis_of: Callable[[str], Any]) -> None:
    uri = plots.to_data_uri(analysis_of("s002.txt").plot_episodes())
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri[len(prefix):]).startswith(PNG)


@pytest.mark.parametrize(("font", "expected"), [
    pytest.param(None, "time (m:ss)", id="no-cjk-font"),
    pytest.param("Noto Sans CJK SC", "时间（分:秒） time (m:ss)", id="cjk-font"),
])
def test_report_plots_label(font: str | None, expected: str,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plots, "cjk_font", lambda: font)
    assert plots.label("时间（分:秒）", "time (m:ss)") == expected


def test_report_plots_english_without_cjk_font(analysis_of: Callable[[str], Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plots, "cjk_font", lambda: None)
    display = plots.plot_twist_timeline(analysis_of("s002.txt"))
    try:
        labels = [t.get_text() for t in display.ax_.get_yticklabels()]
        assert labels == list(plots.CATEGORY_COLORS)
        assert display.ax_.get_title() == "s002: twist timeline"
        assert display.ax_.get_xlim()[1] == pytest.approx(analysis_of("s002.txt").script.duration_s)
    finally:
        plt.close(display.figure_)


def test_report_plots_timeline_reads_at_a_glance(analysis_of: Callable[[str], Any]) -> None:
    """Each episode's density is its own curve (a cut is not a lull), the formula line sits at
    one twist per window, the time axis reads m:ss on whole minutes or half minutes, and
    every event is drawn."""
    import matplotlib.pyplot as plt

    analysis = analysis_of("s002.txt")
    display = plots.plot_twist_timeline(analysis)
    try:
        twin = next(a for a in display.figure_.axes if a is not display.ax_)
        curves = [ln for ln in twin.get_lines() if ln.get_linestyle() == "-"]
        assert len(curves) == len(analysis.script.episodes)
        formula = [ln for ln in twin.get_lines() if ln.get_linestyle() == "--"]
        assert len(formula) == 1 and set(formula[0].get_ydata()) == {1.0}
        for curve, ep in zip(curves, analysis.script.episodes, strict=True):
            xs = curve.get_xdata()
            assert ep.start_s <= min(xs) and max(xs) <= ep.start_s + ep.duration_s
        display.figure_.canvas.draw()
        lo, hi = display.ax_.get_xlim()
        ticks = [t.get_text() for t in display.ax_.get_xticklabels()
                 if lo <= t.get_position()[0] <= hi]
        assert ticks[0] == "0:00"
        assert all(t.endswith(("00", "30")) for t in ticks), ticks
        drawn = sum(len(c.get_offsets()) for c in display.ax_.collections)
        assert drawn == len(analysis.twist_events)
    finally:
        plt.close(display.figure_)


@pytest.mark.parametrize("width", [80, 100, 132])
def test_report_scan_fits_the_terminal(width: int, analysis_of: Callable[[str], Any]) -> None:
    """Every line fits the terminal, Chinese counted as two columns; a narrow terminal keeps
    the score and the evidence and drops the lexicon and classifier columns."""
    from rich.cells import cell_len

    out = terminal.render_scan(analysis_of("s071.txt"), width=width)
    assert max(cell_len(line) for line in out.splitlines()) <= width
    header = next(line for line in out.splitlines() if "trope" in line and "score" in line)
    assert ("classifier" in header) == (width >= terminal.NARROW)


def test_report_scan_width_follows_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "90")
    assert terminal.terminal_width() == 90
    monkeypatch.setenv("COLUMNS", "40")
    assert terminal.terminal_width() == terminal.MIN_WIDTH


def test_report_charts_escape_hostile_text(hostile: Any,
                                           html_problems: Callable[[str], list[str]]) -> None:
    """Event lines reach the charts' tooltips, escaped like everywhere else in the page."""
    page = html_report.render_report(hostile)
    assert page.count('class="chart"') == 3
    assert html_problems(page) == []
    for raw in HOSTILE_RAW:
        assert raw not in page
    for chart in re.findall(r'<svg xmlns=.*?</svg>', page, re.S):
        ElementTree.fromstring(chart)


def test_report_long_series_gets_a_heat_map(write_script: Callable[..., Path],
                                            lexicon_only_analyzer: Any) -> None:
    """Beyond TIMELINE_MAX_EPISODES the twist chart is a heat map, one row per episode, with
    every k-th episode labelled so that labels never crowd; every episode keeps its bar."""
    from tropescan.report.charts import twist_chart

    episode = ("1-1 日 内 客厅\n苏晚：原来你就是害死我的人！\n△啪的一声，她甩了他一巴掌。\n"
               "林峰：你竟然是龙帅？\n苏晚：三年了，我终于等到这一天。\n")
    text = "".join(f"第{k}集\n{episode}" for k in range(1, 91))
    a = lexicon_only_analyzer.analyze(write_script(text, "long.txt"))
    assert len(a.script.episodes) == 90
    chart = str(twist_chart(a))
    root = ElementTree.fromstring(chart)
    assert root.get("aria-label") == "twists, one row per episode"
    labels = re.findall(r">第(\d+)集</text>", chart)
    assert labels[0] == "1" and 1 < len(labels) < 90
    height = float(root.get("height"))
    assert len(labels) * 14 <= height  # at least 14 units between labels
    page = html_report.render_report(a)
    assert page.count('fill="#4c72b0"><title>') == 90
