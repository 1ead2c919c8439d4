"""Twists on the timeline: cue categories, the lexicon rule, events, windows, pacing, CLI, plots.

Issue "Twist density per 15 seconds". The rule (``twists.v1``) is tested with
``lexicon_only_analyzer`` (no model), so its scores can be worked out from lexicons/twists.toml:
the strongest cue per category, summed, +0.5 for ！/？, +0.5 for an action line with a cue, +2
(hook) on the last two lines of an episode. Windows and pacing are properties over synthetic
events on fake scripts (hypothesis); the learned model has its own file, test_twist_model.py.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from texts import (
    FORMULA_EPISODE,
    NEUTRAL_TAIL,
    SCENE_PREFIX,
    TWIST_SRT,
    TWIST_SRT_EVENTS,
)

from tropescan.api import WINDOW_COLUMNS, Analyzer, Settings
from tropescan.cli import main
from tropescan.errors import LexiconError
from tropescan.lexicon import LinePlace, check_file, load_lexicon
from tropescan.model import Episode, Line, LineKind, Scene, Script
from tropescan.twists import (
    CATEGORIES,
    HOOK_BONUS,
    MERGE_S,
    THRESHOLD,
    TwistEvent,
    detect_twists,
    episode_pacing,
    line_scores,
    pacing_summary,
    twist_windows,
)

ROOT = Path(__file__).parents[1]
TWISTS_TOML = ROOT / "lexicons" / "twists.toml"
CJK = re.compile(r"[\u4e00-\u9fff]")
ROUND2 = 0.0051  # a value rounded to two decimals is this close (float error included)
Scores = dict[int, tuple[float, str]]  # source line -> (score, category)
Timeline = tuple[Script, list[TwistEvent], float]  # a fake script, its events, a window size


def rule_run(analyzer: Analyzer, path: Path,
             **kwargs: Any) -> tuple[Script, Scores, list[TwistEvent]]:
    """The script, rule scores keyed by source line, and the rule's events."""
    script = analyzer.read(path)
    tokens = analyzer.segmenter.tokenize(script.text)
    place = LinePlace.of(script)
    scores = line_scores(script, tokens, analyzer.lexicon, place=place)
    by_source = {}
    for idx, value in scores.items():
        ei, si, li = place.refs[idx]
        by_source[script.episodes[ei].scenes[si].lines[li].source_line] = value
    events = detect_twists(script, tokens, analyzer.lexicon, place=place, **kwargs)
    return script, by_source, events


# -- the twist lexicon ------------------------------------------------------------------------

def test_twists_lexicon_file_is_valid() -> None:
    assert check_file(TWISTS_TOML) == []


@pytest.mark.parametrize("category", CATEGORIES, ids=CATEGORIES)
def test_twists_lexicon_category(builtin_lexicon: Any, category: str) -> None:
    cat = builtin_lexicon.twists[category]
    assert cat.id == category
    assert CJK.search(cat.name_zh), cat.name_zh
    assert cat.name_en and cat.name_en != category and not CJK.search(cat.name_en)
    assert len(cat.cues) >= 20
    assert all(0 < w <= 5 for w in cat.cues.values())
    # Every category has at least one cue strong enough to be a twist on its own with ！.
    assert max(cat.cues.values()) >= THRESHOLD - 0.5


def test_twists_lexicon_categories_are_the_scored_ones(builtin_lexicon: Any) -> None:
    assert sorted(builtin_lexicon.twists) == sorted(CATEGORIES)


BAD_TWIST_FILES = [
    pytest.param('[categories.reveal]\ncues = { "跪下" = 9.0 }\n', "categories.reveal.cues.跪下",
                 id="weight-too-high"),
    pytest.param('[categories.reveal]\ncues = { "跪下" = 0 }\n', "categories.reveal.cues.跪下",
                 id="weight-zero"),
    pytest.param('[categories.crisis]\ncues = { "车祸" = "high" }\n',
                 "categories.crisis.cues.车祸", id="weight-not-a-number"),
    pytest.param('[categories.crisis]\ncues = ["车祸"]\n', "categories.crisis.cues",
                 id="cues-not-a-table"),
    pytest.param('[categories.Big-Twist]\ncues = { "车祸" = 1.0 }\n', "categories.Big-Twist",
                 id="category-id-not-snake-case"),
    pytest.param('categories = "reveal"\n', "categories", id="categories-not-a-table"),
    pytest.param('[categories]\nreveal = 3\n', "categories.reveal", id="category-not-a-table"),
    pytest.param('[categories.reveal\ncues = {}\n', "TOML syntax", id="toml-syntax"),
]


@pytest.mark.parametrize(("content", "key"), BAD_TWIST_FILES)
def test_twists_lexicon_bad_file_names_file_and_key(tmp_path: Path, content: str, key: str) -> None:
    path = tmp_path / "my_twists.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        load_lexicon([path])
    message = str(info.value)
    assert str(path) in message
    assert key in message
    assert "\n" not in message
    problems = check_file(path)
    assert problems and all(str(path) in p for p in problems)
    assert any(key in p for p in problems)


