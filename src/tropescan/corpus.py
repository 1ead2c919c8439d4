"""``CorpusIndex``: the reference works a script is compared with, as a pure data structure.

Input: ``WorkFeatures`` (what ``work_features`` keeps of one analysed work; ``batch.build_index``
analyses a folder into them, in parallel). Output: an index holding, per work, its metadata
(``WorkRecord``) and trope profile, a pruned TF-IDF vector over a shared vocabulary, and
MinHash signatures of its scene-sized chunks with a banded lookup table; queries over them;
``save``/``load`` through ``index_store``.

Memory model (what scales to 50,000 works in a few GB, see benchmarks/README.md):

* TF-IDF: each work keeps only its ``max_terms`` strongest terms, stored once as CSR arrays
  (works x vocabulary, float32) and once as postings (per term, the works holding it and their
  weights: the transposed matrix), because summing the postings of a query's terms is the fast
  form of a cosine query (~3 ms against 10k works). Both are plain numpy arrays: a query never
  imports scipy (0.2 s of a cold ``tropescan scan``); ``X`` and ``XT`` as scipy matrices are
  built on first use, for whole-collection work.
* chunks: ``sig`` (n_chunks x 64 uint32) and band keys (n_chunks x 16 uint64) as plain arrays;
  the band table is the keys sorted per band, searched with ``np.searchsorted`` — no Python
  object per entry. The display text of chunks is one UTF-8 blob on disk, memory-mapped and
  read only for the few candidates worth showing.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._version import __version__
from .borrowing import MatchText, Reference
from .borrowing import fingerprints as phrase_fingerprints
from .chunks import BANDS, MINHASH_SCHEME, NUM_PERM, MatchData, band_keys, match_data
from .errors import CorpusIndexError, Errors
from .index_store import FORMAT, CSRArrays, IndexData, read_index, write_index
from .lookups import WorkLookups
from .model import Script
from .schema import SMALL_COLLECTION, WORK_COLUMNS  # noqa: F401  (re-exported)
from .segment import Tokens
from .skeleton import BeatInventory, extract
from .tropes import TropeScore
from .util import smoothed_idf

if TYPE_CHECKING:
    from scipy import sparse

MAX_TERMS = 300


@dataclass(frozen=True)
class IndexOrigin:
    """What an index's term weights and evidence depend on: recorded in the index, checked
    when it is loaded or extended (an ``Analyzer`` gives its own with ``index_origin()``)."""

    lexicon_version: str
    segmenter: str
    segmenter_checksum: str
    beats_version: str = ""  # the plot-beat inventory (``skeleton.load_beats``)


@dataclass
class WorkMeta:
    """What an index says of a work besides its text: its metadata and trope profile."""

    id: str
    title: str
    path: str
    format: str
    labels: str
    tropes: str
    derived_from: str
    note: str
    n_chars: int
    digest: str


@dataclass
class WorkRecord(WorkMeta):
    """One work of an index: its metadata and where its chunks are (``WORK_COLUMNS``)."""

    chunk_start: int
    chunk_end: int

    @property
    def chunk_range(self) -> range:
        return range(self.chunk_start, self.chunk_end)


@dataclass
class WorkFeatures(WorkMeta):
    """What the index keeps of one analysed work (computed in a worker process)."""

    counts: dict[str, int]  # term -> count, content words and bigrams
    chunk_pos: list[tuple[int, int, int, int]] = field(default_factory=list)
    chunk_text: list[str] = field(default_factory=list)
    chunk_match: list[str] = field(default_factory=list)
    sig: np.ndarray | None = None
    fingerprints: np.ndarray | None = None  # winnowed phrase hashes of the match text
    beats: np.ndarray | None = None  # plot-skeleton beat codes


def text_digest(script: Script) -> str:
    return hashlib.sha1(script.text.encode("utf-8")).hexdigest()[:16]


def trope_episodes(trope_scores: Sequence[TropeScore]) -> dict[str, int]:
    """Present trope -> the first episode of the block that establishes it."""
    return {t.trope: int((t.established or "0").split("-")[0] or 0)
            for t in trope_scores if t.present}


def work_features(script: Script, tokens: Tokens, trope_scores: Sequence[TropeScore],
                  stock: list[str], *, meta: dict[str, str] | None = None,
                  data: MatchData | None = None,
                  beats: BeatInventory | None = None) -> WorkFeatures:
    """What the index keeps of one work. ``data``: the script's ``MatchData`` when an
    originality check has computed it already; ``beats``: the plot-beat inventory."""
    meta = meta or {}
    data = data or match_data(script, tokens, stock)
    chunks = data.chunks
    codes = (extract(script, beats, trope_episodes(trope_scores)).codes(beats)
             if beats is not None else np.zeros(0, np.uint16))
    return WorkFeatures(
        id=meta.get("id") or script.id, title=meta.get("title") or script.title or script.id,
        path=meta.get("path") or (script.path or ""), format=script.format,
        labels=meta.get("labels", ""),
        tropes=";".join(t.trope for t in trope_scores if t.present),
        derived_from=meta.get("derived_from", ""), note=meta.get("note", ""),
        n_chars=len(script.text), digest=text_digest(script),
        counts=data.counts,
        chunk_pos=[(c.episode, c.scene, c.line_start, c.line_end) for c in chunks],
        chunk_text=[c.display for c in chunks],
        chunk_match=[c.match for c in chunks],
        sig=data.sig,
        fingerprints=phrase_fingerprints("".join(c.match for c in chunks)),
        beats=codes,
    )


def _tfidf_row(counts: dict[str, int], vocab: dict[str, int], idf: np.ndarray,
               max_terms: int) -> tuple[np.ndarray, np.ndarray]:
    items = [(vocab[t], c) for t, c in counts.items() if t in vocab]
    if not items:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    idx = np.fromiter((i for i, _ in items), dtype=np.int32, count=len(items))
    tf = np.fromiter((1 + math.log(c) for _, c in items), dtype=np.float64, count=len(items))
    vals = tf * idf[idx]
    if len(vals) > max_terms:
        keep = np.argpartition(-vals, max_terms - 1)[:max_terms]
        idx, vals = idx[keep], vals[keep]
    vals = vals / (np.linalg.norm(vals) or 1.0)
    order = np.argsort(idx)
    return idx[order], vals[order].astype(np.float32)


class CorpusIndex:
    """Reference works for originality: build, add, save, load, query.

    >>> index = CorpusIndex.build(["a.txt", "b.txt"])     # doctest: +SKIP
    >>> index.save("my_index"); CorpusIndex.load("my_index")   # doctest: +SKIP
    """

    def __init__(self, *, works: list[WorkRecord], vocab: list[str], idf: np.ndarray,
                 X: sparse.csr_matrix | CSRArrays, chunk_pos: np.ndarray, sig: np.ndarray,
                 bands: np.ndarray,
                 chunk_text: Callable[[int], str] | list[str],
                 chunk_match: Callable[[int], str] | list[str], meta: dict[str, Any],
                 lookups: WorkLookups | None = None) -> None:
        self.works = works
        self.lookups = lookups or WorkLookups.empty()
        self.vocab = vocab
        self.vocab_index = {t: i for i, t in enumerate(vocab)}
        self.idf = idf
        self._set_matrix(X)
        self.chunk_pos = chunk_pos  # (n_chunks, 5): work, episode, scene, line_start, line_end
        self.sig = sig
        self.bands = bands
        self._chunk_text = chunk_text
        self._chunk_match = chunk_match
        self._work_tropes: list[frozenset[str]] | None = None
        self._trope_matrix: tuple[list[str], np.ndarray] | None = None
        self._by_digest: dict[str, list[int]] | None = None
        self._by_id: dict[str, list[int]] | None = None
        self.meta = meta
        self._band_table: tuple[np.ndarray, np.ndarray] | None = None

    # -- basic facts ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.works)

    @property
    def n_chunks(self) -> int:
        return int(self.sig.shape[0])

    def chunk_text(self, i: int) -> str:
        """A passage as written (for showing it side by side)."""
        src = self._chunk_text
        return src[i] if isinstance(src, list) else src(i)

    def chunk_match(self, i: int) -> str:
        """A passage's match text: normalised, stock lines and punctuation removed."""
        src = self._chunk_match
        return src[i] if isinstance(src, list) else src(i)

    def work_reference(self, work: int) -> tuple[Reference, np.ndarray]:
        """A work's whole match text (its chunks' in order) ready for borrowed-phrase lookups,
        and where each chunk starts. The last few are kept: a batch checks every submission
        against the same long novel."""
        cache = self.__dict__.setdefault("_references", {})
        if work not in cache:
            parts = [self.chunk_match(i) for i in self.works[work].chunk_range]
            starts = np.cumsum([0, *[len(p) for p in parts]])[:-1].astype(np.int64)
            if len(cache) >= 8:
                cache.pop(next(iter(cache)))
            cache[work] = (Reference(MatchText("".join(parts), np.zeros(0, np.int32))), starts)
        return cache[work]

    def work_tropes(self) -> list[frozenset[str]]:
        """Each work's present tropes (computed once per index state)."""
        if self._work_tropes is None:
            self._work_tropes = [frozenset(t for t in w.tropes.split(";") if t)
                                 for w in self.works]
        return self._work_tropes

    def trope_matrix(self) -> tuple[list[str], np.ndarray]:
        """Trope ids and a works × tropes boolean matrix (computed once per index state)."""
        if self._trope_matrix is None:
            sets = self.work_tropes()
            names = sorted({t for s in sets for t in s})
            pos = {t: k for k, t in enumerate(names)}
            matrix = np.zeros((len(sets), len(names)), dtype=bool)
            for i, s in enumerate(sets):
                matrix[i, [pos[t] for t in s]] = True
            self._trope_matrix = (names, matrix)
        return self._trope_matrix

    def _rows_by(self, key: str) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for i, w in enumerate(self.works):
            out.setdefault(getattr(w, key), []).append(i)
        return out

    def works_with_id(self, work_id: str) -> list[int]:
        if self._by_id is None:
            self._by_id = self._rows_by("id")
        return self._by_id.get(work_id, [])

    def works_with_digest(self, digest: str) -> list[int]:
        """Rows of the works whose normalised text has this digest (the same script)."""
        if self._by_digest is None:
            self._by_digest = self._rows_by("digest")
        return self._by_digest.get(digest, [])

    # -- building -------------------------------------------------------------------------
    @classmethod
    def from_features(cls, feats: Sequence[WorkFeatures], *, origin: IndexOrigin,
                      max_terms: int = MAX_TERMS,
                      reference: CorpusIndex | None = None) -> CorpusIndex:
        """Assemble an index. With ``reference``, its vocabulary and idf are used instead of
        learning them from ``feats``: a handful of works cannot tell genre words from
        distinctive ones, so a small collection borrows a larger corpus's weights."""
        if reference is not None:
            vocab, idf, n = list(reference.vocab), np.asarray(reference.idf), int(
                reference.meta.get("df_docs", len(reference)))
        else:
            df: Counter[str] = Counter()
            for f in feats:
                df.update(f.counts.keys())
            # Terms in one work only cannot make two works similar: leave them out.
            vocab = sorted(t for t, k in df.items() if k >= 2)
            n = len(feats)
            idf = smoothed_idf([df[t] for t in vocab], n)
        meta = {
            "format": FORMAT, "tropescan_version": __version__,
            "lexicon_version": origin.lexicon_version,
            "segmenter": origin.segmenter,
            "segmenter_checksum": origin.segmenter_checksum,
            "beats_version": origin.beats_version,
            "idf_from": "reference" if reference is not None else "works",
            "max_terms": max_terms, "num_perm": NUM_PERM, "bands": BANDS, "df_docs": n,
            "minhash": MINHASH_SCHEME,
        }
        empty = CSRArrays(np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(1, np.int32),
                          (0, len(vocab)))
        index = cls(works=[], vocab=vocab, idf=idf, X=empty,
                    chunk_pos=np.zeros((0, 5), dtype=np.int32),
                    sig=np.zeros((0, NUM_PERM), dtype=np.uint32),
                    bands=np.zeros((0, BANDS), dtype=np.uint64), chunk_text=[],
                    chunk_match=[], meta=meta)
        index._append(list(feats))
        return index

    # -- the TF-IDF matrix: numpy arrays, scipy views on demand -----------------------------
    def _set_matrix(self, X: sparse.csr_matrix | CSRArrays) -> None:
        if not isinstance(X, CSRArrays):
            X = X.tocsr()
            X = CSRArrays(X.data, X.indices, X.indptr, (int(X.shape[0]), int(X.shape[1])))
        self._csr = X
        self._X: sparse.csr_matrix | None = None
        self._XT: sparse.csr_matrix | None = None
        self._postings: CSRArrays | None = None

    @property
    def X(self) -> sparse.csr_matrix:
        """Works x vocabulary TF-IDF (scipy CSR, float32), built on first use."""
        if self._X is None:
            from scipy import sparse

            m = self._csr
            self._X = sparse.csr_matrix((m.data, m.indices, m.indptr), shape=m.shape)
        return self._X

    @property
    def XT(self) -> sparse.csr_matrix:
        """The transpose of ``X`` (vocabulary x works, CSR), built on first use."""
        if self._XT is None:
            p = self.postings()
            from scipy import sparse

            self._XT = sparse.csr_matrix((p.data, p.indices, p.indptr), shape=p.shape)
        return self._XT

    def postings(self) -> CSRArrays:
        """Per vocabulary term, the works holding it and its weight there (``X`` transposed,
        as CSR arrays), computed once with numpy."""
        if self._postings is None:
            m = self._csr
            n_works, n_terms = m.shape
            rows = np.repeat(np.arange(n_works, dtype=np.int32), np.diff(m.indptr))
            order = np.argsort(m.indices, kind="stable")  # by term, works ascending within
            # int32 offsets while they fit, as scipy keeps them: 4 bytes a term, not 8
            kind = np.int32 if len(m.indices) < 2**31 else np.int64
            indptr = np.zeros(n_terms + 1, dtype=kind)
            np.cumsum(np.bincount(m.indices, minlength=n_terms), out=indptr[1:])
            self._postings = CSRArrays(m.data[order], rows[order], indptr, (n_terms, n_works))
        return self._postings

    def _append(self, feats: list[WorkFeatures]) -> None:
        rows, cols, vals = [], [], []
        texts = [self.chunk_text(i) for i in range(self.n_chunks)]
        matches = [self.chunk_match(i) for i in range(self.n_chunks)]
        pos = [self.chunk_pos]
        sigs = [self.sig]
        base_work = len(self.works)
        start = self.n_chunks
        for k, f in enumerate(feats):
            idx, v = _tfidf_row(f.counts, self.vocab_index, self.idf, self.meta["max_terms"])
            rows.append(np.full(len(idx), k, dtype=np.int32))
            cols.append(idx)
            vals.append(v)
            n_chunks = len(f.chunk_pos)
            self.works.append(WorkRecord(
                f.id, f.title, f.path, f.format, f.labels, f.tropes, f.derived_from, f.note,
                f.n_chars, f.digest, start, start + n_chunks))
            start += n_chunks
            if n_chunks:
                pos.append(np.array([(base_work + k, *p) for p in f.chunk_pos], dtype=np.int32))
                sigs.append(f.sig)  # type: ignore[arg-type]
                texts.extend(f.chunk_text)
                matches.extend(f.chunk_match)
        from scipy import sparse

        new = sparse.csr_matrix(
            (np.concatenate(vals) if vals else np.zeros(0, np.float32),
             (np.concatenate(rows) if rows else np.zeros(0, np.int32),
              np.concatenate(cols) if cols else np.zeros(0, np.int32))),
            shape=(len(feats), len(self.vocab)), dtype=np.float32)
        self._set_matrix(sparse.vstack([self.X, new]).tocsr())
        self.chunk_pos = np.concatenate(pos)
        self.sig = np.concatenate(sigs)
        self.bands = band_keys(self.sig) if len(self.sig) else np.zeros((0, BANDS), np.uint64)
        self._chunk_text = texts
        self._chunk_match = matches
        self.lookups = self.lookups.extended(
            [f.fingerprints if f.fingerprints is not None else np.zeros(0, np.uint32)
             for f in feats],
            [f.beats if f.beats is not None else np.zeros(0, np.uint16) for f in feats])
        self.__dict__.pop("_references", None)
        self._work_tropes = None
        self._trope_matrix = None
        self._by_digest = None
        self._by_id = None
        self._band_table = None

    def add_features(self, feats: Sequence[WorkFeatures]) -> int:
        """Add works with the index's vocabulary and idf (new words are not learned: rebuild
        to refresh them). Works whose text is already in the index are skipped; a repeated id
        gets a ``~N`` suffix. Returns the number added."""
        known = {w.digest for w in self.works}
        ids = {w.id for w in self.works}
        fresh: list[WorkFeatures] = []
        for f in feats:
            if f.digest in known:
                continue
            if f.id in ids:
                f.id = f"{f.id}~{len(self.works) + len(fresh)}"
            known.add(f.digest)
            fresh.append(f)
        if fresh:
            self._append(fresh)
        return len(fresh)

    # -- queries --------------------------------------------------------------------------
    def query_vector(self, counts: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
        """A term-count dict as the index's pruned, normalised TF-IDF: (term ids, weights)."""
        return _tfidf_row(counts, self.vocab_index, self.idf, self.meta["max_terms"])

    def similarities(self, counts: dict[str, int]) -> np.ndarray:
        """Cosine similarity of a term-count dict with every work: the postings of the
        query's terms, weighted and summed per work."""
        idx, vals = self.query_vector(counts)
        p = self.postings()
        starts, ends = p.indptr[idx], p.indptr[idx + 1]
        lens = ends - starts
        # positions of every posting of every query term, without a Python loop
        pos = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
        weights = p.data[pos].astype(np.float64) * np.repeat(vals.astype(np.float64), lens)
        return np.bincount(p.indices[pos], weights=weights, minlength=len(self.works))

    def band_table(self) -> tuple[np.ndarray, np.ndarray]:
        """Per band, the chunk keys sorted, and the chunk ids in that order."""
        if self._band_table is None:
            order = np.argsort(self.bands, axis=0, kind="stable")
            keys = np.take_along_axis(self.bands, order, axis=0)
            self._band_table = (keys, order.astype(np.int64))
        return self._band_table

    def lsh_candidates(self, qbands: np.ndarray) -> list[set[int]]:
        """For each query chunk (rows of band keys), the corpus chunks sharing a band."""
        keys, order = self.band_table()
        out: list[set[int]] = []
        for row in qbands:
            found: set[int] = set()
            for b in range(row.shape[0]):
                lo = np.searchsorted(keys[:, b], row[b], side="left")
                hi = np.searchsorted(keys[:, b], row[b], side="right")
                if hi > lo:
                    found.update(order[lo:hi, b].tolist())
            out.append(found)
        return out

    # -- compatibility --------------------------------------------------------------------
    def check_compatible(self, origin: IndexOrigin, *, allow_stale: bool = False) -> None:
        """Refuse to extend an index built with other lexicons (unless ``allow_stale``): its
        evidence would mix."""
        built = self.meta.get("lexicon_version")
        beats = self.meta.get("beats_version", "")
        if (built != origin.lexicon_version or beats != origin.beats_version) and not allow_stale:
            raise CorpusIndexError(Errors.INDEX_OTHER_LEXICON(built=built, current=origin.lexicon_version),
                                   path=self.meta.get("path"))

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the index as a folder (atomically; see ``index_store``)."""
        return write_index(path, IndexData(
            self.meta, [asdict(w) for w in self.works], self.vocab, self.idf, self._csr,
            self.chunk_pos, self.sig, self.bands, self.chunk_text, self.chunk_match,
            self.lookups.arrays()))

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, lexicon_version: str | None = None,
             allow_stale: bool = False, mmap: bool = True) -> CorpusIndex:
        """Load an index folder; refuse a corrupt, foreign or stale one (built with other
        lexicons than ``lexicon_version``, when given, unless ``allow_stale``) with a clear
        message."""
        d = read_index(path, lexicon_version=None if allow_stale else lexicon_version,
                       mmap=mmap)
        works = [WorkRecord(**w) for w in d.works]
        return cls(works=works, vocab=d.vocab, idf=d.idf, X=d.X, chunk_pos=d.chunk_pos,
                   sig=d.sig, bands=d.bands, chunk_text=d.chunk_text, chunk_match=d.chunk_match,
                   meta=d.meta, lookups=WorkLookups.from_arrays(d.lookups))

    def info(self) -> dict[str, Any]:
        tropes = Counter(t for s in self.work_tropes() for t in s)
        return {
            **{k: v for k, v in self.meta.items() if k != "path"},
            "n_works": len(self.works), "n_chunks": self.n_chunks, "vocabulary": len(self.vocab),
            "nnz": len(self._csr.data), "trope_counts": dict(tropes.most_common()),
        }


