"""SRT and ASS subtitles: the only files that carry real screen time.

Input: decoded text. Output: a timed ``Script`` whose lines are ``subtitle`` lines (spoken),
``voiceover`` lines (``（内心）``/``（画外音）``/OS tags, or an ASS Style or Name such as 内心),
``action`` captions (top-of-screen ``{\\an8}`` text with no speaker, ``字幕：…``), ``heading``
lines for episode title cards and ``transition`` lines for end cards (``第1集 完``).

A file may hold one episode or a merged export of many: a title card (``第N集``, alone or with
a short title), a clock that jumps back to the start, cue numbering that restarts at 1, or the
cue after an end card opens a new episode. Without a card it is numbered after the previous one.

Exports are messy, so one bad cue does not stop the file: a cue that ends before it starts gets
its end set to its start, text after a blank line inside a cue stays with that cue, and a cue
number + timing line with no blank line before it still starts a new cue; each repair is noted
in ``Script.warnings``. Only a file with no readable cue at all raises ``FormatError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import Errors, FormatError
from ..model import Line, LineKind, Script
from ..normalize import fold_simplified
from .build import ScriptBuilder
from .text import CAPTION_RE, VO_WORDS, cn_number

SRT_TIME_RE = re.compile(
    r"^\s*(?P<a>\d{1,2}:\d{1,2}:\d{1,2}(?:[,.]\d{1,3})?)\s*-->\s*"
    r"(?P<b>\d{1,2}:\d{1,2}:\d{1,2}(?:[,.]\d{1,3})?)"
)
ASS_TAG_RE = re.compile(r"\{[^}]*\}")
HTML_TAG_RE = re.compile(r"</?(?:i|b|u|font|s)(?:\s[^>]*)?>", re.IGNORECASE)
# A clock that runs back by more than this starts a new episode in a merged export.
RESET_SECONDS = 5.0

_NUM = r"[0-9０-９一二三四五六七八九十百零〇两]+"
# A title card is the marker alone or followed by a separator (or the closing bracket) and a
# short title: 第1集 / 【第2集】打脸 / 第3集：反击 / EP2. "第1集的时候你就该发现了" runs straight
# on into a sentence and is dialogue.
CARD_RE = re.compile(
    rf"^[【\[〔]?\s*(?:第\s*(?P<n>{_NUM})\s*集(?!团)|(?:EP|Episode)\s*\.?\s*(?P<ep>\d+))"
    r"\s*[】\]〕]?"
    r"(?:(?:(?<=[】\]〕])\s*|\s*[：:\-—·.、|｜]\s*|\s+)(?P<title>\S.{0,11}?))?\s*[：:]?\s*$",
    re.IGNORECASE,
)
# An end card closes the episode it names: 第1集 完 / （第1集完） / 第1集（终） / 本集完 / 全剧终.
END_CARD_RE = re.compile(
    rf"^[（(【\[〔]?\s*(?:第\s*(?P<n>{_NUM})\s*集|本集|全剧)\s*[（(]?\s*(?:完结|结束|完|终)\s*[）)]?"
    r"\s*[）)】\]〕]?\s*[。.!！]?$"
)
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
# Placeholders tools write into ASS fields that carry no information.
_ASS_NO_NAME = frozenset({"ntp"})
_ASS_NO_TITLE = frozenset({"", "default aegisub file", "<untitled>", "untitled"})


def _seconds(stamp: str) -> float:
    h, m, rest = stamp.replace(",", ".").split(":")
    return int(h) * 3600 + int(m) * 60 + float(rest)


def _ass_seconds(stamp: str) -> float:
    h, m, s = stamp.strip().split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def _join_rows(rows: list[str]) -> str:
    """Rows of one cue as one line: Chinese runs on without a space, Latin words keep one.

    >>> _join_rows(["顾家的轿子已经到门口了，", "你快上去！"])
    '顾家的轿子已经到门口了，你快上去！'
    >>> _join_rows(["I told you,", "go home"])
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
class _Said:
    """What one part of a cue is: kind, speaker, note and the words without their prefix."""

    kind: LineKind
    content: str
    speaker: str | None = None
    note: str | None = None


