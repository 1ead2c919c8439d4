"""How homogeneous is a collection? Similarity, near-duplicates, trope concentration,
common recipes and a compression-ratio diversity figure.

Input: a ``CorpusIndex`` (built from a folder, or loaded). Output: ``Homogeneity`` with the
figures, the near-duplicate pairs, the common trope combinations and the matrices behind the
heatmap and co-occurrence plots.

* mean pairwise similarity: the mean cosine of the pruned TF-IDF vectors over all pairs;
* near-duplicate pairs: pairs whose cosine is at least ``DUPLICATE_COSINE`` or that share
  verified passages (LSH candidates, exact overlap checked);
* trope concentration: Herfindahl index of trope shares (1/14 when every trope is equally
  common, 1 when one trope is everything) and the normalised Shannon entropy;
* compression diversity: ``lzma(all works) / Σ lzma(each work)`` — a collection that
  repeats itself compresses together much better than apart (lower = more homogeneous). lzma's
  large dictionary sees repeats across the whole collection (zlib's 32 KB window would not);
  above ``COMPRESSION_BYTES`` a fixed random sample of works is used.
"""

from __future__ import annotations

import lzma
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .chunks import estimate_jaccard
from .corpus import CorpusIndex
from .originality import NEAR_JACCARD, PassageChecks
from .report.plots import plot_cooccurrence, plot_similarity_heatmap
from .schema import DUPLICATE_COSINE, SIMILAR_WORKS
from .schema import WORK_PAIR_COLUMNS as PAIR_COLUMNS

COMPRESSION_BYTES = 8 * 2**20


@dataclass(frozen=True, slots=True)
class WorkPair:
    """Two works of one index (rows ``a < b``) that are near-duplicates or share passages."""

    a: int
    b: int
    cosine: float
    shared_passages: int


@dataclass
class Homogeneity:
    n_works: int
    mean_similarity: float
    herfindahl: float
    entropy: float
    compression_diversity: float
    pairs: list[dict[str, Any]]
    combinations: list[tuple[str, int]]
    trope_shares: dict[str, float]
    similarity: np.ndarray = field(repr=False)
    names: list[str] = field(repr=False)
    cooccurrence: np.ndarray = field(repr=False)
    tropes: list[str] = field(repr=False)

    def summary(self) -> dict[str, Any]:
        return {
            "n_works": self.n_works, "mean_similarity": round(self.mean_similarity, 4),
            "near_duplicate_pairs": len(self.pairs), "herfindahl": round(self.herfindahl, 4),
            "entropy": round(self.entropy, 4),
            "compression_diversity": round(self.compression_diversity, 4),
            "top_combinations": [{"tropes": c, "works": n} for c, n in self.combinations[:10]],
            "trope_shares": {k: round(v, 4) for k, v in self.trope_shares.items()},
        }

    @property
    def pairs_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.pairs, columns=PAIR_COLUMNS)

    def plot_heatmap(self, **kwargs: Any) -> Any:
        return plot_similarity_heatmap(self.similarity, self.names, **kwargs).figure_

    def plot_cooccurrence(self, **kwargs: Any) -> Any:
        return plot_cooccurrence(self.cooccurrence, self.tropes, **kwargs).figure_


def shared_passages(index: CorpusIndex, *,
                    similar_works: list[tuple[int, int]] = (),  # type: ignore[assignment]
                    max_chunks: int = 200_000) -> Counter[tuple[int, int]]:
    """Verified shared passages between works of the index: (work a, work b) -> count.

    Candidate chunk pairs come from the LSH band table, plus — for ``similar_works`` (pairs
    already close by cosine) — every chunk pair whose MinHash estimate reaches
    ``CANDIDATE_JACCARD``: banding alone misses lightly reworded passages now and then.
    """

    out: Counter[tuple[int, int]] = Counter()
    if index.n_chunks == 0 or index.n_chunks > max_chunks:
        return out
    work_of = np.asarray(index.chunk_pos[:, 0])
    pairs: set[tuple[int, int]] = set()
    for i, found in enumerate(index.lsh_candidates(np.asarray(index.bands))):
        pairs.update((i, j) for j in found if j > i and work_of[i] != work_of[j])
    sig = np.asarray(index.sig)
    for a, b in similar_works:
        ca = np.asarray(index.works[a].chunk_range)
        cb = np.asarray(index.works[b].chunk_range)
        if not len(ca) or not len(cb):
            continue
        est = (sig[ca][:, None, :] == sig[cb][None, :, :]).mean(axis=2)
        for x, y in zip(*np.nonzero(est >= NEAR_JACCARD), strict=True):
            i, j = int(ca[x]), int(cb[y])
            pairs.add((min(i, j), max(i, j)))
    check = PassageChecks()
    for i, j in sorted(pairs):
        if estimate_jaccard(sig[i], sig[j]) < NEAR_JACCARD:
            continue
        if check(index.chunk_match(i), index.chunk_match(j)):
            key = (int(min(work_of[i], work_of[j])), int(max(work_of[i], work_of[j])))
            out[key] += 1
    return out


