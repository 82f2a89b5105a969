// The benchmark cases of //bench:match_bench, //bench:match_start_bench and
// bench/compare_match.sh, and a way to hand them to //:match as files.
//
// The match case: four LeNet5-like layers (fan-in 25, 150, 400, 84,
// thousands of rows) and the first 30 signed built-in multipliers.
// The small case: two layers (256 rows of fan-in 25 into 6 outputs, 16 rows
// of fan-in 120 into 10) and the first 8 signed built-in multipliers, the
// size of a first try with //:match.
#ifndef AGNAPPROX_BENCH_MATCH_CASE_H_
#define AGNAPPROX_BENCH_MATCH_CASE_H_

#include <string>
#include <vector>

#include "matching/layer_trace.h"
#include "multipliers/catalog.h"

namespace agnapprox {

std::vector<LayerTrace> BenchLayers();
Catalog BenchCatalog();

std::vector<LayerTrace> SmallLayers();
Catalog SmallCatalog();

// A case written as files into a new temporary folder, removed again when
// this is destroyed: catalog.txtpb (int32 .npy tables under luts/) and
// traces.txtpb. Aborts if it cannot write them.
class CaseFiles {
 public:
  CaseFiles(const std::vector<LayerTrace>& layers, const Catalog& catalog);
  ~CaseFiles();
  CaseFiles(const CaseFiles&) = delete;
  CaseFiles& operator=(const CaseFiles&) = delete;

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace agnapprox

#endif  // AGNAPPROX_BENCH_MATCH_CASE_H_
