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
  EXPECT_EQ(RunSdrMatch("--preset=quick --set=a_w=100000"), 1);
  EXPECT_NE(Stderr().find("a_w"), std::string::npos) << Stderr();
}

}  // namespace
