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
def fingerprint(sample_corpus: Any, lexicon_only_analyzer: Any) -> str:
    return training_fingerprint(sample_corpus, lexicon_only_analyzer)


@pytest.mark.parametrize(("name", "loader"), [
    pytest.param("trope_classifier", TropeClassifier.load, id="trope-classifier"),
    pytest.param("twist_model", TwistModel.load, id="twist-model"),
])
def test_models_shipped_models_are_current(name: str, loader: Any, fingerprint: str,
                                           lexicon_only_analyzer: Any) -> None:
    path = _model_path(None, name)
    assert path is not None, f"models/{name} is missing: run `tropescan train -o models`"
    model = loader(path)
    assert model.meta_["lexicon_version"] == lexicon_only_analyzer.lexicon.version, (
        "lexicons changed since training: run `tropescan train -o models`")
    assert model.meta_["fingerprint"] == fingerprint, (
        "sample corpus or lexicons changed since training: run `tropescan train -o models`")


def test_models_classifier_knows_every_trope(lexicon_only_analyzer: Any) -> None:
    path = _model_path(None, "trope_classifier")
    assert path is not None
    assert TropeClassifier.load(path).classes_ == sorted(lexicon_only_analyzer.lexicon.tropes)
