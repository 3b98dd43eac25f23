// The hybrid sparsity prior of Dong, Yan, Li & Shi 2018, "Learning Hybrid
// Sparsity Prior for Image Restoration: Where Deep Learning Meets Sparse
// Coding" (arXiv:1807.06920): the code a of every noisy patch y solves
//
//   min_a ||y - D a||^2 + sum_k lambda_k |a_k - mu_k|                      (*)
//
// where the prior mean mu mixes an external estimate (learned from training
// data: the codes of a CNN's prediction of the clean image) and an internal one
// (non-local self-similarity of the image itself, as in Dong, Zhang, Shi & Li
// 2013, NCSR: the weighted mean of the codes of the most similar patches,
// weights exp(-||P_i - P_j||^2 / h)). Only the paper's abstract and
// introduction could be read; everything below that they do not fix is our
// choice, marked "CHOICE":
//  - (*) is solved by soft-thresholding around mu: for an orthonormal D
//    exactly, a = mu + S(D^T y - mu, lambda / 2); otherwise by FISTA
//    (lib/nn/sparse_coding.h) after the substitution z_k = lambda_k (a_k - mu_k),
//    which turns (*) into 2 [1/2 ||(y - D mu) - D Lambda^{-1} z||^2 + 1/2 ||z||_1].
//  - CHOICE, the combination: mu = w mu_ext + (1 - w) mu_int with a fixed
//    w = external_weight (0.5 by default); mu = mu_int without an external
//    estimate.
//  - CHOICE, lambda tied to sigma: NCSR's Laplacian-MAP rule
//    lambda_k = 2 sqrt(2) sigma^2 / sigma_k, sigma_k the standard deviation of
//    the deviation a_k - mu_k, here pooled over all patches per code index k
//    and estimated from the noisy codes c = codes(y) as
//    sigma_k^2 = max(mean_n (c_nk - mu_nk)^2 - sigma^2, (min_deviation_factor sigma)^2)
//    (the noise variance of a coefficient is sigma^2 for unit-norm analysis
//    atoms; exact for an orthonormal D, an approximation otherwise).
//  - CHOICE, the iteration: block matching and the internal mean run on the
//    current estimate (first the external estimate if there is one, else the
//    noisy image), the codes of the noisy patches are solved with (*), the
//    patches averaged back with Elad & Aharon's Eq. (11) (patches.h,
//    lambda = 30 / sigma), and the result is the next estimate.
//  - CHOICE, codes of an estimate (for mu): D^T P for an orthonormal D, else
//    the l1 codes by FISTA with lambda = estimate_lambda_factor * sigma.
//  - CHOICE, block matching: the m = 16 most similar patches among those
//    within +-10 pixels that do NOT overlap the reference (so at the first
//    iteration their noise is independent of its own, and the sigma^2
//    subtraction above is unbiased); h = h_factor p^2 sigma^2 (two noisy
//    copies of one clean patch are ~2 p^2 sigma^2 apart; h_factor 2). Measured
//    at sigma 25 without an external estimate (3 iterations), on the unit
//    test's smooth image and 64 x 64 crops of camera and brick: 31.2 / 29.2 /
//    33.0 dB with the exclusion, 28.8 / 29.2 / 34.0 dB with every patch (itself
//    included) as a candidate, which also swings from iteration to iteration;
//    OMP over the overcomplete DCT gives 30.5 / 30.0 / 33.9 dB there, so the
//    internal prior alone is no better than plain sparse coding: the external
//    estimate is what the scheme adds.
//  - CHOICE, the external predictor: a plain residual CNN (DnCNN-like, no
//    batch norm) predicting the clean image; for an orthonormal D, matching
//    images patch by patch matches their codes (Parseval), so its codes are the
//    external mu. No patch means are removed here: the DC atom is coded with
//    its own prior.
// sigma is on the 0-255 scale (noise.h), images in [0, 1].
#ifndef SPARSELAB_LIB_RESTORATION_HYBRID_PRIOR_H_
#define SPARSELAB_LIB_RESTORATION_HYBRID_PRIOR_H_

#include <cstdint>
#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include "absl/status/statusor.h"
#include "lib/nn/sparse_coding.h"
#include "lib/restoration/patches.h"

