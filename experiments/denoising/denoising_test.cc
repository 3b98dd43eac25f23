// Runs the denoising binary with the quick preset on the photographs, as a
// user would, and checks what it wrote.
#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "lib/base/file_io.h"
#include "lib/harness/experiment_testing.h"

namespace {

using sparselab::experiment_testing::ExperimentStderr;
using sparselab::experiment_testing::FindRow;
using sparselab::experiment_testing::MetricMean;
using sparselab::experiment_testing::TestTmpDir;

int RunDenoising(const std::string& args) {
  return sparselab::experiment_testing::RunExperimentBinary(
      "denoising", "--threads=1 --out=" + TestTmpDir() + "/out " + args, "");
}

TEST(DenoisingTest, QuickPresetDenoisesBetterThanTheNoisyInput) {
  ASSERT_EQ(RunDenoising("--preset=quick"), 0) << ExperimentStderr("denoising");
  auto j = sparselab::ReadJsonFile(TestTmpDir() + "/out/result-quick.json");
  ASSERT_TRUE(j.ok()) << j.status();
  // sigma = 25 on a [0, 1] image: MSE (25/255)^2, PSNR 20 log10(255/25) = 20.17 dB;
  // the evaluation clips every output to [0, 1], which can only lower the error
  // (by much on the dark moon crop), so the noisy row sits at or above that.
  const nlohmann::json& noisy = FindRow(*j, "noisy/sigma=25");
  EXPECT_GT(MetricMean(noisy, "psnr"), 20.17 - 0.3);
  EXPECT_LT(MetricMean(noisy, "psnr"), 24.0);
  for (const char* method : {"gaussian", "median", "sparse_dct", "ksvd"}) {
    const nlohmann::json& row = FindRow(*j, std::string(method) + "/sigma=25");
    EXPECT_GT(MetricMean(row, "psnr"), MetricMean(noisy, "psnr") + 1.0) << method;
    EXPECT_GT(MetricMean(row, "ssim"), MetricMean(noisy, "ssim")) << method;
    EXPECT_GT(MetricMean(row, "seconds_per_megapixel"), 0.0) << method;
    EXPECT_TRUE(std::isfinite(MetricMean(row, "psnr/camera.png"))) << method;
  }
  // The blind-spot network after one short epoch: a finite result that is
  // recorded with its training (the quick preset is far too short to denoise).
  const nlohmann::json& bs = FindRow(*j, "blind_spot/sigma=25");
  EXPECT_TRUE(std::isfinite(MetricMean(bs, "psnr")));
  EXPECT_EQ(bs["info"]["fit"]["training_patches"], 16);
  EXPECT_EQ(bs["info"]["fit"]["loss_curve"].size(), 1u);
  // The other trained rows and the variant rows of the same fits: recorded,
  // finite, each with its one epoch on the same 16 patches.
  for (const char* method :
       {"hybrid_prior", "noise2void", "blind_spot_unet", "blind_spot_hole", "noise2clean"}) {
    const nlohmann::json& row = FindRow(*j, std::string(method) + "/sigma=25");
    EXPECT_TRUE(std::isfinite(MetricMean(row, "psnr"))) << method;
    const nlohmann::json& fit = row["info"]["fit"];
    const nlohmann::json& training =
        fit.contains("predictor_training") ? fit["predictor_training"] : fit;
    EXPECT_EQ(training["training_patches"], 16) << method;
    EXPECT_EQ(training["loss_curve"].size(), 1u) << method;
  }
  for (const char* variant :
       {"hybrid_prior_external", "blind_spot_unet_prior_mean", "blind_spot_hole_prior_mean"}) {
    EXPECT_TRUE(std::isfinite(MetricMean(FindRow(*j, std::string(variant) + "/sigma=25"), "psnr")))
        << variant;
  }
  // K-SVD ran the quick preset's rounds (its PSNR is checked in the loop above).
  EXPECT_EQ(FindRow(*j, "ksvd/sigma=25")["info"]["fit"]["ksvd_iterations"], 2);
  // The crops figure: the clean column, then all eleven rows and the three variants
  // (the quick preset's one sigma is the figure's), a grid row per test image.
  const nlohmann::json& fig = (*j)["crops_figure"];
  EXPECT_EQ(fig["file"], "crops-quick.png");
  EXPECT_EQ(fig["columns_left_to_right"].size(), 1u + 11u + 3u);
  EXPECT_EQ(fig["columns_left_to_right"][0], "clean");
  EXPECT_EQ(fig["columns_left_to_right"][1], "noisy/sigma=25");
  EXPECT_EQ(fig["rows_top_to_bottom"], (nlohmann::json{"camera.png", "moon.png"}));
  EXPECT_TRUE(sparselab::FileExists(TestTmpDir() + "/out/crops-quick.png"));
}

TEST(DenoisingTest, ReportOnlyRebuildsTheSameRows) {
  ASSERT_EQ(RunDenoising("--preset=quick"), 0) << ExperimentStderr("denoising");
  auto first = sparselab::ReadJsonFile(TestTmpDir() + "/out/result-quick.json");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(RunDenoising("--preset=quick --report_only"), 0) << ExperimentStderr("denoising");
  auto second = sparselab::ReadJsonFile(TestTmpDir() + "/out/result-quick.json");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*first)["rows"], (*second)["rows"]);
}

TEST(DenoisingTest, BadSettingsAreClearErrorsAndWriteNothing) {
  sparselab::experiment_testing::ExpectSettingsRejected(
      "denoising", "--threads=1 --preset=quick",
      {
          {"sigmas=[25,0]", {"sigmas", "1 ... 255"}},
          {"methods=[\"bm3d\"]",
           {"methods", "'bm3d'",
            "noisy, gaussian, median, sparse_dct, ksvd, hybrid_prior, noise2void, blind_spot, "
            "blind_spot_unet, blind_spot_hole, noise2clean"}},
          {"test_images=[\"brick.png\"]", {"test_images", "brick.png", "held out"}},
          {"median_sizes=[4]", {"median_sizes", "odd"}},
          {"crop=8", {"crop", ">= 32"}},
          {"network.patch=30", {"network.patch", "multiple of 2^depth = 4"}},
          {"network.lr=-1", {"network.lr", "> 0"}},
          {"sparse.atoms=200", {"sparse.atoms", "perfect square"}},
          {"unet.depth=6", {"unet.depth", "0 ... 5"}},
          {"hybrid.external_weight=1.5", {"hybrid.external_weight", "[0, 1]"}},
          {"ksvd.iterations=0", {"ksvd.iterations", ">= 1"}},
          {"figure.sigma=15", {"figure.sigma", "one of sigmas"}},
          {"unet.blind_spot_epochs=0", {"unet.blind_spot_epochs", ">= 1"}},
          {"hole.hole_channels=0", {"hole.hole_channels", ">= 1"}},
      });
}

}  // namespace
