"""Twists on the timeline: sentence scores -> twist events -> windows -> pacing, with ranges.

Input: a timed ``Script``, its ``Tokens``, the ``Lexicon`` twist categories and, when one is
installed, the learned ``TwistModel`` (``twists.v4``, see ``twist_model.py``). Output:
``TwistEvent``s, one ``TwistWindow`` per ``window_s`` seconds of each episode and an
``EpisodePacing`` per episode (plus a whole-script summary), each with a range.

With the model (``twists.v4``) the unit is the **sentence** (``sentences.py``: long ASR cues
cut, short OCR cues joined, times interpolated by character position). A sentence is a twist
when its calibrated probability reaches the model's ``threshold``: the count follows the
content, with no per-episode quota — a calm episode gets none, an episode of ten reveals about
ten. A line (a cue) holds at most one event, and events closer than ``merge_s`` merge. Each
event reports the line it lands on and the sentence's own time. The probabilities also give
honest figures: per episode and per window the expected number of twists (their sum) and, per
episode, a 90% range for the count (the Poisson-binomial distribution of the sentences).
An episode ends on a hook only when an event lands in its last two sentences and those
sentences leave something open (a question, a danger, a threat, an unfinished reveal).

Without a model, the line score is the lexicon rule (``twists.v1``):

* for each category, the strongest cue on the line (token-aligned); the line's cue score is the
  sum over categories, so a line that both reveals and slaps scores higher than either;
* context: ``!``/``?`` in the line (+``PUNCT_BONUS``); an action or transition line
  (what happens on screen: a slap, a collapse) gets ``ACTION_BONUS`` when it has a cue;
* position: the last ``HOOK_LINES`` lines of an episode are where the hook sits, so they
  get ``HOOK_BONUS`` added to the ``hook`` category when they carry any cue or end in ``?``/
  ``…`` — the episode-end cliffhanger is structural more than lexical.

Lines scoring at least the threshold are twists; events closer than ``merge_s`` seconds merge
into one (an exclamation cut in two subtitle cues is one twist). The event's category is the
one with the highest score on its strongest line; its range is the count itself.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .lexicon import CueHit, Lexicon, LinePlace, hits_by_line
from .model import Line, LineKind, Script
from .schema import TWIST_CATEGORIES, TWISTS_RULE_METHOD
from .segment import Tokens
from .sentences import Sentence
from .twist_model import SentenceFeatures, TwistModel, closed_endings

CATEGORIES = TWIST_CATEGORIES

METHOD = TWISTS_RULE_METHOD
THRESHOLD = 3.0
PUNCT_BONUS = 0.5
ACTION_BONUS = 0.5
HOOK_BONUS = 2.0
HOOK_LINES = 2
MERGE_S = 2.2  # a reaction lands ~2 s after its twist (was 1.5 s at 5 chars/s of dialogue)
HOOK_GATE = False
RANGE = 0.9  # the share of the count distribution the reported range holds
SCORED_KINDS = {LineKind.DIALOGUE, LineKind.VOICEOVER, LineKind.SUBTITLE, LineKind.ACTION,
                LineKind.PROSE, LineKind.TRANSITION}
#: the twists report's one line on what the detector can and cannot see
DETECTOR_SCOPE = (
    "Reads what is said and written (dialogue, captions, action lines, subtitles): reveals, "
    "reversals, slaps, betrayals, danger and open endings that the words carry. It cannot see "
    "what only the picture, the music or the acting shows, and on a script without timestamps "
    "the seconds are estimated from its length.")


@dataclass(slots=True)
class TwistEvent:
    episode: int
    line: int  # source line (the cue) where the twist lands
    time_s: float  # seconds into the episode (the sentence's own time inside its cue)
    series_time_s: float
    category: str
    score: float
    cues: list[str]
    text: str
    lines: list[int] = field(default_factory=list)  # every source line merged into it


@dataclass(frozen=True, slots=True)
class TwistWindow:
    episode: int
    index: int
    start_s: float
    end_s: float
    n_twists: int
    categories: str
    partial: bool  # the episode's last window is shorter than window_s
    expected: float = 0.0  # expected twists in the window (sum of sentence probabilities)
    p_twist: float = 0.0  # probability that the window holds at least one twist


@dataclass(frozen=True, slots=True)
class EpisodePacing:
    episode: int
    duration_s: float
    n_twists: int
    density: float  # twists per window_s seconds
    window_share: float  # share of windows holding at least one twist
    longest_gap_s: float  # longest stretch without a twist (from start, between, to end)
    first_twist_s: float | None
    ends_on_hook: bool
    per_minute: float = 0.0  # twists per minute
    expected: float = 0.0  # expected twists (sum of sentence probabilities)
    low: int = 0  # the 90% range of the count
    high: int = 0


@dataclass
class ScoredSentences:
    """The model's view of a script: every sentence, P(twist), its likeliest category and
    the lexicon cue words it holds."""

    sentences: list[Sentence]
    p: np.ndarray
    category: list[str]
    cues: list[list[str]]
    closed: np.ndarray  # at an episode's end with nothing left open (no hook there)

    def by_episode(self, n_episodes: int) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in range(n_episodes)]
        for i, s in enumerate(self.sentences):
            out[s.episode].append(i)
        return out


def _rule_scores(script: Script, lexicon: Lexicon, place: LinePlace,
                 by_line: dict[int, list[CueHit]]) -> dict[int, tuple[float, str]]:
    """The lexicon-only rule (``twists.v1``): cue sum, punctuation, action, episode end."""
    last_lines: set[int] = set()
    k = 0
    for ep in script.episodes:
        scored = [k + i for i, ln in enumerate(ep.lines) if ln.kind in SCORED_KINDS and ln.norm]
        last_lines.update(scored[-HOOK_LINES:])
        k += len(ep.lines)
    out: dict[int, tuple[float, str]] = {}
    for idx, (ei, si, li) in enumerate(place.refs):
        line = script.episodes[ei].scenes[si].lines[li]
        if line.kind not in SCORED_KINDS:
            continue
        best: dict[str, float] = defaultdict(float)
        for hit in by_line.get(idx, []):
            best[hit.group] = max(best[hit.group], hit.weight)
        score = sum(best.values())
        text = line.norm
        if best and ("!" in text or "?" in text):
            score += PUNCT_BONUS
        if best and line.kind in (LineKind.ACTION, LineKind.TRANSITION):
            score += ACTION_BONUS
        if idx in last_lines and (best or text.rstrip().endswith(("?", "...", "—", "…"))):
            best["hook"] += HOOK_BONUS
            score += HOOK_BONUS
        if score > 0:
            out[idx] = (score, max(best, key=lambda c: best[c]) if best else "hook")
    return out


def cue_hits(script: Script, tokens: Tokens, lexicon: Lexicon,
             place: LinePlace) -> dict[int, list[CueHit]]:
    """The twist cue hits of a script, by line (index into ``place.refs``)."""
    return hits_by_line(script, lexicon.twist_matcher.find(script.text, tokens.boundaries), place)


def line_scores(script: Script, tokens: Tokens, lexicon: Lexicon, *,
                place: LinePlace | None = None,
                hits: dict[int, list[CueHit]] | None = None) -> dict[int, tuple[float, str]]:
    """The lexicon rule's (score, category) per line (index into ``place.refs``).
    ``hits``: the twist cue hits by line, when the caller has them already."""
    place = place or LinePlace.of(script)
    if hits is None:
        hits = cue_hits(script, tokens, lexicon, place)
    return _rule_scores(script, lexicon, place, hits)


def score_sentences(script: Script, tokens: Tokens, lexicon: Lexicon, model: TwistModel,
                    place: LinePlace | None = None,
                    hits: dict[int, list[CueHit]] | None = None) -> ScoredSentences:
    """Every sentence of the script with the model's P(twist) and likeliest category."""
    place = place or LinePlace.of(script)
    feats = model.features(script, tokens, lexicon, place, hits)
    return scored_from(feats, *model.predict_twists(feats.dense, feats.grams))


