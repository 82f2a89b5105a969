#!/usr/bin/env bash
# Whole-process //:match (loading included) against agnapprox's numpy
# algorithm (bench/agnapprox_reference.py) on the same files: 4 layers with
# fan-in 25, 150, 400, 84 and thousands of rows, 30 multipliers, 512 samples.
#
#   bash bench/compare_match.sh        (needs python3-numpy and hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
./bazelw build -c opt //bench:write_match_case //:match >/dev/null 2>&1
bazel-bin/bench/write_match_case "$dir" >/dev/null
match() { bazel-bin/matching/match_main --catalog="$dir/catalog.txtpb" \
  --layers="$dir/traces.txtpb" --output="$dir/out.json" >/dev/null; }
match
hyperfine --warmup 2 --runs 20 --export-json "$dir/hyperfine.json" \
  "bazel-bin/matching/match_main --catalog=$dir/catalog.txtpb --layers=$dir/traces.txtpb --output=$dir/out.json"
ours=$(/usr/bin/python3 -c "import json,sys; print(json.load(open('$dir/hyperfine.json'))['results'][0]['mean'])")
theirs=$(/usr/bin/python3 bench/agnapprox_reference.py "$dir/catalog.txtpb" "$dir/traces.txtpb" | tee /dev/stderr | awk '/^seconds/ {print $2}')
/usr/bin/python3 -c "print('//:match %.1f ms, agnapprox numpy %.2f s, ratio %.0fx' % ($ours * 1000, $theirs, $theirs / $ours))"
rm -rf "$dir"
