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

This module reads the two file formats into cues; ``cue_text`` reads what each cue says and
``cue_timeline`` places the cues in episodes and in time.
"""

from __future__ import annotations

import re

from ..errors import Errors, FormatError
from ..model import Script
from .build import ScriptBuilder
from .cue_text import ass_voice
from .cue_timeline import CueTimeline

SRT_TIME_RE = re.compile(
    r"^\s*(?P<a>\d{1,2}:\d{1,2}:\d{1,2}(?:[,.]\d{1,3})?)\s*-->\s*"
    r"(?P<b>\d{1,2}:\d{1,2}:\d{1,2}(?:[,.]\d{1,3})?)"
)
# Placeholders tools write into ASS fields that carry no information.
_ASS_NO_NAME = frozenset({"ntp"})
_ASS_NO_TITLE = frozenset({"", "default aegisub file", "<untitled>", "untitled"})


def _seconds(stamp: str) -> float:
    h, m, rest = stamp.replace(",", ".").split(":")
    return int(h) * 3600 + int(m) * 60 + float(rest)


def _ass_seconds(stamp: str) -> float:
    h, m, s = stamp.strip().split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)



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
    timeline = CueTimeline(builder, path)
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
    return timeline.finish(blank_inside)


def parse_ass(text: str, *, path: str | None = None, encoding: str = "utf-8") -> Script:
    builder = ScriptBuilder(path=path, fmt="ass", encoding=encoding)
    timeline = CueTimeline(builder, path)
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
                style_row = dict(zip(style_fields, (v.strip() for v in line.split(":", 1)[1]
                                                    .split(",")), strict=False))
                top = ("7", "8", "9") if section == "[v4+ styles]" else ("5", "6", "7")
                if style_row.get("alignment") in top:
                    top_styles.add(style_row.get("name", "").lstrip("*"))
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
        speaker, vo = ass_voice(style, name)
        timeline.cue(start, end, row.get("text", ""), n, speaker=speaker, vo=vo,
                     top=style in top_styles)
        cues += 1
    if not cues:
        raise FormatError(Errors.ASS_NO_DIALOGUE, path=path)
    return timeline.finish([])

