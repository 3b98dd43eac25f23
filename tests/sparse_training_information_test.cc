// lib + monitor together: a small "How Can We Be So Dense"-style network
// (sparse weights, k-winners with boosting) trained with the library's Trainer
// on 6,000 MNIST images, then its hidden code measured with the
// information-plane monitor.
#include <cmath>

#include <torch/torch.h>

#include "gtest/gtest.h"
#include "lib/data/dataset.h"
#include "lib/nn/k_winners.h"
#include "lib/data/noise.h"
#include "lib/nn/sparse_weights.h"
#include "lib/train/trainer.h"
#include "monitor/information_plane.h"

namespace sparselab {
namespace {

struct SparseMlpImpl : torch::nn::Module {
  SparseMlpImpl()
      : hidden(register_module("hidden", SparseWeights(torch::nn::Linear(784, 256), 0.3))),
        kwinners(register_module("kwinners",
                                 KWinners(KWinnersOptions(256, 32).boost_strength(1.5)))),
        output(register_module("output", torch::nn::Linear(256, 10))) {}
  at::Tensor code(const at::Tensor& x) { return kwinners->forward(hidden->forward(x.flatten(1))); }
  at::Tensor forward(const at::Tensor& x) {
    return torch::log_softmax(output->forward(code(x)), 1);
  }
  SparseWeights hidden;
  KWinners kwinners;
  torch::nn::Linear output;
};
TORCH_MODULE(SparseMlp);

TEST(SparseTrainingInformationTest, TrainsSparseAndTheCodeCarriesLabelInformation) {
  at::set_num_threads(1);
  torch::manual_seed(42);
  auto train = LoadMnist(Split::kTrain);
  auto test = LoadMnist(Split::kTest);
  ASSERT_TRUE(train.ok()) << train.status() << " (run ./setup.sh)";
  ASSERT_TRUE(test.ok()) << test.status();
  const Dataset train_slice = train->Head(6000);
  const Dataset test_slice = test->Head(2000);

  SparseMlp model;
  auto normalize = [](const at::Tensor& x) { return Normalize(x, kMnistMean, kMnistStd); };
  Trainer trainer(model, NllLoss(),
                  TrainerOptions().epochs(4).lr(0.05).momentum(0.9).input_transform(normalize)
                      .seed(42).show_progress(false));
  trainer.AddStepCallback([&](const StepInfo&) {
    model->hidden->rezero_weights();
    return absl::OkStatus();
  });
  trainer.AddEpochCallback([&](const EpochStats&) {
    UpdateBoostStrength(*model);
    return absl::OkStatus();
  });
  auto epochs = trainer.Train(train_slice);
  ASSERT_TRUE(epochs.ok()) << epochs.status();
  EXPECT_LT((*epochs)[3].train_loss, (*epochs)[0].train_loss);

  auto clean = trainer.Evaluate(test_slice);
  ASSERT_TRUE(clean.ok());
  EXPECT_GT(*clean->accuracy, 0.90);  // 6,000 images, 4 epochs
  // 30 % of the pixels set to the paper's noise value: worse, still far above chance.
  auto noisy = trainer.Evaluate(
      test_slice, NoisyNormalizeTransform(0.3, kMnistNoiseValue, kMnistMean, kMnistStd, 7));
  ASSERT_TRUE(noisy.ok());
  EXPECT_LT(*noisy->accuracy, *clean->accuracy);
  EXPECT_GT(*noisy->accuracy, 0.5);

  // Weight sparsity survived training: at most round(0.3 * 784) inputs per unit.
  const at::Tensor nonzero_per_unit = model->hidden->module->weight.ne(0).sum(1);
  EXPECT_TRUE(nonzero_per_unit.le(std::lround(0.3 * 784)).all().item<bool>());

  // The hidden code in eval mode keeps round(32 * 1.5) = 48 winners per image
  // (ties aside), far fewer than 256.
  model->eval();
  at::NoGradGuard no_grad;
  const Dataset probe = test_slice.Head(1000);
  const at::Tensor code = model->code(normalize(probe.inputs));
  const double active = code.ne(0).sum(1).to(at::kDouble).mean().item<double>();
  EXPECT_NEAR(active, 48.0, 1.0);

  // A code that classifies > 90 % correctly carries most of H(Y) ~ log2(10) =
  // 3.32 bits about the label, and can never carry more. (KSG, i.e. Ross 2014
  // for I(T;Y); GCMI's model comparison is not bounded by H(Y) on clustered
  // codes and overshoots it here.)
  monitor::InformationPlaneOptions options;
  options.estimator = monitor::Estimator::kKsg;
  options.pca_dim = 8;
  monitor::InformationPlane plane(options);
  ASSERT_TRUE(plane.Record(0, probe.inputs, probe.targets, {{"hidden", code}}).ok());
  const nlohmann::json series = plane.ToJson();
  const double i_ty = series["layers"][0]["i_ty"][0];
  const double i_xt = series["layers"][0]["i_xt"][0];
  EXPECT_GT(i_ty, 1.0);
  EXPECT_LT(i_ty, std::log2(10.0) + 0.05);
  EXPECT_GT(i_xt, 0.0);
}

}  // namespace
}  // namespace sparselab
