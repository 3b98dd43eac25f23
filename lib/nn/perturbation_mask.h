// Meaningful-perturbation masks (Fong & Vedaldi 2017, "Interpretable
// Explanations of Black Boxes by Meaningful Perturbation", ICCV,
// arXiv:1704.03296: the deletion game's objective with its refinements, the
// TV_beta smoothness term, a low-resolution upsampled mask and jitter) and
// the deletion / insertion metrics of Petsiuk, Das & Saenko 2018 ("RISE:
// Randomized Input Sampling for Explanation", arXiv:1806.07421).
//
// A low-resolution mask m (h, w) with values in [0, 1] is upsampled bilinearly
// (align_corners = false, so a constant mask stays constant) to the image's
// (H, W) and blends the image x (C, H, W) with a perturbed copy p(x):
//
//   x_m = M * x + (1 - M) * p(x),        M = upsample(m), broadcast over C
//
// where p is a Gaussian blur of standard deviation sigma (pixels) or a
// constant image. (The paper blurs each pixel with its own sigma0 * m(u);
// this is the blend that most re-implementations use.) The objective is
//
//   deletion game:      s(x_m) + lambda1 mean|1 - m| + lambda2 TV_beta(m)
//   preservation game: -s(x_m) + lambda1 mean|m|     + lambda2 TV_beta(m)
//
//   TV_beta(m) = mean_{i,j} |m[i+1,j] - m[i,j]|^beta + mean_{i,j} |m[i,j+1] - m[i,j]|^beta
//
// with s the caller's score (a class logit or probability, or one code unit).
// The deletion game finds the smallest region whose deletion lowers s; the
// preservation game the smallest region whose keeping keeps s high. To delete
// what *raises* a score, play the deletion game with -s. The means (not the
// paper's sums) make lambda1 and lambda2 independent of the mask size; both
// regularisers act on the low-resolution mask, as in the paper.
//
// OptimizeMask minimises the objective by Adam on m and projects m onto
// [0, 1] after every step (clamping; no sigmoid parametrisation), as in the
// common re-implementations. Optional jitter (the paper's E_tau): each step
// shifts the image by a random (dy, dx) in [-jitter, jitter]^2 with edge
// pixels replicated, before blending.
//
//   auto score = [&](const at::Tensor& x) { return model->forward(x).select(1, label); };
//   ASSIGN_OR_RETURN(MaskResult r, OptimizeMask(score, image,
//       PerturbationMaskOptions().mask_height(7).mask_width(7).blur_sigma(3)));
//   at::Tensor order = OrderingFromMask(r.mask);   // lowest mask first
//   ASSIGN_OR_RETURN(PerturbationCurve del, DeletionCurve(score, image, order,
//       at::zeros_like(image), 28));
//   double auc = CurveArea(del);
#ifndef SPARSELAB_LIB_NN_PERTURBATION_MASK_H_
#define SPARSELAB_LIB_NN_PERTURBATION_MASK_H_

#include <cstdint>
#include <functional>
#include <vector>

#include <ATen/ATen.h>
#include <torch/arg.h>

#include "absl/status/statusor.h"

