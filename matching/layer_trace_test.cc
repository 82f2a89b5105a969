#include "matching/layer_trace.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "gtest/gtest.h"
#include "io/file_io.h"

namespace agnapprox {
namespace {

NpyArray Array(std::vector<int64_t> shape, std::vector<double> values) {
  NpyArray a;
  a.type = NpyType::kFloat32;
  a.shape = std::move(shape);
  a.values = std::move(values);
  return a;
}

std::string Dir() { return std::getenv("TEST_TMPDIR"); }

TEST(MakeLayerTrace, FlattensPyTorchConvWeights) {
  // 2 output channels, 1 input channel, 2x2 kernel: fan-in 4.
  absl::StatusOr<LayerTrace> t = MakeLayerTrace(
      "conv", -0.2, 100, Array({3, 4}, std::vector<double>(12, 1.0)), "f.npy",
      Array({2, 1, 2, 2}, {1, -2, 3, -4, 5, -6, 7, -8}), "w.npy");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->fan_in, 4);
  EXPECT_EQ(t->num_rows(), 3);
  EXPECT_EQ(t->range, OperandRange::kSigned);
  EXPECT_EQ(t->weights[3], -4);
  EXPECT_EQ(t->max_noise, -0.2);
}

TEST(MakeLayerTrace, FeaturesMayHaveLeadingBatchDimensions) {
  absl::StatusOr<LayerTrace> t = MakeLayerTrace(
      "l", 0.1, 1, Array({2, 3, 2}, std::vector<double>(12, 5.0)), "f.npy",
      Array({4, 2}, std::vector<double>(8, 1.0)), "w.npy");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 6);
}

TEST(MakeLayerTrace, UnsignedActivationsSelectTheUnsignedRange) {
  absl::StatusOr<LayerTrace> t = MakeLayerTrace(
      "l", 0.1, 1, Array({1, 2}, {200, 3}), "f.npy", Array({1, 2}, {1, 2}), "w.npy");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->range, OperandRange::kUnsigned);
  absl::StatusOr<LayerTrace> bad = MakeLayerTrace(
      "l", 0.1, 1, Array({1, 2}, {200, 3}), "f.npy", Array({1, 2}, {-1, 2}), "w.npy");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("w.npy"), std::string::npos);
}

void ExpectRefused(absl::StatusOr<LayerTrace> t, const std::string& fragment) {
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find(fragment), std::string::npos) << t.status();
}

TEST(MakeLayerTrace, RefusesBadOperandsAndShapes) {
  const NpyArray w = Array({2, 3}, std::vector<double>(6, 1.0));
  ExpectRefused(MakeLayerTrace("l", 0.1, 1, Array({1, 3}, {1, 0.5, 2}), "f.npy", w, "w.npy"),
                "f.npy: element 1 is 0.5, not an integer");
  ExpectRefused(MakeLayerTrace("l", 0.1, 1,
                               Array({1, 3}, {1, std::numeric_limits<double>::quiet_NaN(), 2}),
                               "f.npy", w, "w.npy"),
                "not an integer");
  ExpectRefused(MakeLayerTrace("l", 0.1, 1, Array({1, 3}, {1, 300, 2}), "f.npy", w, "w.npy"),
                "f.npy: element 1 is 300, outside");
  ExpectRefused(MakeLayerTrace("l", 0.1, 1, Array({1, 4}, {1, 1, 1, 1}), "f.npy", w, "w.npy"),
                "layer l: fan-in mismatch");
  ExpectRefused(MakeLayerTrace("l", 0.1, -5, Array({1, 3}, {1, 1, 1}), "f.npy", w, "w.npy"),
                "opcount is -5");
  ExpectRefused(MakeLayerTrace("l", 0.1, 1, Array({3}, {1, 1, 1}), "f.npy", w, "w.npy"),
                "f.npy: features have shape (3)");
  ExpectRefused(MakeLayerTrace("l", 0.1, 1, Array({1, 3}, {1, 1, 1}), "f.npy",
                               Array({6}, std::vector<double>(6, 1)), "w.npy"),
                "w.npy: weights have shape (6)");
}

