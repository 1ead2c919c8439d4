"""Fountain screenplays (https://fountain.io), as Chinese writers use them.

Input: decoded text. Output: an untimed ``Script``. Chinese has no upper case, so character
cues are usually forced with ``@``; episodes are sections (``# 第1集``); scene headings are
``INT./EXT.`` lines, Chinese ``内景/外景``, or forced with a leading ``.``; ``#1-2#`` is the
scene number, and a heading with 闪回/回忆/FLASHBACK makes its scene a flashback.
"""

from __future__ import annotations

import re
import unicodedata

from ..model import Line, LineKind, Script
from .build import ScriptBuilder
from .headings import EPISODE_RE, cn_number, parse_heading_fields

# Two-sided prefixes come first: tried before INT, INT./EXT. would read as interior 内.
_PREFIX = (r"INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|I\s*/\s*E|E\s*/\s*I|INT|EXT|EST"
           r"|内外景|内景|外景")
SCENE_RE = re.compile(rf"^(?:{_PREFIX})[.\s：:]", re.IGNORECASE)
PREFIX_RE = re.compile(rf"^(?P<io>{_PREFIX})(?:[.\s：:]+|$)", re.IGNORECASE)
INTERIOR = {"INT": "内", "EXT": "外", "EST": "外", "内景": "内", "外景": "外"}  # others: 内外
# Fountain scene number at the end (#1-2#), or a Chinese one at the start (.1-2 储秀宫 夜 内).
SCENE_NUMBER_RE = re.compile(r"\s*#(?P<label>[^#]+)#\s*$")
CN_LABEL_RE = re.compile(r"^(?:第\s*)?(?P<label>\d{1,3}\s*[-－—–_]\s*\d{1,3})\s*(?:场|場)?"
                         r"(?:[：:、.\s]+|$)")
# 闪回/回忆/FLASHBACK as a part of a heading (not inside a name such as 回忆咖啡馆).
_FLASHBACK = r"闪回|閃回|回忆|回憶|FLASH\s?BACK"
_SEP = r"\s\-–—:：/"
FLASHBACK_HEADING_RE = re.compile(
    rf"[（(\[【]\s*(?:{_FLASHBACK})\s*[）)\]】]|(?<![^{_SEP}])(?:{_FLASHBACK})(?![^{_SEP}])",
    re.IGNORECASE)
# 三年前 / 五年后 / THREE YEARS EARLIER: when the scene happens, neither a place nor a time of day.
_CN_COUNT = r"[0-9０-９]+|[一二三四五六七八九十百两几数多半]+"
TIME_JUMP_RE = re.compile(
    rf"(?<!\S)(?:(?:{_CN_COUNT})\s*个?\s*(?:年|月|周|星期|天|日|小时)(?:之|以)?[前后]|当年|那年|"
    r"(?:\d+|ONE|TWO|THREE|FOUR|FIVE|SIX|SEVEN|EIGHT|NINE|TEN|SEVERAL|MANY|A FEW)\s+"
    r"(?:YEARS?|MONTHS?|WEEKS?|DAYS?|HOURS?)\s+(?:AGO|EARLIER|LATER|BEFORE))(?!\S)",
    re.IGNORECASE)
PART_SEP_RE = re.compile(r"(?:^|\s+)[-–—]+(?:\s+|$)")
# English times of day; None: a heading ending that is no time (CONTINUOUS) and no place either.
EN_TIMES: dict[str, str | None] = {
    "DAY": "日", "NIGHT": "夜", "MORNING": "晨", "EVENING": "傍晚", "AFTERNOON": "下午",
    "NOON": "中午", "MIDNIGHT": "午夜", "LATE NIGHT": "深夜", "EARLY MORNING": "清晨",
    "DAWN": "清晨", "SUNRISE": "清晨", "DUSK": "黄昏", "SUNSET": "黄昏",
    "CONTINUOUS": None, "CONT'D": None, "LATER": None, "MOMENTS LATER": None, "SAME": None,
    "SAME TIME": None,
}
# A line that is only a flashback marker: > 闪回 <, 【回忆】, 闪回：三年前, > 闪回结束 <.
_OPEN, _CLOSE = r"^[【\[（(]?\s*", r"\s*[】\]）)]?\s*"
FLASHBACK_START_RE = re.compile(
    rf"{_OPEN}(?:闪回|閃回|回忆|回憶|FLASH\s?BACK(?:\s+TO)?){_CLOSE}(?:[：:]\s*.{{0,20}}|[.。])?$",
    re.IGNORECASE)
