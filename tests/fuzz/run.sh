#!/usr/bin/env bash
# Runs every fuzzer for a share of TOTAL_SECONDS (default 600), starting from
# the seeds in tests/fuzz/corpus/<fuzzer>/. A crash is saved beside the seeds
# (crash-*), so that //tests/fuzz:regression_test replays it from then on,
# and the script exits 1.
#
#   tests/fuzz/run.sh [TOTAL_SECONDS]
set -uo pipefail
cd "$(dirname "$0")/../.."
total=${1:-600}
fuzzers=(npy_fuzzer idx_fuzzer catalog_fuzzer trace_fuzzer onnx_fuzzer)
each=$((total / ${#fuzzers[@]}))

missing=()
for p in clang libclang-rt-14-dev libomp-dev; do  # libomp: the table GEMM uses OpenMP
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=(); [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >&2 || { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >&2; }
fi

./bazelw build --config=fuzz "${fuzzers[@]/#///tests/fuzz:}" || exit 1
status=0
for f in "${fuzzers[@]}"; do
  work=$(mktemp -d)
  echo "== $f for ${each}s" >&2
  if ! "bazel-bin/tests/fuzz/$f" -max_total_time="$each" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="tests/fuzz/corpus/$f/" -print_final_stats=1 \
      "$work" "tests/fuzz/corpus/$f" 2>"$work.log"; then
    echo "$f found a problem; see $work.log and tests/fuzz/corpus/$f/crash-*" >&2
    tail -30 "$work.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$work.log" | sed "s/^/$f /" >&2
  fi
  rm -rf "$work"
done
exit $status
