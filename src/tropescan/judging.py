"""The judge's workflow: a folder of submissions -> a ranked table, similar-submission pairs
and HTML reports; resumable, and one bad file never stops the rest.

Input: a folder (searched recursively for every supported format). Output files:

* the results table (``.csv``, ``.xlsx`` or ``.parquet`` by extension), ranked by originality,
  one row per file with ``status`` ``ok`` or ``error`` and the reason;
* ``<name>.pairs.csv`` next to it: pairs of submissions that share passages or are
  near-duplicates of each other (copying *between* entries);
* with ``reports_dir``: one self-contained HTML page per script and ``index.html`` (the
  overview: the ranked table with copy badges, a score histogram, trope shares, copy pairs).

Copying between submissions is a finding of its own. The flagged pairs (``near_duplicate_pairs``:
LSH candidates and cosines, never every pair by brute force) are compared chunk by chunk, for
those pairs only, from the ``WorkFeatures`` the batch keeps (``originality.verify_passage``, as
for reuse of a corpus work). Each entry gets a ``copying`` part, ``1 − clip(copy_share /
COPY_FULL)``, ``copy_share`` = the share of its match text inside passages shared with its
closest fellow submission (the one it shares most text with), scaled like the ``reuse`` part
(``COPY_FULL`` = ``REUSE_FULL`` = 0.4). It enters the batch's originality with weight
``COPYING_WEIGHT`` (0.3, the weight of ``reuse``)::

    originality = max(0, scan_originality − 100 × COPYING_WEIGHT × (1 − copying_part))

so an entry that copies nothing (``copying_part`` 1) keeps the score ``tropescan scan`` gives it
(``scan_originality``; a single scan is never affected), and both entries of a copy pair lose
up to 30 points. The tool does not guess who copied whom: both lose, both are shown.

Pages are written by batch workers before any pair is known, so every page carries an empty,
marked copies section (``report.html.COPIES_START`` … ``COPIES_END``); after the batch, the pages
of paired entries (and of entries from an earlier run, whose section may be stale) get it
filled in: links to the partners' pages and the shared passages side by side
(``report.html.set_copies``). This re-renders only that one template block: no file is analysed
twice, and a resumed run re-links pages written by the run before.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .api import Analyzer, CorpusArg, Settings, default_analyzer
from .batch import FileResult, run_batch, work_features_file
from .collection import near_duplicate_pairs
from .corpus import CorpusIndex, WorkFeatures
from .errors import Errors, InputError, SettingsError
from .originality import (
    REUSE_FULL,
    WEIGHTS,
    PassageChecks,
    best_verified,
    verify_passage,
)
from .report.html import render_index, set_copies
from .schema import (
    COPY_COLUMNS,
    COPY_NUMERIC_COLUMNS,
    INTEGER_COLUMNS,
    NUMERIC_COLUMNS,
    RESULT_COLUMNS,
)
from .schema import SUBMISSION_PAIR_COLUMNS as PAIR_COLUMNS
from .sources import scripts_in
from .util import atomic_write_bytes, atomic_write_text

NUMERIC = (*NUMERIC_COLUMNS, *COPY_NUMERIC_COLUMNS)
# copying a fellow entry weighs what reusing scenes of and borrowing phrases from a corpus work do
COPYING_WEIGHT = WEIGHTS["reuse"] + WEIGHTS["borrowed"]
COPY_FULL = REUSE_FULL  # this share of the text or more shared with one entry: copying part 0
MAX_SHOWN_PASSAGES = 60  # per partner on a page; the counts are always complete


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
    for column in (*INTEGER_COLUMNS, "copy_passages"):  # None must not turn 80 into 80.0
        df[column] = pd.to_numeric(df[column], errors="coerce").astype("Int64")
    ext = output.suffix.lower()
    buf = io.BytesIO()
    if ext == ".csv":
        buf.write(df.to_csv(index=False).encode("utf-8"))
    elif ext == ".xlsx":
        df.to_excel(buf, index=False, engine="openpyxl")
    elif ext == ".parquet":
        df.astype({c: "string" for c in ("rank", "error", "similar_submissions", "report",
                                          "top_tropes", "nearest_work", "copy_partner")}).to_parquet(buf, index=False)
    atomic_write_bytes(output, buf.getvalue())


def submission_pairs(features: list[WorkFeatures], settings: Settings | None,
                     reference: CorpusIndex | None = None) -> list[dict[str, Any]]:
    """Pairs of submissions sharing passages or near-duplicates of each other.

    Cosines use the reference corpus's vocabulary and idf when there is one: idf learned from
    a handful of submissions alone would make any two scripts of one genre look alike.
    """
    if len(features) < 2:
        return []
    # Indexed in path order: with several workers the features arrive in any order, and the
    # pairs (a before b, ties in index order) must not change from one run to the next.
    features = sorted(features, key=lambda f: f.path)
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
    pairs = submission_pairs(list(features.values()), settings, _reference(corpus, settings))
    links = copy_links(pairs, features)
    apply_copying(rows, links)
    ranked = rank_rows(list(rows.values()))
    write_table(ranked, output)
    if journal_path != output:
        journal_path.unlink(missing_ok=True)
    pairs_path = output.with_name(f"{output.stem}.pairs.csv")
    _write_pairs(pairs, pairs_path)
    if reports_dir is not None:
        _link_pages(rows, links, reports_dir, earlier=set(done))
        _write_index(ranked, _pair_rows(pairs, links, rows), reports_dir, settings, folder)
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
    row["scan_originality"] = row.get("originality")  # the batch lowers originality at the end
    return row


def _write_pairs(pairs: list[dict[str, Any]], path: Path) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=PAIR_COLUMNS)
    writer.writeheader()
    writer.writerows(pairs)
    atomic_write_text(path, buf.getvalue())


def _write_index(rows: list[dict[str, Any]], pairs: list[dict[str, Any]], reports_dir: Path,
                 settings: Settings | None, folder: Path) -> None:
    settings = settings or Settings()
    versions = Analyzer(settings, corpus=None).versions()  # what every report was made with
    html = render_index(rows, title=f"tropescan: {folder.name}", window_s=settings.window_s,
                        versions=versions, pairs=pairs)
    atomic_write_text(reports_dir / "index.html", html)


# -- copying between submissions -----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SharedPassage:
    """A chunk of one entry and the partner's chunk it shares text with (verified)."""

    episode: int
    lines: str
    text: str
    partner_episode: int
    partner_lines: str
    partner_text: str
    overlap: float


