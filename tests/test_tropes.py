"""Trope tagging: cue hits on token boundaries, the documented scores, and the quality bar.

Issue "Tag tropes with evidence". Matching rules are checked on the three-trope test lexicon
(tests/data/lexicons) with both backends and on the built-in lexicon; the quality bar is
checked on the whole sample corpus with the shipped models (``sample_analyses``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from texts import SCENE_PREFIX

from tropescan import read
from tropescan.api import Analyzer, Settings
from tropescan.model import Script
from tropescan.sample import hard_negatives, read_manifest
from tropescan.timing import counted_chars
from tropescan.tropes import (
    BAND_LOW,
    BLOCK_EPISODES,
    LEXICON_SCALE,
    LONG_EPISODE_KCHARS,
    PRESENT_THRESHOLD,
    SCRIPT_KCHARS,
    SCRIPT_SCALE,
    SIGNATURE_CUE,
    SPOKEN_KCHARS,
    SYNOPSIS_KCHARS,
    Block,
    TropeEvidence,
    block_lexicon_score,
    blocks_of,
    combine,
    lexicon_evidence,
    score_tropes,
)

BACKENDS = ["jieba", "rjieba"]
USER = Path(__file__).parent / "data" / "lexicons" / "user"
WORKS = read_manifest()
HARD_NEGATIVES = hard_negatives()


def evidence_of(lines: str, lexicon: Any, segmenter: Any,
                write_script: Callable[..., Path]) -> list[tuple[str, str]]:
    script = read(write_script(SCENE_PREFIX + lines + "\n"))
    found = lexicon_evidence(script, segmenter.tokenize(script.text), lexicon)
    return [(e.trope, e.cue) for e in found]


# -- cue matching on the test lexicon -----------------------------------------------------------

MATCHES = [
    pytest.param("甲：他是我们家的上门女婿。", [("zhuixu", "上门女婿")], id="shangmen-nuxu-whole"),
    pytest.param("甲：我重生了！", [("chongsheng", "重生")], id="chongsheng"),
    pytest.param("△ 她拿出银针，当场施针。", [("shenyi", "银针"), ("shenyi", "施针")],
                 id="yinzhen-shizhen"),
    pytest.param("甲：你这个窝囊废！", [("zhuixu", "窝囊废")], id="wonangfei"),
    pytest.param("甲：女婿来了。", [("zhuixu", "女婿")], id="weak-cue-alone-fires"),
    pytest.param("甲：他做了三年上门女婿，受尽白眼，忍气吞声，等到今天才去拜年。",
                 [("zhuixu", "上门女婿")], id="strong-cue-survives-distant-context"),
    pytest.param("甲：重生之后，我发誓这辈子不会再让任何人欺负我，哪怕是考试。",
                 [("chongsheng", "重生")], id="strong-cue-survives-distant-kaoshi"),
    pytest.param("甲：这一世，我不会再输。\n乙：前世的债？", [("chongsheng", "这一世"),
                                                    ("chongsheng", "前世")],
                 id="two-lines"),
    pytest.param("甲：他入赘三年，医术却无人能及。", [("zhuixu", "入赘"), ("shenyi", "医术")],
                 id="two-tropes-one-line"),
    pytest.param("甲：重生！重生！", [("chongsheng", "重生"), ("chongsheng", "重生")],
                 id="every-occurrence"),
]

NO_MATCHES = [
    pytest.param("甲：大年初一，上门女婿来拜年。", id="strong-cue-cancelled-by-near-context"),
    pytest.param("甲：重生之后第一场考试。", id="strong-cue-cancelled-by-near-kaoshi"),
    pytest.param("△ 海报上写着《重生》。", id="cue-inside-book-title"),
    pytest.param("甲：他一向注重生活。", id="zhuzhong-shenghuo"),
    pytest.param("甲：我们要尊重生命。", id="zunzhong-shengming"),
    pytest.param("甲：女婿来拜年了。", id="nuxu-bainian"),
    pytest.param("甲：过年了，女婿回来吗？", id="nuxu-guonian"),
    pytest.param("甲：醒来吧，考试要迟到了。", id="weak-cue-kaoshi"),
    pytest.param("甲：林医生来了。\n乙：医生，他怎么样？", id="yisheng"),
    pytest.param("甲：先去中医院挂号。", id="zhongyiyuan"),
    pytest.param("甲：这段就不赘述了，太累赘。", id="zhui-in-other-words"),
    pytest.param("【第1集完】", id="nothing"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("lines", "expected"), MATCHES)
def test_tropes_cue_fires_on_tokens(mini_lexicon: Any, mini_segmenters: dict[str, Any],
                                    write_script: Callable[..., Path], backend: str, lines: str,
                                    expected: list[tuple[str, str]]) -> None:
    assert evidence_of(lines, mini_lexicon, mini_segmenters[backend], write_script) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("lines", NO_MATCHES)
def test_tropes_cue_does_not_fire(mini_lexicon: Any, mini_segmenters: dict[str, Any],
                                  write_script: Callable[..., Path], backend: str,
                                  lines: str) -> None:
    assert evidence_of(lines, mini_lexicon, mini_segmenters[backend], write_script) == []


def test_tropes_substring_without_boundaries_would_fire(mini_lexicon: Any,
                                                        mini_segmenters: dict[str, Any]) -> None:
    """The token-boundary filter is what stops 注重生活 and 上门女婿's parts from firing."""
    text = "他一向注重生活，是个上门女婿"
    raw = {(h.cue, h.start) for h in mini_lexicon.trope_matcher.find(text)}
    assert {("重生", 4), ("女婿", 12), ("上门女婿", 10)} <= raw
    tokens = mini_segmenters["rjieba"].tokenize(text)
    kept = [(h.cue, h.start) for h in mini_lexicon.trope_matcher.find(text, tokens.boundaries)]
    assert kept == [("上门女婿", 10)]


