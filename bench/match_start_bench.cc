// The whole //:match process on the small case (bench/match_case.h: two
// layers, 8 multipliers, 512 sampled rows), start-up included, against the
// same matching done agnapprox's way in numpy (bench/agnapprox_reference.py:
// one 256x256 evaluation per sampled row and multiplier), also as a whole
// process on the same files, in the same run. Each iteration starts a
// process; the machine should be otherwise idle.
//
//   bazel run //bench:match_start_bench        (the numpy side needs python3-numpy)
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "bench/match_case.h"
#include "bench/process.h"

namespace agnapprox {
namespace {

const std::string& SmallCaseDir() {
  static const CaseFiles files(SmallLayers(), SmallCatalog());
  return files.dir();
}

// //:match with the default options on the small case, on 2 threads.
void BM_MatchSmallProcess(benchmark::State& state) {
  const std::string& dir = SmallCaseDir();
  RunProcessEachIteration(state, {RunfilePath("matching/match_main"), "--catalog=" + dir + "/catalog.txtpb",
                     "--layers=" + dir + "/traces.txtpb", "--output=" + dir + "/out.json",
                     "--threads=2"});
}
BENCHMARK(BM_MatchSmallProcess)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

// agnapprox's algorithm in numpy on the same files and the same 512 samples.
void BM_NumpySmallProcess(benchmark::State& state) {
  if (std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0) {
    state.SkipWithError("python3-numpy is not installed (./bazelw installs it)");
    return;
  }
  const std::string& dir = SmallCaseDir();
  RunProcessEachIteration(state, {"/usr/bin/python3", RunfilePath("bench/agnapprox_reference.py"),
                                  dir + "/catalog.txtpb", dir + "/traces.txtpb", "512"});
}
BENCHMARK(BM_NumpySmallProcess)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace agnapprox

BENCHMARK_MAIN();
