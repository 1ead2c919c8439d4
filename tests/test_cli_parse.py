"""``tropescan parse``: the structure the readers see, as a table or JSON.

Issue "Read real scripts".

stdout carries the result only; stderr carries warnings and one ``Error:`` line; exit 1 for
bad input, 2 for a bad command line (STYLE 3.6).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tropescan.cli import main

SCRIPTS = Path(__file__).parent / "data" / "scripts"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["parse", *map(str, args)])


def test_cli_parse_table_exact() -> None:
    result = run(SCRIPTS / "ep_latin.txt")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert [row.rstrip() for row in result.stdout.splitlines()] == [
        "ep_latin  [text, utf-8, estimated times]",
        "3 episodes, 0:03 in all; speakers: 林凡、苏婉",
        " 集 ep ┃ title ┃ scenes ┃ lines ┃ dialogue ┃ voice-over ┃ action ┃ other ┃ speakers ┃"
        " duration",
        "━━━━━━━╇━━━━━━━╇━━━━━━━━╇━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━╇━━━━━━━━━━╇"
        "━━━━━━━━━━",
        "     1 │       │      0 │     1 │        1 │          0 │      0 │     0 │        1 │"
        "     0:01",
        "     2 │ 逆袭  │      0 │     1 │        1 │          0 │      0 │     0 │        1 │"
        "     0:01",
        "     3 │       │      0 │     1 │        1 │          0 │      0 │     0 │        1 │"
        "     0:01",
    ]


TABLES = [
    # file, first line, rows as (episode, title, scenes, lines, dialogue, voice-over, action)
    pytest.param("conventions.txt", "重生之豪门千金  [text, utf-8, estimated times]",
                 [["1", "重生归来", "2", "18", "4", "3", "5"], ["2", "", "2", "7", "2", "2", "0"],
                  ["12", "打脸", "1", "4", "2", "1", "0"]], id="text"),
    pytest.param("traditional.txt", "豪門千金歸來  [text, utf-8, Traditional, estimated times]",
                 [["1", "重生", "1", "8", "3", "1", "1"], ["2", "打臉", "1", "3", "2", "0", "0"]],
                 id="traditional"),
    pytest.param("merged_cards.srt", "merged_cards  [srt, utf-8, timed]",
                 [["1", "重生", "0", "3", "2", "0", "0"], ["2", "打脸", "0", "3", "2", "0", "0"]],
                 id="srt"),
]


@pytest.mark.parametrize(("name", "header", "rows"), TABLES)
def test_cli_parse_table(name: str, header: str, rows: list[list[str]]) -> None:
    result = run(SCRIPTS / name)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == header
    cells = [[c.strip() for c in row.split("│")][:7] for row in lines[4:]]
    assert cells == rows


def test_cli_parse_json(tmp_path: Path) -> None:
    result = run(SCRIPTS / "conventions.txt", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert (data["title"], data["format"], data["encoding"]) == ("重生之豪门千金", "text", "utf-8")
    assert [ep["episode"] for ep in data["episodes"]] == [1, 2, 12]
    assert [len(ep["scenes"]) for ep in data["episodes"]] == [2, 2, 1]
    lines = [ln for ep in data["episodes"] for sc in ep["scenes"] for ln in sc["lines"]]
    kinds: dict[str, int] = {}
    for line in lines:
        kinds[line["kind"]] = kinds.get(line["kind"], 0) + 1
    assert kinds == {"heading": 5, "action": 5, "dialogue": 8, "voiceover": 6, "transition": 5}
    assert data["speakers"] == ["苏晴", "林母", "顾言", "VO", "管家", "旁白"]
    assert data["cast"] == ["苏晴", "顾言", "林母", "管家"]
    assert sum(ln["flashback"] for ln in lines) == 4
    assert "苏晴（冷笑）：这一世，我不会再让你们得逞。" in result.stdout  # readable Chinese


def test_cli_parse_json_subtitle_times() -> None:
    result = run(SCRIPTS / "single.srt", "--format", "json")
    assert result.exit_code == 0, result.stderr
    lines = json.loads(result.stdout)["episodes"][0]["scenes"][0]["lines"]
    assert [(ln["start_s"], ln["end_s"]) for ln in lines] == [
        (1.0, 3.5), (3.8, 4.76), (4.76, 6.2), (6.5, 9.25)]


def test_cli_parse_output_file(tmp_path: Path) -> None:
    out = tmp_path / "parsed.json"
    result = run(SCRIPTS / "markdown.md", "--format", "json", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"wrote {out}\n"
    assert json.loads(out.read_text(encoding="utf-8"))["title"] == "逆袭人生"


def test_cli_parse_warning_on_stderr() -> None:
    path = SCRIPTS / "no_episodes.txt"
    result = run(path, "--format", "json")
    assert result.exit_code == 0
    assert result.stderr == f"warning: {path}: no episode markers (第N集): read as one episode\n"
    assert json.loads(result.stdout)["title"] == "替身新娘"


READING_OPTIONS = [
    pytest.param(["--encoding", "gb18030"], "gb18030", id="--encoding"),
    pytest.param(["--read-as", "text"], "gb18030", id="--read-as"),
]


@pytest.mark.parametrize(("options", "encoding"), READING_OPTIONS)
def test_cli_parse_reading_options(encoded_scripts: dict[str, Path], options: list[str],
                                   encoding: str) -> None:
    result = run(encoded_scripts["gb18030"], "--format", "json", *options)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["encoding"] == encoding
    assert data["title"] == "重生之豪门千金"


def test_cli_parse_speech_rate_option() -> None:
    default = json.loads(run(SCRIPTS / "dialogue_only.txt", "--format", "json").stdout)
    slow = json.loads(run(SCRIPTS / "dialogue_only.txt", "--format", "json", "--cps", "2.5").stdout)
    assert slow["duration_s"] > default["duration_s"]


ERRORS = [
    # input (from the bad_inputs fixture), words in the message
    pytest.param("missing.txt", "no such file", id="missing"),
    pytest.param("empty.txt", "empty", id="empty"),
    pytest.param("binary.txt", "binary", id="binary"),
    pytest.param("undecodable.txt", "--encoding", id="undecodable"),
    pytest.param("garbage.docx", ".docx", id="corrupt-docx"),
    pytest.param("not_a_docx.docx", "corrupt .docx", id="zip-not-docx"),
    pytest.param("bad_timestamp.srt", "timestamp", id="bad-srt"),
    pytest.param("folder", "directory", id="directory"),
    pytest.param("huge.txt", "limit", id="too-large"),
]


@pytest.mark.parametrize(("name", "words"), ERRORS)
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_cli_parse_bad_input_exits_1(bad_inputs: dict[str, Path], name: str, words: str,
                                     fmt: str) -> None:
    path = bad_inputs[name]
    result = run(path, "--format", fmt)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: {path}")
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_parse_wrong_forced_encoding(encoded_scripts: dict[str, Path]) -> None:
    path = encoded_scripts["gb18030"]
    result = run(path, "--encoding", "utf-8")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: not valid utf-8")


USAGE = [
    pytest.param([], "Missing argument 'FILE'", id="no-file"),
    pytest.param(["a.txt", "--format", "xml"], "'xml' is not one of", id="bad-format"),
    pytest.param(["a.txt", "--read-as", "pdf"], "'pdf' is not one of", id="bad-read-as"),
    pytest.param(["a.txt", "--cps", "0"], "--cps", id="cps-out-of-range"),
    pytest.param(["a.txt", "--scene-pause", "-1"], "--scene-pause", id="negative-pause"),
    pytest.param(["a.txt", "--no-such-option"], "No such option", id="unknown-option"),
]


@pytest.mark.parametrize(("args", "words"), USAGE)
def test_cli_parse_usage_errors_exit_2(args: list[str], words: Any) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert words in result.stderr
    assert "Traceback" not in result.stderr
