"""Chinese plain-text and Markdown scripts, as writers really type them.

Input: decoded text. Output: a ``Script`` (untimed; ``timing`` adds times).

Each line is classified on its own (``lines.classify``, with the heading patterns in
``headings``) by the first rule that fits: episode marker, scene heading, front matter (title,
cast list, synopsis), transition, action, dialogue / voice-over; anything else is an unmarked
action line inside a structured script, or prose when the file has no script structure at all.
The rules accept the spellings writers really use: ``第1集``/``第一集``/``【第1集】``/``EP01``/
``# 第1集``; ``1-2 日 内 别墅客厅``/``1-2 夜/外/医院走廊``/``2-3场 地下车库 夜 内``/
``第 1 -1 场 正厅夜内``/``场景1：…``/``第1场``/``[场景] …``; ``△``/``▲``/``【…】``/``（…）``
actions; ``角色（情绪）：台词``, ``角色OS：``, ``VO（…）：``.

And what real files add around them: headings glued to their place (``1-1日内大堂``) or with
fields in brackets (``场景一：卫生院走廊（夜/内）``, ``（接上场）`` dropped, ``（闪回）`` marking a
flashback scene); episodes numbered only in the scene numbers (``2-1`` opens 第2集 when no
marker says so); outline entries (``第1集：外卖员被羞辱，意外绑定系统。``) and end lines
(``——本集完——``, ``第1集完``, ``【全剧终】``) that are neither episodes nor screen time; Word list
numbers (``1.\t△…``); Markdown emphasis, rules, tables and comments; a speaker's name alone on
the line before the words, or separated by a tab. This module reads the classified lines in
order: front matter, episodes (also those inferred from scene numbers), scenes, flashbacks.
"""

from __future__ import annotations

import re

from ..model import Line, LineKind
from ..normalize import is_traditional
from .build import ScriptBuilder
from .headings import EPISODE_RE, cn_number, parse_heading_fields
from .lines import (
    CAPTION_RE,
    CAST_KEYS,
    FLASHBACK_END,
    FLASHBACK_START,
    LEAD_PAREN_RE,
    PARAGRAPH_KEYS,
    TITLE_KEYS,
    VO_WORDS,
    Classified,
    classify,
)

# Code outside this module imports the line rules' public names from here too; they live in
# lines.py and headings.py.
__all__ = ["CAPTION_RE", "EPISODE_RE", "VO_WORDS", "Classified", "classify", "cn_number",
           "parse_heading_fields", "parse_text"]

_TABLE_HEADER_WORDS = {"角色", "人物", "姓名", "名字", "演员", "name"}

# One non-blank line of the file: its number, the line as typed, and its class.
_Row = tuple[int, str, Classified]


def _cast_names(rest: str) -> list[str]:
    rest = re.sub(r"[（(][^）)]*[）)]", "", rest)
    names = [x.strip(" 　。.;；") for x in re.split(r"[、，,；;\s]+", rest)]
    return [x for x in names if 0 < len(x) <= 8]


def parse_text(text: str, *, path: str | None = None, fmt: str = "text",
               encoding: str = "utf-8", first_line: int = 1) -> ScriptBuilder:
    """Parse a whole script; return the builder so callers can add warnings before finishing."""
    builder = ScriptBuilder(path=path, fmt=fmt, encoding=encoding)
    traditional = is_traditional(text)
    rows = _speaker_lines([(i, raw, classify(raw, i, traditional=traditional))
                           for i, raw in enumerate(text.splitlines(), start=first_line)
                           if raw.strip()])
    parser = _TextParser(builder, rows)
    for i, raw, what in rows:
        parser.read(i, raw, what)
    if not builder.has_episode:
        _front_as_body(builder)
    parser.add_warnings()
    return builder


def _front_as_body(builder: ScriptBuilder) -> None:
    """A file that is all front matter (a submission's 梗概 page, a catalogue text opening
    with 故事梗概：) is its own content: its synopsis and notes are read as prose; the title
    and the cast list stay front matter."""
    script = builder.script
    kept = TITLE_KEYS | CAST_KEYS
    body = [ln for ln in script.front_matter if ln.note not in kept and ln.content.strip()]
    if not body:
        return
    script.front_matter = [ln for ln in script.front_matter if ln.note in kept]
    for line in body:
        line.kind, line.note = LineKind.PROSE, None
        builder.add(line)


