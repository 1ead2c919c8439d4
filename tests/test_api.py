"""The public library API: ``tropescan.read``, ``analyze``, ``analyze_many``, ``Analysis``.

Issue "The three users' workflows" (the analyst's notebook). Results are DataFrames with
exactly the documented columns and a RangeIndex, the JSON report is plain JSON, plots are
matplotlib Figures, and a path or an already read ``Script`` give the same analysis.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import tropescan
from tropescan import api
from tropescan.errors import SettingsError
from tropescan.originality import NEAREST_COLUMNS, PASSAGE_COLUMNS, STOCK_COLUMNS

CORPUS = Path(__file__).parents[1] / "corpora_sample" / "scripts"
DATA = Path(__file__).parent / "data" / "scripts"

SAMPLES = [
    pytest.param("s002.txt", id="text"),
    pytest.param("s053.srt", id="srt"),
    pytest.param("s047.docx", id="docx"),
    pytest.param("s049.fountain", id="fountain"),
    pytest.param("s003.md", id="markdown"),
]


@pytest.mark.parametrize("name", SAMPLES)
def test_api_path_and_script_give_the_same_analysis(name: str,
                                                    analysis_of: Callable[[str], Any]) -> None:
    path = CORPUS / name
    script = tropescan.read(path)
    assert isinstance(script, tropescan.Script)
    assert script == tropescan.read_script(path)
    from_path = tropescan.analyze(path)
    from_script = tropescan.analyze(script)
    assert from_path.to_dict() == from_script.to_dict()
    assert from_path.to_dict() == analysis_of(name).to_dict()  # a shared Analyzer: same results
    assert from_path.originality is not None and from_path.originality.score > 0


def test_api_analyze_str_path(analysis_of: Callable[[str], Any]) -> None:
    a = tropescan.analyze(str(CORPUS / "s002.txt"), corpus=None)
    assert a.originality is None
    expected = analysis_of("s002.txt").to_dict()
    got = a.to_dict()
    assert got["originality"] is None
    assert {k: v for k, v in got.items() if k != "originality"} == \
        {k: v for k, v in expected.items() if k != "originality"}


FRAMES = [
    pytest.param("tropes", api.TROPE_COLUMNS, id="tropes"),
    pytest.param("evidence", api.EVIDENCE_COLUMNS, id="evidence"),
    pytest.param("twists", api.TWIST_COLUMNS, id="twists"),
    pytest.param("windows", api.WINDOW_COLUMNS, id="windows"),
    pytest.param("episodes", api.EPISODE_COLUMNS, id="episodes"),
]


@pytest.mark.parametrize(("frame", "columns"), FRAMES)
@pytest.mark.parametrize("name", [pytest.param("s002.txt", id="rich"),
                                  pytest.param("s057.txt", id="no-tropes")])
def test_api_analysis_frames(frame: str, columns: list[str], name: str,
                             analysis_of: Callable[[str], Any]) -> None:
    a = analysis_of(name)
    df = getattr(a, frame)
    assert isinstance(df, pd.DataFrame)
    assert df.columns.tolist() == columns
    assert isinstance(df.index, pd.RangeIndex) and df.index.start == 0
    items = {"tropes": a.trope_scores, "evidence": a.evidence_items, "twists": a.twist_events,
             "windows": a.window_items, "episodes": a.episode_items}[frame]
    assert len(df) == len(items)


def test_api_analysis_frame_contents(analysis_of: Callable[[str], Any]) -> None:
    a = analysis_of("s002.txt")
    assert len(a.tropes) == 32  # every trope of the market's taxonomy, present or not
    assert set(a.tropes.loc[a.tropes["present"], "trope"]) == {"zhuixu", "zhanshen", "nixi_dalian"}
    assert a.episodes["episode"].tolist() == [1, 2, 3, 4, 5]
    assert a.episodes["n_twists"].sum() == len(a.twists) == a.windows["n_twists"].sum()
    assert a.twists["cues"].map(type).eq(str).all()  # joined with ";" for tables
    assert (a.evidence["trope"].isin(a.tropes["trope"])).all()


def test_api_empty_frames_keep_their_columns(write_script: Callable[..., Path],
                                             lexicon_only_analyzer: Any) -> None:
    a = lexicon_only_analyzer.analyze(write_script("第1集\n1-1 日 内 客厅\n甲：今天天气不错。\n"))
    assert a.evidence.empty and a.twists.empty
    assert a.evidence.columns.tolist() == api.EVIDENCE_COLUMNS
    assert a.twists.columns.tolist() == api.TWIST_COLUMNS
    assert len(a.windows) >= 1 and len(a.episodes) == 1
    assert a.originality is None


@pytest.mark.parametrize(("frame", "columns"), [
    pytest.param("nearest", NEAREST_COLUMNS, id="nearest"),
    pytest.param("passages", PASSAGE_COLUMNS, id="passages"),
    pytest.param("stock_lines", STOCK_COLUMNS, id="stock-lines"),
])
def test_api_originality_frames(frame: str, columns: list[str],
                                analysis_of: Callable[[str], Any]) -> None:
    o = analysis_of("s002.txt").originality
    df = getattr(o, frame)
    assert df.columns.tolist() == columns
    assert isinstance(df.index, pd.RangeIndex)
    assert len(df) > 0  # s002's near-copy s071 is in the sample corpus
    if frame == "nearest":
        assert df["rank"].tolist() == list(range(1, len(df) + 1))
        assert df.loc[0, "work_id"] == "s071"
    if frame == "passages":
        assert set(df["work_id"]) >= {"s071"}


@pytest.mark.parametrize("name", ["s002.txt", "s057.txt", "s053.srt"])
def test_api_summary_row(name: str, analysis_of: Callable[[str], Any]) -> None:
    a = analysis_of(name)
    row = a.summary_row()
    assert list(row) == api.ROW_COLUMNS
    o = a.originality
    assert row["originality"] == o.score
    assert row["nearest_work"] == o.nearest_items[0].title
    assert row["reused_passages"] == len(o.passage_items)
    assert row["top_tropes"] == ";".join(t.trope for t in a.present_tropes)
    assert (row["status"], row["error"], row["episodes"]) == ("ok", "", len(a.script.episodes))


def _finite(obj: Any) -> bool:
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(_finite(v) for v in obj.values())
    if isinstance(obj, list):
        return all(_finite(v) for v in obj)
    return obj is None or isinstance(obj, str | int | bool)


@pytest.mark.parametrize("name", ["s002.txt", "s057.txt", "s053.srt", "s047.docx"])
def test_api_to_dict_is_plain_json(name: str, analysis_of: Callable[[str], Any]) -> None:
    d = analysis_of(name).to_dict()
    assert _finite(d)  # only JSON types, no NaN or inf
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert d["schema_version"] == api.SCHEMA_VERSION
    assert [list(t) for t in d["tropes"][:1]] == [api.TROPE_COLUMNS]


def test_api_to_dict_tiny_scripts(lexicon_only_analyzer: Any) -> None:
    for name in ("ep_latin.txt", "single.srt", "action_only.txt", "dialogue_only.txt"):
        d = lexicon_only_analyzer.analyze(DATA / name).to_dict()
        assert _finite(d), name
        json.dumps(d, allow_nan=False)


def test_api_plots_are_figures(analysis_of: Callable[[str], Any]) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    a = analysis_of("s002.txt")
    for method in (a.plot_timeline, a.plot_episodes, a.plot_tropes):
        fig = method()
        try:
            assert isinstance(fig, Figure)
            assert fig.axes and fig.axes[0].has_data()
        finally:
            plt.close(fig)
    fig, ax = plt.subplots()
    try:
        assert a.plot_episodes(ax=ax) is fig  # draws on the caller's axes
        assert len(ax.patches) == len(a.episode_items)
    finally:
        plt.close(fig)


# -- analyze_many ------------------------------------------------------------------------------

def test_api_analyze_many_one_row_per_path(bad_inputs: dict[str, Path],
                                           analysis_of: Callable[[str], Any]) -> None:
    paths = [CORPUS / "s002.txt", bad_inputs["empty.txt"], str(CORPUS / "s053.srt"),
             bad_inputs["missing.txt"]]
    df = tropescan.analyze_many(paths)
    assert df.columns.tolist() == api.ROW_COLUMNS
    assert isinstance(df.index, pd.RangeIndex)
    assert df["path"].tolist() == [str(p) for p in paths]
    assert df["status"].tolist() == ["ok", "error", "ok", "error"]
    assert df.loc[1, "error"] == "the file is empty"
    assert df.loc[3, "error"] == "no such file"
    assert df.loc[1, "id"] == "empty.txt"  # an error row names the file with its extension
    assert df.loc[0, "originality"] == analysis_of("s002.txt").originality.score
    assert df.loc[2, "originality"] == analysis_of("s053.srt").originality.score
    assert df.loc[[1, 3], "originality"].isna().all()


def test_api_analyze_many_no_corpus() -> None:
    df = tropescan.analyze_many([CORPUS / "s057.txt"], corpus=None)
    assert df["status"].tolist() == ["ok"]
    assert df["originality"].isna().all() and df.loc[0, "reused_passages"] == 0


def test_api_analyze_many_empty() -> None:
    df = tropescan.analyze_many([])
    assert df.columns.tolist() == api.ROW_COLUMNS and df.empty


SETTINGS_ERRORS = [
    pytest.param({"window_s": 0}, "window_s", id="window-zero"),
    pytest.param({"window_s": 601}, "window_s", id="window-too-long"),
    pytest.param({"top_k": 0}, "top_k", id="top-k-zero"),
    pytest.param({"twist_threshold": 0}, "twist_threshold", id="threshold-zero"),
]


@pytest.mark.parametrize(("kwargs", "words"), SETTINGS_ERRORS)
def test_api_settings_refuse_bad_values(kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(SettingsError, match=words):
        tropescan.Settings(**kwargs)


def test_api_settings_change_results(lexicon_only_analyzer: Any) -> None:
    from tropescan.api import Analyzer, Settings

    base = lexicon_only_analyzer.analyze(CORPUS / "s002.txt")
    wide = Analyzer(Settings(window_s=60, use_classifier=False, use_twist_model=False),
                    corpus=None, lexicon=lexicon_only_analyzer.lexicon).analyze(CORPUS / "s002.txt")
    assert wide.to_dict()["settings"]["window_s"] == 60
    assert len(wide.windows) < len(base.windows)
    assert len(wide.twists) == len(base.twists)  # windows change, detections do not


def test_api_analyze_reuses_one_analyzer_per_settings_and_corpus() -> None:
    """``tropescan.analyze(p)`` called again builds nothing new: the cached default analyzer
    (segmenter, models, index) serves every call with the same settings and corpus."""
    from tropescan.api import Settings, default_analyzer

    first = default_analyzer(None, None)
    assert default_analyzer(None, None) is first
    assert default_analyzer(Settings(window_s=10.0), None) is not first
    a = tropescan.analyze(CORPUS / "s002.txt", corpus=None)
    b = tropescan.analyze(CORPUS / "s002.txt", corpus=None)
    assert a.trope_scores == b.trope_scores and default_analyzer(None, None) is first


def test_api_sample_index_cache_follows_the_trope_rule(tmp_path: Path, analyzer: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed constant of the trope rule must not be served the index its old tags built."""
    monkeypatch.setenv("TROPESCAN_CACHE", str(tmp_path))
    built = []
    monkeypatch.setattr(api.CorpusIndex, "from_features",
                        classmethod(lambda cls, feats, origin=None: built.append(len(feats))
                                    or api.CorpusIndex.__new__(cls)))
    monkeypatch.setattr(api.CorpusIndex, "save", lambda self, path: path.mkdir() or
                        (path / "index.json").write_text("{}"))
    monkeypatch.setattr(api.CorpusIndex, "load", classmethod(lambda cls, *a, **k: "kept"))
    api.sample_index(analyzer)
    assert api.sample_index(analyzer) == "kept"  # same rule: the cached index
    monkeypatch.setattr(api, "rule_fingerprint", lambda: "another rule")
    api.sample_index(analyzer)
    assert len(built) == 2 and len(list(tmp_path.glob("sample-index-*"))) == 2
