// Runs the mi_estimators binary with the quick preset and checks its numbers
// against the closed forms it reports beside them.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "lib/base/file_io.h"
#include "lib/harness/experiment_testing.h"

namespace {

using sparselab::experiment_testing::FindRow;

std::string Tmp() { return sparselab::experiment_testing::TestTmpDir(); }

double Mean(const nlohmann::json& row, const std::string& metric) {
  return sparselab::experiment_testing::MetricMean(row, metric);
}

TEST(MiEstimatorsTest, QuickPresetTracksTheTruth) {
  ASSERT_EQ(sparselab::experiment_testing::RunExperimentBinary(
                "mi_estimators", "--preset=quick --threads=1 --out=" + Tmp()),
            0)
      << sparselab::experiment_testing::ExperimentStderr("mi_estimators");
  auto j = sparselab::ReadJsonFile(Tmp() + "/result-quick.json");
  ASSERT_TRUE(j.ok()) << j.status();

  // d = 2, rho = -0.9: truth -(2/2) log(1 - 0.81) = 1.6607 nats.
  const nlohmann::json& r = FindRow(*j, "fig1/d=2/rho=-0.90");
  EXPECT_NEAR(Mean(r, "truth"), -std::log(1 - 0.81), 1e-9);
  EXPECT_NEAR(Mean(r, "gcmi"), Mean(r, "truth"), 0.05);  // Gaussian data: GCMI is exact up to noise
  EXPECT_NEAR(Mean(r, "ksg"), Mean(r, "truth"), 0.15);
  EXPECT_GT(Mean(r, "mine"), 0.5 * Mean(r, "truth"));  // a lower bound, trained briefly

  // Independence: every estimator near zero.
  const nlohmann::json& zero = FindRow(*j, "fig1/d=2/rho=+0.00");
  EXPECT_NEAR(Mean(zero, "ksg"), 0.0, 0.06);
  EXPECT_NEAR(Mean(zero, "gcmi"), 0.0, 0.02);

  // sin(x) + noise: GCMI only bounds the MI from below; KSG is close.
  const nlohmann::json& sine = FindRow(*j, "sine/sigma=0.3");
  EXPECT_LT(Mean(sine, "gcmi"), Mean(sine, "truth"));
  EXPECT_NEAR(Mean(sine, "ksg"), Mean(sine, "truth"), 0.15);
}

// Values of the right type but impossible meaning are refused before any work,
// each with a message naming the key, the value and the rule.
TEST(MiEstimatorsTest, ImpossibleValuesAreRefusedBeforeAnyWork) {
  sparselab::experiment_testing::ExpectSettingsRejected(
      "mi_estimators", "--preset=quick --threads=1",
      {
          {"k=0", {"config key 'k' = 0 (preset quick)", "k >= 1"}},
          {"k=1000", {"fig1_samples", "1000", "must exceed k = 1000"}},
          {"fig1_dims=[]", {"fig1_dims", "non-empty"}},
          {"fig1_dims=[2,0]", {"fig1_dims", "[2,0]", "d in [1, 1000]"}},
          {"fig1_rhos=[]", {"fig1_rhos", "non-empty"}},
          {"fig1_rhos=[0.5,1.0]", {"fig1_rhos", "[0.5,1.0]", "-1 < rho < 1"}},
          {"fig1_rhos=[-1]", {"fig1_rhos", "-1 < rho < 1"}},
          {"fig1_samples=3", {"fig1_samples", "3", "must exceed k = 3"}},
          {"mine_iterations=0", {"mine_iterations", "0", "at least 1 iteration"}},
          {"mine_batch=1", {"mine_batch", "1", ">= 2 samples"}},
          {"mine_hidden=0", {"mine_hidden", "0", ">= 1 hidden unit"}},
          {"mine_learning_rate=0", {"mine_learning_rate", "0", "must be > 0"}},
          {"mine_learning_rate=-0.001", {"mine_learning_rate", "-0.001", "must be > 0"}},
          {"mine_average_last=0", {"mine_average_last", "0", "1 to mine_iterations = 200"}},
          {"mine_average_last=201", {"mine_average_last", "201", "1 to mine_iterations = 200"}},
          {"bias_rho=1.5", {"bias_rho", "1.5", "(-1, 1)"}},
          {"bias_samples=[]", {"bias_samples", "non-empty"}},
          {"bias_samples=[100,2]", {"bias_samples", "[100,2]", "k = 3 < N"}},
          {"bias_repeats=0", {"bias_repeats", "0", "1 to 1000"}},
          {"sine_samples=0", {"sine_samples", "0", "must exceed k = 3"}},
          {"sine_noise=[]", {"sine_noise", "non-empty"}},
          {"sine_noise=[0.3,0]", {"sine_noise", "[0.3,0]", "sigma > 0"}},
      });
}

}  // namespace
