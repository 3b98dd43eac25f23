// Sparse coding: for each row x of a batch X (N x d) and a dictionary D
// (d x K, one atom per column), the code z (K) minimising
//
//   F(z) = 1/2 ||x - D z||^2 + lambda ||z||_1          (z >= 0 when non_negative)
//
// by one of three solvers, batched over the rows (one problem whose objective
// is the sum over rows, so the step size and the convergence theory are those
// of a single problem):
//   ISTA   proximal gradient z <- T(z - grad/L) (Daubechies, Defrise & De Mol
//          2004); F(z_k) - F* <= L ||z0 - z*||^2 / (2k).
//   FISTA  Beck & Teboulle 2009 (SIAM J. Imaging Sci. 2(1):183-202, eq. 4.1-4.3):
//          y_{k+1} = z_k + ((t_k - 1)/t_{k+1}) (z_k - z_{k-1}),
//          t_{k+1} = (1 + sqrt(1 + 4 t_k^2))/2; F(z_k) - F* <= 2 L ||z0 - z*||^2/(k+1)^2.
//          Options: backtracking (their Sec. 4, L_k = eta^i L_{k-1} until the
//          quadratic model bounds f at the new point) and adaptive restart
//          (O'Donoghue & Candes 2015, gradient scheme, per row: t <- 1 when
//          (y_k - z_k).(z_k - z_{k-1}) > 0).
//   LCA    the locally competitive algorithm (Rozell, Johnson, Baraniuk &
//          Olshausen 2008, Neural Comput. 20:2526, eq. 3.1 and 3.5), Euler steps
//          u <- u + eta (D^T x - u - (D^T D - I) a), a = T(u).
// T is the soft threshold sign(v) max(|v| - lambda/L, 0) (max(v - lambda/L, 0)
// when non-negative). L is the largest eigenvalue of D^T D, from power
// iteration. Every iteration costs two matrix products (X-sized and Z-sized):
// the residual R = Z D^T - X and the gradient R D; FISTA's residual at the
// extrapolated point is the same combination of the last two residuals.
#ifndef SPARSELAB_LIB_NN_SPARSE_CODING_H_
#define SPARSELAB_LIB_NN_SPARSE_CODING_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sparselab {

enum class SparseSolver { kIsta, kFista, kLca };

// "ista" | "fista" | "lca".
absl::StatusOr<SparseSolver> ParseSparseSolver(const std::string& name);
std::string SparseSolverName(SparseSolver solver);

struct SparseCodingOptions {
  TORCH_ARG(double, lambda) = 0.1;
  TORCH_ARG(SparseSolver, solver) = SparseSolver::kFista;
  TORCH_ARG(int64_t, max_iter) = 1000;
  // Stops when ||Z_k - Z_{k-1}||_F <= tol ||Z_{k-1}||_F (0: run max_iter).
  TORCH_ARG(double, tol) = 1e-4;
  // ISTA/FISTA step, LCA's eta. 0: 1/L. A fixed step > 1/L may diverge.
  TORCH_ARG(double, step) = 0.0;
  TORCH_ARG(bool, non_negative) = false;
  // FISTA/ISTA: Beck & Teboulle's backtracking from L0 = backtracking_l0,
  // multiplying by backtracking_eta until the step is accepted.
  TORCH_ARG(bool, backtracking) = false;
  TORCH_ARG(double, backtracking_l0) = 1.0;
  TORCH_ARG(double, backtracking_eta) = 2.0;
  // FISTA: adaptive restart of the momentum, per row.
  TORCH_ARG(bool, restart) = false;
  // Power iteration for L: at most this many products, until the estimate
  // changes by less than 1e-10 relatively.
  TORCH_ARG(int64_t, power_iterations) = 500;
  // Records the mean objective before the first and after every iteration.
  TORCH_ARG(bool, record_objective) = false;
};

struct SparseCodeResult {
  at::Tensor z;             // (N, K)
  int64_t iterations = 0;   // iterations run
  bool converged = false;   // the tolerance was met within max_iter
  double lipschitz = 0.0;   // L behind the step (the last one with backtracking)
  // Mean objective over the rows: [0] at z0, [k] after iteration k.
  std::vector<double> objective;
};

