"""Trope tagging measured on a labelled set: the development set or the challenge set.

Input: a set folder (``corpora_dev``, ``corpora_challenge``; see each README): synopses in
``synopses.csv`` and scripts and subtitle exports listed in ``manifest.csv``, each with its
gold ``tropes``. Output: micro- and macro-F1, per-trope precision and recall, the same for the
name-in-text baseline (a trope is "present" when its own Chinese name occurs in the text),
per kind of work, and the length test (a long script cut after 5, 10, 20, 40 and all
episodes: which tropes each cut finds, and whether a longer cut lost one).

The shipped models are measured as they are: on the development set, which they were trained
and tuned on, that is a fit; on the challenge set, which nothing here ever trained or tuned on,
it is a result.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ._resources import data_dir
from .api import Analyzer
from .errors import Errors, InputError
from .lexicon import Lexicon
from .model import Script
from .readers.catalogue import script_from_text
from .segment import name_words, strip_names
from .tropes import BLOCK_EPISODES, front_text
from .util import rates

SETS = {"dev": "corpora_dev", "challenge": "corpora_challenge"}
LENGTH_CUTS = (5, 10, 20, 40)


@dataclass(frozen=True)
class LabelledWork:
    """One work of a labelled set: a synopsis (``text``) or a file (``path``)."""

    id: str
    kind: str  # synopsis | script | subtitles
    title: str
    gold: frozenset[str]
    text: str = ""
    path: Path | None = None

    def script(self, analyzer: Analyzer) -> Script:
        if self.path is not None:
            return analyzer.read(self.path)
        return script_from_text(self.text, id=self.id, title=self.title,
                                timing=analyzer.settings.timing)


def set_dir(name: str) -> Path:
    if name not in SETS:
        raise InputError(Errors.UNKNOWN_SET(name=name, choices=", ".join(SETS)))
    return data_dir(SETS[name])


def set_files(name: str) -> list[bytes]:
    """The bytes of every file of a set, in a stable order: what a model trained on it
    depends on."""
    root = set_dir(name)
    paths = [root / "synopses.csv", root / "manifest.csv"]
    paths += [w.path for w in load_set(name) if w.path is not None]
    return [p.read_bytes() for p in paths if p.is_file()]


def _tropes(cell: str | None) -> frozenset[str]:
    return frozenset(t for t in (cell or "").split(";") if t)


def load_set(name: str) -> list[LabelledWork]:
    """Every labelled work of the set: synopses first, then the manifest's files."""
    root = set_dir(name)
    works: list[LabelledWork] = []
    synopses = root / "synopses.csv"
    if synopses.is_file():
        with synopses.open(encoding="utf-8", newline="") as fh:
            works += [LabelledWork(r["id"], "synopsis", r.get("title", ""), _tropes(r["tropes"]),
                                   text=r["synopsis"]) for r in csv.DictReader(fh)]
    manifest = root / "manifest.csv"
    if manifest.is_file():
        with manifest.open(encoding="utf-8", newline="") as fh:
            works += [LabelledWork(r["id"], r.get("kind") or "script", r.get("title", ""),
                                   _tropes(r["tropes"]), path=root / r["file"])
                      for r in csv.DictReader(fh)]
    return works


def name_in_text(script: Script, title: str, lexicon: Lexicon) -> set[str]:
    """The baseline: tropes whose own Chinese name (any of ``name_zh``'s variants) occurs."""
    text = title + "\n" + "\n".join(ln.norm for ln in script.front_matter) + "\n" + script.text
    return {tid for tid, trope in lexicon.tropes.items()
            if any(n.strip() and n.strip() in text for n in trope.name_zh.split("/"))}


