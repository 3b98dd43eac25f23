// The denoising methods of the experiment: each is fitted on the training
// images (clean or noisy, as the method allows) and returns a denoiser of one
// noisy test image. Evaluate measures a denoiser on the test images.
#ifndef SPARSELAB_EXPERIMENTS_DENOISING_METHODS_H_
#define SPARSELAB_EXPERIMENTS_DENOISING_METHODS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"
#include "experiments/denoising/images.h"
#include "experiments/denoising/run_options.h"
#include "lib/harness/experiment.h"
#include "lib/harness/task_runner.h"
#include "nlohmann/json.hpp"

namespace sparselab::denoising {

// noisy (H, W) -> denoised (H, W).
using Denoiser = std::function<absl::StatusOr<at::Tensor>(const at::Tensor& noisy)>;

struct FittedMethod {
  Denoiser denoise;
  nlohmann::json info = nlohmann::json::object();  // chosen parameters, training time
  // Further rows of the same fit, "<method>_<name>": a part of the method
  // alone (the blind-spot network's prior mean without the Bayesian step, the
  // hybrid prior's external CNN without the sparse coding).
  std::vector<std::pair<std::string, Denoiser>> variants;
};

// What a method may use: the clean training images only where the method is
// supervised (gaussian / median choose their parameter on them, as the issue
// asks; Noise2Clean trains on them); the self-supervised ones see only
// noisy.train.
struct FitContext {
  const Options* options = nullptr;
  const Images* clean = nullptr;
  const NoisyImages* noisy = nullptr;
  int64_t seed = 0;
  const TaskContext* task = nullptr;  // checkpoints of long trainings
};

absl::StatusOr<FittedMethod> FitMethod(const std::string& method, const FitContext& f);

// Runs `denoise` on every noisy test image and records, in row `row` for
// `seed`: psnr and ssim (means over the test images; the output clipped to
// [0, 1] first), psnr/<image> and ssim/<image>, and seconds_per_megapixel
// (denoising time alone, all images). With `outputs`, also appends the
// clipped outputs there, one per test image.
absl::Status Evaluate(Experiment& ex, const std::string& row, int64_t seed, const Images& clean,
                      const NoisyImages& noisy, const Denoiser& denoise,
                      std::vector<at::Tensor>* outputs = nullptr);

}  // namespace sparselab::denoising

#endif  // SPARSELAB_EXPERIMENTS_DENOISING_METHODS_H_
