"""The judge's workflow: ``judging.judge_folder`` and ``batch`` over a contest folder.

Issue "The three users' workflows". The ``submissions`` folder (conftest.py) holds six sample
scripts (s071 is a near-copy of s002; an SRT and a .docx among them), a hostile script whose
title and lines carry HTML/JS, and five broken files; ``judged`` is one judge_folder run over it
with HTML reports. Every file must get a row; one bad file never stops the rest.
"""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from texts import HOSTILE_ESCAPED, HOSTILE_RAW

from tropescan.batch import analyze_file, analyze_many, build_index, error_row
from tropescan.cli import main
from tropescan.errors import InputError
from tropescan.judging import RESULT_COLUMNS, judge_folder, read_journal
from tropescan.schema import ROW_COLUMNS

CORPUS = Path(__file__).parents[1] / "corpora_sample" / "scripts"
N_OK, N_BAD = 7, 5


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in rows}


def finished_rows(path: Path) -> list[dict[str, str]]:
    """Complete rows of a results CSV or journal (a half-written last line is not a row)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    text = text[: text.rfind("\n") + 1]
    return list(csv.DictReader(text.splitlines()))


# -- one row per file --------------------------------------------------------------------------

def test_batch_every_file_gets_a_row(submissions: dict[str, Any], judged: dict[str, Any]) -> None:
    summary = judged["summary"]
    folder = submissions["folder"]
    assert (summary["ok"], summary["failed"], summary["skipped"]) == (N_OK, N_BAD, 0)
    rows = summary["rows"]
    assert sorted(r["path"] for r in rows) == sorted(str(p) for p in folder.iterdir())
    for row in rows:
        assert set(row) == set(RESULT_COLUMNS)
        name = Path(row["path"]).name
        if name in submissions["bad"]:
            assert row["status"] == "error"
            assert submissions["bad"][name] in row["error"]
            assert row["originality"] is None and row["report"] == ""
        else:
            assert (row["status"], row["error"]) == ("ok", "")
            assert 0 <= row["originality"] <= 100
            assert row["episodes"] >= 2


def test_batch_ranked_by_originality(judged: dict[str, Any]) -> None:
    rows = judged["summary"]["rows"]
    assert [r["status"] for r in rows] == ["ok"] * N_OK + ["error"] * N_BAD
    scores = [r["originality"] for r in rows[:N_OK]]
    assert scores == sorted(scores, reverse=True)
    assert [r["rank"] for r in rows] == [*range(1, N_OK + 1), *[""] * N_BAD]
    # the near-copy pair is least original: each finds the other in the sample corpus
    assert {r["id"] for r in rows[N_OK - 2:N_OK]} == {"s002", "s071"}
    assert scores[-1] < 50 < scores[0]


def test_batch_results_csv(judged: dict[str, Any]) -> None:
    table = pd.read_csv(judged["output"], keep_default_na=False)
    assert table.columns.tolist() == RESULT_COLUMNS
    rows = judged["summary"]["rows"]
    assert table["id"].tolist() == [r["id"] for r in rows]
    assert table["error"].tolist() == [r["error"] for r in rows]
    assert table.loc[:N_OK - 1, "originality"].astype(float).tolist() == \
        [r["originality"] for r in rows[:N_OK]]
    assert not judged["output"].with_name("results.csv.journal.csv").exists()


@pytest.mark.parametrize("ext", [pytest.param(".xlsx", id="excel"),
                                 pytest.param(".parquet", id="parquet")])
def test_batch_table_formats_read_back(ext: str, submissions: dict[str, Any],
                                       judged: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / f"results{ext}"
    summary = judge_folder(submissions["folder"], out)
    assert (summary["ok"], summary["failed"]) == (N_OK, N_BAD)
    table = pd.read_excel(out) if ext == ".xlsx" else pd.read_parquet(out)
    assert table.columns.tolist() == RESULT_COLUMNS
    expected = judged["summary"]["rows"]
    assert table["id"].tolist() == [r["id"] for r in expected]
    assert table["originality"].iloc[:N_OK].tolist() == [r["originality"] for r in expected[:N_OK]]
    assert table["originality"].iloc[N_OK:].isna().all()
    errors = table["error"].fillna("").tolist()
    assert errors == [r["error"] for r in expected]
    assert table["title"].tolist().count("<script>alert(1)</script>") == 1  # stored as text
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"results{ext}",
                                                                "results.pairs.csv"])


def test_batch_analyze_file_never_raises(bad_inputs: dict[str, Path]) -> None:
    for name in ("empty.txt", "binary.txt", "undecodable.txt", "garbage.docx", "huge.txt",
                 "missing.txt", "folder", "legacy.doc"):
        result = analyze_file(str(bad_inputs[name]), None, None)
        assert not result.ok, name
        assert set(result.row) == set(ROW_COLUMNS)
        assert result.row["status"] == "error" and result.row["error"], name
        assert result.row["id"] == bad_inputs[name].name  # with its extension (issue 16)


def test_batch_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from tropescan.readers import decode

    monkeypatch.setattr(decode, "MAX_BYTES", 1000)
    result = analyze_file(str(CORPUS / "s006.txt"), None, None)
    assert result.row["status"] == "error"
    assert "over the" in result.row["error"] and "limit" in result.row["error"]


def test_batch_error_row() -> None:
    row = error_row("/contest/a b.txt", "the file is empty")
    assert list(row) == ROW_COLUMNS
    assert (row["id"], row["path"], row["status"], row["error"]) == (
        "a b.txt", "/contest/a b.txt", "error", "the file is empty")


# -- copying between submissions ---------------------------------------------------------------

def test_batch_pairs_lists_only_the_copied_pair(submissions: dict[str, Any],
                                                judged: dict[str, Any]) -> None:
    with judged["pairs"].open(encoding="utf-8", newline="") as fh:
        pairs = list(csv.DictReader(fh))
    assert len(pairs) == 1
    (pair,) = pairs
    assert list(pair) == ["path_a", "path_b", "cosine", "shared_passages"]
    a, b = submissions["pair"]
    folder = submissions["folder"]
    assert {pair["path_a"], pair["path_b"]} == {str(folder / a), str(folder / b)}
    # a near-duplicate by cosine (against the corpus idf), and its reworded passages are found:
    # regression, LSH banding alone found none of them
    assert float(pair["cosine"]) >= 0.5, pair
    assert int(pair["shared_passages"]) >= 2, pair
    rows = by_id(judged["summary"]["rows"])
    assert rows["s002"]["similar_submissions"] == "s071.txt"
    assert rows["s071"]["similar_submissions"] == "s002.txt"
    others = [r["similar_submissions"] for k, r in rows.items() if k not in ("s002", "s071")]
    assert others == [""] * (len(rows) - 2)


# -- HTML reports ------------------------------------------------------------------------------

def test_batch_reports_one_page_per_script(judged: dict[str, Any],
                                           html_problems: Callable[[str], list[str]]) -> None:
    reports = judged["reports"]
    rows = judged["summary"]["rows"]
    linked = [r["report"] for r in rows if r["status"] == "ok"]
    assert len(set(linked)) == N_OK and all(linked)
    assert sorted(p.name for p in reports.iterdir()) == sorted([*linked, "index.html"])
    index = (reports / "index.html").read_text(encoding="utf-8")
    for row in rows:
        if row["report"]:
            assert f'<a href="{row["report"]}">{row["id"]}</a>' in index
    assert f"{N_OK} scored, {N_BAD} failed." in index
    for page in reports.iterdir():
        html = page.read_text(encoding="utf-8")
        assert html_problems(html) == [], page.name


def test_batch_reports_escape_hostile_text(submissions: dict[str, Any],
                                           judged: dict[str, Any]) -> None:
    reports = judged["reports"]
    pages = {p.name: p.read_text(encoding="utf-8") for p in reports.iterdir()}
    for name, html in pages.items():
        for raw in HOSTILE_RAW:
            assert raw not in html, name
    hostile = by_id(judged["summary"]["rows"])["hostile"]
    assert hostile["title"] == "<script>alert(1)</script>"
    page = pages[hostile["report"]]
    for escaped in HOSTILE_ESCAPED:  # shown as text, not dropped
        assert escaped in page
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; · tropescan</title>" in page
    assert f"<td>{HOSTILE_ESCAPED[0]}</td>" in pages["index.html"]


# -- resume --------------------------------------------------------------------------------------

def test_batch_resume_after_kill(submissions: dict[str, Any], judged: dict[str, Any],
                                 tmp_path: Path) -> None:
    """Kill a real ``tropescan batch`` once two scripts are scored, then ``--resume``."""
    folder = submissions["folder"]
    out, reports = tmp_path / "results.csv", tmp_path / "reports"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from tropescan.cli import main; main()", "batch", str(folder),
         "-o", str(out), "--reports", str(reports)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if sum(r["status"] == "ok" for r in finished_rows(out)) >= 2:
                break
            time.sleep(0.02)
        proc.kill()
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the batch finished before it could be killed"
    before = finished_rows(out)
    done = {r["path"] for r in before if r["status"] == "ok"}
    assert 2 <= len(done) < N_OK

    result = CliRunner().invoke(main, ["batch", str(folder), "-o", str(out), "--reports",
                                       str(reports), "--resume"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-1].startswith(f"{N_OK - len(done)} scored, {N_BAD} failed, {len(done)} "
                                f"skipped (already scored) -> {out}")
    rescored = {ln.split(": ")[1] for ln in lines[:-1] if ln.startswith("ok: ")}
    assert rescored == {str(folder / n) for n in submissions["ok"]} - done

    table = pd.read_csv(out, keep_default_na=False)
    assert sorted(table["path"]) == sorted(str(p) for p in folder.iterdir())  # each once
    expected = by_id(judged["summary"]["rows"])
    assert table["id"].tolist() == [r["id"] for r in judged["summary"]["rows"]]
    for row in table.itertuples():
        if row.status == "ok":
            assert float(row.originality) == expected[row.id]["originality"], row.id
            assert (reports / row.report).is_file()
    assert (reports / "index.html").is_file()


def test_batch_resume_after_interrupt(submissions: dict[str, Any], judged: dict[str, Any],
                                      tmp_path: Path) -> None:
    """An .xlsx run keeps its journal next to the output until it finishes."""
    out = tmp_path / "results.xlsx"
    journal = tmp_path / "results.xlsx.journal.csv"
    seen: list[str] = []

    def interrupt(row: dict[str, Any]) -> None:
        seen.append(row["path"])
        if len(seen) == 8:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        judge_folder(submissions["folder"], out, on_row=interrupt)
    assert not out.exists()
    finished = read_journal(journal)
    assert list(finished) == seen
    done = [p for p, r in finished.items() if r["status"] == "ok"]
    # in path order: binary, corrupt, empty, gbk_bad, hostile, huge, s002, s006
    assert [Path(p).name for p in done] == ["hostile.txt", "s002.txt", "s006.txt"]

    resumed: list[str] = []
    summary = judge_folder(submissions["folder"], out, resume=True,
                           on_row=lambda row: resumed.append(row["path"]))
    assert (summary["ok"], summary["failed"], summary["skipped"]) == (N_OK - 3, N_BAD, 3)
    assert not set(resumed) & set(done)
    assert len(resumed) == N_OK + N_BAD - 3
    assert not journal.exists()
    table = pd.read_excel(out)
    assert table["id"].tolist() == [r["id"] for r in judged["summary"]["rows"]]
    assert table["originality"].iloc[:N_OK].tolist() == \
        [r["originality"] for r in judged["summary"]["rows"][:N_OK]]
    assert summary["pairs"] == 1  # s002 was scored before the interrupt and still pairs up


def test_batch_without_resume_starts_over(submissions: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    first = judge_folder(submissions["folder"], out, corpus=None)
    again = judge_folder(submissions["folder"], out, corpus=None)
    assert (again["ok"], again["skipped"]) == (first["ok"], 0) == (N_OK, 0)
    resumed = judge_folder(submissions["folder"], out, corpus=None, resume=True)
    assert (resumed["ok"], resumed["failed"], resumed["skipped"]) == (0, N_BAD, N_OK)
    assert len(pd.read_csv(out)) == N_OK + N_BAD


@pytest.mark.parametrize("ext", [".csv", ".xlsx", ".parquet"])
def test_batch_resume_after_a_finished_run(ext: str, tmp_path: Path) -> None:
    """A late submission: --resume scores only the new file, whatever the table's format.
    Regression: .xlsx and .parquet runs delete their journal at the end, and resume re-scored
    every file although the results table held them."""
    folder = tmp_path / "entries"
    folder.mkdir()
    for name in ("s006.txt", "s057.txt"):
        (folder / name).write_bytes((CORPUS / name).read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    out = tmp_path / f"results{ext}"
    first = judge_folder(folder, out, corpus=None)
    assert (first["ok"], first["failed"], first["skipped"]) == (2, 1, 0)
    (folder / "s053.srt").write_bytes((CORPUS / "s053.srt").read_bytes())
    scored: list[str] = []
    again = judge_folder(folder, out, corpus=None, resume=True,
                         on_row=lambda row: scored.append(Path(row["path"]).name))
    assert (again["ok"], again["failed"], again["skipped"]) == (1, 1, 2)
    assert sorted(scored) == ["empty.txt", "s053.srt"]
    table = {".csv": pd.read_csv, ".xlsx": pd.read_excel, ".parquet": pd.read_parquet}[ext](out)
    assert sorted(table["id"]) == ["empty.txt", "s006", "s053", "s057"]
    kept = table.set_index("id")
    assert kept.loc["s006", "episodes"] == by_id(first["rows"])["s006"]["episodes"]
    assert kept.loc["s053", "status"] == "ok" and kept.loc["empty.txt", "status"] == "error"


def test_batch_resume_refuses_a_foreign_table(submissions: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    out.write_text("name,score\na,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a tropescan results table"):
        judge_folder(submissions["folder"], out, resume=True)
    assert out.read_text(encoding="utf-8") == "name,score\na,1\n"


@pytest.mark.parametrize(("name", "data"), [
    pytest.param("scores.xlsx", b"PK\x03\x04 not a workbook", id="corrupt-xlsx"),
    pytest.param("scores.parquet", b"PAR1 not parquet", id="corrupt-parquet"),
])
def test_batch_resume_refuses_an_unreadable_table(name: str, data: bytes,
                                                  submissions: dict[str, Any],
                                                  tmp_path: Path) -> None:
    out = tmp_path / name
    out.write_bytes(data)
    with pytest.raises(InputError, match="cannot read this results table"):
        judge_folder(submissions["folder"], out, resume=True)
    assert out.read_bytes() == data


# -- parallel and distributed ------------------------------------------------------------------

COMPARED = ["id", "status", "originality", "top_tropes", "twist_density", "error",
            "similar_submissions"]


def test_batch_jobs_2_same_rows(submissions: dict[str, Any], judged: dict[str, Any],
                                tmp_path: Path) -> None:
    summary = judge_folder(submissions["folder"], tmp_path / "results.csv", jobs=2)
    assert [{c: r[c] for c in COMPARED} for r in summary["rows"]] == \
        [{c: r[c] for c in COMPARED} for r in judged["summary"]["rows"]]


def test_batch_analyze_many_jobs_keeps_order(submissions: dict[str, Any]) -> None:
    folder = submissions["folder"]
    paths = [folder / n for n in ("s057.txt", "empty.txt", "s002.txt", "s053.srt")]
    one = analyze_many(paths)
    two = analyze_many(paths, jobs=2)
    assert one["id"].tolist() == ["s057", "empty.txt", "s002", "s053"]
    pd.testing.assert_frame_equal(two, one)


def test_batch_dask_same_rows(submissions: dict[str, Any]) -> None:
    distributed = pytest.importorskip("distributed")
    folder = submissions["folder"]
    paths = [folder / n for n in ("s002.txt", "corrupt.docx", "s053.srt", "empty.txt",
                                  "s057.txt", "hostile.txt")]
    local = analyze_many(paths)
    works = [folder / n for n in ("s002.txt", "s053.srt", "s057.txt", "hostile.txt")]
    serial_index = build_index(works)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        remote = analyze_many(paths, scheduler=cluster.scheduler_address)
        cluster_index = build_index(works, scheduler=cluster.scheduler_address)
    assert remote["status"].tolist() == ["ok", "error", "ok", "error", "ok", "ok"]
    pd.testing.assert_frame_equal(remote, local)
    # index building on the cluster gives the same index as a serial build
    assert [w.id for w in cluster_index.works] == [w.id for w in serial_index.works]
    assert (cluster_index.X != serial_index.X).nnz == 0
    assert np.array_equal(cluster_index.sig, serial_index.sig)



def test_batch_worker_features_reuse_the_originality_data(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch worker hands the cross-submission check the counts, chunks and signatures its
    originality check computed: the same features as computing them afresh, without the
    second pass."""
    from tropescan import chunks
    from tropescan.api import Analyzer
    from tropescan.corpus import work_features

    path = str(Path(__file__).parents[1] / "corpora_sample" / "scripts" / "s002.txt")
    analyze_file(path, None, "sample")  # the worker's analyzer and the sample index, warm
    calls: list[str] = []
    real = chunks.script_chunks
    monkeypatch.setattr(chunks, "script_chunks",
                        lambda script, stock: calls.append(script.id) or real(script, stock))
    result = analyze_file(path, None, "sample", want_features=True)
    assert calls == ["s002"]  # chunked once, for originality and the features both
    monkeypatch.setattr(chunks, "script_chunks", real)
    assert result.features is not None
    analyzer = Analyzer(None, corpus=None)
    script = analyzer.read(path)
    tokens, _, _, scores = analyzer.tag_tropes(script)
    fresh = work_features(script, tokens, scores, list(analyzer.lexicon.stock_lines),
                          meta={"id": result.row["id"], "path": path})
    assert result.features.counts == fresh.counts
    assert result.features.chunk_pos == fresh.chunk_pos
    assert result.features.chunk_match == fresh.chunk_match
    np.testing.assert_array_equal(result.features.sig, fresh.sig)
    analysis = Analyzer(None, corpus="sample").analyze(path)
    assert analysis.originality is not None
    assert analysis.originality.match_data is not None
    assert analysis.originality.match_data.counts == fresh.counts


