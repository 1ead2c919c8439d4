"""The learned twist model: per sentence, the probability of a twist and of each category.

Input: a timed ``Script``, its ``Tokens``, the ``Lexicon`` and the signal lexicon
(``twist_signals``). Output: per sentence (``sentences.Sentence``, see there for how long ASR
cues are cut and short OCR cues joined) a calibrated probability that a twist lands there, and
the probability of each of the six categories given a twist.

Features (``DENSE``, then character n-grams of the sentence):

* the lexicon's twist cues (``lexicons/twists.toml``, token-aligned): per category the strongest
  cue in the sentence, their sum, and the sums of the sentences before and after;
* the general signals of ``twist_signals`` (reveal constructions, contradictions, danger,
  violence and sound, reactions in the next sentences, threats, open questions, new titles,
  changed numbers, novelty, emotional intensity and its jump, question-then-answer);
* the sentence itself: punctuation (!?…—), length, the kind of line it lands on, whether it
  was joined from several cues; where it sits: its share of the episode's time, the last
  sentences and the last seconds, the first ones; and, for the hook, whether the last
  sentences leave something open (a question, a danger, a threat, a reveal) — an episode ends
  on a hook only where its end says so, never by position alone.

Two logistic regressions (scikit-learn at training only; prediction is numpy): a **twist
head** (twist or not), unweighted so that its probabilities are calibrated — summed over an
episode they estimate how many twists it holds, and ``threshold`` decides each sentence, so the
count follows the content (no per-episode prior); and a **category head** trained on the
twist sentences only. ``predict`` returns (n, 7): column 0 is P(none), column k is
P(twist) x P(category k | twist). Saved as ``model.json`` + ``weights.npz`` (no pickle).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .errors import Errors, ModelError
from .inttable import IntTable
from .lexicon import CueHit, Lexicon, LinePlace, hits_by_line
from .model import LineKind, Script
from .schema import TWIST_CATEGORIES, TWISTS_MODEL_METHOD
from .segment import Tokens
from .sentences import SCORED_KINDS, Sentence, sentences
from .twist_signals import (
    GROUPS,
    SIGNAL_FEATURES,
    SignalLexicon,
    gram_keys,
    load_signals,
    signal_features,
    text_grams,
)
from .util import load_model_folder, save_model_folder, smoothed_idf

FORMAT = "tropescan.twistmodel/3"
METHOD = TWISTS_MODEL_METHOD
CATEGORIES = TWIST_CATEGORIES
KINDS = SCORED_KINDS
NGRAM = (1, 3)
TAIL_S = 12.0  # the last seconds of an episode, where a hook sits
#: what leaves an ending open: a question or an unknown, a threat, danger or violence, a
#: reveal, a contradiction, someone new, a reaction still hanging
_OPEN = [GROUPS.index(g) for g in ("open", "question", "threat", "danger", "violence", "reveal",
                                   "contradict", "intro", "reaction")]
#: features read against the script's own mean: how a text punctuates and how long its
#: sentences run is its style (ASR, OCR, a writer's draft), not news
RELATIVE = ("excl", "quest", "ellipsis", "dash", "len", "paren")
#: what makes an episode intense, per sentence: these signals, the emotions and the cues
_INTENSE = [f"sig_{g}" for g in ("reveal", "contradict", "danger", "violence", "reaction",
                                 "threat")] + ["emo_total", "cue_total"]


def _dense_names() -> list[str]:
    names = [f"cue_{c}" for c in CATEGORIES] + ["cue_total", "cue_prev", "cue_next"]
    names += ["excl", "quest", "ellipsis", "dash", "len", "paren", "joined"]
    names += [f"kind_{k.value}" for k in KINDS if k is not LineKind.SUBTITLE]
    names += ["pos", "last1", "last2", "tail", "first3", "head", "after_heading", "scene_last",
              "speaker_change", "next_excl", "end_open", "ep_intensity", "tail_intensity",
              "tail_danger", "tail_reveal", "tail_emotion", "tail_closure"]
    return names + SIGNAL_FEATURES


DENSE = _dense_names()
_COL = {name: i for i, name in enumerate(DENSE)}



@dataclass
class SentenceFeatures:
    """What the model scores: the sentences (landing on their strongest cue), their dense
    features, their normalised texts and the lexicon cue words each holds."""

    sentences: list[Sentence]
    dense: np.ndarray
    texts: list[str]
    cues: list[list[str]]
    grams: list[str]  # what the n-grams are read from: the text and its neighbours (CONTEXT)


def _ngrams(text: str) -> list[str]:
    out = []
    for n in range(NGRAM[0], NGRAM[1] + 1):
        out.extend(text[i:i + n] for i in range(len(text) - n + 1))
    return out


#: (neighbour, plane offset): the next sentence in plane 6, the one before in plane 7
CONTEXT = ((1, 0x60000), (-1, 0x70000))


def _sentence_hits(sents: Sequence[Sentence], by_line: dict[int, list[CueHit]]
                   ) -> list[list[CueHit]]:
    """The lexicon cue hits inside each sentence's pieces."""
    return [[h for p in s.pieces for h in by_line.get(p.ref, []) if p.start <= h.start < p.end]
            for s in sents]


