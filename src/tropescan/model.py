"""The data types every stage passes on: a parsed ``Script`` and the analysis results.

Input: nothing (no I/O here). Output: plain dataclasses. Readers build ``Script`` ->
``Episode`` -> ``Scene`` -> ``Line``; ``timing`` fills ``start_s``/``end_s``; later
stages read them.

Times: ``Line.start_s``/``end_s`` are seconds from the start of the line's episode (what a
writer means by "0:45 into episode 3"); ``Episode.start_s`` places the episode on the
series timeline, so the series time of a line is ``episode.start_s + line.start_s``.

Text: ``Line.text`` is the line as written (for display); ``Line.content`` is what is said
or shown, without the speaker prefix or markers; ``Line.norm`` is ``content`` normalised for
matching (Traditional -> Simplified, NFKC, lower-case Latin). ``Script.text`` joins every
line's ``norm`` with newlines and ``Line.offset`` is where that line starts in it: the one
coordinate system that tokens and cue hits use.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class LineKind(StrEnum):
    HEADING = "heading"  # a scene heading (or an episode title card in subtitles)
    ACTION = "action"  # △/▲ lines, 【…】, standalone （…）, captions, unmarked stage text
    DIALOGUE = "dialogue"
    VOICEOVER = "voiceover"  # OS/VO, inner voice, 旁白 narration
    TRANSITION = "transition"  # 切至, 转场, 黑屏, 闪回 markers
    SUBTITLE = "subtitle"  # a spoken line from SRT/ASS, with real times
    PROSE = "prose"  # text with no script structure at all
    META = "meta"  # title, cast list, synopsis: not on screen, takes no time




@dataclass(slots=True)
class Line:
    kind: LineKind
    text: str
    content: str
    source_line: int
    speaker: str | None = None
    note: str | None = None  # parenthetical such as 冷笑, or the caption / transition word
    norm: str = ""
    offset: int = 0
    start_s: float = 0.0
    end_s: float = 0.0
    flashback: bool = False

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(slots=True)
class Scene:
    number: int  # 1-based within the episode; 0 for lines before the first heading
    heading: str | None = None
    label: str | None = None  # the writer's own scene number, e.g. "1-2"
    time_of_day: str | None = None
    interior: str | None = None  # 内 / 外 / 内外
    location: str | None = None
    lines: list[Line] = field(default_factory=list)

    @property
    def start_s(self) -> float:
        return self.lines[0].start_s if self.lines else 0.0

    @property
    def end_s(self) -> float:
        return self.lines[-1].end_s if self.lines else 0.0


@dataclass(slots=True)
class Episode:
    number: int
    title: str | None = None
    scenes: list[Scene] = field(default_factory=list)
    start_s: float = 0.0  # position on the series timeline
    duration_s: float = 0.0
    source_line: int = 0

    @property
    def lines(self) -> list[Line]:
        return [line for scene in self.scenes for line in scene.lines]


@dataclass(slots=True)
class Script:
    episodes: list[Episode]
    title: str | None = None
    path: str | None = None
    format: str = "text"
    encoding: str = "utf-8"
    traditional: bool = False  # the original was written in Traditional characters
    timed: bool = False  # True when times come from the file (subtitles)
    cast: list[str] = field(default_factory=list)
    front_matter: list[Line] = field(default_factory=list)  # title, cast, synopsis
    warnings: list[str] = field(default_factory=list)
    text: str = ""  # every line's norm, joined by "\n"

    def iter_lines(self) -> Iterator[tuple[Episode, Scene, Line]]:
        for episode in self.episodes:
            for scene in episode.scenes:
                for line in scene.lines:
                    yield episode, scene, line

    @property
    def lines(self) -> list[Line]:
        return [line for _, _, line in self.iter_lines()]

    @property
    def duration_s(self) -> float:
        return sum(e.duration_s for e in self.episodes)

    @property
    def speakers(self) -> list[str]:
        seen: dict[str, None] = {}
        for _, _, line in self.iter_lines():
            if line.speaker:
                # 陆沉、林小满（齐声）: a line two characters say together names both
                for name in line.speaker.split("、"):
                    if name.strip():
                        seen.setdefault(name.strip(), None)
        return list(seen)

    @property
    def id(self) -> str:
        """A short name for tables: the file stem, else the title."""
        if self.path:
            from pathlib import Path

            return Path(self.path).stem
        return self.title or "script"
