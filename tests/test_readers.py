"""Readers: every way writers really save a script -> the same ``Script`` model.

Issue "Read real scripts". The fixtures are small synthetic scripts in tests/data/scripts/;
encoded copies, .docx files and broken inputs are made in conftest.py.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from texts import ENCODED_VARIANTS, FRAGMENTS, SCENE_PREFIX, catalogue_code

import tropescan
from tropescan.errors import DecodeError, FormatError, InputError, TropescanError
from tropescan.model import LineKind, Script
from tropescan.readers import detect_format, read_script
from tropescan.timing import TimingProfile

SCRIPTS = Path(__file__).parent / "data" / "scripts"
FIXTURES = sorted(p.name for p in SCRIPTS.iterdir() if p.name != "bad_timestamp.srt")
TEXT_FIXTURES = [n for n in FIXTURES if n.endswith((".txt", ".md"))]


def read(name: str, **kwargs: Any) -> Script:
    return read_script(SCRIPTS / name, **kwargs)


def kinds(script: Script) -> dict[str, int]:
    return dict(Counter(line.kind.value for line in script.lines))


def signature(script: Script) -> tuple[Any, ...]:
    """Everything a reader decides, without the file's name, format or encoding."""
    return (
        script.title, script.cast, script.traditional, script.text,
        [(ep.number, ep.title, ep.start_s, ep.duration_s,
          [(sc.number, sc.label, sc.time_of_day, sc.interior, sc.location,
            [(ln.kind, ln.speaker, ln.note, ln.text, ln.content, ln.start_s, ln.end_s,
              ln.flashback) for ln in sc.lines])
           for sc in ep.scenes])
         for ep in script.episodes],
    )


# --- structure: episodes, their numbers and titles, scenes ------------------------------------

STRUCTURE = [
    # file, episode numbers, episode titles, scene numbers per episode (0 = no heading)
    pytest.param("conventions.txt", [1, 2, 12], ["重生归来", None, "打脸"], [[1, 2], [1, 2], [1]],
                 id="conventions-第1集-第二集-第十二集"),
    pytest.param("ep_chinese_numerals.txt", [1, 2, 12], [None, "相遇", "结局"], [[1], [1], [1]],
                 id="chinese-numerals"),
    pytest.param("ep_spaced.txt", [1, 2, 3], [None, "重逢", None], [[0], [0], [0]],
                 id="第-3-集-spaced"),
    pytest.param("ep_latin.txt", [1, 2, 3], [None, "逆袭", None], [[0], [0], [0]], id="EP01"),
    pytest.param("ep_bracketed.txt", [1, 2, 3], [None, "退婚", None], [[0], [0], [0]],
                 id="【第1集】"),
    pytest.param("markdown.md", [1, 2], ["废物女婿", "翻身"], [[1], [1]], id="markdown-#-第1集"),
    pytest.param("headings.txt", [1, 2], [None, None], [[1, 2, 3, 4, 5, 6, 7], [1, 2, 3]],
                 id="scene-heading-spellings"),
    pytest.param("no_episodes.txt", [1], [None], [[1, 2]], id="no-episode-markers"),
    pytest.param("prose.txt", [1], [None], [[0]], id="prose"),
    pytest.param("dialogue_only.txt", [1], [None], [[0]], id="dialogue-only"),
    pytest.param("action_only.txt", [1, 2], [None, None], [[0], [0]], id="action-only"),
    pytest.param("traditional.txt", [1, 2], ["重生", "打臉"], [[1], [1]], id="traditional"),
    pytest.param("episodes.fountain", [1, 2], ["归来", "打脸"], [[1, 2], [1]], id="fountain"),
    pytest.param("single.srt", [1], [None], [[0]], id="srt-single"),
    pytest.param("merged_restart.srt", [1, 2, 3], [None, None, "反击"], [[0], [0], [0]],
                 id="srt-merged-clock-restarts"),
    pytest.param("merged_cards.srt", [1, 2], ["重生", "打脸"], [[0], [0]],
                 id="srt-merged-title-cards"),
    pytest.param("styled.ass", [1, 2], ["重生", None], [[0], [0]], id="ass"),
]


@pytest.mark.parametrize(("name", "numbers", "titles", "scenes"), STRUCTURE)
def test_readers_episodes_and_scenes(name: str, numbers: list[int], titles: list[str | None],
                                     scenes: list[list[int]]) -> None:
    script = read(name)
    assert [ep.number for ep in script.episodes] == numbers
    assert [ep.title for ep in script.episodes] == titles
    assert [[sc.number for sc in ep.scenes] for ep in script.episodes] == scenes


KINDS = [
    pytest.param("conventions.txt",
                 {"heading": 5, "action": 5, "dialogue": 8, "voiceover": 6, "transition": 5},
                 id="conventions"),
    pytest.param("ep_chinese_numerals.txt", {"heading": 3, "dialogue": 3}, id="chinese-numerals"),
    pytest.param("ep_latin.txt", {"dialogue": 3}, id="EP01"),
    pytest.param("markdown.md", {"heading": 2, "action": 1, "dialogue": 4, "voiceover": 1},
                 id="markdown-bold-speakers-and-bullets"),
    pytest.param("headings.txt", {"heading": 10, "dialogue": 10}, id="scene-heading-spellings"),
    pytest.param("no_episodes.txt", {"heading": 2, "action": 1, "dialogue": 2, "voiceover": 1},
                 id="no-episode-markers"),
    pytest.param("prose.txt", {"prose": 3}, id="prose"),
    pytest.param("dialogue_only.txt", {"dialogue": 4}, id="dialogue-only-no-final-punctuation"),
    pytest.param("action_only.txt", {"action": 4}, id="action-only"),
    pytest.param("traditional.txt",
                 {"heading": 2, "action": 1, "dialogue": 5, "voiceover": 1, "transition": 2},
                 id="traditional"),
    pytest.param("episodes.fountain",
                 {"heading": 3, "action": 2, "dialogue": 5, "voiceover": 1, "transition": 2},
                 id="fountain"),
    pytest.param("single.srt", {"subtitle": 4}, id="srt-single"),
    pytest.param("merged_restart.srt", {"heading": 1, "subtitle": 6}, id="srt-merged-restart"),
    pytest.param("merged_cards.srt", {"heading": 2, "subtitle": 4}, id="srt-merged-cards"),
    pytest.param("styled.ass", {"heading": 2, "subtitle": 3}, id="ass"),
]


