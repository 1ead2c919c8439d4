"""Exact-output (golden) tests: what `scan` prints as a table and as JSON for sample scripts.

They pin behaviour while code moves: a refactor must leave these files identical. When a change
*means* to alter the output, regenerate them with ``TROPESCAN_UPDATE_GOLDEN=1 pytest
tests/test_golden.py`` and say why in the commit.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tropescan._resources import corpus_dir
from tropescan.cli import main

GOLDEN = Path(__file__).parent / "golden"
CASES = ["s071", "s001", "s047", "s049", "s053", "s066", "s070", "s003"]


def _scan(args: list[str]) -> str:
    result = CliRunner().invoke(main, ["scan", *args])
    assert result.exit_code == 0, result.output
    # The sample corpus lives in the checkout or in site-packages: name it the same way.
    return result.output.replace(str(corpus_dir()), "<SAMPLE>")


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("TROPESCAN_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}: run with TROPESCAN_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("sample", CASES)
def test_scan_table_golden(sample: str) -> None:
    _check(f"scan_{sample}.txt", _scan([f"sample:{sample}"]))


@pytest.mark.parametrize("sample", CASES)
def test_scan_json_golden(sample: str) -> None:
    _check(f"scan_{sample}.json", _scan([f"sample:{sample}", "--format", "json"]))
