#!/usr/bin/env bash
# The four matching settings on one trained network: the default full
# LeNet5 run (--estimator=model), then --compensate_bias, --estimator=trace
# and both, each matching, deploying and retraining from the first run's
# baseline, QAT and gradient search (--reuse_search), then the lambda sweep
# 0.2 (the first run), 0.5, 1, 2. Prints one table row per setting and each
# layer's predicted, held-out observed and tolerated std.
#
#   bash pipeline/compare_settings.sh [OUT_DIR] [more //:pipeline flags]
#
# Needs python3 (Debian's) for the tables. About 35 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-agnapprox_settings}
shift || true
[[ $out == /* ]] || out="$PWD/$out"
./bazelw build //:pipeline >&2
# A copy, so that rebuilding while this runs changes nothing here.
bin=$(mktemp -d)/pipeline_main
cp bazel-bin/pipeline/pipeline_main "$bin"
"$bin" --output_dir="$out/model" "$@"
"$bin" --output_dir="$out/model_compensated" --reuse_search="$out/model" --compensate_bias "$@"
"$bin" --output_dir="$out/trace" --reuse_search="$out/model" --estimator=trace "$@"
"$bin" --output_dir="$out/trace_compensated" --reuse_search="$out/model" --estimator=trace \
  --compensate_bias "$@"
"$bin" --output_dir="$out/model" --resume --sweep_lambda=0.5,1,2 "$@"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
print("| setting | relative energy | QAT | approx before / after retraining | layers within tolerance (held out) |")
print("|---|---|---|---|---|")
for name, flags in [("model", "`--estimator=model` (default)"),
                    ("model_compensated", "`--estimator=model --compensate_bias`"),
                    ("trace", "`--estimator=trace`"),
                    ("trace_compensated", "`--estimator=trace --compensate_bias`")]:
    s = json.load(open(f"{out}/{name}/summary.json"))
    print(f"| {flags} | {s['relative_energy_consumption']:.3f} | {s['qat_accuracy']:.4f} | "
          f"{s['approx_accuracy_before_retraining']:.4f} / {s['approx_accuracy']:.4f} | "
          f"{s['held_out_layers_within_tolerance']} of {s['layers']} |")
for name in ["model", "model_compensated", "trace", "trace_compensated"]:
    m = json.load(open(f"{out}/{name}/matching.json"))
    print(f"\n{name}: layer, multiplier, predicted std, held-out observed std, max std, ratio")
    for l in m["layers"]:
        pred = l["compensated_predicted_std"] if m["compensate_bias"] else l["predicted_std"]
        print(f"  {l['name']:6} {l['multiplier_name']:14} {pred:9.1f} "
              f"{l['held_out_observed_std']:9.1f} {l['max_std']:9.1f} "
              f"{l['held_out_observed_std'] / l['max_std']:6.2f}")
print("\nlambda sweep (model/sweep.json):")
for r in json.load(open(f"{out}/model/sweep.json")):
    print(f"  lambda {r['lambda']:<4} energy {r['relative_energy_consumption']:.3f} "
          f"accuracy {r['approx_accuracy_before_retraining']:.4f} / {r['approx_accuracy']:.4f}"
          f"{'  Pareto' if r['pareto_optimal'] else ''}")
PY