@pytest.mark.parametrize(("name", "expected"), KINDS)
def test_readers_line_kind_counts(name: str, expected: dict[str, int]) -> None:
    assert kinds(read(name)) == expected


SPEAKERS = [
    pytest.param("conventions.txt", ["苏晴", "林母", "顾言", "VO", "管家", "旁白"],
                 id="conventions"),
    pytest.param("markdown.md", ["苏母", "林凡", "苏婉"], id="markdown"),
    pytest.param("traditional.txt", ["蘇晴", "顧言"], id="traditional-kept-as-written"),
    pytest.param("episodes.fountain", ["苏母", "林凡", "苏婉"], id="fountain"),
    pytest.param("single.srt", ["顾言"], id="srt"),
    pytest.param("merged_restart.srt", ["林母", "旁白", "顾言"], id="srt-（旁白）"),
    pytest.param("styled.ass", ["苏晴", "顾言", "林母"], id="ass-name-field"),
    pytest.param("prose.txt", [], id="prose"),
]


@pytest.mark.parametrize(("name", "speakers"), SPEAKERS)
def test_readers_speakers(name: str, speakers: list[str]) -> None:
    assert read(name).speakers == speakers


FRONT = [
    # file, title, cast, number of front-matter lines
    pytest.param("conventions.txt", "重生之豪门千金", ["苏晴", "顾言", "林母", "管家"], 4,
                 id="剧本名-人物-故事梗概"),
    pytest.param("no_episodes.txt", "替身新娘", ["沈念", "陆沉"], 4, id="no-episode-markers"),
    pytest.param("markdown.md", "逆袭人生", ["林凡", "苏婉", "苏母"], 2, id="markdown-#-title"),
    pytest.param("traditional.txt", "豪門千金歸來", ["蘇晴", "顧言"], 2, id="劇本名-traditional"),
    pytest.param("episodes.fountain", "战神归来", [], 4, id="fountain-title-page"),
    pytest.param("ep_latin.txt", "ep_latin", [], 0, id="no-title-uses-file-stem"),
]


@pytest.mark.parametrize(("name", "title", "cast", "n_front"), FRONT)
def test_readers_front_matter(name: str, title: str, cast: list[str], n_front: int) -> None:
    script = read(name)
    assert script.title == title
    assert script.cast == cast
    assert len(script.front_matter) == n_front
    assert all(line.kind is LineKind.META for line in script.front_matter)


UNMARKED_FRONT = [
    # script without 第N集, title, number of front-matter lines, (kind, content) of story lines
    pytest.param("剧本名：《替身新娘》\n雨夜，沈念站在门口。\n沈念：你好。\n", "替身新娘", 1,
                 [("action", "雨夜，沈念站在门口。"), ("dialogue", "你好。")],
                 id="title-then-unmarked-action"),
    pytest.param("剧本名：《替身新娘》\n故事梗概：\n沈念替姐姐出嫁。\n她以为这是交易。\n沈念：你好。\n",
                 "替身新娘", 4, [("dialogue", "你好。")], id="synopsis-paragraphs"),
    pytest.param("《替身新娘》\n沈念：你好。\n", "替身新娘", 1, [("dialogue", "你好。")],
                 id="bare-《title》"),
    pytest.param("沈念：你好。\n陆沉：嗯。\n", "snippet", 0,
                 [("dialogue", "你好。"), ("dialogue", "嗯。")], id="no-front-matter"),
    # A file that is all front matter (a submission's synopsis page) is its own content.
    pytest.param("剧本名：《末班车》\n人物：陈禾\n故事梗概：陈禾赶上了末班车。\n她发现了车上的须知。\n",
                 "末班车", 2, [("prose", "陈禾赶上了末班车。"), ("prose", "她发现了车上的须知。")],
                 id="front-matter-only"),
    pytest.param("故事梗概：陈禾赶上了末班车。\n", "snippet", 0,
                 [("prose", "陈禾赶上了末班车。")], id="synopsis-key-only-not-a-title"),
]


@pytest.mark.parametrize(("text", "title", "n_front", "story"), UNMARKED_FRONT)
def test_read_real_scripts_front_matter_without_episode_markers(
        write_script: Any, text: str, title: str, n_front: int,
        story: list[tuple[str, str]]) -> None:
    # Regression: without 第N集 the 剧本名 line was read as an on-screen action line.
    script = read_script(write_script(text))
    assert script.title == title
    assert len(script.front_matter) == n_front
    assert [(ln.kind.value, ln.content) for ln in script.lines] == story


WARNINGS = [
    pytest.param("conventions.txt", [], id="structured"),
    pytest.param("no_episodes.txt", ["no episode markers (第N集): read as one episode"],
                 id="no-episode-markers"),
    pytest.param("prose.txt",
                 ["no episode markers, scene headings or dialogue found: "
                  "read as prose (one episode)"],
                 id="prose"),
]


@pytest.mark.parametrize(("name", "warnings"), WARNINGS)
def test_readers_warnings(name: str, warnings: list[str]) -> None:
    assert read(name).warnings == warnings


# --- scene headings ------------------------------------------------------------------------------

