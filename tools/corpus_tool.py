"""Maintainer tool for the bundled sample corpus.

Writers draft a script with inline annotations, then ``finalize`` strips them and
records what they marked, by the line numbers of the clean file:

* ``{{twist:CATEGORY}}`` at the end of a line marks a twist line
  (categories: reveal, reversal, face_slap, betrayal, crisis, hook).
* ``{{neg:TROPE_ID:WORD}}`` marks a hard negative: an ordinary use of a trope word
  (e.g. ``{{neg:chongsheng:注重生活}}``) that must not fire that trope.

Each script also gets a metadata record for the manifest. Records live one file per
script under ``tools/corpus_parts/`` so that writers never edit a shared file;
``merge`` rebuilds ``manifest.csv`` and ``labels/*.csv`` from them.

Twist labels are gold only by agreement (see ``docs/twist_labels.md``): besides the writer's
inline marks, two more annotators label each script independently, from the numbered clean
file and the guideline alone, into ``corpus_parts/annotations/{b,c}/ID.csv`` (``line,category``).
``merge`` keeps a twist line that at least two of the three marked within one line of it
(``labels/twists.csv``, with its number of ``votes``) and writes every annotator's labels to
``labels/twist_annotations.csv``; ``agreement`` prints how far the annotators agree.

Usage::

    python tools/corpus_tool.py finalize DRAFT OUT --id s001
    python tools/corpus_tool.py meta --id s001 --title 标题 --file scripts/s001.txt \
        --format text --tropes "haomen;fuchou" [--derived-from s000] [--note ...]
    python tools/corpus_tool.py stats FILE...
    python tools/corpus_tool.py merge
    python tools/corpus_tool.py agreement
"""

from __future__ import annotations

import argparse
import csv
import functools
import re
import sys
from pathlib import Path

TWIST_CATEGORIES = {"reveal", "reversal", "face_slap", "betrayal", "crisis", "hook"}
MARK = re.compile(r"\{\{(twist|neg):([^}]*)\}\}")
EPISODE = re.compile(
    r"^\s*(?:#+\s*)?[【\[]?\s*(?:第\s*([0-9一二三四五六七八九十百零两]+)\s*集|EP\s*0*(\d+))",
    re.IGNORECASE,
)
HAN = re.compile(r"[\u3400-\u9fff]")
CORPUS = Path(__file__).resolve().parent.parent / "corpora_sample"
PARTS = Path(__file__).resolve().parent / "corpus_parts"
MANIFEST_COLUMNS = ["id", "title", "file", "format", "tropes", "derived_from", "note"]
TWIST_COLUMNS = ["script_id", "episode", "line", "category"]
GOLD_COLUMNS = [*TWIST_COLUMNS, "votes"]
ANNOTATION_COLUMNS = ["script_id", "annotator", "episode", "line", "category"]
ANNOTATORS = ("b", "c")  # besides the writer
NEG_COLUMNS = ["script_id", "line", "trope", "word"]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def _read_rows(pattern: str) -> list[list[str]]:
    rows: list[list[str]] = []
    for part in sorted(PARTS.glob(pattern)):
        with part.open(encoding="utf-8", newline="") as fh:
            rows.extend(list(csv.reader(fh))[1:])
    return rows


def _annotations() -> dict[str, dict[str, list[tuple[int, str]]]]:
    """Per script id with every annotation present: per annotator ('writer', 'b', 'c'),
    its (line, category) marks."""
    marks: dict[str, dict[str, list[tuple[int, str]]]] = {}
    for row in _read_rows("*.twists.csv"):
        marks.setdefault(row[0], {"writer": []})["writer"].append((int(row[2]), row[3]))
    for sid in list(marks):
        for who in ANNOTATORS:
            path = PARTS / "annotations" / who / f"{sid}.csv"
            if not path.is_file():
                del marks[sid]
                break
            with path.open(encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh))
            for r in rows:
                if r["category"] not in TWIST_CATEGORIES:
                    sys.exit(f"{path}: unknown twist category {r['category']!r}")
            marks[sid][who] = [(int(r["line"]), r["category"]) for r in rows]
    return marks


@functools.cache
def _paths() -> dict[str, Path]:
    from tropescan.sample import read_manifest

    return {w.id: w.path for w in read_manifest(CORPUS / "manifest.csv")}


def _episodes(script_id: str) -> dict[int, int]:
    """Source line -> episode number, as tropescan parses the script."""
    import tropescan

    script = tropescan.read(_paths()[script_id])
    return {ln.source_line: ep.number for ep in script.episodes for ln in ep.lines}


