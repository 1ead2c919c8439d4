"""Sentence units: what the twist detector scores, each with its own interpolated time.

Input: a timed ``Script`` (``Line.norm``, ``Line.offset``, ``start_s``/``end_s``). Output: a list
of ``Sentence``s in script order. A sentence is made of ``Piece``s, each a span of one line's
``norm`` (offsets in ``Script.text``, STYLE rule 2), with a time interpolated by the counted
characters before it: a piece that starts 24 of 40 characters into a 10-second cue starts 6 s
into it. Real exports come in two shapes this undoes:

* **long cues** — ASR segments of 5-20 s merge several sentences and speakers, often with no
  punctuation. A line is cut after sentence punctuation (。！？；…) and, where it has none, at
  its spaces (ASR output marks pauses with them); a piece still longer than ``MAX_CHARS``
  counted characters is cut before a discourse marker (但是, 原来, 没想到 …) or after a
  sentence-final particle (吗, 呢, 吧 …), else in its middle. Fragments shorter than
  ``MIN_CHARS`` (a vocative, 等等, 喂) join the sentence that follows them.
* **short cues** — OCR of burned-in subtitles shows 2-12 characters at a time, one sentence over
  several cues. Consecutive subtitle cues join while the first does not end a sentence
  (punctuation, a final particle, 了), the pause between them is under ``JOIN_GAP_S`` and the
  sentence stays within ``JOIN_MAX`` characters.

Script lines (dialogue, action) go through the same cuts; most are one sentence already.
Nothing here needs speaker names or punctuation. ``Sentence.land`` is the piece where the
sentence lands — its last piece (Chinese puts the news at the end of the sentence) unless the
caller knows better (``with_landing``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace

from .model import LineKind, Script
from .normalize import counted_chars, counted_prefix

SCORED_KINDS = (LineKind.DIALOGUE, LineKind.VOICEOVER, LineKind.ACTION, LineKind.SUBTITLE,
                LineKind.TRANSITION, LineKind.PROSE)
MIN_CHARS = 4  # a shorter fragment joins the next sentence (counted characters)
MAX_CHARS = 16  # a longer unpunctuated stretch is cut at a discourse marker or particle
SOFT_CUT_CHARS = 24  # a punctuated sentence longer than this is also cut at its commas
JOIN_SHORT = 12  # cues up to this long may continue into the next one
JOIN_MAX = 24  # a joined sentence stays within this many counted characters
JOIN_GAP_S = 0.8  # ... and its cues follow each other within this pause
JOIN_BOTH_SHORT = 8  # two cues this short together join whatever their words
#: a cue ending in one of these is unfinished (a particle, preposition, auxiliary, conjunction)
CONTINUE_AFTER = set("地得在和跟与把被给让对从向往为是就都也还要会能想当及或而并且但")
#: a cue starting with one of these continues the one before
CONTINUE_BEFORE = set("的了是就都也还和跟与而并且吗呢吧啊着过")

_HARD = "。!?！？;；…"
_CLOSE = "\"'”’」』)）】》"
_HARD_RE = re.compile(rf"(?:[{_HARD}]|\.{{2,}})+[{_CLOSE}]*\s*")  # NFKC made … into ...
_HARD_CHARS = frozenset(_HARD)  # one character that _HARD_RE finds on its own
_SOFT_RE = re.compile(r"[\s，,、:：]+")
#: sentence-final particles: a stretch ending in one is a sentence of its own
FINAL_PARTICLES = "吗呢吧啊呀嘛啦哦哇呐咯"
#: words that open a new sentence in unpunctuated speech
MARKERS = ("但是", "可是", "不过", "所以", "原来", "其实", "没想到", "结果", "然后", "竟然",
           "居然", "难道", "等等", "对了", "还有", "因为", "如果", "要不是", "只要", "现在",
           "今天", "明天", "昨天", "当年", "刚才", "快", "喂", "别", "不要", "谁", "为什么",
           "怎么", "什么", "我们", "你们", "他们", "我", "你", "他", "她", "这", "那")
_MARKER_RE = re.compile("|".join(sorted(MARKERS, key=len, reverse=True)))


@dataclass(frozen=True, slots=True)
class Piece:
    """A span of one line: ``ref`` indexes ``LinePlace.refs``; ``start``/``end`` are offsets in
    ``Script.text``; ``start_s``/``end_s`` seconds into the episode."""

    ref: int
    start: int
    end: int
    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class Sentence:
    episode: int  # index into script.episodes
    pieces: tuple[Piece, ...]
    text: str  # the pieces' text, joined
    land: int = -1  # the piece where the sentence lands (index into pieces)

    @property
    def start_s(self) -> float:
        return self.pieces[0].start_s

    @property
    def end_s(self) -> float:
        return self.pieces[-1].end_s

    @property
    def landing(self) -> Piece:
        return self.pieces[self.land]

    @property
    def refs(self) -> list[int]:
        return list(dict.fromkeys(p.ref for p in self.pieces))

    def with_landing(self, offset: int) -> Sentence:
        """The same sentence landing on the piece that holds ``offset`` (in Script.text)."""
        for k, p in enumerate(self.pieces):
            if p.start <= offset < p.end:
                return replace(self, land=k)
        return self


def _long_cuts(text: str, cum: list[int], a: int, b: int) -> list[int]:
    """Cut positions inside ``text[a:b]`` (an unpunctuated stretch) so that every part is at
    most ``MAX_CHARS`` counted characters: before a marker or after a final particle, the
    candidate nearest the middle; else the middle. ``cum``: ``counted_prefix(text)``."""
    if cum[b] - cum[a] <= MAX_CHARS:
        return []
    candidates = [m.start() for m in _MARKER_RE.finditer(text, a, b)]
    candidates += [i + 1 for i in range(a, b) if text[i] in FINAL_PARTICLES]
    candidates = [c for c in candidates
                  if cum[c] - cum[a] >= MIN_CHARS and cum[b] - cum[c] >= MIN_CHARS]
    mid = a + (b - a) // 2
    cut = min(candidates, key=lambda c: (abs(c - mid), c)) if candidates else mid
    return [*_long_cuts(text, cum, a, cut), cut, *_long_cuts(text, cum, cut, b)]


def split_text(text: str) -> list[tuple[int, int]]:
    """``text`` cut into sentence spans ``(start, end)`` that cover it end to end.

    >>> t = "等等 这是玄枭令 孩子 你到底是什么人"
    >>> [t[a:b] for a, b in split_text(t)]
    ['等等 这是玄枭令 ', '孩子 你到底是什么人']
    >>> [t[a:b] for a, b in split_text("龙……龙帅？原来你是龙帅！")]
    ['龙……', '龙帅？', '原来你是龙帅！']
    """
    return _split(text, counted_prefix(text))


def _split(text: str, cum: list[int]) -> list[tuple[int, int]]:
    """``split_text``, given ``cum = counted_prefix(text)``."""
    if not text:
        return []
    ends = [m.end() for m in _HARD_RE.finditer(text)]
    if ends == [len(text)] and cum[-1] <= SOFT_CUT_CHARS:
        return [(0, len(text))]  # one short sentence, the most common line
    cuts = ends[:-1] if ends and ends[-1] == len(text) else ends
    # every chunk before a cut ends in sentence punctuation; the last one when a match ends
    # the text (the pattern has no lookaround, so a chunk's own search finds the same)
    tail_punctuated = len(cuts) < len(ends)
    bounds = [0, *cuts, len(text)]
    spans: list[tuple[int, int]] = []
    for k, (a, b) in enumerate(itertools.pairwise(bounds)):
        punctuated = k < len(cuts) or tail_punctuated
        if punctuated and cum[b] - cum[a] <= SOFT_CUT_CHARS:
            spans.append((a, b))  # a short sentence: nothing to cut
            continue
        soft = [m.end() for m in _SOFT_RE.finditer(text, a, b) if m.end() < b]
        for x, y in itertools.pairwise([a, *soft, b]):
            more = [] if punctuated else _long_cuts(text, cum, x, y)
            spans += itertools.pairwise([x, *more, y])
    return _merge_short(text, cum, spans)


def _merge_short(text: str, cum: list[int],
                 spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Fragments under ``MIN_CHARS`` join the span after them (the last one, the span before);
    a fragment that ends a sentence (。！？) stays on its own when it says anything."""
    out: list[tuple[int, int]] = []
    carry: int | None = None
    for a, b in spans:
        start = a if carry is None else carry
        short = cum[b] - cum[start] < MIN_CHARS
        if short and not (text[a:b].rstrip()[-1:] in _HARD_CHARS and cum[b] > cum[a]):
            carry = start
            continue
        out.append((start, b))
        carry = None
    if carry is not None:
        if out:
            out[-1] = (out[-1][0], len(text))
        else:
            out.append((carry, len(text)))
    return out


