// Runs the sparse_linear binary with the quick preset (2,000 MNIST training
// images, 2 epochs, hidden width 500, a 3-layer wide model of width 2,000) and
// checks what it wrote against exact counts and far-above-chance accuracies.
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

int RunSparseLinear(const std::string& args, const std::string& out = "out") {
  return sparselab::experiment_testing::RunExperimentBinary(
      "sparse_linear", "--threads=1 --out=" + Tmp() + "/" + out + " " + args);
}

std::string Stderr() { return sparselab::experiment_testing::ExperimentStderr("sparse_linear"); }

const nlohmann::json& Row(const nlohmann::json& j, const std::string& name) { return FindRow(j, name); }

double Metric(const nlohmann::json& row, const std::string& metric) {
  return sparselab::experiment_testing::MetricMean(row, metric);
}

// RigL's moves in the quick preset: steps 10, 20, 30, 40 (< t_end = 50) of 64,
// floor(f(t) nnz) per layer with f(t) = 0.1 / 2 (1 + cos(pi t / 50)).
double ExpectedRiglMoves() {
  double moved = 0;
  for (int t : {10, 20, 30, 40}) {
    const double f = 0.1 / 2.0 * (1.0 + std::cos(M_PI * t / 50.0));
    moved += std::floor(f * 39200) + std::floor(f * 500);
  }
  return moved;
}

TEST(SparseLinearExperimentTest, QuickPresetTrainsEveryModel) {
  ASSERT_EQ(RunSparseLinear("--preset=quick"), 0) << Stderr();
  auto j = sparselab::ReadJsonFile(Tmp() + "/out/result-quick.json");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)["experiment"], "sparse_linear");
  EXPECT_EQ((*j)["preset"], "quick");
  ASSERT_EQ((*j)["rows"].size(), 8u);
  for (const auto& row : (*j)["rows"]) {
    const std::string name = row["name"];
    const double accuracy = Metric(row, "test_accuracy");
    // Chance is 10 %; the wide model trains one epoch at lr 5e-5.
    EXPECT_GT(accuracy, name == "wide" ? 20.0 : 70.0) << name;
    EXPECT_LE(accuracy, 100.0) << name;
    EXPECT_GT(Metric(row, "epoch_seconds"), 0.0) << name;
    EXPECT_TRUE(row["paper"].contains("test_accuracy")) << name;
    EXPECT_EQ((*j)["curves"][name]["42"].size(), name == "wide" ? 1u : 2u) << name;
  }
  EXPECT_DOUBLE_EQ(Row(*j, "sparse")["paper"]["test_accuracy"]["mean"].get<double>(), 98.16);
  // 784-500-10: weights, biases and the LayerNorm's 2 x 500.
  EXPECT_EQ(Metric(Row(*j, "dense"), "parameters"), 784 * 500 + 500 + 1000 + 500 * 10 + 10);
  EXPECT_EQ(Metric(Row(*j, "dense_activation_sparsity"), "parameters"), 398510);
  // 10 % of each weight matrix; user-defined: 50 outputs per input pixel.
  const double sparse_parameters = 39200 + 500 + 1000 + 500 + 10;
  for (const char* name : {"sparse", "user_defined", "dynamic", "sparse_activation_sparsity"}) {
    EXPECT_EQ(Metric(Row(*j, name), "parameters"), sparse_parameters) << name;
  }
  // Small-world: about 39,700 connections (a Bernoulli draw per pair).
  const nlohmann::json& sw = Row(*j, "small_world");
  const double sw_nnz = sw["info"]["sparse_linear_nonzeros"].get<double>();
  EXPECT_EQ(Metric(sw, "parameters"), sw_nnz + 1510);
  EXPECT_NEAR(sw_nnz, 39700, 5 * std::sqrt(39700.0));
  // Wide: 1568-2000-2000 at 1 %, biases, input scale and shift, 2 LayerNorms.
  EXPECT_EQ(Row(*j, "wide")["info"]["sparse_linear_nonzeros"].get<double>(), 31360 + 2 * 40000);
  EXPECT_EQ(Metric(Row(*j, "wide"), "parameters"), 111360 + 6000 + 2 * 1568 + 4 * 2000);
  // RigL moved exactly its schedule's connections; no other model rewires.
  EXPECT_EQ(Metric(Row(*j, "dynamic"), "rigl_moved_connections"), ExpectedRiglMoves());
  EXPECT_EQ(Metric(Row(*j, "sparse"), "rigl_moved_connections"), 0);
  EXPECT_NE(Stderr().find("[sparse] epoch 2 test accuracy"), std::string::npos) << Stderr();
}

