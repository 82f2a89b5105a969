// The AVX-512 VBMI/VNNI kernel. It keeps one weight's table column in
// registers as low and high bytes and looks up 64 activations at once with
// byte permutes (vpermt2b); two k steps are interleaved as 16-bit words and
// summed into int32 with vpdpwssd. It must agree bit for bit with
// PortableTile (and LutGemmReference); the tests compare them.
//
// REQUIRES: CpuHasAvx512Vbmi() for every function that touches operands.
#ifndef AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_AVX512_VBMI_KERNEL_H_
#define AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_AVX512_VBMI_KERNEL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "multipliers/lut_gemm/internal/tile.h"

namespace agnapprox {
namespace lut_gemm_internal {

// Storage on 64-byte boundaries, so that each column's 64-byte loads stay
// within one cache line each (a malloc'ed vector is only 16-byte aligned).
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(64)));
  }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t(64)); }
  bool operator==(const CacheLineAllocator&) const { return true; }
  bool operator!=(const CacheLineAllocator&) const { return false; }
};

// A table repacked for the kernel: products minus `offset` fit int16, and
// the low and high bytes of weight column b sit at [b * 256, b * 256 + 256),
// plus 128 bytes of padding so that a 128-byte window may start anywhere in
// a column.
struct PackedTable {
  int32_t offset = 0;
  bool paired = false;  // products - offset in [-16384, 16383]
  std::vector<uint8_t, CacheLineAllocator<uint8_t>> low_bytes;
  std::vector<uint8_t, CacheLineAllocator<uint8_t>> high_bytes;
};

// Null when the products span more than 16 bits.
std::unique_ptr<PackedTable> PackTable(const int32_t* products);

// The activation index window one call reads the table through.
struct Window {
  int base = 0;
  bool narrow = false;  // every index in [base, base + 128): one permute
  int32_t offset_total = 0;  // k * offset, wrapping like the reference
};

// The smallest and largest of the `size` indices at `a`.
void IndexRange(const uint8_t* a, int64_t size, int* lowest, int* highest);

// The window for indices in [lowest, highest] and fan-in k.
Window MakeWindow(const PackedTable& table, int lowest, int highest, int64_t k);

void Avx512VbmiTile(const PackedTable& table, const Window& w, const Operands& op,
                    const Tile& t);

}  // namespace lut_gemm_internal
}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_AVX512_VBMI_KERNEL_H_
