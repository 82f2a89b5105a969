// Writes the match benchmark case (bench/match_case.h) as files: a catalog
// of 30 int32 .npy tables and a trace file with four layers, for timing the
// whole //:match process against other tools on the same inputs.
//
//   bazel run //bench:write_match_case -- /tmp/match_case
#include <filesystem>
#include <iostream>

#include "bench/match_case.h"
#include "matching/layer_trace.h"
#include "multipliers/catalog_file.h"

int main(int argc, char** argv) {
  using namespace agnapprox;
  if (argc != 2) {
    std::cerr << "usage: write_match_case DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::filesystem::create_directories(dir + "/luts");
  absl::Status s = WriteCatalog(BenchCatalog(), dir + "/catalog.txtpb", "luts");
  if (s.ok()) s = WriteLayerTraces(BenchLayers(), dir + "/traces.txtpb");
  if (!s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return 1;
  }
  std::cout << dir << "/catalog.txtpb\n" << dir << "/traces.txtpb\n";
  return 0;
}
