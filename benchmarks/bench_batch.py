"""Batch throughput (issue "workflows"): one process vs two, and Dask vs the local pool.

Run from a checkout after ``pip install -e '.[test]'``::

    python benchmarks/bench_batch.py            # sample corpus x1 and x8, 3 runs each
    python benchmarks/bench_batch.py --quick    # sample corpus x1, 1 run each (< 60 s)

What is measured, in the same run:

1. ``tropescan.batch.run_batch(paths, jobs=1)`` against ``jobs=2`` (the local process pool)
   over the bundled sample corpus (78 scripts, originality against the sample index, no
   reports). Target: jobs=2 >= 1.7x the scripts/s of jobs=1.
   Each run starts in a fresh Python process (``--child``), the way ``tropescan batch``
   starts: the clock runs from the ``run_batch`` call to the last row, so it includes loading
   the Analyzer (jobs=1) or spawning the workers that each load one (jobs=2). The sample
   index is cached on disk beforehand. Steady-state throughput (first row to last row) is
   printed as well: it leaves the start-up out.
2. Judges' batches as they run them: ``tropescan batch DIR -o results.csv --jobs 2`` in a fresh
   process, with ``--reports DIR`` against without, over the sample corpus (every report page
   with its charts, the index and the copy pairs). Target: with reports <= 3x without. Then
   the same with reports over ``--big`` submissions (default 2,000: the sample corpus copied
   under new names): peak RSS of the whole process tree (the command and its workers, summed,
   sampled every 0.1 s). Target: < 2 GB.
3. A Dask ``LocalCluster(n_workers=2, threads_per_worker=1)`` against the local pool on the
   same batch (``run_batch(..., scheduler=address)``). The cluster is started before the
   clock; its workers build their Analyzer inside the timed run, as pool workers do. A
   second Dask run on the same cluster shows warm workers (they keep their Analyzer).

``--copies K`` repeats the sample corpus K times (copied files under new names) to show how the
ratio grows once the per-process start-up is spread over more scripts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    ensure_sample_index,
    machine_load,
    median,
    print_machine,
    ratio_line,
    target_line,
    tropescan_command,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="sample x1, one run each (< 60 s)")
    p.add_argument("--copies", type=int, nargs="*",
                   help="sizes as multiples of the sample corpus (default: 1 8; --quick: 1)")
    p.add_argument("--repeat", type=int, help="runs per configuration (default 3; --quick 1)")
    p.add_argument("--no-dask", action="store_true", help="skip the Dask comparison")
    p.add_argument("--big", type=int, help="submissions in the memory run of batch --reports "
                   "(default 2000; --quick: skipped)")
    p.add_argument("--child", help=argparse.SUPPRESS)  # internal: one timed run, JSON out
    args = p.parse_args(argv)
    args.copies = args.copies or ([1] if args.quick else [1, 8])
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.big = 0 if args.quick and args.big is None else (args.big or 2000)
    return args


def timed_batch(paths: list[Path], *, jobs: int, scheduler: str | None = None) -> dict:
    """One run of run_batch; times of the first and last row, and the rows themselves."""
    from tropescan.batch import run_batch

    t0 = time.perf_counter()
    first = None
    rows = []
    for result in run_batch(paths, jobs=jobs, corpus="sample", scheduler=scheduler):
        if first is None:
            first = time.perf_counter() - t0
        rows.append(result.row)
    total = time.perf_counter() - t0
    return {"n": len(paths), "total": total, "first": first or total,
            "ok": sum(1 for r in rows if r["status"] == "ok"),
            "scores": sorted([r["path"], _num(r["originality"]), _num(r["twist_density"])]
                             for r in rows)}


def _num(x: object) -> float | None:
    """Comparable across processes: NaN and None both become None, floats are rounded."""
    if isinstance(x, float | int) and x == x:
        return round(float(x), 6)
    return None


def child(spec: str) -> int:
    """``--child '{"list": FILE, "jobs": N}'``: one run in this fresh process, JSON on stdout."""
    cfg = json.loads(spec)
    paths = [Path(p) for p in Path(cfg["list"]).read_text(encoding="utf-8").splitlines() if p]
    before = _cpu_seconds()
    result = timed_batch(paths, jobs=cfg["jobs"])
    # CPU seconds of this process and its (joined) pool workers: CPU / wall near 2 means both
    # cores worked; near 1 with jobs=2 means the machine had no second core to give.
    result["cpu"] = _cpu_seconds() - before
    print("RESULT " + json.dumps(result, ensure_ascii=False))
    return 0


def _cpu_seconds() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_child(list_file: Path, jobs: int) -> dict:
    spec = json.dumps({"list": str(list_file), "jobs": jobs})
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", spec],
                          capture_output=True, text=True, env=os.environ.copy(), check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise SystemExit(f"child run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def make_batch(sources: list[Path], copies: int, folder: Path) -> list[Path]:
    """The sample scripts, ``copies`` times over, under distinct names."""
    if copies == 1:
        return list(sources)
    out = []
    for c in range(copies):
        sub = folder / f"copy{c:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        for src in sources:
            dst = sub / f"{src.stem}_c{c:02d}{src.suffix}"
            shutil.copyfile(src, dst)
            out.append(dst)
    return out


def rate(run: dict) -> float:
    return run["n"] / run["total"]


def steady(run: dict) -> float:
    span = run["total"] - run["first"]
    return (run["n"] - 1) / span if span > 0 and run["n"] > 1 else float("nan")


def describe(label: str, runs: list[dict]) -> tuple[float, float]:
    r = median(rate(x) for x in runs)
    s = median(steady(x) for x in runs)
    totals = " ".join(f"{x['total']:.2f}" for x in runs)
    firsts = " ".join(f"{x['first']:.2f}" for x in runs)
    cpu = ""
    if all("cpu" in x for x in runs):
        cpu = (f", CPU/wall {median(x['cpu'] / x['total'] for x in runs):.2f}, "
               f"CPU {median(x['cpu'] / x['n'] for x in runs) * 1000:.0f} ms/script")
    print(f"  {label:<26} wall {totals} s (first row after {firsts} s)\n"
          f"  {'':<26} median {r:6.2f} scripts/s, steady {s:6.2f} scripts/s{cpu}, "
          f"ok {runs[0]['ok']}/{runs[0]['n']}", flush=True)
    return r, s


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child(args.child)
    print_machine("bench_batch: run_batch throughput, jobs=1 vs jobs=2 vs Dask", ["dask",
                  "distributed"], quick=args.quick)
    from tropescan.api import Analyzer
    from tropescan.sample import read_manifest

    ensure_sample_index(Analyzer())
    sources = [w.path for w in read_manifest()]

    with tempfile.TemporaryDirectory(prefix="tropescan-bench-") as tmp:
        batches = {}
        for copies in args.copies:
            paths = make_batch(sources, copies, Path(tmp) / f"x{copies}")
            list_file = Path(tmp) / f"x{copies}.txt"
            list_file.write_text("\n".join(str(p) for p in paths), encoding="utf-8")
            batches[copies] = (paths, list_file)

        pool: dict[int, list[dict]] = {}
        for copies, (paths, list_file) in batches.items():
            print(f"\nsample corpus x{copies}: {len(paths)} scripts, {args.repeat} run(s) per "
                  "configuration, each in a fresh process, alternating", flush=True)
            runs: dict[int, list[dict]] = {1: [], 2: []}
            for _ in range(args.repeat):
                for jobs in (1, 2):
                    runs[jobs].append(run_child(list_file, jobs))
            r1, s1 = describe("run_batch jobs=1", runs[1])
            r2, s2 = describe("run_batch jobs=2 (pool)", runs[2])
            same = runs[1][0]["scores"] == runs[2][0]["scores"]
            print(f"  rows identical between jobs=1 and jobs=2: {'yes' if same else 'NO'}")
            ratio_line(f"batch_jobs2_vs_jobs1_x{copies}", r2 / r1, ">=", 1.7,
                       note=f"(end to end, {len(paths)} scripts)")
            ratio_line(f"batch_jobs2_vs_jobs1_steady_x{copies}", s2 / s1,
                       note="(information: first row to last row)")
            cpu1 = median(x["cpu"] for x in runs[1])
            cpu2 = median(x["cpu"] for x in runs[2])
            ratio_line(f"batch_cpu_jobs2_vs_jobs1_x{copies}", cpu2 / cpu1,
                       note="(information: total CPU seconds; 1 = two workers cost no more CPU "
                            "than one process, so an idle 2-core machine could reach ~2x)")
            pool[copies] = runs[2]

        judges_batches(sources, Path(tmp), args)
        if args.no_dask:
            print(f"\nload at the end: {machine_load()}")
            return 0
        try:
            from distributed import LocalCluster
        except ImportError:
            print("\nDask not installed (pip install 'tropescan[dask]'): comparison skipped")
            return 0
        print("\nDask LocalCluster(n_workers=2, threads_per_worker=1) vs the local pool (jobs=2)")
        t0 = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            print(f"  cluster started in {time.perf_counter() - t0:.2f} s "
                  f"({cluster.scheduler_address}); not part of the timed runs", flush=True)
            for copies, (paths, _list_file) in batches.items():
                # Fresh workers for the first run, so they build their Analyzer on the clock
                # as pool workers do; the runs after it find it already built.
                cluster.scale(0)
                _wait_workers(cluster, 0)
                cluster.scale(2)
                _wait_workers(cluster, 2)
                cold = [dask_batch(cluster, paths)]
                warm = [dask_batch(cluster, paths) for _ in range(args.repeat)]
                print(f"  sample corpus x{copies}: {len(paths)} scripts")
                rp, _ = describe("local pool jobs=2", pool[copies])
                rc, _ = describe("Dask, fresh workers", cold)
                rw, _ = describe("Dask, warm workers", warm)
                same = cold[0]["scores"] == pool[copies][0]["scores"]
                print(f"  rows identical between Dask and the pool: {'yes' if same else 'NO'}")
                ratio_line(f"dask_vs_pool_x{copies}", rc / rp,
                           note="(scripts/s, fresh Dask workers vs pool; > 1: Dask faster)")
                ratio_line(f"dask_warm_vs_pool_x{copies}", rw / rp,
                           note="(information: Dask workers already hold an Analyzer)")
    print(f"\nload at the end: {machine_load()}")
    return 0


def _own_cpu_seconds() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def dask_batch(cluster, paths: list[Path]) -> dict:
    """``timed_batch`` on the cluster, with the CPU seconds its worker processes spent
    (asked of each worker before and after) and those of this process, which hosts the
    scheduler and the client."""
    from distributed import Client

    with Client(cluster) as client:
        before = sum(client.run(_own_cpu_seconds).values())
        here = _own_cpu_seconds()
        result = timed_batch(paths, jobs=2, scheduler=cluster.scheduler_address)
        here = _own_cpu_seconds() - here
        result["cpu"] = sum(client.run(_own_cpu_seconds).values()) - before + here
    return result


def _wait_workers(cluster, n: int, timeout: float = 60.0) -> None:
    from distributed import Client

    deadline = time.monotonic() + timeout
    with Client(cluster) as client:
        while len(client.scheduler_info()["workers"]) != n:
            if time.monotonic() > deadline:
                raise SystemExit(f"Dask cluster did not reach {n} workers in {timeout:.0f} s")
            time.sleep(0.1)



# --- judges' batches: the CLI with and without reports ------------------------------------------

def tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants, summed (Linux /proc; 0 elsewhere)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for d in Path("/proc").glob("[0-9]*"):
        try:
            status = (d / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(d.name)] = int(fields.get("PPid", "0").strip() or 0)
        rss[int(d.name)] = int(fields.get("VmRSS", "0 kB").split()[0] or 0)
    tree, grew = {root}, True
    while grew:
        more = {p for p, pp in parents.items() if pp in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(rss.get(p, 0) for p in tree) / 1024


def cli_batch(folder: Path, out: Path, reports: Path | None) -> tuple[float, float]:
    """Wall seconds and peak tree RSS (MB) of ``tropescan batch`` in a fresh process."""
    cmd = [*tropescan_command(), "batch", str(folder), "-o", str(out), "--jobs", "2",
           "--corpus", "sample"]
    if reports is not None:
        cmd += ["--reports", str(reports)]
    # stderr goes to a file, not a pipe: nobody reads a pipe while the RSS is polled, and a
    # batch of thousands of files fills one (64 KB) and blocks on it.
    log = out.with_suffix(".stderr.txt")
    t0 = time.perf_counter()
    with log.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, text=True)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.1)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"tropescan batch failed ({proc.returncode}): "
                         f"{log.read_text(encoding='utf-8', errors='replace')[-2000:]}")
    return wall, peak


def judges_batches(sources: list[Path], tmp: Path, args: argparse.Namespace) -> None:
    folder = tmp / "judges"
    folder.mkdir()
    for src in sources:
        shutil.copyfile(src, folder / src.name)
    n = len(sources)
    print(f"\ntropescan batch --jobs 2 over {n} scripts, {args.repeat} run(s) each, alternating "
          "(fresh processes)", flush=True)
    plain, rep = [], []
    for k in range(args.repeat):
        plain.append(cli_batch(folder, tmp / f"plain{k}.csv", None))
        rep.append(cli_batch(folder, tmp / f"rep{k}.csv", tmp / f"reports{k}"))
    pages = len(list((tmp / "reports0").glob("*.html")))
    t_plain, t_rep = median(w for w, _ in plain), median(w for w, _ in rep)
    print(f"  without reports  {' '.join(f'{w:.2f}' for w, _ in plain)} s; median {t_plain:.2f} s")
    print(f"  with --reports   {' '.join(f'{w:.2f}' for w, _ in rep)} s; median {t_rep:.2f} s "
          f"({pages} pages incl. index.html)")
    ratio_line("batch_reports_vs_no_reports", t_rep / t_plain, "<=", 3.0,
               note=f"(tropescan batch --jobs 2, {n} scripts)")
    if not args.big:
        return
    big = tmp / "big"
    copies = -(-args.big // n)
    make_batch(sources, copies, big)
    files = sorted(big.rglob("*.*"))
    for extra in files[args.big:]:
        extra.unlink()
    print(f"\ntropescan batch --jobs 2 --reports over {args.big:,} submissions (the sample "
          "corpus copied under new names)", flush=True)
    wall, peak = cli_batch(big, tmp / "big.csv", tmp / "big-reports")
    print(f"  {wall:.1f} s ({args.big / wall:.1f} scripts/s); peak RSS of the process tree "
          f"{peak:,.0f} MB")
    target_line(f"batch_reports_peak_rss_{args.big}", peak, "MB", "<=", 2000)


if __name__ == "__main__":
    sys.exit(main())
