// AGNAPPROX_WIDE_LOOP: a plain loop compiled twice, for x86-64-v4 (AVX-512)
// and for the baseline, picked when the program loads (GCC's target_clones,
// an ifunc). The operand preparation and the epilogue of the approximate
// layers are such loops; at the baseline's SSE2 they ran a quarter as wide.
//
// Files using it must build with -ffp-contract=off: the AVX-512 clone could
// otherwise fuse a multiply and an add into one FMA (one rounding, not two)
// and give other bits than the baseline clone and LibTorch's
// fake_quantize_per_tensor_affine.
#ifndef AGNAPPROX_NETS_LAYERS_WIDE_LOOPS_H_
#define AGNAPPROX_NETS_LAYERS_WIDE_LOOPS_H_

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define AGNAPPROX_WIDE_LOOP __attribute__((target_clones("arch=x86-64-v4", "default")))
#else
#define AGNAPPROX_WIDE_LOOP
#endif

#endif  // AGNAPPROX_NETS_LAYERS_WIDE_LOOPS_H_
