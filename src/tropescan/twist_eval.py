"""Twist detection measured on the timed episodes of a labelled set, beside simple baselines;
and the labelled sentences the twist model trains on.

Input: a set folder's subtitle exports (``manifest.csv`` rows of kind ``subtitles``) and its
gold twists (``labels/twists.csv``: series, episode, cue, start seconds, category); the challenge
set's annotators' own labels (``labels/annotator_*_twists.csv``) for their agreement. Output:
for the model and three baselines — every line, a cue-word regex, position only (the last line
of every episode) — precision, recall and F1 with a detection counted within ``TOLERANCE_S``
of a gold twist and within one line of it, and the rank correlation across episodes of the
detected and the labelled twists per minute.

Labels mark cues. A detection is scored at the start of the cue (line) it lands on, as the
baselines are: a twist found in the third sentence of a 10-second ASR segment is a hit on
that segment, while its own time (``TwistEvent.time_s``) says where in the segment it is.

``LabelledScript`` and ``labelled_script`` turn line labels (a script's, or a timed set's cues)
into sentence targets for training: a labelled line's twist goes to the one sentence of that
line with the most twist evidence (cues and signals; the last one on a tie), the line's other
sentences are left out of training rather than called ordinary.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .api import Analyzer
from .lexicon import LinePlace
from .model import Script
from .segment import Tokens
from .trope_eval import load_set, set_dir
from .twist_model import DENSE, SentenceFeatures, sentence_features
from .twist_signals import load_signals
from .util import rates

TOLERANCE_S = 2.0
#: the baseline regex: a dozen cue words any reader of the genre would try first
CUE_RE = re.compile(r"原来|竟然|居然|其实|没想到|怎么可能|跪下|啪|救命|不好了|你到底是谁|是你")
SKIP = "skip"  # a sentence left out of training (it shares a labelled line with the twist)
_EVIDENCE = [DENSE.index(c) for c in ("cue_total", "sig_reveal", "sig_contradict", "sig_danger",
                                      "sig_violence", "sig_threat", "sig_open", "sig_intro")]

Detections = dict[int, list[tuple[float, int]]]  # episode -> (seconds into it, line index)


@dataclass
class LabelledScript:
    """One labelled script, ready to train on or to score: its sentence features, one target
    list per annotator ('none', a category or ``SKIP`` per sentence), the gold twist lines."""

    id: str
    group: str  # cross-validation group: a sample script's family, a timed set's series
    script: Script
    tokens: Tokens
    place: LinePlace
    feats: SentenceFeatures
    targets: list[list[str]]
    labels: dict[int, str]  # source line -> gold category
    weight: float = 1.0  # of each target list, in training
    timed: bool = False

    def episode_of(self) -> dict[int, int]:
        """Source line -> episode number."""
        return {ln.source_line: ep.number for ep in self.script.episodes for ln in ep.lines}


def sentence_targets(script: Script, place: LinePlace, feats: SentenceFeatures,
                     marks: dict[int, str]) -> list[str]:
    """Line labels (source line -> category) as one target per sentence (see the module)."""
    evidence = feats.dense[:, _EVIDENCE].sum(axis=1) if len(feats.sentences) else np.zeros(0)
    out = ["none"] * len(feats.sentences)
    by_line: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(feats.sentences):
        for p in s.pieces:
            ei, si, li = place.refs[p.ref]
            by_line[script.episodes[ei].scenes[si].lines[li].source_line].append(i)
    for line, category in marks.items():
        rows = list(dict.fromkeys(by_line.get(line, [])))
        if not rows:
            continue
        best = max(rows, key=lambda i: (evidence[i], i))
        for i in rows:
            if out[i] == "none":
                out[i] = SKIP
        out[best] = category
    return out


def labelled_script(id: str, group: str, script: Script, analyzer: Analyzer,
                    marks: Sequence[dict[int, str]], labels: dict[int, str], *,
                    weight: float = 1.0) -> LabelledScript:
    """``marks``: one line-label table per annotator (source line -> category)."""
    tokens = analyzer.segmenter.tokenize(script.text)
    place = LinePlace.of(script)
    feats = sentence_features(script, tokens, analyzer.lexicon, load_signals(), place)
    targets = [sentence_targets(script, place, feats, m) for m in marks]
    return LabelledScript(id, group, script, tokens, place, feats, targets, labels, weight,
                          script.timed)


@dataclass(frozen=True)
class TimedWork:
    """One subtitle export with its gold twists per episode (seconds into the episode)."""

    id: str
    script: Script
    gold: dict[int, list[float]]
    categories: dict[int, list[str]] = field(default_factory=dict)

    def line_labels(self) -> dict[int, str]:
        """The gold as source line -> category (each label on the cue starting nearest it)."""
        out = {}
        for ep in self.script.episodes:
            for t, cat in zip(self.gold.get(ep.number, []), self.categories.get(ep.number, []),
                              strict=True):
                line = min(ep.lines, key=lambda ln: abs(ln.start_s - t))
                out[line.source_line] = cat
        return out


def load_timed(name: str, analyzer: Analyzer) -> list[TimedWork]:
    gold: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    cats: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    with (set_dir(name) / "labels" / "twists.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            gold[r["series"]][int(r["episode"])].append(float(r["start"]))
            cats[r["series"]][int(r["episode"])].append(r.get("category") or "reveal")
    return [TimedWork(w.id, w.script(analyzer), dict(gold.get(w.id, {})),
                      dict(cats.get(w.id, {})))
            for w in load_set(name) if w.kind == "subtitles"]


def timed_labelled(name: str, analyzer: Analyzer, *, weight: float = 1.0
                   ) -> list[LabelledScript]:
    """A timed set's subtitle exports as training data (one annotator: the gold)."""
    out = []
    for w in load_timed(name, analyzer):
        labels = w.line_labels()
        out.append(labelled_script(w.id, f"{name}:{w.id}", w.script, analyzer, [labels], labels,
                                   weight=weight))
    return out


