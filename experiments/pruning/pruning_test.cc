// Runs the pruning binary with the quick preset (LeNet-5, 2,000 MNIST training
// images, 2 epochs of 32 steps, s_f = 0.9, every schedule) and checks what it
// wrote against counts and schedule values worked out by hand.
#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "lib/base/file_io.h"
#include "lib/harness/experiment_testing.h"

namespace {

namespace et = sparselab::experiment_testing;

std::string Tmp() { return et::TestTmpDir(); }

int RunPruning(const std::string& args, const std::string& out = "out") {
  return et::RunExperimentBinary("pruning", "--threads=1 --out=" + Tmp() + "/" + out + " " + args);
}

// Layer scope at s_f = 0.9 keeps n - llround(0.9 n) of each weight:
// conv1 800 -> 80, conv2 51,200 -> 5,120, fc1 524,288 -> 52,429, fc2 5,120 -> 512.
constexpr double kKept = 80 + 5120 + 52429 + 512;

TEST(PruningExperimentTest, QuickPresetSchedulesAndExport) {
  ASSERT_EQ(RunPruning("--preset=quick"), 0) << et::ExperimentStderr("pruning");
  auto j = sparselab::ReadJsonFile(Tmp() + "/out/result-quick.json");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)["experiment"], "pruning");
  ASSERT_EQ((*j)["rows"].size(), 6u);
  EXPECT_EQ((*j)["steps_per_epoch"], 32);
  EXPECT_EQ((*j)["total_steps"], 64);

  const auto& dense = et::FindRow(*j, "LeNet-5 / dense");
  EXPECT_EQ(et::MetricMean(dense, "nonzero_weights"), 581408);
  EXPECT_GT(et::MetricMean(dense, "test_accuracy"), 75.0);
  EXPECT_EQ(et::MetricMean(dense, "saved_bytes"), et::MetricMean(dense, "dense_bytes"));
  for (const char* method : {"constant", "one_shot", "gradual"}) {
    const auto& row = et::FindRow(*j, std::string("LeNet-5 / 90 % / ") + method);
    EXPECT_EQ(et::MetricMean(row, "nonzero_weights"), kKept) << method;
    // Above chance (10 %); 64 steps at lr 0.01 with 10 % of the weights from
    // the first step (constant) learn slowly: 22 % at seed 42.
    EXPECT_GT(et::MetricMean(row, "test_accuracy"), 15.0) << method;
    // CSR export: the same outputs, and about 3.6x fewer bytes (FC weights at
    // 8 bytes per kept entry, the convolutions dense).
    EXPECT_LT(et::MetricMean(row, "export_max_abs_diff"), 1e-4) << method;
    EXPECT_GT(et::MetricMean(row, "bytes_ratio"), 3.3) << method;
    EXPECT_LT(et::MetricMean(row, "bytes_ratio"), 4.0) << method;
  }
  const auto& gradual = et::FindRow(*j, "LeNet-5 / 90 % / gradual");
  EXPECT_EQ(gradual["info"]["schedule"]["t0"], 8);
  EXPECT_EQ(gradual["info"]["schedule"]["n"], 4);
  EXPECT_EQ(gradual["info"]["schedule"]["dt"], 8);
  EXPECT_EQ(et::FindRow(*j, "LeNet-5 / 90 % / one_shot")["info"]["schedule"]["t0"], 31);
  // Sparsity after epoch 1 (steps 0-31): gradual's last pruning step was t = 24,
  // s = 0.9 (1 - (1 - 16/32)^3) = 0.7875; one-shot pruned after step 31; constant after 0.
  const auto& curves = (*j)["curves"];
  EXPECT_NEAR(curves["LeNet-5 / 90 % / gradual"]["42"][0]["sparsity"].get<double>(), 0.7875, 1e-4);
  EXPECT_NEAR(curves["LeNet-5 / 90 % / gradual"]["42"][1]["sparsity"].get<double>(), 0.9, 1e-4);
  EXPECT_NEAR(curves["LeNet-5 / 90 % / one_shot"]["42"][0]["sparsity"].get<double>(), 0.9, 1e-4);
  EXPECT_NEAR(curves["LeNet-5 / 90 % / constant"]["42"][0]["sparsity"].get<double>(), 0.9, 1e-4);

  // Small-dense: narrowed to ~10 % of the weights, every weight non-zero.
  const auto& small = et::FindRow(*j, "LeNet-5 / 90 % / small_dense");
  EXPECT_NEAR(et::MetricMean(small, "weights"), 58141, 0.02 * 58141);
  EXPECT_NEAR(et::MetricMean(small, "nonzero_weights"), et::MetricMean(small, "weights"), 5);
  EXPECT_GT(et::MetricMean(small, "test_accuracy"), 75.0);

  // Bayesian Bits, 2 epochs of 16 steps: the 4- and 8-bit gates start at
  // log_alpha 6 and cannot have closed, the 16- and 32-bit ones start closed,
  // so every weight and activation is at 8 bits (the input counts 8):
  // relative BOPs = 8 * 8 / (32 * 32) = 6.25 %.
  const auto& bb = et::FindRow(*j, "LeNet-5 Bayesian Bits / mu=0.1");
  EXPECT_DOUBLE_EQ(et::MetricMean(bb, "relative_bops_percent"), 6.25);
  EXPECT_GT(et::MetricMean(bb, "test_accuracy"), 60.0);
  EXPECT_EQ(bb["paper"]["test_accuracy"]["mean"], 99.30);
  EXPECT_EQ(bb["paper"]["relative_bops_percent"]["mean"], 0.36);
  for (const char* layer : {"conv1", "conv2", "fc1", "fc2"}) {
    EXPECT_EQ(bb["info"]["layers"][layer]["weight_bits"], 8) << layer;
    EXPECT_EQ(bb["info"]["layers"][layer]["input_bits"], 8) << layer;
    EXPECT_EQ(bb["info"]["layers"][layer]["kept_output_channels"], 1.0) << layer;
  }
  EXPECT_EQ(bb["info"]["layers"]["conv2"]["macs"], 3276800);
}

