"""Trope tagging: lexicon cue hits on tokens, plus the classifier's probability, with evidence.

Input: a ``Script``, its ``Tokens``, a ``Lexicon`` and optionally classifier probabilities.
Output: one ``TropeScore`` per trope and the ``TropeEvidence`` behind it.

The rule (``lexicon.v1`` / ``combined.v1``), documented here and printed with results:

* A cue hit counts only on token boundaries, and not where ``cancelled`` says the words around
  it make it an ordinary use (a negative context on the line for weak cues, next to the cue for
  any cue, or a cue inside a 《title》).
* ``raw = Σ over distinct cues of weight × (1 + ln(occurrences))``: repeating one word has
  diminishing returns, several different cues add up.
* ``density = raw / (counted characters / 1000)`` and
  ``lexicon_score = 1 − exp(−density / LEXICON_SCALE)``; unless the script has a strong cue
  (weight ≥ 2) or ``MIN_DISTINCT`` different cues of weight ≥ 1, the score is halved: a few
  weak words do not make a trope.
* ``score = LEXICON_WEIGHT × lexicon_score + (1 − LEXICON_WEIGHT) × classifier_prob`` when the
  classifier knows the trope; a trope is **present** when ``score ≥ PRESENT_THRESHOLD`` and it
  has evidence. A trope the classifier does not know (a user lexicon) is scored by
  ``lexicon_score`` alone against ``LEXICON_ONLY_THRESHOLD``.

The constants were chosen by grouped cross-validation on the sample corpus (``tropescan
evaluate``); the classifier's probabilities run low (few positive examples per trope), which is
why the combined threshold sits below 0.5.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from .lexicon import Lexicon, LinePlace, hits_by_line
from .model import LineKind, Script
from .normalize import counted_chars
from .schema import TROPES_METHOD
from .segment import Tokens

METHOD = TROPES_METHOD
LEXICON_SCALE = 2.0
MIN_DISTINCT = 3
STRONG_CUE = 2.0
LEXICON_WEIGHT = 0.3
PRESENT_THRESHOLD = 0.3
LEXICON_ONLY_THRESHOLD = 0.5
NEAR_CHARS = 10


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



def cancelled(text: str, start: int, end: int, weight: float, contexts: tuple[str, ...]) -> bool:
    """Is the cue at ``text[start:end]`` an ordinary use rather than trope evidence?

    * a weak cue (weight < ``STRONG_CUE``) with a negative context anywhere on its line
      (女婿 on a line about 拜年);
    * any cue with a negative context within ``NEAR_CHARS`` characters (穿越这片林子,
      让老品牌重生, 我以为自己穿越了: the words around a strong cue say it is not the trope);
    * any cue inside 《…》: the title of a film, book or exhibition, not the story's own trope.

    >>> cancelled("咱们穿越这片林子", 2, 4, 3.0, ("林子",))
    True
    >>> cancelled("画展《重生》开幕", 3, 5, 3.0, ())
    True
    >>> cancelled("我重生了", 1, 3, 3.0, ("品牌",))
    False
    """
    if weight < STRONG_CUE and any(c in text for c in contexts):
        return True
    window = text[max(0, start - NEAR_CHARS):end + NEAR_CHARS]
    if any(c in window for c in contexts):
        return True
    opened = text.rfind("《", 0, start)
    return opened != -1 and "》" not in text[opened:start] and "》" in text[end:]


def lexicon_evidence(script: Script, tokens: Tokens, lexicon: Lexicon,
                     place: LinePlace | None = None) -> list[TropeEvidence]:
    """Every valid trope cue hit, with the line it sits on."""
    place = place or LinePlace.of(script)
    hits = lexicon.trope_matcher.find(script.text, tokens.boundaries)
    evidence: list[TropeEvidence] = []
    for idx, line_hits in sorted(hits_by_line(script, hits, place).items()):
        ei, si, li = place.refs[idx]
        episode = script.episodes[ei]
        scene = episode.scenes[si]
        line = scene.lines[li]
        if line.kind == LineKind.META:
            continue
        for hit in line_hits:
            if cancelled(line.norm, hit.start - line.offset, hit.end - line.offset, hit.weight,
                         lexicon.tropes[hit.group].negative_contexts):
                continue
            evidence.append(TropeEvidence(hit.group, hit.cue, hit.weight, episode.number,
                                          scene.number, line.source_line, line.start_s, line.text))
    return evidence


def lexicon_scores(script: Script, evidence: list[TropeEvidence], lexicon: Lexicon) -> dict[str, tuple[float, int]]:
    """Per trope: (lexicon_score, distinct strong cues)."""
    kilochars = max(counted_chars(script.text) / 1000.0, 1.0)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    weights: dict[tuple[str, str], float] = {}
    for ev in evidence:
        counts[ev.trope][ev.cue] += 1
        weights[(ev.trope, ev.cue)] = ev.weight
    out: dict[str, tuple[float, int]] = {}
    for tid in lexicon.tropes:
        cues = counts.get(tid, {})
        raw = sum(weights[(tid, c)] * (1 + math.log(n)) for c, n in cues.items())
        score = 1 - math.exp(-(raw / kilochars) / LEXICON_SCALE)
        distinct = sum(1 for c in cues if weights[(tid, c)] >= 1)
        strong = any(weights[(tid, c)] >= STRONG_CUE for c in cues)
        if not strong and distinct < MIN_DISTINCT:
            score *= 0.5
        out[tid] = (score, distinct)
    return out


def combine(lexicon_score: float, classifier_prob: float | None) -> tuple[float, float]:
    """The combined score and the threshold it is compared with."""
    if classifier_prob is None or math.isnan(classifier_prob):
        return lexicon_score, LEXICON_ONLY_THRESHOLD
    return (LEXICON_WEIGHT * lexicon_score + (1 - LEXICON_WEIGHT) * classifier_prob,
            PRESENT_THRESHOLD)


def score_tropes(script: Script, evidence: list[TropeEvidence], lexicon: Lexicon,
                 classifier_probs: dict[str, float] | None = None) -> list[TropeScore]:
    """Scores for every trope in the lexicon, strongest first."""
    lex = lexicon_scores(script, evidence, lexicon)
    n_evidence: dict[str, int] = defaultdict(int)
    for ev in evidence:
        n_evidence[ev.trope] += 1
    out = []
    for tid, trope in lexicon.tropes.items():
        lscore, distinct = lex[tid]
        prob = (classifier_probs or {}).get(tid)
        score, threshold = combine(lscore, prob)
        out.append(TropeScore(
            trope=tid, name_zh=trope.name_zh, name_en=trope.name_en,
            lexicon_score=round(lscore, 4),
            classifier_prob=None if prob is None else round(prob, 4),
            score=round(score, 4),
            present=score >= threshold and n_evidence[tid] > 0,
            evidence_count=n_evidence[tid], distinct_cues=distinct,
        ))
    out.sort(key=lambda s: -s.score)
    return out
