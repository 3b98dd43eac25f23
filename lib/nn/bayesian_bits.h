// Bayesian Bits (van Baalen, Louizos, Nagel, Amjad, Wang, Blankevoort &
// Welling 2020, "Bayesian Bits: Unifying Quantization and Pruning",
// arXiv:2005.07093): a tensor is quantized by a chain of residual quantizers
// on nested grids of 2, 4, 8, 16 and 32 bits, each residual switched on or off
// by a hard-concrete gate (Louizos, Welling & Kingma 2018, "Learning Sparse
// Neural Networks through L0 Regularization", arXiv:1712.01312), and a 2-bit
// gate in front of the chain prunes the tensor (or each output channel) to 0
// bits:
//
//   x_q = z_2 (x_2 + z_4 (eps_4 + z_8 (eps_8 + z_16 (eps_16 + z_32 eps_32))))
//
// with x_2 = s_2 round(x / s_2) and eps_b = s_b round((x - x_{b/2}) / s_b) the
// quantized residual of the b/2-bit value x_{b/2} = x_2 + eps_4 + ... +
// eps_{b/2} (paper sec. 2.1, the decomposition and its gated form). The step
// sizes are s_2 = range / (2^2 - 1) and s_b = s_{b/2} / (2^{b/2} + 1)
// (= range / (2^b - 1), the paper's recursion for the nested grids). The gates
// are learned with the expected BOP-weighted L0 penalty of sec. 2.2-2.3:
//
//   R = sum_k lambda_{b_k} prod_{j <= k} P(z_{b_j} != 0),
//
// lambda_b = (MACs of the layers the tensor feeds / largest layer MACs) * b
// (the reference code's "bop" regulariser), and the training loss is
// task loss + mu * sum over quantizers of R. At test time a gate is on when
// its probability of being zero is below 0.34 (the reference code's rule) and
// a network's cost is reported as relative BOPs (paper sec. 4):
// sum over layers of MACs * b_w * b_a * (kept fraction) / sum of MACs * 32 * 32.
//
// Parametrisation as the reference code (Qualcomm-AI-research/BayesianBits,
// learned_scale = range, clip_input = range): the learned parameter is the
// clipping maximum x_max; signed tensors (weights) are clipped to
// [-x_max, x_max] (range 2 x_max, grid symmetric around 0), unsigned ones
// (post-ReLU activations) to [0, x_max] (range x_max); the upper end is
// x_max (1 - 1e-7) so that it never rounds up to an extra level. Rounding
// passes gradients straight through (identity); the clipping passes the
// gradient to x inside the range and to x_max outside it.
#ifndef SPARSELAB_LIB_NN_BAYESIAN_BITS_H_
#define SPARSELAB_LIB_NN_BAYESIAN_BITS_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <vector>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

