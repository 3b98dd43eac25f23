#include "lib/train/trainer.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>


#include "gtest/gtest.h"
#include "lib/base/file_io.h"

namespace sparselab {
namespace {

// Logistic regression: log_softmax(W x + b).
struct LogisticImpl : torch::nn::Module {
  LogisticImpl(int64_t in, int64_t classes)
      : linear(register_module("linear", torch::nn::Linear(in, classes))) {}
  at::Tensor forward(const at::Tensor& x) { return at::log_softmax(linear(x), 1); }
  torch::nn::Linear linear;
};
TORCH_MODULE(Logistic);

// Points in [-1, 1]^2 labelled by the side of the line x0 + x1 = 0, with a
// margin of 0.2 / sqrt(2) around it: linearly separable.
Dataset Separable(int64_t n, uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  at::Tensor x = at::rand({4 * n, 2}, gen) * 2 - 1;
  const at::Tensor s = x.sum(1);
  const at::Tensor keep = s.abs().gt(0.2).nonzero().squeeze(1).narrow(0, 0, n);
  x = x.index_select(0, keep);
  return Dataset{x, x.sum(1).gt(0).to(at::kLong)};
}

TrainerOptions Quiet() { return TrainerOptions().show_progress(false); }

TEST(TrainerTest, LearnsALinearlySeparableProblem) {
  at::manual_seed(0);
  Logistic model(2, 2);
  Trainer trainer(model, NllLoss(),
                  Quiet().epochs(5).batch_size(16).lr(0.5).momentum(0.9).seed(1));
  const Dataset train = Separable(400, 1);
  const Dataset test = Separable(400, 2);
  auto before = trainer.Evaluate(test);
  ASSERT_TRUE(before.ok()) << before.status();
  auto epochs = trainer.Train(train);
  ASSERT_TRUE(epochs.ok()) << epochs.status();
  ASSERT_EQ(epochs->size(), 5u);
  EXPECT_LT(epochs->back().train_loss, epochs->front().train_loss);
  auto after = trainer.Evaluate(test);
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_TRUE(after->accuracy.has_value());
  EXPECT_GE(*after->accuracy, 0.97);
  EXPECT_EQ(after->samples, 400);
  EXPECT_EQ(*after->correct, std::lround(*after->accuracy * 400));
  EXPECT_LT(after->loss, before->loss);
  EXPECT_EQ(trainer.epochs_done(), 5);
  EXPECT_EQ(trainer.global_step(), 5 * 25);
}

TEST(TrainerTest, AdamAlsoLearns) {
  at::manual_seed(1);
  Logistic model(2, 2);
  Trainer trainer(model, NllLoss(),
                  Quiet().epochs(4).batch_size(32).lr(0.05).optimizer(OptimizerKind::kAdam));
  ASSERT_TRUE(trainer.Train(Separable(400, 3)).ok());
  auto result = trainer.Evaluate(Separable(400, 4));
  ASSERT_TRUE(result.ok());
  EXPECT_GE(*result->accuracy, 0.95);
}

TEST(TrainerTest, FirstEpochBatchSizeIsHonoured) {
  Logistic model(2, 2);
  Trainer trainer(model, NllLoss(),
                  Quiet().epochs(3).batch_size(32).first_epoch_batch_size(4));
  std::vector<std::vector<int64_t>> batch_sizes(3);
  trainer.AddStepCallback([&](const StepInfo& info) {
    batch_sizes[info.epoch].push_back(info.batch_size);
    return absl::OkStatus();
  });
  auto epochs = trainer.Train(Separable(100, 5));
  ASSERT_TRUE(epochs.ok()) << epochs.status();
  EXPECT_EQ(batch_sizes[0], std::vector<int64_t>(25, 4));
  EXPECT_EQ(batch_sizes[1], (std::vector<int64_t>{32, 32, 32, 4}));
  EXPECT_EQ(batch_sizes[2], (std::vector<int64_t>{32, 32, 32, 4}));
  EXPECT_EQ((*epochs)[0].steps, 25);
  EXPECT_EQ((*epochs)[1].steps, 4);
  EXPECT_EQ((*epochs)[0].batch_size, 4);
}

TEST(TrainerTest, StepLrValuesPerEpoch) {
  Logistic model(2, 2);
  Trainer trainer(model, NllLoss(), Quiet().epochs(5).lr(0.1).lr_gamma(0.5).lr_step_size(2));
  std::vector<double> optimizer_lrs;
  trainer.AddStepCallback([&](const StepInfo& info) {
    if (info.step == 0) {
      optimizer_lrs.push_back(trainer.optimizer().param_groups()[0].options().get_lr());
    }
    return absl::OkStatus();
  });
  auto epochs = trainer.Train(Separable(50, 6));
  ASSERT_TRUE(epochs.ok());
  const std::vector<double> expected = {0.1, 0.1, 0.05, 0.05, 0.025};
  ASSERT_EQ(epochs->size(), expected.size());
  for (size_t e = 0; e < expected.size(); ++e) {
    EXPECT_DOUBLE_EQ((*epochs)[e].lr, expected[e]) << "epoch " << e;
    EXPECT_DOUBLE_EQ(optimizer_lrs[e], expected[e]) << "epoch " << e;
  }
  // gamma 0.8 every epoch, as in "How Can We Be So Dense?".
  Trainer paper(model, NllLoss(), Quiet().lr(0.02).lr_gamma(0.8));
  EXPECT_NEAR(paper.LrForEpoch(3), 0.02 * 0.512, 1e-15);
}

TEST(TrainerTest, LrFactorReplacesStepLr) {
  at::manual_seed(14);
  Logistic model(2, 2);
  std::vector<double> seen;
  Trainer trainer(model, NllLoss(),
                  Quiet().epochs(3).batch_size(50).lr(0.4).lr_gamma(0.5).lr_factor(
                      [](int64_t epoch) { return epoch < 2 ? 1.0 : 0.25; }));
  trainer.AddEpochCallback([&](const EpochStats& s) {
    seen.push_back(s.lr);
    return absl::OkStatus();
  });
  ASSERT_TRUE(trainer.Train(Separable(100, 15)).ok());
  EXPECT_EQ(seen, (std::vector<double>{0.4, 0.4, 0.1}));
  EXPECT_DOUBLE_EQ(trainer.LrForEpoch(7), 0.1);
}

TEST(TrainerTest, NonFiniteLossStopsWithAnErrorAndNoUpdate) {
  at::manual_seed(2);
  Logistic model(2, 2);
  Trainer trainer(model, NllLoss(), Quiet().epochs(2).batch_size(10).shuffle(false));
  Dataset data = Separable(40, 7);
  data.inputs[25][0] = std::numeric_limits<float>::quiet_NaN();  // in the third batch
  int steps = 0;
  trainer.AddStepCallback([&](const StepInfo&) {
    ++steps;
    return absl::OkStatus();
  });
  at::Tensor weight_after_two_steps;
  trainer.AddStepCallback([&](const StepInfo& info) {
    if (info.step == 1) weight_after_two_steps = model->linear->weight.detach().clone();
    return absl::OkStatus();
  });
  auto result = trainer.Train(data);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted);
  EXPECT_NE(result.status().message().find("diverged"), std::string::npos);
  EXPECT_NE(result.status().message().find("step 2"), std::string::npos);
  EXPECT_EQ(steps, 2);
  EXPECT_TRUE(model->linear->weight.equal(weight_after_two_steps));
  EXPECT_FALSE(model->linear->weight.isnan().any().item<bool>());
}

TEST(TrainerTest, SameSeedGivesIdenticalLosses) {
  auto run = [](uint64_t seed) {
    at::manual_seed(3);
    Logistic model(2, 2);
    Trainer trainer(model, NllLoss(),
                    Quiet().epochs(2).batch_size(8).lr(0.1).momentum(0.5).seed(seed));
    std::vector<double> losses;
    trainer.AddStepCallback([&](const StepInfo& info) {
      losses.push_back(info.loss);
      return absl::OkStatus();
    });
    EXPECT_TRUE(trainer.Train(Separable(64, 8)).ok());
    return losses;
  };
  const std::vector<double> first = run(11);
  EXPECT_EQ(first.size(), 16u);
  EXPECT_EQ(first, run(11));
  EXPECT_NE(first, run(12));  // a different shuffle
}

TEST(TrainerTest, ShapeErrorsBecomeStatusesNotCrashes) {
  Logistic model(3, 2);  // data has 2 features
  Trainer trainer(model, NllLoss(), Quiet());
  auto result = trainer.Train(Separable(20, 9));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("epoch 0, step 0"), std::string::npos);
  EXPECT_FALSE(trainer.Evaluate(Separable(20, 9)).ok());
  EXPECT_FALSE(trainer.Train(Dataset{}).ok());
}