def prf_table(gold: Sequence[frozenset[str]], pred: Sequence[set[str]],
              tropes: Sequence[str]) -> dict[str, Any]:
    """Micro and macro F1 and a per-trope table (precision, recall, f1, support)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for g, p in zip(gold, pred, strict=True):
        for t in p & g:
            counts[t][0] += 1
        for t in p - g:
            counts[t][1] += 1
        for t in g - p:
            counts[t][2] += 1
    tp, fp, fn = (sum(c[k] for c in counts.values()) for k in range(3))
    micro = rates(tp, tp + fp, tp, tp + fn)
    rows = []
    for t in tropes:
        a, b, c = counts.get(t, [0, 0, 0])
        if a + b + c:
            p, r, f = rates(a, a + b, a, a + c)
            rows.append({"trope": t, "precision": p, "recall": r, "f1": f, "support": a + c,
                         "predicted": a + b})
    macro = round(sum(r["f1"] for r in rows if r["support"]) /
                  max(1, sum(1 for r in rows if r["support"])), 4)
    return {"precision": micro[0], "recall": micro[1], "micro_f1": micro[2], "macro_f1": macro,
            "table": rows}


def length_test(script: Script, analyzer: Analyzer, cuts: Sequence[int] = LENGTH_CUTS
                ) -> list[dict[str, Any]]:
    """The script cut after each of ``cuts`` episodes and whole: the tropes each finds and
    those a longer cut lost (adding episodes must never lose one)."""
    rows: list[dict[str, Any]] = []
    before: set[str] = set()
    n = len(script.episodes)
    for cut in [*[c for c in cuts if c < n], n]:
        part = _first_episodes(script, cut)
        found = {t.trope for t in analyzer.tag_tropes(part)[3] if t.present}
        rows.append({"episodes": cut, "tropes": ";".join(sorted(found)),
                     "lost": ";".join(sorted(before - found))})
        before = found
    return rows


def _first_episodes(script: Script, n: int) -> Script:
    """The script's first ``n`` episodes, its text and offsets cut to match."""
    episodes = script.episodes[:n]
    last = episodes[-1].lines[-1]
    return replace(script, episodes=episodes, text=script.text[:last.offset + len(last.norm)])


def evaluate_set(name: str, analyzer: Analyzer) -> dict[str, Any]:
    """Tagging and the baseline on every work of the set, overall and per kind."""
    works = load_set(name)
    tropes = sorted(analyzer.lexicon.tropes)
    gold, pred, base, kinds, lengths = [], [], [], [], {}
    for w in works:
        script = w.script(analyzer)
        found = {t.trope for t in analyzer.tag_tropes(script)[3] if t.present}
        gold.append(w.gold)
        pred.append(found)
        base.append(name_in_text(script, w.title, analyzer.lexicon))
        kinds.append(w.kind)
        if w.kind == "script" and len(script.episodes) > LENGTH_CUTS[0]:
            lengths[w.id] = length_test(script, analyzer)
    out: dict[str, Any] = {"set": name, "works": len(works),
                           "model": prf_table(gold, pred, tropes),
                           "baseline": prf_table(gold, base, tropes), "by_kind": {},
                           "length_test": lengths,
                           "length_stable": all(not r["lost"] for rows in lengths.values()
                                                for r in rows)}
    for kind in sorted(set(kinds)):
        pick = [i for i, k in enumerate(kinds) if k == kind]
        model = prf_table([gold[i] for i in pick], [pred[i] for i in pick], tropes)
        baseline = prf_table([gold[i] for i in pick], [base[i] for i in pick], tropes)
        out["by_kind"][kind] = {"works": len(pick), "micro_f1": model["micro_f1"],
                                "macro_f1": model["macro_f1"],
                                "baseline_micro_f1": baseline["micro_f1"]}
    return out


def development_documents(analyzer: Analyzer) -> tuple[list[list[str]], list[tuple[str, ...]],
                                                       list[str]]:
    """The development set as classifier training documents: every synopsis, and the opening
    block (front matter and first ``BLOCK_EPISODES`` episodes) of every script and subtitle
    export, labelled with the tropes established there (``established`` in the manifest)."""
    docs, labels, groups = [], [], []
    established = _established(set_dir("dev") / "manifest.csv")
    for w in load_set("dev"):
        script = w.script(analyzer)
        if w.kind == "synopsis":
            words = analyzer.segmenter.cut(script.text)
            tropes = tuple(sorted(w.gold))
        else:
            part = _first_episodes(script, min(BLOCK_EPISODES, len(script.episodes)))
            words = analyzer.segmenter.cut(front_text(part) + "\n" + part.text)
            early = established.get(w.id, {})
            tropes = tuple(sorted(t for t in w.gold if early.get(t, 1) <= BLOCK_EPISODES))
        names = name_words([*script.speakers, *script.cast])
        docs.append(strip_names(words, names))
        labels.append(tropes)
        groups.append(w.id)
    return docs, labels, groups


def _established(manifest: Path) -> dict[str, dict[str, int]]:
    """Per work id, the episode where each trope is established (``id:episode;...``)."""
    if not manifest.is_file():
        return {}
    out: dict[str, dict[str, int]] = {}
    with manifest.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            pairs = [p.split(":") for p in (r.get("established") or "").split(";") if ":" in p]
            out[r["id"]] = {t: int(e) for t, e in pairs if e.strip().isdigit()}
    return out
