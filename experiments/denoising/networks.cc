#include "experiments/denoising/networks.h"

#include <iostream>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/base/status_macros.h"
#include "lib/data/dataset.h"
#include "lib/restoration/blind_spot.h"
#include "lib/train/trainer.h"

namespace sparselab::denoising {
namespace {

// patches_per_image random patch x patch crops of every noisy training image
// (positions from a generator seeded by the task's seed): (N, 1, P, P).
absl::StatusOr<at::Tensor> NoisyPatches(const FitContext& f) {
  const NetworkOptions& n = f.options->network;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(f.seed) * 31 + 7);
  std::vector<at::Tensor> patches;
  for (size_t i = 0; i < f.noisy->train.size(); ++i) {
    const at::Tensor& y = f.noisy->train[i];
    const int64_t h = y.size(0), w = y.size(1);
    if (h < n.patch || w < n.patch) {
      return absl::InvalidArgumentError(
          absl::StrCat("training image ", f.clean->train_names[i], " (", h, " x ", w,
                       ") is smaller than network.patch = ", n.patch, "; lower network.patch"));
    }
    const at::Tensor top = at::randint(h - n.patch + 1, {n.patches_per_image}, gen, at::kLong);
    const at::Tensor left = at::randint(w - n.patch + 1, {n.patches_per_image}, gen, at::kLong);
    for (int64_t k = 0; k < n.patches_per_image; ++k) {
      const int64_t r = top[k].item<int64_t>(), c = left[k].item<int64_t>();
      patches.push_back(y.slice(0, r, r + n.patch).slice(1, c, c + n.patch).unsqueeze(0));
    }
  }
  return at::stack(patches).to(at::kFloat).contiguous();
}

// The checkpoint's user data: the settings it was trained with.
nlohmann::json CheckpointKey(const FitContext& f, const std::string& method) {
  const NetworkOptions& n = f.options->network;
  return {{"method", method}, {"sigma", f.noisy->sigma},
          {"patch", n.patch}, {"patches", n.patches_per_image},
          {"batch", n.batch}, {"epochs", n.epochs},
          {"lr", n.lr},       {"width", n.width},
          {"depth", n.depth}};
}

absl::Status Resume(Trainer& trainer, const FitContext& f, const std::string& method,
                    nlohmann::json& curve) {
  if (f.task == nullptr) return absl::OkStatus();
  std::string user_data;
  const std::string path = f.task->checkpoint_path();
  absl::Status loaded = trainer.LoadCheckpoint(path, &user_data);
  if (loaded.code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  RETURN_IF_ERROR(loaded);
  const nlohmann::json saved = nlohmann::json::parse(user_data, nullptr, false);
  if (saved.is_discarded() || saved.value("key", nlohmann::json()) != CheckpointKey(f, method)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the checkpoint ", path,
                     " was written with other settings; delete it to train from the start"));
  }
  curve = saved["curve"];
  std::cerr << "[" << method << " sigma " << f.noisy->sigma << "] continuing from " << path
            << " after epoch " << trainer.epochs_done() << "\n";
  return absl::OkStatus();
}

absl::StatusOr<FittedMethod> FitBlindSpot(const FitContext& f) {
  const NetworkOptions& n = f.options->network;
  ASSIGN_OR_RETURN(const at::Tensor patches, NoisyPatches(f));
  torch::manual_seed(static_cast<uint64_t>(f.seed));
  BlindSpotNetwork net(BlindSpotNetworkOptions(1, 1).width(n.width).depth(n.depth + 1));
  // The noisy patch is both input and target: the blind spot makes this
  // self-supervised (the squared error to the noisy pixel is, in expectation,
  // the error to the clean one plus sigma^2).
  TrainingObjective mse{[net](const at::Tensor& x, const at::Tensor& y) mutable {
    return (net->forward(x) - y).pow(2).mean();
  }};
  Trainer trainer(net.ptr(), mse,
                  TrainerOptions()
                      .optimizer(OptimizerKind::kAdam)
                      .lr(n.lr)
                      .batch_size(n.batch)
                      .epochs(n.epochs)
                      .seed(static_cast<uint64_t>(f.seed) * 7919 + 3)
                      .label(absl::StrCat("blind_spot sigma ", f.noisy->sigma)));
  nlohmann::json curve = nlohmann::json::array();
  RETURN_IF_ERROR(Resume(trainer, f, "blind_spot", curve));
  double train_seconds = 0;
  trainer.AddEpochCallback([&](const EpochStats& stats) -> absl::Status {
    curve.push_back({stats.epoch + 1, stats.train_loss});
    train_seconds += stats.seconds;
    if (f.task == nullptr) return absl::OkStatus();
    const nlohmann::json saved = {{"key", CheckpointKey(f, "blind_spot")}, {"curve", curve}};
    return trainer.SaveCheckpoint(f.task->checkpoint_path(), saved.dump());
  });
  const Dataset train{patches, patches};
  RETURN_IF_ERROR(trainer.TrainUntil(train, n.epochs).status());
  net->eval();
  FittedMethod m;
  m.info = {
      {"network", "BlindSpotNetwork"},
      {"width", n.width},
      {"shifted_convolutions", n.depth + 1},
      {"training_patches", patches.size(0)},
      {"optimizer_steps", trainer.epochs_done() * ((patches.size(0) + n.batch - 1) / n.batch)},
      {"train_seconds_this_run", train_seconds},
      {"loss_curve", curve}};
  m.denoise = [net](const at::Tensor& y) mutable -> absl::StatusOr<at::Tensor> {
    at::NoGradGuard no_grad;
    return net->forward(y.to(at::kFloat).unsqueeze(0).unsqueeze(0)).squeeze(0).squeeze(0);
  };
  return m;
}

}  // namespace

bool IsNetworkMethod(const std::string& method) { return method == "blind_spot"; }

absl::StatusOr<FittedMethod> FitNetwork(const std::string& method, const FitContext& f) {
  if (method == "blind_spot") return FitBlindSpot(f);
  return absl::InvalidArgumentError(absl::StrCat("no such network method: ", method));
}

}  // namespace sparselab::denoising