TEST(TrainerTest, CallbackErrorStopsTraining) {
  Logistic model(2, 2);
  Trainer trainer(model, NllLoss(), Quiet().epochs(3));
  int epochs_seen = 0;
  trainer.AddEpochCallback([&](const EpochStats& stats) {
    ++epochs_seen;
    return stats.epoch == 1 ? absl::CancelledError("monitor says stop") : absl::OkStatus();
  });
  auto result = trainer.Train(Separable(20, 10));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(epochs_seen, 2);
}

TEST(TrainerTest, EvaluateUsesTheGivenTransformAndEvalMode) {
  at::manual_seed(4);
  Logistic model(2, 2);
  Trainer trainer(model, NllLoss(), Quiet().epochs(3).lr(0.5).momentum(0.9));
  ASSERT_TRUE(trainer.Train(Separable(200, 11)).ok());
  const Dataset test = Separable(200, 12);
  auto clean = trainer.Evaluate(test);
  // Mirroring the inputs puts every point on the other side of the learned
  // boundary (up to the small bias): accuracy collapses.
  auto mirrored = trainer.Evaluate(test, [](const at::Tensor& x) { return -x; });
  ASSERT_TRUE(clean.ok() && mirrored.ok());
  EXPECT_GE(*clean->accuracy, 0.95);
  EXPECT_LT(*mirrored->accuracy, 0.1);
  EXPECT_TRUE(model->is_training());  // restored after evaluation
}

