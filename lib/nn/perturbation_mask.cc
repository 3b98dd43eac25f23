#include "lib/nn/perturbation_mask.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <torch/optim/adam.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sparselab {
namespace {

std::string Shape(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  return absl::StrCat("(", absl::StrJoin(t.sizes(), ", "), ")");
}

// An image (C, H, W): defined, non-empty, float or double, finite.
absl::Status CheckImage(const at::Tensor& image, const char* what) {
  if (!image.defined()) return absl::InvalidArgumentError(absl::StrCat(what, " is undefined"));
  if (image.dim() != 3 || image.numel() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " must be a non-empty (C, H, W) tensor (one image, no batch dimension), got ",
        Shape(image)));
  }
  if (image.scalar_type() != at::kFloat && image.scalar_type() != at::kDouble) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be float or double, got ", c10::toString(image.scalar_type())));
  }
  if (!at::isfinite(image).all().item<bool>()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " has non-finite values (NaN or inf)"));
  }
  return absl::OkStatus();
}

absl::Status CheckOptions(const PerturbationMaskOptions& o, int64_t height, int64_t width) {
  auto bad = [](auto... parts) { return absl::InvalidArgumentError(absl::StrCat(parts...)); };
  if (o.mask_height() < 1 || o.mask_height() > height || o.mask_width() < 1 ||
      o.mask_width() > width) {
    return bad("mask resolution ", o.mask_height(), "x", o.mask_width(),
               " must be between 1x1 and the image's ", height, "x", width);
  }
  if (o.perturbation() == PerturbationKind::kBlur &&
      !(o.blur_sigma() > 0 && std::isfinite(o.blur_sigma()))) {
    return bad("blur_sigma must be > 0 and finite, got ", o.blur_sigma());
  }
  if (o.perturbation() == PerturbationKind::kConstant && !std::isfinite(o.constant())) {
    return bad("constant must be finite, got ", o.constant());
  }
  if (!(o.lambda1() >= 0 && std::isfinite(o.lambda1()))) {
    return bad("lambda1 must be >= 0 and finite, got ", o.lambda1());
  }
  if (!(o.lambda2() >= 0 && std::isfinite(o.lambda2()))) {
    return bad("lambda2 must be >= 0 and finite, got ", o.lambda2());
  }
  if (!(o.tv_beta() >= 1 && std::isfinite(o.tv_beta()))) {
    return bad("tv_beta must be >= 1 and finite, got ", o.tv_beta());
  }
  if (o.steps() < 1) return bad("steps must be >= 1, got ", o.steps());
  if (!(o.lr() > 0 && std::isfinite(o.lr()))) return bad("lr must be > 0 and finite, got ", o.lr());
  if (!(o.init() >= 0 && o.init() <= 1)) return bad("init must be in [0, 1], got ", o.init());
  if (o.jitter() < 0 || o.jitter() >= std::min(height, width)) {
    return bad("jitter must be in [0, min(H, W) - 1] = [0, ", std::min(height, width) - 1,
               "], got ", o.jitter());
  }
  return absl::OkStatus();
}

// score(batch) checked to be a finite tensor of shape (N).
absl::StatusOr<at::Tensor> CallScore(const ImageScoreFunction& score, const at::Tensor& batch) {
  at::Tensor out;
  try {
    out = score(batch);
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("score failed on a batch ", Shape(batch), ": ", e.what_without_backtrace()));
  }
  const int64_t n = batch.size(0);
  if (!out.defined() || out.dim() != 1 || out.size(0) != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "score must map images (N, C, H, W) to a tensor of shape (N); for a batch ", Shape(batch),
        " it returned ", Shape(out), " (select the class or unit, e.g. logits.select(1, label))"));
  }
  if (!at::isfinite(out.detach()).all().item<bool>()) {
    return absl::InvalidArgumentError(
        absl::StrCat("score returned non-finite values for a batch ", Shape(batch)));
  }
  return out;
}

// Row-normalised Gaussian weights (n, n): W[i, j] ~ exp(-(i - j)^2 / (2 sigma^2)).
at::Tensor GaussianMatrix(int64_t n, double sigma, const at::TensorOptions& options) {
  const at::Tensor idx = at::arange(n, options);
  const at::Tensor d = idx.unsqueeze(1) - idx.unsqueeze(0);
  const at::Tensor g = at::exp(-d * d / (2 * sigma * sigma));
  return g / g.sum(1, /*keepdim=*/true);
}

// x(u - tau) for tau = (dy, dx), edge pixels replicated.
at::Tensor ShiftImage(const at::Tensor& image, int64_t dy, int64_t dx, int64_t pad) {
  const at::Tensor padded = at::replication_pad2d(image, {pad, pad, pad, pad});
  return padded.narrow(1, pad - dy, image.size(1)).narrow(2, pad - dx, image.size(2));
}

