"""Corpus index at 1k and 10k scripts (issue "Originality", point 6): build rate, memory per
script, query latency against brute force, peak RSS.

Run from a checkout after ``pip install -e '.[test]'``::

    python benchmarks/bench_index.py            # 1,000 and 10,000 synthetic scripts
    python benchmarks/bench_index.py --quick    # 300 and 1,000 (< 60 s)

Synthetic corpus. The sample corpus is split: a few works are held out as queries (works no
other sample work derives from); the scenes of the others are the material. A synthetic
script is 8-16 scenes drawn at random (seeded) from different sample scripts, in 3-5
episodes. Building 10,000 of them through the full reader + segmenter + analysis would take
many minutes, so the benchmark measures the two halves of a build separately:

* extraction: a subset of the synthetic scripts is written as ``.txt`` files and run through
  ``tropescan.batch.feature_results`` (read, timing, segment, analyse, ``work_features``:
  exactly what ``build_index`` does per file, jobs=1), timed per script;
* assembly: ``CorpusIndex.from_features`` over all N scripts, whose ``WorkFeatures`` are put
  together from per-scene pieces computed with the library's own functions (``features`` of
  the scene's tokens, ``script_chunks`` + ``signatures``: chunks never cross a scene, so a
  recombined script's chunks are its scenes' chunks). A check line compares these composed
  features with the extracted ones for the subset.

Build rate (scripts/s) = N / (N x extraction seconds per script + assembly seconds).

Memory per script = bytes of what a query searches (``X`` + ``XT`` + ``sig`` + ``bands`` +
``chunk_pos``) / N; the band lookup table that the first query builds is printed apart.

Query latency = ``score_originality`` for one script (nearest works by cosine, LSH candidates,
reuse verification, trope combination, stock lines) against the index saved and loaded back
(memory-mapped, as ``tropescan scan --corpus DIR`` uses it). Two kinds of query script:

* held out: a sample work that is not in the material, i.e. a new script (the normal case);
* recombined: a new mix of scenes that are all in the index, each scene ~N x 12 / 900 times:
  every chunk is a reused passage with hundreds of exact copies (the worst case).

Brute force, timed in the same run on the same queries: dense cosine of the query vector
against the dense ``X`` and the MinHash Jaccard of every query chunk against every corpus
chunk. Targets: <= 20 KB per script and query <= 50 ms at 10k.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    long_script,
    machine_load,
    median,
    peak_rss_mb,
    print_machine,
    ratio_line,
    render_scene,
    sample_scripts,
    target_line,
    timed,
)

SEED = 20240611


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="300 and 1,000 scripts (< 60 s)")
    p.add_argument("--sizes", type=int, nargs="+",
                   help="corpus sizes (default 1000 10000; --quick 300 1000)")
    p.add_argument("--subset", type=int, help="scripts extracted from files to time extraction "
                   "(default 200; --quick 40)")
    p.add_argument("--repeat", type=int, help="timed runs per query (default 5; --quick 3)")
    p.add_argument("--long-references-only", action="store_true",
                   help="only the long-reference part (the main run starts it in a fresh "
                   "process, so that its peak RSS is its own)")
    args = p.parse_args(argv)
    args.sizes = args.sizes or ([300, 1000] if args.quick else [1000, 10000])
    args.subset = args.subset or (40 if args.quick else 200)
    args.repeat = args.repeat or (3 if args.quick else 5)
    return args


# --- material: per-scene pieces of the sample scripts -----------------------------------------

@dataclass
class ScenePiece:
    work: str
    tropes: str
    scene: Any  # tropescan.model.Scene, to render it back as text
    counts: Counter
    chunks: list[tuple[int, int, str, str]]  # (line_start, line_end, display, match) per chunk
    sig: np.ndarray  # (n_chunks, 64) uint32
    n_chars: int
    beats: np.ndarray  # the scene's plot-skeleton beat codes (uint16)


def scene_pieces(analyzer: Any, works: list[tuple[Any, Any]]) -> list[ScenePiece]:
    from tropescan.chunks import script_chunks, signatures
    from tropescan.segment import features
    from tropescan.skeleton import extract

    stock = list(analyzer.lexicon.stock_lines)
    pieces = []
    for work, script in works:
        tokens = analyzer.segmenter.tokenize(script.text)
        skeleton = extract(script, analyzer.beats)
        codes = skeleton.codes(analyzer.beats)
        beat_lines = np.array([b.line for b in skeleton.beats], dtype=np.int64)
        chunks = script_chunks(script, stock)
        sig = signatures(chunks)
        by_scene: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, c in enumerate(chunks):
            by_scene[(c.episode, c.scene)].append(i)
        for ep in script.episodes:
            for sc in ep.scenes:
                lines = [ln for ln in sc.lines if ln.norm]
                if not lines:
                    continue
                start, end = lines[0].offset, lines[-1].offset + len(lines[-1].norm)
                own = by_scene.get((ep.number, sc.number), [])
                pieces.append(ScenePiece(
                    work.id, ";".join(work.tropes), sc, Counter(features(tokens.span(start, end))),
                    [(chunks[i].line_start, chunks[i].line_end, chunks[i].display,
                      chunks[i].match) for i in own],
                    sig[own] if own else np.zeros((0, sig.shape[1]), np.uint32),
                    sum(len(ln.norm) + 1 for ln in lines),
                    codes[(beat_lines >= lines[0].source_line)
                          & (beat_lines <= lines[-1].source_line)]))
    return pieces


def recipes(pieces: list[ScenePiece], n: int, seed: int) -> list[list[list[int]]]:
    """Per synthetic script: episodes, each a list of scene indices from different works."""
    rng = random.Random(seed)
    by_work: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pieces):
        by_work[p.work].append(i)
    works = sorted(by_work)
    out = []
    for _ in range(n):
        n_scenes = rng.randint(8, 16)
        chosen_works = rng.sample(works, min(n_scenes, len(works)))
        scenes = [rng.choice(by_work[w]) for w in chosen_works]
        n_eps = rng.randint(3, 5)
        cut = sorted(rng.sample(range(1, len(scenes)), n_eps - 1))
        out.append([scenes[a:b] for a, b in zip([0, *cut], [*cut, len(scenes)], strict=True)])
    return out


def compose(pieces: list[ScenePiece], recipe: list[list[int]], k: int) -> Any:
    """The ``WorkFeatures`` of a recombined script, from its scenes' pieces."""
    from tropescan.borrowing import fingerprints
    from tropescan.corpus import WorkFeatures

    counts: Counter = Counter()
    chunk_pos, chunk_text, chunk_match, sigs, n_chars, beats = [], [], [], [], 0, []
    lead: Counter = Counter()
    ids = []
    for e, episode in enumerate(recipe, start=1):
        for s, i in enumerate(episode, start=1):
            p = pieces[i]
            counts.update(p.counts)
            chunk_pos += [(e, s, l0, l1) for l0, l1, _, _ in p.chunks]
            chunk_text += [d for _, _, d, _ in p.chunks]
            chunk_match += [m for _, _, _, m in p.chunks]
            sigs.append(p.sig)
            beats.append(p.beats)
            n_chars += p.n_chars
            lead[p.tropes] += 1
            ids.append(str(i))
    digest = hashlib.sha1(",".join(ids).encode()).hexdigest()[:16]
    return WorkFeatures(
        id=f"syn{k:05d}", title=f"合成剧{k}", path=f"syn{k:05d}.txt", format="text", labels="",
        tropes=lead.most_common(1)[0][0], derived_from="", note="", n_chars=n_chars,
        digest=digest, counts=dict(counts), chunk_pos=chunk_pos, chunk_text=chunk_text,
        chunk_match=chunk_match,
        sig=np.concatenate(sigs) if sigs else np.zeros((0, 64), np.uint32),
        fingerprints=fingerprints("".join(chunk_match)),
        beats=np.concatenate(beats).astype(np.uint16) if beats else np.zeros(0, np.uint16))


