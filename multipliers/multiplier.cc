#include "multipliers/multiplier.h"

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace agnapprox {

std::vector<int32_t> SignMagnitudeProducts(
    absl::Span<const int32_t> unsigned_products) {
  std::vector<int32_t> p(kTableSize);
  for (int a = -128; a <= 127; ++a) {
    for (int b = -128; b <= 127; ++b) {
      const int sign = ((a < 0) != (b < 0)) ? -1 : 1;
      const int32_t magnitude =
          unsigned_products[std::abs(a) * kNumOperands + std::abs(b)];
      p[(a + 128) * kNumOperands + (b + 128)] = sign * magnitude;
    }
  }
  return p;
}

absl::StatusOr<std::vector<int32_t>> ProductsFor(const Multiplier& m,
                                                 OperandRange range) {
  if (range == m.range()) return m.products;
  if (range == OperandRange::kSigned) return SignMagnitudeProducts(m.products);
  return absl::InvalidArgumentError(absl::StrCat(
      "multiplier ", m.name,
      " is signed (-128..127) but the operands reach 128..255"));
}

absl::StatusOr<ErrorMap> ErrorMapFor(const Multiplier& m, OperandRange range) {
  if (range == m.range()) return ErrorMapFromProducts(m.products, range);
  absl::StatusOr<std::vector<int32_t>> p = ProductsFor(m, range);
  if (!p.ok()) return p.status();
  return ErrorMapFromProducts(*p, range);
}

absl::StatusOr<double> MetricOf(const Multiplier& m,
                                const std::string& metric) {
  auto it = m.metrics.find(metric);
  if (it != m.metrics.end()) return it->second;
  std::vector<std::string> have;
  for (const auto& [name, value] : m.metrics) have.push_back(name);
  return absl::InvalidArgumentError(absl::StrCat(
      "multiplier ", m.name, " has no metric '", metric, "' (it has: ",
      have.empty() ? "none" : absl::StrJoin(have, ", "), ")"));
}

}  // namespace agnapprox
