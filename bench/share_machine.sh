#!/usr/bin/env bash
# How a pipeline fares beside other work: a fixed short run (LeNet5, 20 000
# Fashion-MNIST images, one epoch each of baseline, QAT, approximate
# retraining and the uniform comparison) alone, then beside N busy processes
# that this script starts and stops itself (each bounded by a timeout).
# Prints each stage's epoch seconds (metrics.jsonl) and the slowdown.
#
#   bash bench/share_machine.sh [N=2]          (needs python3 for the table)
set -euo pipefail
cd "$(dirname "$0")/.."
busy=${1:-2}
./bazelw build //:pipeline >&2
dir=$(mktemp -d)
trap 'rm -rf "$dir"; kill $(jobs -p) 2>/dev/null || true' EXIT
run() {
  bazel-bin/pipeline/pipeline_main --quick --epochs=baseline=1,qat=1,gradient_search=0,approx=1 \
    --train_limit=20000 --output_dir="$dir/$1" >/dev/null 2>&1
}
t0=$EPOCHREALTIME; run alone; t1=$EPOCHREALTIME
pids=()
for ((i = 0; i < busy; i++)); do
  timeout 600 sh -c 'while :; do :; done' &
  pids+=($!)
done
t2=$EPOCHREALTIME; run beside; t3=$EPOCHREALTIME
kill "${pids[@]}" 2>/dev/null || true
python3 - "$dir" "$busy" "$t0" "$t1" "$t2" "$t3" <<'PY'
import json, sys
d, busy = sys.argv[1], sys.argv[2]
t0, t1, t2, t3 = map(float, sys.argv[3:7])
alone, beside = t1 - t0, t3 - t2
def stages(name):
    out = {}
    for line in open(f"{d}/{name}/metrics.jsonl"):
        r = json.loads(line)
        out[r["stage"]] = out.get(r["stage"], 0) + r["seconds"]
    return out
a, b = stages("alone"), stages("beside")
print(f"| stage | alone (s) | beside {busy} busy processes (s) | slowdown |")
print("|---|---|---|---|")
for s in a:
    print(f"| {s} | {a[s]:.1f} | {b[s]:.1f} | {b[s] / a[s]:.1f}x |")
print(f"| whole run | {alone:.0f} | {beside:.0f} | {beside / alone:.1f}x |")
PY