def test_twists_lexicon_user_file_extends_a_category(tmp_path: Path, builtin_lexicon: Any) -> None:
    path = tmp_path / "more.toml"
    path.write_text('[categories.reveal]\ncues = { "真千金" = 3.0 }\n', encoding="utf-8")
    lex = load_lexicon([path])
    reveal = lex.twists["reveal"]
    assert reveal.cues["真千金"] == 3.0
    assert set(builtin_lexicon.twists["reveal"].cues) < set(reveal.cues)
    assert reveal.name_zh == builtin_lexicon.twists["reveal"].name_zh


# -- the lexicon rule, line by line -------------------------------------------------------------

TWIST_LINES = [
    # line, category, rule score (cue + context, worked out from lexicons/twists.toml)
    pytest.param("林凡：原来你是龙帅！", "reveal", 3.5, id="reveal-yuanlai-ni-shi"),
    pytest.param("林凡：其实我是苏家的继承人。", "reveal", 3.0, id="reveal-at-threshold"),
    pytest.param("管家：恭迎大小姐回家！", "reveal", 3.0, id="reveal-gongying"),
    pytest.param("王总：跪下道歉！", "face_slap", 3.5, id="face-slap-kneel"),
    pytest.param("王总：怎么可能？合同是假的！", "reversal", 3.0, id="reversal-fake-contract"),
    pytest.param("苏晴：原来你早就和她串通好了！", "betrayal", 4.0, id="betrayal-collusion"),
    pytest.param("苏晴：你背叛了我？", "betrayal", 3.5, id="betrayal-question"),
    pytest.param("△门外传来刹车声，一场车祸。", "crisis", 4.5, id="crisis-car-crash-action"),
    pytest.param("△苏母捂住胸口，晕倒在地。", "crisis", 3.5, id="crisis-collapse-action"),
    pytest.param("护士：不好了，病人晕倒了！", "crisis", 3.5, id="crisis-two-cues-one-category"),
    pytest.param("苏晴：你到底是谁？", "hook", 3.5, id="hook-who-are-you"),
]

NOT_TWIST_LINES = [
    # line, rule score (0 when no cue at all)
    pytest.param("苏晴：今天天气不错。", 0.0, id="small-talk"),
    pytest.param("△她打开冰箱，拿出一瓶牛奶。", 0.0, id="plain-action"),
    pytest.param("王总：这是我的名片。", 0.0, id="plain-dialogue"),
    pytest.param("秘书：董事长，合同签好了。", 0.5, id="weak-cue-only"),
    pytest.param("林凡：是你。", 1.0, id="one-weak-reveal-cue"),
    pytest.param("△宾客们鸦雀无声。", 2.5, id="strong-cue-below-threshold"),
    pytest.param("△工人拆掉捆绑架子的铁丝。", 0.0, id="cue-inside-other-words-bangjia"),
    pytest.param("苏晴：这家店的扇贝很新鲜。", 0.0, id="cue-inside-other-words-shan"),
]


@pytest.mark.parametrize(("text", "category", "score"), TWIST_LINES)
def test_twists_rule_finds_twist_line(lexicon_only_analyzer: Analyzer,
                                      write_script: Callable[..., Path], text: str,
                                      category: str, score: float) -> None:
    path = write_script(SCENE_PREFIX + text + "\n" + NEUTRAL_TAIL)
    _, scores, events = rule_run(lexicon_only_analyzer, path)
    assert scores == {3: (pytest.approx(score), category)}
    assert [(ev.line, ev.category, ev.score) for ev in events] == [(3, category, score)]
    twist_cues = {c for cat in lexicon_only_analyzer.lexicon.twists.values() for c in cat.cues}
    assert events[0].cues and set(events[0].cues) <= twist_cues
    assert events[0].text == text


@pytest.mark.parametrize(("text", "score"), NOT_TWIST_LINES)
def test_twists_rule_ignores_ordinary_line(lexicon_only_analyzer: Analyzer,
                                           write_script: Callable[..., Path], text: str,
                                           score: float) -> None:
    path = write_script(SCENE_PREFIX + text + "\n" + NEUTRAL_TAIL)
    _, scores, events = rule_run(lexicon_only_analyzer, path)
    assert scores.get(3, (0.0, ""))[0] == pytest.approx(score)
    assert events == []