@dataclass(frozen=True, slots=True)
class CopyLink:
    """A flagged pair as one of its entries sees it: ``share`` of this entry's match text lies
    in passages shared with ``partner``, ``partner_share`` of the partner's."""

    path: str
    partner: str
    cosine: float
    shared_passages: int  # the pair's count, as in pairs.csv
    share: float
    partner_share: float
    passages: list[SharedPassage]


def _best_matches(fa: WorkFeatures, fb: WorkFeatures,
                  check: Callable[[str, str], tuple[float, int] | None] = verify_passage
                  ) -> list[tuple[int, int, float, int]]:
    """For each chunk of ``fa``, its best verified match among ``fb``'s chunks: (chunk of a,
    chunk of b, share of the shorter, matched characters). Candidates best-first by MinHash
    estimate, verified as ``originality`` does for a corpus (``best_verified``).
    ``check``: the exact check (a batch's ``PassageChecks``, shared by all its pairs)."""
    if fa.sig is None or fb.sig is None or not len(fa.chunk_match) or not len(fb.chunk_match):
        return []
    sa, sb = np.asarray(fa.sig), np.asarray(fb.sig)
    out = []
    for start in range(0, len(sa), 256):  # blocks keep the comparison cube small
        est = (sa[start:start + 256, None, :] == sb[None, :, :]).mean(axis=2)
        for x, row in enumerate(est, start=start):
            ranked = ((int(y), float(row[y])) for y in np.argsort(-row, kind="stable"))
            best = best_verified(fa.chunk_match[x], ranked, fb.chunk_match.__getitem__, check)
            if best is not None:
                out.append((x, best[1], best[0], best[3]))
    return out


def _share(f: WorkFeatures, matches: list[tuple[int, int, float, int]]) -> float:
    """The share of ``f``'s match text inside its verified shared passages."""
    return round(sum(m for *_, m in matches) / (sum(len(m) for m in f.chunk_match) or 1), 4)