def test_tropes_evidence_records_the_place(mini_lexicon: Any, mini_segmenters: dict[str, Any],
                                           write_script: Callable[..., Path]) -> None:
    path = write_script("第1集\n1-1 日 内 客厅\n△ 他走进来。\n甲：上门女婿也配？\n"
                        "第2集\n2-1 夜 外 街口\n乙：这银针……\n")
    script = read(path)
    found = lexicon_evidence(script, mini_segmenters["jieba"].tokenize(script.text), mini_lexicon)
    assert [(e.trope, e.cue, e.weight, e.episode, e.scene, e.line, e.text) for e in found] == [
        ("zhuixu", "上门女婿", 3.0, 1, 1, 4, "甲：上门女婿也配？"),
        ("shenyi", "银针", 3.0, 2, 1, 7, "乙：这银针……"),
    ]
    line = next(ln for ln in script.lines if ln.source_line == 4)
    assert found[0].time_s == line.start_s


# -- cue matching with the built-in lexicon -----------------------------------------------------

@pytest.mark.parametrize(("lines", "trope", "cue"), [
    pytest.param("甲：他是个上门女婿。", "zhuixu", "上门女婿", id="zhuixu"),
    pytest.param("甲：我重生了！", "chongsheng", "重生", id="chongsheng"),
    pytest.param("△ 她拿出银针。", "shenyi", "银针", id="shenyi"),
    pytest.param("甲：三年之期已到。", "zhuixu", "三年之期", id="sannian-zhiqi"),
    pytest.param("甲：恭迎龙帅归位！", "zhanshen", "龙帅", id="zhanshen"),
])
def test_tropes_builtin_cue_fires(lexicon_only_analyzer: Any, write_script: Callable[..., Path],
                                  lines: str, trope: str, cue: str) -> None:
    result = lexicon_only_analyzer.analyze(write_script(SCENE_PREFIX + lines + "\n"))
    assert (trope, cue) in {(e.trope, e.cue) for e in result.evidence_items}


@pytest.mark.parametrize(("lines", "trope"), [
    pytest.param("甲：他一向注重生活。", "chongsheng", id="zhuzhong-shenghuo"),
    pytest.param("甲：女婿来拜年了。", "zhuixu", id="nuxu-bainian"),
    pytest.param("甲：林医生来了。\n乙：医生，我爸怎么样？\n医生：病人要休息，明天复查。", "shenyi",
                 id="yisheng"),
    pytest.param("甲：先去中医院挂号。", "shenyi", id="zhongyiyuan"),
])
def test_tropes_builtin_cue_does_not_fire(lexicon_only_analyzer: Any, analyzer: Any,
                                          write_script: Callable[..., Path], lines: str,
                                          trope: str) -> None:
    path = write_script(SCENE_PREFIX + lines + "\n")
    assert trope not in {e.trope for e in lexicon_only_analyzer.analyze(path).evidence_items}
    full = {t.trope: t for t in analyzer.analyze(path).trope_scores}
    assert full[trope].evidence_count == 0 and not full[trope].present


