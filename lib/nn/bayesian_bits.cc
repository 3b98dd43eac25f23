#include "lib/nn/bayesian_bits.h"

#include <algorithm>
#include <cmath>
#include <ios>
#include <map>
#include <sstream>
#include <string>
#include <utility>

#include <c10/util/Exception.h>
#include <torch/nn/module.h>
#include <torch/types.h>

namespace sparselab {
namespace {

constexpr const char* kName = "BayesianBitsQuantizer";

// The upper clipping end is x_max (1 - kClipShrink): x_max / s_b is then just
// below a half-integer step and never rounds up to an extra level.
constexpr double kClipShrink = 1e-7;

void CheckGate(const HardConcreteOptions& o, const char* who) {
  TORCH_CHECK(o.beta() > 0 && std::isfinite(o.beta()), who, ": gate.beta must be finite and > 0, got ",
              o.beta());
  TORCH_CHECK(o.gamma() < 0 && std::isfinite(o.gamma()), who,
              ": gate.gamma (lower end of the stretch) must be finite and < 0, got ", o.gamma());
  TORCH_CHECK(o.zeta() > 1 && std::isfinite(o.zeta()), who,
              ": gate.zeta (upper end of the stretch) must be finite and > 1, got ", o.zeta());
  TORCH_CHECK(o.threshold() > 0 && o.threshold() < 1, who, ": gate.threshold must be in (0, 1), got ",
              o.threshold());
}

std::string Join(const std::vector<int64_t>& v) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < v.size(); ++i) out << (i ? ", " : "") << v[i];
  out << "]";
  return out.str();
}

// Rounding with the straight-through estimator: the value round(v) (half to
// even, as torch.round), the gradient identity.
at::Tensor RoundSte(const at::Tensor& v) { return v + (at::round(v) - v).detach(); }

}  // namespace

at::Tensor HardConcreteSample(const at::Tensor& log_alpha, const HardConcreteOptions& o) {
  CheckGate(o, "HardConcreteSample");
  // u in [0, 1): u = 0 gives logistic noise -inf, i.e. z = 0 with zero gradient.
  const at::Tensor u = at::rand_like(log_alpha.detach());
  const at::Tensor s = at::sigmoid((at::log(u) - at::log1p(-u) + log_alpha) / o.beta());
  return at::clamp(s * (o.zeta() - o.gamma()) + o.gamma(), 0.0, 1.0);
}

at::Tensor HardConcreteProbNonZero(const at::Tensor& log_alpha, const HardConcreteOptions& o) {
  CheckGate(o, "HardConcreteProbNonZero");
  return at::sigmoid(log_alpha - o.beta() * std::log(-o.gamma() / o.zeta()));
}

at::Tensor HardConcreteProbOne(const at::Tensor& log_alpha, const HardConcreteOptions& o) {
  CheckGate(o, "HardConcreteProbOne");
  return at::sigmoid(log_alpha - o.beta() * std::log((1 - o.gamma()) / (o.zeta() - 1)));
}

at::Tensor HardConcreteTestGate(const at::Tensor& log_alpha, const HardConcreteOptions& o) {
  const at::Tensor p_zero = 1 - HardConcreteProbNonZero(log_alpha.detach(), o);
  return p_zero.lt(o.threshold()).to(log_alpha.scalar_type());
}

BayesianBitsQuantizerImpl::BayesianBitsQuantizerImpl(BayesianBitsQuantizerOptions options)
    : options(std::move(options)) {
  reset();
}