HEADINGS = [
    # file, (episode index, scene index), label, time_of_day, interior, location
    pytest.param("headings.txt", (0, 0), "1-1", "日", "内", "别墅客厅", id="1-1 日 内 别墅客厅"),
    pytest.param("headings.txt", (0, 1), "1-2", "夜", "外", "医院走廊", id="1-2 夜/外/医院走廊"),
    pytest.param("headings.txt", (0, 2), "2-3", "夜", "内", "地下车库", id="2-3场 地下车库 夜 内"),
    pytest.param("headings.txt", (0, 3), "1-1", "夜", "内", "正厅", id="第 1 -1 场 正厅夜内"),
    pytest.param("headings.txt", (0, 4), "1", None, None, "顾家大厅", id="场景1：顾家大厅"),
    pytest.param("headings.txt", (0, 5), "1", None, None, None, id="第1场"),
    pytest.param("headings.txt", (0, 6), None, None, None, "花园", id="[场景] 花园"),
    pytest.param("headings.txt", (1, 0), None, "夜", "内", "出租车内", id="内景 出租车内 夜"),
    pytest.param("headings.txt", (1, 1), "1-5", "清晨", "外", "公园", id="full-width １－５"),
    pytest.param("headings.txt", (1, 2), "3-6", "夜", "内", "车内", id="place-ending-in-内"),
    pytest.param("conventions.txt", (1, 1), "2-4", "夜", "内", "正厅", id="第 2 -4 场 glued"),
    pytest.param("conventions.txt", (2, 0), "12-1", "日", "内", "顾家大厅", id="12-1 日内 glued"),
    pytest.param("markdown.md", (1, 0), "2-1", "夜", "外", "苏家门口", id="**bold heading**"),
    pytest.param("traditional.txt", (0, 0), "1-1", "日", "内", "別墅客廳", id="traditional-內"),
    pytest.param("episodes.fountain", (0, 0), None, "日", "内", "苏家客厅", id="fountain-INT"),
    pytest.param("episodes.fountain", (0, 1), None, "夜", "外", "医院走廊", id="fountain-EXT"),
    pytest.param("episodes.fountain", (1, 0), None, None, None, "地下车库", id="fountain-forced"),
]


@pytest.mark.parametrize(("name", "where", "label", "time_of_day", "interior", "location"),
                         HEADINGS)
def test_readers_scene_heading_fields(name: str, where: tuple[int, int], label: str | None,
                                      time_of_day: str | None, interior: str | None,
                                      location: str | None) -> None:
    scene = read(name).episodes[where[0]].scenes[where[1]]
    assert (scene.label, scene.time_of_day, scene.interior, scene.location) == (
        label, time_of_day, interior, location)
    assert scene.lines[0].kind is LineKind.HEADING
    assert scene.heading == scene.lines[0].text


# --- one line at a time, inside a structured script ---------------------------------------------

LINES = [
    # line as written, kind, speaker, note, content
    pytest.param("苏晴：你好。", "dialogue", "苏晴", None, "你好。", id="角色：台词"),
    pytest.param("苏晴:你好。", "dialogue", "苏晴", None, "你好。", id="half-width-colon"),
    pytest.param("苏晴 ：你好。", "dialogue", "苏晴", None, "你好。", id="space-before-colon"),
    pytest.param("苏晴（冷笑）：你好。", "dialogue", "苏晴", "冷笑", "你好。", id="角色（冷笑）："),
    pytest.param("苏晴(冷笑):你好。", "dialogue", "苏晴", "冷笑", "你好。",
                 id="half-width-brackets"),
    pytest.param("苏晴（对顾言，冷笑）：跪下！", "dialogue", "苏晴", "对顾言，冷笑", "跪下！",
                 id="two-part-parenthetical"),
    pytest.param("苏晴：（冷笑）你好。", "dialogue", "苏晴", "冷笑", "你好。",
                 id="parenthetical-after-colon"),
    pytest.param("保镖甲：是！", "dialogue", "保镖甲", None, "是！", id="minor-character"),
    pytest.param("Tony：OK", "dialogue", "Tony", None, "OK", id="latin-name"),
    pytest.param("苏晴OS：完了。", "voiceover", "苏晴", "OS", "完了。", id="角色OS："),
    pytest.param("苏晴（OS）：完了。", "voiceover", "苏晴", "OS", "完了。", id="角色（OS）："),
    pytest.param("苏晴(OS)：完了。", "voiceover", "苏晴", "OS", "完了。", id="角色(OS)："),
    pytest.param("苏晴 VO: 完了。", "voiceover", "苏晴", "VO", "完了。", id="角色 VO:"),
    pytest.param("苏晴 os：完了。", "voiceover", "苏晴", "OS", "完了。", id="lower-case-os"),
    pytest.param("苏晴（内心）：完了。", "voiceover", "苏晴", "内心", "完了。", id="（内心）"),
    pytest.param("苏晴（画外音）：完了。", "voiceover", "苏晴", "画外音", "完了。",
                 id="（画外音）"),
    pytest.param("苏晴（OS，冷笑）：完了。", "voiceover", "苏晴", "冷笑", "完了。",
                 id="OS-and-emotion-in-one-parenthesis"),
    pytest.param("VO（机械女音）：系统已绑定。", "voiceover", "VO", "机械女音", "系统已绑定。",
                 id="VO（机械女音）："),
    pytest.param("VO：系统已绑定。", "voiceover", "VO", None, "系统已绑定。", id="VO："),
    pytest.param("旁白：很久以前。", "voiceover", "旁白", None, "很久以前。", id="旁白："),
    pytest.param("**苏晴**：你好。", "dialogue", "苏晴", None, "你好。", id="markdown-bold"),
    pytest.param("* 苏晴：你好。", "dialogue", "苏晴", None, "你好。", id="markdown-star-bullet"),
    pytest.param("- 苏晴：你好。", "dialogue", "苏晴", None, "你好。", id="markdown-dash-bullet"),
    pytest.param("△ 苏晴推门。", "action", None, None, "苏晴推门。", id="△"),
    pytest.param("▲苏晴推门。", "action", None, None, "苏晴推门。", id="▲-no-space"),
    pytest.param("【苏晴推门而入】", "action", None, None, "苏晴推门而入", id="【action】"),
    pytest.param("（苏晴推门而入）", "action", None, None, "苏晴推门而入", id="（action）"),
    pytest.param("(苏晴推门而入)", "action", None, None, "苏晴推门而入", id="(action)"),
    pytest.param("苏晴推门而入，看见顾言。", "action", None, None, "苏晴推门而入，看见顾言。",
                 id="unmarked-action"),
    pytest.param("【字幕：三年后】", "action", None, "字幕", "三年后", id="【字幕：】"),
    pytest.param("△ 字幕：三年后", "action", None, "字幕", "三年后", id="△-字幕："),
    pytest.param("字幕：三年后", "action", None, "字幕", "三年后", id="bare-字幕："),
    pytest.param("切至", "transition", None, "切至", "", id="切至"),
    pytest.param("切至：医院走廊", "transition", None, "切至", "医院走廊", id="切至：place"),
    pytest.param("切至医院走廊", "transition", None, "切至", "医院走廊", id="切至place-glued"),
    pytest.param("【切】", "transition", None, "切", "", id="【切】"),
    pytest.param("转场", "transition", None, "转场", "", id="转场"),
    pytest.param("黑屏。", "transition", None, "黑屏", "", id="黑屏"),
    pytest.param("闪回：三年前的雨夜", "transition", None, "闪回", "三年前的雨夜", id="闪回：when"),
    pytest.param("切菜的声音从厨房传来。", "action", None, None, "切菜的声音从厨房传来。",
                 id="切-inside-a-word"),
    pytest.param("回忆涌上心头，她红了眼。", "action", None, None, "回忆涌上心头，她红了眼。",
                 id="回忆-inside-a-sentence"),
    pytest.param("第一集团的保镖冲了进来。", "action", None, None, "第一集团的保镖冲了进来。",
                 id="第一集团-is-not-an-episode"),
    pytest.param("3-5个保镖冲进来。", "action", None, None, "3-5个保镖冲进来。",
                 id="3-5个-is-not-a-scene"),
    # what Word, WPS and Markdown add around the lines
    pytest.param("1.\t△苏晴推门。", "action", None, None, "苏晴推门。", id="word-list-number-1."),
    pytest.param("2、苏晴：你好。", "dialogue", "苏晴", None, "你好。", id="word-list-number-2、"),
    pytest.param("1、2、3，跑！", "action", None, None, "1、2、3，跑！", id="counting-is-no-list"),
    pytest.param("*苏晴推门而入。*", "action", None, None, "苏晴推门而入。", id="markdown-italic"),
    pytest.param("- 苏晴推门。", "action", None, None, "苏晴推门。", id="markdown-dash-action"),
    # speakers as writers really separate them
    pytest.param("苏晴\t（冷笑）你好。", "dialogue", "苏晴", "冷笑", "你好。", id="name-tab-line"),
    pytest.param("苏晴（抬头，一愣）（OS）：完了。", "voiceover", "苏晴", "抬头，一愣", "完了。",
                 id="two-parentheses"),
    pytest.param("电视里传来新闻播报：顾氏集团破产。", "action", None, None,
                 "电视里传来新闻播报：顾氏集团破产。", id="a-screen-says-is-not-a-speaker"),
    pytest.param("手机屏幕上显示：陌生号码。", "action", None, None, "手机屏幕上显示：陌生号码。",
                 id="a-phone-shows-is-not-a-speaker"),
]