def compose_all(pieces: list[ScenePiece], recipe_list: list[list[list[int]]]) -> list[Any]:
    return [compose(pieces, r, k) for k, r in enumerate(recipe_list)]


def render(pieces: list[ScenePiece], recipe: list[list[int]], k: int) -> str:
    lines = [f"剧本名：《合成剧{k}》"]
    for e, episode in enumerate(recipe, start=1):
        lines.append(f"第{e}集")
        for s, i in enumerate(episode, start=1):
            lines.extend(render_scene(pieces[i].scene, e, s))
    return "\n".join(lines) + "\n"


# --- measurements -------------------------------------------------------------------------------

def searchable_bytes(index: Any) -> dict[str, int]:
    def csr(m: Any) -> int:
        return int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes)

    return {"X": csr(index._csr), "XT": csr(index.postings()), "sig": int(index.sig.nbytes),
            "bands": int(index.bands.nbytes), "chunk_pos": int(index.chunk_pos.nbytes),
            "lookups": int(index.lookups.nbytes())}


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


@dataclass
class Query:
    kind: str
    name: str
    script: Any
    tokens: Any
    scores: Any


def make_queries(analyzer: Any, held: list[tuple[Any, Any]], pieces: list[ScenePiece],
                 folder: Path, n_recombined: int) -> list[Query]:
    out = []
    for work, script in held:
        tokens = analyzer.segmenter.tokenize(script.text)
        out.append(Query("held out", work.id, script, tokens,
                         analyzer.analyze(script).trope_scores))
    for k, recipe in enumerate(recipes(pieces, n_recombined, SEED + 1)):
        path = folder / f"query{k}.txt"
        path.write_text(render(pieces, recipe, 90000 + k), encoding="utf-8")
        script = analyzer.read(path)
        out.append(Query("recombined", path.stem, script, analyzer.segmenter.tokenize(script.text),
                         analyzer.analyze(script).trope_scores))
    return out