TEST(TrainerTest, ForwardFunctionAndNonClassificationLoss) {
  // Regression y = 2 x with a mean-squared loss through a std::function model:
  // no accuracy is reported.
  at::manual_seed(5);
  torch::nn::Linear linear(1, 1);
  const at::Tensor x = at::linspace(-1, 1, 64).view({64, 1});
  Dataset data{x, 2 * x};
  Trainer trainer(linear.ptr(), [&](const at::Tensor& in) { return linear(in); },
                  [](const at::Tensor& out, const at::Tensor& y) { return (out - y).pow(2).mean(); },
                  Quiet().epochs(30).batch_size(16).lr(0.3));
  ASSERT_TRUE(trainer.Train(data).ok());
  auto result = trainer.Evaluate(data);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->accuracy.has_value());
  EXPECT_LT(result->loss, 1e-4);
  EXPECT_NEAR(linear->weight.item<double>(), 2.0, 0.02);
}

// An objective of (inputs, targets) instead of loss(forward(x), y): a linear
// autoencoder x -> W2 W1 x with an L1 penalty on its 1-unit code, trained on
// points of the line x1 = 3 x0. Evaluate reports the objective, no accuracy.
TEST(TrainerTest, ObjectiveOfInputsAndTargets) {
  at::manual_seed(13);
  torch::nn::Sequential ae(torch::nn::Linear(2, 1), torch::nn::Linear(1, 2));
  auto encoder = ae[0]->as<torch::nn::LinearImpl>();
  auto decoder = ae[1]->as<torch::nn::LinearImpl>();
  const at::Tensor t = at::linspace(-1, 1, 64).view({64, 1});
  Dataset data{at::cat({t, 3 * t}, 1), at::zeros({64}, at::kLong)};  // targets unused
  int64_t calls = 0;
  Trainer trainer(ae.ptr(),
                  TrainingObjective{[&](const at::Tensor& x, const at::Tensor& y) {
                    ++calls;
                    EXPECT_EQ(y.size(0), x.size(0));
                    const at::Tensor code = encoder->forward(x);
                    return (decoder->forward(code) - x).pow(2).sum(1).mean() +
                           1e-4 * code.abs().mean();
                  }},
                  Quiet().epochs(60).batch_size(16).lr(0.05).momentum(0.9));
  ASSERT_TRUE(trainer.Train(data).ok());
  EXPECT_EQ(calls, 60 * 4);
  auto result = trainer.Evaluate(data);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->accuracy.has_value());
  EXPECT_EQ(calls, 60 * 4 + 1);  // one test batch of 64
  // The line is reconstructed: the reconstruction error is far below the data's
  // variance (10/3 per point), only the small penalty is left.
  EXPECT_LT(result->loss, 1e-2);
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

