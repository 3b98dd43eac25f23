#include "lib/restoration/blind_spot_gaussian.h"

#include <cmath>

#include <c10/util/Exception.h>

namespace sparselab {
namespace {

void CheckArguments(const char* who, const GaussianPrior& prior, const at::Tensor& noisy,
                    const at::Tensor& noise_std) {
  TORCH_CHECK(
      prior.mean.defined() && prior.variance.defined() && noisy.defined() && noise_std.defined(),
      who, ": undefined tensor");
  TORCH_CHECK(noisy.dim() == 4 && noisy.size(1) == 1, who,
              ": noisy must be a grayscale batch (N, 1, H, W), got ", noisy.sizes());
  TORCH_CHECK(prior.mean.sizes() == noisy.sizes() && prior.variance.sizes() == noisy.sizes(), who,
              ": the prior's mean and variance must be shaped like noisy ", noisy.sizes(), ", got ",
              prior.mean.sizes(), " and ", prior.variance.sizes());
  TORCH_CHECK(((noise_std > 0) & at::isfinite(noise_std)).all().item<bool>(), who,
              ": the noise standard deviation must be finite and > 0 (in the image's units, e.g. "
              "25 / 255)");
}

at::Tensor Std(double noise_std, const at::Tensor& like) {
  TORCH_CHECK(std::isfinite(noise_std), "the noise standard deviation must be finite, got ",
              noise_std);
  return at::scalar_tensor(noise_std, like.options());
}

}  // namespace

at::Tensor PriorVarianceOf(const at::Tensor& raw, PriorVariance map) {
  switch (map) {
    case PriorVariance::kSquare:
      return raw.pow(2);
    case PriorVariance::kSoftplus:
      return at::softplus(raw);
    case PriorVariance::kExp:
      return raw.exp();
  }
  TORCH_CHECK(false, "PriorVarianceOf: unknown map");
}

at::Tensor GaussianBlindSpotLoss(const GaussianPrior& prior, const at::Tensor& noisy,
                                 const at::Tensor& noise_std) {
  CheckArguments("GaussianBlindSpotLoss", prior, noisy, noise_std);
  const at::Tensor total = prior.variance + noise_std.pow(2);  // s^2 + sigma^2
  const at::Tensor nll =
      0.5 * (std::log(2 * M_PI) + total.log() + (noisy - prior.mean).pow(2) / total);
  return nll.mean();
}

at::Tensor GaussianBlindSpotLoss(const GaussianPrior& prior, const at::Tensor& noisy,
                                 double noise_std) {
  return GaussianBlindSpotLoss(prior, noisy, Std(noise_std, noisy));
}

at::Tensor PosteriorMean(const GaussianPrior& prior, const at::Tensor& noisy,
                         const at::Tensor& noise_std) {
  CheckArguments("PosteriorMean", prior, noisy, noise_std);
  const at::Tensor noise_var = noise_std.pow(2);
  return (noisy * prior.variance + prior.mean * noise_var) / (prior.variance + noise_var);
}

at::Tensor PosteriorMean(const GaussianPrior& prior, const at::Tensor& noisy, double noise_std) {
  return PosteriorMean(prior, noisy, Std(noise_std, noisy));
}

GaussianBlindSpotImpl::GaussianBlindSpotImpl(GaussianBlindSpotOptions options_)
    : options(options_) {
  reset();
}

void GaussianBlindSpotImpl::reset() {
  const GaussianBlindSpotOptions& o = options;
  unet = nullptr;
  plain = nullptr;
  hole = nullptr;
  if (o.backbone() == BlindSpotBackbone::kHole) {
    hole =
        register_module("backbone", HoleBlindSpotNetwork(HoleBlindSpotNetworkOptions(1, 2)
                                                             .width(o.width())
                                                             .depth(o.depth())
                                                             .hole_channels(o.hole_channels())
                                                             .negative_slope(o.negative_slope())));
  } else if (o.backbone() == BlindSpotBackbone::kUNet) {
    unet = register_module(
        "backbone",
        BlindSpotUNet(BlindSpotUNetOptions(1, 2).width(o.width()).depth(o.depth()).negative_slope(
            o.negative_slope())));
  } else {
    plain = register_module(
        "backbone",
        BlindSpotNetwork(
            BlindSpotNetworkOptions(1, 2).width(o.width()).depth(o.depth()).negative_slope(
                o.negative_slope())));
  }
}

void GaussianBlindSpotImpl::pretty_print(std::ostream& stream) const {
  const char* maps[] = {"square", "softplus", "exp"};
  stream << "sparselab::GaussianBlindSpot(backbone="
         << (options.backbone() == BlindSpotBackbone::kUNet   ? "unet"
             : options.backbone() == BlindSpotBackbone::kHole ? "hole"
                                                              : "plain")
         << ", width=" << options.width() << ", depth=" << options.depth()
         << ", variance=" << maps[static_cast<int>(options.variance())] << ")";
}

GaussianPrior GaussianBlindSpotImpl::forward(const at::Tensor& noisy) {
  TORCH_CHECK(noisy.dim() == 4 && noisy.size(1) == 1,
              "GaussianBlindSpot: noisy must be a grayscale batch (N, 1, H, W), got ",
              noisy.sizes(), " (colour needs the paper's 3 x 3 covariances, not built)");
  const at::Tensor raw = unet   ? unet->forward(noisy)
                         : hole ? hole->forward(noisy)
                                : plain->forward(noisy);
  return GaussianPrior{raw.narrow(1, 0, 1),
                       PriorVarianceOf(raw.narrow(1, 1, 1), options.variance())};
}

at::Tensor GaussianBlindSpotImpl::Denoise(const at::Tensor& noisy, double noise_std) {
  return PosteriorMean(forward(noisy), noisy, noise_std);
}

}  // namespace sparselab
