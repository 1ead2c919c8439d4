"""The ``tropescan`` command for the writer (scan), the judge (batch) and the corpus keeper
(index, train, evaluate).

Issue "The three users' workflows". stdout carries results only; stderr carries ``wrote …``,
per-file progress and one ``Error:`` line per failure. Exit codes (cli.py, STYLE 3.6): 0 ok,
1 bad input or some inputs failed, 2 usage error, 3 a ``--fail-under`` gate failed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from tropescan.api import ROW_COLUMNS
from tropescan.cli import main
from tropescan.util import clock

CORPUS = Path(__file__).parents[1] / "corpora_sample" / "scripts"
PNG = b"\x89PNG\r\n\x1a\n"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# -- scan: the writer's report ---------------------------------------------------------------

SCAN_TABLE = [
    # sample script, the tropes it is labelled with, the first nearest work (None: any)
    pytest.param("s002.txt", {"zhuixu", "zhanshen", "nixi_dalian"}, "青石县的上门女婿 (s071)",
                 id="text-with-near-copy"),
    pytest.param("s053.srt", {"zhuixu", "shenyi", "nixi_dalian"}, None, id="srt"),
    pytest.param("s049.fountain", {"zhuixu", "zhanshen", "nixi_dalian"}, None, id="fountain"),
]


@pytest.mark.parametrize(("name", "tropes", "nearest"), SCAN_TABLE)
def test_cli_scan_table(name: str, tropes: set[str], nearest: str | None,
                        analysis_of: Callable[[str], Any]) -> None:
    a = analysis_of(name)
    assert {t.trope for t in a.present_tropes} == tropes  # the analysis agrees with the labels
    result = invoke("scan", CORPUS / name)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert out.startswith(f"━━ {a.script.title}  (")
    trope_rows = [ln.split("│")[0].strip() for ln in out.splitlines() if "│" in ln]
    assert tropes <= set(trope_rows)
    p = a.pacing
    assert (f"反转节奏 Twists: {p['n_twists']} twists in {clock(p['duration_s'])} — "
            f"{p['density']:.2f} per 15 s") in out
    assert p["n_twists"] > 5
    assert f"\n原创度 Originality: {a.originality.score:.0f}/100  (similarity " in out
    near = [ln for ln in out.splitlines() if ln.startswith("   nearest works: ")]
    assert len(near) == 1
    first = a.originality.nearest_items[0]
    assert near[0].startswith(f"   nearest works: {first.title} ({first.work_id}) "
                              f"{first.similarity:.2f}")
    if nearest:
        assert near[0].startswith(f"   nearest works: {nearest} ")


@pytest.mark.parametrize("args", [
    pytest.param(["scan", "sample:s001"], id="scan-against-the-sample-index"),
    pytest.param(["scan", "sample:s001", "--corpus", "none"], id="scan-without-corpus"),
    pytest.param(["twists", "sample:s002"], id="twists"),
    pytest.param(["parse", "sample:s003"], id="parse"),
])
def test_cli_writer_commands_load_no_heavy_library(args: list[str]) -> None:
    """A writer's commands predict with exported numpy weights and query the index with
    numpy: scikit-learn, scipy, pandas and matplotlib (about a second of imports together)
    stay unloaded, in a fresh process as the user runs them."""
    import subprocess
    import sys

    code = ("import sys\nfrom tropescan.cli import main\n"
            f"sys.argv = ['tropescan', *{args!r}]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
            "{'sklearn', 'scipy', 'pandas', 'matplotlib'})\n"
            "print('HEAVY', heavy, file=sys.stderr)\n")
    # the first run may build and cache the sample index (that needs scipy); the second
    # is what a writer meets every time after
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
    assert "HEAVY []" in done.stderr, done.stderr[-500:]


@pytest.mark.parametrize("name", [
    pytest.param("s002.txt", id="text"), pytest.param("s053.srt", id="srt"),
    pytest.param("s047.docx", id="docx"), pytest.param("s057.txt", id="no-tropes"),
])
def test_cli_scan_json_equals_to_dict(name: str, analysis_of: Callable[[str], Any]) -> None:
    result = invoke("scan", CORPUS / name, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    expected = json.loads(json.dumps(analysis_of(name).to_dict(), ensure_ascii=False))
    assert json.loads(result.stdout) == expected
    assert expected["originality"]["score"] == analysis_of(name).originality.score


def test_cli_scan_csv_one_row_per_script(analysis_of: Callable[[str], Any]) -> None:
    names = ["s002.txt", "s053.srt", "s057.txt"]
    result = invoke("scan", *[CORPUS / n for n in names], "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == ",".join(ROW_COLUMNS)
    rows = csv_rows(result.stdout)
    assert [r["id"] for r in rows] == ["s002", "s053", "s057"]
    for name, row in zip(names, rows, strict=True):
        a = analysis_of(name)
        assert row["status"] == "ok" and row["error"] == ""
        assert float(row["originality"]) == a.originality.score
        assert row["top_tropes"] == ";".join(t.trope for t in a.present_tropes)
        assert int(row["episodes"]) == len(a.script.episodes)
    assert rows[2]["top_tropes"] == ""  # the no-trope contrast script


def test_cli_scan_html_file_is_self_contained(tmp_path: Path,
                                              html_problems: Callable[[str], list[str]]) -> None:
    out = tmp_path / "x.html"
    result = invoke("scan", CORPUS / "s002.txt", "--format", "html", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote {out}" in result.stderr.splitlines()
    html = out.read_text(encoding="utf-8")
    assert html_problems(html) == []
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 3
    assert "青石县的上门女婿" in html  # the nearest work is in the page


def test_cli_scan_html_several_files_to_folder(tmp_path: Path) -> None:
    result = invoke("scan", CORPUS / "s002.txt", CORPUS / "s057.txt", "--format", "html",
                    "--corpus", "none", "-o", tmp_path / "pages")
    assert result.exit_code == 0, result.stderr
    pages = sorted(p.name.split("-")[0] for p in (tmp_path / "pages").glob("*.html"))
    assert pages == ["s002", "s057"]
    assert len(result.stderr.splitlines()) == 2


def test_cli_scan_html_several_files_need_output() -> None:
    """Regression: only the first report was printed and the others silently dropped."""
    result = invoke("scan", CORPUS / "s002.txt", CORPUS / "s057.txt", "--format", "html")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "needs -o FOLDER" in result.stderr


def test_cli_scan_plot_writes_three_pngs(tmp_path: Path) -> None:
    charts = tmp_path / "charts"
    result = invoke("scan", CORPUS / "s002.txt", "--corpus", "none", "--plot", charts)
    assert result.exit_code == 0, result.stderr
    names = ["s002-episodes.png", "s002-timeline.png", "s002-tropes.png"]
    assert sorted(p.name for p in charts.iterdir()) == names
    for name in names:
        data = (charts / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 5000, name
        assert f"wrote {charts / name}" in result.stderr.splitlines()


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_cli_scan_corpus_none_omits_originality(fmt: str) -> None:
    result = invoke("scan", CORPUS / "s002.txt", "--corpus", "none", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    if fmt == "json":
        data = json.loads(result.stdout)
        assert data["originality"] is None
        assert {t["trope"] for t in data["tropes"] if t["present"]} == {
            "zhuixu", "zhanshen", "nixi_dalian"}
    elif fmt == "csv":
        (row,) = csv_rows(result.stdout)
        assert (row["originality"], row["nearest_work"], row["reused_passages"]) == ("", "", "0")
    else:
        assert "反转节奏 Twists:" in result.stdout
        assert "原创度" not in result.stdout and "nearest works" not in result.stdout


def test_cli_scan_corpus_index(small_index_path: Path) -> None:
    """s072 is a near-copy of s012; both are in the small index, s072 itself is left out."""
    result = invoke("scan", CORPUS / "s072.txt", "--corpus", small_index_path,
                    "--format", "json")
    assert result.exit_code == 0, result.stderr
    o = json.loads(result.stdout)["originality"]
    assert o["details"]["corpus_works"] == 5
    assert o["nearest"][0]["work_id"] == "s012"
    assert {n["work_id"] for n in o["nearest"]} <= {"s002", "s071", "s012", "s057"}
    assert o["nearest"][0]["title"] == "标题s012"  # the title from the index's manifest
    assert o["passages"] and {p["work_id"] for p in o["passages"]} == {"s012"}
    table = invoke("scan", CORPUS / "s072.txt", "--corpus", small_index_path)
    assert "against 5 works" in table.stdout
    assert "   nearest works: 标题s012 (s012) " in table.stdout


FAIL_UNDER = [
    # s002 scores far below 100 (its near-copy s071 is in the corpus); nothing is below 0
    pytest.param("100", 3, id="below-gate"),
    pytest.param("0", 0, id="gate-zero"),
]


@pytest.mark.parametrize(("gate", "code"), FAIL_UNDER)
def test_cli_scan_fail_under(gate: str, code: int, analysis_of: Callable[[str], Any]) -> None:
    score = analysis_of("s002.txt").originality.score
    assert score < 50  # a near-copy's source: far below the gate
    result = invoke("scan", CORPUS / "s002.txt", "--fail-under", gate)
    assert result.exit_code == code, result.stderr
    # the report is printed either way
    assert f"原创度 Originality: {score:.0f}/100" in result.stdout
    assert result.stderr == ""


def test_cli_scan_fail_under_out_of_range() -> None:
    result = invoke("scan", CORPUS / "s002.txt", "--fail-under", "101")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--fail-under" in result.stderr and "0<=x<=100" in result.stderr


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_cli_scan_several_files_one_bad(fmt: str, bad_inputs: dict[str, Path],
                                        analysis_of: Callable[[str], Any]) -> None:
    bad = bad_inputs["empty.txt"]
    result = invoke("scan", CORPUS / "s002.txt", bad, CORPUS / "s053.srt", "--format", fmt)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {bad}: the file is empty [TS100]\n"
    if fmt == "csv":
        assert [r["id"] for r in csv_rows(result.stdout)] == ["s002", "s053"]
    elif fmt == "json":
        data = json.loads(result.stdout)
        assert [d["script"]["path"] for d in data] == [str(CORPUS / "s002.txt"),
                                                      str(CORPUS / "s053.srt")]
        assert data[1]["originality"]["score"] == analysis_of("s053.srt").originality.score
    else:
        assert result.stdout.count("━━ ") == 2
        assert "s002.txt" in result.stdout and "s053.srt" in result.stdout


SCAN_BAD = [
    pytest.param("empty.txt", "the file is empty", id="empty"),
    pytest.param("binary.txt", "binary", id="binary"),
    pytest.param("undecodable.txt", "--encoding", id="undecodable"),
    pytest.param("garbage.docx", ".docx", id="corrupt-docx"),
    pytest.param("huge.txt", "limit", id="too-large"),
    pytest.param("missing.txt", "no such file", id="missing"),
    pytest.param("folder", "directory", id="directory"),
]


@pytest.mark.parametrize(("name", "words"), SCAN_BAD)
def test_cli_scan_single_bad_file(name: str, words: str, bad_inputs: dict[str, Path]) -> None:
    path = bad_inputs[name]
    result = invoke("scan", path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: {path}: ")
    assert words in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "html"])
def test_cli_scan_every_file_bad(fmt: str, bad_inputs: dict[str, Path], tmp_path: Path) -> None:
    """Regression: with every file failing, html crashed (IndexError) and the other formats
    printed an empty report."""
    files = [bad_inputs["empty.txt"], bad_inputs["binary.txt"]]
    result = invoke("scan", *files, "--format", fmt, "-o", tmp_path / "pages")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert [ln.split(": ")[:2] for ln in lines] == [["Error", str(f)] for f in files]
    assert not (tmp_path / "pages").exists()


SCAN_USAGE = [
    pytest.param(["--bogus"], "No such option '--bogus'", id="unknown-option"),
    pytest.param(["--format", "xml"], "'xml' is not one of", id="bad-format"),
    pytest.param(["--window", "0"], "--window", id="window-out-of-range"),
    pytest.param(["--backend", "spacy"], "'spacy' is not one of", id="bad-backend"),
]


@pytest.mark.parametrize(("args", "words"), SCAN_USAGE)
def test_cli_scan_usage_errors_exit_2(args: list[str], words: str) -> None:
    result = invoke("scan", CORPUS / "s002.txt", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_scan_no_files() -> None:
    result = invoke("scan")
    assert result.exit_code == 2
    assert "Missing argument 'FILES...'" in result.stderr


# -- batch: the judge's folder ---------------------------------------------------------------

def test_cli_batch_folder(submissions: dict[str, Any], judged: dict[str, Any],
                          tmp_path: Path) -> None:
    folder = submissions["folder"]
    out = tmp_path / "results.csv"
    result = invoke("batch", folder, "-o", out)
    assert result.exit_code == 1  # some submissions could not be read
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[-1] == (f"7 scored, 5 failed, 0 skipped (already scored) -> {out}; "
                         f"1 similar submission pairs -> {tmp_path / 'results.pairs.csv'}")
    progress = sorted(lines[:-1])
    expected_ok = sorted(f"ok: {folder / n}" for n in submissions["ok"])
    assert [ln for ln in progress if ln.startswith("ok: ")] == expected_ok
    errors = {ln.split(": ")[1]: ln for ln in progress if ln.startswith("error: ")}
    assert set(errors) == {str(folder / n) for n in submissions["bad"]}
    for name, words in submissions["bad"].items():
        assert words in errors[str(folder / name)]
    table = pd.read_csv(out, keep_default_na=False)
    reference = pd.DataFrame(judged["summary"]["rows"])
    assert table["id"].tolist() == reference["id"].tolist()
    assert table["status"].tolist() == reference["status"].tolist()
    ok = table["status"] == "ok"
    assert table.loc[ok, "originality"].astype(float).tolist() == \
        reference.loc[reference["status"] == "ok", "originality"].astype(float).tolist()


def test_cli_batch_all_good_exits_0(tmp_path: Path) -> None:
    folder = tmp_path / "entries"
    folder.mkdir()
    for name in ("s006.txt", "s057.txt"):
        (folder / name).write_bytes((CORPUS / name).read_bytes())
    result = invoke("batch", folder, "-o", tmp_path / "r.xlsx", "--corpus", "none")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1].startswith("2 scored, 0 failed, 0 skipped")
    table = pd.read_excel(tmp_path / "r.xlsx")
    assert sorted(table["id"]) == ["s006", "s057"]
    assert table["originality"].isna().all()  # no corpus, no originality


BATCH_ERRORS = [
    pytest.param(["{missing}", "-o", "{tmp}/r.csv"], 2, "does not exist", id="missing-folder"),
    pytest.param(["{folder}"], 2, "Missing option '-o'", id="no-output"),
    pytest.param(["{folder}", "-o", "{tmp}/r.txt"], 2, "results must be .csv, .xlsx or .parquet",
                 id="bad-output-extension"),
    pytest.param(["{folder}", "-o", "{tmp}/r.csv", "--jobs", "0"], 2, "--jobs", id="jobs-0"),
    pytest.param(["{empty}", "-o", "{tmp}/r.csv"], 1, "no scripts found", id="no-scripts"),
]


@pytest.mark.parametrize(("args", "code", "words"), BATCH_ERRORS)
def test_cli_batch_errors(args: list[str], code: int, words: str, tmp_path: Path,
                          submissions: dict[str, Any]) -> None:
    (tmp_path / "empty").mkdir()
    subs = {"missing": tmp_path / "nope", "tmp": tmp_path, "folder": submissions["folder"],
            "empty": tmp_path / "empty"}
    result = invoke("batch", *[a.format(**subs) for a in args])
    assert result.exit_code == code
    assert result.stdout == ""
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "r.csv").exists()


# -- index: the reference corpus ----------------------------------------------------------------

def test_cli_index_build_add_info(tmp_path: Path) -> None:
    source = tmp_path / "published"
    source.mkdir()
    for name in ("s002.txt", "s006.txt", "s053.srt"):
        (source / name).write_bytes((CORPUS / name).read_bytes())
    (source / "empty.txt").write_bytes(b"")
    idx = tmp_path / "published.idx"

    result = invoke("index", "build", source, "-o", idx)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"skipped: {source / 'empty.txt'}: the file is empty\n"
    assert result.stdout.startswith("indexed 3 works (")
    assert result.stdout.rstrip().endswith(f"passages) -> {idx}")
    info = json.loads(invoke("index", "info", idx).stdout)
    assert (info["n_works"], info["format"]) == (3, "tropescan.index/3")

    result = invoke("index", "add", idx, CORPUS / "s071.txt")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "added 1 works; the index now holds 4\n"
    assert json.loads(invoke("index", "info", idx).stdout)["n_works"] == 4

    # the new index is used by scan: s071's nearest work is now its source s002
    result = invoke("scan", CORPUS / "s071.txt", "--corpus", idx, "--format", "json")
    o = json.loads(result.stdout)["originality"]
    assert o["details"]["corpus_works"] == 4
    assert o["nearest"][0]["work_id"] == "s002"


INDEX_ERRORS = [
    pytest.param(["index", "info", "{tmp}/none.idx"], 1, "no index folder here", id="info-missing"),
    pytest.param(["index", "add", "{tmp}/none.idx", "{script}"], 1, "no index folder here",
                 id="add-to-missing"),
    pytest.param(["index", "build", "{tmp}/empty", "-o", "{tmp}/x.idx"], 1, "no scripts found",
                 id="build-empty-folder"),
    pytest.param(["index", "build", "{tmp}/none.txt", "-o", "{tmp}/x.idx"], 1,
                 "no readable scripts to index", id="build-missing-source"),
    pytest.param(["index", "build", "{tmp}/empty"], 2, "Missing option '-o'", id="build-no-output"),
    pytest.param(["index", "frobnicate"], 2, "No such command 'frobnicate'", id="unknown-command"),
]


@pytest.mark.parametrize(("args", "code", "words"), INDEX_ERRORS)
def test_cli_index_errors(args: list[str], code: int, words: str, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke(*[a.format(tmp=tmp_path, script=CORPUS / "s002.txt") for a in args])
    assert result.exit_code == code
    assert result.stdout == ""
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.idx").exists()


# -- train and evaluate (smoke, on a nine-script manifest) -----------------------------------------

def test_cli_train_then_scan_with_models(training_manifest: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    result = invoke("train", "-o", models, "--manifest", training_manifest)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("trope classifier: 9 scripts, ")
    assert lines[0].endswith(f"episodes -> {models / 'trope_classifier'}")
    assert lines[1].startswith("twist model: ")
    assert lines[1].endswith(f"labelled lines -> {models / 'twist_model'}")
    meta = json.loads((models / "trope_classifier" / "model.json").read_text(encoding="utf-8"))
    assert meta["training_scripts"] == 9
    assert (models / "twist_model" / "model.json").is_file()

    result = invoke("scan", CORPUS / "s002.txt", "--models", models, "--corpus", "none",
                    "--format", "json")
    assert result.exit_code == 0, result.stderr
    versions = json.loads(result.stdout)["versions"]
    assert versions["classifier"] == meta["fingerprint"]
    shipped = json.loads(invoke("scan", CORPUS / "s002.txt", "--corpus", "none",
                                "--format", "json").stdout)["versions"]
    assert shipped["classifier"] != meta["fingerprint"]


def test_cli_evaluate_json(training_manifest: Path) -> None:
    result = invoke("evaluate", "--manifest", training_manifest, "--folds", "2",
                    "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    tropes = data["tropes"]
    assert (tropes["n_scripts"], tropes["n_groups"]) == (9, 8)  # s071 shares s002's family
    assert len(tropes["table"]) == 14
    assert set(tropes["macro_f1"]) == {"combined", "classifier", "lexicon"}
    assert all(0 <= v <= 1 for v in tropes["macro_f1"].values())
    twists = data["twists"]
    assert set(twists["overall"]) == {"precision", "recall", "f1", "support", "detections"}
    assert twists["overall"]["support"] > 100
    labelled = set(pd.read_csv(training_manifest.parent / "labels" / "twists.csv")["script_id"])
    assert twists["scripts"] == len(labelled) == 8  # s057 has no twist labels
    # the manifest's own labels are used, and its three annotators give the human ceiling
    assert twists["overall"]["support"] == len(pd.read_csv(training_manifest.parent / "labels"
                                                           / "twists.csv"))
    agreement = twists["agreement"]
    assert agreement["annotators"] == 3
    assert len(agreement["pairs"]) == 6
    assert 0.5 < agreement["f1"] <= 1


def test_cli_evaluate_twists_only_table(training_manifest: Path) -> None:
    result = invoke("evaluate", "--twists", "--manifest", training_manifest, "--folds", "2")
    assert result.exit_code == 0, result.stderr
    assert "twists: twists.v4 (grouped CV), per category" in result.stdout
    assert "overall: precision " in result.stdout
    assert "annotators against each other (3 annotators" in result.stdout
    assert "macro F1" not in result.stdout  # tropes were not evaluated


MODEL_ERRORS = [
    pytest.param(["train"], 2, "Missing option '-o'", id="train-no-output"),
    pytest.param(["train", "-o", "{tmp}/m", "--manifest", "{tmp}/none.csv"], 1, "none.csv",
                 id="train-missing-manifest"),
    pytest.param(["evaluate", "--folds", "1"], 2, "--folds", id="evaluate-one-fold"),
    pytest.param(["evaluate", "--manifest", "{tmp}/none.csv"], 1, "none.csv",
                 id="evaluate-missing-manifest"),
]


@pytest.mark.parametrize(("args", "code", "words"), MODEL_ERRORS)
def test_cli_train_evaluate_errors(args: list[str], code: int, words: str,
                                   tmp_path: Path) -> None:
    result = invoke(*[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == code
    assert result.stdout == ""
    # a usage error is one line too, not click's usage block (issue 16)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "m").exists()


# -- the other commands: one success and one error each ----------------------------------------

OTHER_COMMANDS = [
    pytest.param(["tropes", "{s002}"], 0, "zhanshen", id="tropes"),
    pytest.param(["tropes", "{missing}"], 1, "Error: ", id="tropes-missing-file"),
    pytest.param(["twists", "{s002}", "--windows", "--format", "csv"], 0,
                 "episode,index,start_s,end_s,n_twists,categories,partial", id="twists"),
    pytest.param(["twists", "{s002}", "--window", "700"], 2, "--window", id="twists-bad-window"),
    pytest.param(["lexicon", "list"], 0, "zhuixu", id="lexicon-list"),
    pytest.param(["lexicon", "show", "zhuixu"], 0, "zhuixu 赘婿", id="lexicon-show"),
    pytest.param(["lexicon", "show", "nope"], 2, "unknown trope 'nope'", id="lexicon-show-unknown"),
    pytest.param(["lexicon", "check"], 0, "ok: 34 file(s) valid", id="lexicon-check"),
    pytest.param(["homogeneity", "{missing}"], 1, "no readable scripts", id="homogeneity-missing"),
    pytest.param(["--version"], 0, "tropescan, version ", id="version"),
    pytest.param(["frobnicate"], 2, "No such command 'frobnicate'", id="unknown-command"),
]


@pytest.mark.parametrize(("args", "code", "words"), OTHER_COMMANDS)
def test_cli_other_commands(args: list[str], code: int, words: str, tmp_path: Path) -> None:
    result = invoke(*[a.format(s002=CORPUS / "s002.txt", missing=tmp_path / "none.txt")
                      for a in args])
    assert result.exit_code == code, result.stderr
    assert words in (result.stdout if code == 0 else result.stderr)
    if code:
        assert result.stdout == ""
        assert "Traceback" not in result.stderr


def homogeneity_json(folder: Path) -> dict[str, Any]:
    for name in ("s002.txt", "s071.txt", "s006.txt"):
        (folder / name).write_bytes((CORPUS / name).read_bytes())
    result = invoke("homogeneity", folder, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_cli_homogeneity_folder(tmp_path: Path) -> None:
    data = homogeneity_json(tmp_path)
    assert data["n_works"] == 3
    top = data["pairs"][0]
    assert {top["work_a"], top["work_b"]} == {"s002", "s071"}  # the near-copy pair first
    assert top["shared_passages"] > 0
    assert [p for p in data["pairs"][1:] if p["shared_passages"]] == []


def test_cli_homogeneity_small_folder_no_unrelated_pair(tmp_path: Path) -> None:
    data = homogeneity_json(tmp_path)
    assert [{p["work_a"], p["work_b"]} for p in data["pairs"]] == [{"s002", "s071"}]


# -- issue 16: what a user meets on the command line ---------------------------------------------

@pytest.mark.parametrize(("args", "line"), [
    pytest.param(["scan", "sample:s071", "--format", "xml"],
                 "Error: Invalid value for '--format': 'xml' is not one of 'table', 'json', "
                 "'csv', 'html'. (see main scan --help)", id="bad-choice"),
    pytest.param(["scan", "sample:s071", "--window", "0"],
                 "Error: Invalid value for '--window': 0.0 is not in the range 1<=x<=600. "
                 "(see main scan --help)", id="out-of-range"),
    pytest.param(["scan"], "Error: Missing argument 'FILES...'. (see main scan --help)",
                 id="missing-argument"),
    pytest.param(["nosuch"], "Error: No such command 'nosuch'. (see main --help)",
                 id="unknown-command"),
])
def test_cli_bad_option_value_is_one_line(args: list[str], line: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr == line + "\n"
    assert result.stdout == ""


def test_cli_output_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "nonexistent" / "dir" / "r.html"
    result = invoke("scan", "sample:s071", "--format", "html", "-o", target)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {target.parent}: no such folder for the output (make it "
                             "first) [TS151]\n")
    assert not target.parent.exists()


def test_cli_sample_shows_its_title() -> None:
    result = invoke("scan", "sample:s071", "--corpus", "none")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("━━ 青石县的上门女婿  (")
