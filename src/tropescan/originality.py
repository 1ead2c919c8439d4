"""Originality of one script against a ``CorpusIndex``: four visible parts, one 0–100 score.

Input: a ``Script``, its ``Tokens`` and trope scores, a ``CorpusIndex``. Output:
``Originality`` with the parts, the nearest works and the reused passages.

Parts (each 0–1, 1 = original), method ``originality.v1``:

* ``similarity`` = 1 − clip((s − SIM_LOW) / (SIM_HIGH − SIM_LOW)), s = cosine with the nearest
  work (TF-IDF over content words and bigrams). Scripts of one genre share vocabulary
  (s ≈ 0.1–0.3); a rewrite of one work shares far more (s > 0.5).
* ``reuse`` = 1 − clip(coverage / REUSE_FULL), coverage = share of the script's matchable
  characters inside passages verified as reused from one corpus work (MinHash/LSH candidates
  over scene chunks, then exact overlap ≥ ``MIN_OVERLAP`` by ``difflib``). Genre stock lines
  are removed before matching, so they never count as reuse.
* ``combination`` = 1 − clip(share / COMBINATION_FULL), share = the share of corpus works
  built on the same recipe: works holding all of this script's present tropes when it has one,
  at least two of them when it has more (a 赘婿+战神+打脸 script shares its recipe with every
  赘婿+战神 script). A recipe held by ``COMBINATION_FULL`` of the corpus counts as fully
  common; a script with no formula trope scores 1.
* ``borrowed`` = 1 − clip(b / BORROWED_FULL), b = the largest share of the script's match
  characters inside phrases shared with one corpus work (runs of 8+ characters, small edits
  tolerated: ``borrowing``). Candidates: works sharing winnowed phrase fingerprints, and the
  nearest by cosine. It catches lifted wording that scene-level reuse misses (an adaptation
  quoting its novel line by line).
* ``plot`` = 1 − clip((p − PLOT_LOW) / (PLOT_HIGH − PLOT_LOW)), p = plot-skeleton similarity
  with the closest work by plot (``skeleton``: beats with roles, aligned in order): a retelling
  with every name and line changed scores p ≈ 0.35–0.65, a light rewrite 0.9; stories that
  share only their tropes 0.05–0.1.
* ``stock`` = 1 − clip(stock lines per 1,000 characters / STOCK_FULL): the genre's stock lines
  as formula evidence, not as reuse of a particular work.

``score = 100 × Σ WEIGHTS[part] × part``. A corpus work with the same text as the script (or
the same id) is skipped, so a script in the corpus is never matched against itself.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from .borrowing import MatchText, fingerprints, script_match_text
from .chunks import MatchData, band_keys, estimate_jaccard, match_data
from .corpus import CorpusIndex, text_digest, trope_episodes
from .lexicon import Lexicon
from .model import Script
from .normalize import counted_chars
from .schema import (
    BORROWED_COLUMNS,
    BORROWED_PASSAGE_COLUMNS,
    NEAREST_COLUMNS,
    ORIGINALITY_METHOD,
    PASSAGE_COLUMNS,
    PLOT_COLUMNS,
    STOCK_COLUMNS,
)
from .segment import Tokens
from .skeleton import BeatInventory, extract
from .skeleton import similarities as plot_similarities
from .tropes import TropeScore
from .util import records_frame

if TYPE_CHECKING:
    import pandas as pd

METHOD = ORIGINALITY_METHOD
WEIGHTS = {"similarity": 0.2, "reuse": 0.15, "borrowed": 0.15, "plot": 0.2,
           "combination": 0.2, "stock": 0.1}
COMBINATION_FULL = 0.15
SIM_LOW, SIM_HIGH = 0.15, 0.6
REUSE_FULL = 0.4
STOCK_FULL = 1.0
MIN_OVERLAP = 0.5
MIN_MATCH_CHARS = 30
MIN_BLOCK = 6  # matching runs shorter than this are coincidence (共同的常用词)
CANDIDATE_JACCARD = 0.15
# Chunks of the nearest works are candidates from a lower estimate: a reworded scene of the
# work a script is closest to can verify at an estimated Jaccard of 0.1 (s071 1-1, s076 3-2).
NEAR_JACCARD = 0.06
NEAREST_FOR_REUSE = 3
MAX_VERIFY = 8
BORROWED_FULL = 0.3
PLOT_LOW, PLOT_HIGH = 0.15, 0.5
CANDIDATES = 5  # works checked exactly for borrowed phrases, and aligned by plot
MIN_SHARED_FINGERPRINTS = 3
MAX_BORROWED_PASSAGES = 200



@dataclass(frozen=True, slots=True)
class NearestWork:
    rank: int
    work_id: str
    title: str
    similarity: float
    tropes: str
    shared_tropes: str


@dataclass(frozen=True, slots=True)
class Passage:
    episode: int
    scene: int
    lines: str
    text: str
    work_id: str
    title: str
    work_episode: int
    work_scene: int
    work_lines: str
    work_text: str
    overlap: float
    jaccard: float


@dataclass(frozen=True, slots=True)
class BorrowedWork:
    work_id: str
    title: str
    share: float  # of the script's match characters, in phrases shared with this work
    runs: int


@dataclass(frozen=True, slots=True)
class BorrowedPassage:
    lines: str  # the script's source lines
    text: str  # the shared phrase as matched (normalised, punctuation removed)
    work_id: str
    title: str
    work_episode: int
    work_lines: str
    work_text: str
    chars: int


@dataclass(frozen=True, slots=True)
class PlotWork:
    rank: int
    work_id: str
    title: str
    plot_similarity: float
    text_similarity: float


@dataclass(frozen=True, slots=True)
class StockLine:
    line: int
    stock: str
    trope: str
    text: str


def part_help() -> dict[str, str]:
    """What each part measures, with the scale the numbers are on (shown with the score)."""
    return {
        "similarity": f"1 when the nearest work's TF-IDF cosine is {SIM_LOW} or less, 0 at "
                      f"{SIM_HIGH} or more",
        "reuse": f"1 with no passage reused from one work, 0 when {REUSE_FULL:.0%} of the text "
                 "or more is",
        "combination": "1 when no other work holds two of its tropes, 0 when "
                       f"{COMBINATION_FULL:.0%} of the corpus does",
        "borrowed": f"1 with no phrase of 8+ characters shared with one work, 0 when "
                    f"{BORROWED_FULL:.0%} of the text or more is",
        "plot": f"1 when the closest plot skeleton is {PLOT_LOW} or less alike, 0 at "
                f"{PLOT_HIGH} or more (beats with roles, in order)",
        "stock": f"1 with no stock line (套话), 0 at {STOCK_FULL:g} per 1,000 characters",
    }


@dataclass
class Originality:
    score: float
    parts: dict[str, float]
    details: dict[str, Any]
    nearest_items: list[NearestWork] = field(default_factory=list)
    passage_items: list[Passage] = field(default_factory=list)
    stock_items: list[StockLine] = field(default_factory=list)
    borrowed_items: list[BorrowedWork] = field(default_factory=list)
    borrowed_passages: list[BorrowedPassage] = field(default_factory=list)
    plot_items: list[PlotWork] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=lambda: dict(WEIGHTS))
    method: str = METHOD
    part_help: dict[str, str] = field(default_factory=part_help, repr=False, compare=False)
    # the script's counts, chunks and signatures, kept for whoever compares it next (a
    # batch's cross-submission check) instead of computing them again
    match_data: MatchData | None = field(default=None, repr=False, compare=False)

    @cached_property
    def nearest(self) -> pd.DataFrame:
        return records_frame(self.nearest_items, NEAREST_COLUMNS)

    @cached_property
    def passages(self) -> pd.DataFrame:
        return records_frame(self.passage_items, PASSAGE_COLUMNS)

    @cached_property
    def stock_lines(self) -> pd.DataFrame:
        return records_frame(self.stock_items, STOCK_COLUMNS)

    @cached_property
    def borrowed(self) -> pd.DataFrame:
        return records_frame(self.borrowed_items, BORROWED_COLUMNS)

    @cached_property
    def borrowed_phrases(self) -> pd.DataFrame:
        return records_frame(self.borrowed_passages, BORROWED_PASSAGE_COLUMNS)

    @cached_property
    def plot_nearest(self) -> pd.DataFrame:
        return records_frame(self.plot_items, PLOT_COLUMNS)


def _clip(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def overlap(a: str, b: str) -> tuple[float, int, list[tuple[int, int, int]]]:
    """Exact overlap of two match texts: (share of the shorter, matched chars, blocks)."""
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    blocks = [(i, j, n) for i, j, n in sm.get_matching_blocks() if n >= MIN_BLOCK]
    matched = sum(n for _, _, n in blocks)
    return matched / max(1, min(len(a), len(b))), matched, blocks


def verify_passage(a: str, b: str) -> tuple[float, int] | None:
    """The exact check of a candidate pair of match texts: (share of the shorter, matched
    characters) when they really share a passage, else ``None``. Originality and a
    collection's shared passages accept a passage by this one rule."""
    share, matched, _ = overlap(a, b)
    return (share, matched) if share >= MIN_OVERLAP and matched >= MIN_MATCH_CHARS else None