namespace sparselab {

// Maps a batch of images (N, C, H, W) to N scores (a tensor of shape (N)),
// differentiably for OptimizeMask and GradientSaliency.
using ImageScoreFunction = std::function<at::Tensor(const at::Tensor&)>;

enum class PerturbationKind { kBlur, kConstant };
enum class MaskGame { kDeletion, kPreservation };

struct PerturbationMaskOptions {
  // Resolution of the optimised mask, 1 <= mask_height <= H, 1 <= mask_width <= W.
  TORCH_ARG(int64_t, mask_height) = 7;
  TORCH_ARG(int64_t, mask_width) = 7;
  TORCH_ARG(PerturbationKind, perturbation) = PerturbationKind::kBlur;
  TORCH_ARG(double, blur_sigma) = 5.0;  // pixels, > 0 (kBlur)
  TORCH_ARG(double, constant) = 0.0;    // the replacement value (kConstant)
  TORCH_ARG(MaskGame, game) = MaskGame::kDeletion;
  // Defaults balanced for scores of order 1 (probabilities, means); scale
  // them with the score (logits), as the paper's values are for its own sums.
  TORCH_ARG(double, lambda1) = 0.3;   // area term, >= 0
  TORCH_ARG(double, lambda2) = 0.05;  // total variation term, >= 0
  TORCH_ARG(double, tv_beta) = 3.0;   // TV exponent, >= 1 (the paper's beta = 3)
  TORCH_ARG(int64_t, steps) = 300;    // Adam steps, >= 1
  TORCH_ARG(double, lr) = 0.1;        // Adam learning rate, > 0
  TORCH_ARG(double, init) = 1.0;      // initial mask value in [0, 1] (1: keep everything)
  TORCH_ARG(int64_t, jitter) = 0;     // max shift in pixels per step; 0: off
  TORCH_ARG(uint64_t, seed) = 0;      // of the jitter shifts
};

struct MaskResult {
  at::Tensor mask;          // (H, W): the upsampled final mask, in [0, 1]
  at::Tensor low_res_mask;  // (mask_height, mask_width)
  // Objective and score at iterates 0..steps (steps + 1 values; the first at
  // the initial mask, the last at the returned mask). With jitter, every value
  // but the last is at that step's shifted image; the last is unshifted.
  std::vector<double> objective;
  std::vector<double> scores;
  double original_score = 0;   // s(x)      (m = 1)
  double final_score = 0;      // s(x_m) at the returned mask
  double perturbed_score = 0;  // s(p(x))   (m = 0)
};

// p(x) for an image (C, H, W). The blur is a normalised Gaussian convolution
// (weights exp(-d^2 / (2 sigma^2)) over the whole image, each output pixel's
// weights summing to 1, so borders are not darkened), separable in rows and
// columns. Differentiable in the image.
at::Tensor PerturbImage(const at::Tensor& image, const PerturbationMaskOptions& options);

// Bilinear upsampling (align_corners = false) of a mask (h, w) to (height, width).
at::Tensor UpsampleMask(const at::Tensor& low_res_mask, int64_t height, int64_t width);

// TV_beta of a mask (h, w) as above; a direction with no neighbour pairs
// (h == 1 or w == 1) contributes 0.
at::Tensor MaskTotalVariation(const at::Tensor& mask, double beta);

// The terms of the objective at a low-resolution mask (no projection, no
// jitter). `total` is differentiable in low_res_mask (and in the image).
struct MaskObjectiveTerms {
  at::Tensor total;  // scalar
  at::Tensor score;  // scalar s(x_m)
  at::Tensor area;   // scalar mean|1 - m| (deletion) or mean|m| (preservation)
  at::Tensor tv;     // scalar TV_beta(m)
};
MaskObjectiveTerms ComputeMaskObjective(const ImageScoreFunction& score, const at::Tensor& image,
                                        const at::Tensor& low_res_mask,
                                        const PerturbationMaskOptions& options);
// ComputeMaskObjective(...).total. Shapes are checked by TORCH_CHECK (use
// OptimizeMask for validated input).
at::Tensor MaskObjective(const ImageScoreFunction& score, const at::Tensor& image,
                         const at::Tensor& low_res_mask, const PerturbationMaskOptions& options);

// Optimises the mask for `image` (C, H, W), a finite float or double tensor.
// InvalidArgument naming the problem for a bad image or option, a score that
// throws, returns a shape other than (N), a non-finite value, or is not
// differentiable in its input.
absl::StatusOr<MaskResult> OptimizeMask(const ImageScoreFunction& score, const at::Tensor& image,
                                        const PerturbationMaskOptions& options);

// ---- Deletion and insertion curves (RISE's causal metrics) ----
//
// An ordering is an int64 tensor of the H * W flat pixel indices (row-major,
// index = row * W + column), each once, most important first. A pixel is
// deleted or inserted in all channels at once.

struct PerturbationCurve {
  std::vector<double> fractions;  // of the pixels deleted / inserted, 0 .. 1
  std::vector<double> scores;     // the score at each fraction
};

// steps + 1 points: after chunk k (k = 0 .. steps) the first
// floor(k * H * W / steps) pixels of `ordering` are deleted (set to the
// baseline image's values) or inserted (into the baseline). 1 <= steps <= H * W.
// Scores are taken without gradients, batch_size images at a time.
absl::StatusOr<PerturbationCurve> DeletionCurve(const ImageScoreFunction& score,
                                                const at::Tensor& image, const at::Tensor& ordering,
                                                const at::Tensor& baseline, int64_t steps,
                                                int64_t batch_size = 32);
absl::StatusOr<PerturbationCurve> InsertionCurve(const ImageScoreFunction& score,
                                                 const at::Tensor& image,
                                                 const at::Tensor& ordering,
                                                 const at::Tensor& baseline, int64_t steps,
                                                 int64_t batch_size = 32);

// Trapezoid area under the curve over its fractions (x in [0, 1]).
double CurveArea(const PerturbationCurve& curve);

// Orderings. From a mask (H, W): ascending mask value first (the pixels the
// deletion game deleted most are the most important), ties by pixel index.
at::Tensor OrderingFromMask(const at::Tensor& mask);
// A uniformly random permutation of num_pixels indices, fixed by the seed.
at::Tensor RandomOrdering(int64_t num_pixels, uint64_t seed);
// |d s / d x| summed over channels, (H, W), for an image (C, H, W).
absl::StatusOr<at::Tensor> GradientSaliency(const ImageScoreFunction& score,
                                            const at::Tensor& image);
// Descending saliency first, ties by pixel index.
absl::StatusOr<at::Tensor> SaliencyOrdering(const ImageScoreFunction& score,
                                            const at::Tensor& image);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_PERTURBATION_MASK_H_