void BayesianBitsQuantizerImpl::reset() {
  const auto& o = options;
  TORCH_CHECK(std::isfinite(o.x_max()) && o.x_max() > 0, kName,
              ": x_max (the clipping range) must be finite and > 0, got ", o.x_max());
  const auto& bits = o.bit_widths();
  bool chain = !bits.empty() && bits.front() == 2 && bits.back() <= 32;
  for (size_t i = 1; chain && i < bits.size(); ++i) chain = bits[i] == 2 * bits[i - 1];
  TORCH_CHECK(chain, kName,
              ": bit_widths must be a doubling chain from 2, a prefix of [2, 4, 8, 16, 32] "
              "(e.g. [2, 4, 8]), got ",
              Join(bits));
  TORCH_CHECK(o.log_alpha_init().size() + 1 == bits.size(), kName, ": log_alpha_init needs one value per ",
              "bit width after 2, i.e. ", bits.size() - 1, " for bit_widths ", Join(bits), ", got ",
              o.log_alpha_init().size());
  for (double v : o.log_alpha_init()) {
    TORCH_CHECK(std::isfinite(v), kName, ": log_alpha_init values must be finite, got ", v);
  }
  TORCH_CHECK(o.prune_gates() >= 0, kName,
              ": prune_gates must be 0 (none), 1 (one gate) or the size of dimension 0, got ",
              o.prune_gates());
  TORCH_CHECK(std::isfinite(o.prune_log_alpha_init()), kName, ": prune_log_alpha_init must be finite, got ",
              o.prune_log_alpha_init());
  TORCH_CHECK(!std::isnan(o.chain_cutoff()), kName, ": chain_cutoff must not be NaN");
  CheckGate(o.gate(), kName);

  x_max = register_parameter("x_max", at::full({}, o.x_max()));
  log_alpha.clear();
  for (size_t k = 1; k < bits.size(); ++k) {
    log_alpha.push_back(register_parameter("log_alpha_" + std::to_string(bits[k]),
                                           at::full({}, o.log_alpha_init()[k - 1])));
  }
  prune_log_alpha = at::Tensor();
  if (o.prune_gates() > 0) {
    prune_log_alpha =
        register_parameter("prune_log_alpha", at::full({o.prune_gates()}, o.prune_log_alpha_init()));
  }
}

void BayesianBitsQuantizerImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "sparselab::BayesianBitsQuantizer(signed=" << options.is_signed()
         << ", x_max=" << x_max.item<double>() << ", bit_widths=" << Join(options.bit_widths())
         << ", prune_gates=" << options.prune_gates() << ")";
}

void BayesianBitsQuantizerImpl::init_range(const at::Tensor& x) {
  TORCH_CHECK(x.defined() && x.numel() > 0, kName, ": init_range needs a non-empty tensor");
  const double m = x.detach().max().item<double>();
  TORCH_CHECK(std::isfinite(m) && m > 0, kName, ": init_range sets x_max = max(x), which must be finite ",
              "and > 0, got ", m, "; set options.x_max instead");
  at::NoGradGuard no_grad;
  x_max.fill_(m);
}

std::vector<at::Tensor> BayesianBitsQuantizerImpl::step_sizes() const {
  // Paper sec. 2.1: s_2 = range / (2^2 - 1), s_b = s_{b/2} / (2^{b/2} + 1).
  const at::Tensor range = options.is_signed() ? 2 * x_max : x_max;
  std::vector<at::Tensor> s = {range / 3.0};
  const auto& bits = options.bit_widths();
  for (size_t k = 1; k < bits.size(); ++k) {
    s.push_back(s.back() / (std::ldexp(1.0, static_cast<int>(bits[k - 1])) + 1.0));
  }
  return s;
}

std::vector<at::Tensor> BayesianBitsQuantizerImpl::gate_probabilities() const {
  std::vector<at::Tensor> p;
  for (const auto& la : log_alpha) p.push_back(HardConcreteProbNonZero(la, options.gate()));
  return p;
}

at::Tensor BayesianBitsQuantizerImpl::prune_probabilities() const {
  if (!prune_log_alpha.defined()) return at::Tensor();
  return HardConcreteProbNonZero(prune_log_alpha, options.gate());
}

int64_t BayesianBitsQuantizerImpl::bit_width() const {
  const auto& bits = options.bit_widths();
  int64_t b = bits.front();
  for (size_t k = 0; k < log_alpha.size(); ++k) {
    if (log_alpha[k].item<double>() <= options.chain_cutoff()) break;
    if (HardConcreteTestGate(log_alpha[k], options.gate()).item<double>() == 0) break;
    b = bits[k + 1];
  }
  return b;
}

