#include "experiments/denoising/networks.h"

#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/data/dataset.h"
#include "lib/restoration/blind_spot.h"
#include "lib/restoration/blind_spot_gaussian.h"
#include "lib/restoration/noise2void.h"
#include "lib/restoration/unet.h"
#include "lib/train/trainer.h"

namespace sparselab::denoising {
namespace {

struct TrainingPatches {
  at::Tensor noisy, clean;  // (N, 1, P, P) float, the same positions
};

// patches_per_image random patch x patch crops of every training image
// (positions from a generator seeded by the task's seed), of the noisy images
// and, at the same positions, of the clean ones.
absl::StatusOr<TrainingPatches> Patches(const FitContext& f) {
  const NetworkOptions& n = f.options->network;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(f.seed) * 31 + 7);
  std::vector<at::Tensor> noisy, clean;
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
      auto crop = [&](const at::Tensor& image) {
        return image.slice(0, r, r + n.patch).slice(1, c, c + n.patch).unsqueeze(0);
      };
      noisy.push_back(crop(y));
      clean.push_back(crop(f.clean->train[i]));
    }
  }
  return TrainingPatches{at::stack(noisy).to(at::kFloat).contiguous(),
                         at::stack(clean).to(at::kFloat).contiguous()};
}

// One network's training: its name and size (the checkpoint belongs to these
// and the shared network settings).
struct NetworkTraining {
  std::string method;
  int64_t width = 0, depth = 0, epochs = 0;
  // Called with the number of epochs done before every epoch (Noise2Void
  // reseeds its masks, so that a resumed run draws the same ones).
  std::function<void(int64_t)> before_epoch;
};

nlohmann::json CheckpointKey(const FitContext& f, const NetworkTraining& t) {
  const NetworkOptions& n = f.options->network;
  return {{"method", t.method}, {"sigma", f.noisy->sigma},
          {"patch", n.patch},   {"patches", n.patches_per_image},
          {"batch", n.batch},   {"epochs", t.epochs},
          {"lr", n.lr},         {"width", t.width},
          {"depth", t.depth}};
}

