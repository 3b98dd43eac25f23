// Földiák's network of local anti-Hebbian learning (Földiák 1990, "Forming
// sparse representations by local anti-Hebbian learning", Biol. Cybern.
// 64:165-170) and SAILnet's spiking variant of it (Zylberberg, Murphy &
// DeWeese 2011, PLoS Comput. Biol. 7(10):e1002250).
//
// K units see an input x (d) through feed-forward weights Q (K x d), inhibit
// each other through lateral weights W (K x K, zero diagonal, kept <= 0) and
// have adaptive thresholds t (K). Settling (Földiák eq. 1):
//   dy*/dt = f(Q x + W y* - t) - y*,   f(u) = 1 / (1 + exp(-lambda u)),
// integrated by Euler steps from y* = 0 until max |dy*/dt| < tol (a cap of
// max_steps, with a warning; the step is halved whenever it overshoots, as
// strong inhibition makes a fixed step oscillate); the output is y = [y* > 0.5]. Learning (eq. 2-4),
// averaged over a batch (a batch of one is the paper's online rule):
//   dw_ij = -alpha (y_i y_j - p^2)     (then w_ii = 0, w_ij <= 0)
//   dq_ij =  beta  y_i (x_j - q_ij)
//   dt_i  =  gamma (y_i - p)
// SAILnet settles by leaky integrate-and-fire instead (their activities.m):
//   u <- (1 - eta) u + eta (Q x + W s - 0),  s_i = [u_i >= t_i], u_i <- 0 after a spike,
// for lif_steps steps, and y is the spike count; its feed-forward rule is
// Oja's, dq_ij = beta (y_i x_j - y_i^2 q_ij), which equals Földiák's for binary y.
// The one-pass settling is the rule of a notebook that tried this network on
// image patches: no dynamics, y* = f(u + W u - t) with u = Q x.
#ifndef SPARSELAB_LIB_NN_FOLDIAK_H_
#define SPARSELAB_LIB_NN_FOLDIAK_H_

#include <cstdint>
#include <ostream>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

namespace sparselab {

enum class FoldiakSettling {
  kSigmoidOde,          // Földiák: integrate dy*/dt to its fixed point
  kOnePass,             // one feed-forward pass with one lateral term, no dynamics
  kLeakyIntegrateFire,  // SAILnet: spike counts of LIF units
};
enum class FeedforwardRule { kFoldiak, kOja };
enum class WeightInit {
  kZero,
  kUniform,           // U(0, 1) (lateral: U(0, scale) symmetrised), feed-forward rows normalised
  kGaussian,          // N(0, 1) rows normalised (feed-forward only)
  kUniformNegative,   // U(-scale, 0) (lateral only)
};

struct FoldiakOptions {
  FoldiakOptions(int64_t inputs, int64_t units) : inputs_(inputs), units_(units) {}
  TORCH_ARG(int64_t, inputs);
  TORCH_ARG(int64_t, units);
  TORCH_ARG(double, alpha) = 0.1;   // lateral (anti-Hebbian) rate
  TORCH_ARG(double, beta) = 0.02;   // feed-forward (Hebbian) rate
  TORCH_ARG(double, gamma) = 0.02;  // threshold rate
  TORCH_ARG(double, lambda) = 10.0; // slope of f
  TORCH_ARG(double, p) = 0.125;     // target firing probability
  TORCH_ARG(FoldiakSettling, settling) = FoldiakSettling::kSigmoidOde;
  TORCH_ARG(double, dt) = 0.1;          // Euler step of the ODE
  TORCH_ARG(double, tol) = 1e-5;        // max |dy*/dt| at convergence
  TORCH_ARG(int64_t, max_steps) = 2000; // ODE cap
  TORCH_ARG(int64_t, lif_steps) = 50;   // SAILnet's num_iterations
  TORCH_ARG(double, lif_eta) = 0.1;     // SAILnet's integration rate
  // y = [y* > 0.5]; false: y = y* (ignored for LIF, whose y are spike counts).
  TORCH_ARG(bool, binarize) = true;
  // After every update: w_ii = 0 and, when true, w_ij = min(w_ij, 0).
  TORCH_ARG(bool, clip_lateral) = true;
  TORCH_ARG(FeedforwardRule, feedforward_rule) = FeedforwardRule::kFoldiak;
  TORCH_ARG(WeightInit, feedforward_init) = WeightInit::kUniform;
  TORCH_ARG(WeightInit, lateral_init) = WeightInit::kZero;
  TORCH_ARG(double, lateral_init_scale) = 0.0;
  TORCH_ARG(double, threshold_init) = 0.0;
};

// SAILnet's parameters (jzlab/SAILnet init.m): LIF settling for 50 steps at
// eta = 0.1, Oja's rule, alpha = 1, beta = 0.01, gamma = 0.1, p = 0.05,
// thresholds 2, Gaussian normalised Q, W = 0. Sign convention as above (W <= 0).
FoldiakOptions SailnetOptions(int64_t inputs, int64_t units);

struct LearningRates {
  double alpha = 0.0;
  double beta = 0.0;
  double gamma = 0.0;
};

struct SettleResult {
  at::Tensor y_star;  // (N, K): the settled y* (ODE, one pass) or spike counts (LIF)
  at::Tensor y;       // (N, K): the outputs the learning rules see
  int64_t steps = 0;  // integration steps taken (ODE: for the slowest row)
  bool converged = true;
  double residual = 0.0;  // ODE: max |f(Qx + Wy* - t) - y*| at the end
};

class FoldiakImpl : public torch::nn::Cloneable<FoldiakImpl> {
 public:
  explicit FoldiakImpl(FoldiakOptions options);

  void reset() override;
  void pretty_print(std::ostream& stream) const override;

  // Settles a batch x (N x inputs). No learning.
  SettleResult Settle(const at::Tensor& x);
  // y's output only.
  at::Tensor forward(const at::Tensor& x) { return Settle(x).y; }
  // The three rules for a batch (x, y), averaged over the batch.
  void Update(const at::Tensor& x, const at::Tensor& y, const LearningRates& rates);
  // Settle, then Update with the options' rates; returns the settling.
  SettleResult Learn(const at::Tensor& x);
  // Threshold warm-up (Földiák: alpha = beta = 0, gamma = 0.1 for 100 cycles).
  SettleResult WarmUp(const at::Tensor& x, double gamma);
  LearningRates rates() const { return {options.alpha(), options.beta(), options.gamma()}; }

  // Settlings that hit max_steps since construction (each also warns once).
  int64_t unconverged_settlings() const { return unconverged_; }

  FoldiakOptions options;
  at::Tensor q;          // (units, inputs)
  at::Tensor w;          // (units, units), <= 0 off the diagonal
  at::Tensor threshold;  // (units)

 private:
  at::Tensor Activation(const at::Tensor& drive) const;
  int64_t unconverged_ = 0;
};
TORCH_MODULE(Foldiak);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_FOLDIAK_H_
