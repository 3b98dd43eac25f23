// Runs the foldiak_bars binary with the quick preset, as a user would, and
// checks what it wrote.
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

int RunBars(const std::string& args) {
  return sparselab::experiment_testing::RunExperimentBinary(
      "foldiak_bars", "--threads=1 --out=" + TestTmpDir() + "/out " + args);
}

TEST(FoldiakBarsTest, QuickPresetLearnsBarsWhereTheNotebookRuleDoesNot) {
  ASSERT_EQ(RunBars("--preset=quick"), 0) << ExperimentStderr("foldiak_bars");
  auto j = sparselab::ReadJsonFile(TestTmpDir() + "/out/result-quick.json");
  ASSERT_TRUE(j.ok()) << j.status();
  const nlohmann::json& f = FindRow(*j, "bars/foldiak");
  const nlohmann::json& n = FindRow(*j, "bars/seed_notebook_rule");
  // Thresholds hold the binary code near p = 1/8.
  EXPECT_NEAR(MetricMean(f, "firing_rate"), 0.125, 0.05);
  EXPECT_GE(MetricMean(f, "distinct_bars_coded"), 12);
  EXPECT_GT(MetricMean(f, "information_fraction"), 0.5);
  EXPECT_LE(MetricMean(f, "information_fraction"), 1.0 + 1e-9);
  EXPECT_GT(MetricMean(f, "distinct_bars_coded"), MetricMean(n, "distinct_bars_coded"));
  EXPECT_GT(MetricMean(f, "mean_settle_steps"), 1);
  EXPECT_EQ(MetricMean(n, "mean_settle_steps"), 1);
  EXPECT_EQ(f["paper"]["distinct_bars_coded"]["mean"], 16);
  EXPECT_TRUE((*j)["curves"]["bars/foldiak"]["presentations"].size() == 4);  // 0, 200, 400, 600
  for (const char* fig : {"distinct_bars-quick.png", "firing_rate-quick.png",
                          "information-quick.png", "receptive_fields_foldiak-quick.png",
                          "receptive_fields_seed_notebook_rule-quick.png"}) {
    EXPECT_TRUE(std::ifstream(TestTmpDir() + "/out/" + fig).good()) << fig;
  }
  EXPECT_NE(ExperimentStderr("foldiak_bars").find("[bars]"), std::string::npos);
}

TEST(FoldiakBarsTest, SameSeedSameNumbers) {
  const std::string args = "--preset=quick '--set=presentations=200,figure_checkpoints=[0,200],rows=[\"bars/foldiak\"]'";
  ASSERT_EQ(RunBars(args), 0) << ExperimentStderr("foldiak_bars");
  auto a = sparselab::ReadJsonFile(TestTmpDir() + "/out/result-quick.json");
  ASSERT_EQ(RunBars(args), 0);
  auto b = sparselab::ReadJsonFile(TestTmpDir() + "/out/result-quick.json");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)["rows"], (*b)["rows"]);
}

TEST(FoldiakBarsTest, BadValuesFailNamingKeyAndRule) {
  EXPECT_EQ(RunBars("--preset=quick --set=p=1.5"), 1);
  EXPECT_NE(ExperimentStderr("foldiak_bars").find("config key 'p' = 1.5 (preset quick): must be in (0, 1)"),
            std::string::npos)
      << ExperimentStderr("foldiak_bars");
  EXPECT_EQ(RunBars("--preset=quick '--set=rows=[\"bars/nope\"]'"), 1);
  EXPECT_NE(ExperimentStderr("foldiak_bars").find("unknown row 'bars/nope'; the rows are bars/foldiak"),
            std::string::npos);
}

}  // namespace
