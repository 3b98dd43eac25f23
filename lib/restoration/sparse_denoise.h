// Sparse-prior denoising of a gray image (Elad & Aharon 2006, "Image Denoising
// Via Sparse and Redundant Representations Over Learned Dictionaries", IEEE TIP
// 15(12)):
//  1. every overlapping p x p patch of the noisy image y (patches.h), its mean
//     removed (coded over the dictionary) and added back afterwards;
//  2. codes over a dictionary D: the overcomplete DCT (dct_dictionary.h), a
//     given one (e.g. learned on clean patches, LearnPatchDictionary below), or
//     K-SVD on the noisy image's own patches (Sec. III-C and Fig. 2: a few
//     rounds of OMP coding, then every atom replaced by the rank-1 SVD of the
//     residual restricted to the patches that use it);
//  3. codes by Batch-OMP (omp.h) with the error rule ||r||^2 <= p^2 (C sigma)^2,
//     C = 1.15 (Sec. III-B), or by FISTA (lib/nn/sparse_coding.h) on
//     1/2 ||x - D z||^2 + lambda ||z||_1 with lambda = fista_lambda_factor * sigma
//     (our tie: for an orthonormal D this code is the noisy coefficients soft-
//     thresholded at lambda, so the factor is the threshold in noise standard
//     deviations; the default 2.0 is ours, picked on 96 x 96 crops of the
//     camera and astronaut images at sigma 25, not from the paper);
//  4. the patches averaged back with Eq. (11), lambda = 30 / sigma (the paper's
//     choice, sigma on the 0-255 scale).
// sigma is passed on the 0-255 scale as in noise.h, the images are in [0, 1]:
// in the image's units the noise standard deviation is sigma / 255.
#ifndef SPARSELAB_LIB_RESTORATION_SPARSE_DENOISE_H_
#define SPARSELAB_LIB_RESTORATION_SPARSE_DENOISE_H_

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>
#include <torch/arg.h>

#include "absl/status/statusor.h"
#include "lib/nn/sparse_coding.h"
#include "lib/restoration/omp.h"

namespace sparselab {

enum class DenoiseDictionary { kDct, kGiven, kKsvd };
enum class DenoiseCoder { kOmp, kFista };

struct SparseDenoiseOptions {
  TORCH_ARG(int64_t, patch_size) = 8;
  TORCH_ARG(int64_t, stride) = 1;
  TORCH_ARG(DenoiseDictionary, dictionary_kind) = DenoiseDictionary::kDct;
  // kDct and kKsvd (its initial dictionary): a perfect square >= p^2.
  TORCH_ARG(int64_t, atoms) = 256;
  // kGiven: (p^2, K) with unit columns.
  TORCH_ARG(at::Tensor, dictionary);
  // kKsvd: rounds of (code, update every atom), >= 1.
  TORCH_ARG(int64_t, ksvd_iterations) = 10;
  TORCH_ARG(DenoiseCoder, coder) = DenoiseCoder::kOmp;
  TORCH_ARG(double, omp_gain) = 1.15;  // C
  // OMP's cap on atoms per patch (with the error rule); 0: p^2 / 2, the K-SVD
  // toolbox's default.
  TORCH_ARG(int64_t, omp_max_atoms) = 0;
  TORCH_ARG(double, fista_lambda_factor) = 2.0;
  // FISTA's options but lambda (set from sigma).
  TORCH_ARG(SparseCodingOptions, fista) = SparseCodingOptions().max_iter(300).tol(1e-5);
  // Eq. (11)'s lambda; < 0: 30 / sigma (sigma on the 0-255 scale).
  TORCH_ARG(double, averaging_lambda) = -1.0;
};

struct KsvdIterationStats {
  double error_before = 0;     // sum_n ||x_n - D z_n||^2 after the coding step
  double error_after = 0;      // the same after the atom updates (the supports kept)
  double mean_atoms = 0;       // atoms per patch in the coding step
  int64_t replaced_atoms = 0;  // unused atoms replaced by the worst-represented patch
};

struct SparseDenoiseResult {
  at::Tensor image;                      // the input's shape and dtype
  at::Tensor dictionary;                 // (p^2, K) double: the one the final codes used
  double mean_atoms = 0;                 // OMP: atoms per patch in the final coding (0 for FISTA)
  std::vector<KsvdIterationStats> ksvd;  // kKsvd: one per iteration
};

// K-SVD (Aharon, Elad & Bruckstein 2006; Elad & Aharon 2006 Fig. 2) on
// `patches` (N, d) from `initial` (d, K, unit columns): `iterations` rounds of
// Batch-OMP coding with `omp` then, atom by atom, d_j and the codes on its
// support from the top singular pair of the residual restricted to the
// patches using d_j (with d_j's own contribution added back). An atom no patch
// uses becomes the (normalised) patch worst represented so far. The update of
// an atom minimises the error over that atom and its coefficients with the
// rest fixed, so error_after <= error_before in every round.
struct KsvdResult {
  at::Tensor dictionary;  // (d, K) double, unit columns
  std::vector<KsvdIterationStats> stats;
};
absl::StatusOr<KsvdResult> Ksvd(const at::Tensor& patches, const at::Tensor& initial,
                                int64_t iterations, const OmpOptions& omp);

// Denoises `noisy` ((H, W) or (1, 1, H, W), floating, finite). Errors for a
// sigma that is not finite and > 0, bad shapes or options (a given dictionary
// whose rows are not p^2 or whose columns are not unit norm, atoms not a
// perfect square >= p^2, ksvd_iterations < 1, ...).
absl::StatusOr<SparseDenoiseResult> SparseCodingDenoise(const at::Tensor& noisy, double sigma_255,
                                                        const SparseDenoiseOptions& options);

// A patch dictionary learned on clean images with lib/nn's SparseDictionary
// (Olshausen & Field's minibatch scheme there): every p x p patch of every
// image on a grid of `stride`, means removed, minibatches of `batch_size`
// drawn with `generator`, `steps` steps, from the overcomplete DCT (dct_init)
// or random Gaussian atoms from `generator`. Returns (p^2, K) double with unit
// columns, ready for SparseDenoiseOptions::dictionary.
struct PatchDictionaryOptions {
  TORCH_ARG(int64_t, patch_size) = 8;
  TORCH_ARG(int64_t, atoms) = 256;  // dct_init: a perfect square >= p^2
  TORCH_ARG(int64_t, stride) = 4;
  TORCH_ARG(int64_t, steps) = 500;
  TORCH_ARG(int64_t, batch_size) = 256;
  TORCH_ARG(double, learning_rate) = 1.0;
  TORCH_ARG(SparseCodingOptions, coding) = SparseCodingOptions().lambda(0.02).max_iter(200);
  TORCH_ARG(bool, dct_init) = true;
};
absl::StatusOr<at::Tensor> LearnPatchDictionary(const std::vector<at::Tensor>& clean_images,
                                                const PatchDictionaryOptions& options,
                                                at::Generator generator);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_SPARSE_DENOISE_H_