// The paper preset's checkpoints on the quick preset's data: a run stopped after
// epoch 1 and continued ends with exactly the numbers of an uninterrupted run
// (one thread), and the row in between says how many epochs it holds.
TEST(SparseLinearExperimentTest, StoppedRunContinuesFromItsCheckpointBitIdentically) {
  const std::string common = "--preset=quick --set=resume=true --set='models=[\"sparse\"]'";
  ASSERT_EQ(RunSparseLinear(common, "uninterrupted"), 0) << Stderr();
  auto reference = sparselab::ReadJsonFile(Tmp() + "/uninterrupted/result-quick.json");
  ASSERT_TRUE(reference.ok()) << reference.status();

  ASSERT_EQ(RunSparseLinear(common + " --stop_after_epochs=1", "split"), 0) << Stderr();
  EXPECT_NE(Stderr().find("stopped after 1 epochs"), std::string::npos) << Stderr();
  auto partial = sparselab::ReadJsonFile(Tmp() + "/split/result-quick.json");
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ(Metric(Row(*partial, "sparse"), "epochs"), 1);
  EXPECT_EQ(Row(*partial, "sparse")["info"]["epochs_planned"], 2);
  EXPECT_TRUE(std::ifstream(Tmp() + "/split/runs/quick/sparse-seed42/checkpoint.pt").good());

  ASSERT_EQ(RunSparseLinear(common, "split"), 0) << Stderr();
  EXPECT_NE(Stderr().find("continuing from"), std::string::npos) << Stderr();
  EXPECT_NE(Stderr().find("after epoch 1 of 2"), std::string::npos) << Stderr();
  auto resumed = sparselab::ReadJsonFile(Tmp() + "/split/result-quick.json");
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  const nlohmann::json& expected = Row(*reference, "sparse");
  const nlohmann::json& actual = Row(*resumed, "sparse");
  EXPECT_EQ(Metric(actual, "epochs"), 2);
  for (const char* metric : {"test_accuracy", "test_loss", "train_loss", "parameters"}) {
    EXPECT_EQ(Metric(actual, metric), Metric(expected, metric)) << metric;
  }
  const nlohmann::json& curve = (*resumed)["curves"]["sparse"]["42"];
  ASSERT_EQ(curve.size(), 2u);
  EXPECT_EQ(curve[0]["test_accuracy"], (*reference)["curves"]["sparse"]["42"][0]["test_accuracy"]);

  // A checkpoint from another config is not silently continued.
  EXPECT_EQ(RunSparseLinear(common + " --set=epochs=3", "split"), 1);
  EXPECT_NE(Stderr().find("was written with another config; delete it"), std::string::npos)
      << Stderr();
}

// Values of the right type but impossible meaning are refused before any work
// (before MNIST is read), each with a message naming the key, the value and
// the rule.
TEST(SparseLinearExperimentTest, ImpossibleValuesAreRefusedBeforeAnyWork) {
  sparselab::experiment_testing::ExpectSettingsRejected(
      "sparse_linear", "--preset=quick --threads=1",
      {
          {"models=[\"bogus\"]", {"config key 'models' = [\"bogus\"] (preset quick)",
                                    "unknown model 'bogus'", "the models are dense, sparse"}},
          {"models=[]", {"'models' = []", "at least one model"}},
          {"models=[\"sparse\",\"sparse\"]", {"'models'", "'sparse' is listed twice"}},
          {"train_samples=-1", {"'train_samples' = -1", "must be >= 0"}},
          {"test_samples=-5", {"'test_samples' = -5", "must be >= 0"}},
          {"epochs=0", {"'epochs' = 0", "at least 1 epoch"}},
          {"batch_size=0", {"'batch_size' = 0", "must be >= 1"}},
          {"momentum=1.0", {"'momentum' = 1.0", "[0, 1)"}},
          {"momentum=-0.5", {"'momentum' = -0.5", "[0, 1)"}},
          {"hidden=0", {"'hidden' = 0", ">= 1 unit"}},
          {"sparsity=1.0", {"'sparsity' = 1.0", "[0, 1)"}},
          {"sparsity=-0.1", {"'sparsity' = -0.1", "[0, 1)"}},
          {"user_connections_per_input=501", {"'user_connections_per_input' = 501",
                                              "1 to hidden = 500"}},
          {"user_connections_per_input=0", {"'user_connections_per_input' = 0", "1 to hidden"}},
          {"rigl.delta_t=0", {"'rigl.delta_t' = 0", "delta_t >= 1"}},
          {"rigl.t_end=-1", {"'rigl.t_end' = -1", ">= 0"}},
          {"rigl.alpha=1.5", {"'rigl.alpha' = 1.5", "[0, 1]"}},
          {"activation.alpha=0", {"'activation.alpha' = 0", "(0, 1]"}},
          {"activation.beta=-1", {"'activation.beta' = -1", ">= 0"}},
          {"activation.act_sparsity=1", {"'activation.act_sparsity' = 1", "[0, 1)"}},
          {"lr.sparse=0", {"'lr.sparse' = 0", "learning rate must be > 0"}},
          {"lr.wide=-5e-5", {"'lr.wide'", "learning rate must be > 0"}},
          {"wide.width=2005", {"'wide.width' = 2005", "multiple of 10"}},
          {"wide.layers=0", {"'wide.layers' = 0", ">= 1 SparseLinear layer"}},
          {"wide.repeat=0", {"'wide.repeat' = 0", ">= 1 times"}},
          {"wide.epochs=0", {"'wide.epochs' = 0", "at least 1 epoch"}},
          {"wide.sparsity=1", {"'wide.sparsity' = 1", "[0, 1)"}},
          {"momentum=0", {"'wide.nesterov' = true", "needs momentum > 0"}},
      });
}

}  // namespace