double BayesianBitsQuantizerImpl::keep_fraction() const {
  if (!prune_log_alpha.defined()) return 1.0;
  return HardConcreteTestGate(prune_log_alpha, options.gate()).to(at::kDouble).mean().item<double>();
}

int64_t BayesianBitsQuantizerImpl::effective_bit_width() const {
  return keep_fraction() == 0 ? 0 : bit_width();
}

at::Tensor BayesianBitsQuantizerImpl::forward(const at::Tensor& x) {
  const int64_t c = options.prune_gates();
  TORCH_CHECK(c <= 1 || (x.dim() >= 1 && x.size(0) == c), kName, ": prune_gates = ", c,
              " needs an input of size ", c, " in dimension 0, got shape ", x.sizes());
  TORCH_CHECK(x_max.item<double>() > 0, kName, ": x_max became ", x_max.item<double>(),
              " (must stay > 0); lower the range's learning rate or re-initialise it with init_range()");

  // Clipping to [lo, hi] (the reference's clip_input = range): the gradient
  // goes to x inside and to the end it is clipped to outside.
  const at::Tensor hi = (x_max * (1 - kClipShrink)).to(x.scalar_type());
  const at::Tensor lo = options.is_signed() ? -hi : at::zeros_like(hi);
  const at::Tensor xc = at::where(x > hi, hi, at::where(x < lo, lo, x));

  // The gates z_4, z_8, ...: sampled in training, deterministic at test time;
  // the chain stops at the first gate that is off (at or below chain_cutoff,
  // or a sample of exactly 0, whose higher terms are multiplied by 0 and get
  // no gradient either).
  const bool training = is_training();
  std::vector<at::Tensor> z;
  for (const auto& la : log_alpha) {
    if (la.item<double>() <= options.chain_cutoff()) break;
    at::Tensor g = training ? HardConcreteSample(la, options.gate()) : HardConcreteTestGate(la, options.gate());
    if (g.item<double>() == 0) break;
    z.push_back(g);
  }

  // x_2 and the residuals eps_b = s_b round((x - x_{b/2}) / s_b) of the
  // switched-on part of the chain (paper sec. 2.1).
  const std::vector<at::Tensor> s = step_sizes();
  std::vector<at::Tensor> terms = {s[0] * RoundSte(xc / s[0])};
  at::Tensor partial = terms[0];
  for (size_t k = 0; k < z.size(); ++k) {
    const at::Tensor eps = s[k + 1] * RoundSte((xc - partial) / s[k + 1]);
    terms.push_back(eps);
    partial = partial + eps;
  }
  // x_q = x_2 + z_4 (eps_4 + z_8 (eps_8 + ...)), evaluated from the inside out.
  at::Tensor inner;
  for (size_t k = z.size(); k >= 1; --k) {
    inner = z[k - 1] * (inner.defined() ? terms[k] + inner : terms[k]);
  }
  at::Tensor xq = inner.defined() ? terms[0] + inner : terms[0];

  if (c > 0) {
    at::Tensor z2 = training ? HardConcreteSample(prune_log_alpha, options.gate())
                             : HardConcreteTestGate(prune_log_alpha, options.gate());
    if (c == 1) {
      z2 = z2.reshape({});
    } else {
      std::vector<int64_t> shape(x.dim(), 1);
      shape[0] = c;
      z2 = z2.view(shape);
    }
    xq = z2 * xq;
  }
  return xq;
}

at::Tensor BayesianBitsRegulariser(const BayesianBitsQuantizerImpl& q, double macs_fraction) {
  TORCH_CHECK(std::isfinite(macs_fraction) && macs_fraction >= 0,
              "BayesianBitsRegulariser: macs_fraction must be finite and >= 0, got ", macs_fraction);
  const auto& bits = q.options.bit_widths();
  const std::vector<at::Tensor> p = q.gate_probabilities();
  // sum_{k >= 1} lambda_{b_k} prod_{1 <= j <= k} P(z_{b_j} != 0).
  at::Tensor chain = at::zeros({}, q.x_max.options());
  at::Tensor prod = at::ones({}, q.x_max.options());
  for (size_t k = 0; k < p.size(); ++k) {
    prod = prod * p[k];
    chain = chain + (macs_fraction * static_cast<double>(bits[k + 1])) * prod;
  }
  const at::Tensor p2 = q.prune_probabilities();
  if (!p2.defined()) return chain;
  // Per pruning gate c: lambda_2 P(z_2c) + P(z_2c) chain, averaged over c.
  return (p2 * (macs_fraction * static_cast<double>(bits[0]) + chain)).mean();
}

