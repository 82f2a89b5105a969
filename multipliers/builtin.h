// The built-in catalog: published approximate-multiplier designs, generated
// in code, so that matching works with no files at all.
//
// Every design is modelled behaviourally on unsigned 8-bit operands from its
// paper (citations in builtin.cc). Signed versions ("_s") are built by
// sign-magnitude wrapping of the same unsigned core:
// P_s(a, b) = sign(a) sign(b) P_u(|a|, |b|), |-128| = 128; they are not
// two's-complement-aware designs. Names start with the family, e.g.
// "drum4_u", "bam_h2v6_s".
//
// Costs are a first-order estimate, not a synthesis result: the number of
// adder cells a design keeps (one AND gate plus one full adder per
// partial-product bit of the 8x8 array, 64 for the exact multiplier), plus
// documented overheads for leading-one detectors, shifters and rounding
// logic. `area` is that count divided by 64 (exact = 1.0); `power` is taken
// proportional to area. Every metric is flagged as an estimate.
#ifndef AGNAPPROX_MULTIPLIERS_BUILTIN_H_
#define AGNAPPROX_MULTIPLIERS_BUILTIN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "multipliers/catalog.h"

namespace agnapprox {

// All built-in multipliers, unsigned first, then signed, in a fixed order.
Catalog BuiltinCatalog();

// FilterCatalog(BuiltinCatalog(), filter), generating only the tables it
// keeps (and the unsigned table a kept signed one is made from).
Catalog BuiltinCatalog(const CatalogFilter& filter);

// One design: its unsigned behavioural model and its estimated cell count.
struct BuiltinDesign {
  std::string name;  // without the "_u"/"_s" suffix
  std::function<int32_t(int a, int b)> multiply;  // a, b in 0..255
  double cells;  // estimated adder cells; the exact array has 64
};

// The designs behind BuiltinCatalog, for tests and documentation.
std::vector<BuiltinDesign> BuiltinDesigns();

}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_BUILTIN_H_