def scored_from(feats: SentenceFeatures, p: np.ndarray, cat: np.ndarray) -> ScoredSentences:
    """``ScoredSentences`` from the model's two outputs (cross-validation predicts itself)."""
    best = np.argmax(cat, axis=1).tolist() if len(feats.sentences) else []
    return ScoredSentences(feats.sentences, np.asarray(p, dtype=np.float64),
                           [CATEGORIES[c] for c in best], feats.cues,
                           closed_endings(feats.dense))


def detect_twists(script: Script, tokens: Tokens, lexicon: Lexicon, *,
                  model: TwistModel | None = None, threshold: float | None = None,
                  merge_s: float = MERGE_S, place: LinePlace | None = None,
                  scored: ScoredSentences | None = None) -> list[TwistEvent]:
    """Twist events, decided one of two ways.

    * With the model (or ``scored`` sentences, which cross-validation brings): sentences whose
      P(twist) reaches ``threshold`` (default the model's), at most one per line, merged when
      closer than ``merge_s`` seconds (``twists.v4``).
    * Otherwise lines whose rule score reaches ``threshold`` (``THRESHOLD``), merged the same
      way (``twists.v1``).
    """
    place = place or LinePlace.of(script)
    if scored is None and model is not None:
        scored = score_sentences(script, tokens, lexicon, model, place)
    if scored is not None:
        thr = threshold if threshold is not None else (
            model.threshold if model is not None else 0.5)
        return _sentence_events(script, place, scored, thr, merge_s)
    hits = cue_hits(script, tokens, lexicon, place)
    scores = _rule_scores(script, lexicon, place, hits)
    threshold = THRESHOLD if threshold is None else threshold
    events: list[TwistEvent] = []
    prev_ei = -1  # the episode (index) of events[-1]: numbers can repeat, 第1集 written twice
    anchor = 0.0  # when events[-1]'s first line starts: merging never chains past merge_s
    for idx in sorted(scores):
        score, category = scores[idx]
        if score < threshold:
            continue
        event = _event(script, place, idx, score, category, hits)
        ei = place.refs[idx][0]
        prev = events[-1] if events else None
        if prev and prev_ei == ei and event.time_s - anchor < merge_s:
            _absorb(prev, event)
            continue
        events.append(event)
        prev_ei, anchor = ei, event.time_s
    return events


