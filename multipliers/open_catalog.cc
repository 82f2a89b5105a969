#include "multipliers/open_catalog.h"

#include "absl/strings/match.h"
#include "multipliers/builtin.h"
#include "multipliers/catalog_file.h"
#include "io/file_io.h"

namespace agnapprox {

bool IsBuiltinCatalog(const std::string& spec) {
  return spec == "builtin" || absl::StartsWith(spec, "builtin:");
}

absl::StatusOr<Catalog> OpenCatalog(const std::string& spec,
                                    const std::string& base_dir) {
  if (spec == "builtin") return BuiltinCatalog();
  if (absl::StartsWith(spec, "builtin:")) {
    CatalogFilter filter;
    filter.name_contains = spec.substr(8);
    Catalog c = BuiltinCatalog(filter);
    c.source = spec;
    return c;
  }
  return LoadCatalog(ResolvePath(base_dir, spec));
}

absl::StatusOr<Catalog> KeepMatching(const Catalog& catalog, const std::string& substr) {
  Catalog kept = FilterCatalog(catalog, {substr, Signedness::kAny});
  if (kept.multipliers.empty()) {
    return absl::InvalidArgumentError("--catalog_filter=" + substr + ": no entry of " +
                                      catalog.source + " has it in its name");
  }
  return kept;
}

}  // namespace agnapprox