def near_duplicate_pairs(index: CorpusIndex, sim: np.ndarray, *,
                         duplicate_cosine: float = DUPLICATE_COSINE) -> list[WorkPair]:
    """Pairs of works that are near-duplicates by cosine (``sim``, works x works) or share
    verified passages, most shared passages first, then the closest: the homogeneity of a
    collection and the copy pairs of a batch alike."""
    n = len(index)
    upper = np.triu(sim, k=1) if n > 1 else np.zeros((n, n))
    close = [(int(a), int(b)) for a, b in zip(*np.nonzero(upper >= SIMILAR_WORKS), strict=True)]
    shared = shared_passages(index, similar_works=close)
    found = {(int(a), int(b)) for a, b in zip(*np.nonzero(upper >= duplicate_cosine), strict=True)}
    found.update(pair for pair, count in shared.items() if count)
    pairs = [WorkPair(a, b, round(float(sim[a, b]), 4), shared.get((a, b), 0))
             for a, b in sorted(found)]
    pairs.sort(key=lambda p: (-p.shared_passages, -p.cosine))
    return pairs


def homogeneity(index: CorpusIndex, *, duplicate_cosine: float = DUPLICATE_COSINE) -> Homogeneity:
    """Homogeneity figures of every work in ``index``."""
    n = len(index)
    X = index.X
    sim = np.asarray((X @ index.XT).todense()) if n else np.zeros((0, 0))
    np.fill_diagonal(sim, 1.0)
    upper = sim[np.triu_indices(n, k=1)] if n > 1 else np.zeros(0)
    pairs = [{"work_a": index.works[p.a].id, "title_a": index.works[p.a].title,
              "work_b": index.works[p.b].id, "title_b": index.works[p.b].title,
              "cosine": p.cosine, "shared_passages": p.shared_passages}
             for p in near_duplicate_pairs(index, sim, duplicate_cosine=duplicate_cosine)]
    sets = index.work_tropes()
    counts = Counter(t for s in sets for t in s)
    total = sum(counts.values())
    shares = {t: c / total for t, c in counts.most_common()} if total else {}
    hhi = sum(v * v for v in shares.values())
    k = len(shares)
    ent = -sum(v * math.log(v) for v in shares.values() if v) / math.log(k) if k > 1 else 0.0
    combos = Counter("+".join(sorted(s)) if s else "(none)" for s in sets).most_common()
    tropes = sorted(counts)
    co = np.zeros((len(tropes), len(tropes)), dtype=int)
    pos = {t: i for i, t in enumerate(tropes)}
    for s in sets:
        for a in s:
            for b in s:
                co[pos[a], pos[b]] += 1
    return Homogeneity(
        n_works=n, mean_similarity=float(upper.mean()) if len(upper) else 0.0,
        herfindahl=hhi, entropy=ent, compression_diversity=compression_diversity(index),
        pairs=pairs, combinations=combos, trope_shares=shares, similarity=sim,
        names=[w.id for w in index.works], cooccurrence=co, tropes=tropes)


def compression_diversity(index: CorpusIndex, *, limit: int = COMPRESSION_BYTES) -> float:
    works = [
        "\n".join(index.chunk_text(i) for i in w.chunk_range).encode()
        for w in index.works
    ]
    works = [w for w in works if w]
    if sum(len(w) for w in works) > limit:
        rng = random.Random(0)
        rng.shuffle(works)
        kept, size = [], 0
        for w in works:
            if size + len(w) > limit:
                break
            kept.append(w)
            size += len(w)
        works = kept
    if len(works) < 2:
        return 1.0
    apart = sum(len(lzma.compress(w, preset=6)) for w in works)
    together = len(lzma.compress(b"\n".join(works), preset=6))
    return together / apart