absl::Status Resume(Trainer& trainer, const FitContext& f, const nlohmann::json& key,
                    nlohmann::json& curve) {
  if (f.task == nullptr) return absl::OkStatus();
  std::string user_data;
  const std::string path = f.task->checkpoint_path();
  absl::Status loaded = trainer.LoadCheckpoint(path, &user_data);
  if (loaded.code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  RETURN_IF_ERROR(loaded);
  const nlohmann::json saved = nlohmann::json::parse(user_data, nullptr, false);
  if (saved.is_discarded() || saved.value("key", nlohmann::json()) != key) {
    return absl::FailedPreconditionError(
        absl::StrCat("the checkpoint ", path,
                     " was written with other settings; delete it to train from the start"));
  }
  curve = saved["curve"];
  std::cerr << "[" << key["method"].get<std::string>() << " sigma " << f.noisy->sigma
            << "] continuing from " << path << " after epoch " << trainer.epochs_done() << "\n";
  return absl::OkStatus();
}

// Adam on `objective` over `train` for t.epochs epochs, from the task's
// checkpoint if there is one, saving it after every epoch; leaves `module` in
// eval mode. Returns the training's info (steps, time, loss curve).
absl::StatusOr<nlohmann::json> Train(const FitContext& f, std::shared_ptr<torch::nn::Module> module,
                                     ObjectiveFunction objective, const Dataset& train,
                                     const NetworkTraining& t) {
  const NetworkOptions& n = f.options->network;
  Trainer trainer(module, TrainingObjective{std::move(objective)},
                  TrainerOptions()
                      .optimizer(OptimizerKind::kAdam)
                      .lr(n.lr)
                      .batch_size(n.batch)
                      .epochs(t.epochs)
                      .seed(static_cast<uint64_t>(f.seed) * 7919 + 3)
                      .label(absl::StrCat(t.method, " sigma ", f.noisy->sigma)));
  const nlohmann::json key = CheckpointKey(f, t);
  nlohmann::json curve = nlohmann::json::array();
  RETURN_IF_ERROR(Resume(trainer, f, key, curve));
  if (t.before_epoch) t.before_epoch(trainer.epochs_done());
  double train_seconds = 0;
  trainer.AddEpochCallback([&](const EpochStats& stats) -> absl::Status {
    curve.push_back({stats.epoch + 1, stats.train_loss});
    train_seconds += stats.seconds;
    if (t.before_epoch) t.before_epoch(stats.epoch + 1);
    if (f.task == nullptr) return absl::OkStatus();
    const nlohmann::json saved = {{"key", key}, {"curve", curve}};
    return trainer.SaveCheckpoint(f.task->checkpoint_path(), saved.dump());
  });
  RETURN_IF_ERROR(trainer.TrainUntil(train, t.epochs).status());
  module->eval();
  return nlohmann::json{
      {"training_patches", train.size()},
      {"optimizer_steps", trainer.epochs_done() * ((train.size() + n.batch - 1) / n.batch)},
      {"train_seconds_this_run", train_seconds},
      {"loss_curve", curve}};
}

// Runs `net` on the (H, W) image y, padded at the bottom and right to
// multiples of `multiple` (the U-Nets' 2^depth) and cropped back: reflect
// padding for the plain U-Nets, zeros for the blind-spot one (a mirrored copy
// of a pixel would otherwise be inside its own receptive field).
at::Tensor RunPadded(const at::Tensor& y, int64_t multiple, bool zero_pad,
                     const std::function<at::Tensor(const at::Tensor&)>& net) {
  at::NoGradGuard no_grad;
  const int64_t h = y.size(0), w = y.size(1);
  const int64_t ph = (multiple - h % multiple) % multiple,
                pw = (multiple - w % multiple) % multiple;
  at::Tensor x = y.to(at::kFloat).unsqueeze(0).unsqueeze(0);
  if (ph > 0 || pw > 0) {
    x = zero_pad ? at::constant_pad_nd(x, {0, pw, 0, ph}, 0.0)
                 : at::reflection_pad2d(x, {0, pw, 0, ph});
  }
  return net(x).slice(2, 0, h).slice(3, 0, w).squeeze(0).squeeze(0);
}

absl::StatusOr<FittedMethod> FitBlindSpot(const FitContext& f) {
  const NetworkOptions& n = f.options->network;
  ASSIGN_OR_RETURN(const TrainingPatches patches, Patches(f));
  torch::manual_seed(static_cast<uint64_t>(f.seed));
  BlindSpotNetwork net(BlindSpotNetworkOptions(1, 1).width(n.width).depth(n.depth + 1));
  // The noisy patch is both input and target: the blind spot makes this
  // self-supervised (the squared error to the noisy pixel is, in expectation,
  // the error to the clean one plus sigma^2).
  auto mse = [net](const at::Tensor& x, const at::Tensor& y) mutable {
    return (net->forward(x) - y).pow(2).mean();
  };
  ASSIGN_OR_RETURN(nlohmann::json info,
                   Train(f, net.ptr(), mse, Dataset{patches.noisy, patches.noisy},
                         {"blind_spot", n.width, n.depth, n.epochs}));
  info["network"] = "BlindSpotNetwork";
  info["width"] = n.width;
  info["shifted_convolutions"] = n.depth + 1;
  FittedMethod m;
  m.info = std::move(info);
  m.denoise = [net](const at::Tensor& y) mutable -> absl::StatusOr<at::Tensor> {
    at::NoGradGuard no_grad;
    return net->forward(y.to(at::kFloat).unsqueeze(0).unsqueeze(0)).squeeze(0).squeeze(0);
  };
  return m;
}

// The U-Net rows share one size (config "unet").
UNet MakeUNet(const FitContext& f) {
  const UNetSection& u = f.options->unet;
  torch::manual_seed(static_cast<uint64_t>(f.seed));
  return UNet(UNetOptions(1, 1).width(u.width).depth(u.depth));
}

FittedMethod UNetMethod(UNet net, nlohmann::json info, const FitContext& f) {
  info["network"] = "UNet";
  info["width"] = f.options->unet.width;
  info["depth"] = f.options->unet.depth;
  FittedMethod m;
  m.info = std::move(info);
  const int64_t multiple = int64_t{1} << f.options->unet.depth;
  m.denoise = [net, multiple](const at::Tensor& y) mutable -> absl::StatusOr<at::Tensor> {
    return RunPadded(y, multiple, false, [&](const at::Tensor& x) { return net->forward(x); });
  };
  return m;
}

absl::StatusOr<FittedMethod> FitNoise2Void(const FitContext& f) {
  const NetworkOptions& n = f.options->network;
  const UNetSection& u = f.options->unet;
  ASSIGN_OR_RETURN(const TrainingPatches patches, Patches(f));
  UNet net = MakeUNet(f);
  const Noise2VoidOptions masking =
      Noise2VoidOptions().fraction(n.n2v_fraction).radius(n.n2v_radius);
  auto gen = std::make_shared<at::Generator>(at::make_generator<at::CPUGeneratorImpl>());
  const uint64_t mask_seed = static_cast<uint64_t>(f.seed) * 1000003 + 11;
  auto objective = [net, masking, gen](const at::Tensor& x, const at::Tensor& y) mutable {
    // The shapes and options were checked when the config was read.
    Noise2VoidBatch batch = Noise2VoidMask(x, masking, *gen).value();
    return MaskedMseLoss(net->forward(batch.input), y, batch.mask);
  };
  NetworkTraining t{"noise2void", u.width, u.depth, u.epochs};
  t.before_epoch = [gen, mask_seed](int64_t done) {
    gen->set_current_seed(mask_seed + static_cast<uint64_t>(done));
  };
  ASSIGN_OR_RETURN(nlohmann::json info,
                   Train(f, net.ptr(), objective, Dataset{patches.noisy, patches.noisy}, t));
  info["masked_share"] = 1.0 / static_cast<double>(Noise2VoidCellSize(n.n2v_fraction) *
                                                   Noise2VoidCellSize(n.n2v_fraction));
  return UNetMethod(net, std::move(info), f);
}

absl::StatusOr<FittedMethod> FitNoise2Clean(const FitContext& f) {
  const UNetSection& u = f.options->unet;
  ASSIGN_OR_RETURN(const TrainingPatches patches, Patches(f));
  UNet net = MakeUNet(f);
  auto mse = [net](const at::Tensor& x, const at::Tensor& y) mutable {
    return (net->forward(x) - y).pow(2).mean();
  };
  ASSIGN_OR_RETURN(nlohmann::json info,
                   Train(f, net.ptr(), mse, Dataset{patches.noisy, patches.clean},
                         {"noise2clean", u.width, u.depth, u.epochs}));
  return UNetMethod(net, std::move(info), f);
}

// Laine et al.'s known-sigma Gaussian blind-spot training and posterior mean
// on a backbone: the U-Net (their network) or Honzátko et al.'s hole network.
// `multiple`: what H and W must divide by (zero padding up to it).
absl::StatusOr<FittedMethod> FitGaussianBlindSpot(const FitContext& f,
                                                  const GaussianBlindSpotOptions& options,
                                                  const NetworkTraining& training,
                                                  int64_t multiple) {
  ASSIGN_OR_RETURN(const TrainingPatches patches, Patches(f));
  torch::manual_seed(static_cast<uint64_t>(f.seed));
  GaussianBlindSpot net(options);
  const double noise_std = static_cast<double>(f.noisy->sigma) / 255.0;
  auto nll = [net, noise_std](const at::Tensor& x, const at::Tensor&) mutable {
    return GaussianBlindSpotLoss(net->forward(x), x, noise_std);
  };
  ASSIGN_OR_RETURN(nlohmann::json info,
                   Train(f, net.ptr(), nll, Dataset{patches.noisy, patches.noisy}, training));
  std::ostringstream name;
  name << *net;
  info["network"] = name.str();
  info["noise_std"] = noise_std;
  FittedMethod m;
  m.info = std::move(info);
  // The posterior mean, and (variant row) the network's mean alone.
  auto denoiser = [net, multiple, noise_std](bool posterior) -> Denoiser {
    return [net, multiple, noise_std,
            posterior](const at::Tensor& y) mutable -> absl::StatusOr<at::Tensor> {
      return RunPadded(y, multiple, true, [&](const at::Tensor& x) {
        return posterior ? net->Denoise(x, noise_std) : net->forward(x).mean;
      });
    };
  };
  m.denoise = denoiser(true);
  m.variants.push_back({"prior_mean", denoiser(false)});
  return m;
}

absl::StatusOr<FittedMethod> FitBlindSpotUNet(const FitContext& f) {
  const UNetSection& u = f.options->unet;
  return FitGaussianBlindSpot(
      f,
      GaussianBlindSpotOptions().backbone(BlindSpotBackbone::kUNet).width(u.width).depth(u.depth),
      {"blind_spot_unet", u.width, u.depth, u.blind_spot_epochs}, int64_t{1} << u.depth);
}

absl::StatusOr<FittedMethod> FitBlindSpotHole(const FitContext& f) {
  const HoleSection& h = f.options->hole;
  NetworkTraining t{"blind_spot_hole", h.width, h.depth, h.epochs};
  return FitGaussianBlindSpot(f,
                              GaussianBlindSpotOptions()
                                  .backbone(BlindSpotBackbone::kHole)
                                  .width(h.width)
                                  .depth(h.depth)
                                  .hole_channels(h.hole_channels),
                              t, 1);
}

}  // namespace

