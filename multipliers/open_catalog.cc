#include "multipliers/open_catalog.h"

#include "absl/strings/match.h"
#include "multipliers/builtin.h"
#include "multipliers/catalog_file.h"
#include "io/file_io.h"

namespace agnapprox {

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

}  // namespace agnapprox