# Real writing rarely names its trope: platform blurbs, ad copy, recaps and spoken lines (ASR
# transcripts: no speaker, no punctuation) tell the situation. And ordinary words stay ordinary.
MARKET = [
    pytest.param("甲：闪婚后才发现，老公竟是千亿总裁。", "shanhun", "老公竟是", id="shanhun-hook"),
    pytest.param("甲：他宠妻如命。", "tianchong", "宠妻如命", id="tianchong-blurb"),
    pytest.param("甲：这部剧全程无虐，放心看。", "tianchong", "全程无虐", id="tianchong-recap"),
    pytest.param("VO：叮！开局签到，奖励已到账。", "xitong", "开局签到", id="xitong-title"),
    pytest.param("甲：我不是已经死了吗？", "chongsheng", "我不是已经死了吗", id="chongsheng-spoken"),
    pytest.param("甲：属下来迟，请殿主恕罪。", "zhanshen", "属下来迟", id="zhanshen-spoken"),
    pytest.param("甲：你们欠我的，我要一一讨回。", "fuchou", "一一讨回", id="fuchou-spoken"),
    pytest.param("甲：请遵守以下规则，否则你将被抹杀。", "wuxian", "请遵守以下规则", id="wuxian-rules"),
    pytest.param("甲：他终于后悔了 跪着求她回头", "nuelian", "他终于后悔", id="nuelian-recap"),
    pytest.param("甲：吃我们家的住我们家的 还不去做饭", "zhuixu", "吃我们家的", id="zhuixu-asr"),
    pytest.param("甲：叔叔长得跟你一模一样 你是我爸爸吗", "mengbao", "你是我爸爸吗", id="mengbao-asr"),
]

ORDINARY = [
    pytest.param("甲：医院的挂号系统又宕机了。", "xitong", id="hospital-it-system"),
    pytest.param("甲：周末去爬山，下山的路不好走。", ("zhanshen", "shenyi"), id="xiashan-hiking"),
    pytest.param("甲：这座城市浴火重生。", "chongsheng", id="yuhuo-chongsheng-metaphor"),
    pytest.param("甲：他的账号被封号了。", ("gongdou", "zhanshen"), id="fenghao-account-ban"),
    pytest.param("甲：交通规则要遵守。", "wuxian", id="traffic-rules"),
    pytest.param("甲：我们回不去了。", "chuanyue", id="huibuqu-romance"),
    pytest.param("甲：这部剧全程无虐，放心看。", "nuelian", id="no-angst-is-not-angst"),
]


@pytest.mark.parametrize(("lines", "trope", "cue"), MARKET)
def test_tropes_market_phrasing_fires(lexicon_only_analyzer: Any,
                                      write_script: Callable[..., Path], lines: str, trope: str,
                                      cue: str) -> None:
    result = lexicon_only_analyzer.analyze(write_script(SCENE_PREFIX + lines + "\n"))
    assert (trope, cue) in {(e.trope, e.cue) for e in result.evidence_items}


@pytest.mark.parametrize(("lines", "tropes"), ORDINARY)
def test_tropes_ordinary_words_stay_ordinary(lexicon_only_analyzer: Any,
                                             write_script: Callable[..., Path], lines: str,
                                             tropes: str | tuple[str, ...]) -> None:
    result = lexicon_only_analyzer.analyze(write_script(SCENE_PREFIX + lines + "\n"))
    fired = {e.trope for e in result.evidence_items}
    assert not fired & ({tropes} if isinstance(tropes, str) else set(tropes)), fired


# -- scores -------------------------------------------------------------------------------------

def ev(trope: str, cue: str, weight: float, episode: int = 1) -> TropeEvidence:
    return TropeEvidence(trope, cue, weight, episode, 1, 3, 0.0, cue)


def lexicon_scores(script: Script, evidence: list[TropeEvidence], lexicon: Any
                   ) -> dict[str, tuple[float, int]]:
    """Per trope: the one block's (lexicon_score, distinct cues) of a one-episode script."""
    kchars = counted_chars(script.text) / 1000
    return {tid: block_lexicon_score([e for e in evidence if e.trope == tid], kchars)
            for tid in lexicon.tropes}


def script_of(write_script: Callable[..., Path], n_chars: int) -> Script:
    """A one-line script whose text has exactly ``n_chars`` counted characters."""
    heading = counted_chars(read(write_script(f"{SCENE_PREFIX}甲：好\n")).text) - 1
    script = read(write_script(f"{SCENE_PREFIX}甲：{'好' * (n_chars - heading)}\n"))
    assert counted_chars(script.text) == n_chars
    return script