HOOK_CASES = [
    # line, score in mid-episode, score as the last line, category as the last line
    pytest.param("△林凡嘴角露出一丝冷笑。", 1.5, 3.5, "hook", id="sneer-action-becomes-hook"),
    pytest.param("苏晴：他到底想干什么……", 0.0, 2.0, "hook", id="trailing-ellipsis-scored"),
    pytest.param("苏晴：你到底是谁？", 3.5, 5.5, "hook", id="hook-cue-stronger-at-end"),
    pytest.param("王总：跪下道歉！", 3.5, 5.5, "face_slap", id="stronger-category-kept"),
    pytest.param("顾言：好的。", 0.0, 0.0, None, id="plain-ending-no-bonus"),
]


@pytest.mark.parametrize(("text", "mid", "end", "category"), HOOK_CASES)
def test_twists_rule_hook_bonus_at_episode_end(lexicon_only_analyzer: Analyzer,
                                               write_script: Callable[..., Path], text: str,
                                               mid: float, end: float,
                                               category: str | None) -> None:
    _, mid_scores, _ = rule_run(lexicon_only_analyzer,
                                write_script(SCENE_PREFIX + text + "\n" + NEUTRAL_TAIL, "mid.txt"))
    _, end_scores, end_events = rule_run(
        lexicon_only_analyzer, write_script(SCENE_PREFIX + "△众人坐下。\n林凡：吃饭。\n" + text,
                                            "end.txt"))
    assert mid_scores.get(3, (0.0, ""))[0] == pytest.approx(mid)
    assert end_scores.get(5, (0.0, ""))[0] == pytest.approx(end)
    assert end - mid in (0.0, HOOK_BONUS)
    if category is not None:
        assert end_scores[5][1] == category
    assert [ev.line for ev in end_events] == ([5] if end >= THRESHOLD else [])


@pytest.mark.parametrize(("after", "bonus"), [
    pytest.param(0, True, id="last-line"),
    pytest.param(1, True, id="second-to-last-line"),
    pytest.param(2, False, id="third-to-last-line"),
])
def test_twists_rule_hook_bonus_covers_last_two_lines(lexicon_only_analyzer: Analyzer,
                                                      write_script: Callable[..., Path],
                                                      after: int, bonus: bool) -> None:
    tail = ["林凡：吃饭。", "顾言：好。"][:after]
    path = write_script(SCENE_PREFIX + "\n".join(["△林凡嘴角露出一丝冷笑。", *tail]) + "\n")
    _, scores, _ = rule_run(lexicon_only_analyzer, path)
    assert scores[3] == (pytest.approx(3.5 if bonus else 1.5), "hook")


def test_twists_rule_hook_bonus_per_episode(lexicon_only_analyzer: Analyzer,
                                            write_script: Callable[..., Path]) -> None:
    """Each episode's ending gets the bonus, not only the script's."""
    text = ("第1集\n1-1 日 内 客厅\n林凡：吃饭。\n△林凡嘴角露出一丝冷笑。\n"
            "第2集\n2-1 日 内 客厅\n△林凡嘴角露出一丝冷笑。\n" + NEUTRAL_TAIL)
    _, scores, events = rule_run(lexicon_only_analyzer, write_script(text))
    assert scores[4] == (pytest.approx(3.5), "hook")  # end of episode 1
    assert scores[7] == (pytest.approx(1.5), "hook")  # start of episode 2
    assert [(ev.episode, ev.line) for ev in events] == [(1, 4)]


# -- events: merging and the threshold ---------------------------------------------------------

def test_twists_rule_formula_episode(lexicon_only_analyzer: Analyzer,
                                     write_script: Callable[..., Path]) -> None:
    _, _, events = rule_run(lexicon_only_analyzer, write_script(FORMULA_EPISODE))
    # line 7 (bodyguards kneel, 单膝跪地) is no face slap: kneeling to greet is not humbling
    assert [(ev.line, ev.category) for ev in events] == [
        (9, "reveal"), (12, "face_slap"), (13, "face_slap"), (14, "hook"), (16, "hook")]
    assert events[0].lines == [8, 9]  # 恭迎龙帅 and 原来你是龙帅: one twist
    assert events[-1].lines == [15, 16]  # the cold smile and 好戏才刚刚开始: one hook


@pytest.mark.parametrize("merge_s", [0.0, 1.0, MERGE_S, 3.0, 10.0, 1000.0],
                         ids=lambda m: f"merge-{m:g}s")
