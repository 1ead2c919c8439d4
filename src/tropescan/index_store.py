"""The on-disk form of a ``CorpusIndex``: a folder of plain data, written atomically.

``index.json`` (format version, fingerprints, parameters), ``works.csv``, ``vocab.json``,
``idf.npy``, ``X.npz`` (the pruned TF-IDF rows as CSR arrays), ``chunk_pos.npy``, ``sig.npy``,
``bands.npy``, ``chunk_text.bin`` + ``chunk_text_offsets.npy`` (what a passage looks like) and
``chunk_match.bin`` + ``chunk_match_offsets.npy`` (its normalised match text, so a query never
re-normalises corpus text). Written to a temporary folder and renamed, so a crash never leaves
half an index. Nothing is pickled; arrays load with ``allow_pickle=False``; a corrupt, foreign
or stale folder is refused with one message.

Layer 3, below ``corpus``: it knows arrays and tables, not the index's queries.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .chunks import MINHASH_SCHEME
from .errors import CorpusIndexError, Errors
from .lookups import ARRAYS as LOOKUP_ARRAYS
from .schema import WORK_COLUMNS
from .util import replace_dir

FORMAT = "tropescan.index/3"  # /3: phrase fingerprints and plot skeletons


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


@dataclass
class IndexData:
    """Everything an index folder holds, as arrays and rows."""

    meta: dict[str, Any]
    works: list[dict[str, Any]]  # WORK_COLUMNS, numbers as ints
    vocab: list[str]
    idf: np.ndarray
    X: CSRArrays
    chunk_pos: np.ndarray
    sig: np.ndarray
    bands: np.ndarray
    chunk_text: Callable[[int], str]
    chunk_match: Callable[[int], str]
    lookups: dict[str, np.ndarray]  # ``lookups.ARRAYS``: phrase fingerprints, plot beats


def write_index(path: str | os.PathLike[str], data: IndexData) -> Path:
    """Write ``data`` as an index folder at ``path`` (replacing one that is there)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.tmp-"))
    n_chunks = int(data.sig.shape[0])
    try:
        meta = {**data.meta, "n_works": len(data.works), "n_chunks": n_chunks}
        meta.pop("path", None)
        (tmp / "index.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=WORK_COLUMNS)
        writer.writeheader()
        writer.writerows(data.works)
        (tmp / "works.csv").write_text(buf.getvalue(), encoding="utf-8")
        (tmp / "vocab.json").write_text(json.dumps(data.vocab, ensure_ascii=False),
                                        encoding="utf-8")
        np.save(tmp / "idf.npy", data.idf)
        m = data.X
        np.savez(tmp / "X.npz", data=m.data, indices=m.indices, indptr=m.indptr,
                 shape=np.array(m.shape))
        np.save(tmp / "chunk_pos.npy", data.chunk_pos)
        np.save(tmp / "sig.npy", data.sig)
        np.save(tmp / "bands.npy", data.bands)
        np.savez(tmp / "lookups.npz", **data.lookups)
        for name, get in (("chunk_text", data.chunk_text), ("chunk_match", data.chunk_match)):
            blobs = [get(i).encode("utf-8") for i in range(n_chunks)]
            offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
            offsets[1:] = np.cumsum([len(b) for b in blobs])
            (tmp / f"{name}.bin").write_bytes(b"".join(blobs))
            np.save(tmp / f"{name}_offsets.npy", offsets)
        replace_dir(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return path


def _read_meta(path: Path, lexicon_version: str | None) -> dict[str, Any]:
    if not path.is_dir():
        raise CorpusIndexError(Errors.NO_INDEX_FOLDER, path=path)
    try:
        meta = json.loads((path / "index.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CorpusIndexError(Errors.NOT_AN_INDEX, path=path) from exc
    except (OSError, ValueError) as exc:
        raise CorpusIndexError(Errors.CORRUPT_INDEX_JSON(detail=exc), path=path) from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        got = meta.get("format") if isinstance(meta, dict) else None
        raise CorpusIndexError(Errors.FOREIGN_INDEX(got=got, expected=FORMAT), path=path)
    if meta.get("minhash") != MINHASH_SCHEME:
        raise CorpusIndexError(Errors.INDEX_MINHASH(got=meta.get("minhash"),
                                                    expected=MINHASH_SCHEME), path=path)
    if lexicon_version is not None and meta.get("lexicon_version") != lexicon_version:
        raise CorpusIndexError(Errors.STALE_INDEX(built=meta.get("lexicon_version"),
                                                  current=lexicon_version), path=path)
    return meta


def read_index(path: str | os.PathLike[str], *, lexicon_version: str | None = None,
               mmap: bool = True) -> IndexData:
    """Read an index folder; refuse a corrupt, foreign or stale one (built with other lexicons
    than ``lexicon_version``, when given) with a clear message."""
    path = Path(path)
    meta = _read_meta(path, lexicon_version)
    mode = "r" if mmap else None
    try:
        n_chunks = int(meta.get("n_chunks", -1))
        with (path / "works.csv").open(encoding="utf-8", newline="") as fh:
            works: list[dict[str, Any]] = list(csv.DictReader(fh))
        for w in works:
            for key in ("n_chars", "chunk_start", "chunk_end"):
                w[key] = int(w[key])
        vocab = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
        idf = np.load(path / "idf.npy", allow_pickle=False)
        with np.load(path / "X.npz", allow_pickle=False) as z:
            shape = tuple(int(s) for s in z["shape"])
            X = CSRArrays(z["data"], z["indices"], z["indptr"], (shape[0], shape[1]))
        X.check()
        chunk_pos = np.load(path / "chunk_pos.npy", allow_pickle=False, mmap_mode=mode)
        sig = np.load(path / "sig.npy", allow_pickle=False, mmap_mode=mode)
        bands = np.load(path / "bands.npy", allow_pickle=False, mmap_mode=mode)
        texts = {name: _text_store(path, name) for name in ("chunk_text", "chunk_match")}
        with np.load(path / "lookups.npz", allow_pickle=False) as z:
            lookups = {k: z[k] for k in z.files}
    # A truncated .npy ends in EOFError, a truncated .npz in BadZipFile: both are damage.
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError,
            zipfile.BadZipFile) as exc:
        raise CorpusIndexError(
            Errors.CORRUPT_INDEX(detail=f"{type(exc).__name__}: {exc}"[:185]), path=path) from exc
    if (len(works) != meta.get("n_works") or X.shape != (len(works), len(vocab))
            or len(idf) != len(vocab) or sig.shape != (n_chunks, meta.get("num_perm"))
            or bands.shape[0] != n_chunks or chunk_pos.shape != (n_chunks, 5)
            or any(len(off) != n_chunks + 1 or int(off[-1]) != len(blob)
                   for off, blob in texts.values())
            or not set(LOOKUP_ARRAYS) <= lookups.keys()
            or len(lookups["beat_offsets"]) != len(works) + 1):
        raise CorpusIndexError(Errors.INDEX_SIZES, path=path)
    if (sig.dtype != np.uint32 or bands.dtype != np.uint64
            or not np.issubdtype(chunk_pos.dtype, np.integer)):
        raise CorpusIndexError(Errors.INDEX_TYPES, path=path)
    meta["path"] = str(path)
    return IndexData(meta, works, vocab, idf, X, np.asarray(chunk_pos), sig, bands,
                     _reader(*texts["chunk_text"]), _reader(*texts["chunk_match"]), lookups)

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


