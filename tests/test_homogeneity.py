"""Homogeneity of a collection: near-duplicate pairs, trope concentration, compression.

Issue "Originality against a corpus, and the homogeneity of a collection". On the sample index
the declared near-copies (manifest ``derived_from``) must be exactly the near-duplicate pairs;
the concentration and diversity figures are checked on the sample and on small collections
whose answers are known by hand.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from tropescan._resources import corpus_dir
from tropescan.cli import main
from tropescan.collection import PAIR_COLUMNS, Homogeneity, homogeneity
from tropescan.corpus import CorpusIndex, WorkFeatures
from tropescan.sample import read_manifest

WORKS = read_manifest()
DECLARED = {frozenset((a.id, b.id)) for a, b in itertools.combinations(WORKS, 2)
            if a.family == b.family}


def pair_set(pairs: list[dict[str, Any]]) -> set[frozenset[str]]:
    return {frozenset((p["work_a"], p["work_b"])) for p in pairs}


# -- the sample index ------------------------------------------------------------------------

def test_homogeneity_near_duplicates_are_the_declared_copies(
        sample_homogeneity: Homogeneity) -> None:
    assert len(DECLARED) >= 6
    found = pair_set(sample_homogeneity.pairs)
    assert DECLARED - found == set(), "declared near-copies not found"
    assert found - DECLARED == set(), "undeclared pairs reported"


def test_homogeneity_declared_copies_share_passages(sample_homogeneity: Homogeneity) -> None:
    shared = {frozenset((p["work_a"], p["work_b"])): p["shared_passages"]
              for p in sample_homogeneity.pairs}
    assert all(shared[pair] >= 1 for pair in DECLARED), shared
    # sorted: most shared passages first
    keys = [(-p["shared_passages"], -p["cosine"]) for p in sample_homogeneity.pairs]
    assert keys == sorted(keys)
    assert list(sample_homogeneity.pairs_frame.columns) == PAIR_COLUMNS


def test_homogeneity_sample_figures_in_range(sample_homogeneity: Homogeneity,
                                             sample_index: CorpusIndex) -> None:
    h = sample_homogeneity
    n = len(sample_index)
    assert h.n_works == n == len(WORKS)
    k = len(h.trope_shares)
    # the sample's 14 families, and tropes of the other 18 its scripts also show
    assert {t for w in WORKS for t in w.tropes} <= set(h.trope_shares) and 14 <= k <= 32
    assert math.isclose(sum(h.trope_shares.values()), 1.0)
    assert 1 / k <= h.herfindahl <= 1
    assert math.isclose(h.herfindahl, sum(v * v for v in h.trope_shares.values()))
    assert 0 < h.entropy <= 1
    assert 0 < h.compression_diversity <= 1
    assert 0 < h.mean_similarity < 1
    assert h.similarity.shape == (n, n)
    np.testing.assert_allclose(h.similarity, h.similarity.T, atol=1e-6)
    np.testing.assert_allclose(np.diag(h.similarity), 1.0)
    assert h.names == [w.id for w in sample_index.works]
    counts = {t: sum(1 for s in sample_index.work_tropes() if t in s) for t in h.tropes}
    assert dict(zip(h.tropes, np.diag(h.cooccurrence).tolist(), strict=True)) == counts
    assert sum(n for _, n in h.combinations) == len(WORKS)
    summary = h.summary()
    json.dumps(summary, ensure_ascii=False)
    assert summary["near_duplicate_pairs"] == len(h.pairs)


def test_homogeneity_plots_return_figures(sample_homogeneity: Homogeneity) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    for fig in (sample_homogeneity.plot_heatmap(), sample_homogeneity.plot_cooccurrence()):
        assert isinstance(fig, Figure)
        assert fig.axes
        plt.close(fig)


# -- small collections with known answers ----------------------------------------------------

def bare_work(i: int, tropes: list[str]) -> WorkFeatures:
    return WorkFeatures(id=f"w{i}", title=f"w{i}", path="", format="text", labels="",
                        tropes=";".join(tropes), derived_from="", note="", n_chars=10,
                        digest=f"d{i}", counts={})


CONCENTRATION = [
    # trope sets per work, Herfindahl, entropy
    pytest.param([["zhanshen"]] * 4, 1.0, 0.0, id="one-trope"),
    pytest.param([["a"], ["b"], ["c"], ["d"]], 0.25, 1.0, id="even-4"),
    pytest.param([["a", "b"], ["a", "b"]], 0.5, 1.0, id="even-pair"),
    pytest.param([["a"], ["a"], ["a"], ["b"]], 0.625,
                 -(0.75 * math.log(0.75) + 0.25 * math.log(0.25)) / math.log(2), id="3-to-1"),
    pytest.param([[], []], 0.0, 0.0, id="no-tropes"),
]


@pytest.mark.parametrize(("tropes", "hhi", "entropy"), CONCENTRATION)
def test_homogeneity_concentration(tropes: list[list[str]], hhi: float, entropy: float,
                                   corpus_analyzer: Any) -> None:
    index = CorpusIndex.from_features([bare_work(i, t) for i, t in enumerate(tropes)],
                                      origin=corpus_analyzer.index_origin())
    h = homogeneity(index)
    assert math.isclose(h.herfindahl, hhi, abs_tol=1e-9)
    assert math.isclose(h.entropy, entropy, abs_tol=1e-9)
    assert h.pairs == []


CULTURE = ("s057", "s058", "s060", "s061", "s062", "s063")


def test_homogeneity_compression_repeats_lower(sample_features: dict[str, Any],
                                               corpus_analyzer: Any) -> None:
    """Six different scripts compress apart about as well as together; six copies of one
    script compress together far better."""
    distinct = CorpusIndex.from_features([sample_features[i] for i in CULTURE],
                                         origin=corpus_analyzer.index_origin())
    repeated = CorpusIndex.from_features(
        [dataclasses.replace(sample_features["s057"], id=f"r{i}") for i in range(6)],
        origin=corpus_analyzer.index_origin())
    d, r = homogeneity(distinct), homogeneity(repeated)
    assert 0 < r.compression_diversity < 0.4 < 0.7 < d.compression_diversity <= 1
    assert d.pairs == []
    assert len(r.pairs) == 15  # every pair of the six copies
    assert math.isclose(r.mean_similarity, 1.0, abs_tol=1e-5)


# -- command line ----------------------------------------------------------------------------

def test_homogeneity_cli_folder_json_and_plots(tmp_path: Path,
                                               sample_homogeneity: Homogeneity) -> None:
    charts = tmp_path / "charts"
    result = CliRunner().invoke(main, ["homogeneity", str(corpus_dir() / "scripts"),
                                       "--format", "json", "--plot", str(charts)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["n_works"] == len(WORKS)
    assert pair_set(data["pairs"]) == DECLARED  # ids are file stems, as in the manifest
    assert math.isclose(data["mean_similarity"], sample_homogeneity.mean_similarity, abs_tol=1e-3)
    assert 0 < data["compression_diversity"] <= 1
    for name in ("similarity.png", "cooccurrence.png"):
        png = (charts / name).read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    assert sorted(p.name for p in charts.iterdir()) == ["cooccurrence.png", "similarity.png"]
    assert "similarity.png" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_homogeneity_cli_index_path(fmt: str, sample_index: CorpusIndex, tmp_path: Path,
                                    sample_homogeneity: Homogeneity) -> None:
    path = sample_index.save(tmp_path / "sample.idx")
    result = CliRunner().invoke(main, ["homogeneity", str(path), "--format", fmt])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    if fmt == "json":
        data = json.loads(result.stdout)
        expected = json.loads(json.dumps(sample_homogeneity.summary()))
        assert {k: v for k, v in data.items() if k != "pairs"} == expected
        assert pair_set(data["pairs"]) == DECLARED
    else:
        assert result.stdout.startswith(f"{len(WORKS)} works: mean pairwise similarity")
        assert "near-duplicate pairs" in result.stdout


@pytest.mark.parametrize(("make", "message"), [
    pytest.param(lambda tmp: tmp / "empty", "no scripts found", id="folder-without-scripts"),
    pytest.param(lambda tmp: tmp / "broken.idx", "corrupt index.json", id="broken-index"),
])
def test_homogeneity_cli_errors(make: Any, message: str, tmp_path: Path) -> None:
    path = make(tmp_path)
    path.mkdir()
    if path.name == "broken.idx":
        (path / "index.json").write_text("{", encoding="utf-8")
    result = CliRunner().invoke(main, ["homogeneity", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path}: ") and message in lines[0]
