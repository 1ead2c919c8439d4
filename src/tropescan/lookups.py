"""The index's per-work phrase fingerprints and plot skeletons, as flat arrays.

Input: per work, its winnowed phrase fingerprints (``borrowing.fingerprints``) and its beat
codes (``skeleton.Skeleton.codes``). Output: ``WorkLookups``, which answers the two candidate
questions of an originality check without touching every work in Python:

* which works share phrases with a script: the fingerprints of all works in one sorted array
  (with the work of each), searched with ``np.searchsorted`` and counted per work;
* which works have a similar plot: each work's beat-type trigrams the same way, ranked by
  shared trigrams over ``sqrt(n_query × n_work)``; only the best few are aligned beat by beat.

Memory: about 8 bytes per fingerprint (one per ~4.5 characters of match text) and 10 bytes
per beat; a 2,500-character script costs ~5 KB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .skeleton import trigrams

ARRAYS = ("fp_hash", "fp_work", "beat_codes", "beat_offsets", "tg_hash", "tg_work", "tg_count")


def _postings(keys: Sequence[np.ndarray], base: int) -> tuple[np.ndarray, np.ndarray]:
    work = np.concatenate([np.full(len(k), base + i, dtype=np.uint32)
                           for i, k in enumerate(keys)]) if keys else np.zeros(0, np.uint32)
    flat = np.concatenate(list(keys)).astype(np.uint32) if keys else np.zeros(0, np.uint32)
    return flat, work


def _merge(h: np.ndarray, w: np.ndarray, h2: np.ndarray, w2: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    h, w = np.concatenate([h, h2]), np.concatenate([w, w2])
    order = np.argsort(h, kind="stable")
    return h[order], w[order]


def _shared_counts(hashes: np.ndarray, keys: np.ndarray, owners: np.ndarray,
                   n_works: int) -> np.ndarray:
    """Per work, how many of the (unique) ``keys`` it holds."""
    if not len(keys) or not len(hashes):
        return np.zeros(n_works, dtype=np.int64)
    lo = np.searchsorted(hashes, keys, side="left")
    hi = np.searchsorted(hashes, keys, side="right")
    lens = hi - lo
    pos = np.repeat(lo - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
    return np.bincount(owners[pos], minlength=n_works)


@dataclass
class WorkLookups:
    fp_hash: np.ndarray  # uint32, sorted
    fp_work: np.ndarray  # uint32, the work of each fingerprint
    beat_codes: np.ndarray  # uint16, every work's beats one after the other
    beat_offsets: np.ndarray  # int64, n_works + 1
    tg_hash: np.ndarray  # uint32, sorted beat-trigram keys
    tg_work: np.ndarray  # uint32
    tg_count: np.ndarray  # uint32, distinct trigrams per work

    @classmethod
    def empty(cls) -> WorkLookups:
        z32 = np.zeros(0, dtype=np.uint32)
        return cls(z32, z32, np.zeros(0, np.uint16), np.zeros(1, np.int64), z32, z32, z32)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> WorkLookups:
        return cls(**{k: np.asarray(arrays[k]) for k in ARRAYS})

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: getattr(self, k) for k in ARRAYS}

    @property
    def n_works(self) -> int:
        return len(self.beat_offsets) - 1

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays().values())

    def extended(self, fingerprints: Sequence[np.ndarray], beats: Sequence[np.ndarray]
                 ) -> WorkLookups:
        """A copy with works appended (one fingerprint array and one beat array each)."""
        base = self.n_works
        fh, fw = _merge(self.fp_hash, self.fp_work, *_postings(fingerprints, base))
        grams = [trigrams(b) for b in beats]
        th, tw = _merge(self.tg_hash, self.tg_work, *_postings(grams, base))
        lengths = np.array([len(b) for b in beats], dtype=np.int64)
        offsets = np.concatenate([self.beat_offsets,
                                  self.beat_offsets[-1] + np.cumsum(lengths)])
        codes = np.concatenate([self.beat_codes, *[np.asarray(b, np.uint16) for b in beats]])
        counts = np.concatenate([self.tg_count,
                                 np.array([len(g) for g in grams], dtype=np.uint32)])
        return WorkLookups(fh, fw, codes.astype(np.uint16), offsets, th, tw, counts)

    def beats_of(self, work: int) -> np.ndarray:
        return self.beat_codes[self.beat_offsets[work]:self.beat_offsets[work + 1]]

    def phrase_candidates(self, fingerprints: np.ndarray, k: int, min_shared: int
                          ) -> list[tuple[int, int]]:
        """The ``k`` works sharing the most fingerprints (at least ``min_shared``)."""
        shared = _shared_counts(self.fp_hash, np.unique(fingerprints), self.fp_work,
                                self.n_works)
        order = np.argsort(-shared, kind="stable")[:k]
        return [(int(i), int(shared[i])) for i in order if shared[i] >= min_shared]

    def plot_candidates(self, codes: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` works whose beat trigrams overlap the query's most (cosine of sets)."""
        q = trigrams(codes)
        shared = _shared_counts(self.tg_hash, q, self.tg_work, self.n_works)
        if not shared.any():
            return []
        score = shared / np.sqrt(np.maximum(1, self.tg_count) * max(1, len(q)))
        order = np.argsort(-score, kind="stable")[:k]
        return [(int(i), float(score[i])) for i in order if shared[i] > 0]