def _absorb(into: TwistEvent, other: TwistEvent) -> None:
    """Merge ``other`` into the event before it: the stronger one names and places the twist."""
    into.lines.extend(x for x in other.lines if x not in into.lines)
    into.cues.extend(c for c in other.cues if c not in into.cues)
    if other.score > into.score:
        into.score, into.category, into.text = other.score, other.category, other.text
        into.line, into.time_s, into.series_time_s = other.line, other.time_s, other.series_time_s


def _event(script: Script, place: LinePlace, idx: int, score: float, category: str,
           hits: dict[int, list[CueHit]]) -> TwistEvent:
    """The twist event of one line (index into ``place.refs``)."""
    ei, si, li = place.refs[idx]
    ep = script.episodes[ei]
    line = ep.scenes[si].lines[li]
    return TwistEvent(ep.number, line.source_line, line.start_s,
                      round(ep.start_s + line.start_s, 3), category, round(score, 3),
                      list(dict.fromkeys(h.cue for h in hits.get(idx, []))), line.text,
                      [line.source_line])


def _source_line(script: Script, place: LinePlace, ref: int) -> int:
    ei, si, li = place.refs[ref]
    return script.episodes[ei].scenes[si].lines[li].source_line


def _sentence_events(script: Script, place: LinePlace, scored: ScoredSentences,
                     threshold: float, merge_s: float) -> list[TwistEvent]:
    """Sentences at or above ``threshold``: the best one per line, merged ``merge_s`` apart."""
    best: dict[int, int] = {}  # landing line -> its likeliest sentence
    for i in np.flatnonzero(scored.p >= threshold).tolist():
        if HOOK_GATE and scored.closed[i] and scored.category[i] == "hook":
            continue  # an ending that leaves nothing open is no cliffhanger
        ref = scored.sentences[i].landing.ref
        if ref not in best or scored.p[i] > scored.p[best[ref]]:
            best[ref] = i
    events: list[TwistEvent] = []
    prev_ei = -1
    anchor = 0.0  # as in the rule: merged within merge_s of the event's first sentence
    for i in sorted(best.values(), key=lambda i: (scored.sentences[i].episode,
                                                  scored.sentences[i].landing.start_s, i)):
        s = scored.sentences[i]
        ep = script.episodes[s.episode]
        t = s.landing.start_s
        lines = list(dict.fromkeys(_source_line(script, place, p.ref) for p in s.pieces))
        event = TwistEvent(ep.number, _source_line(script, place, s.landing.ref), t,
                           round(ep.start_s + t, 3), scored.category[i],
                           round(float(scored.p[i]), 3), list(scored.cues[i]), s.text, lines)
        prev = events[-1] if events else None
        if prev and prev_ei == s.episode and t - anchor < merge_s:
            _absorb(prev, event)
            continue
        events.append(event)
        prev_ei, anchor = s.episode, t
    return events