def _ends_sentence(text: str) -> bool:
    t = text.rstrip().rstrip(_CLOSE)
    return (not t or t[-1] in _HARD or t[-1] in FINAL_PARTICLES
            or t.endswith(("了", "—", "-", ".."))
            or not counted_chars(t))


def sentences(script: Script) -> list[Sentence]:
    """Every sentence of the scorable lines, in script order (see the module docstring)."""
    out: list[Sentence] = []
    ref = 0
    for ei, ep in enumerate(script.episodes):
        open_: list[Piece] = []  # short cues that may continue into the next one
        prev_end = 0.0
        for li, line in enumerate(ep.lines):
            if line.kind not in SCORED_KINDS or not line.norm.strip():
                continue
            pieces = _line_pieces(line.norm, line.offset, line.start_s, line.end_s, ref + li)
            if open_ and not _continues(script, open_, pieces[0], line.kind,
                                        line.start_s - prev_end):
                out.append(_sentence(script, ei, open_))
                open_ = []
            groups = [[p] for p in pieces]
            groups[0][:0] = open_  # the short cues before it open the first sentence
            open_ = []
            last = pieces[-1]
            out += [_sentence(script, ei, g) for g in groups[:-1]]
            if (line.kind is LineKind.SUBTITLE and script.timed
                    and counted_chars(line.norm) <= JOIN_SHORT
                    and not _ends_sentence(script.text[last.start:last.end])):
                open_ = groups[-1]
            else:
                out.append(_sentence(script, ei, groups[-1]))
            prev_end = line.end_s
        if open_:
            out.append(_sentence(script, ei, open_))
        ref += len(ep.lines)
    return out


