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

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .errors import Errors, ModelError, SettingsError
from .schema import CLASSIFIER_METHOD
from .segment import features
from .util import load_model_folder, save_model_folder

FORMAT = "tropescan.classifier/1"
METHOD = CLASSIFIER_METHOD
CALIBRATION_FOLDS = 3


class NotFittedError(ModelError):
    """A classifier used before ``fit`` or ``load``."""


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
    def transform_one(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The document's sparse TF-IDF vector as (indices, values), like the vectorizer."""
        self._check()
        counts = Counter(f for f in features(words) if f in self.vocabulary_)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter((self.vocabulary_[f] for f in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1 + math.log(c) for c in counts.values()), dtype=np.float64,
                         count=len(counts))
        vals = tf * self.idf_[idx]
        vals /= np.linalg.norm(vals) or 1.0
        return idx, vals

    def predict_one(self, words: Sequence[str]) -> dict[str, float]:
        idx, vals = self.transform_one(words)
        z = self.coef_[:, idx] @ vals + self.intercept_
        probs = 1.0 / (1.0 + np.exp(-z))
        return {cls: float(p) for cls, p in zip(self.classes_, probs, strict=True)}

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
