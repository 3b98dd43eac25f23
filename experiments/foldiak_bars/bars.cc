#include "experiments/foldiak_bars/bars.h"

#include <cmath>
#include <set>
#include <vector>

#include <c10/util/Exception.h>

#include "monitor/discrete.h"

namespace sparselab::foldiak_bars {
namespace {

// Each row of a 0/1 matrix (at most 63 columns) as one integer symbol.
std::vector<int64_t> RowSymbols(const at::Tensor& binary) {
  TORCH_CHECK(binary.size(1) <= 63, "RowSymbols: at most 63 columns");
  const at::Tensor b = binary.to(at::kLong).contiguous();
  const at::Tensor weights = at::pow(2, at::arange(b.size(1), at::kLong));
  const at::Tensor sym = b.mv(weights);
  return std::vector<int64_t>(sym.data_ptr<int64_t>(), sym.data_ptr<int64_t>() + sym.numel());
}

double Bits(double nats) { return nats / std::log(2.0); }

}  // namespace

BarPatterns DrawBars(int64_t n, int64_t grid, double probability, at::Generator generator) {
  BarPatterns out;
  out.bars = at::rand({n, 2 * grid}, generator, at::kDouble) < probability;
  const at::Tensor rows = out.bars.narrow(1, 0, grid).to(at::kFloat);     // (n, g)
  const at::Tensor cols = out.bars.narrow(1, grid, grid).to(at::kFloat);  // (n, g)
  // pixel (r, c) is on when row r or column c is drawn.
  const at::Tensor on = at::clamp_max(rows.unsqueeze(2) + cols.unsqueeze(1), 1.0);
  out.pixels = on.reshape({n, grid * grid});
  return out;
}

at::Tensor BarTemplates(int64_t grid) {
  at::Tensor t = at::zeros({2 * grid, grid, grid});
  for (int64_t b = 0; b < grid; ++b) {
    t[b].select(0, b).fill_(1);         // row b
    t[grid + b].select(1, b).fill_(1);  // column b
  }
  return t.reshape({2 * grid, grid * grid});
}

int64_t DistinctBarsCoded(const at::Tensor& q, const at::Tensor& templates) {
  const at::Tensor qc = q.to(at::kDouble) - q.to(at::kDouble).mean(1, true);
  const at::Tensor tc = templates.to(at::kDouble) - templates.to(at::kDouble).mean(1, true);
  const at::Tensor qn = qc.norm(2, {1}, true), tn = tc.norm(2, {1}, true);
  const at::Tensor corr = qc.mm(tc.t()) / (qn * tn.t()).clamp_min(1e-300);  // (K, bars)
  std::set<int64_t> bars;
  const at::Tensor best = corr.argmax(1);
  for (int64_t i = 0; i < q.size(0); ++i) {
    if (qn[i].item<double>() > 1e-12) bars.insert(best[i].item<int64_t>());
  }
  return static_cast<int64_t>(bars.size());
}

CodeStats MeasureCodes(const at::Tensor& codes, const at::Tensor& bars) {
  CodeStats s;
  const at::Tensor y = codes.to(at::kDouble);
  const int64_t n = y.size(0), k = y.size(1);
  s.firing_rate = y.mean().item<double>();
  const at::Tensor co = y.t().mm(y) / static_cast<double>(n);
  s.pair_coactivation =
      k > 1 ? (co.sum() - co.trace()).item<double>() / static_cast<double>(k * (k - 1)) : 0.0;
  const std::vector<int64_t> code_sym = RowSymbols(codes);
  const std::vector<int64_t> pattern_sym = RowSymbols(bars);
  std::set<int64_t> patterns(pattern_sym.begin(), pattern_sym.end());
  std::set<std::pair<int64_t, int64_t>> pairs;
  for (int64_t i = 0; i < n; ++i) pairs.insert({pattern_sym[i], code_sym[i]});
  // Codes are deterministic given the pattern, so distinct (pattern, code)
  // pairs are distinct patterns; count the codes among them.
  std::set<int64_t> codes_of_patterns;
  for (const auto& pc : pairs) codes_of_patterns.insert(pc.second);
  s.distinct_code_share =
      static_cast<double>(codes_of_patterns.size()) / static_cast<double>(patterns.size());
  const auto info = monitor::DiscreteMutualInformation(code_sym, pattern_sym);
  const auto entropy = monitor::DiscreteMutualInformation(pattern_sym, pattern_sym);
  TORCH_CHECK(info.ok() && entropy.ok(), "MeasureCodes: ", info.status().ToString(),
              entropy.status().ToString());
  s.information_bits = Bits(*info);
  s.pattern_entropy_bits = Bits(*entropy);
  return s;
}

int64_t SingleBarCodes(const at::Tensor& single_bar_codes) {
  const at::Tensor y = single_bar_codes.to(at::kDouble);
  const at::Tensor singles = y.sum(1) == 1;                 // exactly one unit
  const at::Tensor users = y.sum(0);                        // bars per unit
  int64_t count = 0;
  for (int64_t b = 0; b < y.size(0); ++b) {
    if (!singles[b].item<bool>()) continue;
    const int64_t unit = y[b].argmax().item<int64_t>();
    if (users[unit].item<double>() == 1) ++count;
  }
  return count;
}

}  // namespace sparselab::foldiak_bars
