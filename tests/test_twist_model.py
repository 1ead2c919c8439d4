"""The learned twist-sentence model (twists.v4): features, prediction, persistence, measured quality.

Issue "Twist density per 15 seconds". The shipped model (models/twist_model) is used through
``twist_analyzer``; corrupt copies are made under tmp_path. The quality test re-trains the
model by grouped 3-fold cross-validation on the labelled sample corpus (10-15 s on 2 cores).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from texts import FORMULA_EPISODE, FORMULA_SECOND_EPISODE, SCENE_PREFIX, catalogue_code

from tropescan.api import Analyzer, default_model_dir
from tropescan.errors import ModelError
from tropescan.evaluation import evaluate_twists, majority_twists, twist_agreement
from tropescan.lexicon import LinePlace
from tropescan.sample import twist_annotations, twist_labels
from tropescan.twist_model import (
    CATEGORIES,
    DENSE,
    FORMAT,
    SentenceFeatures,
    TwistModel,
    sentence_features,
)

SHIPPED = default_model_dir() / "twist_model"  # type: ignore[operator]


def features(analyzer: Analyzer, path: Path) -> tuple[Any, SentenceFeatures]:
    script = analyzer.read(path)
    tokens = analyzer.segmenter.tokenize(script.text)
    return script, sentence_features(script, tokens, analyzer.lexicon)


def source_line(script: Any, ref: int) -> int:
    ei, si, li = LinePlace.of(script).refs[ref]
    return int(script.episodes[ei].scenes[si].lines[li].source_line)


# -- the shipped model on a formula episode ----------------------------------------------------

def test_twist_model_formula_episode(twist_analyzer: Analyzer,
                                     write_script: Callable[..., Path]) -> None:
    a = twist_analyzer.analyze(write_script(FORMULA_EPISODE))
    assert a.versions["twists_method"] == "twists.v4"
    assert a.versions["twist_model"] == twist_analyzer.twist_model.meta_["fingerprint"]
    found = {line for ev in a.twist_events for line in ev.lines}
    assert {9, 12, 13, 16} <= found  # 原来你是龙帅, 扑通跪下, 求您饶了我, 好戏才刚刚开始
    assert a.twist_events[-1].line == 16
    assert all(0.0 < ev.score <= 1.0 for ev in a.twist_events)
    # Small talk is not a twist.
    assert not {3, 4, 5} & found


CALM = [("奶奶", "今天的面发得真好。"), ("小雨", "我去把蒸笼洗一洗。"), ("奶奶", "记得水别放太多。"),
        ("小雨", "知道啦，您歇着。"), ("奶奶", "院子里的枣树又结果了。"),
        ("小雨", "明天我摘一些给邻居送去。"), ("奶奶", "好，再带两个馒头。"), ("小雨", "嗯，我记下了。")]
REVEALS = [("苏晴", "原来你就是那个神秘的董事长！"), ("王总", "不可能！他竟然是龙帅？"),
           ("林凡", "其实，你父亲不是病死的，而是被人毒死的。"), ("苏母", "什么？下毒的人居然是你！"),
           ("保镖", "啪！"), ("苏晴", "你到底是谁？"), ("林凡", "我就是你找了十年的人。")]


def _episode(lines: list[tuple[str, str]]) -> str:
    return SCENE_PREFIX + "".join(f"{who}：{text}\n" for who, text in lines)


def test_twist_model_count_follows_content(twist_analyzer: Analyzer,
                                           write_script: Callable[..., Path]) -> None:
    """No prior from the corpus's mean: a calm episode gets (almost) nothing, one of reveals
    gets most of them."""
    calm = twist_analyzer.analyze(write_script(_episode(CALM)))
    tense = twist_analyzer.analyze(write_script(_episode(REVEALS)))
    assert len(calm.twist_events) <= 1
    assert len(tense.twist_events) >= 4
    assert len(tense.twist_events) > len(calm.twist_events) + 2


def test_twist_model_threshold_decides(twist_analyzer: Analyzer,
                                       write_script: Callable[..., Path]) -> None:
    """twists.v4: every line whose likeliest sentence reaches the threshold is a twist (with
    merge_s 0, one event per line); a higher threshold keeps a subset."""
    from tropescan.twists import detect_twists, score_sentences

    model = twist_analyzer.twist_model
    a = twist_analyzer.analyze(write_script(FORMULA_EPISODE + FORMULA_SECOND_EPISODE))
    script, tokens, lexicon = a.script, a.tokens, twist_analyzer.lexicon
    place = LinePlace.of(script)
    scored = score_sentences(script, tokens, lexicon, model, place)
    assert ((scored.p > 0) & (scored.p < 1)).all()
    for thr in (model.threshold, 0.5, 0.9):
        events = detect_twists(script, tokens, lexicon, model=model, threshold=thr,
                               merge_s=0.0, place=place, scored=scored)
        want = {source_line(script, scored.sentences[i].landing.ref)
                for i in np.flatnonzero(scored.p >= thr)}
        assert sorted(ev.line for ev in events) == sorted(want)
        assert all(ev.score >= round(thr, 3) for ev in events)


ORDINARY = [
    pytest.param("苏晴：今天天气不错。", id="small-talk"),
    pytest.param("△她打开冰箱，拿出一瓶牛奶。", id="plain-action"),
    pytest.param("王总：这是我的名片。", id="plain-dialogue"),
]


@pytest.mark.parametrize("text", ORDINARY)
def test_twist_model_ordinary_line_mid_episode(twist_analyzer: Analyzer,
                                               write_script: Callable[..., Path],
                                               text: str) -> None:
    tail = "林凡：吃饭。\n顾言：好。\n苏晴：我们走吧。\n"
    path = write_script(SCENE_PREFIX + "△众人坐下。\n" + text + "\n" + tail)
    script, f = features(twist_analyzer, path)
    probs = twist_analyzer.twist_model.predict(f.dense, f.grams)
    row = next(i for i, s in enumerate(f.sentences) if source_line(script, s.landing.ref) == 4)
    assert 1.0 - probs[row, 0] < twist_analyzer.twist_model.threshold


# -- features -----------------------------------------------------------------------------------

def test_twist_model_sentence_features_shape(twist_analyzer: Analyzer,
                                             write_script: Callable[..., Path]) -> None:
    script, f = features(twist_analyzer, write_script(FORMULA_EPISODE))
    # 14 scorable lines; 滚出去！别丢… , 龙……龙帅？原来你是龙帅！ and 不可能！他就是个废物！ hold two
    assert len(f.sentences) == len(f.texts) == len(f.grams) == len(f.cues) == 17
    assert f.dense.shape == (17, len(DENSE))
    assert f.dense.dtype == np.float64 and np.isfinite(f.dense).all()
    lines = [source_line(script, s.landing.ref) for s in f.sentences]
    assert lines == sorted(lines) and set(lines) == set(range(3, 17))
    reveal = next(i for i, t in enumerate(f.texts) if "原来你是龙帅" in t)
    assert f.dense[reveal, DENSE.index("sig_reveal")] > 0
    assert f.grams[reveal].startswith(f.texts[reveal])  # its own text, then its neighbours'


def test_twist_model_sentence_features_no_scorable_lines(twist_analyzer: Analyzer,
                                                         write_script: Callable[..., Path]
                                                         ) -> None:
    _, f = features(twist_analyzer, write_script("第1集\n1-1 日 内 客厅\n"))
    assert f.sentences == [] and f.texts == []
    assert f.dense.shape == (0, len(DENSE))
    assert twist_analyzer.twist_model.predict(f.dense, f.grams).shape == (0, len(CATEGORIES) + 1)


def test_twist_model_shipped_matches_feature_names() -> None:
    doc = json.loads((SHIPPED / "model.json").read_text(encoding="utf-8"))
    assert doc["format"] == FORMAT
    assert doc["dense"] == DENSE
    assert doc["classes"] == ["none", *CATEGORIES]


def test_twist_model_probabilities(twist_analyzer: Analyzer,
                                   write_script: Callable[..., Path]) -> None:
    _, f = features(twist_analyzer, write_script(FORMULA_EPISODE))
    probs = twist_analyzer.twist_model.predict(f.dense, f.grams)
    assert probs.shape == (len(f.sentences), len(CATEGORIES) + 1)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert ((probs >= 0) & (probs <= 1)).all()


def test_twist_model_unfitted_refuses_to_predict() -> None:
    with pytest.raises(ModelError, match="not fitted"):
        TwistModel().predict(np.zeros((1, len(DENSE))), ["你好"])


# -- persistence --------------------------------------------------------------------------------

def test_twist_model_round_trip_shipped(twist_analyzer: Analyzer, tmp_path: Path,
                                        write_script: Callable[..., Path]) -> None:
    model = TwistModel.load(SHIPPED)
    _, f = features(twist_analyzer, write_script(FORMULA_EPISODE))
    dense, texts = f.dense, f.grams
    saved = model.save(tmp_path / "copy")
    assert sorted(p.name for p in saved.iterdir()) == ["model.json", "weights.npz"]
    again = TwistModel.load(saved)
    assert np.array_equal(model.predict(dense, texts), again.predict(dense, texts))
    assert again.vocabulary_ == model.vocabulary_
    assert (again.C, again.min_count, again.threshold) == (model.C, model.min_count,
                                                           model.threshold)
    assert again.meta_["fingerprint"] == model.meta_["fingerprint"]
    assert not list(tmp_path.glob(".copy.*"))  # no temp folder left behind


def test_twist_model_round_trip_fitted(twist_analyzer: Analyzer, tmp_path: Path,
                                       write_script: Callable[..., Path]) -> None:
    _, f = features(twist_analyzer, write_script(FORMULA_EPISODE))
    dense, texts = f.dense, f.grams
    truth = {"原来你是龙帅!": "reveal", "龙帅,我有眼不识泰山,求您饶了我!": "face_slap",
             "好戏才刚刚开始。": "hook"}
    labels = [truth.get(t, "none") for t in f.texts]
    assert labels.count("none") == len(labels) - 3
    groups = [f"g{i % 3}" for i in range(len(labels))]
    model = TwistModel(min_count=1, threshold=0.5).fit(dense, texts, labels, groups)
    probs = model.predict(dense, texts)
    # On its own training sentences the model gets the labelled category right.
    for k, t in enumerate(f.texts):
        if t in truth:
            assert CATEGORIES[int(np.argmax(probs[k, 1:]))] == truth[t]
    again = TwistModel.load(model.save(tmp_path / "fitted"))
    assert np.array_equal(probs, again.predict(dense, texts))
    assert again.threshold == 0.5


def _npz(path: Path, **changes: Any) -> None:
    with np.load(path / "weights.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del arrays[key]
    np.savez(path / "weights.npz", **arrays)


def _json(path: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    doc = json.loads((path / "model.json").read_text(encoding="utf-8"))
    doc = change(doc)
    (path / "model.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    def change(doc: dict[str, Any]) -> Any:
        doc[key] = value
        return doc
    return change


def _drop(key: str) -> Callable[[dict[str, Any]], Any]:
    def change(doc: dict[str, Any]) -> Any:
        del doc[key]
        return doc
    return change


def _weights(name: str, fn: Callable[[np.ndarray], np.ndarray | None]) -> Callable[[Path], None]:
    def corrupt(path: Path) -> None:
        with np.load(path / "weights.npz") as z:
            value = z[name]
        _npz(path, **{name: fn(value)})
    return corrupt


BROKEN_MODELS = [
    # how the copy of the shipped model is broken, words in the error
    pytest.param(lambda p: (p / "model.json").unlink(), "not a tropescan twist model folder",
                 id="no-model-json"),
    pytest.param(lambda p: (p / "weights.npz").unlink(), "not a tropescan twist model folder",
                 id="no-weights"),
    pytest.param(lambda p: (p / "model.json").write_text("{not json", encoding="utf-8"),
                 "corrupt", id="json-syntax"),
    pytest.param(lambda p: _json(p, lambda d: [d]), "not a JSON object", id="json-not-an-object"),
    pytest.param(lambda p: _json(p, _set("format", "tropescan.twistmodel/0")), "another version",
                 id="old-format"),
    pytest.param(lambda p: _json(p, _drop("format")), "another version", id="no-format"),
    pytest.param(lambda p: _json(p, _set("dense", DENSE[:-1])), "another version",
                 id="other-feature-names"),
    pytest.param(lambda p: _json(p, _drop("params")), "params", id="no-params"),
    pytest.param(lambda p: _json(p, _set("params", {"C": 1.0, "alpha": 2})), "params",
                 id="unknown-param"),
    pytest.param(lambda p: _json(p, _drop("vocabulary")), "vocabulary", id="no-vocabulary"),
    pytest.param(lambda p: _json(p, _set("classes", ["none", *reversed(CATEGORIES)])), "classes",
                 id="classes-reordered"),
    pytest.param(lambda p: _json(p, lambda d: {**d, "vocabulary": d["vocabulary"][:-5]}),
                 "shapes", id="vocabulary-shorter-than-weights"),
    pytest.param(_weights("coef", lambda a: a[:-1]), "shapes", id="coef-length"),
    pytest.param(_weights("cat_coef", lambda a: a[:, :-1]), "shapes", id="cat-coef-columns"),
    pytest.param(_weights("cat_coef", lambda a: a[:-1]), "shapes", id="cat-coef-rows"),
    pytest.param(_weights("cat_intercept", lambda a: a[:-1]), "shapes",
                 id="cat-intercept-length"),
    pytest.param(_weights("idf", lambda a: a[:-1]), "shapes", id="idf-length"),
    pytest.param(_weights("intercept", lambda a: a[:-1]), "shapes", id="intercept-length"),
    pytest.param(_weights("mean", lambda a: a[:-1]), "shapes", id="mean-length"),
    pytest.param(_weights("scale", lambda a: np.stack([a, a])), "shapes", id="scale-2d"),
    pytest.param(_weights("coef", lambda a: a.astype(str)), "shapes", id="coef-as-strings"),
    pytest.param(_weights("idf", lambda a: np.array([{"x": 1}] * len(a), dtype=object)),
                 "corrupt", id="pickled-object-array"),
    pytest.param(_weights("scale", lambda a: None), "corrupt", id="array-missing"),
    pytest.param(lambda p: (p / "weights.npz").write_bytes(b"PK\x03\x04 not a zip" * 4),
                 "corrupt", id="weights-not-npz"),
]


@pytest.mark.parametrize(("corrupt", "words"), BROKEN_MODELS)
def test_twist_model_load_refuses_broken_model(tmp_path: Path, corrupt: Callable[[Path], Any],
                                               words: str) -> None:
    path = tmp_path / "twist_model"
    shutil.copytree(SHIPPED, path)
    corrupt(path)
    with pytest.raises(ModelError) as info:
        TwistModel.load(path)
    message = str(info.value)
    assert str(path) in message
    assert words in message
    assert message.endswith(f"[{catalogue_code(info.value.message)}]") and "\n" not in message


def test_twist_model_load_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a tropescan twist model folder"):
        TwistModel.load(tmp_path / "nothing")


# -- measured quality on the labelled sample corpus --------------------------------------------

def _figures(name: str, result: dict[str, Any]) -> str:
    o = result["overall"]
    return (f"{name}: P {o['precision']:.3f} R {o['recall']:.3f} F1 {o['f1']:.3f} "
            f"({o['detections']} detections, {result['scripts']} scripts); per category F1 "
            + ", ".join(f"{r.category} {r.f1:.2f}" for r in result["table"].itertuples()))


def test_twist_model_rule_quality(sample_corpus: Any, analyzer: Analyzer) -> None:
    """The lexicon rule alone: precise but it misses most twists (measured P 0.72, R 0.19)."""
    rule = evaluate_twists(sample_corpus, analyzer, twist_labels(), use_model=False)
    print(_figures("twists.v1 (lexicon rule)", rule))
    assert rule["method"] == "twists.v1 (lexicon rule)"
    assert rule["scripts"] >= 50
    assert sorted(rule["table"]["category"]) == sorted(CATEGORIES)
    assert 0.0 < rule["overall"]["f1"] < 1.0
    assert rule["overall"]["precision"] > rule["overall"]["recall"]
    assert rule["agreement"] is None  # no annotations given


@pytest.mark.slow
def test_twist_model_grouped_cv_quality(sample_corpus: Any, analyzer: Analyzer) -> None:
    """Grouped 3-fold CV of the learned model (trained on every annotator's labels) against
    the rule and against the annotators themselves.

    Measured (twists.v4, threshold 0.25 chosen on the development set): 5 folds P 0.726
    R 0.492 F1 0.586, detected/labelled 0.75, hook F1 0.87; rule P 0.716 R 0.188 F1 0.298.
    Annotators against each other: mean pairwise F1 0.827. (twists.v3 scored 0.64 here, but
    its count head learned this corpus's mean: it held no better on the timed exports.)
    """
    model = evaluate_twists(sample_corpus, analyzer, twist_labels(), folds=3,
                            annotations=twist_annotations())
    rule = evaluate_twists(sample_corpus, analyzer, twist_labels(), use_model=False)
    print(_figures("twists.v4 (grouped 3-fold CV)", model))
    print(_figures("twists.v1 (lexicon rule)", rule))
    assert model["method"] == "twists.v4 (grouped CV)"
    assert model["scripts"] == rule["scripts"]
    assert model["overall"]["f1"] >= 0.55
    assert model["overall"]["precision"] >= 0.65
    assert model["overall"]["f1"] > rule["overall"]["f1"] + 0.2
    # Hooks sit at episode ends: the easiest category.
    hook = model["table"].set_index("category").loc["hook"]
    assert hook["f1"] >= 0.83
    # No count prior: fewer twists than the annotators mark, but not far fewer.
    assert 0.6 <= model["detected_to_labelled"] <= 1.1
    # People agree with each other more than the model agrees with them.
    agreement = model["agreement"]
    assert agreement["annotators"] == 3
    assert agreement["f1"] > model["overall"]["f1"] + 0.1


# -- gold labels from several annotators --------------------------------------------------------

MAJORITY_CASES = [
    pytest.param({"a": [(10, "reveal")], "b": [(10, "reveal")], "c": []},
                 [(10, "reveal", 2)], id="two-agree-exactly"),
    pytest.param({"a": [(10, "reveal")], "b": [(11, "reveal")], "c": [(11, "betrayal")]},
                 [(11, "reveal", 3)], id="adjacent-lines-one-twist"),
    pytest.param({"a": [(10, "reveal")], "b": [(12, "reveal")], "c": []},
                 [], id="two-lines-apart-is-no-agreement"),
    pytest.param({"a": [(10, "reveal")], "b": [], "c": []}, [], id="one-vote"),
    pytest.param({"a": [(10, "hook")], "b": [(10, "crisis")], "c": [(9, "reveal")]},
                 [(10, "hook", 3)], id="three-way-tie-takes-the-gold-line-first-annotator"),
    pytest.param({"a": [(10, "crisis"), (11, "reveal")], "b": [(10, "crisis"), (11, "reveal")],
                  "c": []},
                 [(10, "crisis", 2), (11, "reveal", 2)], id="two-twists-on-adjacent-lines"),
    pytest.param({"a": [(5, "face_slap")], "b": [(6, "reversal")], "c": [(6, "reversal")]},
                 [(6, "reversal", 3)], id="majority-category"),
]


@pytest.mark.parametrize(("marks", "gold"), MAJORITY_CASES)
def test_twist_model_majority_twists(marks: dict[str, list[tuple[int, str]]],
                                     gold: list[tuple[int, str, int]]) -> None:
    assert majority_twists(marks) == gold


def test_twist_model_agreement_scores_like_the_detector() -> None:
    episodes = {"s": {1: 1, 2: 1, 3: 1, 10: 2, 11: 2, 20: 2}}
    marks = {"a": {"s": [(1, "reveal"), (10, "hook")]},
             "b": {"s": [(2, "reveal"), (11, "hook"), (20, "crisis")]}}
    table = twist_agreement(marks, episodes).set_index(["a", "b"])
    ab = table.loc[("a", "b")]
    # a's two marks both land near b's; b's third has no partner
    assert (ab["precision"], ab["recall"]) == (1.0, round(2 / 3, 4))
    assert ab["f1"] == pytest.approx(0.8, abs=1e-4)
    # episode 1: 1 vs 1; episode 2: 1 vs 2 -> half the episodes agree within 20%
    assert ab["density_within_20pct"] == 0.5
    ba = table.loc[("b", "a")]
    assert (ba["precision"], ba["recall"], ba["f1"]) == (ab["recall"], ab["precision"], ab["f1"])
