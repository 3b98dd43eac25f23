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

}  // namespace
