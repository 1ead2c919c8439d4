"""The judge's workflow: a folder of submissions -> a ranked table, similar-submission pairs
and HTML reports; resumable, and one bad file never stops the rest.

Input: a folder (searched recursively for every supported format). Output files:

* the results table (``.csv``, ``.xlsx`` or ``.parquet`` by extension), ranked by originality,
  one row per file with ``status`` ``ok`` or ``error`` and the reason;
* ``<name>.pairs.csv`` next to it: pairs of submissions that share passages or are
  near-duplicates of each other (copying *between* entries);
* with ``reports_dir``: one self-contained HTML page per script and ``index.html``.

While running, every finished file is appended to a journal (``<output>.journal.csv`` —
for a CSV output the output file itself is the journal) and flushed, so a run killed half-way
loses nothing finished; ``resume=True`` skips the files the journal (or the results table of
a completed run) already holds as ``ok``. The final table is written atomically at the end.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .api import Analyzer, CorpusArg, Settings, default_analyzer
from .batch import FileResult, run_batch, work_features_file
from .collection import near_duplicate_pairs
from .corpus import CorpusIndex, WorkFeatures
from .errors import Errors, InputError, SettingsError
from .report.html import render_index
from .schema import INTEGER_COLUMNS, RESULT_COLUMNS
from .schema import NUMERIC_COLUMNS as NUMERIC
from .schema import SUBMISSION_PAIR_COLUMNS as PAIR_COLUMNS
from .sources import scripts_in
from .util import atomic_write_bytes, atomic_write_text


def _journal_path(output: Path) -> Path:
    return output if output.suffix.lower() == ".csv" else output.with_name(output.name + ".journal.csv")


def read_journal(path: Path) -> dict[str, dict[str, Any]]:
    """Rows already finished, by path (the last row for a path wins)."""
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "path" not in rows[0]:
        raise InputError(Errors.NOT_RESULTS, path=path)
    for r in rows:
        for col in NUMERIC:
            r[col] = _float(r.get(col))
    return {r["path"]: r for r in rows if r.get("path")}


def read_table(path: Path) -> dict[str, dict[str, Any]]:
    """Rows of a finished ``.xlsx`` or ``.parquet`` results table, by path."""
    if not path.is_file():
        return {}
    import pandas as pd

    try:
        df = pd.read_excel(path) if path.suffix.lower() == ".xlsx" else pd.read_parquet(path)
    except Exception as exc:  # any reader error: the file is not a table we wrote
        raise InputError(Errors.UNREADABLE_RESULTS(kind=type(exc).__name__), path=path) from exc
    if "path" not in df.columns:
        raise InputError(Errors.NOT_RESULTS, path=path)
    rows = df.astype(object).where(df.notna(), None).to_dict(orient="records")
    for r in rows:
        for col in NUMERIC:
            r[col] = _float(r.get(col))
    return {str(r["path"]): r for r in rows if r.get("path")}


def _finished(output: Path, journal_path: Path) -> dict[str, dict[str, Any]]:
    """Rows finished earlier: the table of a completed run (a CSV output is its own journal),
    then the journal of an interrupted one."""
    done = read_table(output) if journal_path != output else {}
    done.update(read_journal(journal_path))
    return done


class Journal:
    """Append-only CSV of finished rows, flushed and fsynced per row."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists() or path.stat().st_size == 0
        self.fh = path.open("a", encoding="utf-8", newline="")
        self.writer = csv.DictWriter(self.fh, fieldnames=columns, extrasaction="ignore")
        if new:
            self.writer.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        self.writer.writerow(row)
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def close(self) -> None:
        self.fh.close()


def _float(v: Any) -> float | None:
    try:
        return None if v in (None, "") else float(v)
    except (TypeError, ValueError):
        return None


