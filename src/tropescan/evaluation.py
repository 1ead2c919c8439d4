"""Measured quality on the labelled sample corpus: trope cross-validation and twist detection.

Input: a manifest with trope labels, ``labels/twists.csv``. Output: per-label precision,
recall and F1 tables (DataFrames) and their macro / overall figures.

Trope CV is grouped by family (a near-copy and its source share a fold), so a copy never
teaches the model the answer for its source. Twist detection counts a detected event as
correct when it lies within one line of a labelled twist line of the same script.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .classifier import name_words, strip_names
from .sample import Work, read_manifest

if TYPE_CHECKING:
    import pandas as pd

    from .api import Analyzer


@dataclass
class Corpus:
    """The labelled works, read and tokenized once."""

    works: list[Work]
    words: list[list[str]]  # the whole script
    episode_words: list[list[list[str]]]  # per episode: the classifier's training units
    analyses: list[Any]  # lexicon-only Analysis per work (no classifier, no corpus)


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
    from .api import Analyzer, Settings

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
    return Corpus(works, words, episode_words, analyses)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 4), round(r, 4), round(f, 4)


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

    from .classifier import TropeClassifier
    from .tropes import LEXICON_ONLY_THRESHOLD, combine

    classes = sorted(analyzer.lexicon.tropes)
    n = len(corpus.works)
    groups = [w.family for w in corpus.works]
    labels = [set(w.tropes) for w in corpus.works]
    probs: list[dict[str, float]] = [{} for _ in range(n)]
    splitter = GroupKFold(n_splits=min(folds, len(set(groups))), shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(n), groups=groups):
        docs, labs, doc_groups = training_data(corpus, train)
        model = TropeClassifier().fit(docs, labs, classes, doc_groups)
        for i in test:
            probs[i] = model.predict_one(corpus.words[i])
    counts = {name: {c: [0, 0, 0] for c in classes} for name in ("combined", "classifier",
                                                                  "lexicon")}
    for i in range(n):
        lex = {t.trope: t for t in corpus.analyses[i].trope_scores}
        for c in classes:
            has_evidence = lex[c].evidence_count > 0
            score, threshold = combine(lex[c].lexicon_score, probs[i].get(c))
            decisions = {
                "combined": score >= threshold and has_evidence,
                "classifier": probs[i].get(c, 0.0) >= 0.5,
                "lexicon": lex[c].lexicon_score >= LEXICON_ONLY_THRESHOLD and has_evidence,
            }
            truth = c in labels[i]
            for name, pred in decisions.items():
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


def _twist_rows(corpus: Corpus, analyzer: Analyzer,
                twist_labels: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """Per labelled script: line features and the label of every scorable line."""
    from .tropes import LinePlace
    from .twist_model import line_features

    by_script: dict[str, dict[int, str]] = defaultdict(dict)
    for row in twist_labels:
        by_script[row["script_id"]][int(row["line"])] = row["category"]
    out = []
    for work, analysis in zip(corpus.works, corpus.analyses, strict=True):
        if work.id not in by_script:
            continue
        script = analysis.script
        tokens = analyzer.segmenter.tokenize(script.text)
        place = LinePlace.of(script)
        rows, dense, texts = line_features(script, tokens, analyzer.lexicon, place)
        lines = [script.episodes[e].scenes[s].lines[i].source_line
                 for e, s, i in (place.refs[r] for r in rows)]
        out.append({"work": work, "script": script, "tokens": tokens, "place": place,
                    "rows": rows, "dense": dense, "texts": texts,
                    "y": [by_script[work.id].get(n, "none") for n in lines],
                    "labels": by_script[work.id]})
    return out


def train_twist_model(analyzer: Analyzer, corpus: Corpus | None = None,
                      twist_labels: Sequence[dict[str, str]] | None = None) -> Any:
    """Fit the twist model on every labelled line of the sample corpus."""
    import numpy as np

    from .sample import twist_labels as sample_labels
    from .twist_model import TwistModel

    corpus = corpus or load_corpus(analyzer)
    data = _twist_rows(corpus, analyzer, twist_labels or sample_labels())
    model = TwistModel().fit(np.vstack([d["dense"] for d in data]),
                             [t for d in data for t in d["texts"]],
                             [y for d in data for y in d["y"]],
                             [d["work"].family for d in data for _ in d["y"]])
    model.meta_.update({"fingerprint": training_fingerprint(corpus, analyzer),
                        "lexicon_version": analyzer.lexicon.version,
                        "training_scripts": len(data),
                        "training_lines": sum(len(d["y"]) for d in data)})
    return model


def evaluate_twists(corpus: Corpus, analyzer: Analyzer,
                    twist_labels: Sequence[dict[str, str]], *, tolerance: int = 1,
                    folds: int = 5, seed: int = 0, use_model: bool = True) -> dict[str, Any]:
    """Twist detection against labelled lines.

    With ``use_model`` the twist model is trained and tested by grouped k-fold CV (each
    script is scored by a model that never saw it); without, the lexicon rule is measured.
    A detected event is correct when one of its lines lies within ``tolerance`` lines of a
    labelled twist line; per category, the categories must agree too.
    """
    import numpy as np
    import pandas as pd
    from sklearn.model_selection import GroupKFold

    from .twist_model import TwistModel
    from .twists import detect_twists

    data = _twist_rows(corpus, analyzer, twist_labels)
    events_by_script: list[list[Any]] = [[] for _ in data]
    if use_model:
        groups = [d["work"].family for d in data]
        splitter = GroupKFold(n_splits=min(folds, len(set(groups))), shuffle=True,
                              random_state=seed)
        for train, test in splitter.split(np.zeros(len(data)), groups=groups):
            model = TwistModel().fit(np.vstack([data[i]["dense"] for i in train]),
                                     [t for i in train for t in data[i]["texts"]],
                                     [y for i in train for y in data[i]["y"]],
                                     [data[i]["work"].family for i in train for _ in data[i]["y"]])
            for i in test:
                d = data[i]
                probs = model.predict(d["dense"], d["texts"])
                from .twists import CATEGORIES

                scores = {r: (float(1 - p[0]), CATEGORIES[int(np.argmax(p[1:]))])
                          for r, p in zip(d["rows"], probs, strict=True)}
                events_by_script[i] = detect_twists(d["script"], d["tokens"], analyzer.lexicon,
                                                    threshold=model.threshold, place=d["place"],
                                                    scores=scores)
    else:
        for i, d in enumerate(data):
            events_by_script[i] = detect_twists(d["script"], d["tokens"], analyzer.lexicon,
                                                place=d["place"])
    # Precision counts detections that land near a label; recall counts labels that have a
    # detection near them (two labels on adjacent lines can share one detection).
    det_hit = det_total = lab_hit = lab_total = 0
    per_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    episodes = []
    for d, events in zip(data, events_by_script, strict=True):
        labels = sorted(d["labels"].items())

        def near(ev: Any, line: int) -> bool:
            return any(abs(x - line) <= tolerance for x in ev.lines)

        matched: set[int] = set()
        for ev in events:
            hits = [line for line, _ in labels if near(ev, line)]
            det_total += 1
            det_hit += bool(hits)
            matched.update(hits)
            same = [line for line in hits if d["labels"][line] == ev.category]
            per_cat[ev.category][0 if same else 1] += 1
        lab_total += len(labels)
        lab_hit += len(matched)
        for line, cat in labels:
            if not any(near(ev, line) and ev.category == cat for ev in events):
                per_cat[cat][2] += 1
        line_episode = {ln.source_line: ep.number for ep in d["script"].episodes
                        for ln in ep.lines}
        for ep in d["script"].episodes:
            n_lab = sum(1 for line, _ in labels if line_episode.get(line) == ep.number)
            n_det = sum(1 for ev in events if ev.episode == ep.number)
            episodes.append({"script": d["work"].id, "episode": ep.number, "labels": n_lab,
                             "detected": n_det, "duration_s": ep.duration_s})
    p = round(det_hit / det_total, 4) if det_total else 0.0
    r = round(lab_hit / lab_total, 4) if lab_total else 0.0
    f = round(2 * p * r / (p + r), 4) if p + r else 0.0
    ep_df = pd.DataFrame(episodes, columns=["script", "episode", "labels", "detected",
                                            "duration_s"])
    rel = (ep_df["detected"] - ep_df["labels"]).abs() / ep_df["labels"].clip(lower=1)
    return {
        "overall": {"precision": p, "recall": r, "f1": f, "support": lab_total,
                    "detections": det_total},
        "table": _table(per_cat, "category"),
        "episodes": ep_df,
        "density_within_20pct": round(float((rel <= 0.2).mean()), 4) if len(ep_df) else 0.0,
        "detected_to_labelled": round(float(ep_df["detected"].sum()
                                            / max(1, ep_df["labels"].sum())), 4),
        "scripts": len(data),
        "method": "twists.v2 (grouped CV)" if use_model else "twists.v1 (lexicon rule)",
    }


def training_fingerprint(corpus: Corpus, analyzer: Analyzer) -> str:
    """Changes whenever the lexicon, the segmenter or any training script changes."""
    from .util import fingerprint

    parts: list[str | bytes] = [analyzer.lexicon.version, analyzer.segmenter.backend]
    for w in corpus.works:
        parts += [w.id, ";".join(w.tropes), w.path.read_bytes()]
    return fingerprint(parts)


def train_classifier(analyzer: Analyzer, manifest: str | None = None,
                     corpus: Corpus | None = None) -> Any:
    """Fit the trope classifier on every labelled work (episodes as documents)."""
    from .classifier import TropeClassifier

    corpus = corpus or load_corpus(analyzer, manifest)
    classes = sorted(analyzer.lexicon.tropes)
    docs, labels, groups = training_data(corpus, range(len(corpus.works)))
    model = TropeClassifier().fit(docs, labels, classes, groups)
    model.meta_.update({
        "fingerprint": training_fingerprint(corpus, analyzer),
        "lexicon_version": analyzer.lexicon.version,
        "segmenter": analyzer.segmenter.backend,
        "training_scripts": len(corpus.works),
        "training_documents": sum(len(e) for e in corpus.episode_words),
    })
    return model


def train_models(analyzer: Analyzer, output: str | Any, manifest: str | None = None) -> dict[str, Any]:
    """Train the trope classifier and the twist model on a labelled manifest; save both
    under ``output`` (``trope_classifier/`` and ``twist_model/``, each written atomically)."""
    from pathlib import Path

    out = Path(output)
    corpus = load_corpus(analyzer, manifest)
    classifier = train_classifier(analyzer, manifest, corpus)
    classifier.save(out / "trope_classifier")
    labels_path = Path(manifest).parent / "labels" / "twists.csv" if manifest else None
    labels = None
    if labels_path is not None and labels_path.is_file():
        import csv

        with labels_path.open(encoding="utf-8", newline="") as fh:
            labels = list(csv.DictReader(fh))
    twist = None
    if manifest is None or labels:
        twist = train_twist_model(analyzer, corpus, labels)
        twist.save(out / "twist_model")
    return {"classifier": classifier.meta_, "twist_model": twist.meta_ if twist else None,
            "output": str(out)}