class _TextParser:
    """One pass over a script's classified lines, in order, into a ``ScriptBuilder``.

    The pass needs what comes before the line being read (are we still in the front matter,
    which episode is open, did the open scene's heading say 闪回) and a little of the whole
    file (are there episode markers at all, which episode numbers are marked).
    """

    def __init__(self, builder: ScriptBuilder, rows: list[_Row]) -> None:
        self.builder = builder
        self.has_episodes = any(what.kind == "episode" for _, _, what in rows)
        self.structured = self.has_episodes or any(
            what.kind in ("scene", "dialogue") for _, _, what in rows
        )
        # Front matter is everything before the first episode marker; a file without markers can
        # still open with 剧本名：/人物：/故事梗概： lines and the paragraphs that belong to them.
        self.in_front = self.has_episodes or bool(rows and (
            rows[0][2].kind == "front" or re.fullmatch(r"\s*《[^《》]{1,30}》\s*", rows[0][1])))
        self.pending_title = True
        self.front_key: str | None = None
        self.marked = {what.number for _, _, what in rows if what.kind == "episode"}
        self.current: int | None = None  # the episode number being read
        self.inferred = False
        self.scene_flashback = False  # the open scene's heading said 闪回 (not a 【闪回】 line)

    def read(self, i: int, raw: str, what: Classified) -> None:
        """Read line ``i`` (``raw`` as typed), classified as ``what``."""
        if what.kind == "rule":
            return
        if what.kind == "episode":
            self.in_front = False
            self.current = what.number
            self.builder.start_episode(what.number, what.title, i)
            return
        if what.kind == "scene" and not self.in_front:
            self._before_scene(i, what)
        if self.in_front and not self.has_episodes and not (
                what.kind == "front"
                or (what.kind == "other"
                    and (self.pending_title or self.front_key in PARAGRAPH_KEYS))):
            self.in_front = False
        if self.in_front and what.kind != "scene":
            self._front(i, raw, what)
            self.pending_title = False
            return
        self.in_front = False
        self._body(what)

    def _before_scene(self, i: int, what: Classified) -> None:
        """The episode a scene heading may open, and the flashback its heading may tag."""
        # 2-1 after scenes 1-x with no 第2集 anywhere: the writer numbers episodes only in
        # the scene numbers (or forgot one marker), so the next episode starts here.
        number = _episode_of_label(what.label)
        current = self.current
        if number is not None and number not in self.marked and (
                (current is None and not self.marked) or (current is not None
                                                          and number == current + 1)):
            if current is not None:
                self.builder.start_episode(number, None, i)
                self.inferred = True
            self.current = number
        if self.scene_flashback:
            self.builder.flashback = False
        self.scene_flashback = what.flashback
        if self.scene_flashback:
            self.builder.flashback = True

    def _front(self, i: int, raw: str, what: Classified) -> None:
        """Before the first episode marker: title, cast list, synopsis, notes."""
        cast = self.builder.script.cast
        meta = what.line or Line(LineKind.META, raw.strip(), raw.strip(), i)
        meta.kind = LineKind.META
        if what.kind == "front":
            self.front_key = what.key
        elif self.front_key in CAST_KEYS and raw.strip().startswith("|"):
            # | 林晚 | 25 | 女主… |: a cast table, one character per row
            cell = raw.strip().strip("|").split("|")[0].strip().strip("*").strip()
            if cell and cell.lower() not in _TABLE_HEADER_WORDS and \
                    cell not in cast and len(cell) <= 8:
                cast.append(cell)
        elif (what.kind == "dialogue" and self.front_key in CAST_KEYS and meta.speaker
              and meta.speaker not in cast):
            # A cast list written one character per line: 林凡：28岁，上门女婿
            cast.append(meta.speaker)
        _front_matter(self.builder, meta, what.key, self.pending_title)

    def _body(self, what: Classified) -> None:
        """After the front matter: scenes and what is shown in them."""
        builder, line = self.builder, what.line
        if what.kind == "front" and line is not None:
            if what.key in CAST_KEYS:
                # 出场人物 under a scene heading: a cast line, not spoken.
                builder.script.cast.extend(n for n in _cast_names(line.content)
                                           if n not in builder.script.cast)
                return
            line.kind = LineKind.ACTION
        if what.kind == "field":
            # 时间：夜 / 地点：… under a block heading: fills in the scene, not on screen.
            fields = dict(what.fields)
            cast = fields.pop("cast", None)
            if cast:
                builder.script.cast.extend(n for n in _cast_names(cast)
                                           if n not in builder.script.cast)
            builder.update_scene(fields)
            return
        if what.kind == "scene" and line is not None:
            builder.start_scene(line, label=what.label, time_of_day=what.time_of_day,
                                interior=what.interior, location=what.location)
            return
        assert line is not None
        if what.kind in ("end", "speaker"):
            # 本集完 marks an end and shows nothing; a name line's speaker is on the next line
            return
        if what.kind == "transition":
            if what.word in FLASHBACK_END:
                builder.add(line)
                builder.flashback = False
                return
            if what.word in FLASHBACK_START:
                builder.flashback = True
        if what.kind == "other" and not self.structured:
            line.kind = LineKind.PROSE
        builder.add(line)

    def add_warnings(self) -> None:
        """Say how the file's structure was read when it had no episode markers."""
        warnings = self.builder.script.warnings
        if not self.structured:
            warnings.append(
                "no episode markers, scene headings or dialogue found: read as prose (one episode)"
            )
        elif not self.has_episodes and not self.inferred:
            warnings.append("no episode markers (第N集): read as one episode")
        if self.inferred:
            warnings.append(
                "episode marker(s) missing: episodes taken from scene numbers (2-1 starts 第2集)")