SCENE_LINES = [
    # a line after 第1集, is it a scene heading?, its label
    pytest.param("1-2", True, "1-2", id="bare-number"),
    pytest.param("1-2日内 客厅", True, "1-2", id="glued-with-time"),
    pytest.param("1-2场", True, "1-2", id="number-场"),
    pytest.param("3-5个保镖冲进来。", False, None, id="glued-without-time-or-in-out"),
    pytest.param("第一集团的人到了。", False, None, id="第一集团"),
    pytest.param("1-1日内顾氏集团大堂", True, "1-1", id="glued-time-in-out-and-place"),
    pytest.param("场景一：赵家土坯房（日/内）", True, "1", id="场景一-bracketed-fields"),
    pytest.param("【场】村口大槐树下　日　外", True, None, id="【场】"),
    pytest.param("1. 他数到三，推门进去。", False, None, id="list-number-is-not-a-heading"),
]


@pytest.mark.parametrize(("text", "is_heading", "label"), SCENE_LINES)
def test_readers_numbered_scene_headings(write_script: Any, text: str, is_heading: bool,
                                         label: str | None) -> None:
    script = read_script(write_script(f"第1集\n{text}\n甲：走。\n"))
    assert len(script.episodes) == 1
    scene = script.episodes[0].scenes[0]
    assert (scene.number == 1, scene.label) == (is_heading, label)


@pytest.mark.parametrize(("text", "kind", "speaker", "note", "content"), LINES)
def test_readers_line_conventions(write_script: Any, text: str, kind: str, speaker: str | None,
                                  note: str | None, content: str) -> None:
    script = read_script(write_script(SCENE_PREFIX + text + "\n"))
    assert len(script.episodes) == 1
    assert len(script.episodes[0].scenes) == 1
    line = script.lines[-1]
    assert (line.kind.value, line.speaker, line.note, line.content) == (
        kind, speaker, note, content)
    assert line.text == text
    assert line.source_line == 3


HEADING_FIELDS = [
    # heading line, time of day, in/out, location, flashback
    pytest.param("1-1日内顾氏集团大堂", "日", "内", "顾氏集团大堂", False, id="all-glued"),
    pytest.param("1-2 日外公司楼下", "日", "外", "公司楼下", False, id="time-in-out-glued-to-place"),
    pytest.param("场景三：卫生院走廊（夜/内）", "夜", "内", "卫生院走廊", False,
                 id="bracketed-time-in-out"),
    pytest.param("【场】村口大槐树下　日　外", "日", "外", "村口大槐树下", False, id="【场】"),
    pytest.param("2-3 日 外 乡下小院（闪回）", "日", "外", "乡下小院", True, id="（闪回）-tag"),
    pytest.param("1-4 早餐店 日 内", "日", "内", "早餐店", False, id="早-starts-a-name"),
    pytest.param("2-1 日 内 马记饭庄大堂（接上集）", "日", "内", "马记饭庄大堂", False,
                 id="continuity-note-is-no-place"),
    pytest.param("2-2 日 内 乡下小院（老宅）", "日", "内", "乡下小院（老宅）", False,
                 id="other-brackets-stay-in-the-place"),
]


@pytest.mark.parametrize(("heading", "time", "io", "location", "flashback"), HEADING_FIELDS)
def test_readers_messy_heading_fields(write_script: Any, heading: str, time: str | None,
                                      io: str | None, location: str, flashback: bool) -> None:
    script = read_script(write_script(f"第1集\n{heading}\n甲：走。\n1-9 夜 外 街口\n乙：停。\n"))
    first, second = script.episodes[0].scenes
    assert (first.time_of_day, first.interior, first.location) == (time, io, location)
    assert [ln.flashback for ln in first.lines] == [flashback, flashback]
    assert [ln.flashback for ln in second.lines] == [False, False]  # the tag ends with its scene