namespace sparselab {

// The hard-concrete distribution of a gate (Louizos et al. 2018, sec. 4,
// eqs. 10-12: a binary concrete of temperature beta stretched to
// (gamma, zeta) and clamped to [0, 1]).
struct HardConcreteOptions {
  // Temperature, > 0.
  TORCH_ARG(double, beta) = 2.0 / 3.0;
  // Stretch interval (gamma, zeta), gamma < 0 and zeta > 1.
  TORCH_ARG(double, gamma) = -0.1;
  TORCH_ARG(double, zeta) = 1.1;
  // Test time: a gate is on when P(z = 0) < threshold, in (0, 1) (the
  // reference code's 0.34, i.e. P(z != 0) > 0.66).
  TORCH_ARG(double, threshold) = 0.34;
};

// One gate sample per element of log_alpha (uniform u from the default
// generator: seed with torch::manual_seed):
//   z = clamp(sigmoid((log u - log(1 - u) + log_alpha) / beta) (zeta - gamma) + gamma, 0, 1),
// differentiable in log_alpha.
at::Tensor HardConcreteSample(const at::Tensor& log_alpha, const HardConcreteOptions& options = {});

// P(z != 0) = sigmoid(log_alpha - beta log(-gamma / zeta)) (Louizos et al.
// 2018, eq. 12), differentiable in log_alpha.
at::Tensor HardConcreteProbNonZero(const at::Tensor& log_alpha,
                                   const HardConcreteOptions& options = {});

// P(z = 1) = sigmoid(log_alpha - beta log((1 - gamma) / (zeta - 1))).
at::Tensor HardConcreteProbOne(const at::Tensor& log_alpha, const HardConcreteOptions& options = {});

// The deterministic test-time gate: 1 where 1 - P(z != 0) < threshold, else
// 0 (log_alpha's dtype, no gradient).
at::Tensor HardConcreteTestGate(const at::Tensor& log_alpha, const HardConcreteOptions& options = {});

struct BayesianBitsQuantizerOptions {
  /* implicit */ BayesianBitsQuantizerOptions(double x_max = 1.0) : x_max_(x_max) {}
  // Initial clipping maximum, finite and > 0 (init_range() sets it from data).
  TORCH_ARG(double, x_max);
  // true: clip to [-x_max, x_max] (weights); false: to [0, x_max]
  // (post-ReLU activations).
  TORCH_ARG(bool, is_signed) = true;
  // The bit widths of the chain: a doubling chain starting at 2, i.e. a
  // prefix of {2, 4, 8, 16, 32} ({2, 4, 8} caps the tensor at 8 bits).
  TORCH_ARG(std::vector<int64_t>, bit_widths) = std::vector<int64_t>({2, 4, 8, 16, 32});
  // Initial log_alpha of the gates z_4, z_8, ... (one per bit width after 2).
  // The reference's LeNet-5/MNIST run: 6, 6, -6, -6.
  TORCH_ARG(std::vector<double>, log_alpha_init) = std::vector<double>({6.0, 6.0, 6.0, 6.0});
  // The 2-bit (pruning) gate z_2: 0 = none (z_2 = 1); 1 = one gate for the
  // whole tensor; C > 1 = one gate per slice of dimension 0 (per output
  // channel of a weight, the reference's structured pruning; the input must
  // then have size C in dimension 0).
  TORCH_ARG(int64_t, prune_gates) = 0;
  // Initial log_alpha of the pruning gates (the reference: 6).
  TORCH_ARG(double, prune_log_alpha_init) = 6.0;
  // The reference code's rule: a gate z_b with log_alpha <= chain_cutoff is
  // off (together with every gate above it) in training too, and is not
  // sampled, so only the penalty moves its log_alpha. -infinity disables it.
  TORCH_ARG(double, chain_cutoff) = -2.0;
  TORCH_ARG(HardConcreteOptions, gate) = {};
};

class BayesianBitsQuantizerImpl : public torch::nn::Cloneable<BayesianBitsQuantizerImpl> {
 public:
  explicit BayesianBitsQuantizerImpl(BayesianBitsQuantizerOptions options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;

  // The gated residual quantization of x. Training: sampled gates; eval: the
  // test-time gates. Gradients: straight through the rounding, to x inside
  // the clipping range, to x_max, and to the gates' log_alpha (training).
  at::Tensor forward(const at::Tensor& x);

  // Sets x_max to max(x) (the reference's initialisation from the first
  // tensor seen: the weight itself, or a first batch of activations); max(x)
  // must be > 0.
  void init_range(const at::Tensor& x);

  // s_2, s_4, ... for bit_widths (differentiable in x_max).
  std::vector<at::Tensor> step_sizes() const;
  // P(z_b != 0) of the gates z_4, z_8, ... (scalars, differentiable).
  std::vector<at::Tensor> gate_probabilities() const;
  // P(z_2 != 0) of the pruning gates ({prune_gates}); undefined without them.
  at::Tensor prune_probabilities() const;

  // Test time: the largest b of bit_widths whose gates z_4 .. z_b are all on
  // (2 if z_4 is off); the pruning gates do not enter.
  int64_t bit_width() const;
  // Test time: the fraction of pruning gates that are on (1 without them).
  double keep_fraction() const;
  // bit_width(), or 0 when every pruning gate is off.
  int64_t effective_bit_width() const;

  BayesianBitsQuantizerOptions options;
  at::Tensor x_max;                   // parameter, scalar
  std::vector<at::Tensor> log_alpha;  // parameters "log_alpha_4", "log_alpha_8", ...
  at::Tensor prune_log_alpha;         // parameter {prune_gates}; undefined without pruning gates
};
TORCH_MODULE(BayesianBitsQuantizer);

// The BOP-weighted regulariser of one quantizer (paper sec. 2.3; the
// reference's "bop" regulariser), averaged over its pruning gates c:
//   R = mean_c [ lambda_2 P(z_2c != 0) + P(z_2c != 0) sum_{k >= 1} lambda_{b_k} prod_{1 <= j <= k} P(z_{b_j} != 0) ]
// with lambda_b = macs_fraction * b. Without pruning gates P(z_2c != 0) = 1
// and the lambda_2 term, a constant, is left out (the reference adds a
// constant 1 there; gradients are the same). macs_fraction >= 0 is the MACs
// of the layers the tensor feeds over the largest layer's MACs.
at::Tensor BayesianBitsRegulariser(const BayesianBitsQuantizerImpl& quantizer, double macs_fraction);

// One layer for the penalty and the BOP count.
struct BopLayer {
  int64_t macs = 0;  // multiply-accumulates of one forward pass of one sample, > 0
  // The layer's weight quantizer (required).
  std::shared_ptr<BayesianBitsQuantizerImpl> weight;
  // The quantizer of the layer's input activations; null: the input is not
  // quantized by Bayesian Bits and counts as input_bits (the reference: 8 for
  // the network input).
  std::shared_ptr<BayesianBitsQuantizerImpl> input;
  int64_t input_bits = 8;
  // The weight quantizer of the layer producing this layer's input, whose
  // pruning gates remove input channels (its keep fraction multiplies this
  // layer's BOPs, as the reference does for LeNet-5/VGG); null: none.
  std::shared_ptr<BayesianBitsQuantizerImpl> input_pruning;
};

// mu * sum over the distinct quantizers q of the layers (weight and input) of
// BayesianBitsRegulariser(q, MACs(q) / max layer MACs), MACs(q) the sum of
// the MACs of the layers q serves (an activation quantizer feeding two layers
// gets both), as the reference's assign_macs. mu >= 0 (the reference's
// LeNet-5/MNIST run: 0.1).
at::Tensor BayesianBitsPenalty(const std::vector<BopLayer>& layers, double mu);

struct BopCount {
  double bops = 0;           // sum of MACs * b_w * b_a * kept fraction
  double baseline_bops = 0;  // sum of MACs * 32 * 32
  double relative = 0;       // bops / baseline_bops (the paper reports it in %)
};

// The test-time BOP count (paper sec. 4): per layer MACs * b_w * b_a * kept
// fraction, b_w = weight->bit_width(), b_a = input->bit_width() (or
// input_bits), kept fraction = weight->keep_fraction() *
// input_pruning->keep_fraction(); relative to 32-bit weights and activations.
BopCount CountBops(const std::vector<BopLayer>& layers);

// MACs of one sample: Linear in -> out: in * out; Conv2d:
// out_h * out_w * out_channels * (in_channels / groups) * kh * kw.
int64_t LinearMacs(int64_t in_features, int64_t out_features);
int64_t Conv2dMacs(int64_t in_channels, int64_t out_channels, int64_t kernel_h, int64_t kernel_w,
                   int64_t out_h, int64_t out_w, int64_t groups = 1);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_BAYESIAN_BITS_H_
