"""Chinese plain-text and Markdown scripts, as writers really type them.

Input: decoded text. Output: a ``Script`` (untimed; ``timing`` adds times).

Each line is classified by the first rule that fits: episode marker, scene heading, front
matter (title, cast list, synopsis), transition, action, dialogue / voice-over; anything else
is an unmarked action line inside a structured script, or prose when the file has no script
structure at all. The rules accept the spellings writers really use: ``第1集``/``第一集``/
``【第1集】``/``EP01``/``# 第1集``; ``1-2 日 内 别墅客厅``/``1-2 夜/外/医院走廊``/
``2-3场 地下车库 夜 内``/``第 1 -1 场 正厅夜内``/``场景1：…``/``第1场``/``[场景] …``;
``△``/``▲``/``【…】``/``（…）`` actions; ``角色（情绪）：台词``, ``角色OS：``, ``VO（…）：``.

And what real files add around them: headings glued to their place (``1-1日内大堂``) or with
fields in brackets (``场景一：卫生院走廊（夜/内）``, ``（接上场）`` dropped, ``（闪回）`` marking a
flashback scene); episodes numbered only in the scene numbers (``2-1`` opens 第2集 when no
marker says so); outline entries (``第1集：外卖员被羞辱，意外绑定系统。``) and end lines
(``——本集完——``, ``第1集完``, ``【全剧终】``) that are neither episodes nor screen time; Word list
numbers (``1.\t△…``); Markdown emphasis, rules, tables and comments; a speaker's name alone on
the line before the words, or separated by a tab.
"""

from __future__ import annotations

import re
import unicodedata

from ..model import Line, LineKind
from ..normalize import fold_simplified, is_traditional
from .build import ScriptBuilder

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_number(text: str) -> int | None:
    """Arabic or Chinese numerals to int.

    >>> [cn_number(t) for t in ("12", "十二", "二十", "一百零五", "三")]
    [12, 12, 20, 105, 3]
    """
    text = text.strip()
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


_NUM = r"[0-9０-９一二三四五六七八九十百零〇两]+"
EPISODE_RE = re.compile(
    rf"^\s*(?:#+\s*)?[【\[〔]?\s*(?:第\s*(?P<n>{_NUM})\s*集(?!团)|(?:EP|Ep|ep|Episode|episode)\s*\.?\s*(?P<ep>\d+))"
    r"\s*[】\]〕]?\s*[：:：\-—·.、|｜\s]*(?P<title>.*)$"
)
_TIMES = "清晨|早晨|凌晨|黄昏|傍晚|深夜|午夜|中午|下午|上午|白天|夜晚|晚上|日|夜|晨|昏|晚|早|午"
_INOUT = "内外|内/外|外/内|内|外"
# 1-2 日 内 别墅客厅 / 2-3场 地下车库 夜 内 / 第 1 -1 场 正厅夜内 / ## 1-1 … / 1.2 …
SCENE_NUMBERED_RE = re.compile(
    r"^\s*(?:#+\s*)?(?:第\s*)?(?P<label>\d{1,3}\s*[-－—–_]\s*\d{1,3})\s*(?P<chang>场|場)?(?P<sep>[：:、.\s]+|$|(?=[^\d]))(?P<rest>.*)$"
)
# 1.1 内景 大厅 日 / 一、冷宫 夜: weaker forms, accepted only when the rest names a time or in/out.
SCENE_LOOSE_RE = re.compile(
    r"^\s*(?:#+\s*)?(?:(?P<label>\d{1,3}\.\d{1,3})\s+|(?P<cn>[一二三四五六七八九十]{1,3})、\s*)"
    r"(?P<rest>\S.*)$"
)
SCENE_WORD_RE = re.compile(
    r"^\s*(?:#+\s*)?(?:[【\[]\s*场景?\s*[】\]]|场景\s*(?P<n1>" + _NUM + r")?|[◎◇■]|"
    r"第\s*(?P<n2>" + _NUM + r")\s*[场幕]|"
    r"(?P<io>内景|外景|内外景))\s*[：:、.\s]*(?P<rest>.*)$"
)
FRONT_RE = re.compile(
    r"^\s*(?:#+\s*)?(?:\*\*)?(?P<key>剧本名|剧名|片名|剧本名称|标题|类型|题材|作者|编剧|原创|故事梗概|梗概|简介|"
    r"故事简介|分集大纲|分集梗概|大纲|人物小传|人物介绍|人物表|主要人物|出场人物|人物|角色|角色表|集数|字数|"
    r"时长|备注|版权)"
    r"(?:\*\*)?\s*[：:](?P<rest>.*)$"
)
CAST_KEYS = {"人物", "主要人物", "出场人物", "角色", "角色表", "人物表", "人物介绍", "人物小传"}
TITLE_KEYS = {"剧本名", "剧名", "片名", "剧本名称", "标题"}
# Front-matter keys whose value may run on over the following lines (a synopsis, a cast list).
PARAGRAPH_KEYS = CAST_KEYS | {"故事梗概", "梗概", "简介", "故事简介", "备注", "分集大纲", "分集梗概",
                              "大纲"}