@pytest.mark.parametrize(("hits", "trope", "score", "distinct"), [
    # raw = Σ weight × (1 + ln n); score = 1 − exp(−raw / 2) per 1,000 characters; halved
    # without a strong cue (weight ≥ 2) or three distinct cues of weight ≥ 1
    pytest.param([("重生", 3.0, 1)], "chongsheng", 0.7769, 1, id="one-strong"),
    pytest.param([("重生", 3.0, 2)], "chongsheng", 0.9211, 1, id="strong-twice"),
    pytest.param([("醒来", 0.5, 1)], "chongsheng", 0.1106, 0, id="one-weak-halved"),
    pytest.param([("丈母娘", 1.0, 1), ("岳父", 1.0, 1)], "zhuixu", 0.3161, 2,
                 id="two-medium-halved"),
    pytest.param([("丈母娘", 1.0, 1), ("岳父", 1.0, 1), ("女婿", 0.5, 1)], "zhuixu", 0.3567, 2,
                 id="weak-cue-is-not-distinct"),
    pytest.param([("丈母娘", 1.0, 1), ("岳父", 1.0, 1), ("废物", 1.5, 1)], "zhuixu", 0.8262, 3,
                 id="three-distinct-not-halved"),
    pytest.param([("前世", 2.0, 1)], "chongsheng", 0.6321, 1, id="weight-2-is-strong"),
    pytest.param([], "shenyi", 0.0, 0, id="nothing"),
])
def test_tropes_lexicon_score_values(mini_lexicon: Any, write_script: Callable[..., Path],
                                     hits: list[tuple[str, float, int]], trope: str,
                                     score: float, distinct: int) -> None:
    evidence = [ev(trope, cue, w) for cue, w, n in hits for _ in range(n)]
    got = lexicon_scores(script_of(write_script, 500), evidence, mini_lexicon)
    assert set(got) == set(mini_lexicon.tropes)
    assert got[trope][0] == pytest.approx(score, abs=5e-5)
    assert got[trope][1] == distinct
    assert all(s == 0.0 for t, (s, _) in got.items() if t != trope)


def test_tropes_lexicon_score_rises_with_density(mini_lexicon: Any,
                                                 write_script: Callable[..., Path]) -> None:
    evidence = [ev("chongsheng", "重生", 3.0), ev("chongsheng", "前世", 2.0)]
    by_length = {n: lexicon_scores(script_of(write_script, n), evidence,
                                   mini_lexicon)["chongsheng"][0]
                 for n in (200, 600, 1000, 1200, 2000, 4000, 8000)}
    assert by_length[200] == by_length[600]  # a synopsis: no density, the synopsis scale
    assert by_length[600] == pytest.approx(1 - math.exp(-5.0 / LEXICON_SCALE))
    assert (by_length[600] > by_length[1000] > by_length[1200] > by_length[2000]
            > by_length[4000] > by_length[8000] > 0)
    assert by_length[2000] == pytest.approx(1 - math.exp(-(5.0 / 2) / SCRIPT_SCALE))
    script = script_of(write_script, 3000)
    more = [lexicon_scores(script, evidence[:k], mini_lexicon)["chongsheng"][0]
            for k in (0, 1, 2)]
    # in a block longer than a synopsis one cue alone is no premise; a second one is
    assert more[0] == more[1] == 0.0 < more[2]


@pytest.mark.parametrize(("spoken", "top"), [pytest.param(False, SCRIPT_KCHARS, id="script"),
                                              pytest.param(True, SPOKEN_KCHARS, id="speech")])
def test_tropes_scale_has_no_cliff(spoken: bool, top: float) -> None:
    """Three episodes of a subtitle export run 0.7k-1.7k characters: the scale rises with the
    length from the synopsis scale to the script scale, with no jump (it used to jump fivefold
    at 1,000 characters); speech alone reaches the script scale later than a script."""
    evidence = [ev("chongsheng", "重生", 3.0), ev("chongsheng", "前世", 2.0)]
    kchars = [SYNOPSIS_KCHARS + k * 0.01 for k in range(int((top - SYNOPSIS_KCHARS) * 100) + 40)]
    scores = [block_lexicon_score(evidence, k, spoken)[0] for k in kchars]
    assert all(a >= b for a, b in itertools.pairwise(scores))
    assert max(a - b for a, b in itertools.pairwise(scores)) < 0.05
    assert block_lexicon_score(evidence, top, spoken)[0] == pytest.approx(
        1 - math.exp(-(5.0 / top) / SCRIPT_SCALE))
    assert block_lexicon_score(evidence, SYNOPSIS_KCHARS, spoken)[0] == pytest.approx(
        1 - math.exp(-5.0 / LEXICON_SCALE))