EPISODE_INFERENCE = [
    # script, episode numbers, scene labels per episode, warning expected
    pytest.param("1-1 日 内 客厅\n甲：一。\n1-2 夜 外 街口\n甲：二。\n2-1 日 内 公司\n乙：三。\n"
                 "3-1 夜 内 医院\n丙：四。\n", [1, 2, 3], [["1-1", "1-2"], ["2-1"], ["3-1"]],
                 "episodes taken from scene numbers", id="no-markers-at-all"),
    pytest.param("第1集\n1-1 日 内 客厅\n甲：一。\n2.1　日/外　酒店门口\n乙：二。\n第3集\n"
                 "3-1 夜 内 医院\n丙：三。\n", [1, 2, 3], [["1-1"], ["2-1"], ["3-1"]],
                 "episodes taken from scene numbers", id="one-marker-forgotten"),
    pytest.param("第1集\n1-1 日 内 客厅\n甲：一。\n2-3 夜 外 街口\n乙：二。\n第2集\n"
                 "2-1 夜 内 医院\n丙：三。\n", [1, 2], [["1-1", "2-3"], ["2-1"]], None,
                 id="a-marked-episode-is-not-inferred"),
]


@pytest.mark.parametrize(("source", "numbers", "labels", "warning"), EPISODE_INFERENCE)
def test_readers_episodes_from_scene_numbers(write_script: Any, source: str, numbers: list[int],
                                             labels: list[list[str]],
                                             warning: str | None) -> None:
    script = read_script(write_script(source))
    assert [ep.number for ep in script.episodes] == numbers
    assert [[sc.label for sc in ep.scenes] for ep in script.episodes] == labels
    assert any(warning in w for w in script.warnings) if warning else not any(
        "scene numbers" in w for w in script.warnings)


def test_readers_outline_and_end_markers_are_not_episodes(write_script: Any) -> None:
    source = ("剧本名称：逆袭\n分集大纲：\n第1集：外卖员被羞辱，意外绑定系统。\n第2集：神秘女总裁找上门。\n"
              "正文\n第1集　外卖员\n甲：一。\n——本集完——\n第2集\n乙：二。\n第2集完\n"
              "第3集（完）\n丙：三。\n【全剧终】\n")
    script = read_script(write_script(source))
    assert [(ep.number, ep.title) for ep in script.episodes] == [(1, "外卖员"), (2, None),
                                                                 (3, None)]
    assert [ln.content for ln in script.lines] == ["一。", "二。", "三。"]
    assert not any("used twice" in w for w in script.warnings)
    assert "第1集：外卖员被羞辱，意外绑定系统。" in [ln.text for ln in script.front_matter]


def test_readers_speaker_name_on_its_own_line(write_script: Any) -> None:
    source = ("第1集\n人物：陆沉、林小满\n陆沉\n你，过来。\n林小满\n（指着自己）我？\n"
              "△陆沉转身。\n陆沉\n")
    script = read_script(write_script(source))
    spoken = [(ln.kind.value, ln.speaker, ln.note, ln.content) for ln in script.lines]
    assert spoken == [("dialogue", "陆沉", None, "你，过来。"),
                      ("dialogue", "林小满", "指着自己", "我？"),
                      ("action", None, None, "陆沉转身。"),
                      ("action", None, None, "陆沉")]  # a name with nothing after stays


def test_readers_markdown_layout_and_cast_table(write_script: Any) -> None:
    source = ("# 《离婚后》\n\n## 人物表\n\n| 角色 | 年龄 |\n| --- | --- |\n| 林晚 | 25 |\n"
              "| 江屿 | 28 |\n\n---\n\n## 第1集\n\n### 1-1 日 内 客厅\n\n<!-- 导演备注 -->\n"
              "**林晚**：签字吧。\n\n***\n\n江屿、林晚（齐声）：好。\n")
    script = read_script(write_script(source, "draft.md"))
    assert script.cast == ["林晚", "江屿"]
    assert [(ln.kind.value, ln.content) for ln in script.lines] == [
        ("heading", "日 内 客厅"), ("dialogue", "签字吧。"), ("dialogue", "好。")]
    assert script.speakers == ["林晚", "江屿"]  # the line said together names both


LEGACY_ENCODINGS = [
    pytest.param("cp950", "第1集\n林晚：你心裏到底有沒有我？我恒久等你。\n", id="cp950-taiwan-windows"),
    pytest.param("big5hkscs", "第1集\n阿強：我哋走咗先，你哋慢慢傾。\n", id="big5-hkscs-hong-kong"),
]


@pytest.mark.parametrize(("encoding", "text"), LEGACY_ENCODINGS)
def test_readers_big5_variants(write_script: Any, encoding: str, text: str) -> None:
    script = read_script(write_script(text, encoding=encoding))
    assert script.encoding == encoding
    assert script.traditional is True
    assert script.lines[0].text == text.splitlines()[1]


def test_readers_traditional_usage_is_normalised(write_script: Any) -> None:
    """Taiwan forms OpenCC's plain t2s keeps (等著, 妳, 甚麼) match the Simplified cues."""
    script = read_script(write_script("第1集\n林晚：好，妳們給我等著！甚麼？著名的人。\n"))
    assert script.lines[0].norm == "好,你们给我等着!什么?著名的人。"


def test_readers_cast_line_under_a_heading_is_not_spoken(write_script: Any) -> None:
    script = read_script(write_script(SCENE_PREFIX + "人物：苏晴、顾言（客串）\n苏晴：走。\n"))
    assert script.cast == ["苏晴", "顾言"]
    assert [line.kind for line in script.lines] == [LineKind.HEADING, LineKind.DIALOGUE]


# --- flashbacks ----------------------------------------------------------------------------------

FLASHBACKS = [
    # file or inline script, (kind, content) of every line marked as flashback
    pytest.param("conventions.txt", [("transition", ""), ("dialogue", "妈，救我！"),
                                     ("dialogue", "喝了这碗汤，就不疼了。"), ("transition", "")],
                 id="【闪回】…【闪回结束】"),
    pytest.param("traditional.txt", [("transition", ""), ("dialogue", "對不起。"),
                                     ("transition", "")], id="【閃回】-traditional"),
    pytest.param("第1集\n甲：一。\n【回忆】\n乙：二。\n回到现实\n甲：三。\n",
                 [("transition", ""), ("dialogue", "二。"), ("transition", "")],
                 id="【回忆】…回到现实"),
    pytest.param("第1集\n【闪回】\n乙：二。\n第2集\n甲：三。\n",
                 [("transition", ""), ("dialogue", "二。")], id="ends-with-the-episode"),
    pytest.param("第1集\n1-1 日 内 客厅\n闪回\n乙：二。\n1-2 夜 外 街口\n丙：三。\n闪回结束\n",
                 [("transition", ""), ("dialogue", "二。"), ("heading", "夜 外 街口"),
                  ("dialogue", "三。"), ("transition", "")], id="spans-scene-headings"),
]