def brute_cosine(index: Any, dense_X: np.ndarray, counts: dict[str, int]) -> np.ndarray:
    """Cosine with every work: the query vector against the dense matrix of all works."""
    idx, vals = index.query_vector(counts)
    q = np.zeros(len(index.vocab), dtype=np.float32)
    q[idx] = vals
    return dense_X @ q


def brute_jaccard(sig_all: np.ndarray, qsig: np.ndarray, threshold: float) -> list[np.ndarray]:
    """Estimated Jaccard of every query chunk with every corpus chunk; those >= threshold."""
    return [np.flatnonzero((sig_all == row).mean(axis=1) >= threshold) for row in qsig]


def time_queries(index: Any, lexicon: Any, queries: list[Query], repeat: int,
                 dense_X: np.ndarray | None, beats: Any = None) -> dict[str, dict[str, float]]:
    """Median seconds per query kind: score_originality, its search parts, brute force."""
    from tropescan.chunks import band_keys, script_chunks, signatures
    from tropescan.originality import CANDIDATE_JACCARD, score_originality
    from tropescan.segment import features

    stock = list(lexicon.stock_lines)
    per_kind: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    sig_all = np.asarray(index.sig)
    for q in queries:
        reps = repeat if q.kind == "held out" else 1  # the worst case is slow: once is enough
        counts = dict(Counter(features(q.tokens.words)))
        chunks = script_chunks(q.script, stock)
        qsig = signatures(chunks)
        qbands = band_keys(qsig)
        rec = per_kind[q.kind]
        for _ in range(reps):
            t, o = timed(score_originality, q.script, q.tokens, q.scores, index, lexicon,
                         beats=beats)
            rec["score_originality"].append(t)
            # the same without plot lookups: the query as it was before plot skeletons
            t_np, _ = timed(score_originality, q.script, q.tokens, q.scores, index, lexicon)
            rec["score_originality, no plot"].append(t_np)
            t_sim, _ = timed(index.similarities, counts)
            t_lsh, cands = timed(index.lsh_candidates, qbands)
            rec["similarities"].append(t_sim)
            rec["lsh_candidates"].append(t_lsh)
            rec["index search"].append(t_sim + t_lsh)
            rec["work_tropes()"].append(timed(index.work_tropes)[0])
            if dense_X is not None:
                t_bc, _ = timed(brute_cosine, index, dense_X, counts)
                t_bj, _ = timed(brute_jaccard, sig_all, qsig, CANDIDATE_JACCARD)
                rec["brute: dense cosine"].append(t_bc)
                rec["brute: all-pairs Jaccard"].append(t_bj)
                rec["brute-force search"].append(t_bc + t_bj)
        rec["candidates per chunk"].append(
            float(np.mean([len(c) for c in cands])) if cands else 0.0)
        rec["passages found"].append(float(len(o.passage_items)))
        rec["plot: best similarity"].append(o.plot_items[0].plot_similarity if o.plot_items
                                            else 0.0)
        if dense_X is not None and len(qsig):
            # LSH recall: pairs the brute force finds at an estimated Jaccard >= 0.5
            want = [set(np.flatnonzero((sig_all == row).mean(axis=1) >= 0.5).tolist())
                    for row in qsig]
            n_want = sum(len(w) for w in want)
            if n_want:
                got = sum(len(w & c) for w, c in zip(want, cands, strict=True))
                rec["LSH recall at J>=0.5"].append(got / n_want)
    return {kind: {k: median(v) for k, v in rec.items()} for kind, rec in per_kind.items()}


