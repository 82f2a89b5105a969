// One entry point for every catalog source the tools accept.
//
//   absl::StatusOr<Catalog> c = OpenCatalog("builtin:_s", cwd);
#ifndef AGNAPPROX_MULTIPLIERS_OPEN_CATALOG_H_
#define AGNAPPROX_MULTIPLIERS_OPEN_CATALOG_H_

#include <string>

#include "absl/status/statusor.h"
#include "multipliers/catalog.h"

namespace agnapprox {

// "builtin" is the built-in catalog, "builtin:FILTER" its multipliers whose
// names contain FILTER; anything else is a catalog file path, resolved
// against `base_dir` when relative.
// Whether `spec` names the built-in catalog ("builtin" or "builtin:FILTER");
// a path such as "builtin_evo/catalog.txtpb" does not.
bool IsBuiltinCatalog(const std::string& spec);

absl::StatusOr<Catalog> OpenCatalog(const std::string& spec,
                                    const std::string& base_dir);

// --catalog_filter: the entries of `catalog` whose name contains `substr`;
// an error naming the flag and the catalog when none does.
absl::StatusOr<Catalog> KeepMatching(const Catalog& catalog, const std::string& substr);

}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_OPEN_CATALOG_H_
