"""What one line of a plain-text script is: the line classifier.

Input: one non-blank line as typed (and whether the file is in Traditional script). Output: a
``Classified`` record: what the line is, the ``Line`` it becomes, and what the parser needs
from it (an episode's number, a scene's fields, a front-matter key, a transition word).

Each line is classified by the first rule that fits: episode marker, scene heading, front
matter (title, cast list, synopsis), transition, action, dialogue / voice-over; anything else
is ``other``, which ``text.parse_text`` reads as an unmarked action line inside a structured
script, or as prose when the file has no script structure at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..model import Line, LineKind
from ..normalize import fold_simplified
from .headings import (
    END_LINE_RE,
    EPISODE_RE,
    SCENE_FIELD_RE,
    SCENE_LOOSE_RE,
    SCENE_NUMBERED_RE,
    SCENE_WORD_RE,
    cn_number,
    group_text,
    heading_fields,
    scene_fields,
    scene_label,
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

# Compiled once: classify() runs them on every line of every script.
_QUOTE_MARK = re.compile(r"^\s*>\s?")
_NUMERIC = re.compile(r"[\d.]+")
_VO_TAIL = re.compile(r"(OS|VO|V\.O\.|O\.S\.)$", re.IGNORECASE)
LEAD_PAREN_RE = re.compile(r"[（(](?P<p>[^）)]{1,24})[）)]\s*(?=\S)")
_NOTE_SEP = re.compile(r"[，,、/；;\s]+")
_BULLET = re.compile(r"\*\s")
_SYNOPSIS_TITLE = re.compile(r"[，,；;。！？!?]")
_END_MARK = re.compile(r"[（(【\[]?\s*(?:完|终|全剧终)\s*[）)】\]]?")
# Lines that are layout, not script: Markdown / Word rules (---, ***), a table's |---|---| row,
# an HTML comment (<!-- 导演备注 -->)
_RULE_RE = re.compile(r"^\s*(?:(?:[-*_=]\s*){3,}|\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*|<!--.*-->)$")
_RULE_STARTS = frozenset("-*_=|<")  # cheap test before the rule pattern, on every line
_CAST_HEADING_RE = re.compile(r"^\s*#+\s*(?P<key>人物表|人物小传|人物介绍|主要人物|角色表|人物|角色)\s*$")
_LIST_NUMBER = re.compile(r"^\s*\d{1,3}\s*[.．、)）]\s*(?=\S)(?!\d)")
_ITALIC = re.compile(r"^\*(?!\s)(?P<t>[^*]+)\*$")

LineClass = Literal["rule", "episode", "scene", "field", "end", "front", "transition", "action",
                    "dialogue", "other", "speaker"]


@dataclass(frozen=True, slots=True)
class Classified:
    """What one line is (``kind``), the ``Line`` it becomes, and what else the parser needs.

    ``line`` is None for what shows nothing: layout rules, episode markers and block-heading
    fields. Attributes that do not belong to ``kind`` keep their defaults. ``classify`` makes
    every kind but ``speaker`` (a name alone on its line), which ``text.parse_text`` gives
    when it joins such a name to the words on the next line.
    """

    kind: LineClass
    line: Line | None = None
    # episode: the marker's number (None when its numerals do not read) and its title
    number: int | None = None
    title: str | None = None
    # scene: the heading's number in one spelling (1-1), its fields, and whether its heading
    # tags it as a flashback (乡下小院（闪回）)
    label: str | None = None
    time_of_day: str | None = None
    interior: str | None = None
    location: str | None = None
    flashback: bool = False
    # front: the front-matter key (剧名, 人物, 故事梗概 …)
    key: str | None = None
    # transition: the transition word (切至, 闪回, 闪回结束 …)
    word: str | None = None
    # field: what a block heading's 时间：/地点：/人： line gives (time_of_day, location, cast)
    fields: Mapping[str, str] = field(default_factory=dict)


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


def _dialogue(line: str, key: str, text: str, n: int) -> Line | None:
    """The dialogue or voice-over line ``key`` is, or None when what stands before its colon
    is no speaker (时间：, 电视里传来新闻播报：, a URL, a number)."""
    m = DIALOGUE_RE.match(key) or (TAB_DIALOGUE_RE.match(key) if "\t" in key else None)
    if not m:
        return None
    speaker_key = m.group("speaker").strip("*").strip()
    speaker = group_text(line, m, "speaker").strip("*").strip()
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
    paren_key, paren = (m.group("paren") or "").strip(), group_text(line, m, "paren").strip()
    if groups.get("paren2"):
        # 赵红梅（抬头，一愣）（OS）：two parentheses read as one
        paren_key = "，".join(x for x in (paren_key, m.group("paren2").strip()) if x)
        paren = "，".join(x for x in (paren, group_text(line, m, "paren2").strip()) if x)
    content_key, content = m.group("content").strip(), group_text(line, m, "content").strip()
    # 苏晴：（冷笑）你好 puts the parenthetical after the colon; it is not spoken either.
    lead = LEAD_PAREN_RE.match(content_key)
    if lead:
        paren_key = "，".join(x for x in (paren_key, lead.group("p").strip()) if x)
        paren = "，".join(x for x in (paren, group_text(content, lead, "p").strip()) if x)
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
        text=text,
        content=content,
        source_line=n,
        speaker=speaker,
        note="，".join(notes) or (tag.upper() if tag.isascii() else tag) or None,
    )


# The rules below take the line with Markdown stripped (``line``), its Simplified copy the
# patterns run on (``key``), the line as typed (``text``) and its number; each returns None
# when it does not fit, so that ``classify`` tries the next.


def _episode_marker(line: str, key: str, text: str, n: int) -> Classified | None:
    """第1集 / 【第1集】 / EP01, unless the line is an outline entry or an episode's end."""
    m = EPISODE_RE.match(key)
    if not m:
        return None
    number = cn_number(m.group("n")) if m.group("n") else int(m.group("ep"))
    title = group_text(line, m, "title").strip().strip("#*【】[]").strip() or None
    if title and (title.endswith(("。", "！", "？")) or (
            _SYNOPSIS_TITLE.search(title) and len(title) > 12)):
        # 第1集：外卖员叶凡被富二代羞辱，意外绑定战神系统。 — an outline entry, not a marker
        return Classified("other", Line(LineKind.ACTION, text, line, n))
    if title and _END_MARK.fullmatch(title):
        if not title.startswith(("（", "(", "【", "[")):
            # 第1集完 / 第1集 完: the end of an episode, not a new one
            return Classified("end", Line(LineKind.META, text, "", n, note="完"))
        title = None  # 第3集（完）: the last episode begins; （完） is no title
    return Classified("episode", number=number, title=title)