// Training 2 epochs, saving, and training 2 more from the checkpoint in a
// fresh trainer (other initial weights, other generator state) gives exactly
// the weights of 4 uninterrupted epochs: momentum, shuffle order, epoch and
// step counts all come back. Dropout draws from torch's default generator, so
// its state must come back too.
TEST(TrainerTest, CheckpointResumesBitIdentically) {
  auto make_model = [] {
    return torch::nn::Sequential(torch::nn::Linear(2, 8), torch::nn::Dropout(0.3),
                                 torch::nn::Linear(8, 2), torch::nn::LogSoftmax(1));
  };
  const TrainerOptions options = Quiet().epochs(2).batch_size(16).lr(0.1).momentum(0.9).seed(3);
  const Dataset data = Separable(200, 13);
  const std::string path = TempPath("trainer_checkpoint.pt");

  at::manual_seed(6);
  torch::nn::Sequential uninterrupted = make_model();
  Trainer reference(uninterrupted, NllLoss(), options);
  ASSERT_TRUE(reference.Train(data).ok());
  ASSERT_TRUE(reference.SaveCheckpoint(path, "{\"epochs\": 2}").ok());
  ASSERT_TRUE(reference.Train(data).ok());

  at::manual_seed(7);
  torch::nn::Sequential resumed = make_model();
  Trainer trainer(resumed, NllLoss(), options);
  std::string user_data;
  ASSERT_TRUE(trainer.LoadCheckpoint(path, &user_data).ok());
  EXPECT_EQ(user_data, "{\"epochs\": 2}");
  EXPECT_EQ(trainer.epochs_done(), 2);
  EXPECT_EQ(trainer.global_step(), 2 * 13);
  auto epochs = trainer.TrainUntil(data, 4);
  ASSERT_TRUE(epochs.ok()) << epochs.status();
  EXPECT_EQ(epochs->size(), 2u);
  EXPECT_EQ(epochs->front().epoch, 2);
  EXPECT_EQ(trainer.global_step(), reference.global_step());
  const auto expected = uninterrupted->parameters();
  const auto actual = resumed->parameters();
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_TRUE(at::equal(expected[i], actual[i])) << i;
  // Nothing left to do: TrainUntil runs no epoch.
  auto none = trainer.TrainUntil(data, 4);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  std::remove(path.c_str());
}

TEST(TrainerTest, CheckpointErrorsNameTheFile) {
  at::manual_seed(8);
  Logistic model(2, 2);
  Trainer trainer(model, NllLoss(), Quiet());
  const std::string missing = TempPath("no_such_checkpoint.pt");
  absl::Status status = trainer.LoadCheckpoint(missing);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(status.message().find(missing), std::string::npos);

  const std::string corrupt = TempPath("corrupt_checkpoint.pt");
  ASSERT_TRUE(WriteFileAtomically(corrupt, "not a checkpoint").ok());
  status = trainer.LoadCheckpoint(corrupt);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(corrupt), std::string::npos);

  // A checkpoint of another architecture is an error (not a silent partial load).
  torch::nn::Linear other(3, 2);
  Trainer other_trainer(other.ptr(), [&](const at::Tensor& x) { return other(x); }, NllLoss(),
                        Quiet());
  const std::string mismatched = TempPath("mismatched_checkpoint.pt");
  ASSERT_TRUE(other_trainer.SaveCheckpoint(mismatched).ok());
  status = trainer.LoadCheckpoint(mismatched);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  std::remove(corrupt.c_str());
  std::remove(mismatched.c_str());
}

// Pruning from TrainerOptions::pruning: Zhu & Gupta's gradual schedule with
// t0 = 0, dt = 10, n = 4 (end_step 40) to s_f = 0.75 on both 2x16 / 16x2
// weights (32 entries each). 400 samples at batch 16 are 25 steps an epoch,
// so after epoch 1 the last pruning step was t = 20: s = 0.75 (1 - (1 - 20/40)^3)
// = 0.65625, llround(0.65625 * 32) = 21 zeros per layer; after epoch 2 (t = 40)
// 0.75, 24 zeros. Pruned weights and their momentum stay exactly 0.
torch::nn::Sequential SmallMlp() {
  return torch::nn::Sequential(torch::nn::Linear(2, 16), torch::nn::ReLU(),
                               torch::nn::Linear(16, 2), torch::nn::LogSoftmax(1));
}

TrainerOptions GradualPruning() {
  return Quiet().batch_size(16).lr(0.2).momentum(0.9).seed(4).pruning(
      ModelPruningOptions().method(PruningMethod::kGradual).final_sparsity(0.75)
          .begin_step(0).end_step(40).frequency(10));
}

int64_t Zeros(const at::Tensor& t) { return t.eq(0).sum().item<int64_t>(); }

