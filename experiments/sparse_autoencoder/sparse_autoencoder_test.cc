// Runs the sparse_autoencoder binary with the quick preset, as a user would,
// and checks what it wrote.
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "lib/base/file_io.h"
#include "lib/harness/experiment_testing.h"

namespace {

using sparselab::experiment_testing::ExperimentStderr;
using sparselab::experiment_testing::FindRow;
using sparselab::experiment_testing::MetricMean;
using sparselab::experiment_testing::TestTmpDir;

int RunSae(const std::string& args, const std::string& out = "out") {
  return sparselab::experiment_testing::RunExperimentBinary(
      "sparse_autoencoder", "--threads=1 --out=" + TestTmpDir() + "/" + out + " " + args);
}

TEST(SparseAutoencoderExperimentTest, QuickPresetRowsAndMeasures) {
  ASSERT_EQ(RunSae("--preset=quick"), 0) << ExperimentStderr("sparse_autoencoder");
  auto j = sparselab::ReadJsonFile(TestTmpDir() + "/out/result-quick.json");
  ASSERT_TRUE(j.ok()) << j.status();
  ASSERT_EQ((*j)["rows"].size(), 4u);
  // CS294A on patches: the KL term holds the mean activation near rho = 0.01
  // even after 30 L-BFGS iterations; R^2 of the Gabor fits is a fraction.
  const nlohmann::json& cs = FindRow(*j, "patches/cs294a");
  EXPECT_NEAR(MetricMean(cs, "mean_activation"), 0.01, 0.02);
  EXPECT_LE(MetricMean(cs, "gabor_r2_median"), 1.0);
  EXPECT_NEAR(MetricMean(cs, "objective"),
              MetricMean(cs, "reconstruction_term") + MetricMean(cs, "sparsity_term") +
                  MetricMean(cs, "weight_decay_term"),
              1e-9);
  EXPECT_EQ((*j)["cs294a_gabor_r2"].size(), 25u);
  const nlohmann::json& none = FindRow(*j, "fashion_mnist/none");
  const nlohmann::json& kl = FindRow(*j, "fashion_mnist/kl=3");
  const nlohmann::json& ks = FindRow(*j, "fashion_mnist/k=10");
  for (const nlohmann::json* row : {&none, &kl, &ks}) {
    // Not perfect after 3 short epochs; within reach of the mean-image
    // baseline; the probe well above chance (10 %).
    EXPECT_GT(MetricMean(*row, "test_mse"), 0);
    EXPECT_LT(MetricMean(*row, "test_mse"), 1.5 * MetricMean(*row, "mean_image_mse"));
    EXPECT_GT(MetricMean(*row, "probe_accuracy"), 0.25);
    EXPECT_LE(MetricMean(*row, "probe_accuracy"), 1.0);
    EXPECT_NEAR(MetricMean(*row, "inactive_share"), 1 - MetricMean(*row, "active_share"), 1e-12);
  }
  // Without a penalty the code reconstructs far better than the mean image.
  EXPECT_LT(MetricMean(none, "test_mse"), 0.5 * MetricMean(none, "mean_image_mse"));
  EXPECT_GT(MetricMean(none, "probe_accuracy"), 0.6);
  // k-sparse: exactly 10 of 200 codes nonzero in every test sample.
  EXPECT_DOUBLE_EQ(MetricMean(ks, "nonzero_share"), 10.0 / 200);
  // Sigmoid codes without k-sparsity are never exactly 0.
  EXPECT_DOUBLE_EQ(MetricMean(none, "nonzero_share"), 1.0);
  // The KL penalty pulls the mean activation below the unpenalised one.
  EXPECT_LT(MetricMean(kl, "mean_activation"), MetricMean(none, "mean_activation"));
  EXPECT_TRUE(kl["metrics"].contains("rho_abs_dev_mean"));
  EXPECT_FALSE(none["metrics"].contains("rho_abs_dev_mean"));
  for (const char* fig : {"filters_fashion_mnist_none-quick.png", "filters_fashion_mnist_kl_3-quick.png",
                          "filters_fashion_mnist_k_10-quick.png",
                          "reconstructions_fashion_mnist-quick.png", "filters_cs294a-quick.png", "tradeoff_fashion_mnist-quick.png"}) {
    EXPECT_TRUE(std::ifstream(TestTmpDir() + "/out/" + fig).good()) << fig;
  }
}

TEST(SparseAutoencoderExperimentTest, BadValuesFailNamingKeyAndRule) {
  EXPECT_EQ(RunSae("--preset=quick --set=kl_rho=1.5", "bad"), 1);
  EXPECT_NE(ExperimentStderr("sparse_autoencoder")
                .find("config key 'kl_rho' = 1.5 (preset quick): must be in (0, 1)"),
            std::string::npos)
      << ExperimentStderr("sparse_autoencoder");
  EXPECT_EQ(RunSae("--preset=quick '--set=mechanisms=[\"dropout\"]'", "bad"), 1);
  EXPECT_NE(ExperimentStderr("sparse_autoencoder").find("unknown mechanism 'dropout'"),
            std::string::npos)
      << ExperimentStderr("sparse_autoencoder");
  EXPECT_EQ(RunSae("--preset=quick '--set=ks=[500]'", "bad"), 1);
  EXPECT_NE(ExperimentStderr("sparse_autoencoder").find("config key 'ks'"), std::string::npos);
  // Nothing written.
  EXPECT_FALSE(std::ifstream(TestTmpDir() + "/bad/result-quick.json").good());
}

}  // namespace