// The checks a boundary (a command line, a config) makes before solving:
// X (N x d) and D (d x K) two-dimensional, non-empty, the same floating type,
// finite, d equal; lambda >= 0; max_iter >= 1; tol >= 0; step >= 0.
// Errors name the problem and the fix.
absl::Status ValidateSparseCodingInputs(const at::Tensor& x, const at::Tensor& dictionary,
                                        const SparseCodingOptions& options);

// Solves for every row of `x` (N x d) with `dictionary` (d x K), starting at
// `z0` (N x K; zeros when undefined). Throws c10::Error on inputs that
// ValidateSparseCodingInputs rejects.
SparseCodeResult SparseEncode(const at::Tensor& x, const at::Tensor& dictionary,
                              const SparseCodingOptions& options,
                              const at::Tensor& z0 = at::Tensor());

// sign(v) max(|v| - threshold, 0), or max(v - threshold, 0) when non-negative.
at::Tensor SoftThreshold(const at::Tensor& v, double threshold, bool non_negative = false);
// Per-row objective 1/2 ||x - D z||^2 + lambda ||z||_1 (N).
at::Tensor SparseCodingObjective(const at::Tensor& x, const at::Tensor& dictionary,
                                 const at::Tensor& z, double lambda);
// The largest eigenvalue of D^T D (the squared spectral norm of D) by power
// iteration from a fixed start, times (1 + 1e-3): a Rayleigh quotient never
// exceeds the true value, and the margin keeps a step of 1/L at most 1/L_true.
double SparseCodingLipschitz(const at::Tensor& dictionary, int64_t max_iterations = 500);

// Divides every column of `dictionary` (d x K) by its L2 norm (columns of norm
// 0 are left at 0), in place; returns it.
at::Tensor& NormalizeColumns(at::Tensor& dictionary);

// Dictionary learning (Olshausen & Field 1996, Nature 381:607; the minibatch
// scheme of lpjiang97/sparse-coding): code a batch with the current D, then
//   D <- D + learning_rate * (1/N) sum_n (x_n - D z_n) z_n^T
// (a gradient step on the mean 1/2 ||x - D z||^2) and renormalise every column
// to unit length. With target_activity > 0, lambda follows the code's share of
// non-zero coefficients after every step:
//   lambda <- lambda * exp(lambda_adaptation * (active - target) / target),
// which holds the mean activity at the target (for comparing models at equal
// activity).
struct SparseDictionaryOptions {
  SparseDictionaryOptions(int64_t input_size, int64_t atoms)
      : input_size_(input_size), atoms_(atoms) {}
  TORCH_ARG(int64_t, input_size);
  TORCH_ARG(int64_t, atoms);
  TORCH_ARG(double, learning_rate) = 1.0;
  TORCH_ARG(SparseCodingOptions, coding);
  TORCH_ARG(double, target_activity) = 0.0;
  TORCH_ARG(double, lambda_adaptation) = 0.05;
};

struct DictionaryStepStats {
  double objective = 0.0;       // mean objective of the batch's codes before the update
  double active_fraction = 0.0; // share of non-zero coefficients
  double lambda = 0.0;          // lambda used for this batch
  int64_t iterations = 0;       // solver iterations
};

class SparseDictionaryImpl : public torch::nn::Cloneable<SparseDictionaryImpl> {
 public:
  explicit SparseDictionaryImpl(SparseDictionaryOptions options);

  // Random Gaussian atoms, normalised; lambda from the coding options.
  void reset() override;
  void pretty_print(std::ostream& stream) const override;

  // Codes `x` (N x input_size) with the current dictionary and lambda.
  SparseCodeResult Encode(const at::Tensor& x) const;
  // One learning step on the batch `x`. Under data parallelism (hooks of
  // lib/nn/data_parallel_hooks.h in force) `x` is this process's shard of the
  // global batch and the step is the global batch's.
  DictionaryStepStats Step(const at::Tensor& x);
  double lambda() const { return lambda_.item<double>(); }

  SparseDictionaryOptions options;
  at::Tensor dictionary;  // buffer (input_size, atoms), unit columns
  at::Tensor lambda_;     // buffer, scalar (adapted with target_activity)
};
TORCH_MODULE(SparseDictionary);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_SPARSE_CODING_H_
