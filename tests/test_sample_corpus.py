"""The bundled sample corpus (``corpora_sample/``): its manifest, labels and licence.

Issue "Originality against a corpus, and the homogeneity of a collection". The originality
cross-checks lean on this corpus, so its promises are tested here: every file listed, known
trope labels, enough works of every format and trope, declared near-copies, twist labels that
point at real lines, and no undeclared near-duplicates (checked independently of tropescan's
own index, with character 5-gram Jaccard over the normalised text).
"""

from __future__ import annotations

import csv
import itertools
import re
from functools import cache

import pytest

import tropescan
from tropescan._resources import corpus_dir
from tropescan.evaluation import majority_twists
from tropescan.lexicon import load_lexicon
from tropescan.model import Script
from tropescan.readers.decode import read_text
from tropescan.sample import Work, read_manifest, twist_annotations, twist_labels

CORPUS = corpus_dir()
WORKS = read_manifest()
BY_ID = {w.id: w for w in WORKS}
HAN = re.compile(r"[\u3400-\u9fff]")
NON_WORD = re.compile(r"[\W_]+")
SHINGLE = 5
#: Jaccard of character 5-grams above which two scripts count as near-duplicates.
NEAR_DUPLICATE = 0.2


@cache
def read(work_id: str) -> Script:
    return tropescan.read(BY_ID[work_id].path)


@cache
def shingles(work_id: str) -> frozenset[str]:
    text = NON_WORD.sub("", read(work_id).text)
    return frozenset(text[i:i + SHINGLE] for i in range(len(text) - SHINGLE + 1))


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def declared(a: Work, b: Work) -> bool:
    """A near-copy of the other, or both copies of one source."""
    return a.family == b.family


def test_sample_corpus_manifest_lists_every_file() -> None:
    listed = {w.path.relative_to(CORPUS / "scripts").as_posix() for w in WORKS}
    on_disk = {p.relative_to(CORPUS / "scripts").as_posix()
               for p in (CORPUS / "scripts").rglob("*") if p.is_file()}
    assert listed == on_disk
    assert len(listed) == len(WORKS), "a file is listed twice"
    assert len({w.id for w in WORKS}) == len(WORKS), "duplicate ids"


def test_sample_corpus_trope_labels_are_lexicon_ids() -> None:
    known = set(load_lexicon().tropes)
    unknown = {(w.id, t) for w in WORKS for t in w.tropes if t not in known}
    assert unknown == set()


def test_sample_corpus_derived_from_exists() -> None:
    missing = {(w.id, w.derived_from) for w in WORKS if w.derived_from
               and (w.derived_from not in BY_ID or w.derived_from == w.id)}
    assert missing == set()
    # a near-copy's source is an original, so families are one level deep
    assert all(not BY_ID[w.derived_from].derived_from for w in WORKS if w.derived_from)


ORIGINALS = [w for w in WORKS if not w.derived_from]

COUNTS = [
    pytest.param(lambda: sum(1 for w in ORIGINALS if w.format in ("text", "markdown")), 60,
                 id="text-or-markdown-originals"),
    pytest.param(lambda: sum(1 for w in WORKS if w.format == "fountain"), 4, id="fountain"),
    pytest.param(lambda: sum(1 for w in WORKS if w.format == "srt"), 4, id="srt"),
    pytest.param(lambda: sum(1 for w in WORKS if w.format == "docx"), 2, id="docx"),
    pytest.param(lambda: sum(1 for w in WORKS if not w.tropes), 12, id="no-trope"),
    pytest.param(lambda: sum(1 for w in WORKS if w.derived_from), 6, id="near-copies"),
]


@pytest.mark.parametrize(("count", "minimum"), COUNTS)
def test_sample_corpus_has_enough(count: object, minimum: int) -> None:
    assert count() >= minimum  # type: ignore[operator]


def test_sample_corpus_formats_match_files() -> None:
    suffix = {"text": ".txt", "markdown": ".md", "fountain": ".fountain", "srt": ".srt",
              "docx": ".docx"}
    assert {(w.id, w.format) for w in WORKS if w.path.suffix != suffix.get(w.format)} == set()


#: The 14 first families the sample corpus was written for; the development set covers all 32
#: (tests/test_sets.py).
SAMPLE_TROPES = ["bazong", "chongsheng", "chuanyue", "fuchou", "gongdou", "haomen", "mengbao",
                 "nixi_dalian", "shanhun", "shenyi", "tishen", "tuihun", "zhanshen", "zhuixu"]