bool IsNetworkMethod(const std::string& method) {
  return method == "blind_spot" || method == "blind_spot_unet" || method == "blind_spot_hole" ||
         method == "noise2void" || method == "noise2clean";
}

absl::StatusOr<FittedMethod> FitNetwork(const std::string& method, const FitContext& f) {
  if (method == "blind_spot") return FitBlindSpot(f);
  if (method == "blind_spot_unet") return FitBlindSpotUNet(f);
  if (method == "blind_spot_hole") return FitBlindSpotHole(f);
  if (method == "noise2void") return FitNoise2Void(f);
  if (method == "noise2clean") return FitNoise2Clean(f);
  return absl::InvalidArgumentError(absl::StrCat("no such network method: ", method));
}

absl::StatusOr<HybridPriorPredictor> FitHybridPredictor(const FitContext& f, nlohmann::json& info) {
  const HybridSection& h = f.options->hybrid;
  ASSIGN_OR_RETURN(const TrainingPatches patches, Patches(f));
  torch::manual_seed(static_cast<uint64_t>(f.seed));
  HybridPriorPredictor predictor(HybridPriorPredictorOptions().width(h.width).depth(h.depth));
  // HybridPredictorLoss's squared error, without its shape checks per step
  // (the patches are made here, (N, 1, P, P) both).
  auto mse = [predictor](const at::Tensor& x, const at::Tensor& y) mutable {
    return (predictor->forward(x) - y).pow(2).mean();
  };
  ASSIGN_OR_RETURN(info, Train(f, predictor.ptr(), mse, Dataset{patches.noisy, patches.clean},
                               {"hybrid_prior", h.width, h.depth, h.epochs}));
  info["predictor"] = "HybridPriorPredictor";
  info["width"] = h.width;
  info["depth"] = h.depth;
  return predictor;
}

}  // namespace sparselab::denoising