def _scene(line: str, m: re.Match[str], text: str, n: int, label: str | None,
           fields: dict[str, str | None], flashback: bool) -> Classified:
    """A scene heading whose place and time follow the number, in ``m``'s ``rest`` group."""
    heading = Line(LineKind.HEADING, text, group_text(line, m, "rest").strip(), n)
    return Classified("scene", heading, label=label, time_of_day=fields["time_of_day"],
                      interior=fields["interior"], location=fields["location"],
                      flashback=flashback)


def _scene_heading(line: str, key: str, text: str, n: int) -> Classified | None:
    """Numbered (``1-2 日 内 别墅客厅``), loose (``1.1 内景 大厅 日``, ``一、冷宫 夜``) or worded
    (``场景1：…``, ``第1场``, ``[场景] …``) scene headings."""
    m = SCENE_NUMBERED_RE.match(key)
    if m:
        fields, flashback = heading_fields(line, m)
        # "3-5个保镖冲进来": a number glued to text is a heading only if it names a time or in/out.
        glued = not m.group("chang") and not m.group("sep") and m.group("rest")
        if not glued or fields["time_of_day"] or fields["interior"]:
            return _scene(line, m, text, n, scene_label(m.group("label")), fields, flashback)
    m = SCENE_LOOSE_RE.match(key)
    if m and len(m.group("rest")) <= 30:
        fields, flashback = heading_fields(line, m)
        io = re.match(r"(内景|外景|内外景)\s*", m.group("rest"))
        if io and not fields["interior"]:
            fields["interior"] = io.group(1).removesuffix("景")
            fields["location"] = (fields["location"] or "").removeprefix(io.group(0)).strip() or None
        if fields["time_of_day"] or fields["interior"]:
            label = m.group("label").replace(".", "-") if m.group("label") else m.group("cn")
            return _scene(line, m, text, n, label, fields, flashback)
    m = SCENE_WORD_RE.match(key)
    if m:
        label = m.group("n1") or m.group("n2")
        if label and not label.isdigit():
            label = str(cn_number(label) or label)  # 场景三 -> 3
        fields, flashback = heading_fields(line, m)
        if m.group("io") and not fields["interior"]:
            fields["interior"] = m.group("io").removesuffix("景")
        return _scene(line, m, text, n, scene_label(label) if label else None, fields, flashback)
    return None


def _scene_block_field(line: str, key: str, text: str, n: int) -> Classified | None:
    """Block-style headings: ``场次：1-1`` opens a scene; ``时间：夜`` or ``地点：…`` fill it in."""
    m = SCENE_FIELD_RE.match(key)
    if not m:
        return None
    if m.group("key") == "场次":
        rest = group_text(line, m, "rest").strip()
        label = scene_label(rest) if re.fullmatch(r"[\d\s\-－—–_]+", rest) else None
        return Classified("scene", Line(LineKind.HEADING, text, rest, n), label=label)
    return Classified("field", fields=scene_fields(line, key))