def synthetic_novel(analyzer: Any, target_chars: int, folder: Path) -> Path:
    """A long prose reference: the sample scripts' lines as paragraphs of numbered chapters,
    the corpus repeated (each pass in another order) until ``target_chars`` characters."""
    rng = random.Random(SEED + 7)
    scripts = [s for _, s in sample_scripts(analyzer)]
    out, total, chapter = ["长篇小说（合成）"], 0, 1
    while total < target_chars:
        rng.shuffle(scripts)
        for script in scripts:
            out.append(f"第{chapter}章")
            chapter += 1
            for ln in script.lines:
                if ln.content:
                    out.append(f"{chapter}·{ln.content}")
                    total += len(ln.content)
            if total >= target_chars:
                break
    path = folder / "novel.txt"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def long_references(analyzer: Any, folder: Path, quick: bool) -> bool:
    """Point 6 of the originality issue: index a 3-4 MB novel and an 80-episode script, then
    score an adaptation that lifts phrases from the novel."""
    from tropescan.batch import build_index
    from tropescan.normalize import counted_chars
    from tropescan.originality import score_originality

    chars = 300_000 if quick else 1_150_000
    print(f"== long references: a {chars:,}-character novel and an 80-episode script")
    novel = synthetic_novel(analyzer, chars, folder)
    series = long_script(analyzer, 150_000, folder)
    size_mb = novel.stat().st_size / 1e6
    rss0 = peak_rss_mb()
    t_build, index = timed(build_index, [novel, series], analyzer=analyzer)
    print(f"  indexed in {t_build:.1f} s: novel {size_mb:.1f} MB; {index.n_chunks:,} chunks; "
          f"lookups {index.lookups.nbytes() / 1e6:.1f} MB; peak RSS {peak_rss_mb():.0f} MB "
          f"(before {rss0:.0f} MB)")
    lines = [ln for ln in novel.read_text(encoding="utf-8").splitlines() if "·" in ln]
    lifted = [ln.split("·", 1)[1] for ln in lines[len(lines) // 3: len(lines) // 3 + 60]]
    body = ["第1集", "1-1 日 内 客厅"]
    for k, text in enumerate(lifted):
        body.append(f"林夏：{text}" if k % 2 else f"△{text}")
        body.append("林夏：这件事我得再想想，明天给你答复。")
    adaptation = folder / "adaptation.txt"
    adaptation.write_text("\n".join(body) + "\n", encoding="utf-8")
    script = analyzer.read(adaptation)
    tokens, _, _, scores = analyzer.tag_tropes(script)
    t_q, o = timed(score_originality, script, tokens, scores, index, analyzer.lexicon,
                   beats=analyzer.beats)
    share = o.borrowed_items[0].share if o.borrowed_items else 0.0
    # what a perfect detector reports: the lifted characters' share of the text (the filler
    # line between them is the adaptation's own)
    own = counted_chars("这件事我得再想想，明天给你答复。") * len(lifted)
    ideal = sum(counted_chars(t) for t in lifted) / (sum(counted_chars(t) for t in lifted) + own)
    print(f"  an adaptation lifting 60 lines of the novel: borrowed share {share:.0%} of an "
          f"ideal {ideal:.0%} ({len(o.borrowed_passages)} phrases shown) in {t_q * 1000:.0f} ms")
    ok = share >= 0.8 * ideal
    print(f"  target long_reference_borrowed_found: {'met' if ok else 'NOT met'}")
    return target_line("long_reference_peak_rss", peak_rss_mb(), "MB", "<=", 2000) and ok


def long_references_main(quick: bool) -> int:
    from tropescan.api import Analyzer

    analyzer = Analyzer(corpus=None)
    for part in ("segmenter", "classifier", "twist_model"):
        getattr(analyzer, part)
    print(f"  (fresh process; peak RSS after loading the analyzer {peak_rss_mb():.0f} MB)")
    with tempfile.TemporaryDirectory(prefix="tropescan-bench-long-") as tmp:
        ok = long_references(analyzer, Path(tmp), quick)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.long_references_only:
        return long_references_main(args.quick)
    print_machine("bench_index: CorpusIndex at scale", quick=args.quick)

    from tropescan.api import Analyzer
    from tropescan.batch import feature_results
    from tropescan.corpus import CorpusIndex
    from tropescan.sample import read_manifest
    from tropescan.sources import Source

    analyzer = Analyzer(corpus=None)  # what `tropescan index build` uses: no corpus needed
    for part in ("segmenter", "classifier", "twist_model"):  # load now, not on the clock
        getattr(analyzer, part)
    works = [(w, analyzer.read(w.path)) for w in read_manifest()]
    sources = {w.derived_from for w, _ in works if w.derived_from}
    roots = [(w, s) for w, s in works if not w.derived_from and w.id not in sources]
    held = roots[3::10]
    held_ids = {w.id for w, _ in held}
    material = [(w, s) for w, s in works if w.id not in held_ids]
    t, pieces = timed(scene_pieces, analyzer, material)
    print(f"material: {len(pieces)} scenes from {len(material)} sample works "
          f"({t:.1f} s); held out as queries: {', '.join(sorted(held_ids))}")
    print(f"peak RSS after loading the material: {peak_rss_mb():.0f} MB\n", flush=True)

    status: list[bool] = []
    with tempfile.TemporaryDirectory(prefix="tropescan-bench-") as tmp:
        tmp_path = Path(tmp)
        # -- extraction rate on a subset of real files ----------------------------------------
        sub_recipes = recipes(pieces, args.subset, SEED + 2)
        files = tmp_path / "subset"
        files.mkdir()
        items = []
        for k, recipe in enumerate(sub_recipes):
            path = files / f"syn{k:05d}.txt"
            path.write_text(render(pieces, recipe, k), encoding="utf-8")
            items.append(Source(path, {"id": f"syn{k:05d}"}))
        t_extract, extracted = timed(lambda: feature_results(items, analyzer))
        extracted = [r.features for r in extracted if r.features is not None]
        per_script = t_extract / len(items)
        chars = np.mean([f.n_chars for f in extracted])
        print(f"extraction (read + segment + analyse + work_features, jobs=1): {len(items)} files, "
              f"{len(extracted)} ok, {t_extract:.2f} s = {per_script * 1000:.1f} ms/script "
              f"({1 / per_script:.1f} scripts/s; mean {chars:.0f} chars/script)")
        composed = [compose(pieces, r, k) for k, r in enumerate(sub_recipes)]
        jac = [len(set(a.counts) & set(b.counts)) / max(1, len(set(a.counts) | set(b.counts)))
               for a, b in zip(composed, extracted, strict=False)]
        n_chunks = (sum(len(f.chunk_pos) for f in composed), sum(len(f.chunk_pos) for f in extracted))
        print(f"check: composed vs extracted features for the subset: term-set Jaccard "
              f"{np.mean(jac):.3f}, chunks {n_chunks[0]} vs {n_chunks[1]}\n", flush=True)

        queries = make_queries(analyzer, held, pieces, tmp_path, 3)

        for n in args.sizes:
            print(f"== N = {n:,} synthetic scripts")
            t_comp, feats = timed(compose_all, pieces, recipes(pieces, n, SEED))
            print(f"  composed features in {t_comp:.1f} s (not part of the build rate); "
                  f"peak RSS {peak_rss_mb():.0f} MB")
            t_asm, index = timed(CorpusIndex.from_features, feats, origin=analyzer.index_origin())
            feats = []
            rate = n / (n * per_script + t_asm)
            print(f"  assembly CorpusIndex.from_features: {t_asm:.2f} s "
                  f"({t_asm / n * 1000:.2f} ms/script); {index.n_chunks:,} chunks, "
                  f"vocabulary {len(index.vocab):,}, nnz {index.X.nnz:,}")
            print(f"  build rate = N / (N x {per_script * 1000:.1f} ms + {t_asm:.2f} s) = "
                  f"{rate:.1f} scripts/s on one core")
            parts = searchable_bytes(index)
            total = sum(parts.values())
            print("  searchable bytes per script: " + ", ".join(
                f"{k} {v / n:,.0f}" for k, v in parts.items()) + f"; total {total / n:,.0f} B")
            t_save, saved = timed(index.save, tmp_path / f"index{n}")
            disk = folder_bytes(saved)
            print(f"  saved in {t_save:.2f} s: {disk / 1e6:.1f} MB on disk "
                  f"({disk / n / 1024:.1f} KB/script, chunk text included)")
            index = None
            t_load, loaded = timed(CorpusIndex.load, saved, lexicon_version=analyzer.lexicon.version)
            t_table, _ = timed(loaded.band_table)
            keys, order = loaded.band_table()
            print(f"  loaded (memory-mapped) in {t_load:.2f} s; band table built by the first "
                  f"query in {t_table:.2f} s, {(keys.nbytes + order.nbytes) / n:,.0f} B/script more")
            print(f"  peak RSS after build + save + load: {peak_rss_mb():.0f} MB", flush=True)
            status.append(target_line(f"memory_per_script_{n}", total / n / 1024, "KB", "<=", 20))

            dense = loaded.X.toarray()
            print(f"  brute-force baseline holds a dense X: {dense.nbytes / 1e6:.0f} MB", flush=True)
            res = time_queries(loaded, analyzer.lexicon, queries, args.repeat, dense,
                               analyzer.beats)
            dense = None
            for kind, r in res.items():
                print(f"  query, {kind} ({sum(1 for q in queries if q.kind == kind)} scripts, "
                      "median ms):")
                for k, v in r.items():
                    unit = "" if k in ("candidates per chunk", "passages found",
                                       "LSH recall at J>=0.5", "plot: best similarity") else " ms"
                    shown = v if not unit else v * 1000
                    print(f"    {k:<28} {shown:10.2f}{unit}")
                tag = kind.replace(" ", "_")
                ratio_line(f"index_search_vs_bruteforce_{tag}_{n}",
                           r["index search"] / r["brute-force search"],
                           note="(similarities + lsh_candidates vs dense cosine + all-pairs "
                                "Jaccard; < 1: index faster)")
                ratio_line(f"score_originality_with_vs_without_plot_{tag}_{n}",
                           r["score_originality"] / r["score_originality, no plot"],
                           note="(plot lookups and alignment added to a query)")
                ratio_line(f"score_originality_vs_bruteforce_search_{tag}_{n}",
                           r["score_originality"] / r["brute-force search"],
                           note="(information: the whole query incl. verification)")
                if n == max(args.sizes):
                    met = target_line(f"query_latency_{tag}_{n}", r["score_originality"] * 1000,
                                      "ms", "<=", 50)
                    if kind == "held out":
                        status.append(met)
            print(f"  peak RSS after queries and brute force: {peak_rss_mb():.0f} MB\n", flush=True)
            loaded = None
    # A process's peak RSS never goes down: the long references run in a fresh one, so their
    # figure is not the 10k brute-force baseline's.
    child = subprocess.run([sys.executable, __file__, "--long-references-only",
                            *(["--quick"] if args.quick else [])], check=False)
    status.append(child.returncode == 0)
    print(f"peak RSS of the whole run: {peak_rss_mb():.0f} MB")
    print(f"targets met: {sum(status)}/{len(status)}")
    print(f"load at the end: {machine_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