def _landed(sents: list[Sentence], hits: list[list[CueHit]]) -> list[Sentence]:
    """Each sentence landing on the piece of its strongest cue (else on its last piece)."""
    return [s.with_landing(max(h, key=lambda c: (c.weight, c.start)).start) if h and
            len(s.pieces) > 1 else s for s, h in zip(sents, hits, strict=True)]


def sentence_features(script: Script, tokens: Tokens, lexicon: Lexicon,
                      signals: SignalLexicon | None = None, place: LinePlace | None = None,
                      cue_hits: dict[int, list[CueHit]] | None = None) -> SentenceFeatures:
    """Every sentence of the script with its ``DENSE`` features and normalised text.
    ``cue_hits``: the twist cue hits by line, when the caller has them already."""
    place = place or LinePlace.of(script)
    signals = signals or load_signals()
    if cue_hits is None:
        cue_hits = hits_by_line(script, lexicon.twist_matcher.find(script.text,
                                                                   tokens.boundaries), place)
    sents = sentences(script)
    hits = _sentence_hits(sents, cue_hits)
    sents = _landed(sents, hits)
    texts = [signals.normalize(s.text) for s in sents]
    sig = signal_features(signals, texts, [s.episode for s in sents])
    dense = np.zeros((len(sents), len(DENSE)))
    dense[:, len(DENSE) - len(SIGNAL_FEATURES):] = sig
    _cue_columns(dense, sents, hits)
    _sentence_columns(dense, script, place, sents, texts)
    if len(sents):  # relative to the script's own habits: ASR has no punctuation at all
        cols = [_COL[c] for c in RELATIVE]
        dense[:, cols] -= dense[:, cols].mean(axis=0)
    cues = [list(dict.fromkeys(h.cue for h in hs)) if hs else [] for hs in hits]
    return SentenceFeatures(sents, dense, texts, cues, context_texts(texts, sents))


def closed_endings(dense: np.ndarray) -> np.ndarray:
    """Per sentence: it sits at an episode's end and leaves nothing open (no question, danger,
    threat, reveal, newcomer or cue there) — such an ending is no hook."""
    return (dense[:, _COL["tail"]] > 0) & (dense[:, _COL["end_open"]] <= 0)


def context_texts(texts: Sequence[str], sents: Sequence[Sentence]) -> list[str]:
    """Each sentence's text, then the next sentence's and the one before, each moved to its
    own unused Unicode plane (``CONTEXT``): one n-gram vocabulary holds 什么 said here, 什么
    said just after (a reaction) and just before (a set-up), as three different features."""
    episode = [s.episode for s in sents]
    n = len(texts)
    columns = [list(texts)]
    for k, shift in CONTEXT:
        moved = _moved(texts, shift)
        columns.append(["\n" + moved[i + k] if 0 <= i + k < n and episode[i + k] == episode[i]
                        else "" for i in range(n)])
    return ["".join(parts) for parts in zip(*columns, strict=True)]


def _moved(texts: Sequence[str], offset: int) -> list[str]:
    """Every text with each code point below U+10000 moved up by ``offset``, in one pass."""
    cps = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    joined = np.where(cps < 0x10000, cps + offset, cps).astype("<u4").tobytes().decode("utf-32-le")
    return [joined[a:b] for a, b in itertools.pairwise(itertools.accumulate(map(len, texts),
                                                                            initial=0))]