absl::Status CheckOrdering(const at::Tensor& ordering, int64_t num_pixels) {
  if (!ordering.defined() || ordering.dim() != 1 || ordering.numel() != num_pixels) {
    return absl::InvalidArgumentError(
        absl::StrCat("ordering must be a 1-D tensor of the ", num_pixels,
                     " flat pixel indices (row * W + column), got ", Shape(ordering)));
  }
  if (!at::isIntegralType(ordering.scalar_type(), /*includeBool=*/false)) {
    return absl::InvalidArgumentError(absl::StrCat("ordering must be an integer tensor, got ",
                                                   c10::toString(ordering.scalar_type())));
  }
  const at::Tensor o = ordering.to(at::kLong);
  const int64_t lo = o.min().item<int64_t>(), hi = o.max().item<int64_t>();
  if (lo < 0 || hi >= num_pixels) {
    return absl::InvalidArgumentError(
        absl::StrCat("ordering has indices outside [0, ", num_pixels, "): min ", lo, ", max ", hi));
  }
  if (!at::bincount(o, {}, num_pixels).eq(1).all().item<bool>()) {
    return absl::InvalidArgumentError(
        "ordering must hold every pixel index exactly once (it has repeats)");
  }
  return absl::OkStatus();
}

absl::StatusOr<PerturbationCurve> Curve(const ImageScoreFunction& score, const at::Tensor& image,
                                        const at::Tensor& ordering, const at::Tensor& baseline,
                                        int64_t steps, int64_t batch_size, bool insertion) {
  if (absl::Status s = CheckImage(image, "image"); !s.ok()) return s;
  if (absl::Status s = CheckImage(baseline, "baseline"); !s.ok()) return s;
  if (!baseline.sizes().equals(image.sizes())) {
    return absl::InvalidArgumentError(absl::StrCat("baseline must have the image's shape ",
                                                   Shape(image), ", got ", Shape(baseline)));
  }
  const int64_t height = image.size(1), width = image.size(2), pixels = height * width;
  if (absl::Status s = CheckOrdering(ordering, pixels); !s.ok()) return s;
  if (steps < 1 || steps > pixels) {
    return absl::InvalidArgumentError(
        absl::StrCat("steps must be in [1, H * W] = [1, ", pixels, "], got ", steps));
  }
  if (batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat("batch_size must be >= 1, got ", batch_size));
  }
  at::NoGradGuard no_grad;
  const at::Tensor x = image.detach();
  const at::Tensor base = baseline.detach().to(x.scalar_type());
  // rank[p] = position of pixel p in the ordering.
  at::Tensor rank = at::empty({pixels}, at::kLong);
  rank.index_put_({ordering.to(at::kLong)}, at::arange(pixels, at::kLong));
  rank = rank.view({height, width});

  PerturbationCurve curve;
  std::vector<int64_t> counts;
  for (int64_t k = 0; k <= steps; ++k) {
    counts.push_back(k * pixels / steps);
    curve.fractions.push_back(static_cast<double>(counts.back()) / static_cast<double>(pixels));
  }
  for (int64_t begin = 0; begin <= steps; begin += batch_size) {
    const int64_t end = std::min(steps + 1, begin + batch_size);
    std::vector<at::Tensor> images;
    for (int64_t k = begin; k < end; ++k) {
      const at::Tensor changed = rank.lt(counts[k]);  // (H, W), broadcast over C
      images.push_back(insertion ? at::where(changed, x, base) : at::where(changed, base, x));
    }
    absl::StatusOr<at::Tensor> values = CallScore(score, at::stack(images));
    if (!values.ok()) return values.status();
    const at::Tensor v = values->detach().to(at::kDouble).contiguous();
    for (int64_t i = 0; i < v.numel(); ++i) curve.scores.push_back(v.data_ptr<double>()[i]);
  }
  return curve;
}

}  // namespace

at::Tensor PerturbImage(const at::Tensor& image, const PerturbationMaskOptions& options) {
  TORCH_CHECK(image.dim() == 3, "PerturbImage: expected an image (C, H, W), got ", image.sizes());
  if (options.perturbation() == PerturbationKind::kConstant) {
    return at::full_like(image, options.constant());
  }
  TORCH_CHECK(options.blur_sigma() > 0, "PerturbImage: blur_sigma must be > 0, got ",
              options.blur_sigma());
  const at::Tensor rows = GaussianMatrix(image.size(1), options.blur_sigma(), image.options());
  const at::Tensor cols = GaussianMatrix(image.size(2), options.blur_sigma(), image.options());
  return at::matmul(at::matmul(rows, image), cols.t());
}