def test_twists_merge_closer_than_merge_s(lexicon_only_analyzer: Analyzer, formula_script: Path,
                                          merge_s: float) -> None:
    script, scores, events = rule_run(lexicon_only_analyzer, formula_script, merge_s=merge_s)
    starts = {ln.source_line: (ep.number, ln.start_s) for ep in script.episodes for ln in ep.lines}
    twist_lines = sorted(line for line, (score, _) in scores.items() if score >= THRESHOLD)
    # Every twist line lands in exactly one event, merged within merge_s of the event's first
    # line; the strongest line names and places it.
    assert sorted(line for ev in events for line in ev.lines) == twist_lines
    for ev in events:
        first = starts[ev.lines[0]][1]
        assert all(starts[line][0] == ev.episode for line in ev.lines)
        assert all(0 <= starts[line][1] - first < merge_s for line in ev.lines[1:])
        strongest = max(ev.lines, key=lambda line: (scores[line][0], -line))
        assert ev.line == strongest and ev.score == pytest.approx(scores[strongest][0])
        assert (ev.episode, ev.time_s) == starts[strongest]
        assert ev.category == scores[strongest][1]
    # The next event in an episode starts at least merge_s after this one's first line; a merge
    # never crosses an episode boundary.
    for a, b in itertools.pairwise(events):
        if a.episode == b.episode:
            assert starts[b.lines[0]][1] - starts[a.lines[0]][1] >= merge_s
    assert {ev.episode for ev in events} == {1, 2}


MERGE_GROUPS = [
    # merge_s, the source lines of each event (timing model: line 7 at 12.9 s, 8 at 16.1 s,
    # 9 at 18.1 s, 12 at 28.0 s, 13 at 30.6 s, 14 at 35.0 s, 15 at 37.3 s, 16 at 39.3 s;
    # episode 2: 22 at 8.6 s, 23 at 12.0 s, 24 at 13.8 s)
    pytest.param(0.0, [[8], [9], [12], [13], [14], [15], [16], [22], [23], [24]],
                 id="no-merging"),
    pytest.param(MERGE_S, [[8, 9], [12], [13], [14], [15, 16], [22], [23, 24]],
                 id="default-2.2s"),
    pytest.param(4.0, [[8, 9], [12, 13], [14, 15], [16], [22, 23], [24]],
                 id="anchored-on-the-first-line"),
    pytest.param(1000.0, [[8, 9, 12, 13, 14, 15, 16], [22, 23, 24]], id="one-per-episode"),
]


@pytest.mark.parametrize(("merge_s", "groups"), MERGE_GROUPS)
def test_twists_merge_groups(lexicon_only_analyzer: Analyzer, formula_script: Path,
                             merge_s: float, groups: list[list[int]]) -> None:
    _, _, events = rule_run(lexicon_only_analyzer, formula_script, merge_s=merge_s)
    assert [ev.lines for ev in events] == groups


def test_twists_merge_never_crosses_repeated_episode_numbers(
        lexicon_only_analyzer: Analyzer, write_script: Callable[..., Path]) -> None:
    """A writer who repeats 第1集 gets two episodes numbered 1: a twist late in the first and
    one early in the second are still two twists (the clock restarts, so the second one's time
    is smaller than the first's)."""
    text = ("第1集\n△众人坐下。\n林凡：吃饭。\n王总：跪下道歉！\n顾言：好。\n苏晴：走吧。\n"
            "第1集\n护士：不好了，病人晕倒了！\n林凡：吃饭。\n顾言：好。\n苏晴：走吧。\n")
    script, _, events = rule_run(lexicon_only_analyzer, write_script(text))
    assert [ep.number for ep in script.episodes] == [1, 1]
    assert [(ev.line, ev.category) for ev in events] == [(4, "face_slap"), (8, "crisis")]
    assert events[1].time_s < events[0].time_s


def test_twists_repeated_episode_numbers_count_each_twist_once(
        lexicon_only_analyzer: Analyzer, write_script: Callable[..., Path]) -> None:
    text = "第1集\n王总：跪下道歉！\n" + NEUTRAL_TAIL + "第1集\n" + NEUTRAL_TAIL
    a = lexicon_only_analyzer.analyze(write_script(text))
    assert [ep.number for ep in a.script.episodes] == [1, 1]
    assert len(a.twist_events) == 1
    assert [w.n_twists for w in a.window_items] == [1, 0]
    assert [(p.n_twists, p.first_twist_s, p.window_share) for p in a.episode_items] == [
        (1, 0.0, 1.0), (0, None, 0.0)]
    assert a.pacing["n_twists"] == 1


@pytest.mark.parametrize("threshold", [0.5, 1.0, 2.0, THRESHOLD, 3.5, 4.5, 5.0, 6.0],
                         ids=lambda t: f"threshold-{t:g}")
def test_twists_threshold_respected(lexicon_only_analyzer: Analyzer, formula_script: Path,
                                    threshold: float) -> None:
    _, scores, events = rule_run(lexicon_only_analyzer, formula_script, threshold=threshold,
                                 merge_s=0.0)
    assert all(ev.score >= threshold for ev in events)
    assert [ev.line for ev in events] == sorted(
        line for line, (score, _) in scores.items() if score >= threshold)


def test_twists_settings_threshold_reaches_the_rule(write_script: Callable[..., Path]) -> None:
    path = write_script(FORMULA_EPISODE)
    default = Analyzer(Settings(use_classifier=False, use_twist_model=False), corpus=None)
    strict = Analyzer(Settings(use_classifier=False, use_twist_model=False, twist_threshold=5.0),
                      corpus=None)
    assert len(default.analyze(path).twist_events) == 5
    assert [(ev.line, ev.score) for ev in strict.analyze(path).twist_events] == [
        (13, 5.0), (16, 5.0)]