@pytest.mark.parametrize("trope", SAMPLE_TROPES)
def test_sample_corpus_trope_has_8_scripts(trope: str) -> None:
    assert sum(1 for w in WORKS if trope in w.tropes) >= 8


@pytest.mark.parametrize("work_id", sorted(BY_ID))
def test_sample_corpus_script_size(work_id: str) -> None:
    """3–8 episodes and 2,000–8,000 Han characters in the lines as written (speakers
    included, front matter not)."""
    script = read(work_id)
    han = sum(len(HAN.findall(line.text)) for line in script.lines)
    assert 3 <= len(script.episodes) <= 8
    assert 2000 <= han <= 8000
    assert script.format == BY_ID[work_id].format


def test_sample_corpus_twist_labels() -> None:
    labels = twist_labels()
    assert {r["category"] for r in labels} <= {"reveal", "reversal", "face_slap", "betrayal",
                                               "crisis", "hook"}
    assert len({r["script_id"] for r in labels}) >= 20
    problems = []
    for row in labels:
        work = BY_ID.get(row["script_id"])
        if work is None:
            problems.append((row, "unknown script"))
            continue
        line_no, episode = int(row["line"]), int(row["episode"])
        found = [(ep.number, line) for ep in read(work.id).episodes for sc in ep.scenes
                 for line in sc.lines if line.source_line == line_no]
        if [ep for ep, _ in found] != [episode]:
            problems.append((row, f"episodes of that line: {[ep for ep, _ in found]}"))
        elif not found[0][1].text.strip():
            problems.append((row, "blank line"))
        if work.format in ("text", "markdown"):
            raw = read_text(work.path)[0].splitlines()  # some are GB18030, as writers save
            if not (1 <= line_no <= len(raw)) or not raw[line_no - 1].strip():
                problems.append((row, "not a non-blank line of the file"))
    assert problems == []


def test_sample_corpus_gold_twists_are_the_annotators_majority() -> None:
    """Every labelled script has three independent annotations (docs/twist_labels.md), and
    ``twists.csv`` is exactly what at least two of them agree on."""
    marks: dict[str, dict[str, list[tuple[int, str]]]] = {}
    episode_of: dict[tuple[str, int], str] = {}
    for row in twist_annotations():
        marks.setdefault(row["script_id"], {}).setdefault(row["annotator"], []).append(
            (int(row["line"]), row["category"]))
        episode_of[row["script_id"], int(row["line"])] = row["episode"]
    gold = sorted((r["script_id"], int(r["line"]), r["category"], int(r["votes"]))
                  for r in twist_labels())
    assert {sid for sid, *_ in gold} == set(marks)
    assert all(set(m) == {"writer", "b", "c"} for m in marks.values())
    expected = sorted((sid, line, cat, votes) for sid, m in marks.items()
                      for line, cat, votes in majority_twists(m))
    assert gold == expected
    # and every annotated line is a real line of its episode, like the gold ones
    for (sid, line), episode in episode_of.items():
        found = [ep.number for ep in read(sid).episodes for ln in ep.lines
                 if ln.source_line == line]
        assert found == [int(episode)], (sid, line)


def test_sample_corpus_readme_states_origin_and_licence() -> None:
    readme = next((p for p in CORPUS.iterdir() if p.name.lower().startswith("readme")), None)
    assert readme is not None, f"no README in {CORPUS}"
    text = readme.read_text(encoding="utf-8").lower()
    assert re.search(r"synthetic|team-written|written by the team|虚构|原创", text)
    assert re.search(r"licen[cs]e|cc[- ]by|cc0|mit|许可", text)


def test_sample_corpus_no_undeclared_near_duplicates() -> None:
    undeclared, weak = [], []
    for a, b in itertools.combinations(WORKS, 2):
        j = jaccard(a.id, b.id)
        if declared(a, b):
            if j < NEAR_DUPLICATE / 2:
                weak.append((a.id, b.id, round(j, 3)))
        elif j >= NEAR_DUPLICATE:
            undeclared.append((a.id, b.id, round(j, 3)))
    assert undeclared == []
    # the measure does see the declared copies, so a pass above is not for lack of signal
    assert weak == []


def test_sample_corpus_labels_files_exist() -> None:
    for name in ("twists.csv", "twist_annotations.csv", "hard_negatives.csv"):
        path = CORPUS / "labels" / name
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert rows, name
        assert {r.get("script_id") for r in rows} <= set(BY_ID), name
