"""Originality against a corpus: the cross-checks that must hold on the sample corpus.

Issue "Originality against a corpus, and the homogeneity of a collection", point 3:

* a declared near-copy finds its source as the nearest work, with a reused passage from it;
* a near-copy scores lower than its source scores against the corpus without the copy;
* culture / everyday-life scripts score higher on average than formula scripts;
* a script in the corpus is never matched against itself;
* two unrelated 战神 scripts sharing only stock lines are not copies of each other, while the
  stock lines are reported as formula evidence;
* ``score = 100 × Σ weights × parts`` with every part in [0, 1].

The near-copy and source scores are printed in the terminal summary (conftest.py).
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from pathlib import Path
from typing import Any

import pytest
from texts import STOCK_ONLY_A, STOCK_ONLY_B, STOCK_ONLY_B_STOCK_LINES

from tropescan.api import Analyzer
from tropescan.batch import build_index
from tropescan.corpus import CorpusIndex
from tropescan.originality import (
    BORROWED_FULL,
    COMBINATION_FULL,
    MIN_MATCH_CHARS,
    MIN_OVERLAP,
    NEAREST_COLUMNS,
    PASSAGE_COLUMNS,
    PLOT_HIGH,
    PLOT_LOW,
    REUSE_FULL,
    SIM_HIGH,
    SIM_LOW,
    STOCK_COLUMNS,
    STOCK_FULL,
    WEIGHTS,
    Originality,
    score_originality,
)
from tropescan.sample import read_manifest

WORKS = read_manifest()
BY_ID = {w.id: w for w in WORKS}
NEAR_COPIES = [pytest.param(w.id, w.derived_from, id=f"{w.id}-from-{w.derived_from}")
               for w in WORKS if w.derived_from]
SOURCES = {w.derived_from for w in WORKS if w.derived_from}
CULTURE = [w.id for w in WORKS if not w.tropes and not w.derived_from]
FORMULA = [w.id for w in WORKS if w.tropes and not w.derived_from]


def rescore(analysis: Any, index: CorpusIndex, analyzer: Analyzer) -> Originality:
    """Score an existing analysis against another index (tropes and tokens reused)."""
    tokens = analyzer.segmenter.tokenize(analysis.script.text)
    return score_originality(analysis.script, tokens, analysis.trope_scores, index,
                             analyzer.lexicon, top_k=analyzer.settings.top_k)


# -- near-copies -----------------------------------------------------------------------------

@pytest.mark.parametrize(("copy", "source"), NEAR_COPIES)
def test_originality_near_copy_finds_source(copy: str, source: str,
                                            sample_analyses: dict[str, Any]) -> None:
    o = sample_analyses[copy].originality
    assert o.nearest_items[0].work_id == source
    assert o.nearest_items[0].similarity > SIM_LOW
    from_source = [p for p in o.passage_items if p.work_id == source]
    assert from_source, [p.work_id for p in o.passage_items]
    assert all(p.overlap >= MIN_OVERLAP for p in from_source)
    assert o.details["reuse_coverage"] > 0
    assert o.parts["reuse"] < 1


@pytest.mark.parametrize(("copy", "source"), NEAR_COPIES)
def test_originality_near_copy_below_its_source(copy: str, source: str, analyzer: Analyzer,
                                                corpus_analyzer: Analyzer,
                                                sample_index: CorpusIndex,
                                                sample_features: dict[str, Any],
                                                sample_analyses: dict[str, Any],
                                                originality_log: list[str]) -> None:
    """The source is scored against the corpus without the copy (built from the manifest's
    other rows): there it is an original; the copy, scored with its source in the corpus,
    is not."""
    without_copy = CorpusIndex.from_features(
        [sample_features[w.id] for w in sample_index.works if w.id != copy],
        origin=corpus_analyzer.index_origin())
    assert len(without_copy) == len(sample_index) - 1
    copy_score = sample_analyses[copy].originality.score
    source_alone = rescore(sample_analyses[source], without_copy, analyzer)
    source_full = sample_analyses[source].originality.score
    originality_log.append(
        f"{copy} (copy of {source}): {copy_score:5.1f}   source {source} without the copy: "
        f"{source_alone.score:5.1f}   source with the copy in the corpus: {source_full:5.1f}")
    assert copy not in {n.work_id for n in source_alone.nearest_items}
    assert copy_score < source_alone.score


def test_originality_culture_above_formula(sample_analyses: dict[str, Any],
                                           originality_log: list[str]) -> None:
    culture = statistics.mean(sample_analyses[i].originality.score for i in CULTURE)
    formula = statistics.mean(sample_analyses[i].originality.score for i in FORMULA)
    copies = statistics.mean(sample_analyses[w.id].originality.score
                             for w in WORKS if w.derived_from)
    originality_log.append(f"mean score: culture {culture:.1f} ({len(CULTURE)} scripts), "
                           f"formula {formula:.1f} ({len(FORMULA)}), near-copies {copies:.1f}")
    assert len(CULTURE) >= 12 and len(FORMULA) >= 40
    assert culture > formula
    assert copies < formula


# -- never matched against itself ------------------------------------------------------------

SELF = [pytest.param(i, id=i) for i in ("s002", "s012", "s057", "s047", "s049", "s053", "s070")]


@pytest.mark.parametrize("work_id", SELF)
def test_originality_corpus_script_not_matched_with_itself(work_id: str,
                                                           sample_analyses: dict[str, Any]) -> None:
    o = sample_analyses[work_id].originality
    assert work_id not in {n.work_id for n in o.nearest_items}
    assert work_id not in {p.work_id for p in o.passage_items}
    assert o.details["excluded_self"] == [work_id]
    assert o.details["corpus_works"] == len(WORKS)


@pytest.mark.parametrize("work_id", [pytest.param("s012", id="s012")])
def test_originality_same_text_elsewhere_is_self(work_id: str, analyzer: Analyzer,
                                                 tmp_path: Path) -> None:
    """A renamed copy of a corpus file is the same work: skipped by its text digest."""
    renamed = tmp_path / "submission_7.txt"
    renamed.write_bytes(BY_ID[work_id].path.read_bytes())
    o = analyzer.analyze(renamed).originality
    assert o.details["excluded_self"] == [work_id]
    assert work_id not in {n.work_id for n in o.nearest_items}
    assert work_id not in {p.work_id for p in o.passage_items}


@pytest.mark.parametrize("work_id", [pytest.param("s057", id="s057")])
def test_originality_without_exclusion_finds_itself(work_id: str, analyzer: Analyzer) -> None:
    """The control for the tests above: not excluding itself, a corpus script is its own
    nearest work with cosine 1 and reuses its own passages."""
    o = analyzer.analyze(BY_ID[work_id].path, exclude_self=False).originality
    assert o.nearest_items[0].work_id == work_id
    assert math.isclose(o.nearest_items[0].similarity, 1.0, abs_tol=1e-3)
    assert {p.work_id for p in o.passage_items} == {work_id}
    assert o.parts["similarity"] == 0.0
    assert o.details["excluded_self"] == []


# -- stock lines are formula evidence, not reuse ---------------------------------------------

@pytest.fixture
def stock_only(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "beijing_longgui.txt", tmp_path / "zhanshen_zhuixu.txt"
    a.write_text(STOCK_ONLY_A, encoding="utf-8")
    b.write_text(STOCK_ONLY_B, encoding="utf-8")
    return a, b


def score_b_against_a(paths: tuple[Path, Path], analyzer: Analyzer) -> Originality:
    index = build_index([paths[0]], analyzer=analyzer)
    assert index.n_chunks >= 2  # both scenes of A are long enough to be matched
    scorer = Analyzer(analyzer.settings, corpus=index, lexicon=analyzer.lexicon,
                      classifier=analyzer.classifier)
    result = scorer.analyze(paths[1]).originality
    assert result is not None
    return result


def test_originality_shared_stock_lines_are_not_reuse(stock_only: tuple[Path, Path],
                                                      corpus_analyzer: Analyzer) -> None:
    o = score_b_against_a(stock_only, corpus_analyzer)
    assert o.passage_items == []
    assert o.parts["reuse"] == 1.0
    assert {s.line for s in o.stock_items} == STOCK_ONLY_B_STOCK_LINES
    stock = corpus_analyzer.lexicon.stock_lines
    assert all(s.stock in stock for s in o.stock_items)
    assert {s.trope for s in o.stock_items} >= {"zhuixu", "nixi_dalian"}
    assert o.details["stock_lines"] == len(STOCK_ONLY_B_STOCK_LINES)
    assert o.parts["stock"] < 1.0


def test_originality_stock_lines_would_be_reuse_if_kept(stock_only: tuple[Path, Path],
                                                        corpus_analyzer: Analyzer) -> None:
    """The control: with no stock lines in the lexicon the same pair shares passages, so the
    test above passes because stock lines are blanked, not because the scripts are apart."""
    bare = dataclasses.replace(corpus_analyzer.lexicon, stock_lines={})
    analyzer = Analyzer(corpus_analyzer.settings, corpus=None, lexicon=bare,
                        classifier=corpus_analyzer.classifier)
    o = score_b_against_a(stock_only, analyzer)
    assert len(o.passage_items) == 2
    assert all(p.overlap >= MIN_OVERLAP for p in o.passage_items)
    assert o.parts["reuse"] < 1.0
    assert o.stock_items == []


# -- the score's arithmetic ------------------------------------------------------------------

def test_originality_weights() -> None:
    assert set(WEIGHTS) == {"similarity", "reuse", "borrowed", "plot", "combination", "stock"}
    assert math.isclose(sum(WEIGHTS.values()), 1.0)
    assert all(w > 0 for w in WEIGHTS.values())


def _clip(x: float) -> float:
    return min(1.0, max(0.0, x))


def check_arithmetic(o: Originality) -> None:
    assert set(o.parts) == set(WEIGHTS) == set(o.weights)
    assert all(0.0 <= v <= 1.0 for v in o.parts.values()), o.parts
    assert math.isclose(o.score, 100 * sum(WEIGHTS[k] * v for k, v in o.parts.items()),
                        abs_tol=0.05 + 1e-9)
    assert 0.0 <= o.score <= 100.0
    d = o.details
    # each part from the figure it is made of (details are rounded to 4 places)
    sim = 1 - _clip((d["nearest_similarity"] - SIM_LOW) / (SIM_HIGH - SIM_LOW))
    assert math.isclose(o.parts["similarity"], sim, abs_tol=1e-3)
    assert math.isclose(o.parts["reuse"], 1 - _clip(d["reuse_coverage"] / REUSE_FULL), abs_tol=1e-3)
    assert math.isclose(o.parts["combination"],
                        1 - _clip(d["combination_share"] / COMBINATION_FULL), abs_tol=1e-3)
    assert math.isclose(o.parts["stock"], 1 - _clip(d["stock_per_1000"] / STOCK_FULL), abs_tol=2e-3)
    assert math.isclose(o.parts["borrowed"], 1 - _clip(d["borrowed_share"] / BORROWED_FULL),
                        abs_tol=1e-3)
    plot = 1 - _clip((d["plot_similarity"] - PLOT_LOW) / (PLOT_HIGH - PLOT_LOW))
    assert math.isclose(o.parts["plot"], plot, abs_tol=1e-3)
    assert d["borrowed_share"] == (o.borrowed_items[0].share if o.borrowed_items else 0.0)
    assert d["plot_similarity"] == (o.plot_items[0].plot_similarity if o.plot_items else 0.0)
    if o.nearest_items:
        assert math.isclose(d["nearest_similarity"], o.nearest_items[0].similarity, abs_tol=1e-4)
    assert d["stock_lines"] == len(o.stock_items)


@pytest.mark.parametrize("work_id", [pytest.param(w.id, id=w.id) for w in WORKS])
def test_originality_score_arithmetic(work_id: str, sample_analyses: dict[str, Any]) -> None:
    check_arithmetic(sample_analyses[work_id].originality)


def test_originality_score_arithmetic_stock_only(stock_only: tuple[Path, Path],
                                                 corpus_analyzer: Analyzer) -> None:
    check_arithmetic(score_b_against_a(stock_only, corpus_analyzer))


@pytest.mark.parametrize(("copy", "source"), NEAR_COPIES[:2])
def test_originality_frames(copy: str, source: str, sample_analyses: dict[str, Any]) -> None:
    o = sample_analyses[copy].originality
    assert list(o.nearest.columns) == NEAREST_COLUMNS
    assert list(o.passages.columns) == PASSAGE_COLUMNS
    assert list(o.stock_lines.columns) == STOCK_COLUMNS
    assert list(o.nearest["rank"]) == list(range(1, len(o.nearest_items) + 1))
    assert list(o.nearest["similarity"]) == sorted(o.nearest["similarity"], reverse=True)
    assert len(o.passages) == len(o.passage_items)
    row = o.passages.iloc[0]
    assert row["work_id"] == source and row["work_text"] and row["text"]
    passage = o.passage_items[0]
    assert len("".join(c for c in passage.text if c.isalnum())) >= MIN_MATCH_CHARS
