// Runs //:match and //:catalog as a user would, on fixtures written here:
// the happy path end to end, and the bad-input matrix (exit code 1 and one
// line on stderr naming the file or field, 2 for usage errors, and never an
// output file left behind).
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "matching/layer_trace.h"
#include "matching/matching_json.h"
#include "matching/select.h"
#include "multipliers/builtin.h"
#include "multipliers/catalog_file.h"
#include "io/file_io.h"
#include "io/npy.h"

namespace agnapprox {
namespace {

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") +
         "/" + path;
}

std::string Dir() { return std::getenv("TEST_TMPDIR"); }

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Result Run(const std::string& binary, const std::string& args) {
  const std::string out = Dir() + "/stdout.txt", err = Dir() + "/stderr.txt";
  const std::string cmd = Runfile(binary) + " " + args + " >" + out + " 2>" + err;
  const int status = std::system(cmd.c_str());
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

Result Match(const std::string& args) { return Run("matching/match_main", args); }
Result CatalogTool(const std::string& args) { return Run("multipliers/catalog_main", args); }

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

void Write(const std::string& name, const std::string& contents) {
  ASSERT_TRUE(WriteFileAtomically(Dir() + "/" + name, contents).ok());
}

// Two small layers traced like LeNet5's conv1 and fc3.
void WriteGoodTraces() {
  std::vector<double> f1, w1, f2, w2;
  for (int i = 0; i < 200 * 25; ++i) f1.push_back((i * 7919) % 97);
  for (int i = 0; i < 6 * 25; ++i) w1.push_back((i * 31) % 255 - 127);
  for (int i = 0; i < 50 * 84; ++i) f2.push_back((i * 13) % 128);
  for (int i = 0; i < 10 * 84; ++i) w2.push_back((i * 17) % 200 - 100);
  Write("conv1.features.npy", EncodeNpy(NpyType::kFloat32, {200, 25}, f1));
  Write("conv1.weights.npy", EncodeNpy(NpyType::kFloat32, {6, 1, 5, 5}, w1));
  Write("fc3.features.npy", EncodeNpy(NpyType::kInt64, {50, 84}, f2));
  Write("fc3.weights.npy", EncodeNpy(NpyType::kInt8, {10, 84}, w2));
  Write("traces.txtpb",
        "layer { name: \"conv1\" max_noise: 0.2 opcount: 117600 "
        "features_npy: \"conv1.features.npy\" weights_npy: \"conv1.weights.npy\" }\n"
        "layer { name: \"fc3\" max_noise: -0.1 opcount: 840 "
        "features_npy: \"fc3.features.npy\" weights_npy: \"fc3.weights.npy\" }\n");
}

// A signed table P = a*b + e(a, b) in value order.
std::string SignedTableNpy(int (*error)(int a, int b)) {
  std::vector<double> p;
  for (int a = -128; a < 128; ++a) {
    for (int b = -128; b < 128; ++b) p.push_back(a * b + error(a, b));
  }
  return EncodeNpy(NpyType::kInt32, {256, 256}, p);
}

// "odd": one too many whenever the activation is odd; "exact": none.
void WriteOddCatalog() {
  Write("odd.npy", SignedTableNpy([](int a, int) { return a & 1; }));
  Write("exact.npy", SignedTableNpy([](int, int) { return 0; }));
  Write("odd.txtpb",
        "multiplier { name: \"exact\" signed: true bits: 8 lut { npy: \"exact.npy\" } "
        "metrics { key: \"power\" value: 1 } }\n"
        "multiplier { name: \"odd\" signed: true bits: 8 lut { npy: \"odd.npy\" } "
        "metrics { key: \"power\" value: 0.5 } }\n");
}

// The number after "key": in `json` at or after `from`.
double NumberAfter(const std::string& json, size_t from, const std::string& key) {
  const size_t p = json.find("\"" + key + "\": ", from);
  EXPECT_NE(p, std::string::npos) << key;
  return p == std::string::npos ? std::nan("") : std::atof(json.c_str() + p + key.size() + 4);
}

// //:match against the error model written out by hand for a multiplier
// whose error is 1 for odd activations: a row with odd fraction f has
// m = f and v = f - f^2, so predicted_std = sqrt(n^2 var(f) + n mean(f -
// f^2)) and predicted_mean = n mean(f); the observed error of row r at any
// output is its count of odd activations.
TEST(MatchCli, EndToEndAgreesWithTheErrorModelByHand) {
  WriteGoodTraces();
  WriteOddCatalog();
  const std::string out = Dir() + "/match.json";
  Result r = Match("--catalog=" + Dir() + "/odd.txtpb --layers=" + Dir() +
                   "/traces.txtpb --output=" + out + " --num_samples=0 --observed");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string json = Slurp(out);
  struct Layer {
    std::string name;
    int rows, fan_in, out;
    std::vector<double> f;
  } layers[] = {{"conv1", 200, 25, 6, {}}, {"fc3", 50, 84, 10, {}}};
  for (int i = 0; i < 200 * 25; ++i) layers[0].f.push_back((i * 7919) % 97);
  for (int i = 0; i < 50 * 84; ++i) layers[1].f.push_back((i * 13) % 128);
  double energy = 0;
  int checked = 0;  // layers whose figures were compared
  for (const Layer& l : layers) {
    SCOPED_TRACE(l.name);
    const int n = l.fan_in;
    double mean_f = 0, mean_f2 = 0, mean_v = 0, mean_c = 0, mean_c2 = 0;
    for (int row = 0; row < l.rows; ++row) {
      int odd = 0;
      for (int k = 0; k < n; ++k) odd += static_cast<int>(l.f[row * n + k]) & 1;
      const double f = static_cast<double>(odd) / n;
      mean_f += f / l.rows;
      mean_f2 += f * f / l.rows;
      mean_v += (f - f * f) / l.rows;
      mean_c += static_cast<double>(odd) / l.rows;
      mean_c2 += static_cast<double>(odd) * odd / l.rows;
    }
    const double predicted_std =
        std::sqrt(n * n * (mean_f2 - mean_f * mean_f) + n * mean_v);
    const size_t at = json.find("\"name\": \"" + l.name + "\"");
    ASSERT_NE(at, std::string::npos);
    const double max_std = NumberAfter(json, at, "max_std");
    const bool odd_fits = predicted_std <= max_std;
    EXPECT_EQ(json.find("\"multiplier_name\": \"" + std::string(odd_fits ? "odd" : "exact") + "\"",
                        at),
              json.find("\"multiplier_name\"", at));
    energy += (l.name == "conv1" ? 117600 : 840) * (odd_fits ? 0.5 : 1.0);
    if (!odd_fits) continue;  // the exact table's figures are all zero
    ++checked;
    EXPECT_NEAR(NumberAfter(json, at, "predicted_std"), predicted_std, 1e-9 * predicted_std);
    EXPECT_NEAR(NumberAfter(json, at, "predicted_mean"), n * mean_f, 1e-9 * n * mean_f);
    EXPECT_NEAR(NumberAfter(json, at, "observed_mean"), mean_c, 1e-9 * mean_c);
    EXPECT_NEAR(NumberAfter(json, at, "observed_std"),
                std::sqrt(std::max(0.0, mean_c2 - mean_c * mean_c)), 1e-9 * mean_c + 1e-9);
  }
  EXPECT_GT(checked, 0);
  EXPECT_NEAR(NumberAfter(json, 0, "relative_energy_consumption"), energy / 118440, 1e-12);
  EXPECT_EQ(NumberAfter(json, 0, "metric_max"), 1);
  EXPECT_NE(json.find("\"metrics_are_estimates\": false"), std::string::npos);
  EXPECT_NE(r.out.find("relative energy consumption"), std::string::npos);
}

TEST(MatchCli, TheBuiltInCatalogsCostsAreLabelledEstimates) {
  WriteGoodTraces();
  const std::string out = Dir() + "/estimates.json";
  Result r = Match("--catalog=builtin:_s --layers=" + Dir() + "/traces.txtpb --output=" + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(Slurp(out).find("\"metrics_are_estimates\": true"), std::string::npos);
  EXPECT_NE(r.out.find("estimated"), std::string::npos) << r.out;
}

TEST(MatchCli, ObservedTraceEstimatorAndHeldOut) {
  WriteGoodTraces();
  const std::string out = Dir() + "/observed.json";
  Result r = Match("--catalog=builtin:_s --layers=" + Dir() + "/traces.txtpb --output=" + out +
                   " --estimator=trace --compensate_bias --held_out=" + Dir() + "/traces.txtpb");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string json = Slurp(out);
  for (const char* key : {"\"observed_std\"", "\"observed_mean\"", "\"estimator\": \"trace\"",
                          "\"compensated_observed_std\"", "\"bias_correction\"",
                          "\"held_out_observed_std\"", "\"held_out_layers_within_tolerance\": 2"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << json.substr(0, 2000);
  }
  EXPECT_NE(r.out.find("obs. std"), std::string::npos);
  // Without --observed the keys stay out.
  ASSERT_EQ(Match("--catalog=builtin:_s --layers=" + Dir() + "/traces.txtpb --output=" + out)
                .exit_code,
            0);
  EXPECT_EQ(Slurp(out).find("observed_std"), std::string::npos);
}

// A layer traced with activation_zero_point 36: //:match's max_std is that
// of (X - 36) W^T, computed here independently.
TEST(MatchCli, ZeroPointShiftsTheTolerance) {
  WriteGoodTraces();
  Write("zp.txtpb",
        "layer { name: \"conv1\" max_noise: 0.2 opcount: 117600 activation_zero_point: 36 "
        "features_npy: \"conv1.features.npy\" weights_npy: \"conv1.weights.npy\" }\n");
  const std::string out = Dir() + "/zp.json";
  Result r = Match("--catalog=builtin:_s --layers=" + Dir() + "/zp.txtpb --output=" + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<double> f, w;
  for (int i = 0; i < 200 * 25; ++i) f.push_back((i * 7919) % 97);
  for (int i = 0; i < 6 * 25; ++i) w.push_back((i * 31) % 255 - 127);
  double sum = 0, sum_sq = 0;
  for (int row = 0; row < 200; ++row) {
    for (int o = 0; o < 6; ++o) {
      double y = 0;
      for (int k = 0; k < 25; ++k) y += (f[row * 25 + k] - 36) * w[o * 25 + k];
      sum += y;
      sum_sq += y * y;
    }
  }
  const double want = 0.2 * std::sqrt(sum_sq / 1200 - (sum / 1200) * (sum / 1200));
  const std::string json = Slurp(out);
  const size_t p = json.find("\"max_std\": ");
  ASSERT_NE(p, std::string::npos);
  const double got = std::atof(json.c_str() + p + 11);
  EXPECT_NEAR(got, want, 1e-9 * want);
}

TEST(MatchCli, RelativePathsAreTheUsersUnderBazelRun) {
  WriteGoodTraces();
  const std::string cmd_env = "BUILD_WORKING_DIRECTORY=" + Dir();
  setenv("BUILD_WORKING_DIRECTORY", Dir().c_str(), 1);
  Result r = Match("--layers=traces.txtpb --output=rel.json --catalog=builtin:exact");
  unsetenv("BUILD_WORKING_DIRECTORY");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Exists(Dir() + "/rel.json"));
}

TEST(MatchCli, HelpExitsZero) {
  Result r = Match("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--num_samples"), std::string::npos);
}

struct BadCase {
  std::string label;
  std::string setup_name;  // file to write under Dir(), "" for none
  std::string setup_contents;
  std::string args;        // {D} is replaced by Dir()
  int exit_code;
  std::string must_name;   // fragment stderr must contain
};

std::string Expand(std::string s) {
  for (size_t p; (p = s.find("{D}")) != std::string::npos;) s.replace(p, 3, Dir());
  return s;
}

std::string TraceWith(const std::string& features, const std::string& weights,
                      const std::string& extra = "opcount: 10") {
  return "layer { name: \"bad\" max_noise: 0.1 " + extra + " features_npy: \"" +
         features + "\" weights_npy: \"" + weights + "\" }";
}

TEST(MatchCli, BadInputMatrix) {
  WriteGoodTraces();
  const std::string good_w = "conv1.weights.npy";
  std::vector<double> frac(25 * 2, 1.0), nan(25 * 2, 1.0), big(25 * 2, 1.0);
  frac[3] = 0.5;
  nan[4] = std::nan("");
  big[5] = 1000;
  Write("frac.npy", EncodeNpy(NpyType::kFloat64, {2, 25}, frac));
  Write("nan.npy", EncodeNpy(NpyType::kFloat64, {2, 25}, nan));
  Write("big.npy", EncodeNpy(NpyType::kFloat64, {2, 25}, big));
  Write("wide.npy", EncodeNpy(NpyType::kFloat64, {2, 30}, std::vector<double>(60, 1)));
  std::string truncated = EncodeNpy(NpyType::kFloat64, {2, 25}, big);
  Write("trunc.npy", truncated.substr(0, truncated.size() - 9));
  Write("object.npy", std::string("\x93NUMPY\x01\x00\x46\x00", 10) +
                          "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }" +
                          std::string(14, ' ') + "\n\x80\x03]q\x00.");
  std::vector<double> small(16 * 16, 0);
  Write("small.npy", EncodeNpy(NpyType::kInt32, {16, 16}, small));
  mkdir((Dir() + "/adir").c_str(), 0755);

  const std::vector<BadCase> cases = {
      {"wrong table shape", "shape.txtpb",
       "multiplier { name: \"m\" signed: true lut { npy: \"small.npy\" } "
       "metrics { key: \"power\" value: 1 } }",
       "--catalog={D}/shape.txtpb --layers={D}/traces.txtpb", 1, "small.npy"},
      {"truncated npy", "t1.txtpb", TraceWith("trunc.npy", good_w),
       "--layers={D}/t1.txtpb", 1, "trunc.npy"},
      {"NaN operand", "t2.txtpb", TraceWith("nan.npy", good_w), "--layers={D}/t2.txtpb", 1,
       "nan.npy"},
      {"fraction operand", "t3.txtpb", TraceWith("frac.npy", good_w),
       "--layers={D}/t3.txtpb", 1, "frac.npy"},
      {"operand out of range", "t4.txtpb", TraceWith("big.npy", good_w),
       "--layers={D}/t4.txtpb", 1, "big.npy"},
      {"missing file", "", "", "--layers={D}/no_such.txtpb", 1, "no_such.txtpb"},
      {"catalog syntax error", "syntax.txtpb", "multiplier { name: \"m\" signed: tru",
       "--catalog={D}/syntax.txtpb --layers={D}/traces.txtpb", 1, "syntax.txtpb"},
      {"empty catalog", "empty.txtpb", "",
       "--catalog={D}/empty.txtpb --layers={D}/traces.txtpb", 1, "empty.txtpb"},
      {"fan-in mismatch", "t5.txtpb", TraceWith("wide.npy", good_w),
       "--layers={D}/t5.txtpb", 1, "fan-in"},
      {"object npy", "t6.txtpb", TraceWith("object.npy", good_w), "--layers={D}/t6.txtpb", 1,
       "object.npy"},
      {"garbage bytes", "garbage.txtpb", std::string("\x00\xff\xfe garbage \x01", 13),
       "--layers={D}/garbage.txtpb", 1, "garbage.txtpb"},
      {"missing metric", "", "", "--metric=delay --layers={D}/traces.txtpb", 1, "delay"},
      {"metric no entry has", "", "", "--metric=joules --layers={D}/traces.txtpb", 1,
       "no metric 'joules'"},
      {"negative opcount", "t7.txtpb",
       TraceWith("conv1.features.npy", good_w, "opcount: -3"), "--layers={D}/t7.txtpb", 1,
       "opcount"},
      {"directory for a file", "", "", "--layers={D}/adir", 1, "adir"},
      {"directory as catalog", "", "", "--catalog={D}/adir --layers={D}/traces.txtpb", 1,
       "adir"},
      {"unknown estimator", "", "", "--estimator=oracle --layers={D}/traces.txtpb", 2,
       "--estimator"},
      {"negative sample count", "", "", "--num_samples=-1 --layers={D}/traces.txtpb", 2,
       "--num_samples=-1"},
      {"negative threads", "", "", "--threads=-3 --layers={D}/traces.txtpb", 2,
       "--threads=-3"},
      {"zero point out of range", "t8.txtpb",
       TraceWith("conv1.features.npy", good_w, "opcount: 10 activation_zero_point: 300"),
       "--layers={D}/t8.txtpb", 1, "layer bad: activation_zero_point 300"},
      {"held-out traces of other layers", "t9.txtpb",
       "layer { name: \"fc9\" max_noise: 0.1 opcount: 10 features_npy: \"conv1.features.npy\" "
       "weights_npy: \"conv1.weights.npy\" }",
       "--layers={D}/traces.txtpb --held_out={D}/t9.txtpb", 1, "t9.txtpb"},
      {"unknown flag", "", "", "--layers={D}/traces.txtpb --colour=red", 2, "--colour"},
      {"bad flag value", "", "", "--layers={D}/traces.txtpb --num_samples=many", 2,
       "num_samples"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.label);
    if (!c.setup_name.empty()) Write(c.setup_name, c.setup_contents);
    const std::string out = Dir() + "/bad_out.json";
    std::remove(out.c_str());
    Result r = Match(Expand(c.args) + " --output=" + out);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    EXPECT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
    EXPECT_NE(r.err.find(c.must_name), std::string::npos) << r.err;
    EXPECT_FALSE(Exists(out)) << "an output file was left behind";
  }
  // A failure at the write itself (a folder stands where the output goes):
  // exit 1 naming the output, the folder as it was, no temporary beside it.
  const std::string folder = Dir() + "/write_fails";
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder + "/out.json/kept");
  Result w = Match("--layers=" + Dir() + "/traces.txtpb --output=" + folder + "/out.json");
  EXPECT_EQ(w.exit_code, 1) << w.err;
  EXPECT_NE(w.err.find(folder + "/out.json"), std::string::npos) << w.err;
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(folder)) {
    EXPECT_EQ(e.path().filename(), "out.json");
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  EXPECT_TRUE(std::filesystem::is_directory(folder + "/out.json/kept"));
  Result missing = Match("--output=" + Dir() + "/x.json");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--layers"), std::string::npos);
}

TEST(CatalogCli, ListsTheBuiltinCatalogAsJson) {
  Result r = CatalogTool("list --catalog=builtin --format=json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* key : {"\"exact_s\"", "\"exact_u\"", "\"signed\"", "\"bits\"",
                          "\"metrics\"", "\"power\"", "\"error\"", "\"mae\"", "\"wce\"",
                          "\"ep\"", "\"mre\"", "\"mse\"", "\"metrics_are_estimates\": true"}) {
    EXPECT_NE(r.out.find(key), std::string::npos) << key;
  }
  // The exact designs have no error at all.
  const size_t exact = r.out.find("\"exact_s\"");
  for (const char* key : {"mean", "std", "mae", "wce", "ep", "mre", "mse"}) {
    EXPECT_EQ(NumberAfter(r.out, exact, key), 0) << key;
  }
  Result table = CatalogTool("list --catalog=builtin:drum --signedness=signed");
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("drum4_s"), std::string::npos);
  EXPECT_EQ(table.out.find("drum4_u"), std::string::npos);
  EXPECT_NE(table.out.find("estimated"), std::string::npos);
}