def _read_part(part: str, *, speaker: str | None, vo: str | None, top: bool) -> _Said:
    """Speaker, delivery note and voice-over tag of one spoken part."""
    cap = CAPTION_RE.match(part)
    if cap:
        return _Said(LineKind.ACTION, cap.group("rest").strip(), note="字幕")
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
        return _Said(LineKind.VOICEOVER, content, speaker, note)
    if speaker is None and top:
        # Top-of-screen text nobody says (a place, 三年后): a caption, as 字幕： in scripts.
        return _Said(LineKind.ACTION, content, None, "字幕")
    return _Said(LineKind.SUBTITLE, content, speaker, note)


def _split_parts(rows: list[str]) -> list[str]:
    """Rows -> the parts of a cue: each dashed row opens a speaker's part, others run on.

    >>> _split_parts(["- 你是谁？", "- 我是你姐姐。"])
    ['你是谁？', '我是你姐姐。']
    >>> _split_parts(["- 你是谁？", "他没有回答。"])
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
    return [_join_rows(p) for p in parts]


@dataclass(slots=True)
class _Timeline:
    """Shared cue handling for SRT and ASS: episodes, cards and the lines of each cue."""

    builder: ScriptBuilder
    path: str | None
    last_start: float = -1.0
    last_number: int | None = None
    # A reset clock, restarted numbering or an end card: the next cue opens a new episode.
    pending: bool = False
    # The current episode was opened by a title card (its number is the writer's).
    carded: bool = False
    readable: int = 0
    backwards: list[int] = field(default_factory=list)
    first_error: FormatError | None = None

    def cue(self, start: float, end: float, text: str, n: int, *, number: int | None = None,
            speaker: str | None = None, vo: str | None = None, top: bool = False) -> None:
        if end < start:
            # A typo in one timing line: keep the words, with no duration.
            self.backwards.append(n)
            if self.first_error is None:
                self.first_error = FormatError(
                    Errors.CUE_BACKWARDS(end=end, start=start), path=self.path, line=n)
            end = start
        else:
            self.readable += 1
        if number == 1 and self.last_number is not None and self.last_number > 1:
            self.pending = True
        if number is not None:
            self.last_number = number
        text = _drop_drawings(text)
        top = top or _is_top(text)
        text = HTML_TAG_RE.sub("", ASS_TAG_RE.sub("", text))
        text = text.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
        rows = [r.strip() for r in text.splitlines() if r.strip()]
        if not rows:
            return
        if self.last_start >= 0 and start + RESET_SECONDS < self.last_start:
            self.pending = True
        self.last_start = start
        joined = _join_rows(rows)
        if MUSIC_ONLY_RE.fullmatch(joined):
            return  # ♪ alone: music, nobody speaks
        if self._end_card(joined, n, start, end):
            return
        card = CARD_RE.match(joined)
        if card:
            ep_number = cn_number(card.group("n")) if card.group("n") else int(card.group("ep"))
            title = (card.group("title") or "").strip() or None
            episodes = self.builder.script.episodes
            if (not self.pending and not self.carded and episodes
                    and episodes[-1].number == ep_number and not episodes[-1].title):
                # A cold open before the card of the same episode: the card names it.
                episodes[-1].title = title
            else:
                self.builder.start_episode(ep_number, title, n)
            self.pending, self.carded = False, True
            self._add(LineKind.HEADING, joined, joined, n, start, end)
            return
        if self.pending:
            episodes = self.builder.script.episodes
            self.builder.start_episode(episodes[-1].number + 1 if episodes else None, None, n)
            self.pending, self.carded = False, False
        parts = _split_parts(rows)
        # Parts share the cue's time by length.
        total = sum(len(p) for p in parts) or 1
        t = start
        for part in parts:
            share = (end - start) * len(part) / total
            said = _read_part(part, speaker=speaker, vo=vo, top=top)
            self._add(said.kind, part, said.content, n, t, t + share, said.speaker, said.note)
            t += share

    def _end_card(self, joined: str, n: int, start: float, end: float) -> bool:
        """第1集 完: closes the current episode (kept as a transition that says nothing)."""
        m = END_CARD_RE.match(joined)
        if not m:
            return False
        episodes = self.builder.script.episodes
        if not episodes:
            return True  # nothing to close
        if m.group("n") and not self.carded:
            # An episode that began without a card learns its number from its end card.
            episodes[-1].number = cn_number(m.group("n")) or episodes[-1].number
        self._add(LineKind.TRANSITION, joined, "", n, start, end, note="完")
        self.pending = True
        return True

    def _add(self, kind: LineKind, text: str, content: str, n: int, start: float, end: float,
             speaker: str | None = None, note: str | None = None) -> None:
        line = Line(kind, text, content, n, speaker=speaker, note=note)
        line.start_s, line.end_s = start, end
        self.builder.add(line)

    def finish_checks(self, warn_blank: list[int]) -> None:
        """Raise when no cue had usable times; otherwise note the repairs as warnings."""
        if not self.readable and self.first_error is not None:
            raise self.first_error
        warnings = self.builder.script.warnings
        if self.backwards:
            warnings.append(f"{len(self.backwards)} cue(s) end before they start (line(s) "
                            f"{_lines(self.backwards)}): their end is set to their start")
        if warn_blank:
            warnings.append(f"blank line inside a cue (line(s) {_lines(warn_blank)}): the text "
                            "after it is kept with that cue")


def _lines(numbers: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(k) for k in numbers[:limit])
    return shown + (", …" if len(numbers) > limit else "")


def _cue_header(lines: list[str], i: int, *, strict: bool = False) -> tuple[int | None, int] | None:
    """(cue number, index of the timing line) when a cue starts at ``lines[i]``, else None.

    Between cues a line with ``-->`` is taken as a timing line even when malformed, so that it
    is reported; inside a cue's text (``strict``) only a well-formed timing line ends the text.
    """

    def timing(row: str) -> bool:
        return bool(SRT_TIME_RE.match(row)) if strict else "-->" in row

    row = lines[i].strip()
    if timing(row):
        return None, i
    if row.isdigit() and i + 1 < len(lines) and timing(lines[i + 1]):
        return int(row), i + 1
    return None


def parse_srt(text: str, *, path: str | None = None, encoding: str = "utf-8") -> Script:
    builder = ScriptBuilder(path=path, fmt="srt", encoding=encoding)
    timeline = _Timeline(builder, path)
    lines = text.splitlines()
    # (start, end, body rows, first text line, cue number)
    cues: list[tuple[float, float, list[str], int, int | None]] = []
    blank_inside: list[int] = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        header = _cue_header(lines, i)
        if header is None:
            if not cues:
                raise FormatError(Errors.SRT_TIMESTAMP(got=lines[i].strip()[:40]), path=path,
                                  line=i + 1)
            # Text after a blank line that opens no cue: the cue above had a blank line inside.
            blank_inside.append(i + 1)
            if lines[i].strip().isdigit() and i + 1 < len(lines) and lines[i + 1].strip():
                i += 1  # a cue number whose timing line is missing is no text
            while (i < len(lines) and lines[i].strip()
                   and _cue_header(lines, i, strict=True) is None):
                cues[-1][2].append(lines[i])
                i += 1
            continue
        number, t = header
        m = SRT_TIME_RE.match(lines[t])
        if not m:
            raise FormatError(Errors.SRT_TIMESTAMP(got=lines[t].strip()[:40]), path=path,
                              line=t + 1)
        try:
            start, end = _seconds(m.group("a")), _seconds(m.group("b"))
        except ValueError as exc:
            raise FormatError(Errors.SRT_MALFORMED_TIME(got=lines[t].strip()[:40]), path=path,
                              line=t + 1) from exc
        i = t + 1
        body: list[str] = []
        # A cue ends at a blank line, or where the next cue's number + timing line begins.
        while i < len(lines) and lines[i].strip() and _cue_header(lines, i, strict=True) is None:
            body.append(lines[i])
            i += 1
        cues.append((start, end, body, t + 2, number))
    if not cues:
        raise FormatError(Errors.NO_CUES, path=path)
    for start, end, body, n, number in cues:
        timeline.cue(start, end, "\n".join(body), n, number=number)
    timeline.finish_checks(blank_inside)
    return _finish(builder)


def _ass_vo(style: str, name: str | None) -> tuple[str | None, str | None]:
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


def parse_ass(text: str, *, path: str | None = None, encoding: str = "utf-8") -> Script:
    builder = ScriptBuilder(path=path, fmt="ass", encoding=encoding)
    timeline = _Timeline(builder, path)
    fields: list[str] | None = None
    style_fields: list[str] | None = None
    top_styles: set[str] = set()
    section = ""
    cues = 0
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line.lower()
            continue
        if section == "[script info]":
            key, _, value = line.partition(":")
            if key.strip().lower() == "title" and value.strip().lower() not in _ASS_NO_TITLE:
                builder.script.title = value.strip()
            continue
        if section in ("[v4+ styles]", "[v4 styles]"):
            # Styles aligned to the top of the screen (captions, signs): 7-9, or 5-7 in SSA v4.
            if line.lower().startswith("format:"):
                style_fields = [f.strip().lower() for f in line.split(":", 1)[1].split(",")]
            elif line.lower().startswith("style:") and style_fields:
                style = dict(zip(style_fields, (v.strip() for v in line.split(":", 1)[1]
                                                .split(",")), strict=False))
                top = ("7", "8", "9") if section == "[v4+ styles]" else ("5", "6", "7")
                if style.get("alignment") in top:
                    top_styles.add(style.get("name", "").lstrip("*"))
            continue
        if section != "[events]":
            continue
        if line.lower().startswith("format:"):
            fields = [f.strip().lower() for f in line.split(":", 1)[1].split(",")]
            continue
        if not line.lower().startswith("dialogue:"):
            continue
        if fields is None:
            raise FormatError(Errors.ASS_BEFORE_FORMAT, path=path, line=n)
        values = line.split(":", 1)[1].split(",", len(fields) - 1)
        if len(values) != len(fields):
            raise FormatError(Errors.ASS_FIELDS, path=path, line=n)
        row = dict(zip(fields, (v.strip() for v in values), strict=True))
        try:
            start, end = _ass_seconds(row["start"]), _ass_seconds(row["end"])
        except (KeyError, ValueError) as exc:
            raise FormatError(Errors.ASS_TIME(line=line[:60]), path=path, line=n) from exc
        style = row.get("style", "").lstrip("*")
        name = row.get("name") or None
        if name and name.lower() in _ASS_NO_NAME:
            name = None
        speaker, vo = _ass_vo(style, name)
        timeline.cue(start, end, row.get("text", ""), n, speaker=speaker, vo=vo,
                     top=style in top_styles)
        cues += 1
    if not cues:
        raise FormatError(Errors.ASS_NO_DIALOGUE, path=path)
    timeline.finish_checks([])
    return _finish(builder)


def _finish(builder: ScriptBuilder) -> Script:
    """Put cue times on the model's clock: seconds from the start of each episode.

    A merged export either restarts the clock for each episode (times are kept as they are)
    or runs one clock through (an episode then begins at its first cue, its title card, and
    the one before it lasts until then), so ``episode.start_s + line.start_s`` is always the
    time in the file.
    """
    script = builder.finish()
    script.timed = True
    episodes = script.episodes
    origins: list[float] = []
    last_end = 0.0
    for k, episode in enumerate(episodes):
        lines = episode.lines
        first = min(ln.start_s for ln in lines)
        # (A title card may overlap the last cue a little; a restart goes back much further.)
        origins.append(first if k and first + RESET_SECONDS >= last_end else 0.0)
        last_end = max(ln.end_s for ln in lines)
    start = 0.0
    for k, episode in enumerate(episodes):
        origin = origins[k]
        for line in episode.lines:
            line.start_s = round(line.start_s - origin, 3)
            line.end_s = round(line.end_s - origin, 3)
        duration = max(ln.end_s for ln in episode.lines)
        if k + 1 < len(episodes) and origins[k + 1]:
            duration = max(duration, round(origins[k + 1] - origin, 3))
        episode.duration_s = duration
        episode.start_s = round(start, 3)
        start += duration
    return script
