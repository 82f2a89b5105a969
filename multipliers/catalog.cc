#include "multipliers/catalog.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace agnapprox {

bool Passes(const Multiplier& m, const CatalogFilter& filter) {
  if (!absl::StrContains(m.name, filter.name_contains)) return false;
  if (filter.signedness == Signedness::kSigned && !m.is_signed) return false;
  if (filter.signedness == Signedness::kUnsigned && m.is_signed) return false;
  return true;
}

Catalog FilterCatalog(const Catalog& catalog, const CatalogFilter& filter) {
  Catalog out;
  out.source = catalog.source;
  for (const Multiplier& m : catalog.multipliers) {
    if (Passes(m, filter)) out.multipliers.push_back(m);
  }
  return out;
}

const Multiplier* FindMultiplier(const Catalog& catalog,
                                 const std::string& name) {
  for (const Multiplier& m : catalog.multipliers) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

absl::StatusOr<double> MetricMax(const Catalog& catalog,
                                 const std::string& metric) {
  if (catalog.multipliers.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(catalog.source, ": the catalog has no multipliers"));
  }
  double best = 0;
  for (const Multiplier& m : catalog.multipliers) {
    absl::StatusOr<double> v = MetricOf(m, metric);
    if (!v.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(catalog.source, ": ", v.status().message()));
    }
    best = std::max(best, *v);
  }
  return best;
}

}  // namespace agnapprox
