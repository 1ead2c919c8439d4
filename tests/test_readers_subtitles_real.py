"""Subtitle reader on real, messy exports: merged episodes, end cards, styled ASS, typos.

Each test writes a small SRT/ASS file inline (see /tmp/messy-style samples in the issue) and
reads it with ``tropescan.read``; the times are the file's own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import tropescan
from tropescan.errors import FormatError
from tropescan.model import LineKind, Script


def read_subs(tmp_path: Path, text: str, name: str = "subs.srt") -> Script:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return tropescan.read(path)


def srt(*cues: tuple[str, str, str]) -> str:
    """SRT text from (start, end, text) cues, numbered from 1, one blank line between them."""
    return "\n".join(f"{k}\n00:{a} --> 00:{b}\n{body}\n" for k, (a, b, body) in
                     enumerate(cues, start=1))


def ass(*events: str, title: str | None = None,
        styles: str = "Style: Default,Arial,60,&H00FFFFFF,2\n") -> str:
    """ASS text with one [Events] Format; ``events`` are the fields after ``Dialogue: ``."""
    info = f"Title: {title}\n" if title is not None else ""
    return (f"[Script Info]\n{info}ScriptType: v4.00+\n\n"
            "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, Alignment\n"
            f"{styles}\n"
            "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, "
            "Text\n" + "".join(f"Dialogue: {e}\n" for e in events))


def one_line(tmp_path: Path, body: str) -> tuple[str, str | None, str | None, str]:
    """(kind, speaker, note, content) of a one-cue SRT file."""
    script = read_subs(tmp_path, srt(("00:01,000", "00:03,000", body)))
    [line] = script.lines
    return line.kind.value, line.speaker, line.note, line.content


# --- 1. a cue number + timing line with no blank line before it starts a new cue -------------

def test_subs_missing_blank_line_before_numbered_cue_starts_a_new_cue(tmp_path: Path) -> None:
    text = ("1\n00:00:01,000 --> 00:00:03,000\n你听我解释。\n\n"
            "2\n00:00:04,000 --> 00:00:06,000\n不用解释了。\n"
            "3\n00:00:06,500 --> 00:00:08,000\n我们完了。\n")
    script = read_subs(tmp_path, text)
    assert [(ln.content, ln.start_s, ln.end_s) for ln in script.lines] == [
        ("你听我解释。", 1.0, 3.0), ("不用解释了。", 4.0, 6.0), ("我们完了。", 6.5, 8.0)]


def test_subs_missing_blank_line_before_bare_timing_line_starts_a_new_cue(tmp_path: Path) -> None:
    text = ("00:00:01,000 --> 00:00:03,000\n怎么可能！\n这不可能！\n"
            "00:00:03,500 --> 00:00:05,000\n（笑）你还真信了？\n")
    script = read_subs(tmp_path, text)
    assert [(ln.start_s, ln.end_s) for ln in script.lines] == [(1.0, 3.0), (3.5, 5.0)]
    assert "-->" not in script.text


def test_subs_a_number_in_the_text_is_still_text(tmp_path: Path) -> None:
    # Only a number followed by a timing line opens a cue: 110 on its own is said.
    script = read_subs(tmp_path, srt(("00:01,000", "00:03,000", "快打\n110"),
                                     ("00:04,000", "00:05,000", "好。")))
    assert [ln.content for ln in script.lines] == ["快打110", "好。"]


# --- 2. an end card closes its episode, it does not open a duplicate one ---------------------

@pytest.mark.parametrize("card", ["第1集 完", "（第1集完）", "第1集完", "{\\an8}第1集 完"])
def test_subs_end_card_does_not_start_an_episode(tmp_path: Path, card: str) -> None:
    text = srt(("00:00,500", "00:02,000", "第1集 替嫁新娘"),
               ("00:02,100", "00:04,800", "你快上去！"),
               ("00:20,000", "00:21,500", card),
               ("00:00,400", "00:02,000", "第2集 身份曝光"),
               ("00:02,200", "00:05,100", "原来是你。"))
    script = read_subs(tmp_path, text)
    assert [(ep.number, ep.title) for ep in script.episodes] == [(1, "替嫁新娘"), (2, "身份曝光")]
    assert not any("used twice" in w for w in script.warnings)
    first = script.episodes[0].lines
    assert all(ln.kind is not LineKind.HEADING for ln in first[1:])
    assert all(ln.content != "完" and "完" not in ln.norm for ln in script.lines)


def test_subs_cue_after_an_end_card_opens_the_next_episode(tmp_path: Path) -> None:
    text = srt(("00:00,500", "00:02,000", "第3集"),
               ("00:02,500", "00:04,000", "你终于来了。"),
               ("00:04,500", "00:06,000", "第3集 完"),
               ("00:06,500", "00:08,000", "所以，你到底是谁？"))
    script = read_subs(tmp_path, text)
    assert [ep.number for ep in script.episodes] == [3, 4]
    assert [ln.content for ln in script.episodes[1].lines] == ["所以，你到底是谁？"]


# --- 3. speaker guessing: only a short name before a colon ------------------------------------

@pytest.mark.parametrize(("body", "content"), [
    pytest.param("明天上午10:30，民政局门口见。", "明天上午10:30，民政局门口见。", id="clock-time"),
    pytest.param("你知道吗：他根本没死。", "你知道吗：他根本没死。", id="你知道吗"),
    pytest.param("注意：他手里有刀！", "注意：他手里有刀！", id="注意"),
    pytest.param("听着：我不会再说第二遍。", "听着：我不会再说第二遍。", id="听着"),
    pytest.param("记住：别回头。", "记住：别回头。", id="记住"),
    pytest.param("我告诉你们：这事没完！", "我告诉你们：这事没完！", id="sentence-before-colon"),
])
def test_subs_colon_inside_a_sentence_is_no_speaker(tmp_path: Path, body: str,
                                                     content: str) -> None:
    assert one_line(tmp_path, body) == ("subtitle", None, None, content)


@pytest.mark.parametrize(("body", "expected"), [
    pytest.param("顾言：上车。", ("subtitle", "顾言", None, "上车。"), id="full-width-colon"),
    pytest.param("陆景深:随她。", ("subtitle", "陆景深", None, "随她。"), id="ascii-colon"),
    pytest.param("Tony：走吧。", ("subtitle", "Tony", None, "走吧。"), id="latin-name"),
    pytest.param("顾言（冷笑）：上车。", ("subtitle", "顾言", "冷笑", "上车。"), id="name-note"),
    pytest.param("林凡OS：她答应了。", ("voiceover", "林凡", "OS", "她答应了。"), id="name-OS"),
])
def test_subs_short_name_before_a_colon_is_the_speaker(
        tmp_path: Path, body: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert one_line(tmp_path, body) == expected


# --- 4. bracketed delivery / voice-over tags are notes, not speakers --------------------------

@pytest.mark.parametrize(("body", "expected"), [
    pytest.param("<i>（内心）凭什么嫁过去的是我？</i>",
                 ("voiceover", None, "内心", "凭什么嫁过去的是我？"), id="（内心）"),
    pytest.param("（笑）你还真信了？", ("subtitle", None, "笑", "你还真信了？"), id="（笑）"),
    pytest.param("（画外音）三年前的那场大火……",
                 ("voiceover", None, "画外音", "三年前的那场大火……"), id="（画外音）"),
    pytest.param("(OS)他不会回来了。", ("voiceover", None, "OS", "他不会回来了。"), id="(OS)"),
    pytest.param("（冷冷地）滚。", ("subtitle", None, "冷冷地", "滚。"), id="（冷冷地）"),
    # names in brackets stay speakers
    pytest.param("（苏晴）爸，你别听她胡说！", ("subtitle", "苏晴", None, "爸，你别听她胡说！"),
                 id="（苏晴）"),
    pytest.param("【王母】滚出去！", ("subtitle", "王母", None, "滚出去！"), id="【王母】"),
])
def test_subs_bracket_tag_before_the_words(
        tmp_path: Path, body: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert one_line(tmp_path, body) == expected


# --- 5. one bad cue does not stop the file -----------------------------------------------------

def test_subs_cue_ending_before_it_starts_is_clamped_with_a_warning(tmp_path: Path) -> None:
    text = srt(("00:01,000", "00:03,000", "你听我解释。"),
               ("00:04,000", "00:03,900", "不用解释了。"),
               ("00:05,000", "00:07,000", "我们完了。"))
    script = read_subs(tmp_path, text)
    assert [(ln.content, ln.start_s, ln.end_s) for ln in script.lines] == [
        ("你听我解释。", 1.0, 3.0), ("不用解释了。", 4.0, 4.0), ("我们完了。", 5.0, 7.0)]
    assert any("end before they start" in w and "7" in w for w in script.warnings)


def test_subs_blank_line_inside_a_cue_is_kept_with_a_warning(tmp_path: Path) -> None:
    text = ("1\n00:00:01,000 --> 00:00:03,000\n你听我解释。\n\n"
            "2\n00:00:08,500 --> 00:00:10,000\n第一行\n\n第二行（导出时多了空行）\n\n"
            "3\n00:00:10,500 --> 00:00:12,000\n好。\n")
    script = read_subs(tmp_path, text)
    assert [ln.content for ln in script.lines] == [
        "你听我解释。", "第一行第二行（导出时多了空行）", "好。"]
    assert any("blank line inside a cue" in w for w in script.warnings)


def test_subs_cue_number_without_timing_line_is_not_text(tmp_path: Path) -> None:
    text = ("1\n00:00:01,000 --> 00:00:03,000\n你听我解释。\n\n"
            "2\n不用解释了。\n\n"
            "3\n00:00:10,500 --> 00:00:12,000\n好。\n")
    script = read_subs(tmp_path, text)
    assert [ln.content for ln in script.lines] == ["你听我解释。不用解释了。", "好。"]
    assert any("line(s) 5" in w for w in script.warnings)


def test_subs_ass_cue_ending_before_it_starts_is_clamped(tmp_path: Path) -> None:
    text = ass("0,0:00:01.00,0:00:03.00,Default,,0,0,0,,你好。",
               "0,0:00:05.00,0:00:04.00,Default,,0,0,0,,倒着的。",
               "0,0:00:06.00,0:00:07.00,Default,,0,0,0,,再见。")
    script = read_subs(tmp_path, text, "subs.ass")
    assert [(ln.content, ln.start_s, ln.end_s) for ln in script.lines] == [
        ("你好。", 1.0, 3.0), ("倒着的。", 5.0, 5.0), ("再见。", 6.0, 7.0)]
    assert script.warnings


def test_subs_file_with_only_bad_cues_still_raises(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="ends before it starts"):
        read_subs(tmp_path, srt(("00:05,000", "00:02,000", "倒着的。")))


# --- 6. episode splits: restarted numbering, numbering after a card -----------------------------

def test_subs_numbering_restart_with_running_clock_opens_an_episode(tmp_path: Path) -> None:
    text = (srt(("00:01,000", "00:03,000", "第一句。"), ("00:03,500", "00:05,000", "第二句。"))
            + "\n" + srt(("00:05,500", "00:07,000", "新一集第一句。"),
                         ("00:07,500", "00:09,000", "新一集第二句。")))
    script = read_subs(tmp_path, text)
    assert [ep.number for ep in script.episodes] == [1, 2]
    assert [ln.content for ln in script.episodes[1].lines] == ["新一集第一句。", "新一集第二句。"]
    file_times = [ep.start_s + ln.start_s for ep in script.episodes for ln in ep.lines]
    assert file_times == [1.0, 3.5, 5.5, 7.5]


def test_subs_numbering_restart_with_clock_going_back_a_little(tmp_path: Path) -> None:
    text = (srt(("00:10,000", "00:12,000", "第一句。"), ("00:12,500", "00:15,000", "第二句。"))
            + "\n" + srt(("00:13,000", "00:14,000", "新一集。")))
    script = read_subs(tmp_path, text)
    assert [ep.number for ep in script.episodes] == [1, 2]


def test_subs_episode_after_a_clock_reset_follows_the_card_number(tmp_path: Path) -> None:
    text = (srt(("00:00,500", "00:02,000", "第5集"), ("00:02,500", "00:04,000", "你终于来了。"),
                ("00:04,500", "01:20,000", "我等你很久了。"))
            + "\n" + srt(("00:01,000", "00:03,000", "所以，你到底是谁？")))
    script = read_subs(tmp_path, text)
    assert [ep.number for ep in script.episodes] == [5, 6]


def test_subs_cold_open_before_the_card_of_the_same_episode(tmp_path: Path) -> None:
    text = srt(("00:01,000", "00:03,000", "三年前的今天。"),
               ("00:03,500", "00:05,000", "第1集 重生"),
               ("00:05,500", "00:07,000", "我回来了。"))
    script = read_subs(tmp_path, text)
    assert [(ep.number, ep.title) for ep in script.episodes] == [(1, "重生")]
    assert not script.warnings


# --- 7. only card-like lines are episode cards -------------------------------------------------

@pytest.mark.parametrize("body", ["第1集的时候你就该发现了", "第2集里那个人是谁？",
                                  "第3集开始他就变了，你没看出来吗？"])
def test_subs_sentence_starting_with_an_episode_marker_is_dialogue(tmp_path: Path,
                                                                    body: str) -> None:
    text = srt(("00:01,000", "00:03,000", "第1集"), ("00:03,500", "00:05,000", body))
    script = read_subs(tmp_path, text)
    assert [ep.number for ep in script.episodes] == [1]
    assert (script.lines[-1].kind, script.lines[-1].content) == (LineKind.SUBTITLE, body)


@pytest.mark.parametrize(("body", "number", "title"), [
    ("第2集 打脸", 2, "打脸"), ("【第3集】", 3, None), ("第四集：真相大白", 4, "真相大白"),
    ("EP5", 5, None),
])
def test_subs_title_cards_still_open_episodes(tmp_path: Path, body: str, number: int,
                                              title: str | None) -> None:
    text = srt(("00:01,000", "00:03,000", "你好。"), ("00:30,000", "00:32,000", body),
               ("00:32,500", "00:34,000", "再见。"))
    script = read_subs(tmp_path, text)
    assert [(ep.number, ep.title) for ep in script.episodes] == [(1, None), (number, title)]


# --- 8. line breaks inside a cue ---------------------------------------------------------------

def test_subs_srt_rows_join_without_a_space_in_chinese(tmp_path: Path) -> None:
    assert one_line(tmp_path, "顾家的轿子已经到门口了，\n你快上去！")[3] == \
        "顾家的轿子已经到门口了，你快上去！"


def test_subs_latin_rows_keep_a_space(tmp_path: Path) -> None:
    assert one_line(tmp_path, "I told you\nso")[3] == "I told you so"


def test_subs_ass_line_break_joins_without_a_space(tmp_path: Path) -> None:
    text = ass("0,0:00:02.60,0:00:05.10,Default,苏念,0,0,0,,陆先生，\\N三个月的契约今天就到期了。")
    [line] = read_subs(tmp_path, text, "subs.ass").lines
    assert line.content == "陆先生，三个月的契约今天就到期了。"


# --- 9. music symbols are not speech -------------------------------------------------------------

@pytest.mark.parametrize("music", ["♪", "♪♫", "♪ ♪"])
def test_subs_music_only_cue_is_dropped(tmp_path: Path, music: str) -> None:
    text = srt(("00:01,000", "00:03,000", "你好。"), ("00:03,500", "00:05,000", music),
               ("00:05,500", "00:07,000", "再见。"))
    script = read_subs(tmp_path, text)
    assert [ln.content for ln in script.lines] == ["你好。", "再见。"]


# --- 10. top-of-screen captions, ASS voice-over styles and names -------------------------------

def test_subs_top_positioned_cue_without_speaker_is_a_caption(tmp_path: Path) -> None:
    assert one_line(tmp_path, "{\\an8}三年后") == ("action", None, "字幕", "三年后")
    assert one_line(tmp_path, "{\\an8}<i>顾氏集团 总裁办公室</i>") == (
        "action", None, "字幕", "顾氏集团 总裁办公室")


def test_subs_top_positioned_cue_with_speaker_is_spoken(tmp_path: Path) -> None:
    assert one_line(tmp_path, "{\\an8}顾总：走。") == ("subtitle", "顾总", None, "走。")


def test_subs_ass_top_cue_and_top_style_are_captions(tmp_path: Path) -> None:
    styles = ("Style: Default,Arial,60,&H00FFFFFF,2\n"
              "Style: Sign,Arial,60,&H00FFFFFF,8\n")
    text = ass("0,0:00:14.40,0:00:16.00,Default,,0,0,0,,{\\an8\\fs48}一个小时后",
               "0,0:00:16.40,0:00:18.00,Sign,,0,0,0,,民政局",
               "0,0:00:18.40,0:00:20.00,Default,苏念,0,0,0,,{\\an8}你来了。", styles=styles)
    lines = read_subs(tmp_path, text, "subs.ass").lines
    assert [(ln.kind.value, ln.note, ln.content) for ln in lines] == [
        ("action", "字幕", "一个小时后"), ("action", "字幕", "民政局"), ("subtitle", None, "你来了。")]


@pytest.mark.parametrize(("style", "name", "speaker", "note"), [
    ("内心", "苏念", "苏念", "内心"),
    ("OS", "苏念", "苏念", "OS"),
    ("Default", "旁白", "旁白", "旁白"),
    ("Default", "画外音", None, "画外音"),
])
def test_subs_ass_voice_over_style_or_name(tmp_path: Path, style: str, name: str,
                                           speaker: str | None, note: str) -> None:
    text = ass(f"0,0:00:08.00,0:00:10.60,{style},{name},0,0,0,,{{\\i1}}他这是什么意思……{{\\i0}}")
    [line] = read_subs(tmp_path, text, "subs.ass").lines
    assert (line.kind, line.speaker, line.note, line.content) == (
        LineKind.VOICEOVER, speaker, note, "他这是什么意思……")


# --- 11. ASS title ------------------------------------------------------------------------------

def test_subs_ass_script_info_title(tmp_path: Path) -> None:
    text = ass("0,0:00:01.00,0:00:02.00,Default,,0,0,0,,你好。", title="闪婚后大佬老公藏不住了")
    assert read_subs(tmp_path, text, "ep03.ass").title == "闪婚后大佬老公藏不住了"


def test_subs_ass_placeholder_title_falls_back_to_the_file_name(tmp_path: Path) -> None:
    text = ass("0,0:00:01.00,0:00:02.00,Default,,0,0,0,,你好。", title="Default Aegisub file")
    assert read_subs(tmp_path, text, "ep03.ass").title == "ep03"


# --- 12. ASS drawings are not text ----------------------------------------------------------------

def test_subs_ass_drawing_is_dropped(tmp_path: Path) -> None:
    text = ass("0,0:00:01.00,0:00:03.00,Default,,0,0,0,,你好。",
               "0,0:00:03.50,0:00:05.00,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100 0 100{\\p0}",
               "0,0:00:05.50,0:00:07.00,Default,,0,0,0,,{\\p2}m 0 0 l 10 10{\\p0}再见。")
    script = read_subs(tmp_path, text, "subs.ass")
    assert [ln.content for ln in script.lines] == ["你好。", "再见。"]


# --- 13. a dash on the first row only ------------------------------------------------------------

def test_subs_dash_on_the_first_row_only_is_stripped(tmp_path: Path) -> None:
    script = read_subs(tmp_path, srt(("00:07,500", "00:09,000", "- 你是谁？\n他没有回答。")))
    assert script.lines
    assert all(not ln.content.startswith(("-", "－")) for ln in script.lines)
    assert "".join(ln.content for ln in script.lines) == "你是谁？他没有回答。"


def test_subs_chinese_dash_is_kept(tmp_path: Path) -> None:
    # "——" opens an interrupted line in Chinese; it is no speaker dash.
    assert one_line(tmp_path, "——一个亿。")[3] == "——一个亿。"


# --- the samples from the issue, end to end ---------------------------------------------------------

MERGED = """1
00:00:00,500 --> 00:00:02,000
{\\an8}第1集 替嫁新娘

