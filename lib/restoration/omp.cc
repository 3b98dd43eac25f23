#include "lib/restoration/omp.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"

namespace sparselab {
namespace {

absl::Status CheckMatrix(const char* what, const at::Tensor& m) {
  if (!m.defined() || m.dim() != 2 || m.numel() == 0 || !at::isFloatingType(m.scalar_type())) {
    return absl::InvalidArgumentError(
        absl::StrCat("BatchOmp: ", what, " must be a non-empty floating 2-D tensor, got ",
                     m.defined() ? c10::str(m.sizes(), " ", c10::toString(m.scalar_type()))
                                 : std::string("undefined")));
  }
  if (!at::isfinite(m).all().item<bool>()) {
    return absl::InvalidArgumentError(
        absl::StrCat("BatchOmp: ", what, " has NaN or infinite entries"));
  }
  return absl::OkStatus();
}

// One signal's Batch-OMP loop. g: (K, K) Gram, a0: (K) D^T x, xx = x^T x.
// Writes the coefficients into code (K, zeroed by the caller); returns the
// support size.
int64_t OmpOne(const double* g, const double* a0, double xx, int64_t k_atoms, int64_t max_steps,
               double epsilon, std::vector<double>& alpha, std::vector<double>& chol,
               std::vector<int64_t>& support, std::vector<double>& w, std::vector<double>& gamma,
               double* code) {
  std::copy(a0, a0 + k_atoms, alpha.begin());
  support.clear();
  double eps = xx, delta_prev = 0;
  const bool use_eps = epsilon >= 0;
  int64_t n = 0;
  while (n < max_steps && !(use_eps && eps <= epsilon)) {
    int64_t k = 0;
    double best = -1;
    for (int64_t j = 0; j < k_atoms; ++j) {
      const double v = std::abs(alpha[j]);
      if (v > best) best = v, k = j;
    }
    // The residual is orthogonal to every atom (alpha is ~0 on the support):
    // nothing left to add.
    if (std::find(support.begin(), support.end(), k) != support.end() || best == 0) break;
    // New row of the Cholesky factor of G[I, I]: w = L^{-1} G[I, k].
    double ww = 0;
    for (int64_t i = 0; i < n; ++i) {
      double s = g[support[i] * k_atoms + k];
      for (int64_t j = 0; j < i; ++j) s -= chol[i * max_steps + j] * w[j];
      w[i] = s / chol[i * max_steps + i];
      ww += w[i] * w[i];
    }
    const double pivot = g[k * k_atoms + k] - ww;
    if (pivot <= 1e-12) break;  // atom k is (numerically) in the span of the support
    for (int64_t j = 0; j < n; ++j) chol[n * max_steps + j] = w[j];
    chol[n * max_steps + n] = std::sqrt(pivot);
    support.push_back(k);
    ++n;
    // gamma = (L L^T)^{-1} alpha0[I]: forward then backward substitution.
    for (int64_t i = 0; i < n; ++i) {
      double s = a0[support[i]];
      for (int64_t j = 0; j < i; ++j) s -= chol[i * max_steps + j] * gamma[j];
      gamma[i] = s / chol[i * max_steps + i];
    }
    for (int64_t i = n - 1; i >= 0; --i) {
      double s = gamma[i];
      for (int64_t j = i + 1; j < n; ++j) s -= chol[j * max_steps + i] * gamma[j];
      gamma[i] = s / chol[i * max_steps + i];
    }
    // alpha = alpha0 - G[:, I] gamma (G symmetric: rows I); delta = gamma^T beta[I].
    std::copy(a0, a0 + k_atoms, alpha.begin());
    for (int64_t i = 0; i < n; ++i) {
      const double* row = g + support[i] * k_atoms;
      const double c = gamma[i];
      for (int64_t j = 0; j < k_atoms; ++j) alpha[j] -= row[j] * c;
    }
    double delta = 0;
    for (int64_t i = 0; i < n; ++i) delta += gamma[i] * (a0[support[i]] - alpha[support[i]]);
    eps = eps - delta + delta_prev;
    delta_prev = delta;
  }
  for (int64_t i = 0; i < n; ++i) code[support[i]] = gamma[i];
  return n;
}

}  // namespace

double KsvdErrorTarget(int64_t patch_size, double sigma, double gain) {
  const double c = gain * sigma;
  return static_cast<double>(patch_size * patch_size) * c * c;
}

absl::StatusOr<OmpResult> BatchOmp(const at::Tensor& x, const at::Tensor& dictionary,
                                   const OmpOptions& options) {
  if (auto s = CheckMatrix("x (N, d)", x); !s.ok()) return s;
  if (auto s = CheckMatrix("the dictionary (d, K)", dictionary); !s.ok()) return s;
  const int64_t n = x.size(0), d = x.size(1), k_atoms = dictionary.size(1);
  if (dictionary.size(0) != d) {
    return absl::InvalidArgumentError(
        absl::StrCat("BatchOmp: x has rows of ", d, " values but the dictionary's atoms have ",
                     dictionary.size(0), "; pass x (N, d) and the dictionary (d, K)"));
  }
  if (options.max_atoms() < 0 || options.max_atoms() > k_atoms) {
    return absl::InvalidArgumentError(absl::StrCat("BatchOmp: max_atoms must be in [0, K] = [0, ",
                                                   k_atoms, "] (0: no limit), got ",
                                                   options.max_atoms()));
  }
  if (std::isnan(options.epsilon())) {
    return absl::InvalidArgumentError("BatchOmp: epsilon is NaN (< 0 switches the error rule off)");
  }
  if (options.max_atoms() == 0 && options.epsilon() < 0) {
    return absl::InvalidArgumentError(
        "BatchOmp: no stopping rule; set max_atoms > 0 and/or epsilon >= 0");
  }
  at::NoGradGuard no_grad;
  const at::Tensor dd = dictionary.to(at::kDouble).contiguous();
  const at::Tensor xd = x.to(at::kDouble).contiguous();
  const at::Tensor norms = dd.norm(2, {0});
  const double worst = (norms - 1).abs().max().item<double>();
  if (worst > 1e-6) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BatchOmp: the dictionary's columns must have unit norm (the largest deviation is ", worst,
        "); normalise them first, e.g. with NormalizeColumns"));
  }
  const at::Tensor gram = dd.t().mm(dd).contiguous();
  const at::Tensor alpha0 = xd.mm(dd).contiguous();
  const at::Tensor xx = xd.pow(2).sum(1).contiguous();
  at::Tensor codes = at::zeros({n, k_atoms}, at::kDouble);
  at::Tensor atoms = at::zeros({n}, at::kLong);
  const int64_t max_steps = options.max_atoms() > 0 ? options.max_atoms() : std::min(d, k_atoms);
  const double* g = gram.data_ptr<double>();
  const double* a0 = alpha0.data_ptr<double>();
  const double* xxp = xx.data_ptr<double>();
  double* cp = codes.data_ptr<double>();
  int64_t* ap = atoms.data_ptr<int64_t>();
  const double epsilon = options.epsilon();
  at::parallel_for(0, n, 16, [&](int64_t begin, int64_t end) {
    std::vector<double> alpha(k_atoms), chol(max_steps * max_steps), w(max_steps), gamma(max_steps);
    std::vector<int64_t> support;
    support.reserve(max_steps);
    for (int64_t i = begin; i < end; ++i) {
      ap[i] = OmpOne(g, a0 + i * k_atoms, xxp[i], k_atoms, max_steps, epsilon, alpha, chol, support,
                     w, gamma, cp + i * k_atoms);
    }
  });
  OmpResult result;
  result.residual_sq = (xd - codes.mm(dd.t())).pow(2).sum(1);
  result.codes = codes.to(x.scalar_type());
  result.atoms = atoms;
  return result;
}

}  // namespace sparselab
