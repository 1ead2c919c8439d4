"""The TF-IDF trope classifier: fit, numpy prediction, safe save/load, names, grouped CV.

Issue "Tag tropes with evidence". Most tests use ``tiny_trope_corpus`` (synthetic token lists
with an obvious signal); the grouped cross-validation runs on the sample corpus.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tropescan.classifier import FORMAT, NotFittedError, TropeClassifier
from tropescan.errors import ModelError, SettingsError, TropescanError
from tropescan.segment import features, name_words, strip_names

#: Held-out documents: (words, the trope whose signal they carry).
PROBES = [
    pytest.param(["今天", "复仇", "报仇", "公司"], "fuchou", id="fuchou"),
    pytest.param(["妈咪", "萌宝", "吃饭", "睡觉", "爹地"], "mengbao", id="mengbao"),
    pytest.param(["神医", "银针", "电话", "施针", "朋友"], "shenyi", id="shenyi"),
]


class Exploit:
    """Unpickling this object would create a folder: proof that load never unpickles."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.mkdir, (str(self.marker),))


# -- fit and predict ----------------------------------------------------------------------------

@pytest.mark.parametrize(("words", "trope"), PROBES)
def test_classifier_learns_an_obvious_signal(tiny_classifier: TropeClassifier, words: list[str],
                                             trope: str) -> None:
    probs = tiny_classifier.predict_one(words)
    assert list(probs) == ["fuchou", "mengbao", "shenyi"]
    assert probs[trope] > 0.9
    assert all(p < 0.5 for t, p in probs.items() if t != trope)
    assert tiny_classifier.top_features(trope, 3)[0][0] in words


def test_classifier_learns_two_labels_at_once(tiny_classifier: TropeClassifier) -> None:
    probs = tiny_classifier.predict_one(["血债", "今天", "萌宝", "妈咪", "公司", "报仇"])
    assert probs["fuchou"] > 0.5 and probs["mengbao"] > 0.5 and probs["shenyi"] < 0.5


def test_classifier_predict_proba_is_a_frame(tiny_classifier: TropeClassifier) -> None:
    docs = [p.values[0] for p in PROBES] + [[], ["没见过的词"]]
    frame = tiny_classifier.predict_proba(docs)
    assert list(frame.columns) == ["fuchou", "mengbao", "shenyi"]
    assert frame.shape == (5, 3)
    assert ((frame >= 0) & (frame <= 1)).all().all()
    assert list(frame.idxmax(axis=1)[:3]) == ["fuchou", "mengbao", "shenyi"]
    # unknown words: only the intercepts speak, so both rows are equal
    assert frame.iloc[3].tolist() == frame.iloc[4].tolist()
    assert tiny_classifier.predict_proba([]).shape == (0, 3)


def test_classifier_grouped_vocabulary(tiny_trope_corpus: Any) -> None:
    """With groups, a feature must occur in min_df different groups, not just documents."""
    docs, labels, classes, groups = tiny_trope_corpus
    docs = [*docs, ["私有词", "复仇"], ["私有词", "复仇"]]
    labels, groups = [*labels, ("fuchou",), ("fuchou",)], [*groups, "private", "private"]
    grouped = TropeClassifier(min_df=2).fit(docs, labels, classes, groups)
    plain = TropeClassifier(min_df=2).fit(docs, labels, classes)
    assert "私有词" in plain.vocabulary_
    assert "私有词" not in grouped.vocabulary_
    assert "复仇" in grouped.vocabulary_
    assert list(grouped.vocabulary_) == sorted(grouped.vocabulary_)  # ids in sorted order
    assert sorted(grouped.vocabulary_.values()) == list(range(len(grouped.vocabulary_)))


def test_classifier_max_features(tiny_trope_corpus: Any) -> None:
    docs, labels, classes, groups = tiny_trope_corpus
    model = TropeClassifier(min_df=1, max_features=10).fit(docs, labels, classes, groups)
    assert len(model.vocabulary_) == 10
    assert model.coef_.shape == (3, 10) and model.idf_.shape == (10,)