def count_range(p: Sequence[float], level: float = RANGE) -> tuple[int, int]:
    """The central ``level`` range of the number of twists among sentences with these
    probabilities (Poisson-binomial: exact up to 400 sentences, else normal)."""
    return _count_ranges([p], level)[0]


def _count_ranges(groups: Sequence[Sequence[float]], level: float = RANGE
                 ) -> list[tuple[int, int]]:
    """``count_range`` of each group of probabilities (an episode's sentences), the exact
    distributions built together, one step for all: each number the same as built alone."""
    tail = (1.0 - level) / 2
    out: list[tuple[int, int]] = [(0, 0)] * len(groups)
    exact: list[tuple[int, np.ndarray]] = []
    for g, p in enumerate(groups):
        probs = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
        if len(probs) > 400:
            mean, sd = probs.sum(), math.sqrt(float((probs * (1 - probs)).sum()))
            z = 1.6449 if abs(level - 0.9) < 1e-9 else 1.96
            out[g] = max(0, math.floor(mean - z * sd + 0.5)), math.floor(mean + z * sd + 0.5)
        elif len(probs):
            exact.append((g, probs))
    if not exact:
        return out
    exact.sort(key=lambda gp: -len(gp[1]))
    sizes = [len(probs) for _, probs in exact]
    q, dist = np.zeros((len(exact), sizes[0])), np.zeros((len(exact), sizes[0] + 1))
    for row, (_, probs) in enumerate(exact):
        q[row, :len(probs)] = probs
    dist[:, 0] = 1.0
    m = len(exact)
    for k in range(1, sizes[0] + 1):
        while sizes[m - 1] < k:  # the groups this short are complete
            m -= 1
        qk = q[:m, k - 1:k]
        dist[:m, 1:k + 1] = dist[:m, 1:k + 1] * (1 - qk) + dist[:m, :k] * qk
        dist[:m, 0] *= 1 - q[:m, k - 1]
    cdf = np.cumsum(dist, axis=1)
    for row, (g, probs) in enumerate(exact):
        c = cdf[row, :len(probs) + 1]
        out[g] = int(np.searchsorted(c, tail - 1e-12)), int(np.searchsorted(c, 1 - tail - 1e-12))
    return out


def _events_by_episode(script: Script, events: list[TwistEvent]) -> list[list[TwistEvent]]:
    """Events per episode, aligned with ``script.episodes``.

    Episode numbers can repeat (a writer's 第1集 twice): then, among the episodes with the
    event's number, the one whose start puts the event at its series time gets it.
    """
    out: list[list[TwistEvent]] = [[] for _ in script.episodes]
    by_number: dict[int, list[int]] = defaultdict(list)
    for k, ep in enumerate(script.episodes):
        by_number[ep.number].append(k)
    for ev in events:
        ks = by_number.get(ev.episode, [])
        if ks:
            k = min(ks, key=lambda k: abs(script.episodes[k].start_s + ev.time_s
                                          - ev.series_time_s))
            out[k].append(ev)
    return out