@pytest.mark.parametrize(("source", "flagged"), FLASHBACKS)
def test_readers_flashback_flags(write_script: Any, source: str,
                                 flagged: list[tuple[str, str]]) -> None:
    path = SCRIPTS / source if "\n" not in source else write_script(source)
    script = read_script(path)
    assert [(ln.kind.value, ln.content) for ln in script.lines if ln.flashback] == flagged


# --- encodings, BOMs, line endings, Traditional Chinese ------------------------------------------

ENCODINGS = [
    pytest.param("utf-8", "utf-8", id="utf-8"),
    pytest.param("utf-8-bom", "utf-8-sig", id="utf-8-bom"),
    pytest.param("utf-16", "utf-16", id="utf-16-bom"),
    pytest.param("utf-16-le-no-bom", "utf-16-le", id="utf-16-le-no-bom"),
    pytest.param("gb18030", "gb18030", id="gb18030"),
    pytest.param("crlf", "utf-8", id="crlf"),
    pytest.param("gb18030-crlf", "gb18030", id="gb18030-crlf"),
    pytest.param("big5", "big5", id="big5-traditional"),
    pytest.param("big5-crlf", "big5", id="big5-crlf"),
    pytest.param("srt-crlf-bom", "utf-8-sig", id="srt-crlf-bom"),
    pytest.param("srt-gb18030", "gb18030", id="srt-gb18030"),
]


@pytest.mark.parametrize(("variant", "encoding"), ENCODINGS)
def test_readers_encodings_give_the_same_script(encoded_scripts: dict[str, Path], variant: str,
                                                encoding: str) -> None:
    script = read_script(encoded_scripts[variant])
    original = read(ENCODED_VARIANTS[variant][0])
    assert script.encoding == encoding
    assert signature(script) == signature(original)
    assert not any("\r" in line.text or "\ufeff" in line.text for line in script.lines)


def test_readers_forced_encoding(encoded_scripts: dict[str, Path]) -> None:
    script = read_script(encoded_scripts["gb18030"], encoding="gb18030")
    assert script.encoding == "gb18030"
    assert signature(script) == signature(read("conventions.txt"))


TRADITIONAL = [
    # source, line index, text as written, norm (Simplified, NFKC)
    pytest.param("big5", 2, "蘇晴（冷笑）：這一世，我絕對不會讓你們得逞。",
                 "这一世,我绝对不会让你们得逞。", id="big5-dialogue"),
    pytest.param("big5", 1, "△ 蘇晴猛地睜開眼睛，發現自己回到了三年前。",
                 "苏晴猛地睁开眼睛,发现自己回到了三年前。", id="big5-action"),
    pytest.param("big5", 0, "1-1 日 內 別墅客廳", "日 内 别墅客厅", id="big5-heading"),
    pytest.param("utf-8", 4, "蘇晴（內心）：上一世，就是他們害死了我。",
                 "上一世,就是他们害死了我。", id="utf-8-voiceover"),
]


@pytest.mark.parametrize(("source", "index", "text", "norm"), TRADITIONAL)
def test_readers_traditional_keeps_text_and_simplifies_norm(
        encoded_scripts: dict[str, Path], source: str, index: int, text: str, norm: str) -> None:
    path = encoded_scripts["big5"] if source == "big5" else SCRIPTS / "traditional.txt"
    script = read_script(path)
    assert script.traditional is True
    line = script.lines[index]
    assert (line.text, line.norm) == (text, norm)
    assert script.text[line.offset:line.offset + len(norm)] == norm


@pytest.mark.parametrize("name", ["conventions.txt", "markdown.md", "single.srt"])
def test_readers_simplified_is_not_traditional(name: str) -> None:
    assert read(name).traditional is False


# --- .docx ------------------------------------------------------------------------------------

def test_readers_docx_paragraphs_read_like_text(docx_scripts: dict[str, Path]) -> None:
    script = read_script(docx_scripts["paragraphs"])
    assert (script.format, script.encoding) == ("docx", "docx")
    assert signature(script) == signature(read("conventions.txt"))


def test_readers_docx_soft_breaks_and_tabs(tmp_path: Path) -> None:
    """Shift+Enter inside a paragraph starts a new line; a tab between name and words is a
    tab (and so dialogue), not lost."""
    import docx

    document = docx.Document()
    document.add_paragraph("第1集")
    para = document.add_paragraph("△林晚推门进来。")
    para.add_run().add_break()
    para.add_run("林晚：我回来了。")
    document.add_paragraph("江屿\t（低声）走吧。")
    path = tmp_path / "breaks.docx"
    document.save(str(path))
    script = read_script(path)
    assert [(ln.kind.value, ln.speaker, ln.note, ln.content) for ln in script.lines] == [
        ("action", None, None, "林晚推门进来。"), ("dialogue", "林晚", None, "我回来了。"),
        ("dialogue", "江屿", "低声", "走吧。")]
    assert [ln.source_line for ln in script.lines] == [2, 3, 4]


def test_readers_docx_table_rows_are_speaker_and_line(docx_scripts: dict[str, Path]) -> None:
    script = read_script(docx_scripts["table"])
    assert script.title == "契约婚姻"
    assert [ep.number for ep in script.episodes] == [1, 2]
    assert [(ln.kind.value, ln.speaker, ln.note, ln.content) for ln in script.lines] == [
        ("heading", None, None, "日 内 民政局"),
        ("action", None, None, "两人并排坐着，谁也不看谁。"),
        ("dialogue", "顾言", None, "签了吧。"),
        ("dialogue", "苏晴", "冷笑", "三年为期。"),
        ("voiceover", "顾言", "OS", "她果然答应了。"),
        ("dialogue", "苏晴", None, "我们只是合作。"),
    ]


# --- subtitles: times come from the file -----------------------------------------------------