// The error figures of the "odd" design (error 1 for odd activations),
// worked out by hand over the 65,536 signed pairs: half the pairs are off
// by one, so mean = mae = ep/100 = mse = 0.5, std = 0.5, wce = 1; mre is
// the mean of 1/|a*b| over odd a and b != 0 (as a percentage of all pairs
// with a*b != 0), summed here.
TEST(CatalogCli, ListsTheErrorFiguresOfAFileCatalog) {
  WriteOddCatalog();
  Result r = CatalogTool("list --catalog=" + Dir() + "/odd.txtpb --format=json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t odd = r.out.find("\"odd\"");
  ASSERT_NE(odd, std::string::npos);
  double relative = 0;
  int nonzero = 0;
  for (int a = -128; a < 128; ++a) {
    for (int b = -128; b < 128; ++b) {
      if (a * b == 0) continue;
      ++nonzero;
      relative += (a & 1) / std::abs(static_cast<double>(a * b));
    }
  }
  EXPECT_EQ(NumberAfter(r.out, odd, "power"), 0.5);
  EXPECT_EQ(NumberAfter(r.out, odd, "mean"), 0.5);
  EXPECT_EQ(NumberAfter(r.out, odd, "std"), 0.5);
  EXPECT_EQ(NumberAfter(r.out, odd, "mae"), 0.5);
  EXPECT_EQ(NumberAfter(r.out, odd, "wce"), 1);
  EXPECT_EQ(NumberAfter(r.out, odd, "ep"), 50);
  EXPECT_EQ(NumberAfter(r.out, odd, "mse"), 0.5);
  EXPECT_NEAR(NumberAfter(r.out, odd, "mre"), 100 * relative / nonzero, 1e-9);
  EXPECT_NE(r.out.find("\"metrics_are_estimates\": false"), std::string::npos);
}