def _line_index(script: Script, episode: int, seconds: float) -> int:
    """The index (within its episode) of the line nearest to ``seconds``."""
    lines = next(ep.lines for ep in script.episodes if ep.number == episode)
    return min(range(len(lines)), key=lambda i: abs(lines[i].start_s - seconds))


def model_detections(work: TimedWork, analyzer: Analyzer) -> Detections:
    return event_detections(work.script, analyzer.analyze(work.script).twist_events)


def event_detections(script: Script, events: Sequence[Any]) -> Detections:
    """Twist events as detections: each at the start of the cue (line) it lands on."""
    starts = {ln.source_line: (ep.number, i, ln.start_s) for ep in script.episodes
              for i, ln in enumerate(ep.lines)}
    out: Detections = defaultdict(list)
    for ev in events:
        number, i, start = starts[ev.line]
        out[number].append((start, i))
    return out


def every_line(work: TimedWork, analyzer: Analyzer) -> Detections:
    return {ep.number: [(ln.start_s, i) for i, ln in enumerate(ep.lines)]
            for ep in work.script.episodes}


def cue_regex(work: TimedWork, analyzer: Analyzer) -> Detections:
    return {ep.number: [(ln.start_s, i) for i, ln in enumerate(ep.lines) if CUE_RE.search(ln.norm)]
            for ep in work.script.episodes}


def position_only(work: TimedWork, analyzer: Analyzer) -> Detections:
    return {ep.number: [(ep.lines[-1].start_s, len(ep.lines) - 1)]
            for ep in work.script.episodes if ep.lines}


DETECTORS: dict[str, Callable[[TimedWork, Analyzer], Detections]] = {
    "model": model_detections, "every line": every_line, "cue-word regex": cue_regex,
    "position only": position_only}


def score(works: Sequence[TimedWork], detections: Sequence[Detections]) -> dict[str, Any]:
    """F1 within ``TOLERANCE_S`` and within one line, and the density rank correlation."""
    by_time = [0, 0, 0, 0]  # detections near a gold, detections, golds near a detection, golds
    by_line = [0, 0, 0, 0]
    density: list[tuple[float, float]] = []
    for work, det in zip(works, detections, strict=True):
        for ep in work.script.episodes:
            found = det.get(ep.number, [])
            gold = work.gold.get(ep.number, [])
            gold_lines = [_line_index(work.script, ep.number, g) for g in gold]
            _count(by_time, [t for t, _ in found], gold, TOLERANCE_S)
            _count(by_line, [i for _, i in found], gold_lines, 1)
            minutes = max(ep.duration_s / 60, 1e-9)
            density.append((len(found) / minutes, len(gold) / minutes))
    f_time = rates(by_time[0], by_time[1], by_time[2], by_time[3])
    f_line = rates(by_line[0], by_line[1], by_line[2], by_line[3])
    return {"precision": f_time[0], "recall": f_time[1], "f1_2s": f_time[2],
            "f1_line": f_line[2], "detections": by_time[1], "labels": by_time[3],
            "density_spearman": round(spearman([d for d, _ in density],
                                               [g for _, g in density]), 4)}


def _count(acc: list[int], found: Sequence[float], gold: Sequence[float], tol: float) -> None:
    acc[0] += sum(any(abs(f - g) <= tol for g in gold) for f in found)
    acc[1] += len(found)
    acc[2] += sum(any(abs(f - g) <= tol for f in found) for g in gold)
    acc[3] += len(gold)


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rank correlation (average ranks for ties); 0 when either side is constant."""
    ra, rb = _ranks(a), _ranks(b)
    n = len(a)
    if n < 2:
        return 0.0
    ma, mb = sum(ra) / n, sum(rb) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    va = sum((x - ma) ** 2 for x in ra) ** 0.5
    vb = sum((y - mb) ** 2 for y in rb) ** 0.5
    return cov / (va * vb) if va and vb else 0.0


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    k = 0
    while k < len(order):
        j = k
        while j + 1 < len(order) and values[order[j + 1]] == values[order[k]]:
            j += 1
        for m in range(k, j + 1):
            ranks[order[m]] = (k + j) / 2 + 1
        k = j + 1
    return ranks


def agreement(name: str) -> dict[str, float]:
    """F1 within ``TOLERANCE_S`` between every two annotators of the set (and its writer)."""
    labels = set_dir(name) / "labels"
    marks: dict[str, dict[tuple[str, int], list[float]]] = {}
    for path in sorted(labels.glob("*twists.csv")):
        who = path.stem.removesuffix("_twists")
        if who == "twists":  # the gold itself
            continue
        per: dict[tuple[str, int], list[float]] = defaultdict(list)
        with path.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                per[(r["series"], int(r["episode"]))].append(float(r["start"]))
        marks[who] = per
    out = {}
    for a, b in itertools.combinations(sorted(marks), 2):
        acc = [0, 0, 0, 0]
        for key in set(marks[a]) | set(marks[b]):
            _count(acc, marks[a].get(key, []), marks[b].get(key, []), TOLERANCE_S)
        out[f"{a} vs {b}"] = rates(*acc)[2]
    return out


def evaluate_twists_on_set(name: str, analyzer: Analyzer) -> dict[str, Any]:
    works = load_timed(name, analyzer)
    results = {label: score(works, [detect(w, analyzer) for w in works])
               for label, detect in DETECTORS.items()}
    return {"set": name, "series": len(works),
            "episodes": sum(len(w.script.episodes) for w in works), "detectors": results,
            "agreement": agreement(name)}
