"""A learned twist-line model: lexicon cue features plus context, weighted from the labels.

Input: a timed ``Script``, its ``Tokens`` and the ``Lexicon``. Output: per line, the
probability that it is a twist and the probability of each twist category.

Why learned: writers phrase twists in countless ways (宁老太爷：你不是如玉。 has no cue word
at all), so a fixed cue list finds too few. The model keeps the lexicon as its backbone — each
category's strongest cue on the line, and on the lines around it — and adds what a script
editor reads: punctuation (！？…—), the kind of line, where it sits in the episode, and short
character n-grams (不是, 竟, 原来) of the line. A multinomial logistic regression (scikit-learn,
training only) is exported to numpy arrays; prediction needs no scikit-learn. It is trained on
every annotator's labels (``evaluation.train_twist_model``), so a line two of three annotators
marked counts as two thirds a twist. A second, unweighted head (twist or not) is calibrated
rather than balanced: summed over an episode, its probabilities estimate how many twists the
episode holds, and ``twists.detect_twists`` keeps that many of the best-ranked lines
(``twists.v3``; ``threshold`` is used only when a caller asks for a threshold).

Saved like the trope classifier: ``model.json`` + ``weights.npz`` (no pickle).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .errors import Errors, ModelError
from .lexicon import CueHit, Lexicon, LinePlace, hits_by_line
from .model import LineKind, Script
from .schema import TWIST_CATEGORIES, TWISTS_MODEL_METHOD
from .segment import Tokens
from .util import load_model_folder, save_model_folder, smoothed_idf

FORMAT = "tropescan.twistmodel/2"
METHOD = TWISTS_MODEL_METHOD
CATEGORIES = TWIST_CATEGORIES
KINDS = (LineKind.DIALOGUE, LineKind.VOICEOVER, LineKind.ACTION, LineKind.SUBTITLE,
         LineKind.TRANSITION, LineKind.PROSE)
NGRAM = (1, 3)


def _dense_names() -> list[str]:
    names = [f"cue_{c}" for c in CATEGORIES] + ["cue_total", "cue_prev", "cue_next"]
    names += ["excl", "quest", "ellipsis", "dash", "quote", "len", "paren"]
    names += [f"kind_{k.value}" for k in KINDS]
    names += ["pos", "last1", "last2", "last3", "first3", "after_heading", "scene_last",
              "speaker_change", "next_excl"]
    return names


DENSE = _dense_names()


def _ngrams(text: str) -> list[str]:
    out = []
    for n in range(NGRAM[0], NGRAM[1] + 1):
        out.extend(text[i:i + n] for i in range(len(text) - n + 1))
    return out


_BITS = 21  # a code point (+1) fits in 21 bits; three of them in an int64


def _gram_key(gram: str) -> int:
    """One integer per n-gram (n <= 3): code points + 1, 21 bits each, first in the low bits.
    Lengths never collide: a longer gram has a non-zero higher field."""
    return sum((ord(c) + 1) << (_BITS * k) for k, c in enumerate(gram))


def _text_grams(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(line index, ``_gram_key``) of every character n-gram of every line, NGRAM sizes."""
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    cps = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64) + 1
    line = np.repeat(np.arange(len(texts), dtype=np.int64), lens)
    rows, keys = [], []
    for n in range(NGRAM[0], NGRAM[1] + 1):
        m = len(cps) - n + 1
        if m <= 0:
            continue
        key = cps[:m].copy()
        for j in range(1, n):
            key |= cps[j:j + m] << (_BITS * j)
        inside = line[:m] == line[n - 1:n - 1 + m]  # the gram does not cross into the next line
        rows.append(line[:m][inside])
        keys.append(key[inside])
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(keys)


