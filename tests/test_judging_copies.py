"""Copying inside a batch: issue "two entries where one is the other with two names swapped".

The contest folder holds s002, ``copy.txt`` (s002 with its two leads' names swapped, by
``str.replace``) and two unrelated scripts (s006, s057). ``alone`` is the same batch without the
copy. Both entries of the pair must lose originality through their ``copying`` part, name and
link each other on their pages with the shared passages side by side, and be flagged on the
index page and in the results table; the unrelated entries keep their scores.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tropescan.judging import COPYING_WEIGHT, RESULT_COLUMNS, judge_folder
from tropescan.report.html import COPIES_END, COPIES_START
from tropescan.schema import COPY_COLUMNS

CORPUS = Path(__file__).parents[1] / "corpora_sample" / "scripts"
PAIR = ("s002", "copy")
UNRELATED = ("s006", "s057")
# the same line of s002 before and after the swap: the two sides of one shared passage
ORIGINAL_LINE, SWAPPED_LINE = "陈铎：妈，后厨人手不够，我搭把手。", "孙浩：妈，后厨人手不够，我搭把手。"


def swap_names(text: str, a: str = "陈铎", b: str = "孙浩") -> str:
    return text.replace(a, "\0").replace(b, a).replace("\0", b)


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in rows}


def copies_section(page: str) -> str:
    start, end = page.index(COPIES_START), page.index(COPIES_END)
    return page[start + len(COPIES_START):end]


def run(folder: Path, out: Path) -> dict[str, Any]:
    summary = judge_folder(folder, out / "results.csv", reports_dir=out / "reports")
    return {"rows": by_id(summary["rows"]), "summary": summary, "output": out / "results.csv",
            "reports": out / "reports"}


@pytest.fixture(scope="module")
def contest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("copies")
    entries, alone = root / "entries", root / "alone"
    entries.mkdir()
    alone.mkdir()
    text = (CORPUS / "s002.txt").read_text(encoding="utf-8")
    copy = swap_names(text)
    assert copy != text and ORIGINAL_LINE in text and SWAPPED_LINE in copy
    for folder in (entries, alone):
        (folder / "s002.txt").write_text(text, encoding="utf-8")
        for name in ("s006.txt", "s057.txt"):
            shutil.copyfile(CORPUS / name, folder / name)
    (entries / "copy.txt").write_text(copy, encoding="utf-8")
    return {"entries": entries, "with": run(entries, root / "with"),
            "alone": run(alone, root / "alone_out"), "root": root}


def test_copies_lower_both_entries_and_no_other(contest: dict[str, Any]) -> None:
    rows, alone = contest["with"]["rows"], contest["alone"]["rows"]
    for name in PAIR:
        row = rows[name]
        assert row["copying_part"] < 0.2, row
        assert row["copy_share"] > 0.8 and row["copy_passages"] > 0, row
        expected = max(0.0, row["scan_originality"] - 100 * COPYING_WEIGHT
                       * (1 - row["copying_part"]))
        assert row["originality"] == pytest.approx(round(expected, 1))
        assert row["originality"] < row["scan_originality"]
    # against the batch without the copy (where s002 is scored as `scan` scores it)
    assert rows["s002"]["originality"] < alone["s002"]["originality"]
    assert rows["s002"]["scan_originality"] == alone["s002"]["originality"]
    assert (rows["s002"]["copy_partner"], rows["copy"]["copy_partner"]) == ("copy.txt",
                                                                          "s002.txt")
    for name in UNRELATED:
        assert rows[name]["originality"] == alone[name]["originality"]
        assert (rows[name]["copying_part"], rows[name]["copy_share"],
                rows[name]["copy_partner"], rows[name]["copy_passages"]) == (1.0, 0.0, "", 0)
    ranked = [r["id"] for r in contest["with"]["summary"]["rows"]]
    assert set(ranked[-2:]) == set(PAIR)


def test_copies_results_table_has_the_copy_columns(contest: dict[str, Any]) -> None:
    table = pd.read_csv(contest["with"]["output"], keep_default_na=False)
    assert table.columns.tolist() == RESULT_COLUMNS
    assert set(COPY_COLUMNS) <= set(table.columns)
    table = table.set_index("id")
    assert table.loc["s002", "copy_partner"] == "copy.txt"
    assert float(table.loc["copy", "copying_part"]) < 0.2
    assert float(table.loc["s006", "copying_part"]) == 1.0
    assert table.loc["s006", "copy_partner"] == ""


def test_copies_pages_link_each_other_with_passages(
        contest: dict[str, Any], html_problems: Callable[[str], list[str]]) -> None:
    rows, reports = contest["with"]["rows"], contest["with"]["reports"]
    pages = {name: (reports / rows[name]["report"]).read_text(encoding="utf-8")
             for name in rows}
    for name, partner in (PAIR, PAIR[::-1]):
        section = copies_section(pages[name])
        assert f'<a href="{rows[partner]["report"]}">{partner}.txt</a>' in section
        # the passage side by side: the line as each entry has it
        assert ORIGINAL_LINE in section and SWAPPED_LINE in section
        assert "Copying within this batch" in section
    for name in UNRELATED:
        assert copies_section(pages[name]) == ""
        assert rows["copy"]["report"] not in pages[name]
    for page in pages.values():
        assert html_problems(page) == []


def test_copies_index_flags_the_pair(contest: dict[str, Any],
                                     html_problems: Callable[[str], list[str]]) -> None:
    rows = contest["with"]["rows"]
    index = (contest["with"]["reports"] / "index.html").read_text(encoding="utf-8")
    assert html_problems(index) == []
    pairs = index[index.index('<h2 id="copies">'):]
    pairs = pairs[:pairs.index("</table>")]
    for name in PAIR:
        assert f'<a href="{rows[name]["report"]}">{name}.txt</a>' in pairs
    assert index.count("⚠ copy</span>") == 2  # a badge on both entries' rows
    assert "<svg" in index and index.count("<rect") == 10  # the score histogram
    assert "Trope shares" in index
    alone = (contest["alone"]["reports"] / "index.html").read_text(encoding="utf-8")
    assert "⚠ copy</span>" not in alone and "Copy pairs (0)" in alone


def test_copies_resume_keeps_the_lowered_scores(contest: dict[str, Any],
                                                 tmp_path: Path) -> None:
    out = tmp_path / "run"
    shutil.copytree(contest["root"] / "with", out)
    again = judge_folder(contest["entries"], out / "results.csv", reports_dir=out / "reports",
                         resume=True)
    assert again["skipped"] == 4
    # the lowered score is never lowered again from a table read back
    assert {r["id"]: r["originality"] for r in again["rows"]} == \
        {k: r["originality"] for k, r in contest["with"]["rows"].items()}


def test_copies_resume_unlinks_a_withdrawn_copy(contest: dict[str, Any], tmp_path: Path) -> None:
    entries = tmp_path / "entries"
    entries.mkdir()
    for name in ("s002.txt", "copy.txt"):
        shutil.copyfile(contest["entries"] / name, entries / name)
    out, reports = tmp_path / "results.csv", tmp_path / "reports"
    first = by_id(judge_folder(entries, out, reports_dir=reports)["rows"])
    assert first["s002"]["copy_partner"] == "copy.txt"
    (entries / "copy.txt").unlink()
    later = by_id(judge_folder(entries, out, reports_dir=reports, resume=True)["rows"])
    assert later["s002"]["originality"] == first["s002"]["scan_originality"]
    assert later["s002"]["copying_part"] == 1.0
    page = (reports / later["s002"]["report"]).read_text(encoding="utf-8")
    assert copies_section(page) == ""