2
00:00:02,100 --> 00:00:04,800
顾家的轿子已经到门口了，
你快上去！

3
00:00:05,000 --> 00:00:06,200
♪

4
00:00:06,300 --> 00:00:08,900
<i>（内心）凭什么嫁过去的是我？</i>

5
00:00:09,000 --> 00:00:09,800


6
00:00:10,000 --> 00:00:13,500
- 姐姐，你就认命吧。
- 我不会认命的。

7
00:00:13,600 --> 00:00:16,000
{\\an8}三年后

8
00:00:20,000 --> 00:00:21,500
{\\an8}第1集 完

1
00:00:00,400 --> 00:00:02,000
{\\an8}第2集 身份曝光

2
00:00:12,800 --> 00:00:15,300
怎么可能！
这不可能！
3
00:00:15,400 --> 00:00:17,900
（笑）你还真以为我是来求你的？
"""


def test_subs_merged_export_end_to_end(tmp_path: Path) -> None:
    script = read_subs(tmp_path, MERGED)
    assert [(ep.number, ep.title) for ep in script.episodes] == [(1, "替嫁新娘"), (2, "身份曝光")]
    assert script.warnings == []
    spoken = [(ln.kind.value, ln.speaker, ln.note, ln.content) for ln in script.lines
              if ln.kind in (LineKind.SUBTITLE, LineKind.VOICEOVER, LineKind.ACTION)]
    assert spoken == [
        ("subtitle", None, None, "顾家的轿子已经到门口了，你快上去！"),
        ("voiceover", None, "内心", "凭什么嫁过去的是我？"),
        ("subtitle", None, None, "姐姐，你就认命吧。"),
        ("subtitle", None, None, "我不会认命的。"),
        ("action", None, "字幕", "三年后"),
        ("subtitle", None, None, "怎么可能！这不可能！"),
        ("subtitle", None, "笑", "你还真以为我是来求你的？"),
    ]
    assert [ep.duration_s for ep in script.episodes] == [21.5, 17.9]
