"""The benchmark scripts still run (issues "Fast on one machine", "workflows", "Originality").

Each ``benchmarks/bench_*.py`` runs with ``--quick`` in a fresh process (sharing this session's
TROPESCAN_CACHE, so the sample index is built once) and must exit 0, print the machine banner
and print every one of its ``RATIO`` lines with a positive number. Nothing here asserts a
speed: the figures themselves belong to benchmarks/README.md.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
RATIO_RE = re.compile(r"^RATIO (?P<name>\w+) = (?P<value>[0-9.e+-]+|nan|inf)x\b", re.MULTILINE)
BANNER = ("cpu ", "cores ", "python ", "tropescan ", "jieba ", "rjieba ", "numpy ",
          "scikit-learn ", "datasketch ")


@pytest.mark.slow
@pytest.mark.parametrize(("script", "ratios"), [
    pytest.param("bench_analysis.py",
                 ["analysis_vs_jieba_warm", "analysis_vs_jieba_warm_cpu",
                  "analysis_without_originality_vs_jieba_warm", "scan_cold_vs_jieba_init",
                  "scan_cold_vs_jieba_init_cpu"],
                 id="analysis-warm-and-cold"),
    pytest.param("bench_batch.py",
                 ["batch_jobs2_vs_jobs1_x1", "batch_jobs2_vs_jobs1_steady_x1",
                  "batch_cpu_jobs2_vs_jobs1_x1", "dask_vs_pool_x1", "dask_warm_vs_pool_x1"],
                 id="batch-pool-and-dask"),
    pytest.param("bench_index.py",
                 ["index_search_vs_bruteforce_held_out_300",
                  "index_search_vs_bruteforce_held_out_1000",
                  "index_search_vs_bruteforce_recombined_1000",
                  "score_originality_vs_bruteforce_search_held_out_1000"],
                 id="index-300-and-1000"),
])
def test_benchmark_quick_run_prints_its_ratios(script: str, ratios: list[str]) -> None:
    proc = subprocess.run([sys.executable, str(BENCHMARKS / script), "--quick"],
                          capture_output=True, text=True, timeout=170, env=os.environ.copy(),
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    banner = {line.split()[0] + " " for line in out.splitlines()[:20] if line.strip()}
    assert set(BANNER) <= banner, out[:1500]
    printed = {m["name"]: float(m["value"]) for m in RATIO_RE.finditer(out)}
    missing = [name for name in ratios if name not in printed]
    assert not missing, f"missing RATIO lines {missing}:\n{out[-3000:]}"
    bad = {name: printed[name] for name in ratios
           if not (math.isfinite(printed[name]) and printed[name] > 0)}
    assert not bad, bad