def test_classifier_class_without_examples(tiny_trope_corpus: Any) -> None:
    docs, labels, classes, groups = tiny_trope_corpus
    model = TropeClassifier().fit(docs, labels, [*classes, "zhuixu"], groups)
    assert not model.coef_[3].any() and model.intercept_[3] == -10.0
    assert model.predict_one(["复仇"])["zhuixu"] < 1e-4


@pytest.mark.parametrize(("params", "message"), [
    pytest.param({"C": 0}, "C must be > 0", id="C-zero"),
    pytest.param({"C": "big"}, "C must be > 0", id="C-string"),
    pytest.param({"min_df": 0}, "min_df must be an int >= 1", id="min_df-zero"),
    pytest.param({"min_df": 1.5}, "min_df must be an int >= 1", id="min_df-float"),
    pytest.param({"max_features": 5}, "max_features must be an int >= 10", id="max_features"),
])
def test_classifier_fit_validates_params(tiny_trope_corpus: Any, params: dict[str, Any],
                                         message: str) -> None:
    docs, labels, classes, groups = tiny_trope_corpus
    model = TropeClassifier(**params)  # constructors store; fit validates
    with pytest.raises(SettingsError, match=message):
        model.fit(docs, labels, classes, groups)


@pytest.mark.parametrize("call", [
    pytest.param(lambda m: m.predict_one(["复仇"]), id="predict_one"),
    pytest.param(lambda m: m.predict_proba([["复仇"]]), id="predict_proba"),
    pytest.param(lambda m: m.transform_one(["复仇"]), id="transform_one"),
    pytest.param(lambda m: m.top_features("fuchou"), id="top_features"),
    pytest.param(lambda m: m.save("unused"), id="save"),
])
def test_classifier_not_fitted(call: Any) -> None:
    with pytest.raises(NotFittedError, match="not fitted yet") as info:
        call(TropeClassifier())
    assert isinstance(info.value, ModelError) and isinstance(info.value, TropescanError)
    assert info.value.code == "TS301"


def test_classifier_numpy_matches_scikit_learn(tiny_trope_corpus: Any) -> None:
    """predict_proba (numpy) equals the scikit-learn pipeline fitted the same way."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    docs, labels, classes, _ = tiny_trope_corpus
    ours = TropeClassifier(C=5.0, min_df=2, max_features=40).fit(docs, labels, classes)
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, norm="l2", min_df=2,
                                 max_features=40)
    X = vectorizer.fit_transform(docs)
    assert ours.vocabulary_ == {t: int(i) for t, i in vectorizer.vocabulary_.items()}
    probes = [p.values[0] for p in PROBES] + [docs[0], docs[1] * 3, ["没见过的词"], []]
    X_probe = vectorizer.transform(probes)
    expected = np.column_stack([
        LogisticRegression(C=5.0, class_weight="balanced", max_iter=2000)
        .fit(X, [c in lab for lab in labels]).predict_proba(X_probe)[:, 1]
        for c in classes])
    got = ours.predict_proba(probes).to_numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
    idx, vals = ours.transform_one(docs[1] * 3)
    dense = np.zeros(len(ours.vocabulary_))
    dense[idx] = vals
    np.testing.assert_allclose(dense, X_probe[4].toarray()[0], atol=1e-12)


# -- names --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("names", "words"), [
    pytest.param(["林小舟"], {"林小舟", "小舟"}, id="given-name"),
    pytest.param(["顾言"], {"顾言"}, id="two-chars"),
    pytest.param(["欧阳娜娜"], {"欧阳娜娜", "阳娜娜", "娜娜"}, id="four-chars"),
    pytest.param([" 苏晴 "], {"苏晴"}, id="stripped"),
    pytest.param(["王", "这是一个很长的名字"], set(), id="too-short-or-long"),
    pytest.param([], set(), id="none"),
])
def test_classifier_name_words(names: list[str], words: set[str]) -> None:
    assert name_words(names) == words


def test_classifier_strip_names() -> None:
    names = name_words(["林小舟", "顾言"])
    assert strip_names(["小舟", "说", "林小舟", "顾言", "复仇", "小"], names) == ["说", "复仇", "小"]


def test_classifier_names_do_not_change_predictions(tiny_classifier: TropeClassifier) -> None:
    """Once names are stripped, who the characters are makes no difference."""
    a = ["林小舟", "复仇", "小舟", "报仇"]
    b = ["顾言", "复仇", "顾言", "报仇"]
    assert (tiny_classifier.predict_one(strip_names(a, name_words(["林小舟"])))
            == tiny_classifier.predict_one(strip_names(b, name_words(["顾言"]))))


def test_classifier_training_words_have_no_names(sample_corpus: Any) -> None:
    """Training documents (whole scripts and episodes) carry none of their script's names."""
    n_names = 0
    for words, episodes, result in zip(sample_corpus.words, sample_corpus.episode_words,
                                       sample_corpus.analyses, strict=True):
        names = name_words([*result.script.speakers, *result.script.cast])
        n_names += len(names)
        assert not names & set(words), result.script.title
        assert not any(names & set(ep) for ep in episodes), result.script.title
    assert n_names > 300  # the sample scripts really have named characters


