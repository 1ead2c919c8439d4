"""Segmentation: both backends, cue words kept whole, offsets that tile the text.

Issue "Tag tropes with evidence". Segmenters come from ``Segmenter.for_lexicon`` (fixtures
``builtin_segmenters`` and ``mini_segmenters``); the sample-corpus comparison of the two
backends uses ``sample_analyses`` (rjieba) and ``jieba_sample_analyses``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from texts import FRAGMENTS

from tropescan.errors import SettingsError, TropescanError
from tropescan.lexicon import load_lexicon
from tropescan.sample import read_manifest
from tropescan.segment import Segmenter, Tokens

BACKENDS = ["jieba", "rjieba"]
WORK_IDS = [w.id for w in read_manifest()]

#: Script-like text: cue words, structural fragments, Han characters and anything else.
CUE_PIECES = ("上门女婿", "注重生活", "重生", "银针", "医生", "中医院", "女婿", "拜年", "三年之期已到",
              "九转凝魂针", "😀", "\u0301", "\r\n", "\n", "　", "...")
SCRIPTISH = st.lists(st.one_of(
    st.sampled_from(CUE_PIECES + FRAGMENTS),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=8),
    st.text(max_size=5),
), max_size=25).map("".join)


def assert_tiles(tokens: Tokens, text: str) -> None:
    """Tokens concatenate to the text, and each sits exactly where the previous one ended."""
    assert "".join(tokens.words) == text
    assert tokens.n_chars == len(text)
    assert len(tokens.words) == len(tokens.starts) == len(tokens.ends)
    assert [text[s:e] for s, e in zip(tokens.starts, tokens.ends, strict=True)] == tokens.words
    if text:
        assert tokens.starts[0] == 0 and tokens.ends[-1] == len(text)
        assert np.array_equal(tokens.starts[1:], tokens.ends[:-1])
        assert (tokens.ends > tokens.starts).all()
    else:
        assert tokens.words == []


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text())
def test_segment_offsets_tile_any_text(builtin_segmenters: dict[str, Any], backend: str,
                                       text: str) -> None:
    assert_tiles(builtin_segmenters[backend].tokenize(text), text)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=SCRIPTISH)
def test_segment_offsets_tile_scriptlike_text(builtin_segmenters: dict[str, Any], backend: str,
                                              text: str) -> None:
    assert_tiles(builtin_segmenters[backend].tokenize(text), text)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "words"), [
    pytest.param("", [], id="empty"),
    pytest.param("😀重生了", ["😀", "重生", "了"], id="astral-char-is-one-offset"),
    pytest.param("\r\n重生 \t", ["\r\n", "重生", " ", "\t"], id="whitespace"),
    pytest.param("上门女婿😀😀上门女婿", ["上门女婿", "😀", "😀", "上门女婿"], id="cues-around-emoji"),
])
def test_segment_tokenize_exact(builtin_segmenters: dict[str, Any], backend: str, text: str,
                                words: list[str]) -> None:
    tokens = builtin_segmenters[backend].tokenize(text)
    assert tokens.words == words
    assert_tiles(tokens, text)


@pytest.mark.parametrize("backend", BACKENDS)
def test_segment_keeps_every_builtin_cue_whole(builtin_segmenters: dict[str, Any],
                                               builtin_lexicon: Any, backend: str) -> None:
    seg = builtin_segmenters[backend]
    alone = [w for w in builtin_lexicon.user_words() if seg.cut(w) != [w]]
    in_line = [w for w in builtin_lexicon.user_words() if w not in seg.cut(f"△ {w}。")]
    assert alone == [] and in_line == []


def test_segment_user_words_matter() -> None:
    """Without the lexicon as user words, jieba splits many cues: the dictionary is needed."""
    plain = Segmenter(backend="jieba")
    assert plain.cut("他是个上门女婿") == ["他", "是", "个", "上门", "女婿"]
    assert plain.cut("三年之期已到") != ["三年之期已到"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "word"), [
    pytest.param("他是个上门女婿", "上门女婿", id="shangmen-nuxu"),
    pytest.param("三年之期已到，恭迎龙帅", "三年之期", id="sannian-zhiqi"),
    pytest.param("他一向注重生活。", "注重生活", id="protected-phrase"),
    pytest.param("去中医院挂号", "中医院", id="protected-zhongyiyuan"),
    pytest.param("林医生来了", "医生", id="protected-yisheng"),
])
def test_segment_keeps_cue_words_whole(builtin_segmenters: dict[str, Any], backend: str,
                                       text: str, word: str) -> None:
    assert word in builtin_segmenters[backend].cut(text)


@pytest.mark.parametrize("backend", BACKENDS)
def test_segment_test_lexicon_words(mini_segmenters: dict[str, Any], backend: str) -> None:
    seg = mini_segmenters[backend]
    assert seg.user_words == tuple(sorted(seg.user_words))
    assert "注重生活" in seg.user_words and "三年之期已到" not in seg.user_words
    assert seg.cut("他一向注重生活。") == ["他", "一向", "注重生活", "。"]
    assert seg.cut("我们要尊重生命") == ["我们", "要", "尊重生命"]


def test_segment_backends_agree_on_script_text(builtin_segmenters: dict[str, Any],
                                               sample_works: list[Any]) -> None:
    """Same dictionary, same algorithm: identical tokens on a sample script's whole text."""
    from tropescan import read

    text = read(sample_works[0].path).text
    jieba_words = builtin_segmenters["jieba"].cut(text)
    assert len(jieba_words) > 1000
    assert jieba_words == builtin_segmenters["rjieba"].cut(text)


