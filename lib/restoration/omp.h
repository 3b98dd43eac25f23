// Orthogonal Matching Pursuit over a batch of signals, the Batch-OMP of
// Rubinstein, Zibulevsky & Elad 2008 ("Efficient Implementation of the K-SVD
// Algorithm using Batch Orthogonal Matching Pursuit", Technion CS-2008-08,
// Algorithm 3): with the Gram matrix G = D^T D and alpha0 = D^T x computed once
// (two matrix products for the whole batch), each signal's greedy loop never
// forms the residual:
//   k = argmax |alpha_k|;  w = L^{-1} G[I, k];  L <- [L 0; w^T sqrt(1 - w^T w)];
//   I <- I + {k};  gamma = (L L^T)^{-1} alpha0[I];  beta = G[:, I] gamma;
//   alpha = alpha0 - beta;  delta_n = gamma^T beta[I];
//   eps_n = eps_{n-1} - delta_n + delta_{n-1}   (eps_0 = x^T x, delta_0 = 0),
// which is the textbook OMP (select the atom most correlated with the
// residual, least squares on the support) with the Cholesky factor of G[I, I]
// grown by one row per atom.
// Stopping: at most max_atoms atoms and/or as soon as ||r||^2 = eps_n <= epsilon
// (checked before the first atom too, so a signal already within epsilon gets
// the zero code). K-SVD denoising's rule (Elad & Aharon 2006, Sec. III-B) is
// epsilon = p^2 (C sigma)^2 with C = 1.15, KsvdErrorTarget below.
#ifndef SPARSELAB_LIB_RESTORATION_OMP_H_
#define SPARSELAB_LIB_RESTORATION_OMP_H_

#include <cstdint>

#include <ATen/ATen.h>
#include <torch/arg.h>

#include "absl/status/statusor.h"

namespace sparselab {

struct OmpOptions {
  // At most this many atoms per signal; 0: no limit (the loop still ends when
  // the residual is zero or the next atom is linearly dependent, at most
  // min(d, K) atoms). Must be <= K.
  TORCH_ARG(int64_t, max_atoms) = 0;
  // Stops once ||x - D z||^2 <= epsilon; < 0: not used. At least one of the
  // two rules must be set.
  TORCH_ARG(double, epsilon) = -1.0;
};

struct OmpResult {
  at::Tensor codes;        // (N, K), x's dtype; zero off the support
  at::Tensor atoms;        // (N) int64: support sizes
  at::Tensor residual_sq;  // (N) double: ||x_n - D z_n||^2, recomputed from the codes
};

// Codes of every row of `x` (N, d) over `dictionary` (d, K) with unit-norm
// columns (within 1e-6; NormalizeColumns of lib/nn/sparse_coding.h makes them
// so). Computed in double precision. Errors for non-2-D, empty, non-floating or
// non-finite inputs, d that differ, columns that are not unit norm,
// max_atoms < 0 or > K, a NaN epsilon, or neither stopping rule.
absl::StatusOr<OmpResult> BatchOmp(const at::Tensor& x, const at::Tensor& dictionary,
                                   const OmpOptions& options);

// p^2 (gain sigma)^2: K-SVD denoising's target for the squared residual of a
// p x p patch, sigma the noise standard deviation in the image's units (an
// image in [0, 1] with noise of sigma 25 on the 0-255 scale: 25 / 255).
double KsvdErrorTarget(int64_t patch_size, double sigma, double gain = 1.15);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_RESTORATION_OMP_H_