TEST(LayerTraces, WriteThenLoad) {
  absl::StatusOr<LayerTrace> t = MakeLayerTrace(
      "fc1", 0.3, 48, Array({4, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 127}), "f",
      Array({4, 3}, {-128, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}), "w");
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(WriteLayerTraces({*t}, Dir() + "/traces.txtpb").ok());
  absl::StatusOr<std::vector<LayerTrace>> back = LoadLayerTraces(Dir() + "/traces.txtpb");
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].name, "fc1");
  EXPECT_EQ((*back)[0].features, t->features);
  EXPECT_EQ((*back)[0].weights, t->weights);
  EXPECT_EQ((*back)[0].opcount, 48);
  EXPECT_DOUBLE_EQ((*back)[0].max_noise, 0.3);
  EXPECT_EQ((*back)[0].activation_zero_point, 0);
}

// Arrays in the narrowest dtype that holds them (activation codes 0..127 in
// uint8, weights in int8), and a sample's population size round-trips.
TEST(LayerTraces, NarrowDtypesAndSampledRows) {
  absl::StatusOr<LayerTrace> t = MakeLayerTrace(
      "conv", 0.3, 48, Array({4, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 127}), "f",
      Array({2, 3}, {-128, 1, 2, 3, 4, 127}), "w");
  ASSERT_TRUE(t.ok());
  t->population_rows = 40;
  ASSERT_TRUE(WriteLayerTraces({*t}, Dir() + "/narrow.txtpb").ok());
  absl::StatusOr<std::string> f = ReadFile(Dir() + "/narrow.conv.features.npy");
  absl::StatusOr<std::string> w = ReadFile(Dir() + "/narrow.conv.weights.npy");
  ASSERT_TRUE(f.ok() && w.ok());
  EXPECT_NE(f->find("'descr': '|u1'"), std::string::npos) << f->substr(0, 80);
  EXPECT_NE(w->find("'descr': '|i1'"), std::string::npos) << w->substr(0, 80);
  EXPECT_LT(f->size(), 128u + 12u + 1u);  // one byte per code after the header
  absl::StatusOr<std::vector<LayerTrace>> back = LoadLayerTraces(Dir() + "/narrow.txtpb");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)[0].features, t->features);
  EXPECT_EQ((*back)[0].weights, t->weights);
  EXPECT_EQ((*back)[0].population_rows, 40);
  // A population smaller than the sample is refused, naming the layer.
  ASSERT_TRUE(WriteFileAtomically(
                  Dir() + "/bad_sample.txtpb",
                  "layer { name: \"conv\" max_noise: 0.3 opcount: 48 "
                  "features_npy: \"narrow.conv.features.npy\" "
                  "weights_npy: \"narrow.conv.weights.npy\" sampled_from_rows: 2 }\n")
                  .ok());
  absl::StatusOr<std::vector<LayerTrace>> bad = LoadLayerTraces(Dir() + "/bad_sample.txtpb");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("sampled_from_rows"), std::string::npos) << bad.status();
}

// The pipeline writes traces.txtpb and held_out.txtpb into one folder: each
// must keep its own arrays (they once shared "<layer>.features.npy", and the
// second file's arrays replaced the first's). Layer names with '/' (ONNX
// node names) stay single file names.
TEST(LayerTraces, TwoFilesInOneFolderKeepTheirOwnArrays) {
  absl::StatusOr<LayerTrace> a = MakeLayerTrace(
      "/conv1/Conv", 0.1, 4, Array({1, 2}, {1, 2}), "f", Array({1, 2}, {3, 4}), "w");
  absl::StatusOr<LayerTrace> b = MakeLayerTrace(
      "/conv1/Conv", 0.1, 4, Array({1, 2}, {5, 6}), "f", Array({1, 2}, {7, 8}), "w");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(WriteLayerTraces({*a}, Dir() + "/first.txtpb").ok());
  ASSERT_TRUE(WriteLayerTraces({*b}, Dir() + "/second.txtpb").ok());
  absl::StatusOr<std::vector<LayerTrace>> first = LoadLayerTraces(Dir() + "/first.txtpb");
  absl::StatusOr<std::vector<LayerTrace>> second = LoadLayerTraces(Dir() + "/second.txtpb");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*first)[0].features, a->features);
  EXPECT_EQ((*second)[0].features, b->features);
  EXPECT_EQ((*first)[0].name, "/conv1/Conv");
  EXPECT_TRUE(PathExists(Dir() + "/first._conv1_Conv.features.npy"));
}

