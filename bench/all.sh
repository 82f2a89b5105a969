#!/usr/bin/env bash
# Runs every benchmark suite, writes Google Benchmark JSON per suite, and
# prints each headline figure next to its baseline.
#
#   bazel run //bench:all -- [--out=DIR]     (default DIR: ./bench_results)
set -euo pipefail
out="${BUILD_WORKING_DIRECTORY:-$PWD}/bench_results"
for arg in "$@"; do
  case "$arg" in
    --out=*) out="${arg#--out=}" ;;
    *) echo "usage: all [--out=DIR]" >&2; exit 2 ;;
  esac
done
if [[ $out != /* ]]; then out="${BUILD_WORKING_DIRECTORY:-$PWD}/$out"; fi
mkdir -p "$out"
suites=(stats_bench catalog_bench match_bench match_start_bench lut_gemm_bench train_bench
  selection_bench match_scale_bench)
for suite in "${suites[@]}"; do
  echo "== $suite" >&2
  "bench/$suite" --benchmark_out="$out/$suite.json" --benchmark_out_format=json \
    >"$out/$suite.txt" 2>&1 || { cat "$out/$suite.txt" >&2; exit 1; }
done
bench/summarize "$out" | tee "$out/summary.txt"