FLASHBACK_END_RE = re.compile(
    rf"{_OPEN}(?:闪回结束|閃回結束|闪回完|閃回完|回忆结束|回憶結束|回到现实|回到現實|"
    rf"END\s+(?:OF\s+)?FLASH\s?BACK|BACK\s+TO\s+(?:THE\s+)?PRESENT(?:\s+DAY)?){_CLOSE}[：:.。]?$",
    re.IGNORECASE)
TRANSITION_RE = re.compile(r"^(?:[A-Z ]+TO:|>\s*(?P<t>.*?)\s*)$")
EXTENSION_RE = re.compile(r"\s*[（(](?P<ext>[^）)]*)[）)]\s*\^?$")
TITLE_KEY_RE = re.compile(r"^(?P<k>[A-Za-z][A-Za-z ]*):\s*(?P<v>.*)$")


def _blank_preserving(text: str) -> str:
    # Remove boneyard and notes but keep line numbers: replace their characters, keep newlines.
    def keep_newlines(m: re.Match[str]) -> str:
        return "\n" * m.group(0).count("\n")

    text = re.sub(r"/\*.*?\*/", keep_newlines, text, flags=re.DOTALL)
    return re.sub(r"\[\[.*?\]\]", keep_newlines, text, flags=re.DOTALL)


def _time_part(part: str) -> tuple[str | None, str | None] | None:
    """(time of day, in/out) when the last ``-`` part of a heading names a time, else None."""
    key = re.sub(r"\s+", " ", part).strip().upper()
    if key in EN_TIMES:
        return EN_TIMES[key], None
    fields = parse_heading_fields(part)
    if fields["time_of_day"] and len(fields["location"] or "") <= 1:
        # 夜, 夜 内, or a time with one descriptive character (雨夜): not a place.
        return fields["time_of_day"], fields["interior"]
    return None


def parse_heading(heading: str) -> tuple[dict[str, str | None], bool]:
    """Scene fields (label, time_of_day, interior, location) of a heading without its leading
    ``.``, and whether it marks a flashback.

    >>> parse_heading("INT./EXT. 医院 - 走廊 - NIGHT #1-2#")[0]
    {'label': '1-2', 'time_of_day': '夜', 'interior': '内外', 'location': '医院 - 走廊'}
    >>> parse_heading("回忆 - 三年前 医院病房")
    ({'label': None, 'time_of_day': None, 'interior': None, 'location': '医院病房'}, True)
    """
    body, interior = heading.strip(), None
    m = PREFIX_RE.match(body)
    if m:
        io = re.sub(r"[\s.]", "", m.group("io")).upper()
        interior = INTERIOR.get(io, "内外")
        body = body[m.end():]
    label = None
    m = SCENE_NUMBER_RE.search(body)
    if m:
        label, body = m.group("label").strip() or None, body[: m.start()]
    m = CN_LABEL_RE.match(body)
    if m:
        # 1-2 储秀宫 偏殿 夜 内: the Chinese scene number written into a forced heading.
        number = unicodedata.normalize("NFKC", re.sub(r"\s+", "", m.group("label")))
        label = label or re.sub(r"[－—–_]", "-", number)
        body = body[m.end():]
    body, flashbacks = FLASHBACK_HEADING_RE.subn(" ", body)
    body = TIME_JUMP_RE.sub(" ", body)
    parts = [p.strip(" :：") for p in PART_SEP_RE.split(body.strip())]
    parts = [p for p in parts if p]
    time_of_day = time_interior = None
    tod_part = _time_part(parts[-1]) if len(parts) > 1 else None
    if tod_part is not None:
        # Only the last part may be the time: 医院 - 走廊 - NIGHT keeps both place parts.
        parts.pop()
        time_of_day, time_interior = tod_part
    place = " - ".join(parts)
    fields: dict[str, str | None] = parse_heading_fields(place) if place else {
        "time_of_day": None, "interior": None, "location": None}
    if len(parts) > 1 or tod_part is not None:
        # Parts split on " - " are place names as written (城东盐场·灶房 keeps its dot).
        fields["location"] = place or None
    return {
        "label": label,
        "time_of_day": time_of_day or fields["time_of_day"],
        "interior": interior or time_interior or fields["interior"],
        "location": fields["location"],
    }, flashbacks > 0


def _add_marked(builder: ScriptBuilder, line: Line) -> bool:
    """Add a transition or action line. One that is only a flashback marker (> 闪回 <,
    > 闪回结束 <) opens or closes a flashback, as in plain-text scripts: returns True then."""
    if FLASHBACK_END_RE.match(line.content):
        builder.add(line)  # the end marker still belongs to the flashback
        builder.flashback = False
        return True
    marker = FLASHBACK_START_RE.match(line.content) is not None
    builder.flashback = builder.flashback or marker
    builder.add(line)
    return marker