TEST(LayerTraces, LayerNamesThatSanitiseAlikeGetNumberedFiles) {
  std::vector<LayerTrace> traces;
  for (const char* name : {"a/b", "a_b", "a.b"}) {
    absl::StatusOr<LayerTrace> t =
        MakeLayerTrace(name, 0.1, 2, Array({1, 1}, {1}), "f", Array({1, 1}, {2}), "w");
    ASSERT_TRUE(t.ok());
    traces.push_back(*t);
  }
  ASSERT_TRUE(WriteLayerTraces(traces, Dir() + "/alike.txtpb").ok());
  for (const char* file : {"alike.a_b", "alike.a_b_2", "alike.a_b_3"}) {
    EXPECT_TRUE(PathExists(Dir() + "/" + file + ".features.npy")) << file;
  }
  absl::StatusOr<std::vector<LayerTrace>> back = LoadLayerTraces(Dir() + "/alike.txtpb");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)[2].name, "a.b");
}

TEST(LayerTraces, ZeroPointRoundTrips) {
  absl::StatusOr<LayerTrace> t =
      MakeLayerTrace("conv1", 0.1, 12, Array({2, 3}, {0, 36, 127, 40, 36, 0}), "f",
                     Array({2, 3}, {1, -2, 3, 4, 5, -6}), "w", 36);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE(WriteLayerTraces({*t}, Dir() + "/zp.txtpb").ok());
  absl::StatusOr<std::vector<LayerTrace>> back = LoadLayerTraces(Dir() + "/zp.txtpb");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)[0].activation_zero_point, 36);
}

TEST(MakeLayerTrace, RefusesZeroPointsOutsideTheActivationRange) {
  // Signed operands: -128..127.
  ExpectRefused(MakeLayerTrace("conv1", 0.1, 1, Array({1, 2}, {0, 5}), "f",
                               Array({1, 2}, {1, -1}), "w", 128),
                "layer conv1: activation_zero_point 128 is outside");
  ExpectRefused(MakeLayerTrace("conv1", 0.1, 1, Array({1, 2}, {0, 5}), "f",
                               Array({1, 2}, {1, -1}), "w", -129),
                "activation_zero_point -129");
  // Unsigned operands (a feature above 127): 0..255, and no feature below
  // the zero point.
  ExpectRefused(MakeLayerTrace("fc", 0.1, 1, Array({1, 2}, {200, 5}), "f",
                               Array({1, 2}, {1, 2}), "w", 256),
                "outside the activation operand range unsigned");
  ExpectRefused(MakeLayerTrace("fc", 0.1, 1, Array({1, 2}, {200, 5}), "f",
                               Array({1, 2}, {1, 2}), "w", 10),
                "layer fc: unsigned activations go down to 5, below activation_zero_point 10");
  // Signed activations below the zero point are ordinary (negative inputs).
  EXPECT_TRUE(MakeLayerTrace("conv1", 0.1, 1, Array({1, 2}, {0, 5}), "f",
                             Array({1, 2}, {1, -1}), "w", 36)
                  .ok());
}

void ExpectFileRefused(const std::string& text, const std::string& fragment) {
  ASSERT_TRUE(WriteFileAtomically(Dir() + "/t.txtpb", text).ok());
  absl::StatusOr<std::vector<LayerTrace>> r = LoadLayerTraces(Dir() + "/t.txtpb");
  ASSERT_FALSE(r.ok()) << text;
  const std::string m(r.status().message());
  EXPECT_NE(m.find("t.txtpb"), std::string::npos) << m;
  EXPECT_NE(m.find(fragment), std::string::npos) << m;
}

TEST(LayerTraces, RefusesBadFiles) {
  ExpectFileRefused("layer { name: \"a\" max_noise: 0.1 opcount: 1 features_npy: "
                    "\"nope.npy\" weights_npy: \"nope.npy\" }",
                    "layer a: ");
  ExpectFileRefused("layer { name: \"a\" opcount: 1 }", "missing field max_noise");
  ExpectFileRefused("layer { name: \"a\" max_noise: zero }", "syntax error at line 1");
  ExpectFileRefused("", "no layers");
  ExpectFileRefused("layer { max_noise: 1 }", "has no name");
  ExpectFileRefused("layer { name: \"a\" activation_zero_point: 3.5 }", "syntax error");
}

}  // namespace
}  // namespace agnapprox