namespace {

void CheckLayers(const std::vector<BopLayer>& layers, const char* who) {
  TORCH_CHECK(!layers.empty(), who, ": needs at least one layer");
  for (size_t i = 0; i < layers.size(); ++i) {
    TORCH_CHECK(layers[i].macs > 0, who, ": layer ", i, " has macs = ", layers[i].macs, "; must be > 0");
    TORCH_CHECK(layers[i].weight != nullptr, who, ": layer ", i, " has no weight quantizer");
    TORCH_CHECK(layers[i].input != nullptr || layers[i].input_bits > 0, who, ": layer ", i,
                " has no input quantizer and input_bits = ", layers[i].input_bits, "; must be > 0");
  }
}

}  // namespace

at::Tensor BayesianBitsPenalty(const std::vector<BopLayer>& layers, double mu) {
  CheckLayers(layers, "BayesianBitsPenalty");
  TORCH_CHECK(std::isfinite(mu) && mu >= 0, "BayesianBitsPenalty: mu must be finite and >= 0, got ", mu);
  int64_t max_macs = 0;
  for (const auto& l : layers) max_macs = std::max(max_macs, l.macs);
  // MACs served by each distinct quantizer, in first-seen order.
  std::vector<const BayesianBitsQuantizerImpl*> order;
  std::map<const BayesianBitsQuantizerImpl*, int64_t> macs;
  auto add = [&](const BayesianBitsQuantizerImpl* q, int64_t m) {
    if (q == nullptr) return;
    if (macs.find(q) == macs.end()) order.push_back(q);
    macs[q] += m;
  };
  for (const auto& l : layers) {
    add(l.weight.get(), l.macs);
    add(l.input.get(), l.macs);
  }
  at::Tensor total;
  for (const auto* q : order) {
    const at::Tensor r = BayesianBitsRegulariser(*q, static_cast<double>(macs[q]) / max_macs);
    total = total.defined() ? total + r : r;
  }
  return mu * total;
}

BopCount CountBops(const std::vector<BopLayer>& layers) {
  CheckLayers(layers, "CountBops");
  BopCount count;
  for (const auto& l : layers) {
    const double bw = static_cast<double>(l.weight->bit_width());
    const double ba = static_cast<double>(l.input ? l.input->bit_width() : l.input_bits);
    double kept = l.weight->keep_fraction();
    if (l.input_pruning) kept *= l.input_pruning->keep_fraction();
    count.bops += static_cast<double>(l.macs) * bw * ba * kept;
    count.baseline_bops += static_cast<double>(l.macs) * 32.0 * 32.0;
  }
  count.relative = count.bops / count.baseline_bops;
  return count;
}

int64_t LinearMacs(int64_t in_features, int64_t out_features) {
  TORCH_CHECK(in_features > 0 && out_features > 0, "LinearMacs: in_features and out_features must be > 0, got ",
              in_features, " and ", out_features);
  return in_features * out_features;
}

int64_t Conv2dMacs(int64_t in_channels, int64_t out_channels, int64_t kernel_h, int64_t kernel_w,
                   int64_t out_h, int64_t out_w, int64_t groups) {
  TORCH_CHECK(in_channels > 0 && out_channels > 0 && kernel_h > 0 && kernel_w > 0 && out_h > 0 && out_w > 0,
              "Conv2dMacs: channels, kernel and output sizes must be > 0");
  TORCH_CHECK(groups > 0 && in_channels % groups == 0 && out_channels % groups == 0,
              "Conv2dMacs: groups = ", groups, " must divide in_channels = ", in_channels,
              " and out_channels = ", out_channels);
  return out_h * out_w * out_channels * (in_channels / groups) * kernel_h * kernel_w;
}

}  // namespace sparselab