def _cue_columns(dense: np.ndarray, sents: Sequence[Sentence],
                 hits: Sequence[Sequence[CueHit]]) -> None:
    for i, hs in enumerate(hits):
        if not hs:
            continue  # no cue: the row keeps its zeros
        best: dict[str, float] = {}
        for h in hs:
            best[h.group] = max(best.get(h.group, 0.0), h.weight)
        for c, w in best.items():
            if c in CATEGORIES:
                dense[i, _COL[f"cue_{c}"]] = w
        dense[i, _COL["cue_total"]] = sum(best.values())
    total = dense[:, _COL["cue_total"]]
    ep = np.fromiter((s.episode for s in sents), dtype=np.int64, count=len(sents))
    if len(sents) > 1:
        same = ep[1:] == ep[:-1]
        dense[1:, _COL["cue_prev"]] = np.where(same, total[:-1], 0.0)
        dense[:-1, _COL["cue_next"]] = np.where(same, total[1:], 0.0)


def _sentence_columns(dense: np.ndarray, script: Script, place: LinePlace,
                      sents: Sequence[Sentence], texts: Sequence[str]) -> None:
    """Punctuation, length, kind, place in the episode, open endings (one row per sentence),
    column by column over the whole script."""
    if not sents:
        return
    dense[:, _COL["excl"]] = np.minimum([t.count("!") for t in texts], 3)
    dense[:, _COL["quest"]] = np.minimum([t.count("?") for t in texts], 3)
    dense[:, _COL["ellipsis"]] = np.minimum([t.count("..") + t.count("…") for t in texts], 3)
    dense[:, _COL["dash"]] = np.minimum([t.count("—") + t.count("--") for t in texts], 3)
    size = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) / 20.0
    dense[:, _COL["len"]] = np.where(size > 3.0, 3.0, size)
    n = len(sents)
    # each episode's sentences in script order: the rank in it, the ones around, its last
    episode_of = np.fromiter((s.episode for s in sents), dtype=np.int64, count=len(sents))
    order = np.argsort(episode_of, kind="stable")
    episode = episode_of[order]
    opens = np.r_[True, episode[1:] != episode[:-1]]
    starts, group = np.flatnonzero(opens), np.cumsum(opens) - 1
    ends = np.r_[starts[1:], n][group]
    at = np.arange(n)
    rank, from_end, prev, nxt, last = (np.zeros(n, dtype=np.int64) for _ in range(5))
    rank[order], from_end[order] = at - starts[group], ends - 1 - at
    prev[order] = order[np.where(at > starts[group], at - 1, at)]  # itself at the ends
    nxt[order] = order[np.where(at < ends - 1, at + 1, at)]
    last[order] = order[ends - 1]
    # how intense each episode is as a whole: a calm one's ending is rarely a hook (summed
    # like the rows of any part of this C-ordered block: each row on its own)
    strength = dense[np.ix_(at, [_COL[c] for c in _INTENSE])].sum(axis=1)
    intensity = np.zeros(n)
    for a, b in zip(starts.tolist(), np.r_[starts[1:], n].tolist(), strict=True):
        intensity[order[a:b]] = float(strength[order[a:b]].mean())
    _line_columns(dense, script, sents, texts, episode_of, rank, prev, nxt)
    land_s = np.array([s.landing.start_s for s in sents])
    duration = np.array([max(ep.duration_s, 1e-6) for ep in script.episodes])[episode_of]
    # np.where(b > a, b, a) is Python's max(a, b), np.where(a > b, b, a) its min(a, b)
    closing = (from_end <= 1).astype(np.float64)
    late = 1.0 - (duration - land_s) / TAIL_S
    tail = np.where(late > closing, late, closing)
    share = land_s / duration
    head = 1.0 - np.array([s.start_s for s in sents]) / 5.0
    dense[:, _COL["pos"]] = np.where(share > 1.0, 1.0, share)
    dense[:, _COL["last1"]] = from_end == 0
    dense[:, _COL["last2"]] = from_end == 1
    dense[:, _COL["tail"]] = np.where(tail > 0.0, tail, 0.0)
    dense[:, _COL["first3"]] = rank < 3
    dense[:, _COL["head"]] = np.where(head > 0.0, head, 0.0)
    dense[:, _COL["ep_intensity"]] = intensity
    _ending_columns(dense, texts, tail, intensity, last)


