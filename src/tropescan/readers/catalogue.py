"""Synopses, outlines and catalogues: text that is not a file of its own, read as prose.

A synopsis (故事梗概), an episode outline (分集大纲) or one row of a distributor's catalogue is
read by the text reader like any script — without episode markers it is prose, one episode —
and timed like a script, so every stage downstream takes it as it is.

Input: a string, or a catalogue file (``.csv``, ``.xlsx``, ``.parquet``) with a text column.
Output: ``Script`` records, one per text (``catalogue_scripts``), their ids from an id column,
else the row number.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import Errors, InputError
from ..model import Script
from ..timing import TimingProfile, estimate_timeline
from .text import parse_text

CATALOGUE_SUFFIXES = (".csv", ".xlsx", ".parquet")


def script_from_text(text: str, *, id: str, title: str = "",
                     timing: TimingProfile | None = None) -> Script:
    """A synopsis, outline or any script text as a timed ``Script`` (``id`` names it)."""
    builder = parse_text(text, path=f"{id}.txt", fmt="text")
    # a synopsis has no structure by nature: no "read as prose" warning for it
    script = builder.finish()
    script.warnings = [w for w in script.warnings if "prose" not in w]
    script.title = title or id
    if script.episodes:
        estimate_timeline(script, timing or TimingProfile())
    return script


@dataclass(frozen=True)
class CatalogueRow:
    """One text of a catalogue: its id, title and text as the file gives them."""

    id: str
    title: str
    text: str


def read_catalogue(path: str | Path, *, text_column: str, title_column: str | None = None,
                   id_column: str | None = None) -> list[CatalogueRow]:
    """The rows of a catalogue file that have text (``.csv``, ``.xlsx``, ``.parquet``)."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InputError(Errors.NO_SUCH_FILE, path=path)
    suffix = path.suffix.lower()
    if suffix not in CATALOGUE_SUFFIXES:
        raise InputError(Errors.NOT_A_CATALOGUE(suffix=suffix or "(none)"), path=path)
    try:
        df = (pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
              if suffix == ".csv" else
              pd.read_excel(path, dtype=str) if suffix == ".xlsx" else pd.read_parquet(path))
    except Exception as exc:  # any reader error: not a table we can read
        raise InputError(Errors.UNREADABLE_CATALOGUE(kind=type(exc).__name__), path=path) from exc
    if id_column is None and "id" in df.columns:
        id_column = "id"
    return rows_of(df, text_column=text_column, title_column=title_column,
                   id_column=id_column, path=path)


def rows_of(df: object, *, text_column: str, title_column: str | None = None,
            id_column: str | None = None, path: str | Path | None = None) -> list[CatalogueRow]:
    """The rows of a DataFrame that have text, as ``CatalogueRow`` records."""
    columns = [str(c) for c in df.columns]  # type: ignore[attr-defined]
    for name in (text_column, title_column, id_column):
        if name is not None and name not in columns:
            raise InputError(Errors.NO_COLUMN(column=name, columns=", ".join(columns)),
                             path=path)
    out = []
    for k, record in enumerate(df.to_dict(orient="records"), start=1):  # type: ignore[attr-defined]
        text = _cell(record.get(text_column))
        if not text:
            continue
        rid = _cell(record.get(id_column)) if id_column else ""
        out.append(CatalogueRow(rid or str(k), _cell(record.get(title_column))
                                if title_column else "", text))
    return out


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN
        return ""
    return str(value).strip()


def catalogue_scripts(rows: list[CatalogueRow], timing: TimingProfile | None = None
                      ) -> Iterator[Script]:
    for row in rows:
        yield script_from_text(row.text, id=row.id, title=row.title, timing=timing)
