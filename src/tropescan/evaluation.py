"""Measured quality on the labelled sample corpus: trope cross-validation and twist detection.

Input: a manifest with trope labels, ``labels/twists.csv`` (gold twist lines) and, where
several people labelled the twists, ``labels/twist_annotations.csv``. Output: per-label
precision, recall and F1 tables (DataFrames) and their macro / overall figures, and how far
the annotators agree with each other.

Trope CV is grouped by family (a near-copy and its source share a fold), so a copy never
teaches the model the answer for its source. Twist detection counts a detected event as
correct when it lies within one line of a labelled twist line of the same script; annotators
are scored against each other the same way (``twist_agreement``), and gold lines come from
their majority (``majority_twists``, see ``docs/twist_labels.md``).
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._resources import lexicon_dir
from .api import Analyzer, Settings
from .classifier import TropeClassifier
from .sample import Work, labels_dir, read_manifest, twist_annotations
from .sample import twist_labels as read_labels
from .schema import TWISTS_MODEL_METHOD, TWISTS_RULE_METHOD
from .segment import name_words, strip_names
from .trope_eval import development_documents, set_dir, set_files
from .twist_eval import (
    SKIP,
    LabelledScript,
    event_detections,
    labelled_script,
    load_timed,
    timed_labelled,
)
from .twist_eval import score as score_set
from .twist_model import TwistModel
from .twist_signals import FILES as SIGNAL_FILES
from .twists import ScoredSentences, TwistEvent, detect_twists, scored_from
from .util import fingerprint, prf, rates

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Corpus:
    """The labelled works, read and tokenized once."""

    works: list[Work]
    words: list[list[str]]  # the whole script
    episode_words: list[list[list[str]]]  # per episode: the classifier's training units
    analyses: list[Any]  # lexicon-only Analysis per work (no classifier, no corpus)
    manifest: str | None = None  # None: the bundled sample corpus


def training_data(corpus: Corpus, rows: Sequence[int]) -> tuple[list[list[str]], list[tuple[str, ...]], list[str]]:
    """Episodes as training documents, each labelled with its script's tropes.

    Episodes give the classifier five times more (shorter) examples than whole scripts;
    grouped CV on the sample corpus scored this higher than whole-script training.
    """
    docs, labels, groups = [], [], []
    for i in rows:
        for words in corpus.episode_words[i]:
            docs.append(words)
            labels.append(corpus.works[i].tropes)
            groups.append(corpus.works[i].family)
    return docs, labels, groups


def load_corpus(analyzer: Analyzer, manifest: str | None = None) -> Corpus:
    works = read_manifest(manifest)
    base = Analyzer(Settings(**{**analyzer.settings.__dict__, "use_classifier": False,
                                "use_twist_model": False}),
                    corpus=None, lexicon=analyzer.lexicon)
    words, episode_words, analyses = [], [], []
    for w in works:
        script = base.read(w.path)
        names = name_words([*script.speakers, *script.cast])
        words.append(strip_names(base.segmenter.tokenize(script.text).words, names))
        episode_words.append([strip_names(base.segmenter.cut("\n".join(ln.norm for ln in ep.lines)),
                                          names) for ep in script.episodes])
        analyses.append(base.analyze(script))
    return Corpus(works, words, episode_words, analyses, manifest)


def _table(counts: dict[str, list[int]], label: str) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for key in sorted(counts):
        tp, fp, fn = counts[key]
        p, r, f = prf(tp, fp, fn)
        rows.append({label: key, "precision": p, "recall": r, "f1": f, "support": tp + fn})
    return pd.DataFrame(rows, columns=[label, "precision", "recall", "f1", "support"])


def cross_validate_tropes(corpus: Corpus, analyzer: Analyzer, *, folds: int = 5,
                          seed: int = 0) -> dict[str, Any]:
    """Grouped k-fold CV of the classifier and the combined decision.

    Returns ``{"table": DataFrame per trope (combined), "classifier": DataFrame,
    "lexicon": DataFrame, "macro_f1": {...}}``.
    """
    import numpy as np
    from sklearn.model_selection import GroupKFold

    classes = sorted({t for w in corpus.works for t in w.tropes})  # what the set labels
    n = len(corpus.works)
    groups = [w.family for w in corpus.works]
    labels = [set(w.tropes) for w in corpus.works]
    decisions: list[dict[str, set[str]]] = [{} for _ in range(n)]
    splitter = GroupKFold(n_splits=min(folds, len(set(groups))), shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(n), groups=groups):
        docs, labs, doc_groups = training_data(corpus, train)
        model = TropeClassifier().fit(docs, labs, sorted(analyzer.lexicon.tropes), doc_groups)
        fold = Analyzer(analyzer.settings, corpus=None, lexicon=analyzer.lexicon,
                        classifier=model)
        for i in test:
            a = corpus.analyses[i]
            probs = model.predict_one(corpus.words[i])
            decisions[i] = {
                "combined": {s.trope for s in fold.tag_tropes(a.script, a.tokens)[3]
                             if s.present},
                "classifier": {c for c, p in probs.items() if p >= 0.5},
                "lexicon": {s.trope for s in a.trope_scores if s.present},
            }
    counts = {name: {c: [0, 0, 0] for c in classes} for name in ("combined", "classifier",
                                                                  "lexicon")}
    for i in range(n):
        for name, found in decisions[i].items():
            for c in classes:
                pred, truth = c in found, c in labels[i]
                k = 0 if pred and truth else 1 if pred else 2 if truth else None
                if k is not None:
                    counts[name][c][k] += 1
    tables = {name: _table(cnt, "trope") for name, cnt in counts.items()}
    return {
        "table": tables["combined"], "classifier": tables["classifier"],
        "lexicon": tables["lexicon"],
        "macro_f1": {name: round(float(t["f1"].mean()), 4) for name, t in tables.items()},
        "n_scripts": n, "n_groups": len(set(groups)),
    }


#: each development target list counts this many times (a sample script has three annotators)
DEV_WEIGHT = 2.0


def _by_line(rows: Sequence[dict[str, str]]) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = defaultdict(dict)
    for row in rows:
        out[row["script_id"]][int(row["line"])] = row["category"]
    return out


def _twist_rows(corpus: Corpus, analyzer: Analyzer, twist_labels: Sequence[dict[str, str]],
                annotations: Sequence[dict[str, str]] = ()) -> list[LabelledScript]:
    """The labelled scripts of ``corpus``, with their sentence features and targets (one
    target list per annotator where annotations exist, else the gold)."""
    by_script = _by_line(twist_labels)
    by_annotator: dict[str, dict[str, dict[int, str]]] = defaultdict(dict)
    for who in sorted({row["annotator"] for row in annotations}):
        for sid, marks in _by_line([r for r in annotations if r["annotator"] == who]).items():
            by_annotator[sid][who] = marks
    out = []
    for work, analysis in zip(corpus.works, corpus.analyses, strict=True):
        if work.id not in by_script:
            continue
        tables = [m for _, m in sorted(by_annotator.get(work.id, {}).items())]
        out.append(labelled_script(work.id, work.family, analysis.script, analyzer,
                                   tables or [by_script[work.id]], by_script[work.id]))
    return out


def development_twists(analyzer: Analyzer, corpus: Corpus) -> list[LabelledScript]:
    """The development set's timed episodes (ASR, OCR and clean subtitle exports), which the
    twist model also learns from when it trains on the bundled sample corpus; a user's own
    manifest trains on itself alone."""
    return timed_labelled("dev", analyzer, weight=DEV_WEIGHT) if corpus.manifest is None else []


def _fit_twist_model(data: Sequence[LabelledScript], **params: Any) -> TwistModel:
    """Fit on every target list of every script: with several annotators a sentence is seen
    once per annotator, so a twist two of three marked weighs two thirds (soft labels)."""
    import numpy as np

    dense, texts, labels, groups, weights = [], [], [], [], []
    for d in data:
        for ys in d.targets:
            keep = [k for k, y in enumerate(ys) if y != SKIP]
            dense.append(d.feats.dense[keep])
            texts += [d.feats.grams[k] for k in keep]
            labels += [ys[k] for k in keep]
            groups += [d.group] * len(keep)
            weights += [d.weight] * len(keep)
    return TwistModel(**params).fit(np.vstack(dense), texts, labels, groups, weights)


def train_twist_model(analyzer: Analyzer, corpus: Corpus | None = None,
                      twist_labels: Sequence[dict[str, str]] | None = None,
                      annotations: Sequence[dict[str, str]] | None = None) -> TwistModel:
    """Fit the twist model on every labelled sentence of the corpus (default: the sample,
    with the development set's timed episodes)."""
    corpus = corpus or load_corpus(analyzer)
    if twist_labels is None:
        twist_labels = read_labels(corpus.manifest)
        annotations = twist_annotations(corpus.manifest) if annotations is None else annotations
    scripts = _twist_rows(corpus, analyzer, twist_labels, annotations or ())
    timed = development_twists(analyzer, corpus)
    model = _fit_twist_model(scripts + timed)
    model.meta_.update({"fingerprint": training_fingerprint(corpus, analyzer, labels=True),
                        "lexicon_version": analyzer.lexicon.version,
                        "signals_version": model.signals_.version,
                        "training_scripts": len(scripts),
                        "training_series": len(timed),
                        "training_lines": sum(len(d.feats.sentences) for d in scripts + timed),
                        "annotators": max((len(d.targets) for d in scripts), default=0)})
    return model


def evaluate_twists(corpus: Corpus, analyzer: Analyzer,
                    twist_labels: Sequence[dict[str, str]], *, tolerance: int = 1,
                    folds: int = 5, seed: int = 0, use_model: bool = True,
                    annotations: Sequence[dict[str, str]] = (),
                    extra: Sequence[LabelledScript] | None = None) -> dict[str, Any]:
    """Twist detection against the gold labelled lines.

    With ``use_model`` the twist model is trained and tested by grouped k-fold CV (each
    script is scored by a model that never saw it; it trains on every annotator's labels
    when ``annotations`` are given, and on ``extra`` — by default the development set's timed
    episodes, as the shipped model does); without, the lexicon rule is measured. A detected
    event is correct when one of its lines lies within ``tolerance`` lines of a labelled twist
    line; per category, the categories must agree too. With ``annotations``, the result also
    holds how far the annotators agree with each other, scored the same way (``agreement``):
    the ceiling for any detector.
    """
    import pandas as pd

    data = _twist_rows(corpus, analyzer, twist_labels, annotations)
    if use_model:
        extra = development_twists(analyzer, corpus) if extra is None else extra
        events = [detect_twists(d.script, d.tokens, analyzer.lexicon, place=d.place,
                                scored=sc, threshold=thr)
                  for d, (sc, thr) in zip(data, cross_validated_scores(data, extra, folds, seed),
                                          strict=True)]
    else:
        events = [detect_twists(d.script, d.tokens, analyzer.lexicon, place=d.place)
                  for d in data]
    score = _TwistScore(tolerance)
    for d, evs in zip(data, events, strict=True):
        score.add(d, evs)
    p, r, f = rates(score.det_hit, score.det_total, score.lab_hit, score.lab_total)
    ep_df = pd.DataFrame(score.episodes, columns=["script", "episode", "labels", "detected",
                                                  "duration_s"])
    rel = (ep_df["detected"] - ep_df["labels"]).abs() / ep_df["labels"].clip(lower=1)
    return {
        "agreement": _agreement(data, annotations, tolerance) if annotations else None,
        "overall": {"precision": p, "recall": r, "f1": f, "support": score.lab_total,
                    "detections": score.det_total},
        "table": _table(score.per_cat, "category"),
        "episodes": ep_df,
        "density_within_20pct": round(float((rel <= 0.2).mean()), 4) if len(ep_df) else 0.0,
        "detected_to_labelled": round(float(ep_df["detected"].sum()
                                            / max(1, ep_df["labels"].sum())), 4),
        "scripts": len(data),
        "method": (f"{TWISTS_MODEL_METHOD} (grouped CV)" if use_model
                   else f"{TWISTS_RULE_METHOD} (lexicon rule)"),
    }


def cross_validated_scores(data: Sequence[LabelledScript], extra: Sequence[LabelledScript],
                           folds: int, seed: int, **params: Any
                           ) -> list[tuple[ScoredSentences, float]]:
    """Each script's sentences scored by a twist model trained on the other folds (and on
    ``extra``, never tested), with that model's threshold."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    out: list[tuple[ScoredSentences, float] | None] = [None] * len(data)
    groups = [d.group for d in data]
    splitter = GroupKFold(n_splits=min(folds, len(set(groups))), shuffle=True,
                          random_state=seed)
    for train, test in splitter.split(np.zeros(len(data)), groups=groups):
        model = _fit_twist_model([*(data[i] for i in train), *extra], **params)
        for i in test:
            f = data[i].feats
            out[i] = (scored_from(f, *model.predict_twists(f.dense, f.grams)), model.threshold)
    return [o for o in out if o is not None]


def cross_validate_timed(analyzer: Analyzer, corpus: Corpus, *, name: str = "dev",
                         folds: int = 5, seed: int = 0) -> dict[str, Any]:
    """The twist model on a timed set by leave-series-out CV: each series scored by a model
    trained on the sample corpus and the set's other series. The shipped model has learned
    every development series, so this, not ``tropescan evaluate --twists --set dev``, is the
    development figure that means something."""
    works = load_timed(name, analyzer)
    data = timed_labelled(name, analyzer, weight=DEV_WEIGHT)
    sample = _twist_rows(corpus, analyzer, read_labels(corpus.manifest),
                         twist_annotations(corpus.manifest))
    detections = []
    for w, d, (sc, thr) in zip(works, data, cross_validated_scores(data, sample, folds, seed),
                               strict=True):
        events = detect_twists(d.script, d.tokens, analyzer.lexicon, place=d.place, scored=sc,
                               threshold=thr)
        detections.append(event_detections(w.script, events))
    return score_set(works, detections)


class _TwistScore:
    """Counts for twist precision, recall, categories and per-episode density.

    Precision counts detections that land near a label; recall counts labels that have a
    detection near them (two labels on adjacent lines can share one detection)."""

    def __init__(self, tolerance: int) -> None:
        self.tolerance = tolerance
        self.det_hit = self.det_total = self.lab_hit = self.lab_total = 0
        self.per_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.episodes: list[dict[str, Any]] = []

    def near(self, ev: TwistEvent, line: int) -> bool:
        return any(abs(x - line) <= self.tolerance for x in ev.lines)

    def add(self, d: LabelledScript, events: list[TwistEvent]) -> None:
        labels = sorted(d.labels.items())
        matched: set[int] = set()
        for ev in events:
            hits = [line for line, _ in labels if self.near(ev, line)]
            self.det_total += 1
            self.det_hit += bool(hits)
            matched.update(hits)
            same = [line for line in hits if d.labels[line] == ev.category]
            self.per_cat[ev.category][0 if same else 1] += 1
        self.lab_total += len(labels)
        self.lab_hit += len(matched)
        for line, cat in labels:
            if not any(self.near(ev, line) and ev.category == cat for ev in events):
                self.per_cat[cat][2] += 1
        line_episode = d.episode_of()
        for ep in d.script.episodes:
            n_lab = sum(1 for line, _ in labels if line_episode.get(line) == ep.number)
            n_det = sum(1 for ev in events if ev.episode == ep.number)
            self.episodes.append({"script": d.id, "episode": ep.number, "labels": n_lab,
                                  "detected": n_det, "duration_s": ep.duration_s})


def _agreement(data: Sequence[LabelledScript], annotations: Sequence[dict[str, str]],
               tolerance: int) -> dict[str, Any]:
    marks: dict[str, dict[str, list[Mark]]] = defaultdict(lambda: defaultdict(list))
    for row in annotations:
        marks[row["annotator"]][row["script_id"]].append((int(row["line"]), row["category"]))
    pairs = twist_agreement(marks, {d.id: d.episode_of() for d in data}, tolerance=tolerance)
    return {"pairs": pairs, "f1": round(float(pairs["f1"].mean()), 4),
            "density_within_20pct": round(float(pairs["density_within_20pct"].mean()), 4),
            "annotators": len(marks)}


Mark = tuple[int, str]  # (source line, category) of one annotator's twist label


def majority_twists(marks: dict[str, Sequence[Mark]], *, tolerance: int = 1,
                    min_votes: int = 2) -> list[tuple[int, str, int]]:
    """Gold twist lines from several independent annotations of one script.

    ``marks``: per annotator, its twist labels. A line is gold when at least ``min_votes``
    annotators marked a twist within ``tolerance`` lines of it. Greedy: the line with the most
    votes (then the most exact marks, then the earliest) wins, each voter's nearest mark is
    used up, and the next line is chosen from what is left. The category is the one most of
    the voters chose; a tie goes to the category marked on the gold line itself, then to the
    first annotator's. Returns ``(line, category, votes)`` sorted by line.
    """
    left = {who: sorted(m) for who, m in marks.items()}
    order = list(marks)
    gold: list[tuple[int, str, int]] = []
    while True:
        best: tuple[int, int, int] | None = None
        for line in sorted({ln for m in left.values() for ln, _ in m}):
            votes = sum(any(abs(ln - line) <= tolerance for ln, _ in m) for m in left.values())
            exact = sum(any(ln == line for ln, _ in m) for m in left.values())
            key = (votes, exact, -line)
            if votes >= min_votes and (best is None or key > best):
                best = key
        if best is None:
            return sorted(gold)
        line = -best[2]
        chosen: list[tuple[str, Mark]] = []
        for who in order:
            near = [mk for mk in left[who] if abs(mk[0] - line) <= tolerance]
            if near:
                mk = min(near, key=lambda mk: (abs(mk[0] - line), mk[0]))
                left[who].remove(mk)
                chosen.append((who, mk))
        tally = Counter(cat for _, (_, cat) in chosen)
        top = max(tally.values())
        tied = [cat for _, (_, cat) in chosen if tally[cat] == top]
        on_line = [cat for _, (ln, cat) in chosen if ln == line and cat in tied]
        gold.append((line, (on_line or tied)[0], len(chosen)))


def twist_agreement(marks: dict[str, dict[str, Sequence[Mark]]],
                    episodes: dict[str, dict[int, int]], *,
                    tolerance: int = 1) -> pd.DataFrame:
    """How far independent annotators agree, scored like the detector is scored.

    ``marks``: per annotator, per script id, its labels; ``episodes``: per script id, source
    line -> episode number. One row per ordered pair (``a`` as the detector, ``b`` as the
    reference): precision, recall and F1 with the evaluation's line tolerance, and the share
    of episodes where ``a``'s twist count is within 20% of ``b``'s. This is the ceiling a
    model trained on such labels can be expected to reach.
    """
    import pandas as pd

    rows = []
    for a, b in itertools.permutations(sorted(marks), 2):
        hit_a = n_a = hit_b = n_b = 0
        within: list[bool] = []
        for sid, ep_of in episodes.items():
            la = [ln for ln, _ in marks[a].get(sid, [])]
            lb = [ln for ln, _ in marks[b].get(sid, [])]
            n_a += len(la)
            n_b += len(lb)
            hit_a += sum(any(abs(x - y) <= tolerance for y in lb) for x in la)
            hit_b += sum(any(abs(x - y) <= tolerance for x in la) for y in lb)
            for ep in sorted(set(ep_of.values())):
                ca = sum(ep_of.get(x) == ep for x in la)
                cb = sum(ep_of.get(y) == ep for y in lb)
                within.append(abs(ca - cb) <= 0.2 * max(cb, 1))
        # a's marks near one of b's (precision), b's marks near one of a's (recall)
        p, r, f = rates(hit_a, n_a, hit_b, n_b)
        rows.append({"a": a, "b": b, "precision": p, "recall": r, "f1": f,
                     "density_within_20pct": round(sum(within) / max(len(within), 1), 4),
                     "a_labels": n_a, "b_labels": n_b})
    return pd.DataFrame(rows)


def training_fingerprint(corpus: Corpus, analyzer: Analyzer, *, labels: bool = False) -> str:
    """Changes whenever the lexicon, the segmenter or any training script changes, and with
    ``labels`` (the twist model's) whenever the twist labels change."""
    parts: list[str | bytes] = [analyzer.lexicon.version, analyzer.segmenter.backend]
    for w in corpus.works:
        parts += [w.id, ";".join(w.tropes), w.path.read_bytes()]
    if not labels:  # the shipped classifier also learns the development set
        parts += set_files("dev")
    if labels:
        for name in ("twists.csv", "twist_annotations.csv"):
            path = labels_dir(corpus.manifest) / name
            parts += [name, path.read_bytes() if path.is_file() else b""]
        # the twist model's own data: its signal lexicon, and the development set's timed
        # episodes it also learns from
        parts += [(lexicon_dir() / f).read_bytes() for f in SIGNAL_FILES]
        if corpus.manifest is None:
            parts += [*set_files("dev"), (set_dir("dev") / "labels" / "twists.csv").read_bytes()]
    return fingerprint(parts)


def train_classifier(analyzer: Analyzer, manifest: str | None = None,
                     corpus: Corpus | None = None) -> Any:
    """Fit the trope classifier on every labelled work (episodes as documents)."""
    corpus = corpus or load_corpus(analyzer, manifest)
    classes = sorted(analyzer.lexicon.tropes)
    docs, labels, groups = training_data(corpus, range(len(corpus.works)))
    extra = 0
    if manifest is None:  # the shipped model also learns from the development set
        more = development_documents(analyzer)
        extra = len(more[0])
        docs, labels, groups = docs + more[0], list(labels) + more[1], groups + more[2]
    model = TropeClassifier().fit(docs, labels, classes, groups)
    model.meta_.update({
        "fingerprint": training_fingerprint(corpus, analyzer),
        "lexicon_version": analyzer.lexicon.version,
        "segmenter": analyzer.segmenter.backend,
        "training_scripts": len(corpus.works),
        "training_documents": sum(len(e) for e in corpus.episode_words) + extra,
        "development_documents": extra,
    })
    return model


def train_models(analyzer: Analyzer, output: str | Any, manifest: str | None = None) -> dict[str, Any]:
    """Train the trope classifier and the twist model on a labelled manifest; save both
    under ``output`` (``trope_classifier/`` and ``twist_model/``, each written atomically)."""
    out = Path(output)
    corpus = load_corpus(analyzer, manifest)
    classifier = train_classifier(analyzer, manifest, corpus)
    classifier.save(out / "trope_classifier")
    twist = None
    if (labels_dir(manifest) / "twists.csv").is_file():
        twist = train_twist_model(analyzer, corpus)
        twist.save(out / "twist_model")
    return {"classifier": classifier.meta_, "twist_model": twist.meta_ if twist else None,
            "output": str(out)}
