"""``CorpusIndex``: the reference works a script is compared with.

Input: scripts (a folder, a manifest CSV, or paths). Output: an index holding, per work, its
metadata and trope profile, a pruned TF-IDF vector over a shared vocabulary, and MinHash
signatures of its scene-sized chunks with a banded lookup table.

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

On disk (a folder, written to a temporary folder and renamed): ``index.json`` (format version,
fingerprints, parameters), ``works.csv``, ``vocab.json``, ``idf.npy``, ``X.npz``, ``chunks.npz``
(positions), ``sig.npy``, ``bands.npy``, ``chunk_text.bin`` + ``chunk_text_offsets.npy`` (what
a passage looks like) and ``chunk_match.bin`` + ``chunk_match_offsets.npy`` (its normalised
match text, so a query never re-normalises corpus text).
Nothing is pickled; arrays load with ``allow_pickle=False``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import os
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._version import __version__
from .chunks import BANDS, MINHASH_SCHEME, NUM_PERM, MatchData, band_keys, match_data
from .errors import CorpusIndexError, InputError, TropescanError
from .util import fingerprint, replace_dir

if TYPE_CHECKING:
    from scipy import sparse

    from .api import Analyzer
    from .lexicon import Lexicon
    from .model import Script
    from .segment import Tokens
    from .tropes import TropeScore

FORMAT = "tropescan.index/2"
MAX_TERMS = 300
SMALL_COLLECTION = 50  # fewer works than this borrow a reference corpus's idf
WORK_COLUMNS = ["id", "title", "path", "format", "labels", "tropes", "derived_from", "note",
                "n_chars", "digest", "chunk_start", "chunk_end"]
SCRIPT_SUFFIXES = {".txt", ".md", ".markdown", ".fountain", ".srt", ".ass", ".ssa", ".docx"}


def find_scripts(folder: Path) -> list[Path]:
    """Every supported script under ``folder``, recursively, in a stable order."""
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.suffix.lower() in SCRIPT_SUFFIXES
                  and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts))


@dataclass
class WorkFeatures:
    """What the index keeps of one analysed work (computed in a worker process)."""

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
    counts: dict[str, int]  # term -> count, content words and bigrams
    chunk_pos: list[tuple[int, int, int, int]] = field(default_factory=list)
    chunk_text: list[str] = field(default_factory=list)
    chunk_match: list[str] = field(default_factory=list)
    sig: np.ndarray | None = None


def text_digest(script: Script) -> str:
    return hashlib.sha1(script.text.encode("utf-8")).hexdigest()[:16]


def work_features(script: Script, tokens: Tokens, trope_scores: Sequence[TropeScore],
                  stock: list[str], *, meta: dict[str, str] | None = None,
                  data: MatchData | None = None) -> WorkFeatures:
    """What the index keeps of one work. ``data``: the script's ``MatchData`` when an
    originality check has computed it already."""
    meta = meta or {}
    data = data or match_data(script, tokens, stock)
    chunks = data.chunks
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


@dataclass(frozen=True)
class CSRArrays:
    """A sparse matrix as its CSR arrays: what the index keeps, queries and saves."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    def check(self) -> None:
        """Raise ValueError unless the arrays describe a well-formed matrix of ``shape``
        (what scipy checks when it builds one, done here without importing it)."""
        n_rows, n_cols = self.shape
        ip = self.indptr
        if (len(ip) != n_rows + 1 or len(self.data) != len(self.indices)
                or (len(ip) and (ip[0] != 0 or ip[-1] != len(self.indices)))
                or np.any(np.diff(ip) < 0)):
            raise ValueError("CSR index pointer does not match the data")
        if len(self.indices) and (self.indices.min() < 0 or self.indices.max() >= n_cols):
            raise ValueError("CSR column index out of range")
        if self.data.dtype.kind != "f" or self.indices.dtype.kind not in "iu":
            raise ValueError("CSR arrays of unexpected types")