def _windows_by_episode(script: Script, windows: list[TwistWindow]) -> list[list[TwistWindow]]:
    """Windows per episode, aligned with ``script.episodes``; with repeated episode numbers,
    by position (``twist_windows`` lists each episode's windows in turn from index 0)."""
    numbers = [ep.number for ep in script.episodes]
    if len(set(numbers)) == len(numbers):
        by_number: dict[int, list[TwistWindow]] = {n: [] for n in numbers}
        for w in windows:
            if w.episode in by_number:
                by_number[w.episode].append(w)
        return list(by_number.values())
    runs: list[list[TwistWindow]] = []
    for w in windows:
        if w.index == 0 or not runs:
            runs.append([])
        runs[-1].append(w)
    return (runs + [[] for _ in numbers])[:len(numbers)]


def twist_windows(script: Script, events: list[TwistEvent], window_s: float = 15.0, *,
                  scored: ScoredSentences | None = None) -> list[TwistWindow]:
    """Tile each episode with ``window_s``-second windows and count the twists in each; with
    ``scored`` sentences, also the expected count and the chance of at least one twist."""
    out = []
    sent_rows = (scored.by_episode(len(script.episodes)) if scored is not None
                 else [[] for _ in script.episodes])
    landed = np.array([s.landing.start_s for s in scored.sentences]
                      if scored is not None else [])
    for k, (ep, evs) in enumerate(zip(script.episodes, _events_by_episode(script, events),
                                      strict=True)):
        n = max(1, math.ceil(ep.duration_s / window_s - 1e-9))
        times = probs = np.zeros(0)
        if scored is not None and sent_rows[k]:
            times, probs = landed[sent_rows[k]], scored.p[sent_rows[k]]
        slot = np.minimum((times // window_s).astype(int), n - 1) if len(times) else times
        order = np.argsort(slot, kind="stable")  # by window, in sentence order (as slot == i)
        ranked = probs[order] if len(probs) else probs
        lows, highs = (np.searchsorted(slot[order], np.arange(n), side).tolist()
                       for side in ("left", "right"))
        for i in range(n):
            start = i * window_s
            end = max(start, min((i + 1) * window_s, ep.duration_s))
            inside = [ev for ev in evs
                      if start <= ev.time_s < (i + 1) * window_s or (i == n - 1 and ev.time_s >= start)]
            if scored is not None:
                mine = ranked[lows[i]:highs[i]]
                expected, p_any = float(mine.sum()), float(1.0 - (1.0 - mine).prod())
            else:
                expected, p_any = float(len(inside)), float(bool(inside))
            out.append(TwistWindow(ep.number, i, round(start, 3), round(end, 3), len(inside),
                                   ";".join(sorted({ev.category for ev in inside})),
                                   partial=end - start < window_s - 1e-9,
                                   expected=round(expected, 3), p_twist=round(p_any, 3)))
    return out


def _ends_on_hook(lines: list[Line], first: list[int], evs: list[TwistEvent],
                  scored: ScoredSentences | None, rows: list[int]) -> bool:
    """An event in the last two sentences (lines, for the rule); with the model that event
    must also be likely enough to stand (it already is) and sit on an open ending: a
    hook-category event, or one whose tail sentences are a question or a threat. ``lines``:
    the episode's; ``first``: the first ``Piece.ref`` of each episode."""
    if scored is None:
        tail = sorted({ln.source_line for ln in lines if ln.kind in SCORED_KINDS
                       and ln.norm})[-HOOK_LINES:]
        return any(set(e.lines) & set(tail) for e in evs)
    tail_rows = rows[-HOOK_LINES:]
    tail_lines = {lines[p.ref - first[scored.sentences[i].episode]].source_line
                  for i in tail_rows for p in scored.sentences[i].pieces}
    return any(e.line in tail_lines and (e.category == "hook" or _open(scored.sentences[
        tail_rows[-1]].text)) for e in evs)


def _open(text: str) -> bool:
    """A question, an ellipsis or a dash left at the very end: something is open."""
    t = text.rstrip()
    return t.endswith(("?", "...", "…", "—", "吗", "呢", "谁")) or "到底" in t


def episode_pacing(script: Script, events: list[TwistEvent], windows: list[TwistWindow],
                   window_s: float = 15.0, *,
                   scored: ScoredSentences | None = None) -> list[EpisodePacing]:
    out = []
    sent_rows = (scored.by_episode(len(script.episodes)) if scored is not None
                 else [[] for _ in script.episodes])
    probs = [scored.p[rows] if scored is not None and rows else np.zeros(0) for rows in sent_rows]
    ranges = _count_ranges(probs)
    first = [0, *itertools.accumulate(len(ep.lines) for ep in script.episodes)]
    for k, (ep, evs, wins) in enumerate(zip(script.episodes, _events_by_episode(script, events),
                                            _windows_by_episode(script, windows), strict=True)):
        times = [0.0, *sorted(e.time_s for e in evs), ep.duration_s]
        gap = max(b - a for a, b in itertools.pairwise(times)) if times else 0.0
        dur = max(ep.duration_s, 1e-9)
        if scored is not None:
            expected, (low, high) = float(probs[k].sum()), ranges[k]
        else:
            expected, low, high = float(len(evs)), len(evs), len(evs)
        out.append(EpisodePacing(
            episode=ep.number, duration_s=round(ep.duration_s, 2), n_twists=len(evs),
            density=round(len(evs) / dur * window_s, 3),
            window_share=round(sum(1 for w in wins if w.n_twists) / max(len(wins), 1), 3),
            longest_gap_s=round(gap, 2),
            first_twist_s=round(min(e.time_s for e in evs), 2) if evs else None,
            ends_on_hook=_ends_on_hook(ep.lines, first, evs, scored, sent_rows[k]),
            per_minute=round(len(evs) / dur * 60, 3), expected=round(expected, 2),
            low=low, high=high,
        ))
    return out


def pacing_summary(pacing: list[EpisodePacing], windows: list[TwistWindow],
                   window_s: float = 15.0) -> dict[str, float | int | None]:
    """Whole-script pacing: the numbers a writer compares with "a twist every 15 s"."""
    total = sum(p.duration_s for p in pacing)
    n = sum(p.n_twists for p in pacing)
    firsts = [p.first_twist_s for p in pacing if p.first_twist_s is not None]
    return {
        "window_s": window_s,
        "duration_s": round(total, 2),
        "n_twists": n,
        "density": round(n / total * window_s, 3) if total else 0.0,
        "per_minute": round(n / total * 60, 3) if total else 0.0,
        "expected": round(sum(p.expected for p in pacing), 2),
        "low": sum(p.low for p in pacing),
        "high": sum(p.high for p in pacing),
        "seconds_per_twist": round(total / n, 2) if n else None,
        "window_share": round(sum(1 for w in windows if w.n_twists) / max(len(windows), 1), 3),
        "longest_gap_s": max((p.longest_gap_s for p in pacing), default=0.0),
        "mean_first_twist_s": round(sum(firsts) / len(firsts), 2) if firsts else None,
        "hook_share": round(sum(p.ends_on_hook for p in pacing) / max(len(pacing), 1), 3),
    }


def twist_timeline(script: Script, tokens: Tokens, lexicon: Lexicon, *,
                   model: TwistModel | None = None, threshold: float | None = None,
                   window_s: float = 15.0, place: LinePlace | None = None,
                   ) -> tuple[list[TwistEvent], list[TwistWindow], list[EpisodePacing],
                              dict[str, float | int | None]]:
    """The whole twist stage: events, windows, per-episode pacing and the summary."""
    place = place or LinePlace.of(script)
    scored = score_sentences(script, tokens, lexicon, model, place) if model is not None else None
    events = detect_twists(script, tokens, lexicon, model=model, threshold=threshold,
                           place=place, scored=scored)
    windows = twist_windows(script, events, window_s, scored=scored)
    episodes = episode_pacing(script, events, windows, window_s, scored=scored)
    return events, windows, episodes, pacing_summary(episodes, windows, window_s)