@pytest.mark.parametrize(("evidence", "holds"), [
    pytest.param([ev("shenyi", "医术", 2.5, 0)], False, id="one-attribute-word"),
    pytest.param([ev("shenyi", "医术", 2.5, 0)] * 3, False, id="one-word-repeated"),
    pytest.param([ev("chongsheng", "重生", SIGNATURE_CUE, 0)], True, id="one-word-naming-it"),
    pytest.param([ev("shenyi", "医术", 2.5, 0), ev("shenyi", "神医", 3.0, 0)], True,
                 id="two-words"),
])
def test_tropes_front_matter_needs_two_cues_or_the_name(evidence: list[TropeEvidence],
                                                        holds: bool) -> None:
    """A cast list gives every character a few words: one word there (医术 of the court
    physician) is an attribute, while a title naming the trope (《重生之…》) or two cues are a
    premise. A synopsis-sized block of the story itself still counts one strong cue."""
    score, _ = block_lexicon_score(evidence, 0.25, front=True)
    assert (score >= PRESENT_THRESHOLD) is holds
    assert block_lexicon_score(evidence[:1], 0.25)[0] >= PRESENT_THRESHOLD


def test_tropes_cast_list_word_is_no_premise(lexicon_only_analyzer: Any,
                                             write_script: Callable[..., Path]) -> None:
    cast = "人物小传\n顾怀瑾：太医院八品御医，医术高明而人微言轻。\n沈晚棠：翰林之女。\n"
    story = "第1集\n1-1 日 内 御花园\n沈晚棠：今日的花开得真好。\n顾怀瑾：娘娘说的是。\n"
    plain = lexicon_only_analyzer.analyze(write_script(cast + story))
    assert "shenyi" in {e.trope for e in plain.evidence_items}  # the word is still evidence
    assert "shenyi" not in {s.trope for s in plain.present_tropes}
    titled = lexicon_only_analyzer.analyze(write_script("《重生之凤归》\n" + cast + story))
    assert "chongsheng" in {s.trope for s in titled.present_tropes}


def test_tropes_speech_reaches_the_threshold(write_script: Callable[..., Path]) -> None:
    """A transcript's premise said twice in 1.2k characters of speech holds the trope, as it
    would in a script block; one said in passing does not."""
    premise = [ev("chongsheng", "重生", 3.0), ev("chongsheng", "前世", 2.0)]
    assert block_lexicon_score(premise, 1.2, spoken=True)[0] >= PRESENT_THRESHOLD
    passing = [ev("chongsheng", "醒来", 0.5), ev("chongsheng", "记忆", 0.5)]
    assert block_lexicon_score(passing, 1.2, spoken=True)[0] < BAND_LOW
    srt = "".join(f"{k}\n00:00:{k:02d},000 --> 00:00:{k:02d},900\n今天天气不错我们出去走走吧\n\n"
                  for k in range(1, 40))
    blocks = blocks_of(read(write_script(srt, "export.srt")))
    assert blocks and all(b.spoken for b in blocks)
    script_blocks = blocks_of(read(write_script(SCENE_PREFIX + "△ 她走进来。\n甲：好。\n")))
    assert not any(b.spoken for b in script_blocks)


def test_tropes_repeated_cue_has_diminishing_returns(mini_lexicon: Any,
                                                     write_script: Callable[..., Path]) -> None:
    script = script_of(write_script, 10000)  # long: scores stay far from saturation
    other = ev("chongsheng", "前世", 2.0)  # two different cues: a script's premise
    scores = [lexicon_scores(script, [other, *[ev("chongsheng", "重生", 3.0)] * n],
                             mini_lexicon)["chongsheng"][0] for n in range(1, 7)]
    gains = [b - a for a, b in itertools.pairwise(scores)]
    assert all(g > 0 for g in gains)
    assert all(a > b for a, b in itertools.pairwise(gains))
    # four different cues weigh more than one cue four times
    four_cues = [ev("zhuixu", c, 3.0) for c in ("上门女婿", "入赘", "赘婿", "窝囊废")]
    twice = [ev("zhuixu", "上门女婿", 3.0)] * 3 + [ev("zhuixu", "入赘", 3.0)]
    assert (lexicon_scores(script, four_cues, mini_lexicon)["zhuixu"][0]
            > lexicon_scores(script, twice, mini_lexicon)["zhuixu"][0])
    # longer than a synopsis, one word repeated is no premise at all
    assert lexicon_scores(script, [ev("zhuixu", "上门女婿", 3.0)] * 4,
                          mini_lexicon)["zhuixu"][0] == 0.0


@pytest.mark.parametrize(("lexicon_score", "prob", "score"), [
    pytest.param(0.2, None, 0.2, id="no-classifier"),
    pytest.param(0.2, float("nan"), 0.2, id="nan-is-unknown"),
    pytest.param(0.8, 0.0, 0.8, id="well-evidenced-is-not-pulled-under"),
    pytest.param(0.05, 1.0, 0.05, id="below-the-band-is-not-pushed-over"),
    pytest.param(0.2, 1.0, 0.4, id="band-pushed-up"),
    pytest.param(0.2, 0.0, 0.0, id="band-pulled-down"),
    pytest.param(0.2, 0.5, 0.2, id="undecided-classifier-leaves-it"),
])
def test_tropes_combine_rule(lexicon_score: float, prob: float | None, score: float) -> None:
    """The classifier moves a score only inside the band, by at most the band's width."""
    assert (BAND_LOW, PRESENT_THRESHOLD) == (0.1, 0.3)
    assert combine(lexicon_score, prob) == pytest.approx(score)


