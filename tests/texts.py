"""Shared Chinese snippets for the tests, as named constants (STYLE 3.9)."""

from __future__ import annotations

# --- readers and timing (issue "Read real scripts") --------------------------------------------

#: Encoded copies made by the ``encoded_scripts`` fixture:
#: variant name -> (UTF-8 source in tests/data/scripts, encoding to save it in, newline).
ENCODED_VARIANTS: dict[str, tuple[str, str, str]] = {
    "utf-8": ("conventions.txt", "utf-8", "\n"),
    "utf-8-bom": ("conventions.txt", "utf-8-sig", "\n"),
    "utf-16": ("conventions.txt", "utf-16", "\n"),
    "utf-16-le-no-bom": ("conventions.txt", "utf-16-le", "\n"),
    "gb18030": ("conventions.txt", "gb18030", "\n"),
    "crlf": ("conventions.txt", "utf-8", "\r\n"),
    "gb18030-crlf": ("conventions.txt", "gb18030", "\r\n"),
    "big5": ("traditional.txt", "big5", "\n"),
    "big5-crlf": ("traditional.txt", "big5", "\r\n"),
    "srt-crlf-bom": ("single.srt", "utf-8-sig", "\r\n"),
    "srt-gb18030": ("single.srt", "gb18030", "\n"),
}

#: One episode and one scene: a line appended to it is read in a structured script.
SCENE_PREFIX = "第1集\n1-1 日 内 客厅\n"

#: A tiny script whose estimated times are worked out by hand in test_timing.py.
TIMED_SCRIPT = """第1集
1-1 日 内 客厅
甲：一二三四五六七八九十
△ 他走了。
1-2 夜 外 街口
乙：好。
第2集
【黑屏】
丙（旁白）：一二三四五六七八九。
"""

#: Pieces of real script lines, for property tests that build script-like text at random.
FRAGMENTS = (
    "第1集", "第一集", "第十二集 打脸", "第 3 集", "EP01", "【第2集】", "# 第1集", "## 第2集 重生",
    "1-1 日 内 别墅客厅", "1-2 夜/外/医院走廊", "2-3场 地下车库 夜 内", "第 1 -1 场 正厅夜内",
    "场景1：", "第1场", "[场景] 花园", "内景 客厅 夜", "人物：苏晴、顾言", "剧本名：《重生》",
    "故事梗概：", "△ 苏晴推门。", "▲", "【顾言走来】", "（苏晴回头）", "苏晴：", "苏晴（冷笑）：",
    "顾言(OS)：", "管家 VO:", "VO（机械女音）：", "旁白：", "苏晴OS：", "**林凡**：", "* 林凡：",
    "- ", "切至", "【闪回】", "【闪回结束】", "黑屏", "转场", "【字幕：三年后】", "字幕：",
    "00:00:01,000 --> 00:00:02,000", "1", "-->", "[Script Info]", "[Events]",
    "Format: Layer, Start, End, Text", "Dialogue: 0,0:00:01.00,0:00:02.00,", "{\\an8}", "\\N",
    "<i>", "INT. 客厅 - DAY", "@林凡", "(V.O.)", "CUT TO:", "[[注]]", "/*", "*/", "Title: 战神",
    "劇本名：", "內", "閃回", "這一世", "：", ":", "（", "）", "【", "】",
    "\ufeff", "\r", "\t", " ",
)
