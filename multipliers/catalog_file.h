// Loading and writing text-format catalog files (spec section 2).
//
// Every refusal is one line naming the catalog file, and the multiplier when
// there is one: wrong table shape, truncated or garbage table files, entries
// that do not fit the multiplier's signedness, duplicate names, negative
// metrics, missing fields, and text-format syntax errors.
//
//   absl::StatusOr<Catalog> c = LoadCatalog("evo/catalog.txtpb");
#ifndef AGNAPPROX_MULTIPLIERS_CATALOG_FILE_H_
#define AGNAPPROX_MULTIPLIERS_CATALOG_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "multipliers/catalog.h"

namespace agnapprox {

// Reads `path` and the tables it names (relative to its directory).
absl::StatusOr<Catalog> LoadCatalog(const std::string& path);

// Parses catalog text; `path` names the file in errors and its directory
// anchors relative table paths.
absl::StatusOr<Catalog> ParseCatalog(const std::string& text,
                                     const std::string& path);

// Checks a multiplier's table and metrics; errors name the multiplier.
absl::Status ValidateMultiplier(const Multiplier& m);

// Converts a table from TorchApprox's bit-pattern order (row = uint8 bit
// pattern of a: 0..127 then -128..-1 for signed) to value order.
std::vector<int32_t> BitPatternToValueOrder(absl::Span<const int32_t> table,
                                            bool is_signed);

// Writes `catalog` as a catalog file at `path` whose tables are value-order
// int32 `.npy` files under `table_dir` (relative to path's directory).
absl::Status WriteCatalog(const Catalog& catalog, const std::string& path,
                          const std::string& table_dir);

}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_CATALOG_FILE_H_
