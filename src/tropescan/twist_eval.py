"""Twist detection measured on the timed episodes of a labelled set, beside simple baselines.

Input: a set folder's subtitle exports (``manifest.csv`` rows of kind ``subtitles``) and its
gold twists (``labels/twists.csv``: series, episode, start seconds, category); the challenge
set's annotators' own labels (``labels/annotator_*_twists.csv``) for their agreement. Output:
for the model and three baselines — every line, a cue-word regex, position only (the last line
of every episode) — precision, recall and F1 with a detection counted within ``TOLERANCE_S``
of a gold twist and within one line of it, and the rank correlation across episodes of the
detected and the labelled twists per minute.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .api import Analyzer
from .model import Script
from .trope_eval import load_set, set_dir
from .util import rates

TOLERANCE_S = 2.0
#: the baseline regex: a dozen cue words any reader of the genre would try first
CUE_RE = re.compile(r"原来|竟然|居然|其实|没想到|怎么可能|跪下|啪|救命|不好了|你到底是谁|是你")

Detections = dict[int, list[tuple[float, int]]]  # episode -> (seconds into it, line index)


@dataclass(frozen=True)
class TimedWork:
    """One subtitle export with its gold twists per episode (seconds into the episode)."""

    id: str
    script: Script
    gold: dict[int, list[float]]


def load_timed(name: str, analyzer: Analyzer) -> list[TimedWork]:
    gold: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    with (set_dir(name) / "labels" / "twists.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            gold[r["series"]][int(r["episode"])].append(float(r["start"]))
    return [TimedWork(w.id, w.script(analyzer), dict(gold.get(w.id, {})))
            for w in load_set(name) if w.kind == "subtitles"]


def _line_index(script: Script, episode: int, seconds: float) -> int:
    """The index (within its episode) of the line nearest to ``seconds``."""
    lines = next(ep.lines for ep in script.episodes if ep.number == episode)
    return min(range(len(lines)), key=lambda i: abs(lines[i].start_s - seconds))


def model_detections(work: TimedWork, analyzer: Analyzer) -> Detections:
    out: Detections = defaultdict(list)
    for ev in analyzer.analyze(work.script).twist_events:
        out[ev.episode].append((ev.time_s, _line_index(work.script, ev.episode, ev.time_s)))
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