def test_segment_for_lexicon_caches(builtin_lexicon: Any, mini_lexicon: Any) -> None:
    seg = Segmenter.for_lexicon(builtin_lexicon, "rjieba")
    assert Segmenter.for_lexicon(builtin_lexicon, "rjieba") is seg
    assert Segmenter.for_lexicon(builtin_lexicon, "auto") is seg  # auto means rjieba here
    assert Segmenter.for_lexicon(load_lexicon(), "rjieba") is seg  # same content, same version
    other = Segmenter.for_lexicon(mini_lexicon, "rjieba")
    assert other is not seg and other.user_words == tuple(mini_lexicon.user_words())
    jieba = Segmenter.for_lexicon(builtin_lexicon, "jieba")
    assert jieba is not seg and jieba.backend == "jieba"
    assert jieba.dictionary_checksum != seg.dictionary_checksum


@pytest.mark.parametrize("backend", ["jieba ", "pkuseg", "", None])
def test_segment_unknown_backend(backend: Any) -> None:
    with pytest.raises(SettingsError, match="backend must be one of auto, jieba, rjieba") as info:
        Segmenter(backend=backend)
    assert isinstance(info.value, TropescanError)


def test_segment_never_touches_global_jieba() -> None:
    """In this process: building and using a jieba segmenter leaves ``jieba.dt`` as it was."""
    import jieba

    before = (jieba.dt.initialized, len(jieba.dt.FREQ), dict(jieba.dt.user_word_tag_tab))
    seg = Segmenter(["龘龘龘测试词"], backend="jieba")
    assert "龘龘龘测试词" in seg.cut("他说龘龘龘测试词了")
    assert (jieba.dt.initialized, len(jieba.dt.FREQ), dict(jieba.dt.user_word_tag_tab)) == before
    assert "龘龘龘测试词" not in jieba.dt.FREQ


def test_segment_analysis_never_initialises_global_jieba(sample_works: list[Any]) -> None:
    """In a fresh process a whole jieba-backend analysis leaves ``jieba.dt`` uninitialised."""
    code = textwrap.dedent(f"""
        import jieba
        from tropescan.api import Analyzer, Settings
        a = Analyzer(Settings(backend="jieba"), corpus=None)
        result = a.analyze({str(sample_works[1].path)!r})
        assert result.present_tropes and a.segmenter.backend == "jieba"
        print(jieba.dt.initialized, len(jieba.dt.FREQ), len(jieba.dt.user_word_tag_tab))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.split() == ["False", "0", "0"]


# -- the two backends on the whole sample corpus ------------------------------------------------

def _trope_result(analysis: Any) -> tuple[Any, ...]:
    return (sorted(t.trope for t in analysis.present_tropes),
            sorted((t.trope, t.evidence_count) for t in analysis.trope_scores),
            sorted((e.trope, e.cue, e.line) for e in analysis.evidence_items))


def _twist_result(analysis: Any) -> list[tuple[Any, ...]]:
    return [(e.episode, e.line, tuple(e.lines), e.category) for e in analysis.twist_events]


@pytest.mark.parametrize("work_id", WORK_IDS)
def test_segment_backends_give_same_tropes_and_twists(sample_analyses: dict[str, Any],
                                                      jieba_sample_analyses: dict[str, Any],
                                                      work_id: str) -> None:
    rjieba, jieba = sample_analyses[work_id], jieba_sample_analyses[work_id]
    assert rjieba.versions["segmenter"].startswith("rjieba:")
    assert jieba.versions["segmenter"].startswith("jieba:")
    assert _trope_result(jieba) == _trope_result(rjieba)
    assert _twist_result(jieba) == _twist_result(rjieba)
