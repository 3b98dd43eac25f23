// Runs the sdr_theory binary with the quick preset, as a user would, and checks
// what it wrote against closed forms, independent exact values and the
// reference code's numbers; then walks bad config values.
#include <cmath>
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

int RunSdrTheory(const std::string& args, const std::string& out = "out") {
  return sparselab::experiment_testing::RunExperimentBinary(
      "sdr_theory", "--threads=2 --out=" + TestTmpDir() + "/" + out + " " + args);
}

std::string Stderr() { return ExperimentStderr("sdr_theory"); }

double Paper(const nlohmann::json& row, const std::string& metric) {
  return row["paper"][metric]["mean"].get<double>();
}

// Binomial standard error of a frequency from `trials` trials at probability p.
double Sd(double p, double trials) { return std::sqrt(p * (1 - p) / trials); }

class SdrTheoryQuick : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(RunSdrTheory("--preset=quick"), 0) << Stderr();
    auto j = sparselab::ReadJsonFile(TestTmpDir() + "/out/result-quick.json");
    ASSERT_TRUE(j.ok()) << j.status();
    result_ = new nlohmann::json(*j);
    stderr_ = new std::string(Stderr());
  }
  void SetUp() override { ASSERT_NE(result_, nullptr) << "the quick run failed"; }
  static const nlohmann::json& Row(const std::string& name) { return FindRow(*result_, name); }
  static nlohmann::json* result_;
  static std::string* stderr_;
};
nlohmann::json* SdrTheoryQuick::result_ = nullptr;
std::string* SdrTheoryQuick::stderr_ = nullptr;

TEST_F(SdrTheoryQuick, Table1AgainstClosedFormsAndTheReference) {
  EXPECT_EQ((*result_)["experiment"], "sdr_theory");
  EXPECT_EQ((*result_)["preset"], "quick");
  // theta = s: all six cells active, prod_{i<6} (2000 - i) / (100000 - i).
  double product = 1.0;
  for (int i = 0; i < 6; ++i) product *= (2000.0 - i) / (100000.0 - i);
  const auto& r = Row("table1/theta=s/s=6");
  EXPECT_NEAR(MetricMean(r, "fp") / product, 1.0, 1e-14);
  EXPECT_NEAR(MetricMean(r, "fp") / Paper(r, "fp"), 1.0, 1e-14);
  const auto& c = Row("table1/s=2theta/theta=12");
  EXPECT_NEAR(MetricMean(c, "fp") / Paper(c, "fp"), 1.0, 1e-14);
  // The reference prints 4.91541864813209e-9; Python's exact integers give
  // 4.91541864883645e-9, which is ours.
  const auto& u = Row("table1/union/theta=10,m=2");
  EXPECT_NEAR(MetricMean(u, "fp") / 4.91541864883645e-9, 1.0, 1e-14);
  EXPECT_GT(std::abs(MetricMean(u, "fp") / Paper(u, "fp") - 1.0), 1e-11);
  // Two random sets of 20 cells may share some, so the exact union is smaller.
  EXPECT_LT(MetricMean(u, "fp_union_exact"), MetricMean(u, "fp"));
  EXPECT_GT(MetricMean(u, "fp_union_exact"), 0.99 * MetricMean(u, "fp"));
}

TEST_F(SdrTheoryQuick, ExamplesIncludeTheNotebooksZero) {
  // The notebook printed 0 here; the exact value is 4.04e-21.
  const auto& r = Row("examples/n=10000,a=64,s=24,theta=12");
  EXPECT_EQ(Paper(r, "fp"), 0.0);
  EXPECT_NEAR(MetricMean(r, "fp") / 4.04159712277657e-21, 1.0, 1e-14);
}

TEST_F(SdrTheoryQuick, EffectOfN) {
  // The reference's curve labelled a = n/2 is the a = n/4 curve.
  const auto& quarter = Row("effect_of_n/n=300/a=n/4");
  EXPECT_NEAR(MetricMean(quarter, "fp") / Paper(quarter, "fp"), 1.0, 1e-14);
  EXPECT_NEAR(MetricMean(quarter, "fp"), 0.00518604306750049, 1e-16);
  const auto& half = Row("effect_of_n/n=300/a=n/2");
  EXPECT_NEAR(MetricMean(half, "fp"), 0.5840149293083085, 1e-15);
  EXPECT_NEAR(Paper(half, "fp"), 0.00518604306750049, 1e-16);
  // Simulated: 1e5 trials at p = 0.29.
  const auto& r = Row("effect_of_n/n=300/a=128");
  const double p = MetricMean(r, "fp");
  EXPECT_NEAR(p, 0.292078213737764, 1e-14);
  EXPECT_EQ(MetricMean(r, "trials"), 100000);
  EXPECT_NEAR(MetricMean(r, "observed"), p, 5 * Sd(p, 1e5));
  // Below n_min_probability (1e-5): exact only.
  EXPECT_FALSE(Row("effect_of_n/n=500/a=64")["metrics"].contains("observed"));
}

