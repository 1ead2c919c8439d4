"""Speed of one full analysis against plain jieba (issue "Fast on one machine", point 5).

Run from a checkout after ``pip install -e '.[test]'``::

    python benchmarks/bench_analysis.py            # ~150k-character script, 5 warm runs
    python benchmarks/bench_analysis.py --quick    # ~30k characters, 2 cold runs: smoke check

What is measured, side by side in the same run:

1. warm: ``Analyzer.analyze(path)`` (read, segment, tropes, twists, originality against the
   bundled sample index) of one long script, with the Analyzer built once and a warm-up call
   first, against ``jieba.lcut`` of the same file text with jieba initialised first.
   Target: analysis <= 0.5x jieba.
2. cold: wall time of ``tropescan scan FILE --corpus sample`` in a fresh process (the sample
   index already cached on disk) against ``python -c "import jieba; jieba.initialize()"``.
   Target: <= 1.5x. Each command runs N times (default 3), alternating; medians are compared.
3. an 80-episode series (~50k characters, the first 80 episodes of the sample scripts):
   ``scan`` as a table, ``--format html -o`` and ``--plot DIR``, each in fresh processes.
   Targets: html and plot <= 1.5 s each (the table scan of the same file is printed beside).

The long script is the sample corpus's scripts written back, one after another, as one
plain-text series with episodes renumbered 1..N. Every passage of it is in the sample index,
so the originality stage verifies a reused passage for nearly every chunk: the worst case for
that stage. The stage breakdown printed after the ratio shows where the time goes.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    ensure_sample_index,
    fmt_times,
    interleaved,
    long_script,
    machine_load,
    median,
    print_machine,
    ratio_line,
    series_script,
    target_line,
    timed,
    tropescan_command,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke check under 60 s")
    p.add_argument("--chars", type=int, help="length of the long script (default 150000; "
                   "--quick 30000)")
    p.add_argument("--repeat", type=int, help="warm runs per side (default 5; --quick 3)")
    p.add_argument("--cold-runs", type=int, help="fresh processes per side (default 3; --quick 2)")
    args = p.parse_args(argv)
    args.chars = args.chars or (30_000 if args.quick else 150_000)
    args.repeat = args.repeat or (3 if args.quick else 5)
    args.cold_runs = args.cold_runs or (2 if args.quick else 3)
    return args


def run_process(cmd: list[str]) -> None:
    # An installed tropescan has its .pyc files (pip byte-compiles on install); under
    # PYTHONDONTWRITEBYTECODE a source checkout would time compiling ~60 modules on every start.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")


def stage_breakdown(analyzer, path: Path, repeat: int) -> dict[str, float]:
    """Median seconds per stage, calling the same library functions as ``Analyzer.analyze``."""
    from tropescan.chunks import band_keys, script_chunks, signatures
    from tropescan.originality import score_originality
    from tropescan.segment import features
    from tropescan.twists import detect_twists, episode_pacing, pacing_summary, twist_windows

    a, s = analyzer, analyzer.settings
    index = a.corpus
    samples: dict[str, list[float]] = {}

    def note(name: str, seconds: float) -> None:
        samples.setdefault(name, []).append(seconds)

    for _ in range(repeat):
        t, script = timed(a.read, path)
        note("read + timing", t)
        t, tokens = timed(a.segmenter.tokenize, script.text)
        note(f"segment ({a.segmenter.backend})", t)

        def tropes(script, tokens):
            _, place, _, scores = a.tag_tropes(script, tokens)  # the Analyzer's own stage
            return place, scores

        t, (place, scores) = timed(tropes, script, tokens)
        note("tropes (lexicon + classifier)", t)

        def twists(script, tokens, place):
            events = detect_twists(script, tokens, a.lexicon, model=a.twist_model,
                                   threshold=s.twist_threshold, place=place)
            windows = twist_windows(script, events, s.window_s)
            pacing = episode_pacing(script, events, windows, s.window_s)
            return pacing_summary(pacing, windows, s.window_s)

        t, _ = timed(twists, script, tokens, place)
        note("twists (model + windows)", t)
        t, _ = timed(score_originality, script, tokens, scores, index, a.lexicon, top_k=s.top_k)
        note("originality (total)", t)
        # Parts of the originality stage, timed on their own.
        t, _ = timed(lambda words: index.similarities(dict(Counter(features(words)))),
                     tokens.words)
        note("  - nearest works (features + cosine)", t)
        stock = list(a.lexicon.stock_lines)
        t, chunks = timed(script_chunks, script, stock)
        note("  - chunking", t)
        t, sig = timed(signatures, chunks)
        note("  - MinHash signatures", t)
        t, _ = timed(lambda sig: index.lsh_candidates(band_keys(sig)), sig)
        note("  - LSH candidates", t)
    return {k: median(v) for k, v in samples.items()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print_machine("bench_analysis: one full analysis vs jieba", quick=args.quick)

    import jieba

    from tropescan.api import Analyzer

    jieba.setLogLevel(logging.WARNING)
    analyzer = Analyzer()  # shipped models, bundled sample index
    ensure_sample_index(analyzer)

    with tempfile.TemporaryDirectory(prefix="tropescan-bench-") as tmp:
        path = long_script(analyzer, args.chars, Path(tmp))
        file_text = path.read_text(encoding="utf-8")
        script = analyzer.read(path)
        print(f"long script: {path.name}, {len(file_text):,} characters in the file, "
              f"{len(script.text):,} in Script.text, {len(script.episodes)} episodes, "
              f"{sum(len(e.scenes) for e in script.episodes)} scenes, "
              f"{len(script.lines):,} lines", flush=True)

        # -- 1. warm ----------------------------------------------------------------------
        first, analysis = timed(analyzer.analyze, path)  # warm-up: loads the models
        jieba_init, _ = timed(jieba.initialize)
        jieba.lcut(file_text[:2000])
        o = analysis.originality
        print(f"warm-up analysis {first:.2f} s (loads classifier, twist model, band table); "
              f"jieba.initialize {jieba_init:.2f} s")
        print(f"result: {len(analysis.present_tropes)} tropes present, "
              f"{len(analysis.twist_events)} twists, originality {o.score if o else None}, "
              f"{len(o.passage_items) if o else 0} reused passages found", flush=True)

        times = interleaved({
            "analysis": lambda: analyzer.analyze(path),
            "jieba": lambda: jieba.lcut(file_text),
        }, args.repeat)
        t_an, t_jb = median(times["analysis"]), median(times["jieba"])
        print(f"\nwarm, {args.repeat} runs each, alternating (wall seconds; CPU median):")
        print(f"  Analyzer.analyze(path)  {fmt_times(times['analysis'])}  median {t_an:.3f} s "
              f"({len(file_text) / t_an / 1e3:.0f} k chars/s); CPU {median(times.cpu['analysis']):.3f} s")
        print(f"  jieba.lcut(file text)   {fmt_times(times['jieba'])}  median {t_jb:.3f} s "
              f"({len(file_text) / t_jb / 1e3:.0f} k chars/s); CPU {median(times.cpu['jieba']):.3f} s")
        ratio_line("analysis_vs_jieba_warm", t_an / t_jb, "<=", 0.5)
        ratio_line("analysis_vs_jieba_warm_cpu",
                   median(times.cpu["analysis"]) / median(times.cpu["jieba"]),
                   note="(information: CPU seconds, not inflated by other work on the machine)")

        no_corpus = Analyzer(analyzer.settings, corpus=None, lexicon=analyzer.lexicon,
                             classifier=analyzer.classifier)
        no_corpus.analyze(path)
        t_nc = median(interleaved({"x": lambda: no_corpus.analyze(path)}, args.repeat)["x"])
        ratio_line("analysis_without_originality_vs_jieba_warm", t_nc / t_jb,
                   note="(information: the same analysis with corpus=None)")

        print("\nstage breakdown (median seconds, same functions as Analyzer.analyze):")
        stages = stage_breakdown(analyzer, path, args.repeat)
        for name, seconds in stages.items():
            print(f"  {name:<40} {seconds:7.3f} s")

        # -- 2. cold ----------------------------------------------------------------------
        scan = [*tropescan_command(), "scan", str(path), "--corpus", "sample"]
        baseline = [sys.executable, "-c", "import jieba; jieba.initialize()"]
        print(f"\ncold: {args.cold_runs} fresh processes per side, alternating "
              "(sample index cached on disk)")
        print(f"  A: {' '.join(scan)}")
        print(f"  B: {' '.join(baseline)}", flush=True)
        if not args.quick:  # fill the page cache and .pyc files first
            run_process(scan)
            run_process(baseline)
        cold = interleaved({"scan": lambda: run_process(scan),
                            "jieba": lambda: run_process(baseline)}, args.cold_runs)
        c_scan, c_jb = median(cold["scan"]), median(cold["jieba"])
        print(f"  tropescan scan          {fmt_times(cold['scan'])}  median {c_scan:.2f} s; "
              f"CPU {median(cold.cpu['scan']):.2f} s")
        print(f"  jieba import+initialize {fmt_times(cold['jieba'])}  median {c_jb:.2f} s; "
              f"CPU {median(cold.cpu['jieba']):.2f} s")
        ratio_line("scan_cold_vs_jieba_init", c_scan / c_jb, "<=", 1.5)
        ratio_line("scan_cold_vs_jieba_init_cpu",
                   median(cold.cpu["scan"]) / median(cold.cpu["jieba"]),
                   note="(information: CPU seconds of the child processes)")
        if not args.quick:
            # Where the cold time goes: imports alone, no originality, a typical short script.
            from tropescan.sample import read_manifest

            short = read_manifest()[0].path
            more = {
                "python -c 'import tropescan.api, tropescan.cli'":
                    [sys.executable, "-c", "import tropescan.api, tropescan.cli"],
                "the long script, --corpus none": [*scan[:-1], "none"],
                f"{short.name} ({len(analyzer.read(short).text):,} chars), --corpus sample":
                    [*scan[:2], str(short), *scan[3:]],
            }
            runs = interleaved({k: (lambda c=c: run_process(c)) for k, c in more.items()},
                               args.cold_runs)
            print("  (information, medians of the same number of runs)")
            for label, xs in runs.items():
                print(f"    {label:<48} {median(xs):.2f} s (CPU {median(runs.cpu[label]):.2f} s)")
            small = median(runs[list(more)[-1]])
            ratio_line("scan_cold_short_script_vs_jieba_init", small / c_jb,
                       note=f"(information: scan of {short.name} instead of the long script)")
        reports_and_plots(analyzer, Path(tmp), args.cold_runs)
    print(f"\nload at the end: {machine_load()}")
    return 0


def reports_and_plots(analyzer: Any, folder: Path, runs: int) -> None:
    """3. What a writer waits for on a real-sized series: ``scan`` of an 80-episode script as a
    table, as an HTML page and with ``--plot`` PNGs, each in a fresh process."""
    path = series_script(analyzer, 80, folder)
    script = analyzer.read(path)
    base = [*tropescan_command(), "scan", str(path), "--corpus", "sample"]
    cmds = {"table": base,
            "html": [*base, "--format", "html", "-o", str(folder / "series.html")],
            "plot": [*base, "--plot", str(folder / "charts")]}
    print(f"\nan 80-episode series ({len(script.episodes)} episodes, {len(script.text):,} "
          f"characters): {runs} fresh processes per command, alternating", flush=True)
    run_process(cmds["html"])  # fill the page cache, .pyc files and matplotlib's font cache
    run_process(cmds["plot"])
    times = interleaved({k: (lambda c=c: run_process(c)) for k, c in cmds.items()}, runs)
    for k, xs in times.items():
        print(f"  scan --{k:<6} {fmt_times(xs)}  median {median(xs):.2f} s; "
              f"CPU {median(times.cpu[k]):.2f} s")
    table = median(times["table"])
    for k in ("html", "plot"):
        ratio_line(f"scan_{k}_vs_table_80_episodes", median(times[k]) / table,
                   note="(information: the same scan printed as a table)")
        target_line(f"scan_{k}_80_episodes", median(times[k]), "s", "<=", 1.5)


if __name__ == "__main__":
    sys.exit(main())
