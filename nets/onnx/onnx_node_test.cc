// ONNX's own backend node tests, as Debian's libonnx-testdata ships them
// (data/node: 932 cases written by the ONNX project): every case runs
// through the importer with all its inputs, and every output is compared
// with the case's reference within ONNX's backend-test tolerance
// (|ours - reference| <= 1e-7 + 1e-3 |reference|; booleans and integers
// exactly). A case the importer refuses must say "not supported" (one line,
// naming the node); a case it imports must match, unless kRefused lists it
// with the reason. The per-op table it prints is the one in nets/README.md.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "io/file_io.h"
#include "nets/onnx/onnx.pb.h"
#include "nets/onnx/onnx_net.h"

namespace agnapprox {
namespace {

constexpr char kRoot[] = "/usr/share/libonnx-testdata/data/node";

// Cases that import but are not run, each with the reason: semantics this
// importer does not reproduce on purpose.
const std::map<std::string, std::string> kRefused = {
    {"test_cast_FLOAT_to_STRING", "strings"},
    {"test_cast_STRING_to_FLOAT", "strings"},
};

struct Outcome {
  int cases = 0, passed = 0, refused = 0, failed = 0;
};

// The case's op types, e.g. "Add" or "LayerNormalization".
std::string OpsOf(const onnx::ModelProto& m) {
  std::set<std::string> ops;
  for (const onnx::NodeProto& n : m.graph().node()) ops.insert(n.op_type());
  std::string s;
  for (const std::string& op : ops) s += (s.empty() ? "" : "+") + op;
  return s;
}

// Whether `got` matches `want` within the backend tests' tolerance.
bool Matches(const torch::Tensor& got, const torch::Tensor& want, double* worst) {
  if (got.sizes() != want.sizes()) return false;
  if (want.numel() == 0) return true;
  if (!want.is_floating_point()) return torch::equal(got.to(want.scalar_type()), want);
  const torch::Tensor g = got.to(torch::kDouble), w = want.to(torch::kDouble);
  // NaN where the reference has NaN; infinities equal.
  const torch::Tensor both_nan = g.isnan().logical_and(w.isnan());
  const torch::Tensor same = (g == w).logical_or(both_nan);
  const torch::Tensor diff = torch::where(same, torch::zeros_like(g), (g - w).abs());
  *worst = std::max(*worst, diff.max().item<double>());
  return (same.logical_or(diff <= 1e-7 + 1e-3 * w.abs())).all().item<bool>();
}

TEST(OnnxNodeTests, EveryImportedCaseMatchesOrIsRefusedWithAReason) {
  ASSERT_TRUE(std::filesystem::is_directory(kRoot)) << kRoot << " (Debian's libonnx-testdata)";
  std::vector<std::string> cases;
  for (const auto& entry : std::filesystem::directory_iterator(kRoot)) {
    cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  std::map<std::string, Outcome> by_op;
  Outcome all;
  double worst = 0;
  for (const std::string& name : cases) {
    const std::string dir = std::string(kRoot) + "/" + name;
    absl::StatusOr<std::string> bytes = ReadFile(dir + "/model.onnx");
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    onnx::ModelProto model;
    ASSERT_TRUE(model.ParseFromString(*bytes)) << name;
    Outcome& o = by_op[OpsOf(model)];
    ++o.cases;
    ++all.cases;
    absl::StatusOr<std::shared_ptr<OnnxNetImpl>> net = ImportOnnxBytes(*bytes, name);
    if (!net.ok() || kRefused.count(name)) {
      const std::string why = net.ok() ? kRefused.at(name) : std::string(net.status().message());
      // A refusal is one clear line, never another failure.
      EXPECT_TRUE(!net.ok() ? why.find("supported") != std::string::npos : true) << why;
      EXPECT_EQ(why.find('\n'), std::string::npos) << why;
      ++o.refused;
      ++all.refused;
      std::printf("refused %-55s %s\n", name.c_str(), why.c_str());
      continue;
    }
    // The case's tensors: one of a type this importer does not hold
    // (float16, uint16/32/64, strings, ...) refuses the case.
    std::vector<torch::Tensor> inputs, wanted;
    std::string unreadable;
    for (const char* kind : {"input", "output"}) {
      for (int i = 0;; ++i) {
        const std::string f =
            dir + "/test_data_set_0/" + kind + "_" + std::to_string(i) + ".pb";
        if (!std::filesystem::exists(f)) break;
        absl::StatusOr<torch::Tensor> t = ReadOnnxTensor(f);
        if (!t.ok()) {
          unreadable = std::string(t.status().message());
          break;
        }
        (std::string(kind) == "input" ? inputs : wanted).push_back(*t);
      }
    }
    if (!unreadable.empty()) {  // sequences, optionals, float16, ...
      ++o.refused;
      ++all.refused;
      std::printf("refused %-55s %s\n", name.c_str(),
                  unreadable.substr(unreadable.find("test_data_set_0/")).c_str());
      continue;
    }
    bool ok = false;
    std::string what;
    try {
      (*net)->eval();
      torch::NoGradGuard no_grad;
      const std::vector<torch::Tensor> got = (*net)->RunAll(inputs);
      ok = got.size() >= wanted.size();
      for (size_t i = 0; ok && i < wanted.size(); ++i) {
        ok = Matches(got[i], wanted[i], &worst);
        if (!ok) {
          what = "output " + std::to_string(i) + " differs: got " +
                 std::to_string(got[i].numel()) + " values of shape " +
                 c10::str(got[i].sizes()) + ", want " + c10::str(wanted[i].sizes());
        }
      }
    } catch (const std::exception& e) {
      what = std::string(e.what()).substr(0, 300);
    }
    // Refused when run (a training-mode Dropout given as an input): a reason.
    if (!ok && what.find("not supported") != std::string::npos) {
      ++o.refused;
      ++all.refused;
      std::printf("refused %-55s %s\n", name.c_str(), what.substr(0, what.find('\n')).c_str());
      continue;
    }
    EXPECT_TRUE(ok) << name << ": " << what;
    ++(ok ? o.passed : o.failed);
    ++(ok ? all.passed : all.failed);
    std::printf("%s %-55s %s\n", ok ? "passed " : "FAILED ", name.c_str(), what.c_str());
  }
  std::printf("\n| ops | cases | pass | refused |\n|---|---|---|---|\n");
  for (const auto& [ops, o] : by_op) {
    if (o.passed + o.failed > 0) {
      std::printf("| %s | %d | %d | %d |\n", ops.c_str(), o.cases, o.passed, o.refused);
    }
  }
  std::printf("\n%d cases: %d pass, %d fail, %d refused (op types not run here); largest "
              "float difference among passes %.2e\n",
              all.cases, all.passed, all.failed, all.refused, worst);
}

}  // namespace
}  // namespace agnapprox