at::Tensor UpsampleMask(const at::Tensor& low_res_mask, int64_t height, int64_t width) {
  TORCH_CHECK(low_res_mask.dim() == 2, "UpsampleMask: expected a mask (h, w), got ",
              low_res_mask.sizes());
  return at::upsample_bilinear2d(low_res_mask.unsqueeze(0).unsqueeze(0), {height, width},
                                 /*align_corners=*/false)
      .view({height, width});
}

at::Tensor MaskTotalVariation(const at::Tensor& mask, double beta) {
  TORCH_CHECK(mask.dim() == 2, "MaskTotalVariation: expected a mask (h, w), got ", mask.sizes());
  const int64_t h = mask.size(0), w = mask.size(1);
  at::Tensor tv = at::zeros({}, mask.options());
  if (h > 1) tv = tv + (mask.slice(0, 1) - mask.slice(0, 0, h - 1)).abs().pow(beta).mean();
  if (w > 1) tv = tv + (mask.slice(1, 1) - mask.slice(1, 0, w - 1)).abs().pow(beta).mean();
  return tv;
}

MaskObjectiveTerms ComputeMaskObjective(const ImageScoreFunction& score, const at::Tensor& image,
                                        const at::Tensor& low_res_mask,
                                        const PerturbationMaskOptions& options) {
  TORCH_CHECK(image.dim() == 3, "MaskObjective: expected an image (C, H, W), got ", image.sizes());
  TORCH_CHECK(low_res_mask.dim() == 2, "MaskObjective: expected a mask (h, w), got ",
              low_res_mask.sizes());
  const at::Tensor upsampled = UpsampleMask(low_res_mask, image.size(1), image.size(2));
  const at::Tensor blended =
      upsampled * image + (1 - upsampled) * PerturbImage(image, options);  // the paper's Phi(x; m)
  const at::Tensor s = score(blended.unsqueeze(0));
  TORCH_CHECK(s.dim() == 1 && s.size(0) == 1,
              "MaskObjective: score must return shape (1) for one image, got ", s.sizes());
  MaskObjectiveTerms terms;
  terms.score = s.squeeze(0);
  const bool deletion = options.game() == MaskGame::kDeletion;
  terms.area = deletion ? (1 - low_res_mask).abs().mean() : low_res_mask.abs().mean();
  terms.tv = MaskTotalVariation(low_res_mask, options.tv_beta());
  // Deletion game: lambda1 |1 - m|_1 + lambda2 TV_beta(m) + s(Phi(x; m)); the
  // preservation game maximises s with the kept area penalised instead.
  terms.total = (deletion ? terms.score : -terms.score) + options.lambda1() * terms.area +
                options.lambda2() * terms.tv;
  return terms;
}

at::Tensor MaskObjective(const ImageScoreFunction& score, const at::Tensor& image,
                         const at::Tensor& low_res_mask, const PerturbationMaskOptions& options) {
  return ComputeMaskObjective(score, image, low_res_mask, options).total;
}

absl::StatusOr<MaskResult> OptimizeMask(const ImageScoreFunction& score, const at::Tensor& image,
                                        const PerturbationMaskOptions& options) {
  if (absl::Status s = CheckImage(image, "image"); !s.ok()) return s;
  const int64_t height = image.size(1), width = image.size(2);
  if (absl::Status s = CheckOptions(options, height, width); !s.ok()) return s;
  at::AutoGradMode enable_grad(true);
  const at::Tensor x = image.detach();

  MaskResult result;
  {
    at::NoGradGuard no_grad;
    absl::StatusOr<at::Tensor> original = CallScore(score, x.unsqueeze(0));
    if (!original.ok()) return original.status();
    result.original_score = original->item<double>();
    absl::StatusOr<at::Tensor> perturbed = CallScore(score, PerturbImage(x, options).unsqueeze(0));
    if (!perturbed.ok()) return perturbed.status();
    result.perturbed_score = perturbed->item<double>();
  }

  at::Tensor mask =
      at::full({options.mask_height(), options.mask_width()}, options.init(), x.options())
          .set_requires_grad(true);
  torch::optim::Adam adam(std::vector<at::Tensor>{mask}, torch::optim::AdamOptions(options.lr()));
  std::mt19937_64 rng(options.seed());
  std::uniform_int_distribution<int64_t> shift(-options.jitter(), options.jitter());

  for (int64_t t = 0; t <= options.steps(); ++t) {
    const bool last = t == options.steps();
    at::Tensor input = x;
    if (!last && options.jitter() > 0) {
      const int64_t dy = shift(rng), dx = shift(rng);
      input = ShiftImage(x, dy, dx, options.jitter());
    }
    MaskObjectiveTerms terms;
    try {
      std::optional<at::NoGradGuard> no_grad;
      if (last) no_grad.emplace();
      terms = ComputeMaskObjective(score, input, mask, options);
    } catch (const c10::Error& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("score failed at step ", t, ": ", e.what_without_backtrace()));
    }
    const double total = terms.total.item<double>();
    if (!std::isfinite(total)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the objective is not finite at step ", t, " (score ", terms.score.item<double>(),
          "); the score or its gradient is not finite near this image"));
    }
    result.objective.push_back(total);
    result.scores.push_back(terms.score.item<double>());
    if (last) break;
    if (!terms.score.requires_grad()) {
      return absl::InvalidArgumentError(
          "score is not differentiable in its input (its output needs no gradient: is it computed "
          "under NoGradGuard or from detached values?)");
    }
    adam.zero_grad();
    try {
      terms.total.backward();
    } catch (const c10::Error& e) {
      return absl::InvalidArgumentError(absl::StrCat("backward through score failed at step ", t,
                                                     ": ", e.what_without_backtrace()));
    }
    adam.step();
    at::NoGradGuard no_grad;
    mask.clamp_(0, 1);  // projection onto [0, 1]
  }

  at::NoGradGuard no_grad;
  result.low_res_mask = mask.detach().clone();
  result.mask = UpsampleMask(result.low_res_mask, height, width);
  result.final_score = result.scores.back();
  return result;
}

