// The benchmark case of //bench:match_bench and bench/compare_match.sh:
// four LeNet5-like layers (fan-in 25, 150, 400, 84, thousands of rows) and
// the first 30 signed built-in multipliers.
#ifndef AGNAPPROX_BENCH_MATCH_CASE_H_
#define AGNAPPROX_BENCH_MATCH_CASE_H_

#include <vector>

#include "matching/layer_trace.h"
#include "multipliers/catalog.h"

namespace agnapprox {

std::vector<LayerTrace> BenchLayers();
Catalog BenchCatalog();

}  // namespace agnapprox

#endif  // AGNAPPROX_BENCH_MATCH_CASE_H_