def parse_fountain(text: str, *, path: str | None = None, encoding: str = "utf-8") -> Script:
    """Parse a Fountain screenplay into an untimed ``Script``."""
    builder = ScriptBuilder(path=path, fmt="fountain", encoding=encoding)
    lines = _blank_preserving(text).splitlines()
    i = _title_page(builder, lines)
    scene_flashback = False  # builder.flashback was set by a flashback heading
    while i < len(lines):
        s = lines[i].strip()
        n = i + 1
        i += 1
        if not s or s == "===" or s.startswith("="):
            continue
        if s.startswith("#"):
            _section(builder, s, n)
            scene_flashback = scene_flashback and builder.flashback  # a new episode resets it
            continue
        if SCENE_RE.match(s) or (s.startswith(".") and not s.startswith("..")):
            scene_flashback = _scene_heading(builder, s, n, scene_flashback)
            continue
        m = TRANSITION_RE.match(s)
        if m and not s.endswith("<"):
            line = Line(LineKind.TRANSITION, s, (m.group("t") or s).strip(), n, note=s)
        elif _is_character(s) and i < len(lines) and lines[i].strip():
            i = _dialogue(builder, lines, i, s)
            continue
        else:
            body = s.lstrip("!").strip()
            if body.startswith(">") and body.endswith("<"):
                body = body[1:-1].strip()  # > centred text <
            line = Line(LineKind.ACTION, s, body, n)
        if _add_marked(builder, line):  # an explicit marker owns the flashback now
            scene_flashback = False
    return builder.finish()


def _title_page(builder: ScriptBuilder, lines: list[str]) -> int:
    """Read the title page (key: value lines at the very top, ended by a blank line) into
    front matter; return the index of the first line after it."""
    i = 0
    if lines and TITLE_KEY_RE.match(lines[0].strip()):
        while i < len(lines) and lines[i].strip():
            m = TITLE_KEY_RE.match(lines[i].strip())
            if m and m.group("k").lower() == "title":
                builder.script.title = m.group("v").strip() or None
            if m:
                meta = Line(LineKind.META, lines[i].strip(), m.group("v").strip(), i + 1,
                            note=m.group("k"))
                builder.add(meta)
            i += 1
    return i


def _section(builder: ScriptBuilder, s: str, n: int) -> None:
    """``# 第1集`` opens that episode; another top-level section opens an episode by title."""
    section = s.lstrip("#").strip()
    m = EPISODE_RE.match(section)
    if m:
        number = cn_number(m.group("n")) if m.group("n") else int(m.group("ep"))
        builder.start_episode(number, m.group("title").strip() or None, n)
    elif s.startswith("# ") or not builder.has_episode:
        builder.start_episode(None, section, n)


def _scene_heading(builder: ScriptBuilder, s: str, n: int, scene_flashback: bool) -> bool:
    """Start the scene headed ``s``; return whether its heading now holds a flashback open."""
    heading = s[1:] if s.startswith(".") else s
    fields, flashback = parse_heading(heading)
    if flashback:
        scene_flashback = scene_flashback or not builder.flashback
        builder.flashback = True
    elif scene_flashback:
        # A flashback opened by its heading lasts one scene; one opened by a marker
        # line (> 闪回 <) lasts until its end marker.
        builder.flashback = scene_flashback = False
    builder.start_scene(Line(LineKind.HEADING, s, heading, n), **fields)
    return scene_flashback


def _is_character(s: str) -> bool:
    """A character cue: forced with ``@`` (Chinese has no upper case) or an upper-case name."""
    is_cue = s.startswith("@") or (re.fullmatch(r"[A-Z][A-Z0-9 .'\-]+(?:\s*\(.*\))?\s*\^?", s)
                                   is not None)
    return is_cue and not s.startswith("!")


def _dialogue(builder: ScriptBuilder, lines: list[str], i: int, cue: str) -> int:
    """Add the dialogue under character ``cue``, from ``lines[i]`` to the next blank line;
    return the index after it. A parenthetical line is the note of the lines after it."""
    name = cue.lstrip("@").strip()
    ext_m = EXTENSION_RE.search(name)
    ext = ext_m.group("ext").strip() if ext_m else ""
    if ext_m:
        name = name[: ext_m.start()].strip()
    is_vo = ext.upper().replace(" ", "") in {"V.O.", "O.S.", "VO", "OS", "O.C."} or ext in {
        "画外音", "内心", "旁白"}
    note: str | None = ext or None
    while i < len(lines) and lines[i].strip():
        body = lines[i].strip()
        n_body = i + 1
        i += 1
        if body.startswith("(") or body.startswith("（"):
            note = body.strip("()（）")
            continue
        builder.add(Line(LineKind.VOICEOVER if is_vo else LineKind.DIALOGUE,
                         f"{name}：{body}", body.lstrip("~").strip(), n_body,
                         speaker=name, note=note))
    return i
