// Writes a benchmark case of bench/match_case.h as files: the match case (a
// catalog of 30 int32 .npy tables, a trace file with four layers) or, with
// --small, the small case (8 tables, two layers), for timing the whole
// //:match process against other tools on the same inputs.
//
//   bazel run //bench:write_match_case -- /tmp/match_case [--small]
#include <filesystem>
#include <iostream>

#include "bench/match_case.h"
#include "matching/layer_trace.h"
#include "multipliers/catalog_file.h"

int main(int argc, char** argv) {
  using namespace agnapprox;
  const bool small = argc == 3 && std::string(argv[2]) == "--small";
  if (argc != 2 && !small) {
    std::cerr << "usage: write_match_case DIR [--small]\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::filesystem::create_directories(dir + "/luts");
  absl::Status s =
      WriteCatalog(small ? SmallCatalog() : BenchCatalog(), dir + "/catalog.txtpb", "luts");
  if (s.ok()) s = WriteLayerTraces(small ? SmallLayers() : BenchLayers(), dir + "/traces.txtpb");
  if (!s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return 1;
  }
  std::cout << dir << "/catalog.txtpb\n" << dir << "/traces.txtpb\n";
  return 0;
}