def _link(fa: WorkFeatures, fb: WorkFeatures, pair: dict[str, Any],
          matches: list[tuple[int, int, float, int]], partner_share: float) -> CopyLink:
    passages = [SharedPassage(fa.chunk_pos[i][0], f"{fa.chunk_pos[i][2]}-{fa.chunk_pos[i][3]}",
                              fa.chunk_text[i], fb.chunk_pos[j][0],
                              f"{fb.chunk_pos[j][2]}-{fb.chunk_pos[j][3]}", fb.chunk_text[j],
                              round(share, 3)) for i, j, share, _ in matches]
    return CopyLink(fa.path, fb.path, float(pair["cosine"]), int(pair["shared_passages"]),
                    _share(fa, matches), partner_share, passages)


def copy_links(pairs: list[dict[str, Any]], features: dict[str, WorkFeatures]
               ) -> dict[str, list[CopyLink]]:
    """Every flagged pair as each of its entries sees it, by path, the partner sharing most
    text first. Only flagged pairs are compared (each chunk of one entry against the other's)."""
    links: dict[str, list[CopyLink]] = {}
    check = PassageChecks()
    for pair in pairs:
        fa, fb = features.get(pair["path_a"]), features.get(pair["path_b"])
        if fa is None or fb is None:
            continue
        a_side, b_side = _best_matches(fa, fb, check), _best_matches(fb, fa, check)
        share_a, share_b = _share(fa, a_side), _share(fb, b_side)
        links.setdefault(pair["path_a"], []).append(_link(fa, fb, pair, a_side, share_b))
        links.setdefault(pair["path_b"], []).append(_link(fb, fa, pair, b_side, share_a))
    for found in links.values():
        found.sort(key=lambda k: (-k.share, -k.shared_passages, -k.cosine, k.partner))
    return links


def apply_copying(rows: dict[str, dict[str, Any]], links: dict[str, list[CopyLink]]) -> None:
    """Fill the copy columns of every row and lower the originality of copying entries (see
    the module docstring). ``scan_originality`` is the score before: a resumed run that reads
    back a finished table starts again from it, never from the lowered score."""
    for path, row in rows.items():
        found = links.get(path, [])
        row["similar_submissions"] = ";".join(Path(k.partner).name for k in found)
        if row.get("status") != "ok":
            row.update(dict.fromkeys(COPY_COLUMNS))
            row["copy_partner"] = ""
            continue
        base = _float(row.get("scan_originality"))
        base = _float(row.get("originality")) if base is None else base
        share = found[0].share if found else 0.0
        part = round(1 - min(1.0, share / COPY_FULL), 4)
        row.update({"scan_originality": base, "copying_part": part, "copy_share": share,
                    "copy_partner": Path(found[0].partner).name if found else "",
                    "copy_passages": len(found[0].passages) if found else 0})
        row["originality"] = (None if base is None else
                              round(max(0.0, base - 100 * COPYING_WEIGHT * (1 - part)), 1))


def _link_pages(rows: dict[str, dict[str, Any]], links: dict[str, list[CopyLink]],
                reports_dir: Path, earlier: set[str]) -> None:
    """Fill the copies section of the pages of paired entries; clear it on pages of an earlier
    run whose entry is no longer paired."""
    for path, row in rows.items():
        if row.get("status") != "ok" or not row.get("report"):
            continue
        page = reports_dir / str(row["report"])
        if path in links:
            set_copies(page, {
                "scan_originality": row["scan_originality"], "originality": row["originality"],
                "copying_part": row["copying_part"], "weight": COPYING_WEIGHT,
                "full": COPY_FULL, "max_shown": MAX_SHOWN_PASSAGES,
                "links": [{"name": Path(k.partner).name, "link": k,
                           "href": str(rows.get(k.partner, {}).get("report") or "")}
                          for k in links[path]]})
        elif path in earlier and page.is_file():
            set_copies(page, None)


def _pair_rows(pairs: list[dict[str, Any]], links: dict[str, list[CopyLink]],
               rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The copy pairs for the overview page: names, pages, cosine, counts and both shares."""
    out = []
    for pair in pairs:
        a, b = pair["path_a"], pair["path_b"]
        share = {k.partner: k.share for k in links.get(a, [])}
        back = {k.partner: k.share for k in links.get(b, [])}
        out.append({"name_a": Path(a).name, "name_b": Path(b).name, "path_a": a, "path_b": b,
                    "report_a": str(rows.get(a, {}).get("report") or ""),
                    "report_b": str(rows.get(b, {}).get("report") or ""),
                    "cosine": pair["cosine"], "shared_passages": pair["shared_passages"],
                    "share_a": share.get(b, 0.0), "share_b": back.get(a, 0.0)})
    return out