# -- the timeline ---------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["rule", "model"])
def test_twists_script_events_use_the_timing_model(which: str, lexicon_only_analyzer: Analyzer,
                                                   twist_analyzer: Analyzer,
                                                   formula_script: Path) -> None:
    analyzer = lexicon_only_analyzer if which == "rule" else twist_analyzer
    a = analyzer.analyze(formula_script)
    assert not a.script.timed
    starts = {ln.source_line: (ep, ln.start_s) for ep in a.script.episodes for ln in ep.lines}
    assert a.script.episodes[1].start_s == pytest.approx(a.script.episodes[0].duration_s)
    assert a.script.episodes[1].start_s > 30
    assert {ev.episode for ev in a.twist_events} == {1, 2}
    ends = {ln.source_line: ln.end_s for ep in a.script.episodes for ln in ep.lines}
    for ev in a.twist_events:
        ep, start = starts[ev.line]
        assert ev.episode == ep.number
        # on its line: at the line's start (the rule), or at the sentence's place inside it
        assert start <= ev.time_s <= ends[ev.line] if which == "model" else ev.time_s == start
        assert ev.series_time_s == pytest.approx(ep.start_s + ev.time_s, abs=1e-3)


def test_twists_subtitle_events_keep_cue_times(lexicon_only_analyzer: Analyzer,
                                               write_script: Callable[..., Path]) -> None:
    a = lexicon_only_analyzer.analyze(write_script(TWIST_SRT, "twists.srt"))
    assert a.script.timed
    assert [(ep.number, ep.start_s, ep.duration_s) for ep in a.script.episodes] == [
        (1, 0.0, 30.0), (2, 30.0, 22.0)]
    assert [(ev.episode, ev.time_s, ev.series_time_s) for ev in a.twist_events] == TWIST_SRT_EVENTS
    assert [ev.category for ev in a.twist_events] == ["face_slap", "crisis"]


def test_twists_subtitle_model_events_sit_on_cue_starts(twist_analyzer: Analyzer,
                                                        write_script: Callable[..., Path]) -> None:
    a = twist_analyzer.analyze(write_script(TWIST_SRT, "twists.srt"))
    cue_starts = {1.0, 4.2, 12.5, 20.0, 33.0, 40.0, 50.0}  # seconds in the file
    assert a.twist_events
    for ev in a.twist_events:
        ep = a.script.episodes[ev.episode - 1]
        assert ev.series_time_s in cue_starts
        assert ev.series_time_s == pytest.approx(ep.start_s + ev.time_s)


# -- windows and pacing: properties ------------------------------------------------------------

WINDOW_SIZES = st.one_of(st.sampled_from([5.0, 10.0, 15.0, 30.0, 60.0]),
                         st.floats(1.0, 120.0).map(lambda x: round(x, 2)))


def fake_script(durations: list[float], n_lines: int = 4) -> Script:
    """Episodes numbered 1..n with the given durations; lines spread evenly (source lines run
    on through the script)."""
    episodes, start, source = [], 0.0, 1
    for number, duration in enumerate(durations, start=1):
        lines = []
        for i in range(n_lines):
            line = Line(LineKind.DIALOGUE, "甲：好。", "好。", source, speaker="甲", norm="好。")
            line.start_s = round(duration * i / n_lines, 3)
            line.end_s = round(duration * (i + 1) / n_lines, 3)
            lines.append(line)
            source += 1
        episodes.append(Episode(number, scenes=[Scene(1, lines=lines)], start_s=round(start, 3),
                                duration_s=duration))
        start += duration
    return Script(episodes)


@st.composite
def timelines(draw: st.DrawFn, *, min_duration: float = 0.0) -> Timeline:
    """A fake script, twist events inside its episodes (in any order) and a window size."""
    durations = draw(st.lists(st.floats(min_duration, 400.0).map(lambda x: round(x, 3)),
                              min_size=1, max_size=4))
    script = fake_script(durations)
    events = []
    for ep in script.episodes:
        times = draw(st.lists(st.floats(0.0, ep.duration_s), max_size=12))
        for t in times:
            t = min(round(t, 3), ep.duration_s)
            line = draw(st.sampled_from(ep.lines)).source_line
            events.append(TwistEvent(ep.number, line, t, round(ep.start_s + t, 3),
                                     draw(st.sampled_from(CATEGORIES)), 1.0, [], "", [line]))
    events = draw(st.permutations(events))
    return script, events, draw(WINDOW_SIZES)