@pytest.mark.parametrize(("hits", "probs", "present"), [
    pytest.param([], {"zhuixu": 0.99}, set(), id="no-evidence-never-present"),
    pytest.param([("女婿", 0.5)], {"zhuixu": 1.0}, {"zhuixu"}, id="weak-cue-with-classifier"),
    pytest.param([("女婿", 0.5)], {"zhuixu": 0.3}, set(), id="weak-cue-low-prob"),
    pytest.param([("上门女婿", 3.0)], None, {"zhuixu"}, id="strong-cue-lexicon-only"),
    pytest.param([("上门女婿", 3.0)], {"zhuixu": 0.0}, {"zhuixu"}, id="strong-cue-kept"),
    pytest.param([("女婿", 0.5)], None, set(), id="weak-cue-lexicon-only"),
])
def test_tropes_score_tropes_decision(mini_lexicon: Any, write_script: Callable[..., Path],
                                      hits: list[tuple[str, float]],
                                      probs: dict[str, float] | None, present: set[str]) -> None:
    evidence = [ev("zhuixu", cue, w) for cue, w in hits]
    asked: list[Block] = []

    def classify(blocks: list[Block]) -> list[dict[str, float]]:
        asked.extend(blocks)
        return [probs or {} for _ in blocks]

    scores = score_tropes(script_of(write_script, 500), evidence, mini_lexicon,
                          classify if probs is not None else None)
    assert {s.trope for s in scores if s.present} == present
    assert [s.score for s in scores] == sorted((s.score for s in scores), reverse=True)
    zhuixu = next(s for s in scores if s.trope == "zhuixu")
    assert zhuixu.evidence_count == len(hits)
    in_band = hits and BAND_LOW <= zhuixu.lexicon_score < PRESENT_THRESHOLD
    assert zhuixu.classifier_prob == (probs["zhuixu"] if probs and in_band else None)
    assert bool(asked) == bool(probs is not None and in_band)  # asked only in the band
    assert (zhuixu.name_zh, zhuixu.name_en) == ("赘婿", "Live-in son-in-law")
    assert zhuixu.established == ("1" if present else "")


def test_tropes_blocks_follow_the_episodes(write_script: Callable[..., Path]) -> None:
    episodes = "".join(f"第{k}集\n1-1 日 内 客厅\n甲：第{k}集的台词。\n" for k in range(1, 6))
    script = read(write_script(episodes))
    blocks = blocks_of(script)
    assert [(b.first, b.last) for b in blocks] == [(1, 3), (2, 4), (3, 5)]
    assert all(b.last - b.first + 1 == BLOCK_EPISODES for b in blocks)
    first = blocks_of(script, front_chars=40)[0]
    assert (first.first, first.last) == (0, 0)
    short = read(write_script("第1集\n1-1 日 内 客厅\n甲：台词。\n", "short.txt"))
    assert [(b.first, b.last) for b in blocks_of(short)] == [(1, 1)]


def test_tropes_synopsis_under_a_front_matter_key_is_tagged(lexicon_only_analyzer: Any) -> None:
    # Regression: a catalogue text opening with 故事梗概： had no episode, and scoring it
    # raised IndexError; a submission page like it read as "no script content".
    text = "故事梗概：他被退婚后，隐藏身份回归，当年的战神，如今被未婚妻当众羞辱。"
    scores = {t.trope: t for t in lexicon_only_analyzer.tag_text(text, id="syn")}
    assert scores["zhanshen"].present and scores["tuihun"].present
    assert blocks_of(Script(episodes=[])) == []


def test_tropes_text_without_episode_marks_is_blocked_in_parts(
        lexicon_only_analyzer: Any, write_script: Callable[..., Path]) -> None:
    """A transcript exported on one running clock or a draft without episode marks reads as one
    huge episode: it is judged in parts, so a premise in its opening is not diluted by the rest."""
    opening = "甲：上一世我死在那场大火里。\n乙：重活一世，这一次我绝不会再让他们得逞。\n"
    ordinary = "".join(f"甲：今天的第{k}份报表做完了吗？明天还要开会讨论下个季度的安排。\n"
                       for k in range(400))
    script = read(write_script(SCENE_PREFIX + opening + ordinary, "one_episode.txt"))
    assert len(script.episodes) == 1
    assert counted_chars(script.text) > LONG_EPISODE_KCHARS * 1000
    blocks = blocks_of(script)
    assert len(blocks) > 1 and all(b.lines is not None for b in blocks)
    assert all(b.first == b.last == 1 for b in blocks)
    result = lexicon_only_analyzer.analyze(script)
    chongsheng = next(t for t in result.trope_scores if t.trope == "chongsheng")
    assert chongsheng.present and chongsheng.established == "1"
    # evidence counts only in the parts that hold its lines
    late = [b for b in blocks if b.lines[0] > 10]
    assert late and all(not [e for e in result.evidence_items
                             if e.trope == "chongsheng" and b.lines[0] <= e.line <= b.lines[1]]
                        for b in late)