absl::StatusOr<PerturbationCurve> DeletionCurve(const ImageScoreFunction& score,
                                                const at::Tensor& image, const at::Tensor& ordering,
                                                const at::Tensor& baseline, int64_t steps,
                                                int64_t batch_size) {
  return Curve(score, image, ordering, baseline, steps, batch_size, /*insertion=*/false);
}

absl::StatusOr<PerturbationCurve> InsertionCurve(const ImageScoreFunction& score,
                                                 const at::Tensor& image,
                                                 const at::Tensor& ordering,
                                                 const at::Tensor& baseline, int64_t steps,
                                                 int64_t batch_size) {
  return Curve(score, image, ordering, baseline, steps, batch_size, /*insertion=*/true);
}

double CurveArea(const PerturbationCurve& curve) {
  TORCH_CHECK(curve.fractions.size() == curve.scores.size(),
              "CurveArea: fractions and scores differ in length");
  double area = 0;
  for (size_t i = 1; i < curve.scores.size(); ++i) {
    area +=
        (curve.fractions[i] - curve.fractions[i - 1]) * (curve.scores[i] + curve.scores[i - 1]) / 2;
  }
  return area;
}

at::Tensor OrderingFromMask(const at::Tensor& mask) {
  TORCH_CHECK(mask.dim() == 2, "OrderingFromMask: expected a mask (H, W), got ", mask.sizes());
  return std::get<1>(at::sort(mask.detach().flatten(), /*stable=*/true, 0, /*descending=*/false));
}

at::Tensor RandomOrdering(int64_t num_pixels, uint64_t seed) {
  TORCH_CHECK(num_pixels >= 0, "RandomOrdering: num_pixels must be >= 0, got ", num_pixels);
  at::Generator generator = at::detail::createCPUGenerator(seed);
  return at::randperm(num_pixels, generator, at::TensorOptions().dtype(at::kLong));
}

absl::StatusOr<at::Tensor> GradientSaliency(const ImageScoreFunction& score,
                                            const at::Tensor& image) {
  if (absl::Status s = CheckImage(image, "image"); !s.ok()) return s;
  at::AutoGradMode enable_grad(true);
  const at::Tensor x = image.detach().clone().set_requires_grad(true);
  absl::StatusOr<at::Tensor> out = CallScore(score, x.unsqueeze(0));
  if (!out.ok()) return out.status();
  if (!out->requires_grad()) {
    return absl::InvalidArgumentError("score is not differentiable in its input");
  }
  try {
    out->sum().backward();
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("backward through score failed: ", e.what_without_backtrace()));
  }
  if (!x.grad().defined()) {
    return absl::InvalidArgumentError("score does not depend on its input (no gradient)");
  }
  return x.grad().abs().sum(0);
}

absl::StatusOr<at::Tensor> SaliencyOrdering(const ImageScoreFunction& score,
                                            const at::Tensor& image) {
  absl::StatusOr<at::Tensor> saliency = GradientSaliency(score, image);
  if (!saliency.ok()) return saliency.status();
  return std::get<1>(at::sort(saliency->flatten(), /*stable=*/true, 0, /*descending=*/true));
}

}  // namespace sparselab