def _episode_end(line: str, key: str, text: str, n: int) -> Classified | None:
    """``——本集完——``, ``【全剧终】``: an episode's last line, neither action nor screen time."""
    # The cheap test first: the pattern would run on every line.
    if ("完" in key or "终" in key or "续" in key) and END_LINE_RE.match(key):
        return Classified("end", Line(LineKind.META, text, "", n, note="完"))
    return None


def _front_matter(line: str, key: str, text: str, n: int) -> Classified | None:
    """``剧名：…``, ``人物：…``, ``故事梗概：…``, or a Markdown ``## 人物表`` over a cast list."""
    m = FRONT_RE.match(key) or (_CAST_HEADING_RE.match(key) if key[:1] == "#" else None)
    if not m:
        return None
    # ## 人物表 has no rest: it heads a cast table or list
    content = group_text(line, m, "rest").strip() if "rest" in m.groupdict() else ""
    return Classified("front", Line(LineKind.META, text, content, n, note=m.group("key")),
                      key=m.group("key"))


def _transition(line: str, key: str, text: str, n: int) -> Classified | None:
    """``切至：…``, ``【闪回】``, ``黑屏``: a transition, or a flashback's start or end."""
    m = TRANSITION_RE.match(key)
    if m and len(m.group("rest")) <= 30 and (
        m.group("open") or m.group("gap") or not m.group("rest")
        or m.group("word") in GLUED_TRANSITIONS
    ):
        word = m.group("word")
        content = group_text(line, m, "rest").strip()
        return Classified("transition", Line(LineKind.TRANSITION, text, content, n, note=word),
                          word=word)
    return None


def _bullet_dialogue(line: str, key: str, text: str, n: int) -> Classified | None:
    # A Markdown bullet before a speaker ("* 林凡：…") is a list item, not an action mark, so
    # such a line is tried as dialogue before the action marks are.
    return _dialogue_line(line, key, text, n) if _BULLET.match(key) else None


def _action(line: str, key: str, text: str, n: int) -> Classified | None:
    """``△``/``▲`` lines, ``【…】`` and ``（…）`` actions, and captions (``字幕：三年后``)."""
    for pattern in (ACTION_MARK_RE, BRACKET_ACTION_RE, PAREN_ACTION_RE, None):
        if pattern is None:
            # A caption typed without brackets: 字幕：三年后
            rest, rest_key = line, key
        else:
            m = pattern.match(key)
            if not m:
                continue
            rest, rest_key = group_text(line, m, "rest").strip(), m.group("rest").strip()
        cap = CAPTION_RE.match(rest_key)
        if cap:
            return Classified("action", Line(LineKind.ACTION, text,
                                             group_text(rest, cap, "rest").strip(), n,
                                             note="字幕"))
        if pattern is not None:
            return Classified("action", Line(LineKind.ACTION, text, rest, n))
    return None


def _dialogue_line(line: str, key: str, text: str, n: int) -> Classified | None:
    dialogue = _dialogue(line, key, text, n)
    return None if dialogue is None else Classified("dialogue", dialogue)


# In the order they are tried: the first rule that fits decides.
_RULES: tuple[Callable[[str, str, str, int], Classified | None], ...] = (
    _episode_marker, _scene_heading, _scene_block_field, _episode_end, _front_matter,
    _transition, _bullet_dialogue, _action, _dialogue_line,
)


def classify(raw: str, n: int, *, traditional: bool = False) -> Classified:
    """Classify one non-blank line ``raw``, number ``n`` in its file.

    The kind is ``rule`` (layout such as ``---``), ``episode``, ``scene``, ``field`` (a
    block heading's ``时间：夜``), ``end`` (``本集完``), ``front``, ``transition``, ``action``,
    ``dialogue``, or ``other`` when no rule fits (an ``action`` line as far as ``line`` says).

    With ``traditional`` the rules run on a Simplified copy of the line (内 for 內, 场 for 場,
    剧本名 for 劇本名); what is kept (content, speaker, place) is sliced from the original.

    >>> classify("1-2 日 内 别墅客厅", 3).location
    '别墅客厅'
    >>> c = classify("林凡（冷笑）：你也配？", 4)
    >>> c.kind, c.line.speaker, c.line.note, c.line.content
    ('dialogue', '林凡', '冷笑', '你也配？')
    """
    if raw.lstrip()[:1] in _RULE_STARTS and _RULE_RE.match(raw):
        return Classified("rule")
    line = _strip_md(raw).strip()
    key = fold_simplified(line) if traditional else line
    text = raw.strip()
    for rule in _RULES:
        found = rule(line, key, text, n)
        if found is not None:
            return found
    return Classified("other", Line(LineKind.ACTION, text, line, n))