# -- issue 16: a batch on a shared machine -------------------------------------------------------

def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_batch_kill9_of_the_parent_leaves_no_worker(tmp_path: Path) -> None:
    """Workers end with their parent: a kill -9 of a batch leaves none blocked on a pipe."""
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "entries"
    folder.mkdir()
    source = (CORPUS / "s002.txt").read_bytes()
    for k in range(300):
        (folder / f"e{k:03d}.txt").write_bytes(source)
    proc = subprocess.Popen([sys.executable, "-c", "from tropescan.cli import main; main()",
                             "batch", str(folder), "-o", str(tmp_path / "r.csv"), "--jobs", "2",
                             "--corpus", "none"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        workers = _children(proc.pid)
    assert len(workers) >= 2, "the batch never started its workers"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.2)
    alive = [w for w in workers if Path(f"/proc/{w}/stat").exists()
             and Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
    assert not alive, f"workers left running after kill -9: {alive}"


def test_batch_outputs_follow_the_umask(tmp_path: Path) -> None:
    """Results, pairs and every report are readable by others under umask 022, not 0600."""
    import os
    import stat

    from tropescan.judging import judge_folder

    folder = tmp_path / "entries"
    folder.mkdir()
    for name in ("s002.txt", "s071.txt"):
        (folder / name).write_bytes((CORPUS / name).read_bytes())
    (tmp_path / "out").mkdir()
    before = os.umask(0o022)
    try:
        judge_folder(folder, tmp_path / "out" / "r.csv", corpus=None,
                     reports_dir=tmp_path / "reports")
    finally:
        os.umask(before)
    written = [tmp_path / "out" / "r.csv", tmp_path / "out" / "r.pairs.csv",
               *(tmp_path / "reports").iterdir()]
    assert len(written) >= 5
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in written}
    assert all(m == 0o644 for m in modes.values()), {k: oct(v) for k, v in modes.items()}