def line_features(script: Script, tokens: Tokens, lexicon: Lexicon,
                  place: LinePlace | None = None,
                  cue_hits: dict[int, list[CueHit]] | None = None,
                  ) -> tuple[list[int], np.ndarray, list[str]]:
    """For every scorable line: its index in ``place.refs``, dense features, normalised text.
    ``cue_hits``: the twist cue hits by line, when the caller has them already."""
    place = place or LinePlace.of(script)
    if cue_hits is None:
        cue_hits = hits_by_line(script, lexicon.twist_matcher.find(script.text,
                                                                   tokens.boundaries), place)
    by_line = cue_hits
    rows: list[int] = []
    dense: list[list[float]] = []
    texts: list[str] = []
    k = 0
    for ep in script.episodes:
        lines = ep.lines
        scorable = [i for i, ln in enumerate(lines) if ln.kind in KINDS and ln.norm]
        cue_tot: dict[int, float] = {}
        per_cat: dict[int, dict[str, float]] = {}
        for i in scorable:
            best: dict[str, float] = {}
            for hit in by_line.get(k + i, []):
                best[hit.group] = max(best.get(hit.group, 0.0), hit.weight)
            per_cat[i] = best
            cue_tot[i] = sum(best.values())
        n = len(scorable)
        for rank, i in enumerate(scorable):
            ln = lines[i]
            t = ln.norm
            prev = cue_tot.get(scorable[rank - 1], 0.0) if rank > 0 else 0.0
            nxt = cue_tot.get(scorable[rank + 1], 0.0) if rank + 1 < n else 0.0
            f = [per_cat[i].get(c, 0.0) for c in CATEGORIES]
            f += [cue_tot[i], prev, nxt]
            f += [min(t.count("!"), 3), min(t.count("?"), 3),
                  min(t.count("...") + t.count("…"), 3), min(t.count("—") + t.count("--"), 3),
                  float("“" in t or "\"" in t), min(len(t) / 40.0, 3.0), float(bool(ln.note))]
            f += [float(ln.kind == kind) for kind in KINDS]
            nxt_line = lines[scorable[rank + 1]] if rank + 1 < n else None
            prv_line = lines[scorable[rank - 1]] if rank > 0 else None
            f += [rank / max(n - 1, 1), float(rank == n - 1), float(rank == n - 2),
                  float(rank == n - 3), float(rank < 3),
                  float(i > 0 and lines[i - 1].kind == LineKind.HEADING),
                  float(i + 1 < len(lines) and lines[i + 1].kind in (LineKind.HEADING,
                                                                      LineKind.TRANSITION)),
                  float(prv_line is not None and prv_line.speaker != ln.speaker),
                  float(nxt_line is not None and ("!" in nxt_line.norm or "?" in nxt_line.norm))]
            rows.append(k + i)
            dense.append(f)
            texts.append(t)
        k += len(lines)
    return rows, np.asarray(dense, dtype=np.float64).reshape(len(rows), len(DENSE)), texts