def _line_columns(dense: np.ndarray, script: Script, sents: Sequence[Sentence],
                  texts: Sequence[str], episode: np.ndarray, rank: np.ndarray,
                  prev: np.ndarray, nxt: np.ndarray) -> None:
    """What the lines around each sentence say: its kind and note, a heading before it, a
    scene change after it, a new speaker, an exclamation next. ``prev``/``nxt``: the
    sentence before and after in its ``episode`` (itself at the ends, see ``rank``)."""
    lines = [ln for ep in script.episodes for ln in ep.lines]  # Piece.ref indexes these
    bounds = np.array([0, *itertools.accumulate(len(ep.lines) for ep in script.episodes)])
    land = np.fromiter((s.landing.ref for s in sents), dtype=np.int64, count=len(sents))
    first = np.fromiter((s.pieces[0].ref for s in sents), dtype=np.int64, count=len(sents))
    heading = np.array([ln.kind == LineKind.HEADING for ln in lines] + [False])
    scene = np.array([ln.kind in (LineKind.HEADING, LineKind.TRANSITION) for ln in lines]
                     + [False])
    speakers: dict[str | None, int] = {}
    speaker = np.array([speakers.setdefault(ln.speaker, len(speakers)) for ln in lines])
    # a subtitle is spoken, like dialogue
    kind_col = {k: _COL[f"kind_{(LineKind.DIALOGUE if k is LineKind.SUBTITLE else k).value}"]
                for k in {lines[r].kind for r in set(land.tolist())}}
    dense[np.arange(len(sents)), [kind_col[lines[r].kind] for r in land.tolist()]] = 1.0
    dense[:, _COL["paren"]] = [float(bool(lines[r].note)) for r in land.tolist()]
    dense[:, _COL["joined"]] = [float(len(s.pieces) > 1 and len({p.ref for p in s.pieces}) > 1)
                                for s in sents]
    dense[:, _COL["after_heading"]] = (first > bounds[episode]) & heading[first - 1]
    dense[:, _COL["scene_last"]] = (land + 1 < bounds[episode + 1]) & scene[land + 1]
    dense[:, _COL["speaker_change"]] = (rank > 0) & (speaker[land[prev]] != speaker[land])
    bang = np.array(["!" in t or "?" in t for t in texts])
    dense[:, _COL["next_excl"]] = (nxt != np.arange(len(sents))) & bang[nxt]


def _ending_columns(dense: np.ndarray, texts: Sequence[str], tail: np.ndarray,
                    intensity: np.ndarray, last: np.ndarray) -> None:
    """Where a sentence is in an episode's tail (``tail`` > 0): how open, intense, dangerous,
    revealing, emotional or settling the ending is. ``last``: the episode's last sentence."""
    rows = np.flatnonzero(tail > 0)
    if not len(rows):
        return
    t = tail[rows]
    f = dense[rows]
    open_sig = dense[:, [len(DENSE) - len(SIGNAL_FEATURES) + j for j in _OPEN]].sum(axis=1)
    trailing = np.array([float(texts[i].rstrip().endswith(("..", "—", "-", "?")))
                         for i in rows.tolist()])
    cue = f[:, _COL["cue_total"]]
    opened = (open_sig[rows] + 0.5 * open_sig[last[rows]] + cue + trailing) / 2.0
    dense[rows, _COL["end_open"]] = t * np.where(opened < 1.0, opened, 1.0)
    dense[rows, _COL["tail_intensity"]] = t * intensity[rows]
    dense[rows, _COL["tail_danger"]] = t * (f[:, _COL["sig_danger"]] + f[:, _COL["sig_violence"]])
    dense[rows, _COL["tail_reveal"]] = t * (f[:, _COL["sig_reveal"]] + cue)
    dense[rows, _COL["tail_emotion"]] = t * f[:, _COL["emo_total"]]
    dense[rows, _COL["tail_closure"]] = t * f[:, _COL["sig_closure"]]


