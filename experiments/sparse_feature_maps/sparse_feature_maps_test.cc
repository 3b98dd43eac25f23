// Runs the experiment's quick preset on MNIST, as a user would, and checks
// what it wrote.
#include <string>

#include "gtest/gtest.h"
#include "lib/base/file_io.h"
#include "lib/harness/experiment_testing.h"

namespace {

using sparselab::experiment_testing::ExperimentStderr;
using sparselab::experiment_testing::FindRow;
using sparselab::experiment_testing::MetricMean;
using sparselab::experiment_testing::TestTmpDir;

TEST(SparseFeatureMapsTest, QuickPresetMeasuresBothNetworksAndDrawsTheDreams) {
  ASSERT_EQ(
      sparselab::experiment_testing::RunExperimentBinary(
          "sparse_feature_maps", "--threads=1 --preset=quick --out=" + TestTmpDir() + "/out", ""),
      0)
      << ExperimentStderr("sparse_feature_maps");
  auto j = sparselab::ReadJsonFile(TestTmpDir() + "/out/result-quick.json");
  ASSERT_TRUE(j.ok()) << j.status();
  const nlohmann::json& sparse = FindRow(*j, "mnist/plane_sparse");
  const nlohmann::json& twin = FindRow(*j, "mnist/dense_twin");
  for (const nlohmann::json* row : {&sparse, &twin}) {
    EXPECT_GE(MetricMean(*row, "accuracy"), 0.0);
    EXPECT_LE(MetricMean(*row, "accuracy"), 1.0);
    EXPECT_GT(MetricMean(*row, "ms_per_step"), 0.0);
  }
  // 64 planes, k = round(0.05 * 64) = 3 in training, round(1.5 * 3) = 5 at test.
  EXPECT_LE(MetricMean(sparse, "active_planes_per_sample"), 5.0);
  EXPECT_EQ(MetricMean(twin, "active_planes_per_sample"), 64.0);
  // A dense map is 64 planes of 14 x 14 floats.
  EXPECT_EQ(MetricMean(twin, "map_bytes_per_sample"), 64 * 14 * 14 * 4);
  EXPECT_LT(MetricMean(sparse, "map_bytes_per_sample"), 6 * (14 * 14 * 4 + 8) + 8);
  EXPECT_LE(MetricMean(sparse, "dead_planes"), 64.0);
  // Two positions x 10 classes of dreams, each judged.
  EXPECT_GE(MetricMean(sparse, "dream_position_error_px"), 0.0);
  EXPECT_GE(MetricMean(twin, "dream_class_by_plane_net"), 0.0);
  EXPECT_EQ((*j)["figures"], (nlohmann::json{"dreams_mnist-quick.png"}));
  EXPECT_TRUE(sparselab::FileExists(TestTmpDir() + "/out/dreams_mnist-quick.png"));
}

TEST(SparseFeatureMapsTest, BadSettingsAreClearErrorsAndWriteNothing) {
  sparselab::experiment_testing::ExpectSettingsRejected(
      "sparse_feature_maps", "--threads=1 --preset=quick",
      {
          {"datasets=[\"cifar\"]", {"datasets", "'cifar'", "mnist, fashion_mnist"}},
          {"canvas=30", {"canvas", "multiple of 4"}},
          {"planes=10", {"planes", "more than the 10 class planes"}},
          {"percent_on=0.001", {"percent_on", "round(percent_on * planes)"}},
          {"train_samples=70000", {"train_samples", "1 ... 60000"}},
          {"dream.positions=[[60,3]]", {"dream.positions", "inside the canvas"}},
          {"lr=0", {"lr", "> 0"}},
      });
}

}  // namespace