TRANSITION_RE = re.compile(
    r"^\s*(?P<open>[【\[（(])?\s*(?P<word>闪回结束|闪回完|回忆结束|回到现实|闪回|回忆|"
    r"切至|切到|切回|切换|转场|黑屏|淡入|淡出|叠化|定格|切|CUT TO|FADE IN|FADE OUT|SMASH CUT)"
    r"(?P<gap>\s*[】\]）)]?\s*[：:。.]?\s*)"
    r"(?P<rest>.*)$",
    re.IGNORECASE,
)
FLASHBACK_START = {"闪回", "回忆"}
# Words that may run straight into their object (切至医院, 闪回三年前); the others need a bracket
# or a separator, so that 切菜的声音 or 回忆涌上心头 stay action lines.
GLUED_TRANSITIONS = {"切至", "切到", "切回", "闪回"}
FLASHBACK_END = {"闪回结束", "闪回完", "回忆结束", "回到现实"}
ACTION_MARK_RE = re.compile(r"^\s*[△▲◆●＊\*]\s*(?P<rest>.*)$")
BRACKET_ACTION_RE = re.compile(r"^\s*【(?P<rest>.*)】\s*$")
PAREN_ACTION_RE = re.compile(r"^\s*[（(](?P<rest>.*)[）)]\s*$")
CAPTION_RE = re.compile(r"^(?:字幕|画外字幕|屏幕字幕|旁白字幕|字卡)\s*[：:](?P<rest>.*)$")
VO_WORDS = {"os", "vo", "v.o.", "o.s.", "v.o", "o.s", "画外音", "内心", "心声", "内心独白", "独白",
            "旁白", "画外", "电话音", "广播"}
