#!/usr/bin/env bash
# One rank against two (issue #15): the seconds of one epoch of each stage
# of //:pipeline (the test set evaluated after each epoch, on rank 0), from
# each run's metrics.jsonl, for
#   - one process, one thread;
#   - one process, one thread per core (the default);
#   - two ranks through pipeline/launch_local.sh, one thread each.
# Prints a Markdown table. Run it on a quiet machine (no build, no tests):
# the ranks share its cores with everything else.
#
#   bash bench/data_parallel_epochs.sh [OUT_DIR [lenet5|resnet8]]
#
# lenet5 (the default): the full Fashion-MNIST. resnet8: a generated
# CIFAR-10-format folder of 10 000 training and 2 000 test images of random
# pixels (no CIFAR-10 package is reachable here; the time of an epoch does
# not depend on what the pixels show).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-dp_epochs}
net=${2:-lenet5}
[[ $out == /* ]] || out="$PWD/$out"
(cd "$root" && ./bazelw build //:pipeline >&2)
bin=$(mktemp -d)/pipeline_main
cp "$root/bazel-bin/pipeline/pipeline_main" "$bin"
rm -rf "$out"
mkdir -p "$out"
flags=(--epochs=baseline=1,qat=1,gradient_search=1,approx=1)
case $net in
  lenet5) ;;
  resnet8)
    bash "$root/bench/random_cifar.sh" "$out/cifar" 2000
    flags+=(--net=resnet8 --dataset=cifar10 --data_dir="$out/cifar")
    ;;
  *) echo "usage: bash bench/data_parallel_epochs.sh [OUT_DIR [lenet5|resnet8]]" >&2; exit 2 ;;
esac
echo "== one process, --threads=1" >&2
"$bin" "${flags[@]}" --threads=1 --output_dir="$out/one_thread"
echo "== one process, --threads=$(nproc)" >&2
"$bin" "${flags[@]}" --threads="$(nproc)" --output_dir="$out/one_process"
echo "== two ranks, one thread each" >&2
AGNAPPROX_PIPELINE="$bin" MASTER_PORT=${MASTER_PORT:-29500} \
  bash "$root/pipeline/launch_local.sh" 2 "${flags[@]}" --threads=1 --output_dir="$out/two_ranks"

# "stage seconds" per epoch line of a metrics.jsonl (uniform: a second
# approximate retraining).
seconds() {
  sed -E 's/.*"stage": "([a-z_]+)".*"seconds": ([0-9.]+).*/\1 \2/' "$1/metrics.jsonl"
}
echo
echo "| stage | 1 process, 1 thread (s) | 1 process, $(nproc) threads (s) | 2 ranks x 1 thread (s) | 1 thread / 2 ranks |"
echo "|---|---|---|---|---|"
paste <(seconds "$out/one_thread") <(seconds "$out/one_process") <(seconds "$out/two_ranks") |
  awk '{ printf "| %s | %.1f | %.1f | %.1f | %.2fx |\n", $1, $2, $4, $6, $2 / $6 }'
for run in one_thread one_process two_ranks; do
  grep -o '"approx_accuracy": [0-9.]*' "$out/$run/summary.json" | sed "s/^/$run: /"
done
