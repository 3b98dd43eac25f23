// Runs the sdr_match binary with the quick preset, as a user would, and checks
// what it wrote.
#include <cmath>
#include <cstdlib>
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

std::string Tmp() { return TestTmpDir(); }

int RunSdrMatch(const std::string& args) {
  return sparselab::experiment_testing::RunExperimentBinary(
      "sdr_match", "--threads=2 --out=" + Tmp() + "/out " + args);
}

std::string Stderr() { return ExperimentStderr("sdr_match"); }

TEST(SdrMatchTest, QuickPresetWritesExactAndObservedValues) {
  ASSERT_EQ(RunSdrMatch("--preset=quick"), 0) << Stderr();
  auto j = sparselab::ReadJsonFile(Tmp() + "/out/result-quick.json");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)["experiment"], "sdr_match");
  EXPECT_EQ((*j)["preset"], "quick");
  const nlohmann::json& r = FindRow(*j, "fig2/a_x=128/n=300");
  const double exact = MetricMean(r, "exact");
  EXPECT_NEAR(exact / 0.292078213737764, 1.0, 1e-9);  // the paper's theoretical value
  EXPECT_NEAR(r["paper"]["exact"]["mean"].get<double>(), 0.292078213737764, 1e-15);
  // 1e6 trials at p = 0.29: standard error 4.5e-4.
  EXPECT_NEAR(MetricMean(r, "observed"), exact, 5 * 4.6e-4);
  // Points below min_probability are computed exactly but not simulated.
  EXPECT_TRUE(FindRow(*j, "fig2/a_x=64/n=700")["metrics"].contains("observed"));  // 1.4e-7 >= 1e-8
  // Figure 3: scale 2 matches far more often than scale 1 at n = 1000.
  const double s1 = MetricMean(FindRow(*j, "fig3_scale/a_x=64/s=1.0"), "observed");
  const double s2 = MetricMean(FindRow(*j, "fig3_scale/a_x=64/s=2.0"), "observed");
  EXPECT_GT(s2, 10 * s1);
  for (const char* fig : {"fig2_binary-quick.png", "fig3_scalar_n-quick.png", "fig3_scalar_scale-quick.png"}) {
    EXPECT_TRUE(std::ifstream(Tmp() + "/out/" + fig).good()) << fig;
  }
  EXPECT_NE(Stderr().find("[figure 2]"), std::string::npos) << "no progress on stderr";
}

TEST(SdrMatchTest, SameSeedSameNumbers) {
  ASSERT_EQ(RunSdrMatch("--preset=quick --set=binary_n=[300],scalar_n=[250],scales=[1.0]"), 0) << Stderr();
  auto a = sparselab::ReadJsonFile(Tmp() + "/out/result-quick.json");
  ASSERT_EQ(RunSdrMatch("--preset=quick --threads=1 --set=binary_n=[300],scalar_n=[250],scales=[1.0]"), 0);
  auto b = sparselab::ReadJsonFile(Tmp() + "/out/result-quick.json");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)["rows"], (*b)["rows"]);
}

TEST(SdrMatchTest, BadOverrideFailsClearly) {
  EXPECT_EQ(RunSdrMatch("--preset=quick --set=thetaa=3"), 1);
  EXPECT_NE(Stderr().find("unknown key 'thetaa'"), std::string::npos) << Stderr();
}

// Values of the right type but impossible meaning are refused before any work,
// each with a message naming the key, the value and the rule.
TEST(SdrMatchTest, ImpossibleValuesAreRefusedBeforeAnyWork) {
  sparselab::experiment_testing::ExpectSettingsRejected(
      "sdr_match", "--preset=quick --threads=1",
      {
          {"theta=30", {"config key 'theta' = 30 (preset quick)", "theta <= a_w = 24"}},
          {"theta=0", {"theta", "0", "1 <= theta"}},
          {"a_w=0", {"a_w", "0", "a_w >= 1"}},
          {"a_w=100000", {"binary_n", "n >= a_w = 100000"}},
          {"binary_n=[]", {"binary_n", "non-empty"}},
          {"binary_n=[10]", {"binary_n", "[10]", "n >= a_w = 24"}},
          {"binary_a_x=[]", {"binary_a_x", "non-empty"}},
          {"binary_a_x=[5]", {"binary_a_x", "[5]", "theta = 12 <= a_x <= n"}},
          {"binary_a_x=[400]", {"binary_a_x", "400", "a_x <= n"}},
          {"binary_a_x=[-2]", {"binary_a_x", "-2"}},
          {"target_matches=0", {"target_matches", "> 0"}},
          {"min_trials=0", {"min_trials", "at least 1"}},
          {"max_trials=10", {"max_trials", "10", ">= min_trials = 100000"}},
          {"min_probability=1.5", {"min_probability", "1.5", "[0, 1]"}},
          {"scalar_k_w=0", {"scalar_k_w", ">= 1"}},
          {"scalar_n=[]", {"scalar_n", "non-empty"}},
          {"scalar_a_x=[0]", {"scalar_a_x", "[0]", "a_x >= 1"}},
          {"scalar_trials=0", {"scalar_trials", "at least 1"}},
          {"scale_n=8", {"scale_n", "8", ">= scalar_k_w = 32"}},
          {"scale_a_x=[-1]", {"scale_a_x", "[-1]", "a_x >= 1"}},
          {"scales=[0.0]", {"scales", "s > 0"}},
          {"scales=[]", {"scales", "non-empty"}},
      });
}

}  // namespace