def _speaker_lines(rows: list[_Row]) -> list[_Row]:
    """A character's name alone on a line, then what they say (陆沉 / 你，过来。), as
    screenplay software and some writers lay dialogue out: one dialogue line.

    Only names the script itself knows (other dialogue lines, its cast list) count, and only
    before an unmarked line, so an action line that is just a name stays one.
    """
    known = {what.line.speaker for _, _, what in rows
             if what.kind == "dialogue" and what.line and what.line.speaker}
    for _, _, what in rows:
        if what.kind == "front" and what.line is not None and what.key in CAST_KEYS:
            known.update(_cast_names(what.line.content))
    out = list(rows)
    for k in range(len(out) - 1):
        i, raw, what = out[k]
        j, raw2, what2 = out[k + 1]
        name = raw.strip()
        words = what2.line
        if what.kind == "other" and what2.kind == "other" and words is not None \
                and name in known and 2 <= len(name) <= 6 and j == i + 1:
            content, note = words.content, None
            lead = LEAD_PAREN_RE.match(content)
            if lead:
                note, content = lead.group("p").strip(), content[lead.end():]
            out[k] = (i, raw, Classified("speaker", Line(LineKind.META, name, name, i,
                                                         note="角色")))
            out[k + 1] = (j, raw2, Classified("dialogue", Line(
                LineKind.DIALOGUE, words.text, content, j, speaker=name, note=note)))
    return out


def _episode_of_label(label: str | None) -> int | None:
    """The episode whose first scene this is: 2-1 and 2.1 open episode 2 (2-3 opens none)."""
    m = re.fullmatch(r"(\d{1,3})-0*1", label or "")
    return int(m.group(1)) if m else None


def _front_matter(builder: ScriptBuilder, line: Line, key: str | None, first: bool) -> None:
    """Add a front-matter line; a title or cast entry (``key``) also goes into the script."""
    script = builder.script
    if key in TITLE_KEYS and line.content:
        # 片名：《一窑》（暂定） -> 一窑: the title is what stands inside the book-title marks.
        quoted = re.search(r"《([^《》]+)》", line.content)
        script.title = quoted.group(1).strip() if quoted else line.content.strip("《》 ")
    elif key in CAST_KEYS:
        script.cast.extend(n for n in _cast_names(line.content) if n not in script.cast)
    elif first and key is None and script.title is None:
        m = re.fullmatch(r"\s*(?:#+\s*)?《?(?P<t>[^《》]{1,30})》?\s*", line.text)
        if m:
            script.title = m.group("t").strip()
    builder.add(line)