class CorpusIndex:
    """Reference works for originality: build, add, save, load, query.

    >>> index = CorpusIndex.build(["a.txt", "b.txt"])     # doctest: +SKIP
    >>> index.save("my_index"); CorpusIndex.load("my_index")   # doctest: +SKIP
    """

    def __init__(self, *, works: list[dict[str, Any]], vocab: list[str], idf: np.ndarray,
                 X: sparse.csr_matrix | CSRArrays, chunk_pos: np.ndarray, sig: np.ndarray,
                 bands: np.ndarray,
                 chunk_text: Callable[[int], str] | list[str],
                 chunk_match: Callable[[int], str] | list[str], meta: dict[str, Any]) -> None:
        self.works = works
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

    def work_tropes(self) -> list[frozenset[str]]:
        """Each work's present tropes (computed once per index state)."""
        if self._work_tropes is None:
            self._work_tropes = [frozenset(t for t in w["tropes"].split(";") if t)
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
            out.setdefault(w[key], []).append(i)
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
    def build(cls, sources: Iterable[str | os.PathLike[str]] | str | os.PathLike[str], *,
              analyzer: Analyzer | None = None, max_terms: int = MAX_TERMS, jobs: int = 1,
              scheduler: str | None = None,
              on_error: Callable[[str, str], None] | None = None,
              progress: Callable[[int, int], None] | None = None,
              reference: CorpusIndex | None = None) -> CorpusIndex:
        """Build from a folder, a manifest CSV, or a list of script paths.

        Files that cannot be read are skipped and reported through ``on_error(path,
        message)``; an index with no readable work is an error.
        """
        from .batch import map_works

        items = resolve_sources(sources)
        feats: list[WorkFeatures] = []
        for result in map_works(items, analyzer=analyzer, jobs=jobs, scheduler=scheduler,
                                progress=progress):
            if isinstance(result, WorkFeatures):
                feats.append(result)
            elif on_error is not None:
                on_error(*result)
        if not feats:
            raise CorpusIndexError("no readable scripts to index")
        # Workers finish in any order; the index keeps the sources' order, so a parallel or
        # cluster build is identical to a serial one.
        order = {str(p): k for k, (p, _) in enumerate(items)}
        feats.sort(key=lambda f: order.get(f.path, len(order)))
        analyzer = analyzer or _default_analyzer()
        return cls.from_features(feats, analyzer=analyzer, max_terms=max_terms,
                                 reference=reference)

    @classmethod
    def from_features(cls, feats: list[WorkFeatures], *, analyzer: Analyzer,
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
            idf = np.array([math.log((1 + n) / (1 + df[t])) + 1 for t in vocab], dtype=np.float64)
        meta = {
            "format": FORMAT, "tropescan_version": __version__,
            "lexicon_version": analyzer.lexicon.version,
            "segmenter": analyzer.segmenter.backend,
            "segmenter_checksum": analyzer.segmenter.dictionary_checksum,
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
        index._append(feats)
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
            self.works.append({
                "id": f.id, "title": f.title, "path": f.path, "format": f.format,
                "labels": f.labels, "tropes": f.tropes, "derived_from": f.derived_from,
                "note": f.note, "n_chars": f.n_chars, "digest": f.digest,
                "chunk_start": start, "chunk_end": start + n_chunks,
            })
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
        self._work_tropes = None
        self._trope_matrix = None
        self._by_digest = None
        self._by_id = None
        self._band_table = None

    def add(self, sources: Iterable[str | os.PathLike[str]] | str | os.PathLike[str], *,
            analyzer: Analyzer | None = None, on_error: Callable[[str, str], None] | None = None,
            jobs: int = 1) -> int:
        """Add works with the index's vocabulary and idf (new words are not learned: rebuild
        to refresh them). Works whose text is already in the index are skipped. Returns the
        number added."""
        from .batch import map_works

        analyzer = analyzer or _default_analyzer()
        self.check_compatible(analyzer)
        known = {w["digest"] for w in self.works}
        ids = {w["id"] for w in self.works}
        items = resolve_sources(sources)
        order = {str(p): k for k, (p, _) in enumerate(items)}
        results = [r for r in map_works(items, analyzer=analyzer, jobs=jobs)]
        results.sort(key=lambda r: order.get(r.path if isinstance(r, WorkFeatures) else r[0], 0))
        feats: list[WorkFeatures] = []
        for result in results:
            if isinstance(result, WorkFeatures):
                if result.digest in known:
                    continue
                if result.id in ids:
                    result.id = f"{result.id}~{len(self.works) + len(feats)}"
                known.add(result.digest)
                feats.append(result)
            elif on_error is not None:
                on_error(*result)
        if feats:
            self._append(feats)
        return len(feats)

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
    def check_compatible(self, analyzer: Analyzer, *, allow_stale: bool = False) -> None:
        if allow_stale:
            return
        lex = analyzer.lexicon.version
        if self.meta.get("lexicon_version") != lex:
            raise CorpusIndexError(
                f"index was built with lexicon {self.meta.get('lexicon_version')}, current is {lex}: "
                "rebuild it with `tropescan index build` (or pass --allow-stale)",
                path=self.meta.get("path"))

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.tmp-"))
        try:
            meta = {**self.meta, "n_works": len(self.works), "n_chunks": self.n_chunks}
            meta.pop("path", None)
            (tmp / "index.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1),
                                            encoding="utf-8")
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=WORK_COLUMNS)
            writer.writeheader()
            writer.writerows(self.works)
            (tmp / "works.csv").write_text(buf.getvalue(), encoding="utf-8")
            (tmp / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False),
                                            encoding="utf-8")
            np.save(tmp / "idf.npy", self.idf)
            m = self._csr
            np.savez(tmp / "X.npz", data=m.data, indices=m.indices, indptr=m.indptr,
                     shape=np.array(m.shape))
            np.save(tmp / "chunk_pos.npy", self.chunk_pos)
            np.save(tmp / "sig.npy", self.sig)
            np.save(tmp / "bands.npy", self.bands)
            for name, get in (("chunk_text", self.chunk_text), ("chunk_match", self.chunk_match)):
                blobs = [get(i).encode("utf-8") for i in range(self.n_chunks)]
                offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
                offsets[1:] = np.cumsum([len(b) for b in blobs])
                (tmp / f"{name}.bin").write_bytes(b"".join(blobs))
                np.save(tmp / f"{name}_offsets.npy", offsets)
            replace_dir(tmp, path)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, lexicon: Lexicon | None = None,
             allow_stale: bool = False, mmap: bool = True) -> CorpusIndex:
        """Load an index folder; refuse a corrupt, foreign or stale one with a clear message."""
        path = Path(path)
        if not path.is_dir():
            raise CorpusIndexError("no index folder here (build one with `tropescan index build`)",
                                   path=path)
        try:
            meta = json.loads((path / "index.json").read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CorpusIndexError("not a tropescan index (index.json missing)", path=path) from exc
        except (OSError, ValueError) as exc:
            raise CorpusIndexError(f"corrupt index.json: {exc}", path=path) from exc
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            got = meta.get("format") if isinstance(meta, dict) else None
            raise CorpusIndexError(f"foreign index format {got!r}, expected {FORMAT!r}", path=path)
        if meta.get("minhash") != MINHASH_SCHEME:
            raise CorpusIndexError(f"index uses MinHash scheme {meta.get('minhash')!r}, expected "
                                   f"{MINHASH_SCHEME!r}: rebuild it with `tropescan index build`",
                                   path=path)
        if lexicon is not None and not allow_stale and meta.get("lexicon_version") != lexicon.version:
            raise CorpusIndexError(
                f"stale index: built with lexicon {meta.get('lexicon_version')}, current is "
                f"{lexicon.version}; rebuild it with `tropescan index build` (or --allow-stale)",
                path=path)
        mode = "r" if mmap else None
        try:
            n_chunks = int(meta.get("n_chunks", -1))
            with (path / "works.csv").open(encoding="utf-8", newline="") as fh:
                works = list(csv.DictReader(fh))
            for w in works:
                w["n_chars"] = int(w["n_chars"])
                w["chunk_start"], w["chunk_end"] = int(w["chunk_start"]), int(w["chunk_end"])
            vocab = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
            idf = np.load(path / "idf.npy", allow_pickle=False)
            with np.load(path / "X.npz", allow_pickle=False) as z:
                X = CSRArrays(z["data"], z["indices"], z["indptr"],
                              tuple(int(s) for s in z["shape"]))  # type: ignore[arg-type]
            X.check()
            chunk_pos = np.load(path / "chunk_pos.npy", allow_pickle=False, mmap_mode=mode)
            sig = np.load(path / "sig.npy", allow_pickle=False, mmap_mode=mode)
            bands = np.load(path / "bands.npy", allow_pickle=False, mmap_mode=mode)
            texts = {name: _text_store(path, name) for name in ("chunk_text", "chunk_match")}
        # A truncated .npy ends in EOFError, a truncated .npz in BadZipFile: both are damage.
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise CorpusIndexError(f"corrupt index: {type(exc).__name__}: {exc}"[:200],
                                   path=path) from exc
        if (len(works) != meta.get("n_works") or X.shape != (len(works), len(vocab))
                or len(idf) != len(vocab) or sig.shape != (n_chunks, meta.get("num_perm"))
                or bands.shape[0] != n_chunks or chunk_pos.shape != (n_chunks, 5)
                or any(len(off) != n_chunks + 1 or int(off[-1]) != len(blob)
                       for off, blob in texts.values())):
            raise CorpusIndexError("corrupt index: table sizes do not agree", path=path)
        if (sig.dtype != np.uint32 or bands.dtype != np.uint64
                or not np.issubdtype(chunk_pos.dtype, np.integer)):
            raise CorpusIndexError("corrupt index: unexpected array types", path=path)

        meta["path"] = str(path)
        return cls(works=works, vocab=vocab, idf=idf, X=X, chunk_pos=np.asarray(chunk_pos),
                   sig=sig, bands=bands, chunk_text=_reader(*texts["chunk_text"]),
                   chunk_match=_reader(*texts["chunk_match"]), meta=meta)

    def info(self) -> dict[str, Any]:
        tropes = Counter(t for s in self.work_tropes() for t in s)
        return {
            **{k: v for k, v in self.meta.items() if k != "path"},
            "n_works": len(self.works), "n_chunks": self.n_chunks, "vocabulary": len(self.vocab),
            "nnz": len(self._csr.data), "trope_counts": dict(tropes.most_common()),
        }


def _text_store(path: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and the memory-mapped UTF-8 blob of one text table."""
    offsets = np.load(path / f"{name}_offsets.npy", allow_pickle=False)
    size = (path / f"{name}.bin").stat().st_size
    blob = np.memmap(path / f"{name}.bin", dtype=np.uint8, mode="r") if size else np.zeros(0, np.uint8)
    return offsets, blob


def _reader(offsets: np.ndarray, blob: np.ndarray) -> Callable[[int], str]:
    def read(i: int) -> str:
        return bytes(blob[int(offsets[i]):int(offsets[i + 1])]).decode("utf-8")

    return read


def resolve_sources(sources: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[tuple[Path, dict[str, str]]]:
    """Folder, manifest CSV or paths -> (path, metadata) pairs."""
    if isinstance(sources, str | os.PathLike):
        src = Path(sources)
        if src.is_dir():
            if (src / "manifest.csv").is_file():
                return _manifest_items(src / "manifest.csv")
            files = find_scripts(src)
            if not files:
                raise InputError("no scripts found (.txt .md .fountain .srt .ass .docx)", path=src)
            return [(p, {}) for p in files]
        if src.suffix.lower() == ".csv":
            return _manifest_items(src)
        return [(src, {})]
    return [(Path(p), {}) for p in sources]


def _manifest_items(manifest: Path) -> list[tuple[Path, dict[str, str]]]:
    from .sample import read_manifest

    try:
        works = read_manifest(manifest)
    except (KeyError, csv.Error) as exc:
        raise InputError(f"not a manifest (needs id and file columns): {exc}", path=manifest) from exc
    return [(w.path, {"id": w.id, "title": w.title, "labels": ";".join(w.tropes),
                      "derived_from": w.derived_from, "note": w.note}) for w in works]


def _default_analyzer() -> Analyzer:
    from .api import Analyzer

    return Analyzer(corpus=None)


def sample_index(analyzer: Analyzer) -> CorpusIndex:
    """The bundled sample corpus index: built on first use, cached in the user cache folder
    under a key of every input that changes it."""
    from platformdirs import user_cache_dir

    from ._resources import corpus_dir

    manifest = corpus_dir() / "manifest.csv"
    key = fingerprint([__version__, FORMAT, MINHASH_SCHEME, analyzer.lexicon.version,
                       analyzer.segmenter.backend,
                       analyzer.segmenter.dictionary_checksum, manifest.read_bytes(),
                       str(analyzer.versions().get("classifier", ""))])
    cache = Path(os.environ.get("TROPESCAN_CACHE") or user_cache_dir("tropescan"))
    path = cache / f"sample-index-{key}"
    if (path / "index.json").exists():
        try:
            return CorpusIndex.load(path, lexicon=analyzer.lexicon)
        except TropescanError:
            pass  # a damaged cache is rebuilt below
    builder = _corpus_analyzer(analyzer)
    index = CorpusIndex.build(manifest, analyzer=builder)
    with contextlib.suppress(OSError):  # a read-only cache only costs a rebuild next time
        index.save(path)
    return index


def _corpus_analyzer(analyzer: Analyzer) -> Analyzer:
    from .api import Analyzer

    return Analyzer(analyzer.settings, corpus=None, lexicon=analyzer.lexicon,
                    classifier=analyzer.classifier)
