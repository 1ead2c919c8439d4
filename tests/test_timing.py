"""The screen-time model: chars/s for speech and action, pauses, episode clocks.

Issue "Read real scripts". Durations are worked out by hand for ``texts.TIMED_SCRIPT``.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from texts import TIMED_SCRIPT

from tropescan.errors import SettingsError
from tropescan.model import LineKind, Script
from tropescan.readers import read_script
from tropescan.timing import TimingProfile, counted_chars, estimate_timeline, line_seconds

SCRIPTS = Path(__file__).parent / "data" / "scripts"
SAMPLES = Path(__file__).parents[1] / "corpora_sample" / "scripts"
UNTIMED = sorted(p.name for p in SCRIPTS.glob("*") if p.suffix in (".txt", ".md", ".fountain"))


COUNTED = [
    pytest.param("你好，世界！OK", 6, id="han-and-latin-not-punctuation"),
    pytest.param("三十年河东，三十年河西。", 10, id="full-width-punctuation"),
    pytest.param("ＯＫ１２３", 5, id="full-width-letters-digits"),
    pytest.param("……——", 0, id="punctuation-only"),
    pytest.param("", 0, id="empty"),
]


@pytest.mark.parametrize(("text", "count"), COUNTED)
def test_timing_counted_chars(text: str, count: int) -> None:
    assert counted_chars(text) == count


SEVENTEEN = "一二三四五六七八九十一二三四五六七"
#: 10 characters of dialogue at 3.4 chars/s: the first line of TIMED_SCRIPT.
D = 10 / 3.4

LINE_SECONDS = [
    pytest.param(LineKind.DIALOGUE, SEVENTEEN, 5.0, id="dialogue-3.4-chars-per-s"),
    pytest.param(LineKind.DIALOGUE, "好！", 0.8, id="dialogue-minimum"),
    pytest.param(LineKind.DIALOGUE, "……", 0.0, id="dialogue-nothing-said"),
    pytest.param(LineKind.SUBTITLE, SEVENTEEN, 5.0, id="subtitle-like-dialogue"),
    pytest.param(LineKind.VOICEOVER, "一二三四五六七八九", 3.0, id="voiceover-3-chars-per-s"),
    pytest.param(LineKind.ACTION, "一二三四五六七八九十一二三四五六", 2.0,
                 id="action-8-chars-per-s"),
    pytest.param(LineKind.ACTION, "走。", 1.0, id="action-minimum"),
    pytest.param(LineKind.ACTION, "走" * 100, 8.0, id="action-maximum"),
    pytest.param(LineKind.PROSE, "一二三四五六七八九十一二三四五六", 2.0, id="prose-like-action"),
    pytest.param(LineKind.TRANSITION, "", 0.5, id="transition"),
    pytest.param(LineKind.HEADING, "日 内 客厅", 0.0, id="heading"),
    pytest.param(LineKind.META, "重生之豪门千金", 0.0, id="front-matter"),
]


@pytest.mark.parametrize(("kind", "content", "seconds"), LINE_SECONDS)
def test_timing_line_seconds(kind: LineKind, content: str, seconds: float) -> None:
    assert line_seconds(kind, content, TimingProfile()) == pytest.approx(seconds)


TIMELINE = [
    # episode index, line index, kind, start_s, end_s  (default profile; times kept to the ms)
    pytest.param(0, 0, "heading", 0.0, 0.0, id="first-heading-no-pause"),
    pytest.param(0, 1, "dialogue", 0.0, D, id="dialogue-10-chars"),
    pytest.param(0, 2, "action", D + 0.25, D + 1.25, id="after-line-pause"),
    pytest.param(0, 3, "heading", D + 2.5, D + 2.5, id="scene-change-pause"),
    pytest.param(0, 4, "dialogue", D + 2.5, D + 3.3, id="minimum-spoken"),
    pytest.param(1, 0, "transition", 0.0, 0.5, id="episode-clock-restarts"),
    pytest.param(1, 1, "voiceover", 0.75, 3.75, id="voiceover-9-chars"),
]


@pytest.mark.parametrize(("episode", "index", "kind", "start", "end"), TIMELINE)
def test_timing_hand_computed_timeline(write_script: Any, episode: int, index: int, kind: str,
                                       start: float, end: float) -> None:
    line = read_script(write_script(TIMED_SCRIPT)).episodes[episode].lines[index]
    assert line.kind.value == kind
    assert (line.start_s, line.end_s) == (pytest.approx(start, abs=1e-3),
                                          pytest.approx(end, abs=1e-3))


PROFILES = [
    # TimingProfile overrides, episode durations (episode 1: two scenes; episode 2: one)
    pytest.param({}, [D + 3.55, 4.0], id="default"),
    pytest.param({"dialogue_cps": 10.0}, [4.55, 4.0], id="faster-dialogue"),
    pytest.param({"voiceover_cps": 9.0}, [D + 3.55, 2.0], id="faster-voiceover"),
    pytest.param({"action_cps": 1.0}, [D + 5.55, 4.0], id="slower-action"),
    pytest.param({"action_cps": 1.0, "max_action_s": 1.5}, [D + 4.05, 4.0], id="action-cap"),
    pytest.param({"min_action_s": 2.0}, [D + 4.55, 4.0], id="action-floor"),
    pytest.param({"min_spoken_s": 2.0}, [D + 4.75, 4.0], id="spoken-floor"),
    pytest.param({"line_pause_s": 0.0}, [D + 2.8, 3.5], id="no-line-pause"),
    pytest.param({"scene_change_s": 0.0}, [D + 2.55, 4.0], id="no-scene-pause"),
    pytest.param({"scene_change_s": 3.0}, [D + 5.55, 4.0], id="long-scene-pause"),
    pytest.param({"transition_s": 2.0}, [D + 3.55, 5.5], id="long-transition"),
]


@pytest.mark.parametrize(("overrides", "durations"), PROFILES)
def test_timing_profile_changes_durations(write_script: Any, overrides: dict[str, float],
                                          durations: list[float]) -> None:
    script = read_script(write_script(TIMED_SCRIPT), timing=TimingProfile(**overrides))
    assert [ep.duration_s for ep in script.episodes] == pytest.approx(durations, abs=1e-3)
    assert [ep.start_s for ep in script.episodes] == pytest.approx([0.0, durations[0]], abs=1e-3)
    assert script.duration_s == pytest.approx(sum(durations), abs=2e-3)


@pytest.mark.parametrize("factor", [0.5, 2.0, 3.0])
def test_timing_speech_rate_scales_spoken_lines(factor: float) -> None:
    base = TimingProfile(min_spoken_s=0.0)
    fast = replace(base, dialogue_cps=base.dialogue_cps * factor,
                   voiceover_cps=base.voiceover_cps * factor)
    slow_lines = read_script(SCRIPTS / "conventions.txt", timing=base).lines
    fast_lines = read_script(SCRIPTS / "conventions.txt", timing=fast).lines
    for a, b in zip(slow_lines, fast_lines, strict=True):
        if a.kind in (LineKind.DIALOGUE, LineKind.VOICEOVER):
            assert b.duration_s == pytest.approx(a.duration_s / factor, abs=2e-3)
        else:
            assert b.duration_s == pytest.approx(a.duration_s)


def check_clock(script: Script) -> None:
    total = 0.0
    for episode in script.episodes:
        # Both are rounded to milliseconds separately.
        assert episode.start_s == pytest.approx(total, abs=2e-3)
        previous_end = 0.0
        for line in episode.lines:
            assert line.start_s >= previous_end
            assert line.end_s >= line.start_s
            previous_end = line.end_s
        assert episode.duration_s >= previous_end
        total += episode.duration_s
    assert script.duration_s == pytest.approx(total, abs=2e-3)


@pytest.mark.parametrize("name", UNTIMED)
@pytest.mark.parametrize("profile", [TimingProfile(), TimingProfile(dialogue_cps=12.0,
                                     line_pause_s=0.0, scene_change_s=5.0)],
                         ids=["default", "fast"])
def test_timing_monotonic_within_episodes_and_cumulative(name: str, profile: TimingProfile) -> None:
    script = read_script(SCRIPTS / name, timing=profile)
    assert script.timed is False
    check_clock(script)


def test_timing_estimate_is_repeatable_and_in_place() -> None:
    script = read_script(SCRIPTS / "conventions.txt")
    before = [(ln.start_s, ln.end_s) for ln in script.lines]
    duration = script.duration_s
    assert estimate_timeline(script) is script
    assert [(ln.start_s, ln.end_s) for ln in script.lines] == before
    slow = TimingProfile(dialogue_cps=1.0)
    assert estimate_timeline(script, slow).duration_s > duration
    reread = read_script(SCRIPTS / "conventions.txt", timing=slow)
    assert [(ln.start_s, ln.end_s) for ln in reread.lines] == [
        (ln.start_s, ln.end_s) for ln in script.lines]


@pytest.mark.parametrize("name", ["single.srt", "merged_cards.srt", "styled.ass"])
def test_timing_subtitles_keep_their_own_times(name: str) -> None:
    default = read_script(SCRIPTS / name)
    odd = read_script(SCRIPTS / name, timing=TimingProfile(dialogue_cps=0.5, scene_change_s=30))
    assert default.timed and odd.timed
    assert [(ln.start_s, ln.end_s) for ln in odd.lines] == [
        (ln.start_s, ln.end_s) for ln in default.lines]


BAD_PROFILES = [
    pytest.param({"dialogue_cps": 0}, "dialogue_cps", id="zero-speech-rate"),
    pytest.param({"voiceover_cps": 0.0}, "voiceover_cps", id="zero-voiceover-rate"),
    pytest.param({"action_cps": 0}, "action_cps", id="zero-action-rate"),
    pytest.param({"dialogue_cps": -5.0}, "dialogue_cps", id="negative-rate"),
    pytest.param({"line_pause_s": -0.25}, "line_pause_s", id="negative-pause"),
    pytest.param({"scene_change_s": "1.0"}, "scene_change_s", id="string"),
    pytest.param({"min_spoken_s": None}, "min_spoken_s", id="none"),
    pytest.param({"max_action_s": 0.5}, "max_action_s", id="cap-below-floor"),
]


@pytest.mark.parametrize(("overrides", "name"), BAD_PROFILES)
def test_timing_profile_validation(overrides: dict[str, Any], name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        TimingProfile(**overrides)


@pytest.mark.parametrize("overrides", [{"dialogue_cps": math.nan}, {"line_pause_s": math.inf}],
                         ids=["nan-rate", "infinite-pause"])
def test_timing_profile_rejects_non_finite(overrides: dict[str, float]) -> None:
    with pytest.raises(SettingsError):
        TimingProfile(**overrides)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="corpora_sample/ not present")
def test_timing_model_against_sample_subtitles() -> None:
    """The sample SRTs carry their own times: the speech rate lands near them."""
    real = estimated = 0.0
    for path in sorted(SAMPLES.glob("*.srt")):
        for line in read_script(path).lines:
            if line.kind is LineKind.SUBTITLE:
                real += line.duration_s
                estimated += line_seconds(LineKind.DIALOGUE, line.content, TimingProfile())
    if not real:
        pytest.skip("no sample subtitles")
    assert 0.85 <= estimated / real <= 1.25


def _untimed_episodes() -> list[Any]:
    return [episode for path in sorted(SAMPLES.glob("*"))
            if path.suffix in (".txt", ".md", ".fountain")
            for episode in read_script(path).episodes]


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="corpora_sample/ not present")
def test_timing_sample_episodes_run_one_to_four_minutes() -> None:
    durations = [episode.duration_s for episode in _untimed_episodes()]
    if not durations:
        pytest.skip("no sample scripts")
    assert 60 <= statistics.median(durations) <= 240


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="corpora_sample/ not present")
def test_timing_dialogue_per_screen_second_as_measured_on_real_episodes() -> None:
    """Real episodes carry ~2.3 dialogue characters per second of screen time; the old
    defaults gave 3.0 (episodes a third too short, densities a third too high)."""
    spoken = (LineKind.DIALOGUE, LineKind.VOICEOVER)
    rates = [sum(counted_chars(line.content) for line in episode.lines if line.kind in spoken)
             / episode.duration_s for episode in _untimed_episodes() if episode.duration_s]
    if not rates:
        pytest.skip("no sample scripts")
    assert 2.0 <= statistics.median(rates) <= 2.6
