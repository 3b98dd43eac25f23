#include "lib/nn/gabor_fit.h"

#include <algorithm>
#include <cmath>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

namespace sparselab {
namespace {

constexpr int kParams = 8;
enum { kX0, kY0, kTheta, kFreq, kPhase, kLogSx, kLogSy, kAmp };
constexpr double kTwoPi = 2 * M_PI;

// Pixel coordinates of an H x W grid, flattened row-major: (x = column, y = row).
std::pair<at::Tensor, at::Tensor> Grid(int64_t h, int64_t w) {
  const at::Tensor ys = at::arange(h, at::kDouble).unsqueeze(1).expand({h, w}).reshape({1, h * w});
  const at::Tensor xs = at::arange(w, at::kDouble).unsqueeze(0).expand({h, w}).reshape({1, h * w});
  return {xs, ys};
}

at::Tensor Col(const at::Tensor& p, int i) { return p.select(1, i).unsqueeze(1); }

// Envelope times cos / sin of the carrier for given (x0, y0, theta, f, widths):
// the two linear basis functions of amplitude and phase.
std::pair<at::Tensor, at::Tensor> CarrierBases(const at::Tensor& p, int64_t h, int64_t w) {
  const auto [xs, ys] = Grid(h, w);
  const at::Tensor dx = xs - Col(p, kX0), dy = ys - Col(p, kY0);
  const at::Tensor c = at::cos(Col(p, kTheta)), s = at::sin(Col(p, kTheta));
  const at::Tensor xr = dx * c + dy * s, yr = -dx * s + dy * c;
  const at::Tensor sx = at::exp(Col(p, kLogSx)), sy = at::exp(Col(p, kLogSy));
  const at::Tensor env = at::exp(-(xr * xr / (2 * sx * sx) + yr * yr / (2 * sy * sy)));
  const at::Tensor u = kTwoPi * Col(p, kFreq) * xr;
  return {env * at::cos(u), env * at::sin(u)};
}

// Amplitude and phase by linear least squares for the other six parameters:
// target ~ a E cos(u) + b E sin(u) = A E cos(u + phi), A cos phi = a, A sin phi = -b.
void SolveAmplitudePhase(at::Tensor& p, const at::Tensor& target, int64_t h, int64_t w) {
  const auto [bc, bs] = CarrierBases(p, h, w);
  const at::Tensor g11 = (bc * bc).sum(1), g12 = (bc * bs).sum(1), g22 = (bs * bs).sum(1);
  const at::Tensor r1 = (bc * target).sum(1), r2 = (bs * target).sum(1);
  const at::Tensor det = (g11 * g22 - g12 * g12).clamp_min(1e-12);
  const at::Tensor a = (g22 * r1 - g12 * r2) / det, b = (g11 * r2 - g12 * r1) / det;
  p.select(1, kAmp).copy_(at::sqrt(a * a + b * b));
  p.select(1, kPhase).copy_(at::atan2(-b, a));
}

// theta in [0, pi), f >= 0, A >= 0, phase in (-pi, pi]: the same function.
GaborParams Canonical(const double* v) {
  GaborParams g;
  g.x0 = v[kX0];
  g.y0 = v[kY0];
  double theta = v[kTheta], f = v[kFreq], phase = v[kPhase], a = v[kAmp];
  if (f < 0) { f = -f; phase = -phase; }  // cos(-u + phi) = cos(u - phi)
  if (a < 0) { a = -a; phase += M_PI; }
  const double turns = std::floor(theta / M_PI);  // theta + pi flips x'
  theta -= turns * M_PI;
  if (static_cast<int64_t>(turns) % 2 != 0) phase = -phase;
  phase = std::remainder(phase, 2 * M_PI);
  if (phase <= -M_PI) phase += 2 * M_PI;
  g.theta = theta;
  g.frequency = f;
  g.phase = phase;
  g.sigma_x = std::exp(v[kLogSx]);
  g.sigma_y = std::exp(v[kLogSy]);
  g.amplitude = a;
  return g;
}

}  // namespace

std::pair<at::Tensor, at::Tensor> GaborValuesAndJacobian(const at::Tensor& params, int64_t h,
                                                          int64_t w) {
  const at::Tensor p = params.to(at::kDouble);
  const auto [xs, ys] = Grid(h, w);
  const at::Tensor dx = xs - Col(p, kX0), dy = ys - Col(p, kY0);
  const at::Tensor c = at::cos(Col(p, kTheta)), s = at::sin(Col(p, kTheta));
  const at::Tensor xr = dx * c + dy * s, yr = -dx * s + dy * c;
  const at::Tensor sx2 = at::exp(2 * Col(p, kLogSx)), sy2 = at::exp(2 * Col(p, kLogSy));
  const at::Tensor env = at::exp(-(xr * xr / (2 * sx2) + yr * yr / (2 * sy2)));
  const at::Tensor f = Col(p, kFreq), amp = Col(p, kAmp);
  const at::Tensor ph = kTwoPi * f * xr + Col(p, kPhase);
  const at::Tensor cs = at::cos(ph), sn = at::sin(ph);
  const at::Tensor ae = amp * env;
  const at::Tensor values = ae * cs;
  const at::Tensor d_xr = ae * (-xr / sx2 * cs - kTwoPi * f * sn);
  const at::Tensor d_yr = ae * (-yr / sy2 * cs);
  const at::Tensor jac = at::stack(
      {
          -d_xr * c + d_yr * s,          // x0
          -d_xr * s - d_yr * c,          // y0
          d_xr * yr - d_yr * xr,         // theta: dxr/dtheta = yr, dyr/dtheta = -xr
          -ae * sn * kTwoPi * xr,        // f
          -ae * sn,                      // phi
          values * xr * xr / sx2,        // log sigma_x
          values * yr * yr / sy2,        // log sigma_y
          env * cs,                      // A
      },
      2);
  return {values, jac};
}

at::Tensor RenderGabor(const GaborParams& g, int64_t height, int64_t width) {
  const at::Tensor p = at::tensor({g.x0, g.y0, g.theta, g.frequency, g.phase, std::log(g.sigma_x),
                                   std::log(g.sigma_y), g.amplitude},
                                  at::kDouble)
                           .unsqueeze(0);
  return GaborValuesAndJacobian(p, height, width).first.view({height, width});
}

std::vector<GaborFit> FitGabors(const at::Tensor& filters_in, const GaborFitOptions& o) {
  at::NoGradGuard no_grad;
  TORCH_CHECK(filters_in.dim() == 3 && filters_in.size(0) > 0,
              "FitGabors: filters must be (N, H, W), got ", filters_in.sizes());
  TORCH_CHECK(o.orientations >= 1 && o.max_iterations >= 1 && o.max_frequency > 0,
              "FitGabors: orientations, max_iterations and max_frequency must be positive");
  const at::Tensor filters = filters_in.to(at::kDouble).contiguous();
  const int64_t n = filters.size(0), h = filters.size(1), w = filters.size(2), px = h * w;
  const at::Tensor target = filters.reshape({n, px});
  const auto [xs, ys] = Grid(h, w);

  // Energy centroid and second-moment widths (a Gabor's energy has variance sigma^2 / 2).
  const at::Tensor energy = target * target;
  const at::Tensor total = energy.sum(1, true).clamp_min(1e-300);
  const at::Tensor cx = (energy * xs).sum(1, true) / total, cy = (energy * ys).sum(1, true) / total;
  const double max_sigma = 2.0 * static_cast<double>(std::max(h, w));
  const at::Tensor sx0 = at::sqrt(2 * (energy * (xs - cx).pow(2)).sum(1, true) / total).clamp(0.5, max_sigma);
  const at::Tensor sy0 = at::sqrt(2 * (energy * (ys - cy).pow(2)).sum(1, true) / total).clamp(0.5, max_sigma);
  const at::Tensor s0 = at::sqrt(sx0 * sy0);

  // The peak of the zero-padded spectrum (DC excluded).
  const int64_t fh = 4 * h, fw = 4 * w;
  at::Tensor mag = at::abs(at::fft_fft2(filters, c10::IntArrayRef({fh, fw}))).reshape({n, fh * fw});
  mag.select(1, 0).zero_();
  const at::Tensor peak = mag.argmax(1);
  at::Tensor ky = at::div(peak, fw, "floor").to(at::kDouble);
  at::Tensor kx = at::remainder(peak, fw).to(at::kDouble);
  ky = at::where(ky >= fh / 2, ky - fh, ky) / fh;
  kx = at::where(kx >= fw / 2, kx - fw, kx) / fw;
  const at::Tensor f_peak = at::sqrt(kx * kx + ky * ky), th_peak = at::atan2(ky, kx);

  // Starts: (n, s, 8).
  std::vector<std::pair<at::Tensor, at::Tensor>> starts = {{th_peak.unsqueeze(1), f_peak.unsqueeze(1)}};
  for (int k = 0; k < o.orientations; ++k) {
    for (double f : o.frequencies) {
      starts.push_back({at::full({n, 1}, M_PI * k / o.orientations, at::kDouble),
                        at::full({n, 1}, f, at::kDouble)});
    }
  }
  const int64_t s = static_cast<int64_t>(starts.size());
  std::vector<at::Tensor> rows;
  for (const auto& [th, f] : starts) {
    rows.push_back(at::cat({cx, cy, th, f, at::zeros({n, 1}, at::kDouble), at::log(s0),
                            at::log(s0), at::zeros({n, 1}, at::kDouble)},
                           1));
  }
  at::Tensor p = at::stack(rows, 1).reshape({n * s, kParams});  // filter-major
  const at::Tensor t = target.unsqueeze(1).expand({n, s, px}).reshape({n * s, px});
  SolveAmplitudePhase(p, t, h, w);

  const auto clamp = [&](at::Tensor& q) {
    q.select(1, kFreq).clamp_(-o.max_frequency, o.max_frequency);
    q.select(1, kLogSx).clamp_(std::log(0.3), std::log(max_sigma));
    q.select(1, kLogSy).clamp_(std::log(0.3), std::log(max_sigma));
    q.select(1, kX0).clamp_(-0.5 * w, 1.5 * w);
    q.select(1, kY0).clamp_(-0.5 * h, 1.5 * h);
  };
  clamp(p);
  auto [values, jac] = GaborValuesAndJacobian(p, h, w);
  at::Tensor r = values - t;
  at::Tensor sse = (r * r).sum(1);
  at::Tensor mu = at::full({n * s}, 1e-2, at::kDouble);
  const at::Tensor eye = at::eye(kParams, at::kDouble);
  for (int it = 0; it < o.max_iterations; ++it) {
    const at::Tensor jt = jac.transpose(1, 2);
    const at::Tensor jtj = jt.bmm(jac);
    const at::Tensor grad = jt.bmm(r.unsqueeze(2));
    const at::Tensor diag = jtj.diagonal(0, 1, 2);
    const at::Tensor a = jtj + at::diag_embed(mu.unsqueeze(1) * diag) + 1e-10 * eye;
    const at::Tensor delta = at::linalg_solve(a, -grad).squeeze(2);
    at::Tensor p_new = p + at::nan_to_num(delta, 0.0, 0.0, 0.0);
    clamp(p_new);
    auto [v_new, j_new] = GaborValuesAndJacobian(p_new, h, w);
    const at::Tensor r_new = v_new - t;
    const at::Tensor sse_new = (r_new * r_new).sum(1);
    const at::Tensor accept = sse_new < sse;
    const at::Tensor acc = accept.unsqueeze(1);
    p = at::where(acc, p_new, p);
    r = at::where(acc, r_new, r);
    jac = at::where(accept.view({-1, 1, 1}), j_new, jac);
    sse = at::where(accept, sse_new, sse);
    mu = at::where(accept, mu / 3, (mu * 4).clamp_max(1e12));
  }

  const at::Tensor best = sse.view({n, s}).argmin(1);
  const at::Tensor sst = (target - target.mean(1, true)).pow(2).sum(1);
  std::vector<GaborFit> fits(n);
  const at::Tensor pc = p.view({n, s, kParams}).contiguous();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t b = best[i].item<int64_t>();
    const at::Tensor row = pc[i][b].contiguous();
    fits[i].params = Canonical(row.data_ptr<double>());
    const double total_ss = sst[i].item<double>();
    fits[i].r2 = total_ss > 0 ? 1.0 - sse[i * s + b].item<double>() / total_ss : 0.0;
  }
  return fits;
}

GaborFit FitGabor(const at::Tensor& filter, const GaborFitOptions& options) {
  TORCH_CHECK(filter.dim() == 2, "FitGabor: the filter must be (H, W), got ", filter.sizes());
  return FitGabors(filter.unsqueeze(0), options).front();
}

}  // namespace sparselab