@given(timelines())
@settings(max_examples=150, deadline=None)
def test_twists_windows_tile_each_episode(case: Timeline) -> None:
    script, events, window = case
    windows = twist_windows(script, events, window)
    for ep in script.episodes:
        wins = [w for w in windows if w.episode == ep.number]
        assert len(wins) == max(1, math.ceil(ep.duration_s / window - 1e-9))
        assert [w.index for w in wins] == list(range(len(wins)))
        assert wins[0].start_s == 0.0
        assert wins[-1].end_s == pytest.approx(ep.duration_s, abs=1e-3)
        for a, b in itertools.pairwise(wins):
            assert a.end_s == b.start_s
            assert a.end_s - a.start_s == pytest.approx(window, abs=2e-3)
            assert not a.partial
        # Durations have three decimals and windows two, so a last window is either full or
        # at least a millisecond short.
        last = wins[-1]
        assert last.end_s - last.start_s <= window + 1e-3
        assert last.partial == (last.end_s - last.start_s < window - 5e-4)


@given(timelines())
@settings(max_examples=150, deadline=None)
def test_twists_windows_count_every_event_once(case: Timeline) -> None:
    script, events, window = case
    windows = twist_windows(script, events, window)
    assert sum(w.n_twists for w in windows) == len(events)
    for ep in script.episodes:
        wins = [w for w in windows if w.episode == ep.number]

        def holder(t: float, n: int = len(wins)) -> int:
            # [i * window, (i + 1) * window), and the end of the episode in the last window
            return next((i for i in range(n) if i * window <= t < (i + 1) * window), n - 1)

        for ev in (e for e in events if e.episode == ep.number):
            w = wins[holder(ev.time_s)]
            assert w.start_s - 1e-3 <= ev.time_s <= w.end_s + 1e-3
            assert ev.category in w.categories.split(";")
        for w in wins:
            inside = [e for e in events if e.episode == ep.number
                      and holder(e.time_s) == w.index]
            assert w.n_twists == len(inside)
            assert w.categories == ";".join(sorted({e.category for e in inside}))


@given(timelines(min_duration=1.0))
@settings(max_examples=150, deadline=None)
def test_twists_episode_pacing_metrics(case: Timeline) -> None:
    script, events, window = case
    windows = twist_windows(script, events, window)
    pacing = episode_pacing(script, events, windows, window)
    assert [p.episode for p in pacing] == [ep.number for ep in script.episodes]
    for ep, p in zip(script.episodes, pacing, strict=True):
        evs = [e for e in events if e.episode == ep.number]
        wins = [w for w in windows if w.episode == ep.number]
        assert p.n_twists == len(evs)
        assert p.duration_s == pytest.approx(ep.duration_s, abs=ROUND2)
        assert p.density == pytest.approx(len(evs) / ep.duration_s * window, abs=1e-3)
        assert 0.0 <= p.window_share <= 1.0
        assert p.window_share == pytest.approx(sum(1 for w in wins if w.n_twists) / len(wins),
                                               abs=1e-3)
        times = sorted(e.time_s for e in evs)
        gaps = [b - a for a, b in zip([0.0, *times], [*times, ep.duration_s], strict=True)]
        assert all(p.longest_gap_s >= g - ROUND2 for g in gaps)
        assert p.longest_gap_s == pytest.approx(max(gaps), abs=ROUND2)
        if evs:
            assert p.first_twist_s == pytest.approx(times[0], abs=ROUND2)
        else:
            assert p.first_twist_s is None
            assert p.longest_gap_s == pytest.approx(ep.duration_s, abs=ROUND2)
        tail = {ln.source_line for ln in ep.lines[-2:]}
        assert p.ends_on_hook == any(set(e.lines) & tail for e in evs)


@given(timelines(min_duration=1.0))
@settings(max_examples=100, deadline=None)
def test_twists_pacing_summary_adds_up(case: Timeline) -> None:
    script, events, window = case
    windows = twist_windows(script, events, window)
    pacing = episode_pacing(script, events, windows, window)
    summary = pacing_summary(pacing, windows, window)
    total = sum(p.duration_s for p in pacing)
    assert summary["window_s"] == window
    assert summary["n_twists"] == len(events)
    assert summary["duration_s"] == pytest.approx(script.duration_s, abs=0.01 * len(pacing))
    assert summary["density"] == pytest.approx(len(events) / total * window, abs=1e-3)
    assert 0.0 <= summary["window_share"] <= 1.0
    assert 0.0 <= summary["hook_share"] <= 1.0
    assert summary["longest_gap_s"] == max(p.longest_gap_s for p in pacing)
    if events:
        assert summary["seconds_per_twist"] == pytest.approx(total / len(events), abs=ROUND2)
    else:
        assert summary["seconds_per_twist"] is None and summary["mean_first_twist_s"] is None


