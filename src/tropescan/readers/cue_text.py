"""What one subtitle cue says: its text without markup, and who says it, how.

Input: the text of one SRT or ASS cue (with its ASS Style and Name, when there are any).
Output: the cue's rows without tags, and its parts: a dash opens one speaker's part of a
shared cue. Each part is read as a spoken ``subtitle`` line, a ``voiceover`` (``（内心）``,
``（画外音）``, OS tags, or a Style or Name such as 内心) or an ``action`` caption (top-of-screen
text with no speaker, ``字幕：…``), with its speaker and delivery note. ``cue_timeline`` places
the parts in time and in episodes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import LineKind
from ..normalize import fold_simplified
from .lines import CAPTION_RE, VO_WORDS

ASS_TAG_RE = re.compile(r"\{[^}]*\}")
HTML_TAG_RE = re.compile(r"</?(?:i|b|u|font|s)(?:\s[^>]*)?>", re.IGNORECASE)
MUSIC_ONLY_RE = re.compile(r"[\s♪♫♬♩🎵🎶～~*]*[♪♫♬♩🎵🎶][\s♪♫♬♩🎵🎶～~*]*")
# "- 你是谁？": a dash opens one speaker's part of a shared cue ("——" is Chinese punctuation).
DASH_RE = re.compile(r"^(?:-|－|—(?!—))\s*(?=\S)(?!\d)")
# （内心）凭什么… / 【王母】滚出去！ / [旁白] 她不知道…: a bracketed tag before the words.
TAG_RE = re.compile(r"^[（(【\[](?P<tag>[^（(【\[）)】\]]{1,12})[）)】\]]\s*(?P<rest>\S.*)$")
# 顾言：上车 / 顾言（冷笑）：… / 林凡OS：… / Tony: … — the name is checked by ``_name_like``.
COLON_RE = re.compile(
    r"^(?P<name>[^\s：:（(【\[]{1,20}?)"
    r"(?:(?:(?<=[\u4e00-\u9fff])|\s+)(?P<vo>OS|VO|V\.O\.|O\.S\.))?\s*"
    r"(?:[（(](?P<paren>[^）)]{1,12})[）)])?\s*[：:]\s*(?P<rest>\S.*)$",
    re.IGNORECASE,
)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_NAME_RE = re.compile(rf"[{_HAN}]{{1,6}}(?:[·•][{_HAN}]{{1,6}})?")
_LATIN_NAME_RE = re.compile(r"[A-Za-z][A-Za-z.'\-]{1,14}(?: [A-Za-z][A-Za-z.'\-]{0,14})?")
# Words and phrases that end in a colon in speech but are nobody's name.
_NOT_NAMES = frozenset({
    "注意", "听着", "听好", "听好了", "记住", "记着", "记得", "别忘了", "你知道吗",
    "你听", "我说", "告诉你", "警告", "提醒", "提示", "注", "备注", "字幕", "画面",
    "镜头", "音效", "音乐", "时间", "地点", "场景", "人物", "道具", "服装", "景",
    "切", "切至", "转场", "闪回", "内景", "外景", "地址", "电话", "密码", "问题",
    "答案", "原因", "结果", "结论", "理由", "条件", "规则", "重点", "关键", "真相",
    "事实", "首先", "其次", "然后", "最后", "总之", "第一", "第二", "第三", "另外",
    "还有", "对了", "等等", "比如", "例如", "所以", "但是", "可是", "不过", "因为",
    "如果", "其实", "一句话", "天哪", "天啊", "喂", "好", "行", "是", "对", "嗯",
    "哦", "啊", "看好了", "看清楚", "听清楚", "公告", "通知", "声明", "目标", "任务",
    "奖励", "惩罚", "合同", "协议", "条款", "价格", "主题", "标题", "内容", "预告",
    "下集预告", "广告", "口令", "暗号", "原话", "温馨提示", "特别提醒", "新闻", "消息",
})
_NOT_LATIN_NAMES = frozenset({
    "http", "https", "www", "ftp", "note", "notes", "ps", "tip", "tips", "warning", "time",
    "date", "re", "fw", "fwd", "ok", "okay", "yes", "no", "hi", "hello", "hey", "tel", "email",
    "wechat", "vx", "id", "bgm", "os", "vo", "step", "update", "news", "live", "title",
    "subtitle", "subtitles", "translator", "translation", "timing", "episode", "ep",
})
# Pronouns and demonstratives open sentences, not names.
_NOT_NAME_START = tuple("你我他她它您咱这那谁")
_NOT_NAME_CHARS = frozenset("吗呢吧啊呀嘛哦啦的了着")
_NOT_NAME_END = ("说", "讲", "问")
# Delivery notes that stand where a speaker could: （笑）你还真信了？
_DELIVERY = frozenset({
    "笑", "冷笑", "苦笑", "微笑", "大笑", "坏笑", "奸笑", "狞笑", "嗤笑", "讥笑",
    "傻笑", "假笑", "轻笑", "哭", "哭腔", "大哭", "痛哭", "哽咽", "抽泣", "啜泣",
    "叹气", "叹息", "怒", "愤怒", "怒吼", "大吼", "吼", "喊", "大喊", "尖叫", "低语",
    "耳语", "小声", "低声", "轻声", "大声", "冷声", "厉声", "沉声", "柔声", "惊讶",
    "惊恐", "震惊", "害怕", "紧张", "慌张", "得意", "嘲讽", "讽刺", "不屑", "冷漠",
    "温柔", "激动", "颤抖", "咬牙", "咬牙切齿", "犹豫", "迟疑", "停顿", "沉默", "无奈",
    "疑惑", "好奇", "心虚", "害羞", "委屈", "撒娇", "醉", "喘气", "喘息", "咳嗽",
    "电话", "打电话", "接电话", "对讲机", "回忆", "梦中", "梦话", "自言自语", "嘀咕",
    "喃喃", "喃喃自语", "唱", "歌声", "哼", "叹", "咳", "字幕",
})
_DELIVERY_END = ("地", "着", "声", "音", "响", "中", "状")
_DELIVERY_CHARS = frozenset("笑哭叹喊吼怒泣")
_DELIVERY_PARTS = ("电话", "画外", "回忆", "梦")
# Narrators are named as speakers (the plain-text reader does the same for 旁白：).
_NARRATORS = frozenset({"旁白"})
_TAG_SEP_RE = re.compile(r"[，,、/；;\s]+")
_TOP_TAG_RE = re.compile(r"\\an([1-9])|\\a(\d{1,2})(?!\d)")


def clean_cue(text: str) -> tuple[list[str], bool]:
    """A cue's text as rows without markup, and whether a tag puts it at the top of the screen.

    >>> clean_cue("{\\\\an8}三年后")
    (['三年后'], True)
    >>> clean_cue("<i>你是谁？</i>\\\\N- 我是你姐姐。")
    (['你是谁？', '- 我是你姐姐。'], False)
    """
    text = _drop_drawings(text)
    top = _is_top(text)
    text = HTML_TAG_RE.sub("", ASS_TAG_RE.sub("", text))
    text = text.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
    return [r.strip() for r in text.splitlines() if r.strip()], top


def join_rows(rows: list[str]) -> str:
    """Rows of one cue as one line: Chinese runs on without a space, Latin words keep one.

    >>> join_rows(["顾家的轿子已经到门口了，", "你快上去！"])
    '顾家的轿子已经到门口了，你快上去！'
    >>> join_rows(["I told you,", "go home"])
    'I told you, go home'
    """
    out = rows[0]
    for row in rows[1:]:
        latin = re.search(r"[A-Za-z0-9][,.!?;:'\")]*$", out) and re.match(r"[A-Za-z0-9]", row)
        out += (" " if latin else "") + row
    return out


def _drop_drawings(text: str) -> str:
    """Remove ASS drawing commands: ``{\\p1}m 0 0 l 100 0{\\p0}`` draws a shape, it is no text."""
    out: list[str] = []
    drawing = False
    for piece in re.split(r"(\{[^}]*\})", text):
        if piece.startswith("{") and piece.endswith("}"):
            scales = re.findall(r"\\p(\d+)", piece)
            if scales:
                drawing = int(scales[-1]) > 0
            out.append(piece)  # kept: positioning tags are read after this
        elif not drawing:
            out.append(piece)
    return "".join(out)


def _is_top(text: str) -> bool:
    """``{\\an7-9}`` (or the old ``{\\a5-7}``) puts a cue at the top of the screen."""
    for tags in re.findall(r"\{[^}]*\}", text):
        for m in _TOP_TAG_RE.finditer(tags):
            an, legacy = m.group(1), m.group(2)
            if (an and an in "789") or legacy in ("5", "6", "7"):
                return True
    return False


def _name_like(name: str) -> bool:
    """A short name before a colon (顾言, 王母, 陆景深, Tony); when unsure, not a name."""
    name = name.strip()
    key = fold_simplified(name)
    if _HAN_NAME_RE.fullmatch(key):
        return not (
            key in _NOT_NAMES
            or key.startswith(_NOT_NAME_START)
            or key.endswith(_NOT_NAME_END)
            or any(ch in _NOT_NAME_CHARS for ch in key)
        )
    return bool(_LATIN_NAME_RE.fullmatch(name)) and name.lower() not in _NOT_LATIN_NAMES


def _is_delivery(word: str) -> bool:
    key = fold_simplified(word)
    return (key in _DELIVERY or key.endswith(_DELIVERY_END)
            or any(ch in _DELIVERY_CHARS for ch in key)
            or any(part in key for part in _DELIVERY_PARTS))


def _is_vo(word: str) -> bool:
    return fold_simplified(word).lower() in VO_WORDS and word not in _NARRATORS


def _vo_note(tag: str) -> str:
    return tag.upper() if tag.isascii() else tag


def _tag_words(tag: str) -> list[str]:
    return [w for w in _TAG_SEP_RE.split(tag.strip()) if w]


@dataclass(slots=True)
class Said:
    """What one part of a cue is: kind, speaker, note and the words without their prefix."""

    kind: LineKind
    content: str
    speaker: str | None = None
    note: str | None = None


def read_part(part: str, *, speaker: str | None, vo: str | None, top: bool) -> Said:
    """Speaker, delivery note and voice-over tag of one spoken part."""
    cap = CAPTION_RE.match(part)
    if cap:
        return Said(LineKind.ACTION, cap.group("rest").strip(), note="字幕")
    notes: list[str] = []
    content = part
    m = TAG_RE.match(part)
    if m:
        # （笑）/（内心）/（OS，冷笑） are notes on the delivery; （苏晴）/【王母】 name the speaker.
        words = _tag_words(m.group("tag"))
        for k, word in enumerate(words):
            if word in _NARRATORS and speaker is None:
                speaker = word
            elif _is_vo(word):
                vo = vo or word
            elif (k == 0 and len(word) >= 2 and _HAN_NAME_RE.fullmatch(fold_simplified(word))
                  and not _is_delivery(word) and _name_like(word)):
                # Only a Han name: Latin tags in brackets are sound notes, (laughs), (door slams).
                speaker = word
            else:
                notes.append(word)
        content = m.group("rest").strip()
    else:
        m = COLON_RE.match(part)
        if m and (_name_like(m.group("name")) or _is_vo(m.group("name"))):
            name = m.group("name").strip()
            if _is_vo(name):
                vo = vo or name
            else:
                speaker = name
            if m.group("vo"):
                vo = vo or m.group("vo")
            for word in _tag_words(m.group("paren") or ""):
                if _is_vo(word):
                    vo = vo or word
                else:
                    notes.append(word)
            content = m.group("rest").strip()
    note = "，".join(notes) or (_vo_note(vo) if vo else None)
    if vo:
        return Said(LineKind.VOICEOVER, content, speaker, note)
    if speaker is None and top:
        # Top-of-screen text nobody says (a place, 三年后): a caption, as 字幕： in scripts.
        return Said(LineKind.ACTION, content, None, "字幕")
    return Said(LineKind.SUBTITLE, content, speaker, note)


def split_parts(rows: list[str]) -> list[str]:
    """Rows -> the parts of a cue: each dashed row opens a speaker's part, others run on.

    >>> split_parts(["- 你是谁？", "- 我是你姐姐。"])
    ['你是谁？', '我是你姐姐。']
    >>> split_parts(["- 你是谁？", "他没有回答。"])
    ['你是谁？他没有回答。']
    """
    parts: list[list[str]] = []
    for row in rows:
        m = DASH_RE.match(row)
        if m:
            parts.append([row[m.end():]])
        elif parts:
            parts[-1].append(row)
        else:
            parts.append([row])
    return [join_rows(p) for p in parts]


def ass_voice(style: str, name: str | None) -> tuple[str | None, str | None]:
    """(speaker, voice-over tag) from an ASS Style and Name such as 内心, OS or 旁白."""
    vo = None
    if name and (name in _NARRATORS or _is_vo(name)):
        vo = name
        name = name if name in _NARRATORS else None
    words = [style, *re.split(r"[\s_\-—·]+", style)]
    for word in words:
        if word and (word in _NARRATORS or _is_vo(word)):
            vo = vo or word
            break
    return name, vo
