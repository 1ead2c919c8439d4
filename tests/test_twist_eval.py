"""Twist detection on a labelled set's timed episodes, beside the baselines (issue 14, point 7)."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from tropescan._resources import data_dir
from tropescan.api import Analyzer
from tropescan.cli import main
from tropescan.twist_eval import DETECTORS, _count, evaluate_twists_on_set, spearman


@pytest.mark.parametrize(("a", "b", "rho"), [
    pytest.param([1, 2, 3, 4], [10, 20, 30, 40], 1.0, id="same-order"),
    pytest.param([1, 2, 3, 4], [4, 3, 2, 1], -1.0, id="reversed"),
    pytest.param([1, 1, 2, 3], [1, 2, 3, 4], 0.9487, id="ties-average-ranks"),
    pytest.param([1, 1, 1], [1, 2, 3], 0.0, id="constant"),
])
def test_twist_eval_spearman(a: list[float], b: list[float], rho: float) -> None:
    assert spearman(a, b) == pytest.approx(rho, abs=1e-4)


def test_twist_eval_counts_within_the_tolerance() -> None:
    acc = [0, 0, 0, 0]
    _count(acc, [10.0, 30.0], [11.5, 12.0, 50.0], 2.0)
    # one detection lands near a label; two labels have a detection near them
    assert acc == [1, 2, 2, 3]


def test_twist_eval_challenge_set_beside_the_baselines() -> None:
    r = evaluate_twists_on_set("challenge", Analyzer(corpus=None))
    assert r["series"] == 6 and r["episodes"] >= 40
    assert set(r["detectors"]) == set(DETECTORS)
    every = r["detectors"]["every line"]
    assert every["recall"] == 1.0 and every["detections"] > every["labels"]
    assert all(0 <= d["f1_2s"] <= 1 and -1 <= d["density_spearman"] <= 1
               for d in r["detectors"].values())
    assert r["agreement"]["annotator_e vs annotator_f"] > 0.8


def test_twist_eval_cli() -> None:
    result = CliRunner().invoke(main, ["evaluate", "--twists", "--set", "dev"])
    assert result.exit_code == 0, result.output
    # the set's own size, from its manifest: a new development series must not break this
    with (data_dir("corpora_dev") / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == "subtitles"]
    episodes = sum(int(r["episodes"]) for r in rows)
    assert f"twists on the dev set: {len(rows)} subtitle exports, {episodes} episodes" \
        in result.stdout
    assert "every line" in result.stdout and "position only" in result.stdout
