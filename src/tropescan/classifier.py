"""The TF-IDF trope classifier: scikit-learn to train, plain numpy to predict.

Input: token lists (from the shared ``Segmenter``) and trope label sets. Output: per-trope
probabilities.

``fit`` uses scikit-learn (``TfidfVectorizer`` over our tokens, unigrams and bigrams of content
words, sublinear tf; one ``LogisticRegression`` per trope with balanced class weights). The
fitted vocabulary, idf and coefficients are then exported, so ``predict_proba`` is a sparse
dot product in numpy: scoring a script never imports scikit-learn (~1 s saved per process).

Saved form (``save``/``load``): a folder with ``model.json`` (format version, classes,
parameters, vocabulary, fingerprints of the lexicon and the training data, metrics) and
``weights.npz`` (idf, coefficients, intercepts), loaded with ``allow_pickle=False``: a model
file never executes code.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .errors import Errors, ModelError, SettingsError
from .inttable import IntTable
from .schema import CLASSIFIER_METHOD
from .segment import WordCodes, features
from .util import load_model_folder, save_model_folder

FORMAT = "tropescan.classifier/1"
METHOD = CLASSIFIER_METHOD
CALIBRATION_FOLDS = 3
# (i, j, dropped): the document ``strip_names(words[i:j], dropped)`` of a token list ``words``
Span = tuple[int, int, Iterable[str]]


class NotFittedError(ModelError):
    """A classifier used before ``fit`` or ``load``."""


@dataclass(frozen=True, slots=True)
class _Terms:
    """The vocabulary as lookups on word codes, to count documents' features in numpy.

    ``codes`` numbers the words of the terms; ``unigram[c]`` is the feature index of word ``c``
    (-1: none; the last entry answers -1 for code -1, a word outside ``codes``); ``pairs``
    holds the bigram ``a b`` under the key ``a * len(codes) + b``."""

    codes: dict[str, int]
    unigram: np.ndarray
    pairs: IntTable

    @classmethod
    def of(cls, vocabulary: dict[str, int]) -> _Terms:
        # every term is a word (a token may hold a space), then come the words of the bigrams
        codes = dict(zip(vocabulary, range(len(vocabulary)), strict=True))
        pairs: list[tuple[int, int, int]] = []
        for term, i in vocabulary.items():
            cut = term.find(" ")
            while cut != -1:  # the bigram "a b" at every space it could be cut at
                a = codes.setdefault(term[:cut], len(codes))
                pairs.append((a, codes.setdefault(term[cut + 1:], len(codes)), i))
                cut = term.find(" ", cut + 1)
        n = len(codes)
        unigram = np.full(n + 1, -1, dtype=np.int64)
        unigram[:len(vocabulary)] = list(vocabulary.values())
        return cls(codes, unigram,
                   IntTable.of(np.array([a * n + b for a, b, _ in pairs], dtype=np.int64),
                               np.array([i for _, _, i in pairs], dtype=np.int64)))

    def found(self, seqs: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The feature indices of documents whose content words have the term codes ``seqs``
        (-1: in no term), all in one array: document ``d``'s are ``out[begin[d]:begin[d + 1]]``
        in the order of ``features`` (unigrams, then bigrams), -1 where a gram is no term."""
        lengths = np.array([len(q) for q in seqs], dtype=np.int64)
        seq = np.concatenate([np.zeros(0, dtype=np.int64), *seqs])
        begin = np.concatenate([[0], np.cumsum(np.maximum(2 * lengths - 1, 0))])
        doc = np.repeat(np.arange(len(seqs)), lengths)  # of each word of seq
        local = np.arange(len(seq)) - np.concatenate([[0], np.cumsum(lengths)])[doc]
        out = np.full(begin[-1], -1, dtype=np.int64)
        out[begin[doc] + local] = self.unigram[seq]
        pair = np.flatnonzero(doc[:-1] == doc[1:])  # word t and t + 1 of one document
        pair = pair[(seq[pair] >= 0) & (seq[pair + 1] >= 0)]
        owner = doc[pair]
        out[begin[owner] + lengths[owner] + local[pair]] = self.pairs.get(
            seq[pair] * len(self.codes) + seq[pair + 1])
        return out, begin


