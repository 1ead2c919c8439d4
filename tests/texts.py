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


# --- originality (issue "Originality against a corpus, and the homogeneity of a collection") ----

#: Two unrelated 战神 scripts that share only the genre's stock lines (lexicons/stock_lines.toml),
#: in the same order, dense enough that each scene would count as a reused passage if the stock
#: lines were not blanked out; their own lines (people, places, objects) share nothing.
STOCK_ONLY_A = """剧本名：《北境龙归》
第1集 归来
1-1 日 外 江城火车站
△ 林凡背着旧帆布包走出车站，抬头看了看灰蒙蒙的天。
林凡：三年之期已到！
赵虎：恭迎龙帅归位！恭迎战神归来！北境之王，十万将士！莫欺少年穷！三十年河东，三十年河西！让他们付出代价！
林凡：江城的老槐树还在不在，我娘腌的酸菜坛子还在不在。
第2集 认亲
2-1 夜 内 苏家客厅
苏父：有眼不识泰山！狗眼看人低！你算什么东西，跪下道歉！
林凡：你会后悔的。你到底是谁？怎么可能！这不可能！你给我等着！好戏才刚刚开始。血债血偿，加倍奉还！
林凡：当年你在码头欠下的那笔运费，我一直记在小本子上，连同奶奶留给苏晴的那把旧油纸雨伞，今天一并讨回来。
"""

STOCK_ONLY_B = """剧本名：《战神赘婿》
第1集 雪夜
1-1 夜 外 云州码头
△ 陈锋蹲在码头边剥橘子，海风把橘子皮吹进了水里。
陈锋：三年之期已到！
老周：恭迎龙帅归位！恭迎战神归来！北境之王，十万将士！莫欺少年穷！三十年河东，三十年河西！让他们付出代价！
陈锋：小声点，渔船上的阿婆还在晒带鱼，别吓着她的花猫。
第2集 对峙
2-1 日 内 王家祠堂
王母：有眼不识泰山！狗眼看人低！你算什么东西，跪下道歉！
陈锋：你会后悔的。你到底是谁？怎么可能！这不可能！你给我等着！好戏才刚刚开始。血债血偿，加倍奉还！
陈锋：祠堂后墙那块松动的青砖底下，压着二叔记了十年的账本，我昨天夜里打着手电筒一页一页全都看过了。
"""

#: Source lines of STOCK_ONLY_B that hold at least one stock line.
STOCK_ONLY_B_STOCK_LINES = {5, 6, 10, 11}


# --- users' workflows: scan, batch, reports (issue "The three users' workflows") ----------------

#: HTML/JS in a submission's title, episode title, action and dialogue lines: reports must show
#: it as text. The lines carry rebirth/revenge cues so they reach the evidence and twist tables.
HOSTILE_SCRIPT = """剧本名：《<script>alert(1)</script>》
第1集 <script>alert(1)</script>
1-1 日 内 苏家客厅
△<img src=x onerror=alert(1)> 苏晚猛地睁开眼，冷汗湿透了睡衣。
苏晚（OS）：<script>alert(1)</script>我……重生了？回到了十八岁这一年！
苏晚：这一世，我要让害死我的人血债血偿！<img src=x onerror=alert(1)>
继母：晚晚，你醒啦？快下楼，你妹妹的订婚宴要开始了。
苏晚（冷笑）：订婚宴？好戏才刚刚开始。
第2集 打脸
2-1 夜 内 宴会厅
△宾客满堂。
苏晚：你以为我还是从前那个任人欺负的苏晚吗？<script>alert(1)</script>
妹妹：你……你到底是谁？
苏晚：我是你永远得罪不起的人。
"""

#: The raw markup that must never reach a report page.
HOSTILE_RAW = ("<script>alert", "<img src=x onerror")
#: How the same text looks escaped (it must be shown, not dropped).
HOSTILE_ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;")


# --- twist density (issue "Twist density per 15 seconds") ----------------------------------------

#: A formula episode: insult, the kneeling bodyguards, the reveal, bankruptcy, the face-slap and
#: an end-of-episode hook. Source lines: 9 is the reveal, 12-13 the face-slap, 16 the hook.
FORMULA_EPISODE = """第1集 赘婿
1-1 日 内 苏家客厅
△苏家众人围坐，林凡端着茶站在角落。
苏母：一个吃软饭的上门女婿，也配站在这儿？
林凡：妈，我只是来送茶。
苏母：滚出去！别丢我们苏家的脸。
△门外一阵骚动，十几个黑衣保镖鱼贯而入，齐刷刷单膝跪地。
保镖队长：恭迎龙帅回归！
苏母（瞪大眼睛）：龙……龙帅？原来你是龙帅！
王总：不可能！他就是个废物！
林凡：王总，你的公司，从今天起破产了。
△王总手机响起，他接完电话，面如死灰，扑通跪下。
王总：龙帅，我有眼不识泰山，求您饶了我！
苏晴：林凡，你到底是谁？
△林凡转身离开，嘴角露出一丝冷笑。
林凡OS：好戏才刚刚开始。
"""

#: A second episode after FORMULA_EPISODE, so events have a series time past episode 1.
FORMULA_SECOND_EPISODE = """第2集 真相
2-1 夜 内 医院走廊
△苏晴靠着墙，手里攥着一份文件。
苏晴：今天医生说奶奶的情况稳定了。
林凡：那就好，你去休息吧。
护士：不好了，病人晕倒了！快来人！
苏晴：怎么会这样？
△苏晴的手机亮起，一条陌生短信：你想知道他的真实身份吗？
"""

#: Neutral lines that put a tested line away from the episode end (no cue, no ？ or …).
NEUTRAL_TAIL = "△众人坐下。\n林凡：吃饭。\n顾言：好。\n"

#: Subtitles with known times: one clock runs through both episodes (the 第2集 card at 30 s
#: starts episode 2). The rule finds 跪下道歉 at 4.2 s and 车祸 at 33 s in the file, that is 3 s
#: into episode 2.
TWIST_SRT = """1
00:00:01,000 --> 00:00:03,000
今天天气不错。

2
00:00:04,200 --> 00:00:06,000
跪下道歉！

3
00:00:12,500 --> 00:00:14,000
我们去吃饭吧。

4
00:00:20,000 --> 00:00:22,000
好的。

5
00:00:30,000 --> 00:00:31,000
第2集

6
00:00:33,000 --> 00:00:35,000
不好了，出车祸了！

7
00:00:40,000 --> 00:00:41,500
你好。

8
00:00:50,000 --> 00:00:52,000
再见。
"""
#: (episode, seconds into the episode, seconds into the series) of TWIST_SRT's two twists.
TWIST_SRT_EVENTS = [(1, 4.2, 4.2), (2, 3.0, 33.0)]


# --- errors (the catalogue: one code per message) ----------------------------------------------

def catalogue_code(message: str) -> str:
    """The code of the one catalogue entry whose template produces ``message`` (the
    ``TropescanError.message`` text, without path or code)."""
    import re
    import string

    from tropescan.errors import Errors

    found = []
    for entry in Errors.all().values():
        parts = []
        for literal, field, _, _ in string.Formatter().parse(entry.text):
            parts.append(re.escape(literal))
            if field is not None:
                parts.append(".+?")
        if re.fullmatch("".join(parts), message, flags=re.S):
            found.append(entry)
    # the most specific template wins (fewest characters left to fields)
    assert found, f"no catalogue entry produces {message!r}"
    return max(found, key=lambda e: len(re.sub(r"\{[^}]*\}", "", e.text))).code