CUES = [
    # file, episode index, line index, kind, speaker, content, start_s, end_s
    pytest.param("single.srt", 0, 0, "subtitle", None, "这一世，我不会再输。", 1.0, 3.5,
                 id="srt-<i>-removed"),
    pytest.param("single.srt", 0, 1, "subtitle", None, "你是谁？", 3.8, 4.76,
                 id="srt-two-speakers-first"),
    pytest.param("single.srt", 0, 2, "subtitle", None, "我是你姐姐。", 4.76, 6.2,
                 id="srt-two-speakers-second"),
    pytest.param("single.srt", 0, 3, "subtitle", "顾言", "上车，别回头。", 6.5, 9.25,
                 id="srt-speaker-prefix-two-rows"),
    pytest.param("merged_restart.srt", 0, 2, "subtitle", "旁白", "三年前，苏家还是首富。", 6.5, 9.8,
                 id="srt-（旁白）"),
    pytest.param("merged_restart.srt", 1, 0, "subtitle", None, "三年后。", 0.4, 2.9,
                 id="srt-clock-restart-opens-episode"),
    pytest.param("merged_restart.srt", 2, 0, "heading", None, "第3集 反击", 0.0, 1.5,
                 id="srt-title-card"),
    pytest.param("merged_cards.srt", 1, 1, "subtitle", None, "跪下！", 2.5, 5.25,
                 id="srt-running-clock-relative-to-card"),
    pytest.param("merged_cards.srt", 1, 2, "subtitle", None, "你们会后悔的。", 6.0, 9.0,
                 id="srt-<font>-removed"),
    pytest.param("styled.ass", 0, 0, "heading", None, "第1集 重生", 0.0, 2.0,
                 id="ass-{\\an8}-title-card"),
    pytest.param("styled.ass", 0, 1, "subtitle", "苏晴", "这一世，我不会再输。", 2.5, 5.75,
                 id="ass-\\N-and-name"),
    pytest.param("styled.ass", 0, 2, "subtitle", "顾言", "上车, 别回头。", 6.0, 8.4,
                 id="ass-{\\i1}-and-comma-in-text"),
    pytest.param("styled.ass", 1, 1, "subtitle", "林母", "晴晴，你醒了？", 2.0, 4.0,
                 id="ass-{\\fad}"),
]


@pytest.mark.parametrize(("name", "episode", "index", "kind", "speaker", "content", "start",
                          "end"), CUES)
def test_readers_subtitle_cues_keep_their_times(name: str, episode: int, index: int, kind: str,
                                                speaker: str | None, content: str, start: float,
                                                end: float) -> None:
    line = read(name).episodes[episode].lines[index]
    assert (line.kind.value, line.speaker, line.content) == (kind, speaker, content)
    assert (line.start_s, line.end_s) == (start, end)


EPISODE_CLOCKS = [
    # file, episode start_s, episode duration_s (series time = episode.start_s + line.start_s)
    pytest.param("single.srt", [0.0], [9.25], id="srt-single"),
    pytest.param("merged_restart.srt", [0.0, 9.8, 15.3], [9.8, 5.5, 4.0], id="srt-restarts"),
    pytest.param("merged_cards.srt", [0.0, 90.0], [90.0, 9.0], id="srt-running-clock"),
    pytest.param("styled.ass", [0.0, 8.4], [8.4, 4.0], id="ass-restart"),
]


@pytest.mark.parametrize(("name", "starts", "durations"), EPISODE_CLOCKS)
def test_readers_subtitle_episode_clocks(name: str, starts: list[float],
                                         durations: list[float]) -> None:
    script = read(name, timing=TimingProfile(dialogue_cps=1.0, scene_change_s=9.0))
    assert script.timed is True
    assert [ep.start_s for ep in script.episodes] == starts
    assert [ep.duration_s for ep in script.episodes] == durations


def test_read_real_scripts_running_clock_keeps_file_times() -> None:
    # Regression: a merged export with one running clock gave episode 2 a duration of 99 s.
    script = read("merged_cards.srt")
    file_times = [(ep.start_s + ln.start_s, ep.start_s + ln.end_s)
                  for ep in script.episodes for ln in ep.lines]
    assert file_times == [(0.0, 2.0), (2.5, 5.0), (5.2, 8.0), (90.0, 92.0), (92.5, 95.25),
                          (96.0, 99.0)]
    assert script.duration_s == 99.0


# --- format detection and overrides ------------------------------------------------------------

SNIFF = [
    pytest.param("1\n00:00:01,000 --> 00:00:02,000\n你好。\n", "subs.log", "srt", id="srt-content"),
    pytest.param("[Script Info]\n[Events]\nFormat: Start, End, Text\n"
                 "Dialogue: 0:00:01.00,0:00:02.00,你好。\n", "subs.sub", "ass", id="ass-content"),
    pytest.param("INT. 客厅 - DAY\n\n@林凡\n走。\n", "draft", "fountain", id="fountain-content"),
    pytest.param("第1集\n林凡：走。\n", "draft.log", "text", id="plain-content"),
    pytest.param("第1集\n林凡：走。\n", "DRAFT.TXT", "text", id="upper-case-extension"),
    pytest.param("第1集\n林凡：走。\n", "draft.md", "markdown", id="markdown-extension"),
]


@pytest.mark.parametrize(("text", "name", "fmt"), SNIFF)
def test_readers_detect_format(write_script: Any, text: str, name: str, fmt: str) -> None:
    path = write_script(text, name)
    assert detect_format(path, text) == fmt
    assert read_script(path).format == fmt


def test_readers_format_override(write_script: Any) -> None:
    path = write_script((SCRIPTS / "single.srt").read_text(encoding="utf-8"), "subs.txt")
    assert read_script(path).format == "text"
    assert read_script(path, format="srt").format == "srt"


def test_readers_public_alias() -> None:
    assert tropescan.read is read_script


# --- bad inputs: the right error, naming the file ----------------------------------------------

