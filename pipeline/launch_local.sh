#!/usr/bin/env bash
# Starts N ranks of //:pipeline on this machine, each with torchrun's
# variables (WORLD_SIZE, RANK, LOCAL_RANK, LOCAL_WORLD_SIZE=N,
# MASTER_ADDR=127.0.0.1, MASTER_PORT), for trying a data-parallel run on one
# machine (spec section 8). The ranks share the cores: with LOCAL_WORLD_SIZE
# set, each takes CORES/N threads (at least 1) unless the flags set
# --threads. Rank 0 prints as usual; the others' lines start with
# "[rank R]". Exits with rank 0's status (a rank that failed on its own
# makes rank 0 fail too).
#
#   bash pipeline/launch_local.sh N [//:pipeline flags]
#   bash pipeline/launch_local.sh 2 --quick --output_dir=dp_out
#
# MASTER_PORT (default 29500, torchrun's) picks the rendezvous port;
# AGNAPPROX_PIPELINE a pipeline binary to run instead of building //:pipeline.
# For two machines, see README.md ("Several processes or machines").
set -uo pipefail
if [[ $# -lt 1 || ! $1 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bash pipeline/launch_local.sh N [//:pipeline flags] (N: ranks, 1 or more)" >&2
  exit 2
fi
n=$1
shift
bin=${AGNAPPROX_PIPELINE:-}
if [[ -z $bin ]]; then
  root=$(cd "$(dirname "$0")/.." && pwd)
  (cd "$root" && ./bazelw build //:pipeline >&2) || exit 1
  # A copy, so that rebuilding while the ranks run changes nothing here.
  bin=$(mktemp -d)/pipeline_main
  cp "$root/bazel-bin/pipeline/pipeline_main" "$bin"
fi
port=${MASTER_PORT:-29500}
pids=()
trap 'kill "${pids[@]}" 2>/dev/null' INT TERM
for ((r = 0; r < n; r++)); do
  if ((r == 0)); then
    WORLD_SIZE=$n RANK=$r LOCAL_RANK=$r LOCAL_WORLD_SIZE=$n MASTER_ADDR=127.0.0.1 \
      MASTER_PORT=$port "$bin" "$@" &
  else
    WORLD_SIZE=$n RANK=$r LOCAL_RANK=$r LOCAL_WORLD_SIZE=$n MASTER_ADDR=127.0.0.1 \
      MASTER_PORT=$port "$bin" "$@" 2> >(sed -u "s/^/[rank $r] /" >&2) &
  fi
  pids+=($!)
done
status=0
for ((r = 0; r < n; r++)); do
  wait "${pids[r]}"
  code=$?
  ((r == 0)) && status=$code
done
exit "$status"
