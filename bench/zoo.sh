#!/usr/bin/env bash
# torchvision's classification zoo at 224x224 through the project: for each
# model (bench/zoo_export.py: random weights, opset 13), the imported float
# forward against PyTorch's logits (bench:onnx_logits), then the whole flow on
# a small npy data set (48 training, 16 test images of 256x256, resized and
# cropped to 224; one epoch of QAT and of gradient search, no retraining),
# with its matching stage's seconds and the run's peak resident memory.
# Prints one Markdown table row per model. Run on a quiet machine.
#
#   bash bench/zoo.sh DIR [MODEL ...]
set -euo pipefail
dir=$1; shift
cd "$(dirname "$0")/.."
for need in /usr/bin/time /usr/bin/python3; do
  [[ -x $need ]] || { echo "bench/zoo.sh: $need is missing (apt-get install time python3-torchvision)" >&2; exit 1; }
done
./bazelw build //bench:onnx_logits //pipeline:pipeline_main >&2
/usr/bin/python3 bench/zoo_export.py "$dir" "$@" >&2
models=("$@")
if ((${#models[@]} == 0)); then
  models=($(/usr/bin/python3 -c 'import sys; sys.path.insert(0, "bench"); import zoo_export; print(" ".join(zoo_export.ALL))'))
fi
echo "| model | approximable layers | exact layers | forward vs PyTorch (max diff / max logit) | whole flow | matching stage | peak memory |"
echo "|---|---|---|---|---|---|---|"
for m in "${models[@]}"; do
  check=$(bazel-bin/bench/onnx_logits "$dir/$m.onnx" "$dir/${m}_input.npy" "$dir/${m}_logits.npy" 2>&1 || true)
  layers=$(echo "$check" | sed -n 's/.*layers \([0-9]*\) exact \([0-9]*\).*relative_diff \([^ ]*\).*/\1 \2 \3/p')
  read -r approx exact diff <<<"${layers:-? ? ?}"
  out="$dir/run_$m"
  rm -rf "$out"
  start=$(date +%s)
  if /usr/bin/time -v bazel-bin/pipeline/pipeline_main --model="$dir/$m.onnx" --dataset=npy \
      --data_dir="$dir/data" --output_dir="$out" --batch_size=16 --trace_samples=16 \
      --calibration_images=8 --epochs=baseline=0,qat=1,gradient_search=1,approx=0 \
      2>"$out.log"; then
    flow="$(($(date +%s) - start)) s"
    matching=$(/usr/bin/python3 -c "import json; print('%.0f s' % json.load(open('$out/summary.json'))['seconds']['matching'])")
  else
    flow="failed: $(grep -v '^\s' "$out.log" | grep -m1 error || tail -n1 "$out.log")"
    matching="-"
  fi
  peak=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\)/\1/p' "$out.log")
  echo "| $m | $approx | $exact | $diff | $flow | $matching | $((${peak:-0} / 1024)) MB |"
done
