// A catalog: the approximate multipliers a search may choose from.
//
//   Catalog signed_only = FilterCatalog(catalog, {"", Signedness::kSigned});
//   const Multiplier* m = FindMultiplier(signed_only, "drum4_s");
#ifndef AGNAPPROX_MULTIPLIERS_CATALOG_H_
#define AGNAPPROX_MULTIPLIERS_CATALOG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "multipliers/multiplier.h"

namespace agnapprox {

struct Catalog {
  // Where the catalog came from: a file path or "builtin".
  std::string source;
  std::vector<Multiplier> multipliers;
};

enum class Signedness { kAny, kSigned, kUnsigned };

struct CatalogFilter {
  std::string name_contains;  // empty keeps every name
  Signedness signedness = Signedness::kAny;
};

// True when `m` passes `filter`.
bool Passes(const Multiplier& m, const CatalogFilter& filter);

// The multipliers of `catalog` that pass `filter`, in catalog order.
Catalog FilterCatalog(const Catalog& catalog, const CatalogFilter& filter);

// The multiplier called `name`, or nullptr.
const Multiplier* FindMultiplier(const Catalog& catalog,
                                 const std::string& name);

// The largest value of `metric` in the catalog (spec's metric_max). Fails on
// an empty catalog or when a multiplier lacks the metric (naming it).
absl::StatusOr<double> MetricMax(const Catalog& catalog,
                                 const std::string& metric);

}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_CATALOG_H_
