// Known-sigma Gaussian blind-spot denoising of Laine, Karras, Lehtinen & Aila
// 2019, "High-Quality Self-Supervised Deep Image Denoising" (NeurIPS), Sec. 4
// (grayscale: the univariate case). A blind-spot network (its output at pixel
// p never sees the noisy y_p) predicts a Gaussian prior N(mu_p, s_p^2) of the
// clean x_p from the surroundings. With additive N(0, sigma^2) noise of known
// sigma, y_p ~ N(mu_p, s_p^2 + sigma^2), so training minimises the negative
// log likelihood of the noisy image itself (their Eq. 5, univariate):
//   NLL_p = 1/2 [log(2 pi) + log(s_p^2 + sigma^2) + (y_p - mu_p)^2 / (s_p^2 + sigma^2)],
// averaged over pixels (their code minimises 2 NLL - log(2 pi), the same
// optimum). At test time the prior is combined with y_p by Bayes' rule; the
// denoised value is the posterior mean (their Eq. 4's expectation):
//   E[x_p | y_p, surroundings] = (y_p s_p^2 + mu_p sigma^2) / (s_p^2 + sigma^2),
// which is y_p as sigma -> 0 and mu_p as sigma -> infinity. Only this last
// step reads y_p at p.
// The network has 2 output channels: mu and a raw a, with s^2 = a^2 (their
// code's choice, PriorVariance::kSquare), softplus(a) or exp(a).
// sigma is in the image's units (sigma_255 / 255 for images in [0, 1]).
#ifndef SPARSELAB_LIB_RESTORATION_BLIND_SPOT_GAUSSIAN_H_
#define SPARSELAB_LIB_RESTORATION_BLIND_SPOT_GAUSSIAN_H_

#include <cstdint>
#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include "lib/restoration/blind_spot.h"
#include "lib/restoration/blind_spot_unet.h"
#include "lib/restoration/hole_blind_spot.h"

namespace sparselab {

enum class BlindSpotBackbone {
  kUNet,   // BlindSpotUNet (the paper's network)
  kPlain,  // BlindSpotNetwork (small, any H and W)
  kHole,   // HoleBlindSpotNetwork (Honzátko et al. 2020: one pass, any H and W)
};

enum class PriorVariance { kSquare, kSoftplus, kExp };  // s^2 from the raw channel a

struct GaussianBlindSpotOptions {
  TORCH_ARG(BlindSpotBackbone, backbone) = BlindSpotBackbone::kUNet;
  // The backbone's width and depth (kUNet: encoder channels and poolings;
  // kPlain: hidden channels and shifted convolutions).
  TORCH_ARG(int64_t, width) = 48;
  TORCH_ARG(int64_t, depth) = 5;
  // kHole: width = trunk channels, depth = hole convolutions, and these
  // channels per hole convolution.
  TORCH_ARG(int64_t, hole_channels) = 18;
  TORCH_ARG(double, negative_slope) = 0.1;
  TORCH_ARG(PriorVariance, variance) = PriorVariance::kSquare;
};

// The per-pixel prior of the clean image, each (N, 1, H, W).
struct GaussianPrior {
  at::Tensor mean;      // mu
  at::Tensor variance;  // s^2 >= 0
};

// s^2 of the raw channel a under `map`.
at::Tensor PriorVarianceOf(const at::Tensor& raw, PriorVariance map);

// Mean over pixels of the NLL above; noisy (N, 1, H, W) like prior's tensors;
// noise_std > 0 a number or a tensor broadcastable to noisy (e.g. (N, 1, 1, 1)
// per image). Differentiable in prior.
at::Tensor GaussianBlindSpotLoss(const GaussianPrior& prior, const at::Tensor& noisy,
                                 double noise_std);
at::Tensor GaussianBlindSpotLoss(const GaussianPrior& prior, const at::Tensor& noisy,
                                 const at::Tensor& noise_std);

// The posterior mean above, (N, 1, H, W); noise_std > 0 as for the loss.
at::Tensor PosteriorMean(const GaussianPrior& prior, const at::Tensor& noisy, double noise_std);
at::Tensor PosteriorMean(const GaussianPrior& prior, const at::Tensor& noisy,
                         const at::Tensor& noise_std);

// Grayscale: noisy (N, 1, H, W) (kUNet: H, W divisible by 2^depth).
class GaussianBlindSpotImpl : public torch::nn::Cloneable<GaussianBlindSpotImpl> {
 public:
  explicit GaussianBlindSpotImpl(GaussianBlindSpotOptions options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  // The prior at every pixel; pixel p's mean and variance never read noisy at p.
  GaussianPrior forward(const at::Tensor& noisy);
  // PosteriorMean(forward(noisy), noisy, noise_std).
  at::Tensor Denoise(const at::Tensor& noisy, double noise_std);

  GaussianBlindSpotOptions options;
  BlindSpotUNet unet{nullptr};         // set for kUNet (registered as "backbone")
  BlindSpotNetwork plain{nullptr};     // set for kPlain (registered as "backbone")
  HoleBlindSpotNetwork hole{nullptr};  // set for kHole (registered as "backbone")
};
TORCH_MODULE(GaussianBlindSpot);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_BLIND_SPOT_GAUSSIAN_H_