def best_verified(match: str, ranked: Iterable[tuple[int, float]], text_of: Callable[[int], str],
                  check: Callable[[str, str], tuple[float, int] | None] = verify_passage
                  ) -> tuple[float, int, float, int] | None:
    """Of candidate chunks ranked best-first by estimated Jaccard (``(chunk, estimate)``
    pairs; ``text_of(chunk)`` its match text), the one ``match`` overlaps most, verified by
    ``check``: (share, chunk, estimate, matched characters). At most ``MAX_VERIFY`` checks,
    none under ``NEAR_JACCARD``: a scene that stands in hundreds of works needs only its
    closest match confirmed. An exact copy cannot be beaten (share 1.0, ties keep the first):
    the search stops there, and a copy of the same text is known without ``check``."""
    best: tuple[float, int, float, int] | None = None
    for chunk, jac in itertools.islice(ranked, MAX_VERIFY):
        if jac < NEAR_JACCARD:
            break
        other = text_of(chunk)
        found = ((1.0, len(match)) if other == match and len(match) >= MIN_MATCH_CHARS
                 else check(match, other))
        if found and (best is None or found[0] > best[0]):
            best = (found[0], chunk, jac, found[1])
            if found[0] >= 1.0:
                break
    return best


class PassageChecks:
    """``verify_passage`` that remembers its answers by pair of match texts (at most ``limit``
    of them): a collection holding copies of one text checks the same two passages for every
    pair of copies, and the answer depends on the texts alone."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._seen: dict[tuple[str, str], tuple[float, int] | None] = {}

    def __call__(self, a: str, b: str) -> tuple[float, int] | None:
        key = (a, b)
        if key in self._seen:
            return self._seen[key]
        if len(self._seen) >= self.limit:
            self._seen.clear()  # bounded: the distinct pairs of a large batch would pile up
        found = self._seen[key] = verify_passage(a, b)
        return found


def _excluded(script: Script, index: CorpusIndex, digest: str, exclude_self: bool) -> set[int]:
    if not exclude_self:
        return set()
    out = set(index.works_with_digest(digest))
    if script.path:
        # The same file, even if edited since it was indexed.
        out.update(i for i in index.works_with_id(script.id)
                   if index.works[i].path.endswith(script.path))
    return out


def find_stock_lines(script: Script, lexicon: Lexicon) -> list[StockLine]:
    out = []
    stock = sorted(lexicon.stock_lines, key=len, reverse=True)
    for line in script.lines:
        for s in stock:
            if s and s in line.norm:
                out.append(StockLine(line.source_line, s, lexicon.stock_lines[s], line.text))
                break
    return out


def score_originality(script: Script, tokens: Tokens, trope_scores: list[TropeScore],
                      index: CorpusIndex, lexicon: Lexicon, *, top_k: int = 5,
                      exclude_self: bool = True, data: MatchData | None = None,
                      beats: BeatInventory | None = None) -> Originality:
    """Originality of ``script`` against ``index``: its parts, the score and what is behind
    them (nearest works, reused passages, stock lines)."""
    data = data or match_data(script, tokens, list(lexicon.stock_lines))
    excluded = _excluded(script, index, text_digest(script), exclude_self)
    present = {t.trope for t in trope_scores if t.present}
    order, sims = _ranked_works(index, data, excluded, max(top_k, NEAREST_FOR_REUSE))
    work_tropes = index.work_tropes()
    nearest = [
        NearestWork(rank + 1, index.works[i].id, index.works[i].title,
                    round(float(sims[i]), 4), index.works[i].tropes,
                    ";".join(sorted(present & work_tropes[i])))
        for rank, i in enumerate(order[:top_k])
    ]
    top_sim = float(sims[order[0]]) if order else 0.0
    passages, coverage = _reused_passages(index, data, order[:NEAREST_FOR_REUSE], excluded)
    commonness = _recipe_commonness(index, present, excluded)
    near_text = order[:NEAREST_FOR_REUSE]
    borrowed, phrases = _borrowed(index, script_match_text(script, list(lexicon.stock_lines)),
                                  near_text, excluded)
    plots = (_plot_nearest(index, extract(script, beats, trope_episodes(trope_scores))
                           .codes(beats), near_text, excluded, sims, top_k)
             if beats is not None else [])
    top_borrowed = borrowed[0].share if borrowed else 0.0
    top_plot = plots[0].plot_similarity if plots else 0.0
    stock_items = find_stock_lines(script, lexicon)
    stock_rate = len(stock_items) / max(counted_chars(script.text) / 1000, 1.0)
    parts = {
        "similarity": round(1 - _clip((top_sim - SIM_LOW) / (SIM_HIGH - SIM_LOW)), 4),
        "reuse": round(1 - _clip(coverage / REUSE_FULL), 4),
        "borrowed": round(1 - _clip(top_borrowed / BORROWED_FULL), 4),
        "plot": round(1 - _clip((top_plot - PLOT_LOW) / (PLOT_HIGH - PLOT_LOW)), 4),
        "combination": round(1 - _clip(commonness / COMBINATION_FULL), 4),
        "stock": round(1 - _clip(stock_rate / STOCK_FULL), 4),
    }
    score = round(100 * sum(WEIGHTS[k] * v for k, v in parts.items()), 1)
    details = {
        "nearest_similarity": round(top_sim, 4), "reuse_coverage": round(coverage, 4),
        "borrowed_share": round(top_borrowed, 4), "plot_similarity": round(top_plot, 4),
        "combination": ";".join(sorted(present)), "combination_share": round(commonness, 4),
        "stock_lines": len(stock_items), "stock_per_1000": round(stock_rate, 3),
        "excluded_self": [index.works[i].id for i in sorted(excluded)],
        "corpus_works": len(index),
    }
    return Originality(score, parts, details, nearest, passages, stock_items, borrowed,
                       phrases, plots, match_data=data)


def _ranked_works(index: CorpusIndex, data: MatchData, excluded: set[int], k: int
                  ) -> tuple[list[int], np.ndarray]:
    """The ``k`` works closest by cosine (the script itself left out), and every cosine."""
    sims = index.similarities(data.counts) if len(index) else np.zeros(0)
    if excluded:
        sims[list(excluded)] = -1.0
    order = np.argsort(-sims)
    return [int(i) for i in order[sims[order] >= 0][:k]], sims


def _reused_passages(index: CorpusIndex, data: MatchData, near_works: list[int],
                     excluded: set[int]) -> tuple[list[Passage], float]:
    """Verified reused passages, and the share of the script's match text they cover.

    Candidates: corpus chunks sharing an LSH band with a chunk of the script, plus every
    chunk of the nearest works whose MinHash estimate reaches ``CANDIDATE_JACCARD``."""
    chunks = data.chunks
    passages: list[Passage] = []
    covered_chars = 0
    total_chars = sum(len(c.match) for c in chunks) or 1
    if not chunks or not index.n_chunks:
        return passages, 0.0
    sig = data.sig
    cands = index.lsh_candidates(band_keys(sig))
    near_chunks = [np.asarray(index.works[i].chunk_range) for i in near_works]
    near = np.concatenate(near_chunks) if near_chunks else np.zeros(0, np.int64)
    for qi, chunk in enumerate(chunks):
        cand = set(cands[qi])
        if len(near):
            est = estimate_jaccard(sig[qi][None, :], np.asarray(index.sig[near]))
            cand.update(near[est >= NEAR_JACCARD].tolist())
        best = _best_match(index, sig[qi], chunk.match, cand, excluded)
        if best is None:
            continue
        share, ci, jac, matched = best
        covered_chars += matched
        work = index.works[int(index.chunk_pos[ci, 0])]
        _, ep, sc, l0, l1 = (int(x) for x in index.chunk_pos[ci])
        passages.append(Passage(
            chunk.episode, chunk.scene, f"{chunk.line_start}-{chunk.line_end}", chunk.display,
            work.id, work.title, ep, sc, f"{l0}-{l1}", index.chunk_text(ci),
            round(share, 3), round(jac, 3)))
    return passages, covered_chars / total_chars


def _best_match(index: CorpusIndex, sig: np.ndarray, match: str, cand: set[int],
                excluded: set[int]) -> tuple[float, int, float, int] | None:
    """The candidate chunk ``match`` overlaps most, verified (``best_verified``): (share,
    chunk, estimated Jaccard, matched characters)."""
    ids = np.fromiter(cand, dtype=np.int64, count=len(cand))  # the set's order: ties stay put
    if excluded and len(ids):
        ids = ids[~np.isin(np.asarray(index.chunk_pos[ids, 0]), list(excluded))]
    jacs = (estimate_jaccard(sig[None, :], np.asarray(index.sig[ids])) if len(ids)
            else np.zeros(0))
    order = np.argsort(-jacs, kind="stable")
    return best_verified(match, ((int(ids[k]), float(jacs[k])) for k in order),
                         index.chunk_match)


def _recipe_commonness(index: CorpusIndex, present: set[str], excluded: set[int]) -> float:
    """Share of the other works that hold at least two of the script's tropes (all of them
    when it has one)."""
    if not present or not len(index):
        return 0.0
    need = min(2, len(present))
    names, matrix = index.trope_matrix()
    cols = [names.index(t) for t in present if t in names]
    shared = matrix[:, cols].sum(axis=1) if cols else np.zeros(len(index), dtype=int)
    hold = shared >= need
    hold[list(excluded)] = False
    return int(hold.sum()) / max(1, len(index) - len(excluded))


def _borrowed(index: CorpusIndex, query: MatchText, near_text: list[int], excluded: set[int]
              ) -> tuple[list[BorrowedWork], list[BorrowedPassage]]:
    """Per candidate work, the share of the script in phrases shared with it (largest first),
    and the shared phrases of the works that have any, side by side."""
    cands = [w for w, _ in index.lookups.phrase_candidates(
        fingerprints(query.text), CANDIDATES + len(excluded), MIN_SHARED_FINGERPRINTS)]
    works: list[BorrowedWork] = []
    phrases: list[BorrowedPassage] = []
    for w in dict.fromkeys([*cands, *near_text]):
        if w in excluded:
            continue
        reference, starts = index.work_reference(w)
        runs, share = reference.borrowed(query)
        if not runs:
            continue
        rec = index.works[w]
        works.append(BorrowedWork(rec.id, rec.title, round(share, 4), len(runs)))
        for r in runs:
            chunk = rec.chunk_start + int(np.searchsorted(starts, r.ref_start, side="right")) - 1
            _, ep, _, l0, l1 = (int(x) for x in index.chunk_pos[chunk])
            lines = query.lines[r.start:r.end]
            phrases.append(BorrowedPassage(
                f"{lines.min()}-{lines.max()}" if len(lines) else "", r.text, rec.id, rec.title,
                ep, f"{l0}-{l1}", r.ref_text, r.matched))
    works.sort(key=lambda b: -b.share)
    keep = {b.work_id for b in works[:1]}
    phrases = [p for p in phrases if p.work_id in keep][:MAX_BORROWED_PASSAGES]
    return works, phrases


def _plot_nearest(index: CorpusIndex, codes: np.ndarray, near_text: list[int],
                  excluded: set[int], sims: np.ndarray, top_k: int) -> list[PlotWork]:
    """The works closest by plot skeleton: trigram candidates and the nearest by text,
    aligned beat by beat."""
    lk = index.lookups
    if not len(codes) or lk.n_works != len(index):
        return []
    cands = [w for w, _ in lk.plot_candidates(codes, CANDIDATES + len(excluded))]
    works = [w for w in dict.fromkeys([*cands, *near_text]) if w not in excluded]
    scored = list(zip(plot_similarities(codes, [lk.beats_of(w) for w in works]), works,
                      strict=True))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [PlotWork(k + 1, index.works[w].id, index.works[w].title, p,
                     round(float(sims[w]), 4) if len(sims) else 0.0)
            for k, (p, w) in enumerate(scored[:top_k])]
