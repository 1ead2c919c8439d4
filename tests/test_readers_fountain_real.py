"""Fountain scene headings as Chinese writers really type them.

Issue "Read real scripts", reviewer's Fountain findings: two-sided INT./EXT. prefixes, flashback
headings (.回忆 - 三年前 医院病房), place names with several ``-`` parts and ``#1-2#`` scene
numbers, and Chinese 内景/外景 prefixes. Inputs are written inline to ``tmp_path``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import tropescan
from tropescan.model import Scene, Script


def read(tmp_path: Path, text: str) -> Script:
    path = tmp_path / "draft.fountain"
    path.write_text(text, encoding="utf-8")
    return tropescan.read(path)


def fields(scene: Scene) -> tuple[str | None, str | None, str | None, str | None]:
    return scene.label, scene.time_of_day, scene.interior, scene.location


def flashbacks(script: Script) -> list[list[bool]]:
    return [[line.flashback for line in scene.lines] for scene in script.episodes[0].scenes]


def one_heading(tmp_path: Path, heading: str) -> Scene:
    script = read(tmp_path, f"# 第1集\n\n{heading}\n\n@林晚\n你来了。\n")
    [scene] = script.episodes[0].scenes
    assert scene.heading == heading
    return scene


# --- 1. INT./EXT. and its spellings are 内外, not 内 ------------------------------------------

def test_fountain_two_sided_prefixes_are_inside_and_outside(tmp_path: Path) -> None:
    # Regression: the prefix pattern tried INT before INT./EXT., so INT./EXT. read as 内.
    headings = ["INT./EXT. 林家大门 - DAY", "INT/EXT 林家大门 - DAY", "EXT./INT. 林家大门 - DAY",
                "I/E. 林家大门 - DAY", "E/I 林家大门 - DAY"]
    text = "# 第1集\n\n" + "".join(f"{h}\n\n林晚推开门。\n\n" for h in headings)
    scenes = read(tmp_path, text).episodes[0].scenes
    assert [sc.heading for sc in scenes] == headings
    assert [fields(sc) for sc in scenes] == [(None, "日", "内外", "林家大门")] * len(headings)


# --- 2. flashback headings ---------------------------------------------------------------------

REAL_FLASHBACK = """Title: 重生之豪门千金归来

# 第1集 重生

EXT. 别墅天台 - NIGHT

@林晚 (O.S.)
上一世，我就是从这里掉下去的。

.回忆 - 三年前 医院病房

@护士
病人醒了！快叫医生！

INT. 顾家别墅 客厅 - NIGHT

林晚睁开眼。
"""


def test_fountain_forced_flashback_heading(tmp_path: Path) -> None:
    # Regression: gave location 回忆 and time of day "三年前 医院病房", and no flashback.
    script = read(tmp_path, REAL_FLASHBACK)
    scenes = script.episodes[0].scenes
    assert fields(scenes[1]) == (None, None, None, "医院病房")
    # The flashback lasts the one scene its heading opened.
    assert flashbacks(script) == [[False, False], [True, True], [False, False]]


def test_fountain_flashback_heading_closed_by_end_marker(tmp_path: Path) -> None:
    text = REAL_FLASHBACK.replace("快叫医生！\n", "快叫医生！\n\n> 闪回结束 <\n\nFADE OUT.\n")
    script = read(tmp_path, text)
    # The end marker still belongs to the flashback; the line after it does not.
    assert flashbacks(script)[1] == [True, True, True, False]
    assert [ln.content for ln in script.episodes[0].scenes[1].lines[-2:]] == ["闪回结束",
                                                                            "FADE OUT."]
    assert flashbacks(script)[2] == [False, False]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        pytest.param("INT. 医院病房 - NIGHT (FLASHBACK)", (None, "夜", "内", "医院病房"),
                     id="(FLASHBACK)"),
        pytest.param("EXT. 天台 - 夜 - 闪回", (None, "夜", "外", "天台"), id="-闪回-last"),
        pytest.param(".闪回：医院病房 - 夜", (None, "夜", None, "医院病房"), id="forced-闪回："),
        pytest.param("内景 医院病房（回忆） - 日", (None, "日", "内", "医院病房"), id="（回忆）"),
    ],
)
def test_fountain_flashback_heading_spellings(tmp_path: Path, heading: str,
                                              expected: tuple[str | None, ...]) -> None:
    scene = one_heading(tmp_path, heading)
    assert fields(scene) == expected
    assert all(line.flashback for line in scene.lines)


def test_fountain_flashback_heading_ends_at_next_heading_but_marker_does_not(
        tmp_path: Path) -> None:
    # A flashback opened by a marker line (itself in the flashback, as in plain text) runs over
    # headings until its end marker; a place merely named 回忆… is no flashback.
    text = ("# 第1集\n\n.回忆 - 医院病房\n\n护士跑过。\n\n.回忆咖啡馆 - 日\n\n林晚坐下。\n\n"
            "> 闪回 <\n\nEXT. 天台 - NIGHT\n\n林晚站着。\n\n> 闪回结束 <\n\n"
            "INT. 客厅 - DAY\n\n林晚醒来。\n")
    script = read(tmp_path, text)
    assert [sc.location for sc in script.episodes[0].scenes] == ["医院病房", "回忆咖啡馆",
                                                                 "天台", "客厅"]
    assert flashbacks(script) == [[True, True], [False, False, True], [True, True, True],
                                  [False, False]]


# --- 3. every place part kept, only a final time of day is the time; #1-2# is the label --------

@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        pytest.param("INT. 医院 - 走廊 - NIGHT #1-2#", ("1-2", "夜", "内", "医院 - 走廊"),
                     id="two-place-parts-and-scene-number"),
        pytest.param("INT. 医院 - 走廊", (None, None, "内", "医院 - 走廊"), id="no-time"),
        pytest.param("INT. 客厅 - CONTINUOUS", (None, None, "内", "客厅"),
                     id="CONTINUOUS-is-no-time"),
        pytest.param(".1-2 储秀宫 偏殿 夜 内", ("1-2", "夜", "内", "储秀宫 偏殿"),
                     id="forced-chinese-scene-number"),
    ],
)
def test_fountain_heading_place_parts_and_scene_number(
        tmp_path: Path, heading: str, expected: tuple[str | None, ...]) -> None:
    assert fields(one_heading(tmp_path, heading)) == expected


# --- 4. Chinese 内景/外景/内外景 prefixes --------------------------------------------------------

@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        pytest.param("内景 别墅客厅 - 夜", (None, "夜", "内", "别墅客厅"), id="内景"),
        pytest.param("外景 天台 - 黄昏", (None, "黄昏", "外", "天台"), id="外景"),
        pytest.param("内外景 车内 - 日", (None, "日", "内外", "车内"), id="内外景"),
        pytest.param(".内景 别墅客厅 - 夜", (None, "夜", "内", "别墅客厅"), id="forced-内景"),
    ],
)
def test_fountain_chinese_scene_prefixes(tmp_path: Path, heading: str,
                                         expected: tuple[str | None, ...]) -> None:
    # Regression: 内景 was kept in the location (location "内景 别墅客厅").
    assert fields(one_heading(tmp_path, heading)) == expected
