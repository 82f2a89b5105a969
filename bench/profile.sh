#!/usr/bin/env bash
# Where a training (or evaluation) step's time goes: times the step's phases
# (bench/profile_step) and samples the run with perf (cpu-clock, on the
# threads given), grouping the samples by what the code does.
#
#   bash bench/profile.sh [NET] [MODE] [STEPS] [train|eval] [THREADS]
#   (defaults: lenet5 approx 100 train 2)
#
# perf, not callgrind: valgrind 3.19 has no AVX-512, so under it both LibTorch
# and the table GEMM would take other code paths than they do here. Samples
# are grouped by the function they fall in (no call graphs: DWARF unwinding
# through LibTorch lost most of them), so LibTorch's own operations that have
# no symbol (its element-wise kernels, the convolution backward) are one
# group. Set-up (building the network, a QAT pass) is in the samples too; it
# is small next to STEPS steps; library loading is left out.
set -euo pipefail
cd "$(dirname "$0")/.."
net=${1:-lenet5} mode=${2:-approx} steps=${3:-100} kind=${4:-train} threads=${5:-2}
command -v perf >/dev/null || { echo "profile.sh: needs perf (linux-perf)" >&2; exit 1; }
./bazelw build //bench:profile_step >&2
data=$(mktemp)
trap 'rm -f "$data"' EXIT
PROFILE_THREADS=$threads perf record -q -F 1999 -e cpu-clock -o "$data" \
  bazel-bin/bench/profile_step "$net" "$mode" "$steps" "$kind"
echo "$net $mode $kind, $steps steps on $threads threads; share of all samples:"
perf report -i "$data" --no-children --sort dso,symbol --stdio 2>/dev/null |
  awk '
    /^#/ || NF < 3 { next }
    {
      share = $1; sub(/%/, "", share); dso = $2; sym = $0
      if (dso ~ /ld-linux/) next  # start-up: loading the libraries
      if (sym ~ /::Block|PortableTile|GatherRows|Avx512VbmiTile|MinMaxIndex/) g = "table GEMM kernel"
      else if (sym ~ /Im2col|im2col|GroupedCodes|col2im|unfold/) g = "im2col"
      else if (sym ~ /QuantiseRange|QuantisePadded|__fmin|__fmax/) g = "quantisation (ours, or fake_quantize: libm fmin/fmax)"
      else if (sym ~ /Rescale|ApproxCompute/) g = "approx epilogue (rescale, zero point, bias)"
      else if (sym ~ /sched|finish_task_switch|_raw_spin_unlock|futex|wake_up/ || dso ~ /libgomp|libpthreadpool/) g = "threads waiting and waking (OpenMP, scheduler)"
      else if (sym ~ /page_fault|clear_page|anonymous_page|mm_fault|alloc_pages|memcg|lruvec|unmap_page|free_pages|folio|malloc|_int_free|cfree|unlink_chunk|consolidate/) g = "allocation (malloc/free, page faults)"
      else if (dso ~ /libdnnl|JIT/) g = "oneDNN (convolutions)"
      else if (dso ~ /libopenblas|libblas/) g = "OpenBLAS (linear layers)"
      else if (dso ~ /libtorch|libc10/) g = "other LibTorch operations (no symbols)"
      else if (sym ~ /memmove|memcpy|memset/) g = "memcpy/memset"
      else g = "other"
      total += share; by[g] += share
    }
    END { for (g in by) printf "  %5.1f%%  %s\n", 100 * by[g] / total, g }' | sort -rn
