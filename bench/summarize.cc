// Reads the JSON of //bench:all's suites and prints each headline figure
// next to its baseline, with the ratio.
//
//   summarize DIR
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace {

struct Result {
  double ms = 0;               // real time per iteration
  double items_per_second = 0;
};

std::map<std::string, Result> Load(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  google::protobuf::Struct root;
  std::map<std::string, Result> out;
  if (!google::protobuf::util::JsonStringToMessage(text.str(), &root).ok()) return out;
  const auto& fields = root.fields();
  auto it = fields.find("benchmarks");
  if (it == fields.end()) return out;
  for (const auto& b : it->second.list_value().values()) {
    const auto& f = b.struct_value().fields();
    Result r;
    const std::string unit = f.count("time_unit") ? f.at("time_unit").string_value() : "ns";
    const double scale = unit == "ms" ? 1 : unit == "us" ? 1e-3 : unit == "s" ? 1e3 : 1e-6;
    if (f.count("real_time")) r.ms = f.at("real_time").number_value() * scale;
    if (f.count("items_per_second")) r.items_per_second = f.at("items_per_second").number_value();
    out[f.at("name").string_value()] = r;
  }
  return out;
}

struct Row {
  std::string suite, what, ours, baseline;
  bool rate;  // compare items_per_second (higher is better), else time
  // Print ours / baseline in time ("x qat": a cost, lower is better).
  bool cost = false;
  const char* per = "qat";  // what a cost is relative to
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: summarize DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const std::vector<Row> rows = {
      {"stats_bench", "error model, 27 mults x 512 rows x fan-in 150",
       "BM_PopulationPredictClosedForm", "BM_PopulationPredictPerRow", false},
      {"match_bench", "SelectMultipliers, 4 layers x 30 mults (2 threads)",
       "BM_SelectMultipliers/2/real_time", "BM_SelectMultipliersPerRow/iterations:1", false},
      {"match_bench", "observed error, 4 layers x 30 mults, every row",
       "BM_ObserveAll/real_time", "BM_ObserveAllPlainLoop/iterations:2/real_time", false},
      {"match_bench", "whole //:match --observed process (target < 1 s)",
       "BM_MatchObservedProcess/iterations:5/real_time", "", false},
      {"match_start_bench", "whole //:match, small case, vs numpy (<= 15 ms)",
       "BM_MatchSmallProcess/min_time:2.000/real_time",
       "BM_NumpySmallProcess/iterations:3/real_time", false},
      {"lut_gemm_bench", "table GEMM 512x512x512 vs AdaPT-like",
       "BM_LutGemm/512/512/512/real_time", "BM_LutGemmAdaptLike/512/512/512/real_time", true},
      {"lut_gemm_bench", "table GEMM 64x64x1024 vs AdaPT-like",
       "BM_LutGemm/64/64/1024/real_time", "BM_LutGemmAdaptLike/64/64/1024/real_time", true},
      {"lut_gemm_bench", "table GEMM 784x6x25 vs AdaPT-like", "BM_LutGemm/784/6/25/real_time",
       "BM_LutGemmAdaptLike/784/6/25/real_time", true},
      {"lut_gemm_bench", "table GEMM 100x16x150 vs AdaPT-like",
       "BM_LutGemm/100/16/150/real_time", "BM_LutGemmAdaptLike/100/16/150/real_time", true},
      {"lut_gemm_bench", "table GEMM 131072x16x144 (ResNet8 stage 1) vs AdaPT",
       "BM_LutGemm/131072/16/144/real_time", "BM_LutGemmAdaptLike/131072/16/144/real_time",
       true},
      {"lut_gemm_bench", "depthwise 96x32x32 3x3, grouped vs per-channel loop",
       "BM_LutDepthwiseConv/real_time", "BM_LutDepthwiseConvPerChannel/real_time", true},
      {"lut_gemm_bench", "table GEMM 512^3 vs LibTorch fp32 matmul",
       "BM_LutGemm/512/512/512/real_time", "BM_ExactGemmFloat/512/512/512/real_time", true},
      {"train_bench", "LeNet5 training step, approx / qat (target <= 1.3)",
       "BM_TrainStep/lenet5_Approx/min_time:2.000/real_time",
       "BM_TrainStep/lenet5_Qat/min_time:2.000/real_time", false, true},
      {"train_bench", "ResNet8 training step, approx / qat (target <= 1.6)",
       "BM_TrainStep/resnet8_Approx/min_time:2.000/real_time",
       "BM_TrainStep/resnet8_Qat/min_time:2.000/real_time", false, true},
      {"train_bench", "LeNet5 evaluation step, approx / qat (target <= 1.3)",
       "BM_EvalStep/lenet5_Approx/min_time:2.000/real_time",
       "BM_EvalStep/lenet5_Qat/min_time:2.000/real_time", false, true},
      {"train_bench", "ResNet8 evaluation step, approx / qat (target <= 1.3)",
       "BM_EvalStep/resnet8_Approx/min_time:2.000/real_time",
       "BM_EvalStep/resnet8_Qat/min_time:2.000/real_time", false, true},
      {"train_bench", "LeNet5 retraining step, table / ste gradient (<= 1.5)",
       "BM_TrainStep/lenet5_ApproxTable/min_time:2.000/real_time",
       "BM_TrainStep/lenet5_Approx/min_time:2.000/real_time", false, true, "ste"},
      {"selection_bench", "verified search, LeNet5 on 5000 images, cached vs full forwards",
       "BM_Search/cached:1/iterations:1", "BM_Search/cached:0/iterations:1", false},
      {"match_scale_bench", "MobileNetV2 matching, 60 mults deciding vs 15 all observed",
       "BM_Match/multipliers:60/all:0/iterations:1",
       "BM_Match/multipliers:15/all:1/iterations:1", false},
      {"catalog_bench", "load a 50-table .npy catalog", "BM_LoadNpyCatalog50", "", false},
      {"catalog_bench", "generate the built-in catalog", "BM_BuildBuiltinCatalog", "", false},
  };
  std::map<std::string, std::map<std::string, Result>> suites;
  std::printf("%-52s %16s %16s %9s\n", "headline", "ours", "baseline", "ratio");
  int missing = 0;
  for (const Row& row : rows) {
    if (!suites.count(row.suite)) suites[row.suite] = Load(dir + "/" + row.suite + ".json");
    const auto& results = suites[row.suite];
    auto ours = results.find(row.ours);
    if (ours == results.end()) {
      std::printf("%-52s %16s\n", row.what.c_str(), "missing");
      ++missing;
      continue;
    }
    auto format = [&](const Result& r) {
      char buf[32];
      if (row.rate) {
        std::snprintf(buf, sizeof buf, "%.2f GMAC/s", r.items_per_second / 1e9);
      } else {
        std::snprintf(buf, sizeof buf, "%.3f ms", r.ms);
      }
      return std::string(buf);
    };
    auto base = results.find(row.baseline);
    if (row.baseline.empty() || base == results.end()) {
      std::printf("%-52s %16s %16s %9s\n", row.what.c_str(), format(ours->second).c_str(), "-",
                  "-");
      continue;
    }
    if (row.cost) {
      std::printf("%-52s %16s %16s %5.2fx %s\n", row.what.c_str(), format(ours->second).c_str(),
                  format(base->second).c_str(), ours->second.ms / base->second.ms, row.per);
      continue;
    }
    const double ratio = row.rate ? ours->second.items_per_second / base->second.items_per_second
                                  : base->second.ms / ours->second.ms;
    std::printf("%-52s %16s %16s %8.1fx\n", row.what.c_str(), format(ours->second).c_str(),
                format(base->second).c_str(), ratio);
  }
  return missing == 0 ? 0 : 1;
}
