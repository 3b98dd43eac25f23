#include "experiments/denoising/methods.h"

#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"
#include "experiments/denoising/networks.h"
#include "lib/base/status_macros.h"
#include "lib/restoration/filters.h"
#include "lib/restoration/hybrid_prior.h"
#include "lib/restoration/quality.h"
#include "lib/restoration/sparse_denoise.h"

namespace sparselab::denoising {
namespace {

// The median window with the highest mean PSNR on the training images (ties:
// the first), as BestGaussianSigma chooses the Gaussian's sigma.
absl::StatusOr<FittedMethod> FitMedian(const FitContext& f) {
  int64_t best = 0;
  double best_psnr = -1e300;
  nlohmann::json tried = nlohmann::json::object();
  for (int64_t k : f.options->median_sizes) {
    double sum = 0;
    for (size_t i = 0; i < f.clean->train.size(); ++i) {
      ASSIGN_OR_RETURN(const at::Tensor out, MedianFilter(f.noisy->train[i], k));
      ASSIGN_OR_RETURN(const double psnr, Psnr(out.clamp(0, 1), f.clean->train[i]));
      sum += psnr;
    }
    const double mean = sum / static_cast<double>(f.clean->train.size());
    tried[std::to_string(k)] = mean;
    if (mean > best_psnr) best_psnr = mean, best = k;
  }
  FittedMethod m;
  m.info = {{"median_size", best}, {"train_psnr", tried}};
  m.denoise = [best](const at::Tensor& y) { return MedianFilter(y, best); };
  return m;
}

absl::StatusOr<FittedMethod> FitGaussian(const FitContext& f) {
  ASSIGN_OR_RETURN(const SigmaChoice choice,
                   BestGaussianSigma(f.noisy->train, f.clean->train, f.options->gaussian_sigmas));
  FittedMethod m;
  m.info = {{"gaussian_sigma", choice.sigma}, {"train_psnr", choice.mean_psnrs}};
  const double sigma = choice.sigma;
  m.denoise = [sigma](const at::Tensor& y) { return GaussianFilter(y, sigma); };
  return m;
}

// Nothing to fit: the DCT dictionary is fixed and the error rule is tied to
// the known sigma (Elad & Aharon 2006, Sec. III-B); lambda of Eq. (11) 30 / sigma.
// K-SVD (ksvd = true): the same, with the dictionary learnt on each noisy test
// image's own patches by ksvd.iterations rounds from the DCT (Sec. III-C).
absl::StatusOr<FittedMethod> FitSparse(const FitContext& f, bool ksvd) {
  const SparseOptions& s = f.options->sparse;
  const SparseDenoiseOptions options =
      SparseDenoiseOptions()
          .patch_size(s.patch)
          .stride(s.stride)
          .atoms(s.atoms)
          .dictionary_kind(ksvd ? DenoiseDictionary::kKsvd : DenoiseDictionary::kDct)
          .ksvd_iterations(f.options->ksvd.iterations)
          .coder(DenoiseCoder::kOmp)
          .omp_gain(s.omp_gain);
  const double sigma = static_cast<double>(f.noisy->sigma);
  FittedMethod m;
  m.info = {{"dictionary",
             ksvd ? "K-SVD on the noisy image, from the overcomplete DCT" : "overcomplete DCT"},
            {"patch", s.patch},
            {"stride", s.stride},
            {"atoms", s.atoms},
            {"omp_gain", s.omp_gain},
            {"averaging_lambda", 30.0 / sigma}};
  if (ksvd) m.info["ksvd_iterations"] = f.options->ksvd.iterations;
  m.denoise = [options, sigma](const at::Tensor& y) -> absl::StatusOr<at::Tensor> {
    ASSIGN_OR_RETURN(SparseDenoiseResult r, SparseCodingDenoise(y, sigma, options));
    return r.image;
  };
  return m;
}

// Dong et al. 2018 over the orthonormal 8 x 8 DCT (hybrid_prior.h), with its
// external CNN trained on the training images' noisy / clean patches; the
// variant row "hybrid_prior_external" is that CNN alone.
absl::StatusOr<FittedMethod> FitHybridPrior(const FitContext& f) {
  const HybridSection& h = f.options->hybrid;
  FittedMethod m;
  nlohmann::json training;
  ASSIGN_OR_RETURN(HybridPriorPredictor predictor, FitHybridPredictor(f, training));
  const HybridPriorOptions options = HybridPriorOptions()
                                         .patch_size(f.options->sparse.patch)
                                         .stride(h.stride)
                                         .iterations(h.iterations)
                                         .external_weight(h.external_weight);
  m.info = {{"dictionary", "orthonormal DCT"},
            {"patch", f.options->sparse.patch},
            {"stride", h.stride},
            {"iterations", h.iterations},
            {"external_weight", h.external_weight},
            {"predictor_training", training}};
  const double sigma = static_cast<double>(f.noisy->sigma);
  m.denoise = [predictor, options, sigma](const at::Tensor& y) -> absl::StatusOr<at::Tensor> {
    at::NoGradGuard no_grad;
    ASSIGN_OR_RETURN(HybridPriorResult r, HybridPriorDenoise(y, sigma, predictor, options));
    return r.image;
  };
  m.variants.push_back(
      {"external", [predictor](const at::Tensor& y) mutable -> absl::StatusOr<at::Tensor> {
         at::NoGradGuard no_grad;
         return predictor->forward(y.to(at::kFloat).unsqueeze(0).unsqueeze(0))
             .squeeze(0)
             .squeeze(0);
       }});
  return m;
}

}  // namespace

absl::StatusOr<FittedMethod> FitMethod(const std::string& method, const FitContext& f) {
  if (method == "noisy") {
    FittedMethod m;
    m.denoise = [](const at::Tensor& y) -> absl::StatusOr<at::Tensor> { return y.clone(); };
    return m;
  }
  if (method == "gaussian") return FitGaussian(f);
  if (method == "median") return FitMedian(f);
  if (method == "sparse_dct") return FitSparse(f, false);
  if (method == "ksvd") return FitSparse(f, true);
  if (method == "hybrid_prior") return FitHybridPrior(f);
  if (IsNetworkMethod(method)) return FitNetwork(method, f);
  return absl::InvalidArgumentError(absl::StrCat("no such method: ", method));
}

absl::Status Evaluate(Experiment& ex, const std::string& row, int64_t seed, const Images& clean,
                      const NoisyImages& noisy, const Denoiser& denoise,
                      std::vector<at::Tensor>* outputs) {
  double seconds = 0, megapixels = 0, psnr_sum = 0, ssim_sum = 0;
  for (size_t i = 0; i < clean.test.size(); ++i) {
    const auto start = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(at::Tensor out, denoise(noisy.test[i]));
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    megapixels += static_cast<double>(clean.test[i].numel()) / 1e6;
    if (!out.sizes().equals(clean.test[i].sizes())) {
      return absl::InternalError(absl::StrCat(row, ": the denoiser returned a ",
                                              c10::str(out.sizes()), " image for a ",
                                              c10::str(clean.test[i].sizes()), " one"));
    }
    out = out.to(at::kFloat).clamp(0, 1);
    ASSIGN_OR_RETURN(const double psnr, Psnr(out, clean.test[i]));
    ASSIGN_OR_RETURN(const double ssim, Ssim(out, clean.test[i]));
    ex.table().Add(row, absl::StrCat("psnr/", clean.test_names[i]), seed, psnr);
    ex.table().Add(row, absl::StrCat("ssim/", clean.test_names[i]), seed, ssim);
    psnr_sum += psnr;
    ssim_sum += ssim;
    if (outputs != nullptr) outputs->push_back(out);
  }
  const double n = static_cast<double>(clean.test.size());
  ex.table().Add(row, "psnr", seed, psnr_sum / n);
  ex.table().Add(row, "ssim", seed, ssim_sum / n);
  ex.table().Add(row, "seconds_per_megapixel", seed, seconds / megapixels);
  return absl::OkStatus();
}

}  // namespace sparselab::denoising