namespace sparselab {

// mu + sign(v - mu) max(|v - mu| - threshold, 0), element-wise; `threshold`
// (>= 0) broadcasts against v (a scalar tensor, or one per code index).
at::Tensor SoftThresholdAround(const at::Tensor& v, const at::Tensor& mu,
                               const at::Tensor& threshold);

struct PriorCodingOptions {
  // Use FISTA even for an orthonormal dictionary (for tests).
  TORCH_ARG(bool, force_iterative) = false;
  // FISTA's options but lambda (the substitution fixes it at 1/2).
  TORCH_ARG(SparseCodingOptions, fista) = SparseCodingOptions().max_iter(2000).tol(1e-9);
};

// The minimiser of (*) for every row: y (N, d), dictionary (d, K) unit
// columns, mu (N, K), lambdas (K) finite and > 0. Closed form when the
// dictionary is square and orthonormal (|D^T D - I| <= 1e-10), FISTA otherwise.
// Double precision out. Errors for shapes that disagree, non-finite values or
// lambdas <= 0.
absl::StatusOr<at::Tensor> CodesAroundPrior(const at::Tensor& y, const at::Tensor& dictionary,
                                            const at::Tensor& mu, const at::Tensor& lambdas,
                                            const PriorCodingOptions& options = {});

struct NonLocalMeanOptions {
  // Candidates: patches whose top-left corner is within +-search_radius rows
  // and columns of the reference's.
  TORCH_ARG(int64_t, search_radius) = 10;
  // Candidates must also be at least min_offset pixels away in rows or in
  // columns (max(|dr|, |dc|) >= min_offset): 0 admits the patch itself, p
  // admits only patches that do not overlap it (whose noise is independent of
  // its own). A patch without any candidate keeps its own code.
  TORCH_ARG(int64_t, min_offset) = 0;
  // m: the most similar candidates (by ||P_i - P_j||^2); fewer if the window
  // holds fewer.
  TORCH_ARG(int64_t, neighbours) = 8;
  TORCH_ARG(double, h) = 1.0;  // weights exp(-||P_i - P_j||^2 / h), > 0
};

// For every patch i of `patches` (from ExtractPatches: its grid is used for
// the window), sum_j w_ij codes_j / sum_j w_ij over its m nearest candidates,
// w_ij = exp(-||P_i - P_j||^2 / h) (computed relative to the nearest, which
// changes nothing but avoids underflow). codes (N, K), one row per patch.
// Double precision out. Errors for a codes row count that differs,
// search_radius < 0, min_offset < 0, neighbours < 1, h <= 0 or NaN.
absl::StatusOr<at::Tensor> NonLocalCodeMean(const ImagePatches& patches, const at::Tensor& codes,
                                            const NonLocalMeanOptions& options);

// The external estimator: x - body(x), body = depth 3 x 3 convolutions (ReLU
// between them; the last maps width -> channels). Trained (elsewhere) to map a
// noisy image to its clean one, HybridPredictorLoss.
struct HybridPriorPredictorOptions {
  TORCH_ARG(int64_t, channels) = 1;
  TORCH_ARG(int64_t, width) = 32;
  TORCH_ARG(int64_t, depth) = 5;        // convolution layers, >= 2
  TORCH_ARG(int64_t, kernel_size) = 3;  // odd; zero padding keeps H, W
};

class HybridPriorPredictorImpl : public torch::nn::Cloneable<HybridPriorPredictorImpl> {
 public:
  explicit HybridPriorPredictorImpl(HybridPriorPredictorOptions options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  // (N, channels, H, W) -> the same shape: the estimate of the clean image.
  at::Tensor forward(const at::Tensor& x);

  HybridPriorPredictorOptions options;
  torch::nn::Sequential body{nullptr};
};
TORCH_MODULE(HybridPriorPredictor);

// One batch's training loss: the mean squared error between
// predictor(noisy) and clean, both (N, channels, H, W). Differentiable in the
// predictor's parameters. Errors for shapes that differ or do not fit the
// predictor.
absl::StatusOr<at::Tensor> HybridPredictorLoss(HybridPriorPredictor& predictor,
                                               const at::Tensor& noisy, const at::Tensor& clean);

struct HybridPriorOptions {
  TORCH_ARG(int64_t, patch_size) = 8;
  TORCH_ARG(int64_t, stride) = 1;
  // (p^2, K) with unit columns; undefined: the orthonormal DCT (K = p^2).
  TORCH_ARG(at::Tensor, dictionary);
  TORCH_ARG(int64_t, iterations) = 3;        // >= 1
  TORCH_ARG(double, external_weight) = 0.5;  // w in [0, 1]
  TORCH_ARG(bool, use_internal) = true;      // false: mu = mu_ext (or 0 without one)
  TORCH_ARG(int64_t, search_radius) = 10;
  // Block matching among patches that do not overlap the reference only
  // (NonLocalMeanOptions::min_offset = p) instead of all, the patch itself
  // included (min_offset = 0).
  TORCH_ARG(bool, exclude_overlapping) = true;
  TORCH_ARG(int64_t, neighbours) = 16;
  TORCH_ARG(double, h_factor) = 2.0;
  TORCH_ARG(double, min_deviation_factor) = 1e-3;
  TORCH_ARG(double, estimate_lambda_factor) = 0.25;
  TORCH_ARG(PriorCodingOptions, coding);
  TORCH_ARG(double, averaging_lambda) = -1.0;  // Eq. (11); < 0: 30 / sigma
};

struct HybridPriorResult {
  at::Tensor image;    // the input's shape and dtype
  at::Tensor lambdas;  // (K) the last iteration's lambda_k
};

// The scheme with a given external estimate of the clean image (same shape as
// noisy; undefined: none). With the true clean image and external_weight 1, mu
// is the clean codes.
absl::StatusOr<HybridPriorResult> HybridPriorDenoiseWithEstimate(const at::Tensor& noisy,
                                                                 double sigma_255,
                                                                 const at::Tensor& external,
                                                                 const HybridPriorOptions& options);

// The scheme with the predictor's output as the external estimate (an empty
// holder, HybridPriorPredictor(nullptr): internal prior only). noisy (H, W) or
// (1, 1, H, W); the predictor must have 1 channel.
absl::StatusOr<HybridPriorResult> HybridPriorDenoise(const at::Tensor& noisy, double sigma_255,
                                                     HybridPriorPredictor predictor,
                                                     const HybridPriorOptions& options);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_HYBRID_PRIOR_H_