def rank_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Most original first; failed files last, unranked."""
    ok = [r for r in rows if r.get("status") == "ok"]
    bad = [r for r in rows if r.get("status") != "ok"]
    ok.sort(key=lambda r: (-(_float(r.get("originality")) or 0.0), str(r.get("path"))))
    for k, r in enumerate(ok, start=1):
        r["rank"] = k
    for r in bad:
        r["rank"] = ""
    return ok + sorted(bad, key=lambda r: str(r.get("path")))


def write_table(rows: list[dict[str, Any]], output: Path) -> None:
    """The final ranked table, atomically, in the format named by the extension."""
    import pandas as pd

    df = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    for column in INTEGER_COLUMNS:  # None in an error row must not turn 80 into 80.0
        df[column] = pd.to_numeric(df[column], errors="coerce").astype("Int64")
    ext = output.suffix.lower()
    buf = io.BytesIO()
    if ext == ".csv":
        buf.write(df.to_csv(index=False).encode("utf-8"))
    elif ext == ".xlsx":
        df.to_excel(buf, index=False, engine="openpyxl")
    elif ext == ".parquet":
        df.astype({c: "string" for c in ("rank", "error", "similar_submissions", "report",
                                          "top_tropes", "nearest_work")}).to_parquet(buf, index=False)
    atomic_write_bytes(output, buf.getvalue())


def submission_pairs(features: list[WorkFeatures], settings: Settings | None,
                     reference: CorpusIndex | None = None) -> list[dict[str, Any]]:
    """Pairs of submissions sharing passages or near-duplicates of each other.

    Cosines use the reference corpus's vocabulary and idf when there is one: idf learned from
    a handful of submissions alone would make any two scripts of one genre look alike.
    """
    if len(features) < 2:
        return []
    index = CorpusIndex.from_features(features, origin=Analyzer(settings, corpus=None)
                                      .index_origin())
    pairs = near_duplicate_pairs(index, _cosines(index, features, reference))
    return [{"path_a": index.works[p.a].path, "path_b": index.works[p.b].path,
             "cosine": p.cosine, "shared_passages": p.shared_passages} for p in pairs]


def _cosines(index: CorpusIndex, features: list[WorkFeatures],
             reference: CorpusIndex | None) -> np.ndarray:
    if reference is not None and len(reference) >= 20:
        from scipy import sparse

        rows = [reference.query_vector(f.counts) for f in features]
        X = sparse.csr_matrix(
            (np.concatenate([v for _, v in rows]),
             (np.repeat(np.arange(len(rows)), [len(i) for i, _ in rows]),
              np.concatenate([i for i, _ in rows]))),
            shape=(len(rows), len(reference.vocab)), dtype=np.float32)
        return (X @ X.T).toarray()
    if len(features) >= 20:
        return (index.X @ index.XT).toarray()
    return np.zeros((len(features), len(features)))  # too few for an idf: passages only


def judge_folder(folder: Path, output: Path, *, settings: Settings | None = None,
                 corpus: CorpusIndex | str | None = "sample", reports_dir: Path | None = None,
                 jobs: int = 1, resume: bool = False, scheduler: str | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 on_row: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run the whole judging workflow; return counts and paths."""
    if output.suffix.lower() not in (".csv", ".xlsx", ".parquet"):
        raise SettingsError(Errors.RESULTS_SUFFIX(got=output.name))
    paths = scripts_in(folder) if folder.is_dir() else [folder]
    journal_path = _journal_path(output)
    done = _finished(output, journal_path) if resume else {}
    if not resume and journal_path.exists():
        journal_path.unlink()
    todo = [p for p in paths if done.get(str(p), {}).get("status") != "ok"]
    journal = Journal(journal_path, RESULT_COLUMNS)
    wanted = set(paths)  # built once: a resumed contest may list tens of thousands of files
    rows: dict[str, dict[str, Any]] = {k: v for k, v in done.items()
                                       if v.get("status") == "ok" and Path(k) in wanted}
    features: dict[str, WorkFeatures] = {}
    try:
        for result in run_batch(todo, jobs=jobs, corpus=corpus, settings=settings,
                                scheduler=scheduler, reports_dir=reports_dir,
                                want_features=True, progress=progress):
            row = _row(result, reports_dir)
            rows[result.path] = row
            if result.features is not None:
                features[result.path] = result.features
            journal.write(row)
            if on_row:
                on_row(row)
    finally:
        journal.close()
    # Files finished in an earlier run still take part in the cross-submission check.
    missing = [Path(p) for p, r in rows.items() if r.get("status") == "ok" and p not in features]
    for p in missing:
        found = work_features_file(str(p), {"id": p.stem}, settings)
        if found.features is not None:
            features[str(p)] = found.features
    reference = _reference(corpus, settings)
    pairs = submission_pairs(list(features.values()), settings, reference)
    similar: dict[str, list[str]] = {}
    for pair in pairs:
        similar.setdefault(pair["path_a"], []).append(Path(pair["path_b"]).name)
        similar.setdefault(pair["path_b"], []).append(Path(pair["path_a"]).name)
    for path, row in rows.items():
        row["similar_submissions"] = ";".join(similar.get(path, []))
    ranked = rank_rows(list(rows.values()))
    write_table(ranked, output)
    if journal_path != output:
        journal_path.unlink(missing_ok=True)
    pairs_path = output.with_name(f"{output.stem}.pairs.csv")
    _write_pairs(pairs, pairs_path)
    if reports_dir is not None:
        _write_index(ranked, reports_dir, settings, folder)
    ok = sum(1 for r in ranked if r.get("status") == "ok")
    return {"ok": ok - sum(1 for r in done.values() if r.get("status") == "ok"
                          and Path(r["path"]) in wanted),
            "failed": len(ranked) - ok, "skipped": len(paths) - len(todo), "rows": ranked,
            "pairs": len(pairs), "pairs_path": str(pairs_path)}


def _reference(corpus: CorpusArg, settings: Settings | None) -> CorpusIndex | None:
    if corpus is None or isinstance(corpus, CorpusIndex):
        return corpus
    return default_analyzer(settings, corpus).corpus


def _row(result: FileResult, reports_dir: Path | None) -> dict[str, Any]:
    row = dict(result.row)
    row["report"] = (os.path.relpath(result.report_path, reports_dir)
                     if result.report_path and reports_dir else "")
    return row


def _write_pairs(pairs: list[dict[str, Any]], path: Path) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=PAIR_COLUMNS)
    writer.writeheader()
    writer.writerows(pairs)
    atomic_write_text(path, buf.getvalue())


def _write_index(rows: list[dict[str, Any]], reports_dir: Path, settings: Settings | None,
                 folder: Path) -> None:
    settings = settings or Settings()
    versions = Analyzer(settings, corpus=None).versions()  # what every report was made with
    html = render_index(rows, title=f"tropescan: {folder.name}", window_s=settings.window_s,
                        versions=versions)
    atomic_write_text(reports_dir / "index.html", html)
