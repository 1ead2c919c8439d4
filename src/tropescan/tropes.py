"""Trope tagging: lexicon cue hits on tokens, judged where they concentrate, with evidence;
the classifier may only settle the borderline cases.

Input: a ``Script``, its ``Tokens``, a ``Lexicon`` and optionally a function giving the
classifier's probabilities for a stretch of the script. Output: one ``TropeScore`` per trope
and the ``TropeEvidence`` behind it.

The rule (``combined.v2``), documented here and printed with results:

* A cue hit counts only on token boundaries (a situation pattern's hit, the words it matched
  within one line, only starts on one), and not where ``cancelled`` says the words around
  it make it an ordinary use (a negative context on the line for weak cues, next to the cue for
  any cue, or a cue inside a 《title》 other than the script's own title line). A scene heading
  is never evidence. The front matter (title, cast, 故事梗概) is read as well: a judge's
  submission opens with its synopsis.
* Evidence is judged in **blocks**: the front matter, and every run of ``BLOCK_EPISODES``
  consecutive episodes (the whole script when it is shorter). A premise set up in episodes 1–3
  of an 80-episode series counts as fully as in a 3-episode draft, and a 100-character
  synopsis is one block. Adding episodes only adds blocks, so it never removes a trope whose
  evidence is still there. An "episode" over ``LONG_EPISODE_KCHARS`` (a transcript exported on
  one running clock, a draft without episode marks) is blocked as parts of ``PART_KCHARS``.
* In a block, ``raw = Σ over distinct cues of weight × (1 + ln(occurrences))``;
  ``density = raw / max(counted characters / 1000, 1)``;
  ``lexicon_score = 1 − exp(−density / scale)`` with ``scale = LEXICON_SCALE`` for a block of
  up to ``SYNOPSIS_KCHARS`` (a synopsis), ``SCRIPT_SCALE`` from ``SCRIPT_KCHARS`` on (episodes
  mention many tropes in passing; a premise is dense) and linear in between; a block of speech
  alone (a subtitle export) reaches the script scale only at ``SPOKEN_KCHARS``; halved unless
  the block has a strong cue (weight ≥ 2) or ``MIN_DISTINCT`` different cues of weight ≥ 1. A
  block over ``TWO_CUES_KCHARS`` needs at least two different cues, and so does a script's
  front matter unless its one cue names the trope (``SIGNATURE_CUE``: its title
  《重生之凤归》): a cast list gives each character a few words, and one word there (医术 of
  the court physician, 镇北侯 of a consort's father) is an attribute, not the premise.
* The **classifier cannot tag on its own**: a block scoring ``≥ PRESENT_THRESHOLD`` holds the
  trope whatever the classifier says, and one under ``BAND_LOW`` never does. Only in between
  does the classifier's (calibrated) probability for that block move the score, by at most
  the band's width: ``score = lexicon_score + (PRESENT_THRESHOLD − BAND_LOW) × (2p − 1)``.
* A trope's score is its best block's; it is **present** when that reaches
  ``PRESENT_THRESHOLD``. ``established`` says where: the episodes of the first block that
  holds it (``0`` is the front matter).

The constants were chosen on the development set (``tropescan evaluate --tropes --set dev``)
and are measured on the independent challenge set (``--set challenge``).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .lexicon import CueHit, Lexicon, LinePlace, Trope, hits_by_line
from .model import Line, LineKind, Script
from .normalize import counted_prefix
from .schema import PRESENT_THRESHOLD, TROPES_METHOD
from .segment import Tokens

METHOD = TROPES_METHOD
LEXICON_SCALE = 2.0
# Episodes hold the words of many tropes in passing; a premise shows as dense evidence. Blocks
# of script length are scaled five times harder (chosen on the development set).
SCRIPT_SCALE = 10.0
# The scale rises linearly from LEXICON_SCALE at SYNOPSIS_KCHARS to SCRIPT_SCALE at
# SCRIPT_KCHARS thousand counted characters, for speech alone (a subtitle export, no stage
# text) at SPOKEN_KCHARS. It used to jump at 1,000: three episodes of a transcript (0.7k-1.7k
# characters of speech) were judged like a synopsis just under it and like a script just over
# it. Chosen on the development set: 1.8 when it held 10 subtitle exports (their micro-F1,
# lexicon only, 0.64 -> 0.70); 1.2 once it held 18, whose eight newest were read cold with 12
# false tags at 1.8 (lexicon only 0.683 -> 0.711 over the 18, with the classifier 0.750 -> 0.790;
# scripts unchanged; sample grouped-CV macro-F1 0.894 -> 0.891).
SYNOPSIS_KCHARS = 0.6
SCRIPT_KCHARS = 1.0
SPOKEN_KCHARS = 1.2
# A block is speech when at least this share of its counted characters is subtitle lines.
SPOKEN_SHARE = 0.9
# Longer than a synopsis, a block needs two different cues (one word repeated is no premise).
TWO_CUES_KCHARS = 1.0
# An "episode" this long is no episode but a text without episode marks (an export of many
# episodes on one running clock, a draft without headings): it is cut, on line boundaries,
# into parts of about PART_KCHARS that are blocked like episodes.
LONG_EPISODE_KCHARS = 4.0
PART_KCHARS = 0.6
MIN_DISTINCT = 3
STRONG_CUE = 2.0
# A cue that names the trope or its defining situation (重生, 入赘, 掉马): alone, it is enough
# in a script's front matter (a title 《重生之…》), where a weaker one is an attribute.
SIGNATURE_CUE = 3.0
BAND_LOW = 0.1
BLOCK_EPISODES = 3
NEAR_CHARS = 10
#: a front-matter line that is the script's title and nothing else
TITLE_LINE = re.compile(r"(?:(?:剧本名|剧名|片名|标题|作品名|名称)\s*[:：]\s*)?《[^《》]+》")
FRONT_MATTER = 0  # the episode number of front-matter evidence
# A synopsis or review that says what the story is not (没有霸总也没有反转, 没有宅斗没有虐):
# a cue right after a negator is no evidence there. Only in prose and front matter; in a
# scene, 我没有退婚 is said inside the very story.
NEGATED = re.compile(r"(?:没有|没|无|不是|并非|毫无)$")


@dataclass(frozen=True, slots=True)
class TropeEvidence:
    trope: str
    cue: str
    weight: float
    episode: int
    scene: int
    line: int  # source line number in the file
    time_s: float  # seconds into the episode
    text: str  # the line as written


@dataclass(frozen=True, slots=True)
class TropeScore:
    trope: str
    name_zh: str
    name_en: str
    lexicon_score: float
    classifier_prob: float | None
    score: float
    present: bool
    evidence_count: int
    distinct_cues: int
    established: str = ""  # the episodes of the first block that holds the trope: "1-3", "0"


@dataclass(frozen=True, slots=True)
class Block:
    """A stretch of a script judged on its own: episodes ``first``..``last`` (0: the front
    matter), ``kchars`` thousand counted characters, text offsets ``[start, end)``; ``lines``
    bounds the source lines of a part of an overlong episode; ``spoken``: speech alone."""

    first: int
    last: int
    kchars: float
    start: int
    end: int
    lines: tuple[int, int] | None = None  # source lines, when the block cuts an episode
    spoken: bool = False  # speech alone: a subtitle export's episodes

    @property
    def label(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"



@functools.lru_cache(maxsize=256)
def _any_of(contexts: tuple[str, ...]) -> Callable[..., bool] | None:
    """``search(text, pos=0, endpos=None)``: does any of ``contexts`` occur in
    ``text[pos:endpos]``? One Aho-Corasick scan instead of one substring scan per context; a
    regex alternation of the same literals cost ~0.5 ms to compile per trope at every start
    (None when there are none)."""
    if not contexts:
        return None
    if "" in contexts:
        return lambda text, pos=0, endpos=None: True
    import ahocorasick_rs

    automaton = ahocorasick_rs.AhoCorasick(sorted(set(contexts)),
                                           matchkind=ahocorasick_rs.MATCHKIND_STANDARD)

    def search(text: str, pos: int = 0, endpos: int | None = None) -> bool:
        return bool(automaton.find_matches_as_indexes(text[pos:endpos]))

    return search


def rule_fingerprint() -> str:
    """The rule's method and constants (every upper-case number, string and pattern of this
    module, read rather than listed so a new one cannot be left out): part of the key of any
    cache of its results (the sample corpus's index), so a changed constant never serves tags
    judged by the old one."""
    consts = {name: value.pattern if isinstance(value, re.Pattern) else value
              for name, value in globals().items()
              if name.isupper() and isinstance(value, int | float | str | re.Pattern)}
    return repr(sorted(consts.items()))


def cancelled(text: str, start: int, end: int, weight: float, contexts: tuple[str, ...],
              *, described: bool = False) -> bool:
    """Is the cue at ``text[start:end]`` an ordinary use rather than trope evidence?

    * a weak cue (weight < ``STRONG_CUE``) with a negative context anywhere on its line
      (女婿 on a line about 拜年);
    * any cue with a negative context within ``NEAR_CHARS`` characters (穿越这片林子,
      让老品牌重生, 我以为自己穿越了: the words around a strong cue say it is not the trope);
    * any cue inside 《…》: the title of a film, book or exhibition, not the story's own trope
      (``front_evidence`` reads the script's own title line without its brackets);
    * with ``described`` (a line that describes the story: prose, front matter), a cue right
      after a negator (``NEGATED``: 没有霸总, 没有宅斗).

    >>> cancelled("咱们穿越这片林子", 2, 4, 3.0, ("林子",))
    True
    >>> cancelled("画展《重生》开幕", 3, 5, 3.0, ())
    True
    >>> cancelled("我重生了", 1, 3, 3.0, ("品牌",))
    False
    >>> cancelled("没有霸总也没有反转", 2, 4, 3.0, (), described=True)
    True
    """
    if described and NEGATED.search(text, max(0, start - 2), start):
        return True
    search = _any_of(contexts)
    if search is not None:
        if weight < STRONG_CUE and search(text):
            return True
        if search(text, max(0, start - NEAR_CHARS), end + NEAR_CHARS):
            return True
    opened = text.rfind("《", 0, start)
    return opened != -1 and "》" not in text[opened:start] and "》" in text[end:]


def lexicon_evidence(script: Script, tokens: Tokens, lexicon: Lexicon,
                     place: LinePlace | None = None) -> list[TropeEvidence]:
    """Every valid trope cue hit in the episodes, with the line it sits on."""
    place = place or LinePlace.of(script)
    hits = lexicon.trope_matcher.find(script.text, tokens.boundaries)
    evidence: list[TropeEvidence] = []
    for idx, line_hits in sorted(hits_by_line(script, hits, place).items()):
        ei, si, li = place.refs[idx]
        episode = script.episodes[ei]
        line = episode.scenes[si].lines[li]
        if line.kind not in (LineKind.META, LineKind.HEADING):  # a place is not a premise
            evidence += _valid(line, line_hits, line.offset, lexicon, episode.number,
                               episode.scenes[si].number)
    return evidence


def front_text(script: Script) -> str:
    """The front matter's text (title, cast, synopsis) as one string, a line per line."""
    return "\n".join(ln.norm for ln in script.front_matter)


def front_evidence(script: Script, tokens: Tokens, lexicon: Lexicon) -> list[TropeEvidence]:
    """Trope cue hits in the front matter (episode 0); ``tokens`` are ``front_text``'s."""
    text = front_text(script)
    hits = lexicon.trope_matcher.find(text, tokens.boundaries)
    evidence: list[TropeEvidence] = []
    offset = 0
    starts = []
    for line in script.front_matter:
        starts.append(offset)
        offset += len(line.norm) + 1
    for line, start in zip(script.front_matter, starts, strict=True):
        end = start + len(line.norm)
        mine = [h for h in hits if start <= h.start < end]
        # the script's own title (《重生之凤归》) names its story, not another work: the 《…》
        # rule of ``cancelled`` is for titles quoted in the text
        own = (line.norm.replace("《", "「").replace("》", "」")
               if TITLE_LINE.fullmatch(line.norm) else None)
        evidence += _valid(line, mine, start, lexicon, FRONT_MATTER, 0, own)
    return evidence


def _valid(line: Line, hits: list[CueHit], offset: int, lexicon: Lexicon, episode: int,
           scene: int, norm: str | None = None) -> list[TropeEvidence]:
    """The hits that are evidence; ``norm``: the line as ``cancelled`` should read it."""
    text = line.norm if norm is None else norm
    described = line.kind in (LineKind.PROSE, LineKind.META)
    return [TropeEvidence(hit.group, hit.cue, hit.weight, episode, scene, line.source_line,
                          line.start_s, line.text)
            for hit in hits
            if not cancelled(text, hit.start - offset, hit.end - offset, hit.weight,
                             lexicon.tropes[hit.group].negative_contexts, described=described)]


Unit = tuple[int, int, int, int, int, int, int]


def _line_sizes(norms: list[str]) -> list[int]:
    """``[counted_chars(n) for n in norms]``, from one prefix count over all the text."""
    prefix = counted_prefix("".join(norms))
    ends = list(itertools.accumulate(map(len, norms), initial=0))
    return [prefix[b] - prefix[a] for a, b in itertools.pairwise(ends)]


def _units(script: Script) -> list[Unit]:
    """(episode number, start, end, counted characters, first and last source line, counted
    characters in subtitle lines) of every episode, an overlong episode cut into parts of
    about ``PART_KCHARS``."""
    episodes = [(ep.number, ep.lines) for ep in script.episodes]
    sizes = _line_sizes([ln.norm for _, lines in episodes for ln in lines])
    units: list[Unit] = []
    at = 0
    for number, lines in episodes:
        units += _episode_units(number, lines, sizes[at:at + len(lines)])
        at += len(lines)
    return units


def _episode_units(number: int, lines: list[Line], sizes: list[int]) -> list[Unit]:
    """The units of one episode whose lines have ``sizes`` counted characters."""
    if not lines:
        return [(number, 0, 0, 0, 0, 0, 0)]
    whole = sum(sizes) <= LONG_EPISODE_KCHARS * 1000
    units = []
    for part in [range(len(lines))] if whole else _parts(sizes):
        a, b = lines[part[0]], lines[part[-1]]
        said = sum(sizes[i] for i in part if lines[i].kind == LineKind.SUBTITLE)
        units.append((number, a.offset, b.offset + len(b.norm), sum(sizes[i] for i in part),
                      a.source_line, b.source_line, said))
    return units


def _parts(sizes: list[int]) -> list[range]:
    """Runs of consecutive lines, each closed once it holds ``PART_KCHARS`` thousand counted
    characters (the last one with what is left)."""
    parts, start, held = [], 0, 0
    for k, size in enumerate(sizes):
        held += size
        if k == len(sizes) - 1 or held >= PART_KCHARS * 1000:
            parts.append(range(start, k + 1))
            start, held = k + 1, 0
    return parts


def blocks_of(script: Script, front_chars: int = 0) -> list[Block]:
    """The front matter (when it has ``front_chars``), then every run of ``BLOCK_EPISODES``
    consecutive episodes (the whole script when it has fewer); an episode longer than
    ``LONG_EPISODE_KCHARS`` counts as its parts."""
    out = [Block(FRONT_MATTER, FRONT_MATTER, front_chars / 1000, -1, -1)] if front_chars else []
    units = _units(script)
    if not units:  # nothing but front matter
        return out
    cut = len(units) > len(script.episodes)
    width = min(BLOCK_EPISODES, len(units))
    for k in range(len(units) - width + 1):
        chunk = units[k:k + width]
        chars = sum(u[3] for u in chunk)
        out.append(Block(chunk[0][0], chunk[-1][0], chars / 1000, chunk[0][1], chunk[-1][2],
                         (chunk[0][4], chunk[-1][5]) if cut else None,
                         spoken=chars > 0 and sum(u[6] for u in chunk) >= SPOKEN_SHARE * chars))
    return out


def block_speakers(script: Script, blocks: Sequence[Block]) -> list[set[str]]:
    """The speakers of each block's own episodes."""
    said: dict[int, set[str]] = defaultdict(set)
    for ep in script.episodes:
        said[ep.number].update(ln.speaker for ln in ep.lines if ln.speaker)
    numbers = sorted(said)
    return [set().union(*(said[n] for n in numbers[bisect_left(numbers, block.first):
                                                   bisect_right(numbers, block.last)]))
            for block in blocks]


def _scale(kchars: float, spoken: bool = False) -> float:
    """The lexicon scale of a block of ``kchars`` thousand counted characters."""
    top = SPOKEN_KCHARS if spoken else SCRIPT_KCHARS
    ramp = (kchars - SYNOPSIS_KCHARS) / (top - SYNOPSIS_KCHARS)
    return LEXICON_SCALE + (SCRIPT_SCALE - LEXICON_SCALE) * min(1.0, max(0.0, ramp))


def block_lexicon_score(evidence: list[TropeEvidence], kchars: float,
                        spoken: bool = False, front: bool = False) -> tuple[float, int]:
    """(lexicon_score, distinct cues of weight ≥ 1) of one trope's evidence in one block
    (``spoken``: a block of speech alone; ``front``: a script's front matter)."""
    counts: dict[str, int] = {}  # cues in order of first occurrence: the order of the sum
    weights: dict[str, float] = {}
    for ev in evidence:
        cue = ev.cue
        counts[cue] = counts.get(cue, 0) + 1
        weights[cue] = ev.weight
    raw = sum([weights[c] * (1 + math.log(n)) for c, n in counts.items()])
    score = 1 - math.exp(-(raw / max(kchars, 1.0)) / _scale(kchars, spoken))
    distinct = sum([w >= 1 for w in weights.values()])
    if len(counts) < 2 and (kchars > TWO_CUES_KCHARS
                            or (front and max(weights.values()) < SIGNATURE_CUE)):
        # Longer than a synopsis, one word repeated is not a premise (照片, 真迹, 北境):
        # a reader accepts a trope in a script from at least two different cues. Nor is one
        # word of a cast list (医术 of the court physician).
        return 0.0, distinct
    if distinct < MIN_DISTINCT and not any([w >= STRONG_CUE for w in weights.values()]):
        score *= 0.5
    return score, distinct


def combine(lexicon_score: float, classifier_prob: float | None) -> float:
    """A block's score: its lexicon score, moved by the classifier only inside the band."""
    if (classifier_prob is None or math.isnan(classifier_prob)
            or not BAND_LOW <= lexicon_score < PRESENT_THRESHOLD):
        return lexicon_score
    return lexicon_score + (PRESENT_THRESHOLD - BAND_LOW) * (2 * classifier_prob - 1)


def _block_evidence(evs: list[TropeEvidence], blocks: list[Block], firsts: np.ndarray,
                    lasts: np.ndarray) -> Iterator[tuple[int, list[TropeEvidence]]]:
    """``(k, the evidence of blocks[k])`` for every block holding some of ``evs``, in order;
    ``firsts``/``lasts``: the blocks' episode bounds. The hits are searched by episode, not
    each tested against every block, and keep their order in ``evs`` (it sets the order of
    ``block_lexicon_score``'s sum)."""
    if not evs:
        return
    episodes = np.array([ev.episode for ev in evs], dtype=np.int64)
    order = np.argsort(episodes, kind="stable")
    ranked = episodes[order]
    lows = np.searchsorted(ranked, firsts, side="left")
    highs = np.searchsorted(ranked, lasts, side="right")
    for k in np.flatnonzero(highs > lows).tolist():
        mine = [evs[i] for i in sorted(order[lows[k]:highs[k]].tolist())]
        lines = blocks[k].lines
        if lines is not None:
            mine = [ev for ev in mine if lines[0] <= ev.line <= lines[1]]
        if mine:
            yield k, mine


def score_tropes(script: Script, evidence: list[TropeEvidence], lexicon: Lexicon,
                 classify: Callable[[list[Block]], list[dict[str, float]]] | None = None, *,
                 front_chars: int = 0) -> list[TropeScore]:
    """Scores for every trope in the lexicon, strongest first. ``classify(blocks)``: the
    classifier's probabilities for each block, asked once, for the blocks in the band only."""
    by_trope: dict[str, list[TropeEvidence]] = defaultdict(list)
    for ev in evidence:
        by_trope[ev.trope].append(ev)
    blocks = blocks_of(script, front_chars)
    firsts = np.array([b.first for b in blocks], dtype=np.int64)
    lasts = np.array([b.last for b in blocks], dtype=np.int64)
    judged = {tid: [(k, *block_lexicon_score(mine, blocks[k].kchars, blocks[k].spoken,
                                             blocks[k].first == FRONT_MATTER))
                    for k, mine in _block_evidence(by_trope.get(tid, []), blocks, firsts, lasts)]
              for tid in lexicon.tropes}
    band = sorted({k for rows in judged.values() for k, lscore, _ in rows
                   if BAND_LOW <= lscore < PRESENT_THRESHOLD})
    asked: dict[int, dict[str, float]] = {}
    if band and classify is not None:
        asked = dict(zip(band, classify([blocks[k] for k in band]), strict=True))
    out = [_trope_score(tid, trope, judged[tid], blocks, asked, len(by_trope.get(tid, [])))
           for tid, trope in lexicon.tropes.items()]
    out.sort(key=lambda s: -s.score)
    return out


def _trope_score(tid: str, trope: Trope, judged: list[tuple[int, float, int]],
                 blocks: list[Block], asked: dict[int, dict[str, float]],
                 evidence_count: int) -> TropeScore:
    """A trope's score from its blocks' lexicon scores ``judged`` and the classifier's
    probabilities ``asked`` of the blocks in the band."""
    # score, lexicon score, distinct cues, classifier probability
    best: tuple[float, float, int, float | None] = (0.0, 0.0, 0, None)
    first_present = None
    for k, lscore, distinct in judged:
        prob = (asked[k].get(tid) if k in asked and BAND_LOW <= lscore < PRESENT_THRESHOLD
                else None)
        score = combine(lscore, prob)
        if score >= PRESENT_THRESHOLD and first_present is None:
            first_present = blocks[k]
        if score > best[0]:
            best = (score, lscore, distinct, prob)
    score, lscore, distinct, prob = best
    return TropeScore(
        trope=tid, name_zh=trope.name_zh, name_en=trope.name_en,
        lexicon_score=round(lscore, 4),
        classifier_prob=None if prob is None else round(prob, 4),
        score=round(score, 4), present=first_present is not None,
        evidence_count=evidence_count, distinct_cues=distinct,
        established=first_present.label if first_present is not None else "")
