// Operand ranges of 8-bit multipliers and the value-order indexing of tables.
//
// A signed multiplier takes operands in -128..127, an unsigned one 0..255.
// Tables, error maps and histograms are stored in *value order*: index
// `v + 128` (signed) or `v` (unsigned), so index 0 is the smallest operand.
//
//   int i = OperandIndex(-3, OperandRange::kSigned);  // 125
//   int v = OperandValue(i, OperandRange::kSigned);   // -3
#ifndef AGNAPPROX_STATS_OPERAND_RANGE_H_
#define AGNAPPROX_STATS_OPERAND_RANGE_H_

namespace agnapprox {

enum class OperandRange { kSigned, kUnsigned };

// Number of distinct 8-bit operands, and of rows or columns in a table.
inline constexpr int kNumOperands = 256;
// Entries of a 256x256 product table or error map.
inline constexpr int kTableSize = kNumOperands * kNumOperands;

inline constexpr int MinOperand(OperandRange r) {
  return r == OperandRange::kSigned ? -128 : 0;
}
inline constexpr int MaxOperand(OperandRange r) {
  return r == OperandRange::kSigned ? 127 : 255;
}
// Value-order index of operand `v`. REQUIRES: v in [MinOperand, MaxOperand].
inline constexpr int OperandIndex(int v, OperandRange r) {
  return v - MinOperand(r);
}
// Operand at value-order index `i` in 0..255.
inline constexpr int OperandValue(int i, OperandRange r) {
  return i + MinOperand(r);
}
inline constexpr const char* RangeName(OperandRange r) {
  return r == OperandRange::kSigned ? "signed (-128..127)"
                                    : "unsigned (0..255)";
}

}  // namespace agnapprox

#endif  // AGNAPPROX_STATS_OPERAND_RANGE_H_