BAD = [
    # input, error class, words in the message, line number in the error (or None)
    pytest.param("empty.txt", InputError, "empty", None, id="empty"),
    pytest.param("blank.txt", InputError, "no text", None, id="whitespace-only"),
    pytest.param("binary.txt", InputError, "binary", None, id="png-bytes-named-txt"),
    pytest.param("png.png", InputError, "binary", None, id="png"),
    pytest.param("undecodable.txt", DecodeError, "--encoding", None, id="undecodable-bytes"),
    pytest.param("huge.txt", InputError, "limit", None, id="over-the-size-limit"),
    pytest.param("garbage.docx", FormatError, "a damaged .docx", None, id="docx-cut-short"),
    pytest.param("legacy.docx", FormatError, "not a valid .docx", None, id="docx-not-a-zip"),
    pytest.param("not_a_docx.docx", FormatError, "corrupt .docx", None, id="docx-zip-garbage"),
    pytest.param("legacy.doc", InputError, "save as .docx", None, id="old-word-doc"),
    pytest.param("bad_timestamp.srt", FormatError, "timestamp", 6, id="srt-bad-timestamp"),
    pytest.param("ends_first.srt", FormatError, "ends before it starts", 3,
                 id="srt-end-before-start"),
    pytest.param("no_cues.srt", FormatError, "timestamp", 1, id="srt-without-cues"),
    pytest.param("no_events.ass", FormatError, "no Dialogue", None, id="ass-without-events"),
    pytest.param("short_dialogue.ass", FormatError, "too few fields", 3, id="ass-short-dialogue"),
    pytest.param("missing.txt", InputError, "no such file", None, id="missing-path"),
    pytest.param("folder", InputError, "directory", None, id="directory"),
]


@pytest.mark.parametrize(("name", "error", "words", "line"), BAD)
def test_readers_bad_input_raises(bad_inputs: dict[str, Path], name: str,
                                  error: type[TropescanError], words: str,
                                  line: int | None) -> None:
    path = bad_inputs[name]
    with pytest.raises(error) as info:
        read_script(path)
    assert type(info.value) is error
    assert info.value.path == str(path)
    assert info.value.line == line
    message = str(info.value)
    assert message.startswith(f"{path}:")
    assert words in message
    assert message.endswith(f"[{catalogue_code(info.value.message)}]")


def test_readers_no_text_docx(docx_scripts: dict[str, Path]) -> None:
    with pytest.raises(FormatError, match="no text"):
        read_script(docx_scripts["no-text"])


BAD_OPTIONS = [
    pytest.param({"format": "pdf"}, FormatError, "unknown format", id="unknown-format"),
    pytest.param({"encoding": "klingon"}, DecodeError, "unknown encoding", id="unknown-encoding"),
    pytest.param({"encoding": "utf-8"}, DecodeError, "not valid utf-8", id="wrong-forced-encoding"),
]


@pytest.mark.parametrize(("kwargs", "error", "words"), BAD_OPTIONS)
def test_readers_bad_options_raise(encoded_scripts: dict[str, Path], kwargs: dict[str, str],
                                   error: type[TropescanError], words: str) -> None:
    path = encoded_scripts["gb18030"]
    with pytest.raises(error, match=words) as info:
        read_script(path, **kwargs)
    assert str(path) in str(info.value)


# --- invariants: offsets, source lines, order ----------------------------------------------------

def check_invariants(script: Script) -> None:
    """What every reader promises, whatever the input."""
    assert script.episodes
    expected_offset = 0
    for line in script.lines:
        assert line.offset == expected_offset
        assert script.text[line.offset:line.offset + len(line.norm)] == line.norm
        assert "\n" not in line.norm
        expected_offset += len(line.norm) + 1
    assert len(script.text) == max(expected_offset - 1, 0)
    for episode in script.episodes:
        assert episode.scenes
        assert all(scene.lines for scene in episode.scenes)
        assert episode.duration_s >= 0
        previous_end = 0.0
        for line in episode.lines:
            assert 0 <= line.start_s <= line.end_s
            if not script.timed:  # estimated times never run backwards (subtitles may)
                assert line.start_s >= previous_end
                previous_end = line.end_s


@pytest.mark.parametrize("name", FIXTURES)
def test_readers_invariants_on_fixtures(name: str) -> None:
    check_invariants(read(name))


@pytest.mark.parametrize("name", TEXT_FIXTURES)
def test_readers_source_lines_point_at_the_file(name: str) -> None:
    raw = (SCRIPTS / name).read_text(encoding="utf-8").splitlines()
    script = read(name)
    for line in [*script.front_matter, *script.lines]:
        assert raw[line.source_line - 1].strip() == line.text


ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
SCRIPT_LINES = st.lists(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(st.characters(codec="utf-8"),
                                                           max_size=6)),
             min_size=1, max_size=4).map("".join),
    max_size=25,
).map("\n".join)
EXTENSIONS = st.sampled_from([".txt", ".md", ".fountain", ".srt", ".ass", ".log"])


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(ANY_TEXT, SCRIPT_LINES), ext=EXTENSIONS)
def test_readers_any_text_parses_or_raises_tropescan_error(
        tmp_path_factory: pytest.TempPathFactory, text: str, ext: str) -> None:
    path = tmp_path_factory.getbasetemp() / f"hypothesis{ext}"
    path.write_bytes(text.encode("utf-8"))
    try:
        script = read_script(path)
    except TropescanError as exc:
        assert str(path) in str(exc)
        return
    check_invariants(script)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=400), ext=EXTENSIONS)
def test_readers_any_bytes_parse_or_raise_tropescan_error(
        tmp_path_factory: pytest.TempPathFactory, data: bytes, ext: str) -> None:
    path = tmp_path_factory.getbasetemp() / f"hypothesis-bytes{ext}"
    path.write_bytes(data)
    try:
        script = read_script(path)
    except TropescanError:
        return
    check_invariants(script)


@settings(max_examples=80, deadline=None)
@given(names=st.lists(st.text(alphabet="苏晴顾言林母凡婉Tony", min_size=1, max_size=4),
                     min_size=1, max_size=6))
def test_readers_offsets_round_trip_for_generated_dialogue(
        tmp_path_factory: pytest.TempPathFactory, names: list[str]) -> None:
    text = SCENE_PREFIX + "".join(f"{name}（冷笑）：{name}说，ＯＫ！\n" for name in names)
    path = tmp_path_factory.getbasetemp() / "dialogue.txt"
    path.write_text(text, encoding="utf-8")
    script = read_script(path)
    check_invariants(script)
    assert [ln.speaker for ln in script.lines[1:]] == names