def test_tropes_premise_in_early_episodes_survives_length(
        lexicon_only_analyzer: Any, write_script: Callable[..., Path]) -> None:
    """A premise set up in episodes 1-3 of a long series is found however many ordinary
    episodes follow, and where it is established is said."""
    opening = ("第1集\n1-1 日 内 出租屋\n林晚：上一世我死在那场大火里。\n"
               "林晚OS：重活一世，这一次我绝不会再让他们得逞。\n")
    ordinary = "".join(f"第{k}集\n{k}-1 日 内 公司\n同事：今天的报表做完了吗？\n林晚：做完了。\n"
                       for k in range(2, 61))
    found = {}
    for n in (3, 20, 60):
        text = opening + "".join(ordinary.split("第")[i] and "第" + ordinary.split("第")[i]
                                 for i in range(1, n))
        a = lexicon_only_analyzer.analyze(write_script(text, f"long{n}.txt"))
        found[n] = {s.trope: s.established for s in a.trope_scores if s.present}
    assert found[3].get("chongsheng") == found[20].get("chongsheng") == \
        found[60].get("chongsheng") == "1-3"


# -- user lexicons in an analysis ---------------------------------------------------------------

XIUXIAN_SCRIPT = """第1集
1-1 日 内 山门
甲：你灵根尽毁，修仙无望。
乙：我偏要修仙。三年筑基，五年渡劫！
△ 他拿出九转凝魂针。
"""


def test_tropes_user_trope_is_scored_by_the_lexicon(analyzer: Any,
                                                    write_script: Callable[..., Path]) -> None:
    user = Analyzer(Settings(lexicons=(str(USER / "lianqi.toml"),)), corpus=None,
                    classifier=analyzer.classifier)
    result = user.analyze(write_script(XIUXIAN_SCRIPT))
    scores = {s.trope: s for s in result.trope_scores}
    assert set(scores) == {*analyzer.lexicon.tropes, "lianqi"}
    lianqi = scores["lianqi"]
    assert lianqi.classifier_prob is None
    assert lianqi.score == lianqi.lexicon_score >= PRESENT_THRESHOLD
    assert lianqi.present
    assert {e.cue for e in result.evidence_items if e.trope == "lianqi"} == {
        "灵根", "修仙", "筑基", "渡劫", "九转凝魂针"}
    assert "九转凝魂针" in user.segmenter.cut("他拿出九转凝魂针")
    # a weak mention stays below the lexicon-only threshold
    weak = user.analyze(write_script(SCENE_PREFIX + "甲：他丹田一热。\n", "weak.txt"))
    dantian = next(s for s in weak.trope_scores if s.trope == "lianqi")
    assert dantian.evidence_count == 1 and 0 < dantian.score < PRESENT_THRESHOLD
    assert not dantian.present


def test_tropes_user_cue_extends_a_builtin_trope(lexicon_only_analyzer: Any,
                                                 write_script: Callable[..., Path]) -> None:
    path = write_script(SCENE_PREFIX + "甲：他就是想吃绝户！\n")
    before = lexicon_only_analyzer.analyze(path)
    assert not [e for e in before.evidence_items if e.trope == "zhuixu"]
    user = Analyzer(Settings(lexicons=(str(USER / "zhuixu_more.toml"),), use_classifier=False,
                             use_twist_model=False), corpus=None)
    after = user.analyze(path)
    assert [(e.trope, e.cue, e.weight) for e in after.evidence_items] == [
        ("zhuixu", "吃绝户", 3.0)]
    assert after.versions["lexicon"] != before.versions["lexicon"]
    assert next(s for s in after.trope_scores if s.trope == "zhuixu").present


# -- the quality bar on the sample corpus -------------------------------------------------------

# Every hard-negative line of the corpus (an ordinary use of a trope word) must leave no
# evidence for its trope, and so can never make it present.

def _row_id(row: dict[str, str]) -> str:
    return f"{row['script_id']}:{row['line']}:{row['trope']}"


