// Runs the how_can_we_be_so_dense binary's quick preset on real MNIST (from
// $SPARSELAB_DATA), as a user would, and checks what it wrote: accuracy a
// broken network would not reach, the noise score against the per-level
// accuracies, k-winners activation counts, non-zero weights against the
// density, resuming, parallel workers, and clear errors for bad input.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "lib/base/file_io.h"
#include "lib/harness/experiment_testing.h"
#include "lib/harness/readme_block.h"

namespace {

using sparselab::experiment_testing::FindRow;
using sparselab::experiment_testing::MetricMean;

constexpr char kName[] = "how_can_we_be_so_dense";

std::string Tmp() { return sparselab::experiment_testing::TestTmpDir(); }

int RunBinary(const std::string& out, const std::string& args, const std::string& env = "",
              const std::string& preset = "quick") {
  return sparselab::experiment_testing::RunExperimentBinary(
      kName, "--preset=" + preset + " --threads=1 --out=" + Tmp() + "/" + out + " " + args, env);
}

std::string Stderr() { return sparselab::experiment_testing::ExperimentStderr(kName); }

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

nlohmann::json Result(const std::string& out) {
  auto j = sparselab::ReadJsonFile(Tmp() + "/" + out + "/result-quick.json");
  EXPECT_TRUE(j.ok()) << j.status();
  return j.ok() ? *j : nlohmann::json();
}

const nlohmann::json& Row(const nlohmann::json& j, const std::string& name) {
  return FindRow(j, name);
}

double Mean(const nlohmann::json& j, const std::string& row, const std::string& metric) {
  return MetricMean(FindRow(j, row), metric);
}

// The rows without the timing metrics (*_seconds), which differ between runs.
nlohmann::json WithoutTimes(nlohmann::json rows) {
  for (auto& row : rows) {
    for (const char* part : {"metrics", "per_seed"}) {
      if (!row.contains(part)) continue;
      nlohmann::json kept = nlohmann::json::object();
      for (auto m = row[part].begin(); m != row[part].end(); ++m) {
        if (m.key().find("_seconds") == std::string::npos) kept[m.key()] = m.value();
      }
      row[part] = kept;
    }
  }
  return rows;
}

class HowCanWeBeSoDenseTest : public ::testing::Test {
 protected:
  // The quick preset once for all tests of the suite (two networks, one seed).
  static void SetUpTestSuite() {
    exit_code_ = RunBinary("out", "");
    stderr_ = Stderr();
  }
  static int exit_code_;
  static std::string stderr_;
};
int HowCanWeBeSoDenseTest::exit_code_ = -1;
std::string HowCanWeBeSoDenseTest::stderr_;

TEST_F(HowCanWeBeSoDenseTest, QuickPresetLearnsMnist) {
  ASSERT_EQ(exit_code_, 0) << stderr_;
  const nlohmann::json j = Result("out");
  EXPECT_EQ(j["experiment"], "how_can_we_be_so_dense");
  EXPECT_EQ(j["preset"], "quick");
  for (const std::string net : {"Sparse CNN-2", "Dense CNN-2"}) {
    // 2 epochs on 2000 images: ~85 %; an untrained or broken network ~10 %.
    EXPECT_GT(Mean(j, net, "test_accuracy"), 70.0) << net;
    EXPECT_LE(Mean(j, net, "test_accuracy"), 100.0) << net;
    EXPECT_GE(Mean(j, net, "final_test_accuracy"), 70.0) << net;
  }
  EXPECT_NEAR(Row(j, "Sparse CNN-2")["paper"]["test_accuracy"]["mean"].get<double>(), 99.09, 1e-9);
  EXPECT_NEAR(Row(j, "Dense CNN-2")["paper"]["noise_score"]["mean"].get<double>(), 97040, 1e-9);
  // The first epoch of Sparse CNN-2 trains with batch 4, the second with 64.
  const nlohmann::json& epochs = j["epochs"]["sparseCNN2"]["42"];
  ASSERT_EQ(epochs.size(), 2u);
  EXPECT_EQ(epochs[0]["batch_size"], 4);
  EXPECT_EQ(epochs[1]["batch_size"], 64);
  EXPECT_NEAR(epochs[1]["lr"].get<double>(), 0.02 * 0.8, 1e-12);  // StepLR gamma 0.8
  EXPECT_EQ(j["epochs"]["denseCNN2"]["42"][0]["batch_size"], 64);
  EXPECT_NE(stderr_.find("[sparseCNN2 seed 42 epoch 1/2]"), std::string::npos)
      << "no Trainer progress on stderr";
}

TEST_F(HowCanWeBeSoDenseTest, NoiseScoreIsTheSumOfCorrectCountsOverLevels) {
  ASSERT_EQ(exit_code_, 0) << stderr_;
  const nlohmann::json j = Result("out");
  const double test_images = j["config"]["test_subset"].get<double>();
  ASSERT_EQ(test_images, 1000);
  for (const std::string net : {"Sparse CNN-2", "Dense CNN-2"}) {
    double correct = 0;
    double previous_high = 101;
    for (const char* level : {"0.00", "0.05", "0.10", "0.15", "0.20", "0.25", "0.30", "0.35",
                              "0.40", "0.45", "0.50"}) {
      const double accuracy = Mean(j, "fig5b/" + net, std::string("noise_") + level);
      correct += accuracy * test_images / 100.0;
      EXPECT_LT(accuracy, previous_high + 10) << "accuracy should not jump up with noise";
      previous_high = accuracy;
    }
    EXPECT_NEAR(Mean(j, net, "noise_score"), correct, 1e-6) << net;
    EXPECT_NEAR(Mean(j, "fig5b/" + net, "noise_0.00"), Mean(j, net, "test_accuracy"), 1e-9);
    // Half the pixels replaced costs accuracy.
    EXPECT_LT(Mean(j, "fig5b/" + net, "noise_0.50"), Mean(j, net, "test_accuracy"));
  }
}

TEST_F(HowCanWeBeSoDenseTest, KWinnersActivationCountsAndWeightDensity) {
  ASSERT_EQ(exit_code_, 0) << stderr_;
  const nlohmann::json j = Result("out");
  // Sparse CNN-2: k = 400, 300, 100 in training, 1.5 k at inference.
  const struct { const char* layer; double k; } kwinners[] = {
      {"conv1", 400}, {"conv2", 300}, {"hidden", 100}};
  for (const auto& [layer, k] : kwinners) {
    const std::string row = std::string("layers/Sparse CNN-2 ") + layer;
    EXPECT_NEAR(Mean(j, row, "nonzero_activations_train"), k, 1e-9) << row;
    EXPECT_NEAR(Mean(j, row, "nonzero_activations_eval"), 1.5 * k, 1e-9) << row;
    EXPECT_GT(Mean(j, row, "entropy"), 0) << row;
    EXPECT_LE(Mean(j, row, "entropy"), Mean(j, row, "max_entropy") + 1e-6) << row;
  }
  // Hidden weight density 0.3: each of 700 units keeps round(0.3 * 1024) = 307 inputs.
  EXPECT_EQ(Mean(j, "layers/Sparse CNN-2 hidden", "weights"), 700 * 1024);
  EXPECT_LE(Mean(j, "layers/Sparse CNN-2 hidden", "nonzero_weights"), 700 * 307);
  EXPECT_GE(Mean(j, "layers/Sparse CNN-2 hidden", "nonzero_weights"), 700 * 307 - 10);
  EXPECT_EQ(Mean(j, "layers/Sparse CNN-2 conv2", "weights"), 64 * 32 * 25);
  // Dense CNN-2: everything dense, ReLU layers (fewer than all units active).
  EXPECT_EQ(Mean(j, "layers/Dense CNN-2 hidden", "weights"), 480 * 1000);
  EXPECT_GE(Mean(j, "layers/Dense CNN-2 hidden", "nonzero_weights"), 480 * 1000 - 10);
  EXPECT_FALSE(Row(j, "layers/Dense CNN-2 hidden")["metrics"].contains("entropy"));
  const double active = Mean(j, "layers/Dense CNN-2 hidden", "nonzero_activations_eval");
  EXPECT_GT(active, 0);
  EXPECT_LT(active, 1000);
  EXPECT_EQ(active, Mean(j, "layers/Dense CNN-2 hidden", "nonzero_activations_train"));
}

TEST_F(HowCanWeBeSoDenseTest, WritesFigure5) {
  ASSERT_EQ(exit_code_, 0) << stderr_;
  for (const char* fig : {"fig5a_noise_samples-quick.png", "fig5b_noise_accuracy-quick.png"}) {
    std::ifstream in(Tmp() + "/out/" + fig, std::ios::binary);
    ASSERT_TRUE(in.good()) << fig;
    char magic[4] = {0};
    in.read(magic, 4);
    EXPECT_EQ(std::string(magic + 1, 3), "PNG") << fig;
  }
}

TEST_F(HowCanWeBeSoDenseTest, ResumeSkipsFinishedTasksAndRerunsOnlyMissingOnes) {
  ASSERT_EQ(exit_code_, 0) << stderr_;
  const nlohmann::json first = Result("out");
  // Everything done: nothing runs, the same result.
  ASSERT_EQ(RunBinary("out", ""), 0) << Stderr();
  EXPECT_EQ(Count(Stderr(), "already done"), 2) << Stderr();
  EXPECT_NE(Stderr().find("0 task(s) to run"), std::string::npos) << Stderr();
  EXPECT_EQ(Stderr().find("epoch 1/2"), std::string::npos) << "trained again";
  EXPECT_EQ(Result("out")["rows"], first["rows"]);  // not even rewritten differently
  // One task lost (as if killed before it finished): only that one runs, and
  // with one thread it reproduces the same numbers.
  std::remove((Tmp() + "/out/runs/quick/denseCNN2-seed42/result-quick.json").c_str());
  ASSERT_EQ(RunBinary("out", ""), 0) << Stderr();
  EXPECT_NE(Stderr().find("1 task(s) to run"), std::string::npos) << Stderr();
  EXPECT_NE(Stderr().find("sparseCNN2-seed42 already done"), std::string::npos) << Stderr();
  EXPECT_EQ(WithoutTimes(Result("out")["rows"]), WithoutTimes(first["rows"]));
  // Another epoch count makes the finished tasks stale.
  ASSERT_EQ(RunBinary("out", "--networks=denseCNN2 --epochs=1"), 0) << Stderr();
  EXPECT_NE(Stderr().find("another config, epochs"), std::string::npos) << Stderr();
}

TEST_F(HowCanWeBeSoDenseTest, ParallelWorkersAccumulateSeeds) {
  ASSERT_EQ(exit_code_, 0) << stderr_;
  ASSERT_EQ(RunBinary("par", "--jobs=2 --epochs=1 --networks=denseCNN2 --seeds=42,43"), 0) << Stderr();
  const nlohmann::json j = Result("par");
  EXPECT_EQ(j["seeds_per_network"]["denseCNN2"], nlohmann::json({42, 43}));
  EXPECT_EQ(Row(j, "Dense CNN-2")["metrics"]["test_accuracy"]["n"], 2);
  // A later run with another seed adds to the earlier ones.
  ASSERT_EQ(RunBinary("par", "--epochs=1 --networks=denseCNN2 --seeds=44"), 0) << Stderr();
  EXPECT_EQ(Result("par")["seeds_per_network"]["denseCNN2"], nlohmann::json({42, 43, 44}));
  // --report_only runs nothing and still reports every finished seed.
  ASSERT_EQ(RunBinary("par", "--epochs=1 --networks=denseCNN2 --seeds=45 --report_only"), 0)
      << Stderr();
  EXPECT_NE(Stderr().find("1 unfinished task(s) not run"), std::string::npos) << Stderr();
  EXPECT_EQ(Stderr().find("epoch 1/1"), std::string::npos) << "trained";
  EXPECT_EQ(Result("par")["seeds_per_network"]["denseCNN2"], nlohmann::json({42, 43, 44}));
}

// The paper preset rewrites the README's table blocks from result.json (here
// with no finished task: the paper's values and dashes); other presets leave
// the README alone, and the prose around the blocks is kept.
TEST_F(HowCanWeBeSoDenseTest, PaperReportRewritesTheReadmeTables) {
  const std::string dir = Tmp() + "/readme";
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  const std::string begin = sparselab::TableBlockBegin({"headline", "result.json"}) + "\n";
  const std::string end = sparselab::TableBlockEnd("headline") + "\n";
  const std::string readme = "# prose before\n" + begin + "stale table\n" + end + "prose after\n";
  ASSERT_TRUE(sparselab::WriteFileAtomically(dir + "/README.md", readme).ok());
  ASSERT_EQ(RunBinary("readme", "--report_only --readme=" + dir + "/README.md"), 0) << Stderr();
  EXPECT_EQ(*sparselab::ReadFile(dir + "/README.md"), readme) << "a quick run changed the README";

  ASSERT_EQ(RunBinary("readme", "--report_only --seeds=42 --readme=" + dir + "/README.md", "", "paper"), 0)
      << Stderr();
  const std::string text = *sparselab::ReadFile(dir + "/README.md");
  EXPECT_EQ(text.rfind("# prose before\n" + begin + "*Table 1:", 0), 0u) << text;
  EXPECT_NE(text.find(end + "prose after\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("stale table"), std::string::npos) << text;
  EXPECT_NE(text.find("| Sparse CNN-2 | – | 99.09 ± 0.05 | – | – | 103,764 ± 1,125 | – | – |"),
            std::string::npos)
      << text;
}

TEST_F(HowCanWeBeSoDenseTest, BadInputFailsClearly) {
  EXPECT_EQ(RunBinary("bad", "--networks=sparseCNN3"), 1);
  EXPECT_NE(Stderr().find("unknown network 'sparseCNN3'"), std::string::npos) << Stderr();
  EXPECT_NE(Stderr().find("sparseCNN2DSW"), std::string::npos) << "should list the known ones";
  EXPECT_EQ(RunBinary("bad", "", "SPARSELAB_DATA=" + Tmp() + "/no_such_folder"), 1);
  EXPECT_NE(Stderr().find("setup.sh"), std::string::npos) << Stderr();
  EXPECT_EQ(RunBinary("bad", "--set=network_specs.sparseCNN2.hidden_k=5000"), 1);
  EXPECT_NE(Stderr().find("hidden_k"), std::string::npos) << Stderr();
  EXPECT_EQ(RunBinary("bad", "--jobs=0"), 1);
  EXPECT_NE(Stderr().find("--jobs"), std::string::npos) << Stderr();
}

}  // namespace