TEST_F(SdrTheoryQuick, NoiseAndUnions) {
  const auto& fn = Row("noise/v=64/theta=12");
  const double p = MetricMean(fn, "fn");
  EXPECT_NEAR(p / Paper(fn, "fn"), 1.0, 1e-13);
  EXPECT_NEAR(MetricMean(fn, "observed"), p, 5 * Sd(p, 400000));
  // One pattern: the single-segment false positive.
  const auto& one = Row("unions/M=1/n=1000");
  EXPECT_EQ(MetricMean(one, "fp"), MetricMean(one, "fp_at_expected_size"));
  EXPECT_NEAR(MetricMean(one, "expected_size"), 25.0, 1e-12);
  // Two patterns: exact 0.0508 (independent exact rational), the reference's
  // evaluation at the expected size 0.0474; the simulation follows the exact law.
  const auto& two = Row("unions/M=2/n=1000");
  const double exact = MetricMean(two, "fp");
  EXPECT_NEAR(exact, 0.050773363242822576, 1e-14);
  EXPECT_NEAR(MetricMean(two, "fp_at_expected_size") / Paper(two, "fp_at_expected_size"), 1.0, 1e-14);
  const double observed = MetricMean(two, "observed");
  const double trials = MetricMean(two, "trials");
  EXPECT_NEAR(observed, exact, 4 * Sd(exact, trials));
  EXPECT_LT(std::abs(observed - exact), std::abs(observed - MetricMean(two, "fp_at_expected_size")));
}

TEST_F(SdrTheoryQuick, OptimalThresholdReproducesThePrintedStatistics) {
  const auto& r = Row("optimal_threshold/theta=12");
  EXPECT_EQ(MetricMean(r, "grid_points"), 420);
  EXPECT_NEAR(MetricMean(r, "median") / 7.631295424187921e-14, 1.0, 1e-12);  // exact, in Python
  for (const char* m : {"mean", "std", "min", "max", "median"}) {
    EXPECT_NEAR(MetricMean(r, m) / Paper(r, m), 1.0, 5e-3) << m;  // printed to 3 digits
  }
}

TEST_F(SdrTheoryQuick, FiguresAndProgress) {
  for (const char* fig : {"fig_effect_of_n", "fig_effect_of_s", "fig_noise", "fig_unions",
                          "fig_optimal_threshold"}) {
    EXPECT_TRUE(std::ifstream(TestTmpDir() + "/out/" + fig + "-quick.png").good()) << fig;
  }
  EXPECT_NE(stderr_->find("[effect of n]"), std::string::npos) << *stderr_;
}

TEST(SdrTheoryTest, SameSeedSameNumbersWithOneThread) {
  const std::string args =
      "--preset=quick --set='panels=[\"effect_of_n\",\"unions\"]' --set=n_last=500";
  ASSERT_EQ(RunSdrTheory(args, "two"), 0) << Stderr();
  auto a = sparselab::ReadJsonFile(TestTmpDir() + "/two/result-quick.json");
  ASSERT_EQ(RunSdrTheory(args + " --threads=1", "one"), 0) << Stderr();
  auto b = sparselab::ReadJsonFile(TestTmpDir() + "/one/result-quick.json");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)["rows"], (*b)["rows"]);
}

// Each bad value fails before any work (nothing written), naming key, value,
// rule and fix.
TEST(SdrTheoryTest, BadConfigValuesFailClearly) {
  const std::string fix = "fix it in config.json or with --set=";
  sparselab::experiment_testing::ExpectSettingsRejected(
      "sdr_theory", "--preset=quick --threads=1",
      {
          {"n_theta=30", {"config key 'n_theta' = 30 (preset quick)", "theta > s", fix}},
          {"table1_a=200000", {"'table1_a' = 200000", "a > n", fix}},
          {"noise_v=[32,-3]", {"'noise_v'", "-3", "each noisy count v must be in 0..noise_a"}},
          {"union_max_m=0", {"'union_max_m' = 0", "M < 1", fix}},
          {"table1_union=[[10,0]]", {"'table1_union'", "[[10,0]]", "M < 1"}},
          {"examples=[[100,10,5,6]]", {"'examples'", "[[100,10,5,6]]", "theta > s"}},
          {"panels=[\"tables\"]", {"'panels'", "tables", "unknown panel", "choose from"}},
          {"threshold_target=2.0", {"'threshold_target' = 2.0", "probability", fix}},
          {"n_first=0", {"'n_first' = 0", "must be >= 1; use e.g. 300", fix}},
          {"union_min_trials=0", {"'union_min_trials' = 0", "must be >= 1"}},
      });
  // A key that is not declared at all (checked by the harness).
  EXPECT_EQ(RunSdrTheory("--preset=quick --set=thetaa=3", "bad"), 1);
  EXPECT_NE(Stderr().find("unknown key 'thetaa'"), std::string::npos) << Stderr();
}

}  // namespace