def _fired(result: Any, row: dict[str, str]) -> list[tuple[str, float]]:
    return [(e.cue, e.weight) for e in result.evidence_items
            if e.line == int(row["line"]) and e.trope == row["trope"]]


def test_tropes_hard_negative_table_is_consistent(sample_analyses: dict[str, Any]) -> None:
    assert len(HARD_NEGATIVES) >= 100
    for row in HARD_NEGATIVES:
        script = sample_analyses[row["script_id"]].script
        assert any(row["word"] in ln.text for ln in script.lines
                   if ln.source_line == int(row["line"])), row


@pytest.mark.parametrize("row", [pytest.param(row, id=_row_id(row)) for row in HARD_NEGATIVES])
def test_tropes_hard_negative_line_has_no_evidence(sample_analyses: dict[str, Any],
                                                   row: dict[str, str]) -> None:
    assert _fired(sample_analyses[row["script_id"]], row) == []


def test_tropes_hard_negatives_fire_no_trope(sample_analyses: dict[str, Any]) -> None:
    """The issue's bar at the decision level: zero tropes fired by the hard-negative lines."""
    fired = []
    for row in HARD_NEGATIVES:
        result = sample_analyses[row["script_id"]]
        present = {t.trope for t in result.present_tropes}
        if row["trope"] in present:
            fired.append(_row_id(row))
    assert fired == []


@pytest.mark.parametrize("work_id", [w.id for w in WORKS])
def test_tropes_present_tropes_have_evidence(sample_analyses: dict[str, Any],
                                             work_id: str) -> None:
    result = sample_analyses[work_id]
    counts: dict[str, int] = {}
    for e in result.evidence_items:
        counts[e.trope] = counts.get(e.trope, 0) + 1
        # subtitles can hold two lines in one cue: match the source line and the text
        # front-matter evidence (episode 0: a 故事梗概 or 类型 line) sits in the front matter
        lines = result.script.front_matter if e.episode == 0 else result.script.lines
        assert any(e.cue in ln.norm for ln in lines
                   if ln.source_line == e.line and ln.text == e.text), e
    for t in result.trope_scores:
        assert t.evidence_count == counts.get(t.trope, 0)
        if t.present:
            assert t.evidence_count > 0
            assert t.score >= PRESENT_THRESHOLD
    assert len(result.tropes) == len(result.trope_scores)


def test_tropes_recover_manifest_labels_in_sample(sample_analyses: dict[str, Any],
                                                  analyzer: Any) -> None:
    """In-sample: the shipped models were trained on these very scripts, so this checks that
    the combined decision reproduces the labels, not how well it generalises (see
    test_classifier's grouped cross-validation for that)."""
    # the tropes the sample corpus labels (its 14 families; the other 18 are measured on the
    # development and challenge sets)
    counts = {t: [0, 0, 0] for t in sorted({t for w in WORKS for t in w.tropes})}
    for work in WORKS:
        predicted = {t.trope for t in sample_analyses[work.id].present_tropes}
        for trope, c in counts.items():
            truth = trope in work.tropes
            if trope in predicted:
                c[0 if truth else 1] += 1
            elif truth:
                c[2] += 1
    f1 = {t: 2 * tp / (2 * tp + fp + fn) if tp else 0.0 for t, (tp, fp, fn) in counts.items()}
    macro = sum(f1.values()) / len(f1)
    print("\nin-sample trope agreement (tp, fp, fn, f1):")
    for t, (tp, fp, fn) in counts.items():
        print(f"  {t:12s} {tp:3d} {fp:3d} {fn:3d} {f1[t]:.3f}")
    print(f"  macro-F1 {macro:.4f}")
    assert all(tp + fn > 0 for tp, _, fn in counts.values())  # every trope is labelled
    # The classifier may no longer decide alone (it only settles borderline blocks), so the
    # shipped models reproduce their own training labels less closely than a classifier-led
    # rule did (0.95); what generalises is measured by grouped CV and on the challenge set.
    # 逆袭打脸 is the loosest label of the sample (17 of its 56 formula scripts, though most
    # stage a face-slap): the market's lexicon finds it in 13 more, the lowest in-sample F1.
    assert macro >= 0.92, counts
    assert min(f1.values()) >= 0.65, f1


@pytest.mark.parametrize("name", ["SPOKEN_KCHARS", "SIGNATURE_CUE", "PRESENT_THRESHOLD",
                                  "TITLE_LINE"])
def test_tropes_rule_fingerprint_follows_every_constant(name: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from tropescan import tropes

    before = tropes.rule_fingerprint()
    value = getattr(tropes, name)
    changed = re.compile(value.pattern + "x") if isinstance(value, re.Pattern) else value + 1
    monkeypatch.setattr(tropes, name, changed)
    assert tropes.rule_fingerprint() != before
