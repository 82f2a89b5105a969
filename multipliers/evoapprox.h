// Import of EvoApproxLib's 8-bit multipliers (v2022 layout).
//
// EvoApproxLib ships each circuit as one C function under
// `multiplers/8x8_signed/` or `multiplers/8x8_unsigned/` (the folder name is
// spelled that way), repeated across Pareto-front subfolders, with PDK45
// power, area and delay in header comments. The importer compiles each
// model with the system C compiler (`$CC`, else `cc`) into a small driver,
// evaluates all 65536 operand pairs and returns value-order tables. The
// first C argument is always the activation operand (the table row),
// whatever the parameter is called, as in TorchApprox. Signed circuits that
// return a raw uint16_t pattern are read as int16.
//
//   absl::StatusOr<Catalog> c = ImportEvoApprox("/src/evoapproxlib");
//   WriteCatalog(*c, "out/catalog.txtpb", "luts");
#ifndef AGNAPPROX_MULTIPLIERS_EVOAPPROX_H_
#define AGNAPPROX_MULTIPLIERS_EVOAPPROX_H_

#include <string>

#include "absl/status/statusor.h"
#include "multipliers/catalog.h"

namespace agnapprox {

// A model file's parsed facts, before evaluation.
struct EvoApproxModel {
  std::string path;
  std::string function;
  std::string return_type;
  std::string first_type;
  std::string second_type;
  std::map<std::string, double> metrics;  // power (mW), area (um2), delay (ns), pdp
};

// Finds the gate-level function and the PDK45 metrics in a model's source.
absl::StatusOr<EvoApproxModel> ParseEvoApproxModel(const std::string& source,
                                                   const std::string& path);

// Imports every 8-bit model under `source_dir`, signed models first, each
// name once (sorted by name within each signedness).
absl::StatusOr<Catalog> ImportEvoApprox(const std::string& source_dir);

}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_EVOAPPROX_H_
