#include "experiments/how_can_we_be_so_dense/readme_tables.h"

#include <string>

#include "gtest/gtest.h"

namespace sparselab::hcwbsd {
namespace {

// A result.json with two networks: Sparse CNN-2 with two seeds, Dense CNN-1
// with one (so no std), in the layout SummaryTable writes.
nlohmann::json Fixture() {
  return nlohmann::json::parse(R"({
    "seeds_per_network": {"denseCNN1": [42], "sparseCNN2": [42, 43]},
    "rows": [
      {"name": "Sparse CNN-2",
       "info": {"network": "sparseCNN2", "layers": [
         {"name": "conv1", "units": 4608, "k": 400, "k_inference": 600},
         {"name": "output", "units": 10, "k": 0, "k_inference": 0}]},
       "metrics": {"test_accuracy": {"mean": 98.95, "std": 0.0565685, "n": 2},
                   "noise_score": {"mean": 102500.5, "std": 1234.4, "n": 2},
                   "best_epoch": {"mean": 7.5, "std": 0.7071, "n": 2},
                   "final_test_accuracy": {"mean": 98.9, "std": 0.01, "n": 2},
                   "final_noise_score": {"mean": 102000, "std": 10, "n": 2},
                   "epoch_seconds": {"mean": 43.4, "std": 2.6, "n": 2},
                   "first_epoch_seconds": {"mean": 112.2, "std": 4.4, "n": 2},
                   "noise_test_seconds": {"mean": 65.0, "std": 1.0, "n": 2}},
       "paper": {"test_accuracy": {"mean": 99.09, "std": 0.05},
                 "noise_score": {"mean": 103764, "std": 1125}}},
      {"name": "Dense CNN-1",
       "info": {"network": "denseCNN1", "layers": [
         {"name": "hidden", "units": 1000, "k": 0, "k_inference": 0}]},
       "metrics": {"test_accuracy": {"mean": 99.1, "std": 0, "n": 1},
                   "noise_score": {"mean": 72099, "std": 0, "n": 1}},
       "paper": {"test_accuracy": {"mean": 99.14, "std": 0.03},
                 "noise_score": {"mean": 74569, "std": 3200}}},
      {"name": "Sparse CNN-1",
       "paper": {"test_accuracy": {"mean": 98.41, "std": 0.08},
                 "noise_score": {"mean": 100306, "std": 1735}}},
      {"name": "fig5b/Sparse CNN-2",
       "metrics": {"noise_0.00": {"mean": 98.96, "n": 2}, "noise_0.50": {"mean": 75.94, "n": 2}}},
      {"name": "layers/Sparse CNN-2 conv1",
       "metrics": {"nonzero_weights": {"mean": 800, "n": 2}, "weights": {"mean": 800, "n": 2},
                   "nonzero_activations_train": {"mean": 400, "n": 2},
                   "nonzero_activations_eval": {"mean": 600, "n": 2},
                   "entropy": {"mean": 1747.4, "n": 2}, "max_entropy": {"mean": 1962.2, "n": 2}}},
      {"name": "layers/Sparse CNN-2 output",
       "metrics": {"nonzero_weights": {"mean": 7000, "n": 2}, "weights": {"mean": 7000, "n": 2},
                   "nonzero_activations_train": {"mean": 10, "n": 2},
                   "nonzero_activations_eval": {"mean": 10, "n": 2}}},
      {"name": "layers/Dense CNN-1 hidden",
       "metrics": {"nonzero_weights": {"mean": 4320000, "n": 1}, "weights": {"mean": 4320000, "n": 1},
                   "nonzero_activations_train": {"mean": 403.43, "n": 1},
                   "nonzero_activations_eval": {"mean": 403.43, "n": 1}}}
    ]})");
}

bool Contains(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(ReadmeTablesTest, Table1HasMeansStdsAndDifferencesToThePaper) {
  const std::string md = ReadmeTables(Fixture());
  EXPECT_TRUE(Contains(md, "Finished (network, seed) tasks in `result.json`: denseCNN1 42; "
                           "sparseCNN2 42, 43.\n"))
      << md;
  // 98.95 - 99.09 = -0.14 pp; (102500.5 - 103764) / 103764 = -1.2 %.
  EXPECT_TRUE(Contains(md, "| Sparse CNN-2 | 42,43 | 98.95 ± 0.06 | 99.09 ± 0.05 | -0.14 | "
                           "102,501 ± 1,234 | 103,764 ± 1,125 | -1.2 | 7.5 ± 0.7 | 98.90 ± 0.01 | "
                           "102,000 ± 10 |\n"))
      << md;
  // One seed: no std; metrics the row lacks are a dash. (72099 - 74569) / 74569 = -3.3 %.
  EXPECT_TRUE(Contains(md, "| Dense CNN-1 | 42 | 99.10 | 99.14 ± 0.03 | -0.04 | 72,099 | "
                           "74,569 ± 3,200 | -3.3 | – | – | – |\n"))
      << md;
}

TEST(ReadmeTablesTest, NetworkWithoutFinishedTasksShowsOnlyThePaper) {
  const std::string md = ReadmeTables(Fixture());
  EXPECT_TRUE(Contains(md, "| Sparse CNN-1 | – | – | 98.41 ± 0.08 | – | – | 100,306 ± 1,735 | – | "
                           "– | – | – |\n"))
      << md;
}

TEST(ReadmeTablesTest, Figure5bLayersAndTiming) {
  const std::string md = ReadmeTables(Fixture());
  EXPECT_TRUE(Contains(md, "| network | 0.00 | 0.50 |\n| --- | ---: | ---: |\n"
                           "| Sparse CNN-2 | 99.0 | 75.9 |\n"))
      << md;
  EXPECT_TRUE(Contains(md, "| Sparse CNN-2 / conv1 | 4608 | 400 / 600 | 800 / 800 | 400.0 / 600.0 | "
                           "1747 / 1962 |\n"))
      << md;
  EXPECT_TRUE(Contains(md, "| Sparse CNN-2 / output | 10 | – | 7,000 / 7,000 | 10.0 / 10.0 | – |\n"))
      << md;
  EXPECT_TRUE(Contains(md, "| Dense CNN-1 / hidden | 1000 | ReLU | 4,320,000 / 4,320,000 | "
                           "403.4 / 403.4 | – |\n"))
      << md;
  EXPECT_TRUE(Contains(md, "| Sparse CNN-2 | 43 ± 3 | 112 ± 4 | 65 ± 1 |\n")) << md;
  EXPECT_TRUE(Contains(md, "| Dense CNN-1 | – | – | – |\n")) << md;
}

TEST(ReadmeTablesTest, ThousandsSeparators) {
  EXPECT_EQ(WithThousands(0), "0");
  EXPECT_EQ(WithThousands(999.4), "999");
  EXPECT_EQ(WithThousands(1000), "1,000");
  EXPECT_EQ(WithThousands(69902.5), "69,903");
  EXPECT_EQ(WithThousands(-1234567), "-1,234,567");
}

TEST(ReadmeTablesTest, NoRowsSaysSo) {
  EXPECT_EQ(ReadmeTables(nlohmann::json::object()), "No rows in result.json.\n");
}

}  // namespace
}  // namespace sparselab::hcwbsd
