#include "lib/nn/foldiak.h"

#include <cmath>
#include <iostream>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

namespace sparselab {
namespace {

at::Tensor InitialWeights(WeightInit init, int64_t rows, int64_t cols, double scale,
                          bool normalise_rows) {
  at::Tensor m;
  switch (init) {
    case WeightInit::kZero: m = at::zeros({rows, cols}); break;
    case WeightInit::kUniform: m = at::rand({rows, cols}) * (normalise_rows ? 1.0 : scale); break;
    case WeightInit::kGaussian: m = at::randn({rows, cols}); break;
    case WeightInit::kUniformNegative: m = -at::rand({rows, cols}) * scale; break;
  }
  if (normalise_rows && init != WeightInit::kZero) {
    m /= m.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
  }
  return m;
}

}  // namespace

FoldiakOptions SailnetOptions(int64_t inputs, int64_t units) {
  return FoldiakOptions(inputs, units)
      .settling(FoldiakSettling::kLeakyIntegrateFire)
      .feedforward_rule(FeedforwardRule::kOja)
      .alpha(1.0)
      .beta(0.01)
      .gamma(0.1)
      .p(0.05)
      .threshold_init(2.0)
      .feedforward_init(WeightInit::kGaussian)
      .lateral_init(WeightInit::kZero)
      .lif_steps(50)
      .lif_eta(0.1)
      .binarize(false);
}

FoldiakImpl::FoldiakImpl(FoldiakOptions options) : options(std::move(options)) { reset(); }

void FoldiakImpl::reset() {
  const auto& o = options;
  TORCH_CHECK(o.inputs() > 0 && o.units() > 0, "Foldiak: inputs and units must be positive, got ",
              o.inputs(), " and ", o.units());
  // p is a probability, or for LIF units a mean spike count (> 0).
  TORCH_CHECK(o.p() > 0 && (o.p() < 1 || o.settling() == FoldiakSettling::kLeakyIntegrateFire),
              "Foldiak: the target rate p must be in (0, 1), got ", o.p());
  TORCH_CHECK(o.alpha() >= 0 && o.beta() >= 0 && o.gamma() >= 0,
              "Foldiak: the learning rates alpha, beta, gamma must be >= 0");
  TORCH_CHECK(o.lambda() > 0, "Foldiak: lambda (the slope of f) must be > 0, got ", o.lambda());
  TORCH_CHECK(o.dt() > 0 && o.dt() <= 1, "Foldiak: dt must be in (0, 1], got ", o.dt());
  TORCH_CHECK(o.tol() > 0, "Foldiak: tol must be > 0, got ", o.tol());
  TORCH_CHECK(o.max_steps() >= 1 && o.lif_steps() >= 1, "Foldiak: step counts must be >= 1");
  TORCH_CHECK(o.lif_eta() > 0 && o.lif_eta() <= 1, "Foldiak: lif_eta must be in (0, 1]");
  TORCH_CHECK(o.lateral_init() != WeightInit::kGaussian,
              "Foldiak: lateral_init may be zero, uniform (>= 0) or uniform_negative");
  TORCH_CHECK(o.feedforward_init() != WeightInit::kUniformNegative,
              "Foldiak: feedforward_init may be zero, uniform or gaussian");
  q = register_buffer("q", InitialWeights(o.feedforward_init(), o.units(), o.inputs(), 1.0, true));
  at::Tensor lateral =
      InitialWeights(o.lateral_init(), o.units(), o.units(), o.lateral_init_scale(), false);
  lateral = (lateral + lateral.t()) / 2;  // symmetric, as the updates keep it
  lateral.fill_diagonal_(0);
  w = register_buffer("w", lateral);
  threshold = register_buffer("threshold", at::full({o.units()}, o.threshold_init()));
}

void FoldiakImpl::pretty_print(std::ostream& stream) const {
  const auto& o = options;
  stream << "sparselab::Foldiak(inputs=" << o.inputs() << ", units=" << o.units()
         << ", alpha=" << o.alpha() << ", beta=" << o.beta() << ", gamma=" << o.gamma()
         << ", lambda=" << o.lambda() << ", p=" << o.p() << ", settling="
         << (o.settling() == FoldiakSettling::kSigmoidOde ? "ode"
             : o.settling() == FoldiakSettling::kOnePass  ? "one_pass"
                                                          : "lif")
         << ")";
}

at::Tensor FoldiakImpl::Activation(const at::Tensor& drive) const {
  return at::sigmoid(drive * options.lambda());
}

SettleResult FoldiakImpl::Settle(const at::Tensor& x_in) {
  at::NoGradGuard no_grad;
  const auto& o = options;
  TORCH_CHECK(x_in.dim() == 2 && x_in.size(1) == o.inputs(), "Foldiak: x must be N x ",
              o.inputs(), ", got ", x_in.sizes());
  const at::Tensor x = x_in.to(q.scalar_type());
  const int64_t n = x.size(0);
  // Feed-forward drive minus thresholds, fixed while settling.
  const at::Tensor drive = x.mm(q.t()) - threshold;
  SettleResult r;
  switch (o.settling()) {
    case FoldiakSettling::kSigmoidOde: {
      at::Tensor y = at::zeros({n, o.units()}, x.options());
      r.converged = false;
      // Explicit Euler is unstable once lambda |w| dt is large (strong
      // inhibition between units that compete): when a step overshoots (the
      // new dy*/dt points against the last one) the step is halved, and it
      // grows back by 5 % per step up to dt.
      double dt = o.dt();
      at::Tensor dy_prev;
      for (int64_t step = 1; step <= o.max_steps(); ++step) {
        const at::Tensor dy = Activation(at::addmm(drive, y, w.t())) - y;
        r.residual = dy.abs().max().item<double>();
        r.steps = step;
        if (r.residual < o.tol()) {
          r.converged = true;
          break;
        }
        if (dy_prev.defined() && (dy * dy_prev).sum().item<double>() < 0) {
          dt = std::max(dt / 2, o.dt() / 1024);
        } else {
          dt = std::min(dt * 1.05, o.dt());
        }
        y.add_(dy, dt);
        dy_prev = dy;
      }
      if (!r.converged) {
        r.residual = (Activation(at::addmm(drive, y, w.t())) - y).abs().max().item<double>();
        if (r.residual < o.tol()) r.converged = true;
      }
      if (!r.converged) {
        if (unconverged_ == 0) {
          std::cerr << "warning: Foldiak settling stopped at max_steps = " << o.max_steps()
                    << " with max |dy*/dt| = " << r.residual << " > tol = " << o.tol()
                    << " (later cases are counted, not printed)\n";
        }
        ++unconverged_;
      }
      r.y_star = y;
      break;
    }
    case FoldiakSettling::kOnePass: {
      const at::Tensor u = x.mm(q.t());
      r.y_star = Activation(drive + u.mm(w.t()));
      r.steps = 1;
      break;
    }
    case FoldiakSettling::kLeakyIntegrateFire: {
      const at::Tensor b = x.mm(q.t());
      at::Tensor u = at::zeros({n, o.units()}, x.options());
      at::Tensor spikes = at::zeros_like(u);
      at::Tensor counts = at::zeros_like(u);
      for (int64_t step = 0; step < o.lif_steps(); ++step) {
        // u <- (1 - eta) u + eta (Qx + W s): W <= 0 inhibits.
        u.mul_(1 - o.lif_eta()).add_(at::addmm(b, spikes, w.t()), o.lif_eta());
        spikes = (u >= threshold).to(u.scalar_type());
        counts.add_(spikes);
        u.masked_fill_(spikes.to(at::kBool), 0);
      }
      r.y_star = counts;
      r.y = counts;
      r.steps = o.lif_steps();
      return r;
    }
  }
  r.y = o.binarize() ? (r.y_star > 0.5).to(r.y_star.scalar_type()) : r.y_star;
  return r;
}

void FoldiakImpl::Update(const at::Tensor& x_in, const at::Tensor& y_in,
                         const LearningRates& rates) {
  at::NoGradGuard no_grad;
  const auto& o = options;
  const at::Tensor x = x_in.to(q.scalar_type());
  const at::Tensor y = y_in.to(q.scalar_type());
  TORCH_CHECK(x.dim() == 2 && y.dim() == 2 && x.size(0) == y.size(0) &&
                  x.size(1) == o.inputs() && y.size(1) == o.units(),
              "Foldiak::Update: x must be N x ", o.inputs(), " and y N x ", o.units());
  const double n = static_cast<double>(x.size(0));
  const double p = o.p();
  if (rates.alpha != 0) {
    // dw_ij = -alpha (<y_i y_j> - p^2).
    w.add_(y.t().mm(y) / n - p * p, -rates.alpha);
    w.fill_diagonal_(0);
    if (o.clip_lateral()) w.clamp_max_(0);
  }
  if (rates.beta != 0) {
    // Földiák: dq_ij = beta <y_i (x_j - q_ij)>; Oja: beta <y_i x_j - y_i^2 q_ij>.
    const at::Tensor decay = o.feedforward_rule() == FeedforwardRule::kFoldiak
                                 ? y.mean(0)
                                 : (y * y).mean(0);
    q.add_(y.t().mm(x) / n - decay.unsqueeze(1) * q, rates.beta);
  }
  if (rates.gamma != 0) threshold.add_(y.mean(0) - p, rates.gamma);
}

SettleResult FoldiakImpl::Learn(const at::Tensor& x) {
  SettleResult r = Settle(x);
  Update(x, r.y, rates());
  return r;
}

SettleResult FoldiakImpl::WarmUp(const at::Tensor& x, double gamma) {
  SettleResult r = Settle(x);
  Update(x, r.y, {0.0, 0.0, gamma});
  return r;
}

}  // namespace sparselab