# -- save and load ------------------------------------------------------------------------------

def test_classifier_save_load_round_trip(tiny_classifier: TropeClassifier, tiny_trope_corpus: Any,
                                         tmp_path: Path) -> None:
    path = tiny_classifier.save(tmp_path / "clf", fingerprint="abc")
    assert sorted(p.name for p in path.iterdir()) == ["model.json", "weights.npz"]
    doc = json.loads((path / "model.json").read_text(encoding="utf-8"))
    assert doc["format"] == FORMAT and doc["fingerprint"] == "abc"
    loaded = TropeClassifier.load(path)
    assert loaded.classes_ == tiny_classifier.classes_
    assert loaded.vocabulary_ == tiny_classifier.vocabulary_
    assert (loaded.C, loaded.min_df, loaded.max_features) == (30.0, 2, 30000)
    assert loaded.meta_["fingerprint"] == "abc"
    docs = tiny_trope_corpus[0]
    assert loaded.predict_proba(docs).equals(tiny_classifier.predict_proba(docs))
    # saving again replaces the folder whole, leaving no temporary folder behind
    loaded.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clf"]


def _break_format(path: Path) -> None:
    doc = json.loads((path / "model.json").read_text(encoding="utf-8"))
    doc["format"] = "tropescan.classifier/0"
    (path / "model.json").write_text(json.dumps(doc), encoding="utf-8")


def _rewrite_weights(path: Path, **arrays: Any) -> None:
    with np.load(path / "weights.npz") as npz:
        weights = {k: npz[k] for k in npz.files}
    weights.update(arrays)
    weights = {k: v for k, v in weights.items() if v is not None}
    np.savez(path / "weights.npz", **weights)


