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
UNREADABLE = {"bad_timestamp.srt"}  # a file that must fail to read (tested in test_readers)
CASES = ["s071", "s001", "s047", "s049", "s053", "s066", "s070", "s003"]


def _scan(args: list[str]) -> str:
    # the width of a pipe: a terminal's own width must not change the pinned output
    result = CliRunner().invoke(main, ["scan", *args], env={"COLUMNS": "110"})
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


def _parse_digests() -> dict[str, str]:
    import hashlib
    import json

    from tropescan.readers import read_script
    from tropescan.report.serialize import script_to_dict
    from tropescan.sample import read_manifest

    out = {}
    for work in read_manifest():
        doc = script_to_dict(read_script(work.path))
        doc["path"] = work.path.name
        text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
        out[work.id] = hashlib.sha1(text.encode("utf-8")).hexdigest()
    data = Path(__file__).parent / "data" / "scripts"
    for path in sorted(data.iterdir()):
        if path.is_file() and path.name not in UNREADABLE:
            doc = script_to_dict(read_script(path))
            doc["path"] = path.name
            text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
            out[f"data/{path.name}"] = hashlib.sha1(text.encode("utf-8")).hexdigest()
    return out


def test_parse_golden_digests() -> None:
    """What every reader makes of every sample script and test file, line by line with its
    times, pinned as a digest of ``parse --format json``."""
    import json

    _check("parse_digests.json", json.dumps(_parse_digests(), indent=1, sort_keys=True) + "\n")
