#!/usr/bin/env bash
# Smoke run of every benchmark with --quick: a CI-like check that they still run against the
# current library (each finishes in under a minute on 2 cores). The figures of a --quick run
# are not the ones to quote: see benchmarks/README.md for the full runs.
#
#   bash benchmarks/run_all.sh            # uses `python` from PATH
#   PYTHON=.venv/bin/python bash benchmarks/run_all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
for bench in bench_analysis bench_batch bench_index; do
  echo "### $bench --quick"
  "$PYTHON" "benchmarks/$bench.py" --quick "$@"
  echo
done