BREAKAGES = [
    pytest.param(_break_format, "unsupported classifier format 'tropescan.classifier/0'",
                 id="bad-format"),
    pytest.param(lambda p: (p / "model.json").write_text("[1, 2]", encoding="utf-8"),
                 "model.json is not a JSON object", id="json-not-object"),
    pytest.param(lambda p: (p / "model.json").write_text("{not json", encoding="utf-8"),
                 "corrupt classifier", id="json-syntax"),
    pytest.param(lambda p: (p / "model.json").unlink(), "model.json/weights.npz missing",
                 id="no-model-json"),
    pytest.param(lambda p: (p / "weights.npz").unlink(), "model.json/weights.npz missing",
                 id="no-weights"),
    pytest.param(lambda p: shutil.rmtree(p), "model.json/weights.npz missing", id="no-folder"),
    pytest.param(lambda p: (p / "weights.npz").write_bytes(b"PK\x03\x04 not a zip"),
                 "corrupt classifier", id="weights-garbage"),
    pytest.param(lambda p: (p / "weights.npz").write_bytes(b""), "corrupt classifier",
                 id="weights-empty"),
    pytest.param(lambda p: np.save(p / "weights.npy", np.zeros(3))
                 or (p / "weights.npy").replace(p / "weights.npz"),
                 "weights.npz is a single array", id="weights-npy"),
    pytest.param(lambda p: _rewrite_weights(p, idf=None), "corrupt classifier", id="no-idf"),
    pytest.param(lambda p: _rewrite_weights(p, coef=np.zeros((3, 2))),
                 "array shapes or types do not match", id="coef-shape"),
    pytest.param(lambda p: _rewrite_weights(p, idf=np.zeros(2)),
                 "array shapes or types do not match", id="idf-shape"),
    pytest.param(lambda p: _rewrite_weights(p, intercept=np.zeros(5)),
                 "array shapes or types do not match", id="intercept-shape"),
    pytest.param(lambda p: _rewrite_weights(p, intercept=np.array(["a", "b", "c"])),
                 "array shapes or types do not match", id="intercept-strings"),
    pytest.param(lambda p: (p / "model.json").write_text(json.dumps({"format": FORMAT}),
                                                         encoding="utf-8"),
                 "bad or missing model.json entry", id="json-missing-keys"),
]


@pytest.mark.parametrize(("damage", "message"), BREAKAGES)
def test_classifier_load_refuses_damaged_folder(tiny_classifier: TropeClassifier, tmp_path: Path,
                                                damage: Any, message: str) -> None:
    path = tiny_classifier.save(tmp_path / "clf")
    damage(path)
    with pytest.raises(ModelError, match=message) as info:
        TropeClassifier.load(path)
    assert info.value.path == str(path)


def test_classifier_load_never_unpickles(tiny_classifier: TropeClassifier, tmp_path: Path) -> None:
    path = tiny_classifier.save(tmp_path / "clf")
    marker = tmp_path / "pwned"
    payload = np.empty(len(tiny_classifier.classes_), dtype=object)
    payload[:] = [Exploit(marker)] * len(payload)
    _rewrite_weights(path, intercept=payload)  # np.savez pickles object arrays
    with pytest.raises(ModelError, match="corrupt classifier") as info:
        TropeClassifier.load(path)
    assert "allow_pickle" in str(info.value)
    assert not marker.exists()


def test_classifier_shipped_model_loads(analyzer: Any) -> None:
    model = analyzer.classifier
    assert model.classes_ == sorted(analyzer.lexicon.tropes)
    assert model.meta_["format"] == FORMAT
    assert model.coef_.shape == (len(model.classes_), len(model.vocabulary_))


# -- grouped cross-validation on the sample corpus ----------------------------------------------

def test_classifier_grouped_cv_quality_bar(sample_corpus: Any, analyzer: Any) -> None:
    """The issue's bar: grouped 5-fold CV of the combined decision reaches macro-F1 >= 0.85.

    Near-copies share their source's fold, so no script is scored by a model that saw it or
    a copy of it (measured 0.8722; the classifier alone 0.5133, the lexicon alone 0.7549).
    70 logistic regressions: ~4 s with one BLAS thread per fit (~75 s with OpenBLAS threads
    spinning on a busy 2-core machine, before TropeClassifier.fit limited them).
    """
    from tropescan.evaluation import cross_validate_tropes

    result = cross_validate_tropes(sample_corpus, analyzer, folds=5, seed=0)
    print(f"\ngrouped 5-fold CV macro-F1: {result['macro_f1']}")
    print(result["table"].to_string(index=False))
    assert result["n_scripts"] == len(sample_corpus.works) == 78
    assert result["n_groups"] < result["n_scripts"]  # near-copies were grouped
    assert set(result["table"]["trope"]) == {t for w in sample_corpus.works for t in w.tropes}
    assert result["macro_f1"]["combined"] >= 0.85
    # the combination is worth it: better than either signal alone
    assert result["macro_f1"]["combined"] > max(result["macro_f1"]["classifier"],
                                                result["macro_f1"]["lexicon"])
