"""The development and challenge sets: sizes and coverage the trope issue asks for, files that
read, and gold labels that follow from the annotations (tools/sets_tool.py)."""

from __future__ import annotations

import csv
import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from tropescan.api import Analyzer
from tropescan.lexicon import load_lexicon
from tropescan.normalize import counted_chars
from tropescan.trope_eval import load_set, set_dir

ROOT = Path(__file__).parents[1]
TROPES = set(load_lexicon().tropes)


def _tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("sets_tool", ROOT / "tools" / "sets_tool.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.parametrize(("name", "synopses", "scripts", "subtitles", "per_trope"), [
    pytest.param("dev", 300, 6, 10, 12, id="dev"),
    pytest.param("challenge", 150, 4, 6, 6, id="challenge"),
])
def test_sets_sizes_and_coverage(name: str, synopses: int, scripts: int, subtitles: int,
                                 per_trope: int) -> None:
    works = load_set(name)
    kinds = Counter(w.kind for w in works)
    assert kinds["synopsis"] >= synopses and kinds["script"] >= scripts
    assert kinds["subtitles"] >= subtitles
    counts = Counter(t for w in works for t in w.gold)
    assert set(counts) == TROPES  # all 32, no unknown id
    assert min(counts.values()) >= per_trope, counts.most_common()[-5:]
    assert any(not w.gold for w in works if w.kind == "synopsis")  # non-formula works too
    assert len({w.id for w in works}) == len(works)


@pytest.mark.parametrize("name", ["dev", "challenge"])
def test_sets_long_scripts_are_long(name: str) -> None:
    analyzer = Analyzer(corpus=None)
    for w in load_set(name):
        if w.kind == "synopsis":
            assert 40 <= len(w.text) <= 300, w.id  # ad copy runs a little short
            continue
        script = w.script(analyzer)
        if w.kind == "script":
            assert len(script.episodes) >= 30, w.id
            # the script as written: speakers, headings and the front matter included
            written = sum(counted_chars(ln.text) for ln in [*script.front_matter, *script.lines])
            assert written >= 20_000, (w.id, written)
        else:
            assert script.timed and len(script.episodes) >= 6, w.id
            assert not script.speakers, w.id  # exports come without speaker names


@pytest.mark.parametrize(("name", "episodes"), [("dev", 60), ("challenge", 40)])
def test_sets_timed_episodes_for_twists(name: str, episodes: int) -> None:
    analyzer = Analyzer(corpus=None)
    n = sum(len(w.script(analyzer).episodes) for w in load_set(name) if w.kind == "subtitles")
    assert n >= episodes
    with (set_dir(name) / "labels" / "twists.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["category"] for r in rows} <= {"reveal", "reversal", "face_slap",
                                                      "betrayal", "crisis", "hook"}


def test_sets_challenge_gold_follows_from_the_annotations() -> None:
    """Gold = at least two of writer and two blind annotators (tools/sets_tool.py)."""
    tool = _tool()
    folder = set_dir("challenge")
    for kind in ("synopsis", "script", "subtitles"):
        gold = tool.gold_tropes(folder, kind)
        works = {w.id: w for w in load_set("challenge")}
        for work_id, (tropes, votes) in gold.items():
            assert works[work_id].gold == frozenset(tropes), work_id
            assert all(v >= 2 for t, v in votes.items() if t in tropes)
    marks = tool.twist_marks(folder)
    assert set(marks) == {"writer", "e", "f"}
