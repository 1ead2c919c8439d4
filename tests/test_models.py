"""The shipped models are trained on the current lexicons and sample corpus.

A lexicon or corpus change without `tropescan train -o models` would leave the package scoring
with a model that no longer matches its own segmentation: these tests catch that.
"""

from __future__ import annotations

from typing import Any

import pytest

from tropescan.api import _model_path
from tropescan.classifier import TropeClassifier
from tropescan.evaluation import training_fingerprint
from tropescan.twist_model import TwistModel


@pytest.fixture(scope="session")
def fingerprints(sample_corpus: Any, lexicon_only_analyzer: Any) -> dict[str, str]:
    """The classifier depends on scripts and lexicons; the twist model on its labels too."""
    return {"trope_classifier": training_fingerprint(sample_corpus, lexicon_only_analyzer),
            "twist_model": training_fingerprint(sample_corpus, lexicon_only_analyzer,
                                                labels=True)}


@pytest.mark.parametrize(("name", "loader"), [
    pytest.param("trope_classifier", TropeClassifier.load, id="trope-classifier"),
    pytest.param("twist_model", TwistModel.load, id="twist-model"),
])
def test_models_shipped_models_are_current(name: str, loader: Any, fingerprints: dict[str, str],
                                           lexicon_only_analyzer: Any) -> None:
    path = _model_path(None, name)
    assert path is not None, f"models/{name} is missing: run `tropescan train -o models`"
    model = loader(path)
    assert model.meta_["lexicon_version"] == lexicon_only_analyzer.lexicon.version, (
        "lexicons changed since training: run `tropescan train -o models`")
    assert model.meta_["fingerprint"] == fingerprints[name], (
        "sample corpus, labels or lexicons changed since training: run "
        "`tropescan train -o models`")


def test_models_twist_fingerprint_follows_labels(sample_corpus: Any, lexicon_only_analyzer: Any,
                                                 fingerprints: dict[str, str],
                                                 tmp_path: Any) -> None:
    """Relabelling a twist line must make the shipped twist model stale."""
    import dataclasses
    import shutil

    from tropescan._resources import corpus_dir

    root = tmp_path / "corpus"
    shutil.copytree(corpus_dir() / "labels", root / "labels")
    moved = dataclasses.replace(sample_corpus, manifest=str(root / "manifest.csv"))
    assert training_fingerprint(sample_corpus, lexicon_only_analyzer, labels=True) == \
        fingerprints["twist_model"]
    # a user's manifest trains on itself alone (no development set), so compare it with itself
    before = training_fingerprint(moved, lexicon_only_analyzer, labels=True)
    assert before != fingerprints["twist_model"]
    gold = root / "labels" / "twists.csv"
    gold.write_text(gold.read_text(encoding="utf-8").replace(",hook,", ",reveal,", 1),
                    encoding="utf-8")
    assert training_fingerprint(moved, lexicon_only_analyzer, labels=True) != before
    assert training_fingerprint(moved, lexicon_only_analyzer) == fingerprints["trope_classifier"]


def test_models_classifier_knows_every_trope(lexicon_only_analyzer: Any) -> None:
    path = _model_path(None, "trope_classifier")
    assert path is not None
    assert TropeClassifier.load(path).classes_ == sorted(lexicon_only_analyzer.lexicon.tropes)