def merge() -> None:
    from tropescan.evaluation import majority_twists

    meta = sorted(_read_rows("*.meta.csv"), key=lambda r: r[0])
    _write(CORPUS / "manifest.csv", MANIFEST_COLUMNS, meta)
    marks = _annotations()
    writer_only = {r[0] for r in _read_rows("*.twists.csv")} - set(marks)
    if writer_only:
        sys.exit(f"twist labels without both annotations: {sorted(writer_only)}")
    gold: list[list[str]] = []
    every: list[list[str]] = []
    for sid in sorted(marks):
        ep_of = _episodes(sid)
        for who, mk in marks[sid].items():
            for line, cat in sorted(mk):
                if line not in ep_of:
                    sys.exit(f"{sid}: annotator {who} labels line {line}, not a script line")
                every.append([sid, who, str(ep_of[line]), str(line), cat])
        for line, cat, votes in majority_twists(marks[sid]):
            gold.append([sid, str(ep_of[line]), str(line), cat, str(votes)])
    _write(CORPUS / "labels" / "twists.csv", GOLD_COLUMNS, gold)
    _write(CORPUS / "labels" / "twist_annotations.csv", ANNOTATION_COLUMNS, every)
    ng = sorted(_read_rows("*.neg.csv"), key=lambda r: (r[0], int(r[1])))
    _write(CORPUS / "labels" / "hard_negatives.csv", NEG_COLUMNS, ng)
    print(f"manifest: {len(meta)} scripts; {len(gold)} gold twist labels from "
          f"{len(every)} annotations; {len(ng)} hard negatives")


def agreement() -> None:
    from tropescan.evaluation import twist_agreement

    marks = _annotations()
    by_who = {who: {sid: m[who] for sid, m in marks.items()} for who in ("writer", *ANNOTATORS)}
    table = twist_agreement(by_who, {sid: _episodes(sid) for sid in marks})
    print(table.to_string(index=False))
    print(f"mean pairwise F1 {table['f1'].mean():.3f}; episodes within 20%: "
          f"{table['density_within_20pct'].mean():.3f}")


def finalize(draft: Path, out: Path, script_id: str) -> None:
    twists: list[list[str]] = []
    negs: list[list[str]] = []
    clean: list[str] = []
    episode = 0
    for n, raw in enumerate(draft.read_text(encoding="utf-8").splitlines(), start=1):
        if EPISODE.match(raw):
            episode += 1
        for kind, arg in MARK.findall(raw):
            if kind == "twist":
                if arg not in TWIST_CATEGORIES:
                    sys.exit(f"{draft}:{n}: unknown twist category {arg!r}")
                twists.append([script_id, str(max(episode, 1)), str(n), arg])
            else:
                parts = arg.split(":", 1)
                if len(parts) != 2:
                    sys.exit(f"{draft}:{n}: neg marker needs TROPE_ID:WORD, got {arg!r}")
                negs.append([script_id, str(n), parts[0], parts[1]])
        clean.append(MARK.sub("", raw).rstrip())
    out.write_text("\n".join(clean) + "\n", encoding="utf-8")
    # One file per script and kind, rewritten each time: finalize can be rerun safely.
    _write(PARTS / f"{script_id}.twists.csv", TWIST_COLUMNS, twists)
    _write(PARTS / f"{script_id}.neg.csv", NEG_COLUMNS, negs)
    print(f"{out}: {len(clean)} lines, {len(twists)} twist labels, {len(negs)} hard negatives")


def stats(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    eps = sum(1 for line in text.splitlines() if EPISODE.match(line))
    print(f"{path}: {len(HAN.findall(text))} Chinese characters, {eps} episode markers")


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("finalize")
    f.add_argument("draft", type=Path)
    f.add_argument("out", type=Path)
    f.add_argument("--id", required=True)
    s = sub.add_parser("stats")
    s.add_argument("files", type=Path, nargs="+")
    m = sub.add_parser("meta")
    for name in ("--id", "--title", "--file", "--format", "--tropes"):
        m.add_argument(name, required=True)
    m.add_argument("--derived-from", default="")
    m.add_argument("--note", default="")
    sub.add_parser("merge")
    sub.add_parser("agreement")
    args = ap.parse_args()
    if args.cmd == "finalize":
        finalize(args.draft, args.out, args.id)
    elif args.cmd == "stats":
        for p in args.files:
            stats(p)
    elif args.cmd == "meta":
        row = [args.id, args.title, args.file, args.format, args.tropes, args.derived_from,
               args.note]
        _write(PARTS / f"{args.id}.meta.csv", MANIFEST_COLUMNS, [row])
        print(f"recorded {args.id}")
    elif args.cmd == "agreement":
        agreement()
    else:
        merge()


if __name__ == "__main__":
    main()