WINDOW_COUNTS = [
    # episode durations, window, windows per episode, length of each episode's last window
    pytest.param([60.0], 10.0, [6], [10.0], id="60s-by-10"),
    pytest.param([60.0], 15.0, [4], [15.0], id="60s-by-15"),
    pytest.param([60.0], 30.0, [2], [30.0], id="60s-by-30"),
    pytest.param([50.0], 10.0, [5], [10.0], id="50s-by-10"),
    pytest.param([50.0], 15.0, [4], [5.0], id="50s-by-15-partial"),
    pytest.param([50.0], 30.0, [2], [20.0], id="50s-by-30-partial"),
    pytest.param([7.5], 15.0, [1], [7.5], id="shorter-than-a-window"),
    pytest.param([0.0], 15.0, [1], [0.0], id="empty-episode"),
    pytest.param([45.0, 95.5], 15.0, [3, 7], [15.0, 5.5], id="two-episodes"),
]


@pytest.mark.parametrize(("durations", "window", "counts", "last"), WINDOW_COUNTS)
def test_twists_window_size_sets_window_count(durations: list[float], window: float,
                                              counts: list[int], last: list[float]) -> None:
    script = fake_script(durations)
    windows = twist_windows(script, [], window)
    for ep, n, tail in zip(script.episodes, counts, last, strict=True):
        wins = [w for w in windows if w.episode == ep.number]
        assert len(wins) == n
        assert wins[-1].end_s - wins[-1].start_s == pytest.approx(tail)
        assert [w.partial for w in wins] == [False] * (n - 1) + [tail < window]


def test_twists_first_twist_is_the_earliest() -> None:
    """Events need not come in time order (an SRT may list a cue out of order)."""
    script = fake_script([60.0])
    events = [TwistEvent(1, 3, 40.0, 40.0, "hook", 1.0, [], "", [3]),
              TwistEvent(1, 1, 5.0, 5.0, "reveal", 1.0, [], "", [1])]
    windows = twist_windows(script, events, 15.0)
    (pacing,) = episode_pacing(script, events, windows, 15.0)
    assert pacing.first_twist_s == 5.0
    assert pacing.longest_gap_s == 35.0
    assert [w.n_twists for w in windows] == [1, 0, 1, 0]


@pytest.mark.parametrize("window", [10.0, 15.0, 30.0], ids=lambda w: f"window-{w:g}s")
def test_twists_analysis_windows_follow_settings(window: float, twist_analyzer: Analyzer,
                                                 formula_script: Path) -> None:
    analyzer = Analyzer(Settings(use_classifier=False, window_s=window), corpus=None,
                        lexicon=twist_analyzer.lexicon)
    a = analyzer.analyze(formula_script)
    expected = sum(math.ceil(ep.duration_s / window) for ep in a.script.episodes)
    assert len(a.window_items) == expected
    assert list(a.windows.columns) == WINDOW_COLUMNS
    assert a.windows["n_twists"].sum() == len(a.twist_events) == a.pacing["n_twists"]
    assert a.pacing["window_s"] == window
    # The summary sums episode durations rounded to 0.01 s: equal to 0.1 %.
    assert a.pacing["density"] == pytest.approx(
        len(a.twist_events) / a.script.duration_s * window, rel=1e-3)


# -- CLI ------------------------------------------------------------------------------------------

def twists_cli(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["twists", *map(str, args)])


PACING_KEYS = {"window_s", "duration_s", "n_twists", "density", "per_minute", "expected", "low",
               "high", "seconds_per_twist", "window_share", "longest_gap_s",
               "mean_first_twist_s", "hook_share"}


