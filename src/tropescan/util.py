"""Small shared helpers: atomic writes, the cache folder, parsed TOML, fingerprints, time
formatting."""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .errors import Errors, ModelError


def umask_mode(base: int = 0o666) -> int:
    """``base`` less the process's umask: the mode ``open`` would give a new file. (mkstemp
    and mkdtemp create 0600/0700 files, which nobody else on a shared folder could read.)"""
    mask = os.umask(0)
    os.umask(mask)
    return base & ~mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, umask_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def cache_dir() -> Path:
    """Where tropescan keeps what it can rebuild (the sample corpus's index, parsed lexicon
    files): ``TROPESCAN_CACHE``, else the user's cache folder."""
    from platformdirs import user_cache_dir

    return Path(os.environ.get("TROPESCAN_CACHE") or user_cache_dir("tropescan"))


def parse_toml(raw: bytes) -> dict[str, Any]:
    """``tomllib.loads`` of ``raw`` (UTF-8, a BOM allowed), kept in the cache folder as JSON
    under the bytes' digest. tomllib is pure Python: the shipped lexicons take ~50 ms to parse
    at every start, their JSON ~3 ms. Raises what decoding and tomllib raise; a missing,
    damaged or foreign cache entry is parsed again, and a cache that cannot be written costs
    only the parse."""
    import json
    import tomllib

    digest = hashlib.sha256(raw).hexdigest()
    path = cache_dir() / "toml" / f"{digest[:32]}.json"
    with contextlib.suppress(OSError, ValueError):
        kept = json.loads(path.read_bytes())
        if isinstance(kept, dict) and kept.get("sha256") == digest and isinstance(
                kept.get("data"), dict):
            return kept["data"]
    data = tomllib.loads(raw.decode("utf-8-sig"))
    # TypeError: a TOML date or time has no JSON form; such a file is simply not kept
    with contextlib.suppress(OSError, TypeError, ValueError):
        atomic_write_text(path, json.dumps({"sha256": digest, "data": data},
                                           ensure_ascii=False))
    return data


def replace_dir(tmp: Path, final: Path) -> None:
    """Move a fully written temporary folder into place (the old one goes only after)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(tmp, umask_mode(0o777))  # mkdtemp made it 0700
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def fingerprint(parts: Iterable[str | bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:16]


def clock(seconds: float) -> str:
    """``83.4`` -> ``'1:23'``."""
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def save_model_folder(path: Path, doc: dict[str, object], arrays: dict[str, object]) -> Path:
    """Write ``model.json`` + ``weights.npz`` to a temporary folder, then rename it into place:
    a crash never leaves half a model where the old one was."""
    import json

    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    try:
        (tmp / "model.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        np.savez_compressed(tmp / "weights.npz", **arrays)  # type: ignore[arg-type]
        replace_dir(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return path


def load_model_folder(path: Path, keys: tuple[str, ...], what: str) -> tuple[dict, dict]:
    """Read ``model.json`` (must be an object) and the named arrays of ``weights.npz``.

    Arrays load with ``allow_pickle=False``: a model folder handed over by someone else can
    hold data, never code. Every failure is a ``ModelError`` naming the folder.
    """
    import json
    import zipfile

    import numpy as np

    try:
        doc = json.loads((path / "model.json").read_text(encoding="utf-8"))
        weights = np.load(path / "weights.npz", allow_pickle=False)
        if not isinstance(weights, np.lib.npyio.NpzFile):
            raise ValueError("weights.npz is a single array, not an .npz archive")
        with weights as npz:
            arrays = {k: npz[k] for k in keys}
    except FileNotFoundError as exc:
        raise ModelError(Errors.NOT_A_MODEL(what=what), path=path) from exc
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise ModelError(Errors.CORRUPT_MODEL(what=what, detail=exc), path=path) from exc
    if not isinstance(doc, dict):
        raise ModelError(Errors.MODEL_NOT_OBJECT(what=what), path=path)
    return doc, arrays


def records_frame(items: Iterable[object], columns: list[str]) -> Any:
    """A DataFrame of dataclass items: exactly ``columns``, in order, with a RangeIndex
    (pandas is imported here, at the edge, not by the pipeline stages)."""
    import pandas as pd

    return pd.DataFrame([{c: getattr(it, c) for c in columns} for it in items], columns=columns)


def smoothed_idf(doc_freqs: Sequence[int], n_docs: int) -> Any:
    """scikit-learn's smoothed idf, ``ln((1 + n) / (1 + df)) + 1``, as a float64 array: the
    corpus index's term weights and the twist model's n-gram weights."""
    import numpy as np

    return np.array([math.log((1 + n_docs) / (1 + df)) + 1 for df in doc_freqs],
                    dtype=np.float64)


def rates(p_hits: int, p_total: int, r_hits: int, r_total: int) -> tuple[float, float, float]:
    """Precision (``p_hits`` of ``p_total`` detections right), recall (``r_hits`` of
    ``r_total`` labels found) and F1, rounded to 4 places. Where detections and labels match
    one to one, ``prf`` is the same thing from counts."""
    p = p_hits / p_total if p_total else 0.0
    r = r_hits / r_total if r_total else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 4), round(r, 4), round(f, 4)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    return rates(tp, tp + fp, tp, tp + fn)
