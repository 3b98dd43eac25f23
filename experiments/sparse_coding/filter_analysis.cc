#include "experiments/sparse_coding/filter_analysis.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "lib/base/plot.h"

namespace sparselab::sparse_coding {

GaborSummary SummarizeGabors(const at::Tensor& filters, int64_t size, double threshold) {
  GaborSummary s;
  s.fits = FitGabors(filters.to(at::kDouble).reshape({filters.size(0), size, size}));
  std::vector<double> r2;
  for (const GaborFit& f : s.fits) r2.push_back(f.r2);
  std::sort(r2.begin(), r2.end());
  const size_t n = r2.size();
  for (double v : r2) {
    s.mean_r2 += v / static_cast<double>(n);
    if (v >= threshold) s.share_edge_like += 1.0 / static_cast<double>(n);
  }
  s.median_r2 = n % 2 ? r2[n / 2] : 0.5 * (r2[n / 2 - 1] + r2[n / 2]);
  return s;
}

absl::Status WriteFilterGrid(const std::string& path, const at::Tensor& filters, int64_t size,
                             int columns) {
  const at::Tensor f = filters.to(at::kFloat);
  const at::Tensor scale = std::get<0>(f.abs().max(1, true)).clamp_min(1e-12);
  const at::Tensor img = (0.5 + 0.5 * f / scale).reshape({f.size(0), 1, size, size});
  return WriteImageGrid(path, img, columns, size <= 10 ? 4 : 3);
}

absl::Status WriteGaborCoverage(const std::string& positions_path,
                                const std::string& frequency_path, const GaborSummary& summary,
                                int64_t size, double threshold, const std::string& title) {
  Series centres{"centre (x0, y0)", {}, {}, "points pt 7 ps 0.8"};
  Series plane{"(f cos theta, f sin theta)", {}, {}, "points pt 7 ps 0.8"};
  for (const GaborFit& f : summary.fits) {
    if (f.r2 < threshold) continue;
    centres.x.push_back(f.params.x0);
    centres.y.push_back(f.params.y0);
    // theta and theta + pi are the same filter: show both halves of the plane.
    for (double sign : {1.0, -1.0}) {
      plane.x.push_back(sign * f.params.frequency * std::cos(f.params.theta));
      plane.y.push_back(sign * f.params.frequency * std::sin(f.params.theta));
    }
  }
  PlotOptions o;
  o.width = 650;
  o.height = 600;
  o.title = absl::StrFormat("%s: centres of the %d fits with R^2 >= %.1f", title, centres.x.size(),
                            threshold);
  o.xlabel = "x0 (pixels)";
  o.ylabel = "y0 (pixels)";
  const double edge = static_cast<double>(size) - 0.5;
  o.extra = absl::StrFormat("set xrange [-0.5:%g]; set yrange [%g:-0.5]; set size square", edge,
                            edge);
  absl::Status st = PlotLines(positions_path, {centres}, o);
  if (!st.ok()) return st;
  o.title = absl::StrFormat("%s: frequency plane (cycles/pixel), R^2 >= %.1f", title, threshold);
  o.xlabel = "f cos(theta)";
  o.ylabel = "f sin(theta)";
  o.extra = "set xrange [-0.5:0.5]; set yrange [-0.5:0.5]; set size square";
  return PlotLines(frequency_path, {plane}, o);
}

double SnrDb(const at::Tensor& x, const at::Tensor& x_hat) {
  const double signal = x.to(at::kDouble).pow(2).sum().item<double>();
  const double noise = (x.to(at::kDouble) - x_hat.to(at::kDouble)).pow(2).sum().item<double>();
  return 10.0 * std::log10(signal / std::max(noise, 1e-300));
}

double LinearDecoderSnrDb(const at::Tensor& train_codes, const at::Tensor& train_x,
                          const at::Tensor& test_codes, const at::Tensor& test_x) {
  const auto with_bias = [](const at::Tensor& c) {
    return at::cat({c.to(at::kDouble), at::ones({c.size(0), 1}, at::kDouble)}, 1);
  };
  const at::Tensor a = with_bias(train_codes);
  // Normal equations with a tiny ridge: codes may have silent units.
  const at::Tensor gram = a.t().mm(a) + 1e-8 * at::eye(a.size(1), at::kDouble);
  const at::Tensor w = at::linalg_solve(gram, a.t().mm(train_x.to(at::kDouble)));
  return SnrDb(test_x, with_bias(test_codes).mm(w));
}

}  // namespace sparselab::sparse_coding
