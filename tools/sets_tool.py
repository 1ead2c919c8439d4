"""Maintainer tool for the labelled development and challenge sets.

Both sets are team-written (see each folder's README). Layout of a set folder::

    synopses.csv        id,title,synopsis,style,tropes       (tropes: the gold labels)
    manifest.csv        id,title,file,format,kind,style,tropes,established
    scripts/, subtitles/
    labels/             who said what: writer_*.csv, annotator_*.csv, twists.csv ...

The challenge set's gold is by agreement: every work is labelled by its writer (intended) and
by two annotators who read only the text and the guideline (docs/tropes.md,
docs/twist_labels.md). A trope is gold when at least two of the three gave it; a twist cue is
gold when at least two of the three marked one within ``TWIST_TOLERANCE_S`` of it (the greedy
rule of ``tropescan.evaluation.majority_twists``, on times in tenths of a second).

Usage::

    python tools/sets_tool.py merge challenge     # writes the gold columns and labels/twists.csv
    python tools/sets_tool.py agreement challenge # annotator agreement, as evaluate scores it
"""

from __future__ import annotations

import csv
import io
import itertools
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tropescan.evaluation import majority_twists, rates  # noqa: E402

TWIST_TOLERANCE_S = 2.0
#: per kind of work: (file with the works, writer labels, the two annotators' label files)
SOURCES = {
    "synopsis": ("labels/writer_synopses.csv", ["labels/annotator_a_synopses.csv",
                                                "labels/annotator_b_synopses.csv"]),
    "script": ("labels/writer_long.csv", ["labels/annotator_c_long.csv",
                                          "labels/annotator_d_long.csv"]),
    "subtitles": ("labels/writer_subtitles.csv", ["labels/annotator_e_subtitles_tropes.csv",
                                                  "labels/annotator_f_subtitles_tropes.csv"]),
}
TWIST_SOURCES = {"writer": "labels/writer_twists.csv", "e": "labels/annotator_e_twists.csv",
                 "f": "labels/annotator_f_twists.csv"}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write(path: Path, rows: list[dict[str, object]], columns: list[str]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def tropes_of(row: dict[str, str]) -> set[str]:
    return {t for t in (row.get("tropes") or "").split(";") if t}


def labels(folder: Path, rel: str) -> dict[str, set[str]]:
    rows = read(folder / rel)
    key = "id" if "id" in rows[0] else "series"
    return {r[key]: tropes_of(r) for r in rows}


def gold_tropes(folder: Path, kind: str) -> dict[str, tuple[set[str], dict[str, int]]]:
    """Per work: the gold tropes and the votes of every trope anyone gave."""
    writer_rel, annotator_rels = SOURCES[kind]
    sources = [labels(folder, writer_rel)] + [labels(folder, r) for r in annotator_rels]
    out = {}
    for work in sources[0]:
        votes: dict[str, int] = defaultdict(int)
        for src in sources:
            for t in src[work]:
                votes[t] += 1
        out[work] = ({t for t, v in votes.items() if v >= 2}, dict(votes))
    return out


def twist_marks(folder: Path) -> dict[str, dict[tuple[str, int], list[tuple[int, str]]]]:
    """Per annotator, per (series, episode): (time in tenths of a second, category)."""
    out: dict[str, dict[tuple[str, int], list[tuple[int, str]]]] = {}
    for who, rel in TWIST_SOURCES.items():
        marks: dict[tuple[str, int], list[tuple[int, str]]] = defaultdict(list)
        for r in read(folder / rel):
            marks[(r["series"], int(r["episode"]))].append(
                (round(float(r["start"]) * 10), r["category"]))
        out[who] = marks
    return out


def merge(folder: Path) -> None:
    for kind, target in (("synopsis", "synopses.csv"), ("script", "manifest.csv"),
                         ("subtitles", "manifest.csv")):
        gold = gold_tropes(folder, kind)
        rows = read(folder / target)
        for r in rows:
            if r["id"] in gold:
                r["tropes"] = ";".join(sorted(gold[r["id"]][0]))
        write(folder / target, rows, list(rows[0]))
    marks = twist_marks(folder)
    episodes = sorted({k for m in marks.values() for k in m})
    out = []
    for series, episode in episodes:
        per = {who: m.get((series, episode), []) for who, m in marks.items()}
        for tenth, category, votes in majority_twists(per, tolerance=round(TWIST_TOLERANCE_S * 10)):
            out.append({"series": series, "episode": episode, "start": tenth / 10,
                        "category": category, "votes": votes})
    write(folder / "labels" / "twists.csv", out, ["series", "episode", "start", "category",
                                                  "votes"])
    print(f"{folder.name}: gold tropes written; {len(out)} gold twists")


def agreement(folder: Path) -> None:
    print("tropes (micro-F1 between two label sources):")
    for kind, (writer_rel, annotator_rels) in SOURCES.items():
        named = {"writer": labels(folder, writer_rel)}
        named.update({Path(r).stem.split("_")[1]: labels(folder, r) for r in annotator_rels})
        for a, b in itertools.combinations(named, 2):
            tp = fp = fn = 0
            for work, ta in named[a].items():
                tb = named[b].get(work, set())
                tp, fp, fn = tp + len(ta & tb), fp + len(ta - tb), fn + len(tb - ta)
            print(f"  {kind:9s} {a} vs {b}: F1 {rates(tp, tp + fp, tp, tp + fn)[2]:.3f}")
    marks = twist_marks(folder)
    print(f"twists (F1 within {TWIST_TOLERANCE_S:g} s):")
    for a, b in itertools.combinations(marks, 2):
        hit_a = n_a = hit_b = n_b = 0
        for key in set(marks[a]) | set(marks[b]):
            ta = [t for t, _ in marks[a].get(key, [])]
            tb = [t for t, _ in marks[b].get(key, [])]
            tol = TWIST_TOLERANCE_S * 10
            n_a, n_b = n_a + len(ta), n_b + len(tb)
            hit_a += sum(any(abs(x - y) <= tol for y in tb) for x in ta)
            hit_b += sum(any(abs(x - y) <= tol for x in ta) for y in tb)
        print(f"  {a} vs {b}: F1 {rates(hit_a, n_a, hit_b, n_b)[2]:.3f} ({n_a} vs {n_b} marks)")


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("merge", "agreement"):
        print(__doc__)
        return 2
    folder = ROOT / f"corpora_{argv[1]}"
    (merge if argv[0] == "merge" else agreement)(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