@pytest.mark.parametrize(("window", "n_windows"), [
    pytest.param("10", 7, id="window-10"),
    pytest.param("15", 5, id="window-15"),
    pytest.param("30", 3, id="window-30"),
])
def test_twists_cli_json(formula_script: Path, formula_analysis: Any, window: str,
                         n_windows: int) -> None:
    """Episodes of 41.9 s and 17.0 s: ceil(41.9 / w) + ceil(17.0 / w) windows."""
    result = twists_cli(formula_script, "--window", window, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    doc = json.loads(result.stdout)
    assert set(doc) == {"pacing", "episodes", "twists"}
    assert set(doc["pacing"]) == PACING_KEYS
    assert doc["pacing"]["window_s"] == float(window)
    expected = [(ev.episode, ev.line, ev.category) for ev in formula_analysis.twist_events]
    assert [(t["episode"], t["line"], t["category"]) for t in doc["twists"]] == expected
    assert doc["pacing"]["n_twists"] == len(expected)
    assert doc["pacing"]["density"] == pytest.approx(
        len(expected) / formula_analysis.script.duration_s * float(window), rel=1e-3)
    assert [e["episode"] for e in doc["episodes"]] == [1, 2]
    windows = twists_cli(formula_script, "--window", window, "--windows", "--format", "json")
    assert windows.exit_code == 0, windows.stderr
    rows = json.loads(windows.stdout)["windows"]
    assert len(rows) == n_windows
    assert sum(w["n_twists"] for w in rows) == len(expected)


def test_twists_cli_csv(formula_script: Path, formula_analysis: Any) -> None:
    result = twists_cli(formula_script, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = result.stdout.splitlines()
    assert rows[0] == "episode,line,time_s,series_time_s,category,score,cues,text"
    events = formula_analysis.twist_events
    assert len(rows) == 1 + len(events)
    for row, ev in zip(csv.reader(rows[1:]), events, strict=True):
        assert row[:5] == [str(ev.episode), str(ev.line), str(ev.time_s), str(ev.series_time_s),
                           ev.category]
        assert row[-1] == ev.text


def test_twists_cli_windows_csv(formula_script: Path) -> None:
    result = twists_cli(formula_script, "--windows", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = result.stdout.splitlines()
    assert rows[0] == ",".join(WINDOW_COLUMNS)
    assert [r.split(",")[:4] for r in rows[1:]] == [
        ["1", "0", "0.0", "15.0"], ["1", "1", "15.0", "30.0"], ["1", "2", "30.0", "41.892"],
        ["2", "0", "0.0", "15.0"], ["2", "1", "15.0", "17.007"]]
    partial = WINDOW_COLUMNS.index("partial")
    assert [r.split(",")[partial] for r in rows[1:]] == ["False", "False", "True", "False",
                                                          "True"]


def test_twists_cli_table(formula_script: Path, formula_analysis: Any) -> None:
    result = twists_cli(formula_script)
    assert result.exit_code == 0, result.stderr
    assert "原来你是龙帅" in result.stdout
    n = len(formula_analysis.twist_events)
    assert result.stdout.splitlines()[-1].startswith(f"{n} twists, ")


def test_twists_cli_plot(formula_script: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.png"
    result = twists_cli(formula_script, "--plot", out, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"wrote {out} and {tmp_path / 'out-episodes.png'}\n"
    for path in (out, tmp_path / "out-episodes.png"):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.stdout.splitlines()[0].startswith("episode,line,")


@pytest.mark.parametrize(("args", "message"), [
    pytest.param(["missing.txt"], "missing.txt: no such file [TS101]", id="missing-file"),
    pytest.param(["empty.txt"], "empty.txt: ", id="empty-file"),
    pytest.param(["bad.srt"], "bad.srt:", id="bad-subtitles"),
])
def test_twists_cli_bad_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                             message: str) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bad.srt").write_text("1\n00:00:05,000 --> 00:00:02,000\n倒着的。\n",
                                      encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = twists_cli(*args)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_twists_cli_bad_window(formula_script: Path) -> None:
    result = twists_cli(formula_script, "--window", "0")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--window" in result.stderr


# -- plots (Agg; structure, not pixels) ----------------------------------------------------------

def test_twists_plot_timeline_structure(formula_analysis: Any) -> None:
    from matplotlib.collections import PathCollection
    from matplotlib.colors import to_rgba
    from matplotlib.figure import Figure

    a = formula_analysis
    fig = a.plot_timeline()
    try:
        assert isinstance(fig, Figure)
        ax = fig.axes[0]
        groups = [c for c in ax.collections if isinstance(c, PathCollection)]
        assert len(groups) == len(CATEGORIES)
        for k, (group, cat) in enumerate(zip(groups, CATEGORIES, strict=True)):
            points = [tuple(p) for p in group.get_offsets()]
            expected = [ev.series_time_s for ev in a.twist_events if ev.category == cat]
            assert sorted(x for x, _ in points) == pytest.approx(sorted(expected))
            assert {y for _, y in points} <= {k}
        boundaries = [ln for ln in ax.lines if to_rgba(ln.get_color()) == to_rgba("0.3")]
        assert sorted(ln.get_xdata()[0] for ln in boundaries) == pytest.approx(
            [ep.start_s for ep in a.script.episodes])
        assert "time (m:ss)" in ax.get_xlabel()
        assert "twists per 15 s" in fig.axes[1].get_ylabel()
        assert "twist timeline" in ax.get_title()
        # categories are named on the y axis; the legend names the curve and the formula line
        legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
        assert [any(w in t for t in legend) for w in ("twist density", "one twist per 15 s")] \
            == [True, True]
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_twists_plot_episodes_structure(formula_analysis: Any) -> None:
    from matplotlib.figure import Figure

    a = formula_analysis
    fig = a.plot_episodes()
    try:
        assert isinstance(fig, Figure)
        ax = fig.axes[0]
        bars = ax.patches
        assert len(bars) == len(a.script.episodes)
        assert [b.get_height() for b in bars] == pytest.approx(
            [p.density for p in a.episode_items])
        assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2"]
        assert any(list(ln.get_ydata()) == [1.0, 1.0] for ln in ax.lines)  # formula line
        assert "episode" in ax.get_xlabel()
        assert "twists per 15 s" in ax.get_ylabel()
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