TEST(CatalogCli, BrokenCatalogsGetOneLine) {
  Write("dup.txtpb",
        "multiplier { name: \"a\" signed: true lut { raw_int32: \"x.raw\" } }\n"
        "multiplier { name: \"a\" signed: true lut { raw_int32: \"x.raw\" } }\n");
  Write("x.raw", std::string(65536 * 4, '\0'));
  for (const std::string name : {"dup.txtpb", "syntax.txtpb", "garbage.txtpb", "shape.txtpb"}) {
    if (name == "syntax.txtpb") Write(name, "multiplier {");
    if (name == "garbage.txtpb") Write(name, std::string("\x00\xff garbage", 10));
    if (name == "shape.txtpb") {
      Write("small.npy", EncodeNpy(NpyType::kInt32, {16, 16}, std::vector<double>(256, 0)));
      Write(name, "multiplier { name: \"m\" signed: true lut { npy: \"small.npy\" } }");
    }
    Result r = CatalogTool("list --catalog=" + Dir() + "/" + name);
    EXPECT_EQ(r.exit_code, 1) << name;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
  }
  EXPECT_EQ(CatalogTool("").exit_code, 2);
  EXPECT_EQ(CatalogTool("frobnicate").exit_code, 2);
  EXPECT_EQ(CatalogTool("list --format=xml").exit_code, 2);
}

}  // namespace
}  // namespace agnapprox
