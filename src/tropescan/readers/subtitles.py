"""SRT and ASS subtitles: the only files that carry real screen time.

Input: decoded text. Output: a timed ``Script`` whose lines are ``subtitle`` lines (or
``heading`` for an episode title card). A file may hold one episode or a merged export of
many: a cue reading ``第N集`` or a clock that jumps back to the start opens a new episode.
"""

from __future__ import annotations

import re

from ..errors import FormatError
from ..model import Line, LineKind, Script
from .build import ScriptBuilder
from .text import EPISODE_RE, cn_number

SRT_TIME_RE = re.compile(
    r"^\s*(?P<a>\d{1,2}:\d{1,2}:\d{1,2}(?:[,.]\d{1,3})?)\s*-->\s*"
    r"(?P<b>\d{1,2}:\d{1,2}:\d{1,2}(?:[,.]\d{1,3})?)"
)
ASS_TAG_RE = re.compile(r"\{[^}]*\}")
HTML_TAG_RE = re.compile(r"</?(?:i|b|u|font|s)(?:\s[^>]*)?>", re.IGNORECASE)
SPEAKER_RE = re.compile(r"^[（(【\[](?P<s>[^）)】\]]{1,10})[）)】\]]\s*(?P<t>.+)$"
                        r"|^(?P<s2>[^\s：:，。！？]{1,8})[：:](?P<t2>.+)$")
# A clock that runs back by more than this starts a new episode in a merged export.
RESET_SECONDS = 5.0


def _seconds(stamp: str) -> float:
    h, m, rest = stamp.replace(",", ".").split(":")
    return int(h) * 3600 + int(m) * 60 + float(rest)


def _ass_seconds(stamp: str) -> float:
    h, m, s = stamp.strip().split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


class _Timeline:
    """Shared cue handling for SRT and ASS."""

    def __init__(self, builder: ScriptBuilder, path: str | None) -> None:
        self.builder = builder
        self.path = path
        self.last_start = -1.0

    def cue(self, start: float, end: float, text: str, n: int, speaker: str | None = None) -> None:
        if end < start:
            raise FormatError(f"cue ends before it starts ({end:.2f} < {start:.2f})",
                              path=self.path, line=n)
        text = HTML_TAG_RE.sub("", ASS_TAG_RE.sub("", text))
        text = text.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
        rows = [r.strip() for r in text.splitlines() if r.strip()]
        if not rows:
            return
        joined = " ".join(rows)
        ep = EPISODE_RE.match(joined)
        if ep and len(joined) <= 30:
            number = cn_number(ep.group("n")) if ep.group("n") else int(ep.group("ep"))
            self.builder.start_episode(number, ep.group("title").strip() or None, n)
            self._add(LineKind.HEADING, joined, joined, n, start, end, None)
            self.last_start = start
            return
        if start + RESET_SECONDS < self.last_start:
            self.builder.start_episode(None, None, n)
        self.last_start = start
        # "- a / - b": two speakers share one cue; split its time by length.
        if len(rows) > 1 and all(r.startswith(("-", "－", "—")) for r in rows):
            parts = [r.lstrip("-－— ").strip() for r in rows]
        else:
            parts = [joined]
        total = sum(len(p) for p in parts) or 1
        t = start
        for part in parts:
            share = (end - start) * len(part) / total
            who = speaker
            content = part
            m = SPEAKER_RE.match(part)
            if m:
                who = m.group("s") or m.group("s2")
                content = (m.group("t") or m.group("t2")).strip()
            self._add(LineKind.SUBTITLE, part, content, n, t, t + share, who)
            t += share

    def _add(self, kind: LineKind, text: str, content: str, n: int, start: float, end: float,
             speaker: str | None) -> None:
        line = Line(kind, text, content, n, speaker=speaker)
        line.start_s, line.end_s = start, end
        self.builder.add(line)


def parse_srt(text: str, *, path: str | None = None, encoding: str = "utf-8") -> Script:
    builder = ScriptBuilder(path=path, fmt="srt", encoding=encoding)
    timeline = _Timeline(builder, path)
    lines = text.splitlines()
    i, cues = 0, 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        # Optional cue number, then the timing line.
        if lines[i].strip().isdigit() and i + 1 < len(lines):
            i += 1
        m = SRT_TIME_RE.match(lines[i])
        if not m:
            raise FormatError(f"expected a timestamp like 00:00:01,000 --> 00:00:02,500, got "
                              f"{lines[i].strip()[:40]!r}", path=path, line=i + 1)
        try:
            start, end = _seconds(m.group("a")), _seconds(m.group("b"))
        except ValueError as exc:
            raise FormatError(f"malformed timestamp {lines[i].strip()[:40]!r}", path=path,
                              line=i + 1) from exc
        n = i + 2
        i += 1
        body: list[str] = []
        while i < len(lines) and lines[i].strip():
            body.append(lines[i])
            i += 1
        timeline.cue(start, end, "\n".join(body), n)
        cues += 1
    if not cues:
        raise FormatError("no subtitle cues found", path=path)
    return _finish(builder)


def parse_ass(text: str, *, path: str | None = None, encoding: str = "utf-8") -> Script:
    builder = ScriptBuilder(path=path, fmt="ass", encoding=encoding)
    timeline = _Timeline(builder, path)
    fields: list[str] | None = None
    section = ""
    cues = 0
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line.lower()
            continue
        if section != "[events]":
            continue
        if line.lower().startswith("format:"):
            fields = [f.strip().lower() for f in line.split(":", 1)[1].split(",")]
            continue
        if not line.lower().startswith("dialogue:"):
            continue
        if fields is None:
            raise FormatError("Dialogue before the [Events] Format line", path=path, line=n)
        values = line.split(":", 1)[1].split(",", len(fields) - 1)
        if len(values) != len(fields):
            raise FormatError("Dialogue line has too few fields", path=path, line=n)
        row = dict(zip(fields, (v.strip() for v in values), strict=True))
        try:
            start, end = _ass_seconds(row["start"]), _ass_seconds(row["end"])
        except (KeyError, ValueError) as exc:
            raise FormatError(f"malformed time in {line[:60]!r}", path=path, line=n) from exc
        timeline.cue(start, end, row.get("text", ""), n, speaker=row.get("name") or None)
        cues += 1
    if not cues:
        raise FormatError("no Dialogue lines in an [Events] section", path=path)
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
