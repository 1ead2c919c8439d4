"""Where the works of a batch or an index come from: a folder, a manifest CSV, or paths.

Input: what a user names on the command line or passes to ``build_index``. Output:
``Source`` records (a path and its manifest metadata) in a stable order. Layer 1: files only,
nothing is read here.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Errors, InputError
from .sample import read_manifest
from .schema import EXTENSIONS, SUFFIX_LIST

SourceArg = Iterable[str | os.PathLike[str]] | str | os.PathLike[str]


@dataclass(frozen=True)
class Source:
    """One work to analyse: its file and what a manifest says about it (id, title, labels,
    derived_from, note; empty for a plain file)."""

    path: Path
    meta: dict[str, str] = field(default_factory=dict)


def find_scripts(folder: Path) -> list[Path]:
    """Every supported script under ``folder``, recursively, in a stable order (hidden and
    ``_``-prefixed files and folders are skipped)."""
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.suffix.lower() in EXTENSIONS
                  and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts))


def scripts_in(folder: Path) -> list[Path]:
    """``find_scripts``, refusing a folder with none."""
    files = find_scripts(folder)
    if not files:
        raise InputError(Errors.NO_SCRIPTS(suffixes=SUFFIX_LIST), path=folder)
    return files


def resolve_sources(sources: SourceArg) -> list[Source]:
    """Folder, manifest CSV or paths -> ``Source`` records."""
    if isinstance(sources, str | os.PathLike):
        src = Path(sources)
        if src.is_dir():
            if (src / "manifest.csv").is_file():
                return _manifest_items(src / "manifest.csv")
            return [Source(p) for p in scripts_in(src)]
        if src.suffix.lower() == ".csv":
            return _manifest_items(src)
        return [Source(src)]
    return [Source(Path(p)) for p in sources]


def _manifest_items(manifest: Path) -> list[Source]:
    try:
        works = read_manifest(manifest)
    except (KeyError, csv.Error) as exc:
        raise InputError(Errors.NOT_A_MANIFEST(detail=exc), path=manifest) from exc
    return [Source(w.path, {"id": w.id, "title": w.title, "labels": ";".join(w.tropes),
                            "derived_from": w.derived_from, "note": w.note}) for w in works]
