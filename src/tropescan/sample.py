"""The bundled sample corpus: its manifest and its labels.

``corpora_sample/manifest.csv`` lists every script (id, title, file, format, tropes,
derived_from, note); ``labels/twists.csv`` marks the gold twist lines (those most annotators
agree on, see ``docs/twist_labels.md``), ``labels/twist_annotations.csv`` every annotator's own
labels; ``labels/hard_negatives.csv`` marks ordinary uses of trope words that must not fire a
trope. The label functions take a manifest path to read another labelled corpus laid out the
same way.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ._resources import corpus_dir
from .errors import Errors, InputError


@dataclass(frozen=True, slots=True)
class Work:
    id: str
    title: str
    path: Path
    format: str
    tropes: tuple[str, ...]
    derived_from: str
    note: str

    @property
    def family(self) -> str:
        """Near-copies share their source's family: they must sit in the same CV fold."""
        return self.derived_from or self.id


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise InputError(Errors.NO_MANIFEST, path=path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def read_manifest(path: str | Path | None = None) -> list[Work]:
    """Works listed in a manifest CSV (default: the bundled sample corpus)."""
    manifest = Path(path) if path else corpus_dir() / "manifest.csv"
    root = manifest.parent
    works = []
    for row in _rows(manifest):
        if not row.get("id") or not row.get("file"):
            raise InputError(Errors.MANIFEST_ROW, path=manifest)
        tropes = tuple(t.strip() for t in (row.get("tropes") or "").split(";") if t.strip())
        works.append(Work(row["id"], row.get("title") or row["id"], root / row["file"],
                          row.get("format") or "", tropes, (row.get("derived_from") or "").strip(),
                          row.get("note") or ""))
    return works


def labels_dir(manifest: str | Path | None = None) -> Path:
    """The ``labels/`` folder beside a manifest (default: the bundled sample corpus)."""
    return (Path(manifest).parent if manifest else corpus_dir()) / "labels"


def twist_labels(manifest: str | Path | None = None) -> list[dict[str, str]]:
    """Gold twist lines: ``script_id, episode, line, category`` (+ ``votes`` in the sample)."""
    return _rows(labels_dir(manifest) / "twists.csv")


def twist_annotations(manifest: str | Path | None = None) -> list[dict[str, str]]:
    """Every annotator's twist labels, ``script_id, annotator, episode, line, category``;
    empty when the corpus has only gold labels."""
    path = labels_dir(manifest) / "twist_annotations.csv"
    return _rows(path) if path.is_file() else []


def hard_negatives() -> list[dict[str, str]]:
    return _rows(corpus_dir() / "labels" / "hard_negatives.csv")