class TwistModel:
    """A calibrated twist head and a category head over ``DENSE`` + character n-grams."""

    # threshold: chosen by 5-fold grouped CV over the development set's series (held-out F1
    # within 2 s 0.44 at 0.25 against 0.37 at 0.4, density rank correlation 0.74 against 0.66)
    def __init__(self, *, C: float = 1.0, min_count: int = 3, threshold: float = 0.25,
                 category_C: float = 1.0) -> None:
        self.C = C
        self.min_count = min_count
        self.threshold = threshold
        self.category_C = category_C

    @property
    def params(self) -> dict[str, Any]:
        return {"C": self.C, "min_count": self.min_count, "threshold": self.threshold,
                "category_C": self.category_C}

    def _gram_index(self) -> IntTable:
        """The vocabulary's integer keys (``twist_signals.gram_keys``) -> their columns."""
        cached = getattr(self, "_keys", None)
        if cached is None:
            cols = np.fromiter(self.vocabulary_.values(), dtype=np.int64,
                               count=len(self.vocabulary_))
            cached = self._keys = IntTable.of(gram_keys(list(self.vocabulary_), NGRAM[1]), cols)
        return cached

    def _grams(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, tf-idf weight) of every vocabulary n-gram of every text, each row
        L2-normalised: numpy throughout (a query never imports scipy)."""
        rows, keys = text_grams(texts, NGRAM)
        cols = self._gram_index().get(keys)
        hit = cols >= 0
        pair = rows[hit] * len(self.vocabulary_) + cols[hit]
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
        """Twist logit (column 0) and category logits (columns 1-6), numpy only."""
        coef = np.vstack([self.coef_[None, :], self.cat_coef_])
        intercept = np.r_[self.intercept_, self.cat_intercept_]
        n_dense = dense.shape[1]
        z = ((dense - self.mean_) / self.scale_) @ coef[:, :n_dense].T + intercept
        row, col, vals = self._grams(texts)
        gram_coef = coef[:, n_dense:]
        for k in range(z.shape[1]):
            z[:, k] += np.bincount(row, weights=vals * gram_coef[k, col], minlength=len(texts))
        return z  # type: ignore[no-any-return]

    def fit(self, dense: np.ndarray, texts: Sequence[str], labels: Sequence[str],
            groups: Sequence[str], weights: Sequence[float] | None = None) -> TwistModel:
        """``labels``: 'none' or a category per sentence; ``weights`` per sentence (default
        1); n-grams must occur in ``min_count`` different scripts (``groups``) to be kept."""
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        self._vocabulary(texts, groups)
        self.mean_ = dense.mean(axis=0)
        self.scale_ = dense.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        X = self._matrix(dense, texts)
        y = np.array([0 if lab == "none" else CATEGORIES.index(lab) + 1 for lab in labels])
        w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
        # L-BFGS over ~100k weights does vector operations only: BLAS threads add nothing but
        # spin-waiting (limited here, after the import has loaded scipy's BLAS).
        with threadpool_limits(limits=1):
            twist = LogisticRegression(C=self.C, max_iter=3000).fit(X, y > 0, sample_weight=w)
            self._fit_categories(X[y > 0], y[y > 0], w[y > 0])
        self.coef_ = twist.coef_[0].astype(np.float64)
        self.intercept_ = float(twist.intercept_[0])
        self.classes_ = ["none", *CATEGORIES]
        self.signals_ = load_signals()
        self.meta_: dict[str, Any] = {}
        return self

    def _fit_categories(self, X: Any, y: np.ndarray, w: np.ndarray) -> None:
        """The category head, on the twist sentences only (classes balanced: reversals and
        betrayals are rarer than reveals, not less likely once a twist is there)."""
        from sklearn.linear_model import LogisticRegression

        self.cat_coef_ = np.zeros((len(CATEGORIES), X.shape[1]))
        self.cat_intercept_ = np.full(len(CATEGORIES), -30.0)  # never seen: never chosen
        present = sorted(set(y.tolist()))
        if len(present) == 1:
            self.cat_intercept_[present[0] - 1] = 0.0
            return
        cats = LogisticRegression(C=self.category_C, max_iter=3000, class_weight="balanced")
        cats.fit(X, y, sample_weight=w)
        coefs, intercepts = cats.coef_, cats.intercept_
        if len(present) == 2:  # one row for the second class: P = softmax([0, z])
            coefs = np.vstack([np.zeros_like(coefs[0]), coefs[0]])
            intercepts = np.r_[0.0, intercepts[0]]
        for row, cls in enumerate(cats.classes_):
            self.cat_coef_[int(cls) - 1] = coefs[row]
            self.cat_intercept_[int(cls) - 1] = intercepts[row]

    def _vocabulary(self, texts: Sequence[str], groups: Sequence[str]) -> None:
        seen: dict[str, set[str]] = {}
        for text, g in zip(texts, groups, strict=True):
            for gram in set(_ngrams(text)):
                seen.setdefault(gram, set()).add(g)
        vocab = sorted(gram for gram, gs in seen.items() if len(gs) >= self.min_count)
        self.vocabulary_ = {gram: i for i, gram in enumerate(vocab)}
        self._keys = None
        df = Counter(gram for text in texts for gram in set(_ngrams(text))
                     if gram in self.vocabulary_)
        self.idf_ = smoothed_idf([df[g] for g in vocab], len(texts))

    def features(self, script: Script, tokens: Tokens, lexicon: Lexicon,
                 place: LinePlace | None = None,
                 cue_hits: dict[int, list[CueHit]] | None = None) -> SentenceFeatures:
        return sentence_features(script, tokens, lexicon, getattr(self, "signals_", None),
                                 place, cue_hits)

    def predict(self, dense: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, shape (n, 7): column 0 is P(none), column k P(twist) x
        P(category k | twist)."""
        p, cat = self.predict_twists(dense, texts)
        return np.column_stack([1.0 - p, p[:, None] * cat]) if len(p) else np.zeros((0, 7))

    def predict_twists(self, dense: np.ndarray, texts: Sequence[str]
                       ) -> tuple[np.ndarray, np.ndarray]:
        """P(twist) per sentence (n,), calibrated, and P(category | twist) (n, 6)."""
        if not hasattr(self, "coef_"):
            raise ModelError(Errors.TWIST_NOT_FITTED)
        if not len(texts):
            return np.zeros(0), np.zeros((0, len(CATEGORIES)))
        z = self._logits(dense, texts)
        p = 1.0 / (1.0 + np.exp(-z[:, 0]))
        c = z[:, 1:] - z[:, 1:].max(axis=1, keepdims=True)
        e = np.exp(c)
        return p, e / e.sum(axis=1, keepdims=True)

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        vocab = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        doc = {"format": FORMAT, "method": METHOD, "tropescan_version": __version__,
               "classes": self.classes_, "dense": DENSE, "vocabulary": vocab,
               "params": self.params, **self.meta_}
        return save_model_folder(Path(path), doc, {
            "idf": self.idf_, "coef": self.coef_, "intercept": np.array([self.intercept_]),
            "cat_coef": self.cat_coef_, "cat_intercept": self.cat_intercept_,
            "mean": self.mean_, "scale": self.scale_})

    @classmethod
    def load(cls, path: str | Path) -> TwistModel:
        path = Path(path)
        doc, arrays = load_model_folder(path, ("idf", "coef", "intercept", "cat_coef",
                                               "cat_intercept", "mean", "scale"), "twist model")
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
        n = len(DENSE) + len(vocabulary)
        shapes = {"idf": (len(vocabulary),), "coef": (n,), "intercept": (1,),
                  "cat_coef": (len(CATEGORIES), n), "cat_intercept": (len(CATEGORIES),),
                  "mean": (len(DENSE),), "scale": (len(DENSE),)}
        if any(arrays[k].shape != shape or arrays[k].dtype.kind != "f"
               for k, shape in shapes.items()):
            raise ModelError(Errors.TWIST_SHAPES, path=path)
        model.classes_ = classes
        model.vocabulary_ = {g: i for i, g in enumerate(vocabulary)}
        model.idf_, model.coef_ = arrays["idf"], arrays["coef"]
        model.intercept_ = float(arrays["intercept"][0])
        model.cat_coef_, model.cat_intercept_ = arrays["cat_coef"], arrays["cat_intercept"]
        model.mean_, model.scale_ = arrays["mean"], arrays["scale"]
        model.signals_ = load_signals()
        model.meta_ = {k: v for k, v in doc.items() if k not in ("vocabulary", "classes", "params",
                                                                  "dense")}
        return model