DIALOGUE_RE = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\*\*)?(?P<speaker>[^\s：:（(【\[「“\"'，。！？,.!?△▲*]{1,14}?)(?:\*\*)?\s*"
    r"(?P<vo1>OS|VO|V\.O\.|O\.S\.)?\s*"
    r"(?:[（(](?P<paren>[^）)]{0,24})[）)])?\s*(?:[（(](?P<paren2>[^）)]{0,24})[）)])?\s*"
    r"(?P<vo2>OS|VO|V\.O\.|O\.S\.)?\s*(?:\*\*)?\s*[：:](?:\*\*)?\s*"
    r"(?P<content>.*)$",
    re.IGNORECASE,
)
# 李娜\t（别过脸）天豪，我们走吧。: a name, a tab, the line (exports from tables and Final Draft)
TAB_DIALOGUE_RE = re.compile(
    r"^\s*(?P<speaker>[\u4e00-\u9fffA-Za-z·]{1,6})\t+\s*"
    r"(?:[（(](?P<paren>[^）)]{0,24})[）)])?\s*(?P<content>\S.*)$")
# 电视里传来新闻播报：… / 手机屏幕上显示：… — what a screen or a sound says, not a speaker
_NOT_SPEAKER_WORDS = re.compile(r"显示|传来|写着|响起|播放|播报|弹出|屏幕|上面写|里传|画面里")
NARRATORS = {"旁白", "画外音", "vo", "os", "解说", "广播", "电话", "系统"}
_NOT_SPEAKERS = {"时间", "地点", "场景", "注", "备注", "字幕", "提示", "画面", "镜头", "音效",
                 "音乐", "bgm", "内景", "外景", "人物", "道具", "服装", "景", "切", "切至", "转场",
                 "闪回"}
# Block-style scene headings: 场次：1-1 / 时间：夜 / 地点：夜市, or 时：夜　景：急诊科　人：乔念
SCENE_FIELD_RE = re.compile(r"^\s*(?P<key>场次|时间|地点|时|景|场景地点)\s*[：:](?P<rest>.*)$")
_FIELD_PAIR_RE = re.compile(r"(?P<k>时间|地点|时|景|人物|人)\s*[：:]\s*(?P<v>[^　\s]+(?:\s+[^　\s：:]+)*?)(?=\s+\S{1,2}\s*[：:]|[　]|$)")


def scene_fields(line: str, key: str) -> dict[str, str]:
    """``时：夜　景：市三院急诊科　人：乔念、家属`` -> {"time_of_day": "夜", "location": …}.

    >>> scene_fields("时：夜　景：急诊科　人：乔念", "时：夜　景：急诊科　人：乔念")
    {'time_of_day': '夜', 'location': '急诊科', 'cast': '乔念'}
    """
    out: dict[str, str] = {}
    names = {"时间": "time_of_day", "时": "time_of_day", "地点": "location", "景": "location",
             "人物": "cast", "人": "cast"}
    for m in _FIELD_PAIR_RE.finditer(key):
        value = line[m.start("v"):m.end("v")].strip()
        out.setdefault(names[m.group("k")], value)
    return out


_FIELD_SEP = r"[\s/／|｜,，、·]+"
# 医院走廊（夜/内） holds fields in brackets; 大堂（接上场） or 病房（两小时后） a continuity note
_BRACKETED = re.compile(r"[（(](?P<inner>[^（）()]{1,12})[）)]")
_CONTINUITY = re.compile(r"接上场?|接上集|承上|同上|续前?|.{1,6}(?:后|前)|回忆|闪回")
_GLUED_TIME_INOUT = rf"(?P<t>{_TIMES})(?P<io>{_INOUT})|(?P<io2>{_INOUT})(?P<t2>{_TIMES})"
_LEAD_TIME_INOUT = re.compile(rf"(?P<t>{_TIMES})(?P<io>内外|内|外)(?=\S)")


def parse_heading_fields(rest: str, key: str | None = None) -> dict[str, str | None]:
    """Time of day, interior/exterior and place from what follows a scene number.

    ``key`` is ``rest`` folded to Simplified (``fold_simplified``, same length): the fields are
    recognised on it, while the location keeps the writer's spelling from ``rest``.

    >>> parse_heading_fields("夜/外/医院走廊")
    {'time_of_day': '夜', 'interior': '外', 'location': '医院走廊'}
    >>> parse_heading_fields("正厅夜内")["location"]
    '正厅'
    >>> parse_heading_fields("日内 别墅客厅")
    {'time_of_day': '日', 'interior': '内', 'location': '别墅客厅'}
    """
    key = rest if key is None else key
    # Folding changes only Han characters, so the same strips and splits stay aligned.
    rest, key = (x.strip().strip("#*").strip() for x in (rest, key))
    for b in reversed(list(_BRACKETED.finditer(key))):
        inner = b.group("inner")
        fields = [t for t in re.split(_FIELD_SEP, inner) if t]
        if fields and all(re.fullmatch(rf"(?:{_TIMES})|(?:{_INOUT})(?:景)?|{_GLUED_TIME_INOUT}", t)
                          for t in fields):
            keep = " " + inner + " "  # （夜/内）: the fields, without their brackets
        elif _CONTINUITY.fullmatch(inner.strip()):
            keep = " " * (b.end() - b.start())  # （接上场）: not part of the place
        else:
            continue
        rest = rest[:b.start()] + keep + rest[b.end():]
        key = key[:b.start()] + keep + key[b.end():]
    tokens = [t for t in re.split(_FIELD_SEP, rest) if t]
    keys = [t for t in re.split(_FIELD_SEP, key) if t]
    time_of_day = interior = None
    place: list[str] = []
    place_keys: list[str] = []
    for tok, tk in zip(tokens, keys, strict=True):
        glued = re.fullmatch(_GLUED_TIME_INOUT, tk)
        if re.fullmatch(rf"(?:{_TIMES})", tk) and time_of_day is None:
            time_of_day = tk
        elif re.fullmatch(rf"(?:{_INOUT})(?:景)?", tk) and interior is None:
            interior = tk.removesuffix("景")
        elif glued and time_of_day is None and interior is None:
            # 日内 / 夜外 typed as one word.
            time_of_day = glued.group("t") or glued.group("t2")
            interior = glued.group("io") or glued.group("io2")
        elif (time_of_day is None and interior is None and not place
              and (lead := _LEAD_TIME_INOUT.match(tk))):
            # 日内顾氏集团大堂: time and in/out glued to the front of the place. Both are
            # needed: 早餐店 or 晚风小馆 alone must keep their names.
            time_of_day, interior = lead.group("t"), lead.group("io")
            place.append(tok[lead.end():])
            place_keys.append(tk[lead.end():])
        else:
            place.append(tok)
            place_keys.append(tk)
    location = " ".join(place) or None
    m = re.fullmatch(rf"(?P<loc>.+?)(?P<t>{_TIMES})?(?P<io>{_INOUT})?", " ".join(place_keys))
    if location and m and m.group("loc").strip():
        if m.group("t") and (m.group("io") or time_of_day is None):
            # Glued headings such as 正厅夜内 or 医院走廊日外: peel time and in/out off the end.
            location = location[: m.end("loc")].strip()
            time_of_day = time_of_day or m.group("t")
            interior = interior or m.group("io")
        elif m.group("io") and not m.group("t") and interior is None:
            # 车内, 库房外: the place says inside or outside, and keeps its whole name.
            interior = m.group("io")
    return {"time_of_day": time_of_day, "interior": interior, "location": location}


# Compiled once: classify() runs them on every line of every script.
_QUOTE_MARK = re.compile(r"^\s*>\s?")
_NUMERIC = re.compile(r"[\d.]+")
_VO_TAIL = re.compile(r"(OS|VO|V\.O\.|O\.S\.)$", re.IGNORECASE)
_LEAD_PAREN = re.compile(r"[（(](?P<p>[^）)]{1,24})[）)]\s*(?=\S)")
_NOTE_SEP = re.compile(r"[，,、/；;\s]+")
_BULLET = re.compile(r"\*\s")


_HEADING_FLASHBACK = re.compile(r"[（(【\[]?\s*(?:闪回|回忆)(?:场景|戏)?\s*[）)】\]]?")


def _heading_fields(line: str, m: re.Match[str]) -> dict[str, str | bool | None]:
    """The fields of a heading's ``rest`` group; a 闪回/回忆 tag in it (乡下小院（闪回）) marks a
    flashback scene and is no part of the place."""
    rest, key = _span(line, m, "rest"), m.group("rest")
    tag = _HEADING_FLASHBACK.search(key)
    if tag:
        # blank it in both copies alike, so that positions in rest and key still agree
        gap = " " * (tag.end() - tag.start())
        rest = rest[:tag.start()] + gap + rest[tag.end():]
        key = key[:tag.start()] + gap + key[tag.end():]
    return {**parse_heading_fields(rest, key), "flashback": bool(tag)}


_SYNOPSIS_TITLE = re.compile(r"[，,；;。！？!?]")
_END_MARK = re.compile(r"[（(【\[]?\s*(?:完|终|全剧终)\s*[）)】\]]?")
# ——本集完—— / ——第1集完—— / 【全剧终】 / （未完待续） / -完-: an episode's last line, not action
END_LINE_RE = re.compile(
    r"^\s*[-—–=~～_*＊【\[（(]*\s*(?:本集完|本集结束|第\s*" + _NUM + r"\s*集\s*(?:完|终|结束)|"
    r"全剧终|剧终|全剧完|未完待续|待续|完)\s*[-—–=~～_*＊】\]）)。.!！]*\s*$")
# Lines that are layout, not script: Markdown / Word rules (---, ***), a table's |---|---| row,
# an HTML comment (<!-- 导演备注 -->)
_RULE_RE = re.compile(r"^\s*(?:(?:[-*_=]\s*){3,}|\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*|<!--.*-->)$")
_RULE_STARTS = frozenset("-*_=|<")  # cheap test before the rule pattern, on every line
_CAST_HEADING_RE = re.compile(r"^\s*#+\s*(?P<key>人物表|人物小传|人物介绍|主要人物|角色表|人物|角色)\s*$")
_TABLE_HEADER_WORDS = {"角色", "人物", "姓名", "名字", "演员", "name"}
_LIST_NUMBER = re.compile(r"^\s*\d{1,3}\s*[.．、)）]\s*(?=\S)(?!\d)")
_ITALIC = re.compile(r"^\*(?!\s)(?P<t>[^*]+)\*$")


def _strip_md(line: str) -> str:
    # Markdown emphasis, quotes and bullets carry no meaning in a script line; neither do the
    # list numbers Word puts before lines (1.\t△…, 2、赵红梅：…).
    line = _QUOTE_MARK.sub("", line).replace("**", "").replace("__", "").strip()
    italic = _ITALIC.match(line) if line[:1] == "*" else None
    if italic:
        line = italic.group("t")
    if line.startswith("- ") and len(line) > 2:
        line = line[2:]
    number = _LIST_NUMBER.match(line) if line[:1].isdigit() else None
    if number and not SCENE_NUMBERED_RE.match(line) and not SCENE_LOOSE_RE.match(line):
        line = line[number.end():]
    return line


def _label(text: str) -> str:
    """A writer's scene number in one spelling: ``第 1 －1 场`` and ``１-１`` give ``1-1``."""
    text = unicodedata.normalize("NFKC", re.sub(r"\s+", "", text))
    return re.sub(r"[－—–_]", "-", text)


def _span(line: str, m: re.Match[str], group: str) -> str:
    """The text of ``group`` taken from ``line`` (the original) at the match position."""
    start, end = m.span(group)
    return line[start:end] if start >= 0 else ""


def _dialogue(line: str, key: str, n: int) -> Line | None:
    m = DIALOGUE_RE.match(key) or (TAB_DIALOGUE_RE.match(key) if "\t" in key else None)
    if not m:
        return None
    speaker_key = m.group("speaker").strip("*").strip()
    speaker = _span(line, m, "speaker").strip("*").strip()
    low = speaker_key.lower()
    if (
        not speaker
        or low in _NOT_SPEAKERS
        or speaker.isdigit()
        or _NUMERIC.fullmatch(speaker)
        or low.startswith(("http", "www"))
        or _NOT_SPEAKER_WORDS.search(speaker_key)
    ):
        return None
    groups = m.groupdict()
    vo_tag = (groups.get("vo1") or groups.get("vo2") or "").lower()
    # 林凡OS： has no separator between name and tag.
    tail = _VO_TAIL.search(speaker_key)
    if tail and len(speaker_key) > len(tail.group(1)):
        vo_tag = tail.group(1).lower()
        speaker = speaker[: tail.start()].strip()
    paren_key, paren = (m.group("paren") or "").strip(), _span(line, m, "paren").strip()
    if groups.get("paren2"):
        # 赵红梅（抬头，一愣）（OS）：two parentheses read as one
        paren_key = "，".join(x for x in (paren_key, m.group("paren2").strip()) if x)
        paren = "，".join(x for x in (paren, _span(line, m, "paren2").strip()) if x)
    content_key, content = m.group("content").strip(), _span(line, m, "content").strip()
    # 苏晴：（冷笑）你好 puts the parenthetical after the colon; it is not spoken either.
    lead = _LEAD_PAREN.match(content_key)
    if lead:
        paren_key = "，".join(x for x in (paren_key, lead.group("p").strip()) if x)
        paren = "，".join(x for x in (paren, _span(content, lead, "p").strip()) if x)
        content_key, content = content_key[lead.end():], content[lead.end():]
    # （OS，冷笑）: the voice-over tag and the delivery note can share one parenthesis.
    paren_keys = _NOTE_SEP.split(paren_key)
    paren_words = _NOTE_SEP.split(paren)
    pairs = list(zip(paren_words, paren_keys, strict=True))
    vo_words = [w for w, k in pairs if k.lower() in VO_WORDS]
    notes = [w for w, k in pairs if k and k.lower() not in VO_WORDS]
    is_vo = bool(vo_tag) or bool(vo_words) or low in NARRATORS
    tag = vo_tag or (vo_words[0] if vo_words else "")
    return Line(
        kind=LineKind.VOICEOVER if is_vo else LineKind.DIALOGUE,
        text=line,
        content=content,
        source_line=n,
        speaker=speaker,
        note="，".join(notes) or (tag.upper() if tag.isascii() else tag) or None,
    )


def classify(
    raw: str, n: int, *, traditional: bool = False
) -> tuple[str, Line | None, dict[str, object]]:
    """Classify one non-blank line. Returns (what, line, extra) where ``what`` is one of
    episode, scene, front, transition, action, dialogue, other.

    With ``traditional`` the rules run on a Simplified copy of the line (内 for 內, 场 for 場,
    剧本名 for 劇本名); what is kept (content, speaker, place) is sliced from the original.
    """
    if raw.lstrip()[:1] in _RULE_STARTS and _RULE_RE.match(raw):
        return "rule", None, {}
    line = _strip_md(raw).strip()
    key = fold_simplified(line) if traditional else line
    text = raw.strip()
    m = EPISODE_RE.match(key)
    if m:
        number = cn_number(m.group("n")) if m.group("n") else int(m.group("ep"))
        title = _span(line, m, "title").strip().strip("#*【】[]").strip() or None
        if title and (title.endswith(("。", "！", "？")) or (
                _SYNOPSIS_TITLE.search(title) and len(title) > 12)):
            # 第1集：外卖员叶凡被富二代羞辱，意外绑定战神系统。 — an outline entry, not a marker
            return "other", Line(LineKind.ACTION, text, line, n), {}
        end = _END_MARK.fullmatch(title) if title else None
        if end and not title.startswith(("（", "(", "【", "[")):  # type: ignore[union-attr]
            # 第1集完 / 第1集 完: the end of an episode, not a new one
            return "end", Line(LineKind.META, text, "", n, note="完"), {}
        if end:
            title = None  # 第3集（完）: the last episode begins; （完） is no title
        return "episode", None, {"number": number, "title": title}
    m = SCENE_NUMBERED_RE.match(key)
    if m:
        fields = _heading_fields(line, m)
        # "3-5个保镖冲进来": a number glued to text is a heading only if it names a time or in/out.
        glued = not m.group("chang") and not m.group("sep") and m.group("rest")
        if not glued or fields["time_of_day"] or fields["interior"]:
            return "scene", Line(LineKind.HEADING, text, _span(line, m, "rest").strip(), n), {
                "label": _label(m.group("label")), **fields}
    m = SCENE_LOOSE_RE.match(key)
    if m and len(m.group("rest")) <= 30:
        fields = _heading_fields(line, m)
        io = re.match(r"(内景|外景|内外景)\s*", m.group("rest"))
        if io and not fields["interior"]:
            fields["interior"] = io.group(1).removesuffix("景")
            fields["location"] = (fields["location"] or "").removeprefix(io.group(0)).strip() or None
        if fields["time_of_day"] or fields["interior"]:
            label = m.group("label").replace(".", "-") if m.group("label") else m.group("cn")
            return "scene", Line(LineKind.HEADING, text, _span(line, m, "rest").strip(), n), {
                "label": label, **fields}
    m = SCENE_WORD_RE.match(key)
    if m:
        label = m.group("n1") or m.group("n2")
        if label and not label.isdigit():
            label = str(cn_number(label) or label)  # 场景三 -> 3
        fields = _heading_fields(line, m)
        if m.group("io") and not fields["interior"]:
            fields["interior"] = m.group("io").removesuffix("景")
        return "scene", Line(LineKind.HEADING, text, _span(line, m, "rest").strip(), n), {
            "label": _label(label) if label else None, **fields}
    m = SCENE_FIELD_RE.match(key)
    if m:
        if m.group("key") == "场次":
            rest = _span(line, m, "rest").strip()
            return "scene", Line(LineKind.HEADING, text, rest, n), {
                "label": _label(rest) if re.fullmatch(r"[\d\s\-－—–_]+", rest) else None,
                "time_of_day": None, "interior": None, "location": None}
        return "field", None, {"fields": scene_fields(line, key)}
    if ("完" in key or "终" in key or "续" in key) and END_LINE_RE.match(key):
        return "end", Line(LineKind.META, text, "", n, note="完"), {}
    m = FRONT_RE.match(key) or (_CAST_HEADING_RE.match(key) if key[:1] == "#" else None)
    if m and "rest" not in m.groupdict():
        # ## 人物表: a Markdown heading over a cast table or list
        return "front", Line(LineKind.META, text, "", n, note=m.group("key")), {
            "key": m.group("key")}
    if m:
        return "front", Line(LineKind.META, text, _span(line, m, "rest").strip(), n,
                             note=m.group("key")), {"key": m.group("key")}
    m = TRANSITION_RE.match(key)
    if m and len(m.group("rest")) <= 30 and (
        m.group("open") or m.group("gap") or not m.group("rest")
        or m.group("word") in GLUED_TRANSITIONS
    ):
        word = m.group("word")
        return "transition", Line(LineKind.TRANSITION, text, _span(line, m, "rest").strip(), n,
                                  note=word), {"word": word}
    if _BULLET.match(key):
        # A Markdown bullet before a speaker ("* 林凡：…") is a list item, not an action mark.
        dialogue = _dialogue(line, key, n)
        if dialogue is not None:
            dialogue.text = text
            return "dialogue", dialogue, {}
    for pattern in (ACTION_MARK_RE, BRACKET_ACTION_RE, PAREN_ACTION_RE, None):
        if pattern is None:
            # A caption typed without brackets: 字幕：三年后
            rest, rest_key = line, key
        else:
            m = pattern.match(key)
            if not m:
                continue
            rest, rest_key = _span(line, m, "rest").strip(), m.group("rest").strip()
        cap = CAPTION_RE.match(rest_key)
        if cap:
            return "action", Line(LineKind.ACTION, text, _span(rest, cap, "rest").strip(), n,
                                  note="字幕"), {}
        if pattern is not None:
            return "action", Line(LineKind.ACTION, text, rest, n), {}
    dialogue = _dialogue(line, key, n)
    if dialogue is not None:
        dialogue.text = text
        return "dialogue", dialogue, {}
    return "other", Line(LineKind.ACTION, text, line, n), {}


def _cast_names(rest: str) -> list[str]:
    rest = re.sub(r"[（(][^）)]*[）)]", "", rest)
    names = [x.strip(" 　。.;；") for x in re.split(r"[、，,；;\s]+", rest)]
    return [x for x in names if 0 < len(x) <= 8]


def parse_text(text: str, *, path: str | None = None, fmt: str = "text",
               encoding: str = "utf-8", first_line: int = 1) -> ScriptBuilder:
    """Parse a whole script; return the builder so callers can add warnings before finishing."""
    builder = ScriptBuilder(path=path, fmt=fmt, encoding=encoding)
    rows = [(i, raw) for i, raw in enumerate(text.splitlines(), start=first_line) if raw.strip()]
    traditional = is_traditional(text)
    classified = [(i, raw, *classify(raw, i, traditional=traditional)) for i, raw in rows]
    classified = _speaker_lines(classified)
    has_episodes = any(what == "episode" for _, _, what, _, _ in classified)
    structured = has_episodes or any(
        what in ("scene", "dialogue") for _, _, what, _, _ in classified
    )
    # Front matter is everything before the first episode marker; a file without markers can
    # still open with 剧本名：/人物：/故事梗概： lines and the paragraphs that belong to them.
    in_front = has_episodes or bool(classified and (
        classified[0][2] == "front" or re.fullmatch(r"\s*《[^《》]{1,30}》\s*", classified[0][1])))
    pending_title = True
    front_key: object = None
    marked = {extra["number"] for _, _, what, _, extra in classified if what == "episode"}
    current: int | None = None  # the episode number being read
    inferred = False
    scene_flashback = False  # the open scene's heading said 闪回 (not a 【闪回】 line)
    for i, raw, what, line, extra in classified:
        if what == "rule":
            continue
        if what == "episode":
            in_front = False
            current = extra["number"]  # type: ignore[assignment]
            builder.start_episode(extra["number"], extra["title"], i)  # type: ignore[arg-type]
            continue
        if what == "scene" and not in_front:
            # 2-1 after scenes 1-x with no 第2集 anywhere: the writer numbers episodes only in
            # the scene numbers (or forgot one marker), so the next episode starts here.
            number = _episode_of_label(extra.get("label"))
            if number is not None and number not in marked and (
                    (current is None and not marked) or (current is not None
                                                         and number == current + 1)):
                if current is not None:
                    builder.start_episode(number, None, i)
                    inferred = True
                current = number
            if scene_flashback:
                builder.flashback = False
            scene_flashback = bool(extra.get("flashback"))
            if scene_flashback:
                builder.flashback = True
        if in_front and not has_episodes and not (
                what == "front"
                or (what == "other" and (pending_title or front_key in PARAGRAPH_KEYS))):
            in_front = False
        if in_front and what != "scene":
            # Before the first episode marker: title, cast list, synopsis, notes.
            meta = line or Line(LineKind.META, raw.strip(), raw.strip(), i)
            meta.kind = LineKind.META
            if what == "front":
                front_key = extra.get("key")
            elif front_key in CAST_KEYS and raw.strip().startswith("|"):
                # | 林晚 | 25 | 女主… |: a cast table, one character per row
                cell = raw.strip().strip("|").split("|")[0].strip().strip("*").strip()
                if cell and cell.lower() not in _TABLE_HEADER_WORDS and \
                        cell not in builder.script.cast and len(cell) <= 8:
                    builder.script.cast.append(cell)
            elif (what == "dialogue" and front_key in CAST_KEYS and meta.speaker
                  and meta.speaker not in builder.script.cast):
                # A cast list written one character per line: 林凡：28岁，上门女婿
                builder.script.cast.append(meta.speaker)
            _front_matter(builder, meta, extra, pending_title)
            pending_title = False
            continue
        in_front = False
        if what == "front" and line is not None:
            if extra.get("key") in CAST_KEYS:
                # 出场人物 under a scene heading: a cast line, not spoken.
                builder.script.cast.extend(n for n in _cast_names(line.content)
                                           if n not in builder.script.cast)
                continue
            line.kind = LineKind.ACTION
        if what == "field":
            # 时间：夜 / 地点：… under a block heading: fills in the scene, not on screen.
            fields = dict(extra["fields"])  # type: ignore[call-overload]
            cast = fields.pop("cast", None)
            if cast:
                builder.script.cast.extend(n for n in _cast_names(cast)
                                           if n not in builder.script.cast)
            builder.update_scene(fields)
            continue
        if what == "scene" and line is not None:
            builder.start_scene(line, label=extra.get("label"),  # type: ignore[arg-type]
                                time_of_day=extra.get("time_of_day"),  # type: ignore[arg-type]
                                interior=extra.get("interior"),  # type: ignore[arg-type]
                                location=extra.get("location"))  # type: ignore[arg-type]
            continue
        assert line is not None
        if what in ("end", "speaker"):
            # 本集完 marks an end and shows nothing; a name line's speaker is on the next line
            continue
        if what == "transition":
            word = str(extra["word"])
            if word in FLASHBACK_END:
                builder.add(line)
                builder.flashback = False
                continue
            if word in FLASHBACK_START:
                builder.flashback = True
        if what == "other" and not structured:
            line.kind = LineKind.PROSE
        builder.add(line)
    if not structured:
        builder.script.warnings.append(
            "no episode markers, scene headings or dialogue found: read as prose (one episode)"
        )
    elif not has_episodes and not inferred:
        builder.script.warnings.append("no episode markers (第N集): read as one episode")
    if inferred:
        builder.script.warnings.append(
            "episode marker(s) missing: episodes taken from scene numbers (2-1 starts 第2集)")
    return builder


Classified = tuple[int, str, str, "Line | None", dict[str, object]]


def _speaker_lines(classified: list[Classified]) -> list[Classified]:
    """A character's name alone on a line, then what they say (陆沉 / 你，过来。), as
    screenplay software and some writers lay dialogue out: one dialogue line.

    Only names the script itself knows (other dialogue lines, its cast list) count, and only
    before an unmarked line, so an action line that is just a name stays one.
    """
    known = {ln.speaker for _, _, what, ln, _ in classified if what == "dialogue" and ln
             and ln.speaker}
    for _, _, what, ln, extra in classified:
        if what == "front" and ln is not None and extra.get("key") in CAST_KEYS:
            known.update(_cast_names(ln.content))
    out = list(classified)
    for k in range(len(out) - 1):
        i, raw, what, ln, extra = out[k]
        j, raw2, what2, ln2, _ = out[k + 1]
        name = raw.strip()
        if what == "other" and what2 == "other" and ln2 is not None and name in known \
                and 2 <= len(name) <= 6 and j == i + 1:
            content, note = ln2.content, None
            lead = _LEAD_PAREN.match(content)
            if lead:
                note, content = lead.group("p").strip(), content[lead.end():]
            out[k] = (i, raw, "speaker", Line(LineKind.META, name, name, i, note="角色"), extra)
            out[k + 1] = (j, raw2, "dialogue", Line(LineKind.DIALOGUE, ln2.text, content, j,
                                                    speaker=name, note=note), {})
    return out


def _episode_of_label(label: object) -> int | None:
    """The episode whose first scene this is: 2-1 and 2.1 open episode 2 (2-3 opens none)."""
    m = re.fullmatch(r"(\d{1,3})-0*1", str(label or ""))
    return int(m.group(1)) if m else None


def _front_matter(
    builder: ScriptBuilder, line: Line, extra: dict[str, object], first: bool
) -> None:
    script = builder.script
    key = extra.get("key")
    if key in TITLE_KEYS and line.content:
        # 片名：《一窑》（暂定） -> 一窑: the title is what stands inside the book-title marks.
        quoted = re.search(r"《([^《》]+)》", line.content)
        script.title = quoted.group(1).strip() if quoted else line.content.strip("《》 ")
    elif key in CAST_KEYS:
        script.cast.extend(n for n in _cast_names(line.content) if n not in script.cast)
    elif first and script.title is None:
        m = re.fullmatch(r"\s*(?:#+\s*)?《?(?P<t>[^《》]{1,30})》?\s*", line.text)
        if m:
            script.title = m.group("t").strip()
    builder.add(line)