TEST(PruningExperimentTest, BadSettingsFailClearlyAndWriteNothing) {
  et::ExpectSettingsRejected(
      "pruning", "--threads=1 --preset=quick",
      {
          {"pruning.end_step=64", {"pruning.end_step", "64", "below the run's 64 optimizer steps"}},
          {"pruning.method=constant", {"pruning.method", "must be \"gradual\""}},
          {"pruning.final_sparsity=1.5", {"pruning.final_sparsity", "[0, 1)"}},
          {"pruning.frequency=0", {"pruning.frequency", "frequency > 0"}},
          {"pruning.scope=model", {"pruning.scope", "\"layer\" or \"global\""}},
          {"pruning.layers=[\"fc1\",\"fc9\"]",
           {"pruning.layers", "\"fc9\"", "conv1, conv2, fc1, fc2"}},
          {"sparsities=[0.9,1.0]", {"sparsities", "(0, 1)"}},
          {"methods=[\"gradual\",\"random\"]", {"methods", "\"random\""}},
          {"models=[\"vgg16\"]", {"models", "lenet5, dense_cnn2"}},
          {"one_shot_epochs=2", {"one_shot_epochs", "[1, epochs - 1 = 1]"}},
          {"train_subset=-5", {"train_subset", "-5", "must be >= 0"}},
          {"bayesian_bits.gate_init=[6,6]", {"bayesian_bits.gate_init", "4 log_alpha values"}},
          {"bayesian_bits.mus=[0.1,-1]", {"bayesian_bits.mus", ">= 0"}},
          {"bayesian_bits.decay_from=0", {"bayesian_bits.decay_from", "(0, 1]"}},
      });
}

}  // namespace
