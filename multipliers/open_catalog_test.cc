#include "multipliers/open_catalog.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "io/file_io.h"
#include "io/npy.h"
#include "stats/error_map.h"

namespace agnapprox {
namespace {

TEST(OpenCatalog, OnlyBuiltinAndBuiltinColonNameTheBuiltInCatalog) {
  EXPECT_TRUE(IsBuiltinCatalog("builtin"));
  EXPECT_TRUE(IsBuiltinCatalog("builtin:_s"));
  EXPECT_TRUE(IsBuiltinCatalog("builtin:"));
  EXPECT_FALSE(IsBuiltinCatalog("builtin_evo/catalog.txtpb"));
  EXPECT_FALSE(IsBuiltinCatalog("builtins.txtpb"));
  EXPECT_FALSE(IsBuiltinCatalog("./builtin"));
}

// A catalog file in a folder whose name begins with "builtin" is a file,
// read relative to the user's folder.
TEST(OpenCatalog, AFolderNamedLikeTheBuiltInCatalogIsAPath) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/user";
  std::filesystem::create_directories(dir + "/builtin_evo");
  std::vector<int32_t> exact = ExactProducts(OperandRange::kSigned);
  ASSERT_TRUE(WriteFileAtomically(dir + "/builtin_evo/t.npy",
                                  EncodeNpy(NpyType::kInt32, {256, 256},
                                            std::vector<double>(exact.begin(), exact.end())))
                  .ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/builtin_evo/catalog.txtpb",
                                  "multiplier { name: \"mine\" signed: true bits: 8 "
                                  "lut { npy: \"t.npy\" } metrics { key: \"power\" value: 1 } }\n")
                  .ok());
  absl::StatusOr<Catalog> c = OpenCatalog("builtin_evo/catalog.txtpb", dir);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->multipliers.size(), 1u);
  EXPECT_EQ(c->multipliers[0].name, "mine");
  EXPECT_FALSE(c->multipliers[0].metrics_are_estimates);
}

}  // namespace
}  // namespace agnapprox
