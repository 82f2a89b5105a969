#include "choose.h"

#include <cstdlib>

#include "gtest/gtest.h"
#include "matching/layer_trace.h"
#include "io/npy.h"

namespace {

agnapprox::LayerTrace Layer(double sigma) {
  agnapprox::NpyArray f, w;
  f.shape = {64, 9};
  w.shape = {4, 9};
  for (int i = 0; i < 64 * 9; ++i) f.values.push_back((i * 37) % 100);
  for (int i = 0; i < 4 * 9; ++i) w.values.push_back((i * 53) % 200 - 100);
  return *agnapprox::MakeLayerTrace("conv", sigma, 2304, f, "f", w, "w");
}

TEST(Consumer, TolerantLayerGetsACheaperMultiplierThanExact) {
  absl::StatusOr<std::string> tight = Choose("builtin:_s", Layer(0.0));
  absl::StatusOr<std::string> loose = Choose("builtin:_s", Layer(0.3));
  ASSERT_TRUE(tight.ok()) << tight.status();
  ASSERT_TRUE(loose.ok()) << loose.status();
  EXPECT_NE(tight->find("exact_s"), std::string::npos) << *tight;
  EXPECT_EQ(loose->find("exact_s"), std::string::npos) << *loose;
}

TEST(Consumer, TraceFilesLoadThroughTheLibrary) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  ASSERT_TRUE(agnapprox::WriteLayerTraces({Layer(0.2)}, dir + "/t.txtpb").ok());
  absl::StatusOr<std::string> line = ChooseFirstLayer("builtin", dir + "/t.txtpb");
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->rfind("conv: ", 0), 0u) << *line;
}

}  // namespace