TEST(TrainerTest, PruningFollowsTheGradualScheduleAndKeepsPrunedWeightsZero) {
  at::manual_seed(9);
  torch::nn::Sequential model = SmallMlp();
  Trainer trainer(model, NllLoss(), GradualPruning().epochs(1));
  ASSERT_TRUE(trainer.pruning_status().ok()) << trainer.pruning_status();
  ASSERT_NE(trainer.pruner(), nullptr);
  EXPECT_EQ(trainer.pruner()->layer_names(), (std::vector<std::string>{"0", "2"}));
  const Dataset data = Separable(400, 21);
  ASSERT_TRUE(trainer.Train(data).ok());
  EXPECT_EQ(trainer.global_step(), 25);
  for (const at::Tensor& mask : trainer.pruner()->masks()) EXPECT_EQ(Zeros(mask), 21);
  ASSERT_TRUE(trainer.Train(data).ok());
  for (size_t i = 0; i < 2; ++i) {
    const at::Tensor& mask = trainer.pruner()->masks()[i];
    const at::Tensor& weight = trainer.pruner()->weights()[i];
    EXPECT_EQ(Zeros(mask), 24) << i;
    EXPECT_EQ(weight.masked_select(mask.eq(0)).abs().sum().item<double>(), 0.0) << i;
    // The momentum buffer is keyed by the parameter's TensorImpl.
    const auto& state = trainer.optimizer().state();
    auto it = state.find(c10::guts::to_string(weight.unsafeGetTensorImpl()));
    ASSERT_NE(it, state.end());
    const auto& sgd = static_cast<const torch::optim::SGDParamState&>(*it->second);
    EXPECT_EQ(sgd.momentum_buffer().masked_select(mask.eq(0)).abs().sum().item<double>(), 0.0);
    EXPECT_GT(sgd.momentum_buffer().masked_select(mask.eq(1)).abs().sum().item<double>(), 0.0);
  }
  // The masks are the layers' "weight_mask" buffers (what torch::save keeps).
  EXPECT_TRUE(at::equal(*model[0]->named_buffers().find("weight_mask"),
                        trainer.pruner()->masks()[0]));
  auto eval = trainer.Evaluate(Separable(400, 22));
  ASSERT_TRUE(eval.ok());
  EXPECT_GE(*eval->accuracy, 0.9);  // a 75 %-sparse MLP still separates a line
}

TEST(TrainerTest, PruningOptionsThatDoNotFitTheModelAreErrors) {
  at::manual_seed(10);
  torch::nn::Sequential model = SmallMlp();
  TrainerOptions options = GradualPruning();
  options.pruning().layers({"0", "fc9"});
  Trainer trainer(model, NllLoss(), options);
  EXPECT_EQ(trainer.pruning_status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(trainer.pruning_status().message().find("\"fc9\""), std::string::npos)
      << trainer.pruning_status();
  EXPECT_NE(trainer.pruning_status().message().find("0, 2"), std::string::npos);
  auto trained = trainer.Train(Separable(100, 23));
  EXPECT_EQ(trained.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(trainer.global_step(), 0);

  options.pruning().layers({}).final_sparsity(1.0);
  Trainer full(SmallMlp(), NllLoss(), options);
  EXPECT_NE(full.pruning_status().message().find("final_sparsity"), std::string::npos)
      << full.pruning_status();
}

TEST(TrainerTest, PruningMasksSurviveACheckpoint) {
  const Dataset data = Separable(400, 24);
  const std::string path = TempPath("pruned_checkpoint.pt");
  at::manual_seed(11);
  torch::nn::Sequential uninterrupted = SmallMlp();
  Trainer reference(uninterrupted, NllLoss(), GradualPruning().epochs(1));
  ASSERT_TRUE(reference.Train(data).ok());
  ASSERT_TRUE(reference.SaveCheckpoint(path).ok());
  ASSERT_TRUE(reference.Train(data).ok());

  at::manual_seed(12);
  torch::nn::Sequential resumed = SmallMlp();
  Trainer trainer(resumed, NllLoss(), GradualPruning().epochs(1));
  ASSERT_TRUE(trainer.LoadCheckpoint(path).ok());
  for (const at::Tensor& mask : trainer.pruner()->masks()) EXPECT_EQ(Zeros(mask), 21);
  ASSERT_TRUE(trainer.Train(data).ok());
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(at::equal(trainer.pruner()->masks()[i], reference.pruner()->masks()[i])) << i;
    EXPECT_TRUE(at::equal(trainer.pruner()->weights()[i], reference.pruner()->weights()[i])) << i;
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sparselab
