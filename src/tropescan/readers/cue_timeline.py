"""Subtitle cues in file order -> episodes of timed lines.

Input: each cue's start and end times, text and source line, in file order (``subtitles``
parses SRT and ASS into them). Output: a timed ``Script``: ``heading`` lines for episode title
cards, ``transition`` lines for end cards (``第1集 完``) and the parts of every other cue
(``cue_text``), which share the cue's time by length.

A merged export of many episodes is split where a title card (``第N集``, alone or with a short
title) stands, where the clock jumps back to the start, where cue numbering restarts at 1, or
after an end card. Without a card an episode is numbered after the previous one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import Errors, FormatError
from ..model import Line, LineKind, Script
from .build import ScriptBuilder
from .cue_text import MUSIC_ONLY_RE, clean_cue, join_rows, read_part, split_parts
from .headings import cn_number

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


@dataclass(slots=True)
class CueTimeline:
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
        """Add one cue: ``text`` shown from ``start`` to ``end`` seconds, at source line ``n``.

        ``number`` is its SRT cue number; ``speaker``, ``vo`` and ``top`` come from its ASS
        Name and Style.
        """
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
        rows, top_tag = clean_cue(text)
        top = top or top_tag
        if not rows:
            return
        if self.last_start >= 0 and start + RESET_SECONDS < self.last_start:
            self.pending = True
        self.last_start = start
        joined = join_rows(rows)
        if MUSIC_ONLY_RE.fullmatch(joined):
            return  # ♪ alone: music, nobody speaks
        if self._end_card(joined, n, start, end) or self._title_card(joined, n, start, end):
            return
        if self.pending:
            episodes = self.builder.script.episodes
            self.builder.start_episode(episodes[-1].number + 1 if episodes else None, None, n)
            self.pending, self.carded = False, False
        parts = split_parts(rows)
        # Parts share the cue's time by length.
        total = sum(len(p) for p in parts) or 1
        t = start
        for part in parts:
            share = (end - start) * len(part) / total
            said = read_part(part, speaker=speaker, vo=vo, top=top)
            self._add(said.kind, part, said.content, n, t, t + share, said.speaker, said.note)
            t += share

    def _title_card(self, joined: str, n: int, start: float, end: float) -> bool:
        """第1集 / 【第2集】打脸: opens that episode (kept as its heading line)."""
        card = CARD_RE.match(joined)
        if not card:
            return False
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
        return True

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

    def finish(self, warn_blank: list[int]) -> Script:
        """The timed script. Raise when no cue had usable times; otherwise note the repairs
        (and the lines of ``warn_blank``, blank lines inside cues) as warnings."""
        if not self.readable and self.first_error is not None:
            raise self.first_error
        warnings = self.builder.script.warnings
        if self.backwards:
            warnings.append(f"{len(self.backwards)} cue(s) end before they start (line(s) "
                            f"{_lines(self.backwards)}): their end is set to their start")
        if warn_blank:
            warnings.append(f"blank line inside a cue (line(s) {_lines(warn_blank)}): the text "
                            "after it is kept with that cue")
        return _on_episode_clocks(self.builder)


def _lines(numbers: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(k) for k in numbers[:limit])
    return shown + (", …" if len(numbers) > limit else "")


def _on_episode_clocks(builder: ScriptBuilder) -> Script:
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