def _continues(script: Script, open_: list[Piece], nxt: Piece, kind: LineKind,
               gap_s: float) -> bool:
    """Does the next cue's first piece ``nxt`` continue the sentence of the short cues
    ``open_``? Only a subtitle cue right after, keeping the sentence short, and only where one
    side reads unfinished: the cue before ends in a word that needs more (的, 在, 把 …), the
    next one starts with one that needs what came before (是, 就, 了 …), or both are short."""
    if kind is not LineKind.SUBTITLE or gap_s > JOIN_GAP_S:
        return False
    if _chars(script, [*open_, nxt]) > JOIN_MAX:
        return False
    a = script.text[open_[-1].start:open_[-1].end].strip()
    b = script.text[nxt.start:nxt.end].strip()
    na, nb = counted_chars(a), counted_chars(b)
    if b[-1:] in _HARD or b.endswith(".."):  # 陪你？ / 冤枉？: an utterance of its own
        return False
    return (a[-1:] in CONTINUE_AFTER or b[:1] in CONTINUE_BEFORE or na <= 3
            or na + nb <= JOIN_BOTH_SHORT)


def _chars(script: Script, pieces: list[Piece]) -> int:
    return sum(counted_chars(script.text[p.start:p.end]) for p in pieces)


def _sentence(script: Script, ei: int, pieces: list[Piece]) -> Sentence:
    text = ("".join(script.text[p.start:p.end] for p in pieces) if len(pieces) > 1
            else script.text[pieces[0].start:pieces[0].end]).strip()
    return Sentence(ei, tuple(pieces), text, len(pieces) - 1)


def _line_pieces(norm: str, offset: int, start_s: float, end_s: float, ref: int) -> list[Piece]:
    """One line's sentence spans as pieces, timed by the counted characters before them."""
    cum = counted_prefix(norm)
    spans = _split(norm, cum)
    total = cum[-1] or 1
    duration = max(end_s - start_s, 0.0)
    out = []
    before = 0
    for a, b in spans:
        n = cum[b] - cum[a]
        t0 = start_s + duration * before / total
        t1 = start_s + duration * min(before + n, total) / total
        out.append(Piece(ref, offset + a, offset + b, round(t0, 3), round(t1, 3)))
        before += n
    return out