class TwistModel:
    """Multinomial logistic regression over 'none' + the six twist categories."""

    def __init__(self, *, C: float = 2.0, min_count: int = 3, threshold: float = 0.76,
                 count_scale: float = 1.1) -> None:
        self.C = C
        self.min_count = min_count
        self.threshold = threshold
        self.count_scale = count_scale

    def _gram_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """The vocabulary as sorted integer keys (see ``_text_grams``) and their columns."""
        cached = getattr(self, "_keys", None)
        if cached is None:
            grams = list(self.vocabulary_)
            width = NGRAM[1]
            # All grams at once, padded to ``width`` code points; the padding is zeroed by
            # length, so the keys equal ``_gram_key`` (a per-gram loop cost 0.2 s cold).
            cps = np.frombuffer("".join(g.ljust(width, "\0") for g in grams).encode("utf-32-le"),
                                dtype=np.uint32).astype(np.int64).reshape(len(grams), width) + 1
            lens = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
            cps[np.arange(width)[None, :] >= lens[:, None]] = 0
            keys = np.zeros(len(grams), dtype=np.int64)
            for j in range(width):
                keys |= cps[:, j] << (_BITS * j)
            cols = np.fromiter(self.vocabulary_.values(), dtype=np.int64, count=len(grams))
            order = np.argsort(keys)
            cached = self._keys = (keys[order], cols[order])
        return cached

    def _grams(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, tf-idf weight) of every vocabulary n-gram of every line, each row
        L2-normalised: numpy throughout (a Python loop over n-grams took most of the twist
        stage on a long script, and a query never imports scipy)."""
        rows, keys = _text_grams(texts)
        vocab_keys, vocab_cols = self._gram_keys()
        pos = np.searchsorted(vocab_keys, keys).clip(max=max(len(vocab_keys) - 1, 0))
        hit = vocab_keys[pos] == keys if len(vocab_keys) else np.zeros(len(keys), dtype=bool)
        pair = rows[hit] * len(self.vocabulary_) + vocab_cols[pos[hit]]
        pair, counts = np.unique(pair, return_counts=True)
        row, col = np.divmod(pair, len(self.vocabulary_))
        vals = (1.0 + np.log(counts)) * self.idf_[col]
        norms = np.sqrt(np.bincount(row, weights=vals * vals, minlength=len(texts)))
        norms[norms == 0] = 1.0
        return row, col, vals / norms[row]

    def _matrix(self, dense: np.ndarray, texts: Sequence[str]) -> Any:
        """The design matrix (scaled dense features, then n-grams) as scipy CSR, to fit."""
        from scipy import sparse

        row, col, vals = self._grams(texts)
        grams = sparse.csr_matrix((vals, (row, col)), shape=(len(texts), len(self.vocabulary_)))
        scaled = (dense - self.mean_) / self.scale_
        return sparse.hstack([sparse.csr_matrix(scaled), grams]).tocsr()

    def _logits(self, dense: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """``_matrix(dense, texts) @ W.T + b`` for the class weights and, as the last column,
        the count head's: computed with numpy alone, the n-grams found once for both."""
        coef = np.vstack([self.coef_, self.count_coef_[None, :]])
        intercept = np.append(self.intercept_, self.count_intercept_)
        n_dense = dense.shape[1]
        z = ((dense - self.mean_) / self.scale_) @ coef[:, :n_dense].T + intercept
        row, col, vals = self._grams(texts)
        gram_coef = coef[:, n_dense:]
        for k in range(z.shape[1]):
            z[:, k] += np.bincount(row, weights=vals * gram_coef[k, col], minlength=len(texts))
        return z  # type: ignore[no-any-return]

    def fit(self, dense: np.ndarray, texts: Sequence[str], labels: Sequence[str],
            groups: Sequence[str]) -> TwistModel:
        """``labels``: 'none' or a category per line; n-grams must occur in ``min_count``
        different scripts (``groups``) to be kept."""
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        seen: dict[str, set[str]] = {}
        for text, g in zip(texts, groups, strict=True):
            for gram in set(_ngrams(text)):
                seen.setdefault(gram, set()).add(g)
        vocab = sorted(gram for gram, gs in seen.items() if len(gs) >= self.min_count)
        self.vocabulary_ = {gram: i for i, gram in enumerate(vocab)}
        self._keys = None
        n_docs = len(texts)
        df = Counter(gram for text in texts for gram in set(_ngrams(text)) if gram in self.vocabulary_)
        self.idf_ = smoothed_idf([df[g] for g in vocab], n_docs)
        self.mean_ = dense.mean(axis=0)
        self.scale_ = dense.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        X = self._matrix(dense, texts)
        self.classes_ = ["none", *CATEGORIES]
        y = np.array([self.classes_.index(lab) for lab in labels])
        model = LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced")
        # L-BFGS over ~100k weights does vector operations only: BLAS threads add nothing but
        # spin-waiting, which on a busy machine (a test run, a batch pool) made a fit ~10x
        # slower. (Limited here, after the import has loaded scipy's BLAS.)
        with threadpool_limits(limits=1):
            model.fit(X, y)
        coef = np.zeros((len(self.classes_), X.shape[1]))
        intercept = np.zeros(len(self.classes_))
        for row, cls in enumerate(model.classes_):
            coef[int(cls)] = model.coef_[row]
            intercept[int(cls)] = model.intercept_[row]
        self.coef_, self.intercept_ = coef, intercept
        # The count head: twist or not, without class weights, so that its probabilities add
        # up to the number of twists an episode holds (the balanced model above ranks lines
        # well but, weighted, overstates how many there are).
        counter = LogisticRegression(C=self.C, max_iter=3000)
        with threadpool_limits(limits=1):
            counter.fit(X, y > 0)
        self.count_coef_ = counter.coef_[0].astype(np.float64)
        self.count_intercept_ = float(counter.intercept_[0])
        self.meta_: dict[str, Any] = {}
        return self

    def line_probabilities(self, script: Script, tokens: Tokens, lexicon: Lexicon,
                           place: LinePlace | None = None,
                           cue_hits: dict[int, list[CueHit]] | None = None,
                           ) -> tuple[list[int], np.ndarray, np.ndarray]:
        """For every scorable line (index into ``place.refs``): the class probabilities and the
        count head's twist probability (see ``predict_twists``)."""
        rows, dense, texts = line_features(script, tokens, lexicon, place, cue_hits)
        return (rows, *self.predict_twists(dense, texts))

    def predict(self, dense: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, shape (n_lines, 7): column 0 is 'none'."""
        return self.predict_twists(dense, texts)[0]

    def predict_twists(self, dense: np.ndarray, texts: Sequence[str]
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities (n_lines, 7), and the count head's calibrated probability that
        each line is a twist (n_lines,): its sum over an episode estimates how many it holds."""
        if not hasattr(self, "coef_"):
            raise ModelError(Errors.TWIST_NOT_FITTED)
        if not len(texts):
            return np.zeros((0, len(self.classes_))), np.zeros(0)
        z = self._logits(dense, texts)
        counts = 1.0 / (1.0 + np.exp(-z[:, -1]))
        z = z[:, :-1]
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True), counts

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        vocab = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        doc = {"format": FORMAT, "method": METHOD, "tropescan_version": __version__,
               "classes": self.classes_, "dense": DENSE, "vocabulary": vocab,
               "params": {"C": self.C, "min_count": self.min_count, "threshold": self.threshold,
                          "count_scale": self.count_scale},
               **self.meta_}
        return save_model_folder(Path(path), doc, {
            "idf": self.idf_, "coef": self.coef_, "intercept": self.intercept_,
            "mean": self.mean_, "scale": self.scale_, "count_coef": self.count_coef_,
            "count_intercept": np.array([self.count_intercept_])})

    @classmethod
    def load(cls, path: str | Path) -> TwistModel:
        path = Path(path)
        doc, arrays = load_model_folder(path, ("idf", "coef", "intercept", "mean", "scale",
                                               "count_coef", "count_intercept"), "twist model")
        if doc.get("format") != FORMAT or doc.get("dense") != DENSE:
            raise ModelError(Errors.TWIST_VERSION, path=path)
        try:
            model = cls(**doc["params"])
            classes, vocabulary = list(doc["classes"]), list(doc["vocabulary"])
        except (KeyError, TypeError) as exc:
            raise ModelError(Errors.TWIST_ENTRY(detail=exc), path=path) from exc
        if classes != ["none", *CATEGORIES]:
            raise ModelError(Errors.TWIST_CLASSES(got=classes, expected=["none", *CATEGORIES]),
                             path=path)
        n_dense, n_vocab = len(DENSE), len(vocabulary)
        shapes = {"idf": (n_vocab,), "coef": (len(classes), n_dense + n_vocab),
                  "intercept": (len(classes),), "mean": (n_dense,), "scale": (n_dense,),
                  "count_coef": (n_dense + n_vocab,), "count_intercept": (1,)}
        if any(arrays[k].shape != shape or arrays[k].dtype.kind != "f"
               for k, shape in shapes.items()):
            raise ModelError(Errors.TWIST_SHAPES, path=path)
        model.classes_ = classes
        model.vocabulary_ = {g: i for i, g in enumerate(vocabulary)}
        model.idf_, model.coef_ = arrays["idf"], arrays["coef"]
        model.intercept_, model.mean_, model.scale_ = (arrays["intercept"], arrays["mean"],
                                                       arrays["scale"])
        model.count_coef_ = arrays["count_coef"]
        model.count_intercept_ = float(arrays["count_intercept"][0])
        model.meta_ = {k: v for k, v in doc.items() if k not in ("vocabulary", "classes", "params",
                                                                  "dense")}
        return model