class TropeClassifier:
    """Multi-label trope classifier.

    Parameters
    ----------
    C : inverse regularisation strength of each logistic regression.
    min_df : ignore features seen in fewer documents.
    max_features : keep at most this many features (by corpus frequency).
    """

    def __init__(self, *, C: float = 30.0, min_df: int = 2, max_features: int = 30000) -> None:
        self.C = C
        self.min_df = min_df
        self.max_features = max_features

    def _validate(self) -> None:
        if not (isinstance(self.C, int | float) and self.C > 0):
            raise SettingsError(Errors.CLASSIFIER_C(got=self.C))
        if not (isinstance(self.min_df, int) and self.min_df >= 1):
            raise SettingsError(Errors.CLASSIFIER_MIN_DF(got=self.min_df))
        if not (isinstance(self.max_features, int) and self.max_features >= 10):
            raise SettingsError(Errors.CLASSIFIER_MAX_FEATURES(got=self.max_features))

    # -- training ------------------------------------------------------------------------
    def fit(self, docs: Sequence[Sequence[str]], labels: Sequence[Sequence[str]],
            classes: Sequence[str], groups: Sequence[str] | None = None) -> TropeClassifier:
        """Learn from token lists ``docs`` whose trope ids are ``labels``.

        With ``groups`` (the script each document comes from), a feature is kept only when it
        occurs in at least ``min_df`` different groups: episodes of one script share its
        private vocabulary, which must not count as evidence.
        """
        self._validate()
        from sklearn.feature_extraction.text import TfidfVectorizer

        vocabulary = None
        if groups is not None:
            seen: dict[str, set[str]] = {}
            for doc, group in zip(docs, groups, strict=True):
                for f in set(features(doc)):
                    seen.setdefault(f, set()).add(group)
            kept = [f for f, g in seen.items() if len(g) >= self.min_df]
            kept.sort(key=lambda f: (-len(seen[f]), f))
            vocabulary = sorted(kept[: self.max_features])
        vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, norm="l2",
                                     vocabulary=vocabulary,
                                     **({} if vocabulary else {"min_df": self.min_df,
                                                               "max_features": self.max_features}))
        X = vectorizer.fit_transform(docs)
        self.classes_ = list(classes)
        coef, intercept = self._fit_logistic(X, labels)
        if groups is not None and len(set(groups)) >= CALIBRATION_FOLDS:
            coef, intercept = self._calibrated(X, labels, groups, coef, intercept)
        vocab = vectorizer.vocabulary_
        self.vocabulary_ = {term: int(i) for term, i in vocab.items()}
        self.idf_ = vectorizer.idf_.astype(np.float64)
        self.coef_ = coef
        self.intercept_ = intercept
        self.meta_: dict[str, Any] = {}
        for cache in ("_terms", "_coef_rows"):  # the lookups of a previous fit
            self.__dict__.pop(cache, None)
        return self

    def _fit_logistic(self, X: Any, labels: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """One balanced logistic regression per trope: (coefficients, intercepts)."""
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        coef = np.zeros((len(self.classes_), X.shape[1]))
        intercept = np.zeros(len(self.classes_))
        # L-BFGS over one ~10k-feature vector gains nothing from BLAS threads; their
        # spin-waiting made each fit ~8x slower (CPU time) on a busy 2-core machine.
        with threadpool_limits(limits=1, user_api="blas"):
            for k, cls in enumerate(self.classes_):
                y = np.array([cls in set(lab) for lab in labels], dtype=int)
                if y.sum() == 0 or y.sum() == len(y):
                    intercept[k] = -10.0 if y.sum() == 0 else 10.0
                    continue
                model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000)
                model.fit(X, y)
                coef[k] = model.coef_[0]
                intercept[k] = model.intercept_[0]
        return coef, intercept

    def _calibrated(self, X: Any, labels: Sequence[Sequence[str]], groups: Sequence[str],
                    coef: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Platt scaling per trope, fitted on out-of-fold scores (grouped folds): balanced
        class weights make raw probabilities run high for rare tropes, and the trope rule
        reads the probability as a probability. The sigmoid ``a·z + b`` folds into the
        weights, so prediction is unchanged in form."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupKFold

        oof = np.zeros((X.shape[0], len(self.classes_)))
        for train, test in GroupKFold(n_splits=CALIBRATION_FOLDS).split(X, groups=groups):
            c, i = self._fit_logistic(X[train], [labels[j] for j in train])
            oof[test] = X[test] @ c.T + i
        coef, intercept = coef.copy(), intercept.copy()
        for k, cls in enumerate(self.classes_):
            y = np.array([cls in set(lab) for lab in labels], dtype=int)
            if y.sum() < 2 or y.sum() == len(y):
                continue
            platt = LogisticRegression(C=1e4, max_iter=1000).fit(oof[:, k:k + 1], y)
            a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
            if a > 0:  # a sigmoid that reverses the scores would be noise, not calibration
                coef[k] *= a
                intercept[k] = a * intercept[k] + b
        return coef, intercept

    def _check(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError(Errors.CLASSIFIER_NOT_FITTED)

    # -- prediction (numpy only) ---------------------------------------------------------
    @cached_property
    def _terms(self) -> _Terms:
        return _Terms.of(self.vocabulary_)

    @cached_property
    def _coef_rows(self) -> np.ndarray:
        """``coef_`` transposed, a feature per row: ``_coef_rows[idx].T == coef_[:, idx]``."""
        return np.ascontiguousarray(self.coef_.T)

    def transform_one(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The document's sparse TF-IDF vector as (indices, values), like the vectorizer."""
        return self.transform_spans(words, [(0, len(words), ())])[0]

    def transform_spans(self, words: Sequence[str], spans: Sequence[Span]
                        ) -> list[tuple[np.ndarray, np.ndarray]]:
        """``transform_one(strip_names(words[i:j], dropped))`` for each ``(i, j, dropped)`` of
        ``spans``, in one batch: a script's blocks overlap, so each distinct word is looked up
        once, and the features of all blocks are counted together."""
        self._check()
        doc = WordCodes.of(words)
        terms = self._terms
        known = np.fromiter(map(terms.codes.get, doc.words, itertools.repeat(-1)),
                            dtype=np.int64, count=len(doc.words))
        found, begin = terms.found([known[doc.kept(i, j, dropped)] for i, j, dropped in spans])
        return self._tfidf(found, begin)

    def _tfidf(self, found: np.ndarray, begin: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """The vectors of documents whose feature occurrences are ``found[begin[d]:begin[d +
        1]]`` (-1: none): each one's indices in order of first occurrence (as a ``Counter``
        would list them, which sets the order of the sums below) and its values, computed as
        the vectorizer does (sublinear tf, l2 norm) one document at a time."""
        n_docs, n_found = len(begin) - 1, len(found)
        at = np.flatnonzero(found >= 0)
        if not at.size:
            return [(np.zeros(0, dtype=np.int64), np.zeros(0)) for _ in range(n_docs)]
        doc = np.repeat(np.arange(n_docs), np.diff(begin))[at]
        # one sort groups a document's occurrences of a feature, the first one first; the keys
        # are distinct (they hold the position), so any sort gives the same order (features x
        # documents x positions stays far below 2^63 for any batch that fits in memory)
        keys = np.sort((found[at] * n_docs + doc) * n_found + at)
        group = keys // n_found
        head = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
        # marked where each feature first occurs: read in place, they list the features
        # document by document, each in order of first occurrence
        first = keys[head] % n_found
        is_first = np.zeros(n_found, dtype=bool)
        is_first[first] = True
        count_at = np.zeros(n_found, dtype=np.int64)
        count_at[first] = np.diff(np.concatenate([head, [len(keys)]]))
        firsts = np.flatnonzero(is_first)
        idx, counts = found[firsts], count_at[firsts]
        # math.log, not np.log: the values must not move by a bit from the vectorizer's
        tf_of = np.zeros(counts.max() + 1)
        levels = np.flatnonzero(np.bincount(counts))
        tf_of[levels] = [1 + math.log(c) for c in levels.tolist()]
        tf = tf_of[counts]
        out = []
        for a, b in itertools.pairwise(np.searchsorted(firsts, begin).tolist()):
            vals = tf[a:b] * self.idf_[idx[a:b]]
            vals /= np.linalg.norm(vals) or 1.0
            out.append((idx[a:b], vals))
        return out

    def predict_one(self, words: Sequence[str]) -> dict[str, float]:
        return self.predict_spans(words, [(0, len(words), ())])[0]

    def predict_spans(self, words: Sequence[str], spans: Sequence[Span]
                      ) -> list[dict[str, float]]:
        """``predict_one(strip_names(words[i:j], dropped))`` for each ``(i, j, dropped)``."""
        rows = self.transform_spans(words, spans)
        z = np.empty((len(rows), len(self.classes_)))
        for k, (idx, vals) in enumerate(rows):
            # coef_[:, idx] in the layout numpy gives it (Fortran), gathered from rows twice
            # as fast: the same BLAS product, so the same sums to the last bit
            z[k] = np.take(self._coef_rows, idx, axis=0).T @ vals
        probs = 1.0 / (1.0 + np.exp(-(z + self.intercept_)))
        return [dict(zip(self.classes_, row, strict=True)) for row in probs.tolist()]

    def predict_proba(self, docs: Sequence[Sequence[str]]) -> Any:
        """A DataFrame, one row per document and one column per trope id."""
        import pandas as pd

        return pd.DataFrame([self.predict_one(d) for d in docs], columns=self.classes_)

    def top_features(self, trope: str, n: int = 15) -> list[tuple[str, float]]:
        self._check()
        k = self.classes_.index(trope)
        inv = {i: t for t, i in self.vocabulary_.items()}
        order = np.argsort(-self.coef_[k])[:n]
        return [(inv[int(i)], float(self.coef_[k, i])) for i in order]

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: str | Path, **meta: Any) -> Path:
        """Write the model folder atomically (a temporary folder renamed into place)."""
        self._check()
        vocab = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        doc = {
            "format": FORMAT, "method": METHOD, "tropescan_version": __version__,
            "classes": self.classes_, "params": {"C": self.C, "min_df": self.min_df,
                                                 "max_features": self.max_features},
            "vocabulary": vocab, **self.meta_, **meta,
        }
        save_model_folder(Path(path), doc, {"idf": self.idf_, "coef": self.coef_,
                                            "intercept": self.intercept_})
        self.meta_.update(meta)
        return Path(path)

    @classmethod
    def load(cls, path: str | Path) -> TropeClassifier:
        path = Path(path)
        doc, arrays = load_model_folder(path, ("idf", "coef", "intercept"), "classifier")
        idf, coef, intercept = arrays["idf"], arrays["coef"], arrays["intercept"]
        if doc.get("format") != FORMAT:
            raise ModelError(Errors.CLASSIFIER_FORMAT(got=doc.get("format")), path=path)
        try:
            vocab, classes = list(doc["vocabulary"]), list(doc["classes"])
            model = cls(**doc["params"])
        except (KeyError, TypeError) as exc:
            raise ModelError(Errors.CLASSIFIER_ENTRY(detail=exc), path=path) from exc
        if (coef.shape != (len(classes), len(vocab)) or idf.shape != (len(vocab),)
                or intercept.shape != (len(classes),)
                or any(a.dtype.kind != "f" for a in (idf, coef, intercept))):
            raise ModelError(Errors.CLASSIFIER_SHAPES, path=path)
        model.classes_ = classes
        model.vocabulary_ = {t: i for i, t in enumerate(vocab)}
        model.idf_, model.coef_, model.intercept_ = idf, coef, intercept
        model.meta_ = {k: v for k, v in doc.items()
                       if k not in ("vocabulary", "classes", "params")}
        return model
