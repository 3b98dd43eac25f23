#include "monitor/discrete.h"

#include <cmath>
#include <map>
#include <unordered_map>
#include <utility>

#include "lib/base/status_macros.h"
#include "monitor/validate.h"

namespace sparselab {
namespace monitor {
namespace {

double EntropyOfSymbols(const std::vector<int64_t>& symbols, bool miller_madow) {
  std::unordered_map<int64_t, int64_t> counts;
  for (int64_t s : symbols) ++counts[s];
  const double n = static_cast<double>(symbols.size());
  double h = 0.0;
  for (const auto& [symbol, count] : counts) {
    const double p = static_cast<double>(count) / n;
    h -= p * std::log(p);
  }
  if (miller_madow) h += (static_cast<double>(counts.size()) - 1.0) / (2.0 * n);
  return h;
}

}  // namespace

std::vector<int64_t> SymbolsFromRows(const Samples& s) {
  std::map<std::vector<double>, int64_t> ids;
  std::vector<int64_t> out(s.n);
  for (int64_t i = 0; i < s.n; ++i) {
    std::vector<double> row(s.row(i), s.row(i) + s.dim);
    auto it = ids.emplace(std::move(row), static_cast<int64_t>(ids.size())).first;
    out[i] = it->second;
  }
  return out;
}

std::vector<int64_t> JointSymbols(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  std::map<std::pair<int64_t, int64_t>, int64_t> ids;
  std::vector<int64_t> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    out[i] = ids.emplace(std::make_pair(a[i], b[i]), static_cast<int64_t>(ids.size())).first->second;
  }
  return out;
}

absl::StatusOr<double> DiscreteEntropy(const std::vector<int64_t>& symbols, bool miller_madow) {
  RETURN_IF_ERROR(CheckLabels(symbols, "symbols"));
  return EntropyOfSymbols(symbols, miller_madow);
}

absl::StatusOr<double> DiscreteMutualInformation(const std::vector<int64_t>& x,
                                                 const std::vector<int64_t>& y,
                                                 bool miller_madow) {
  RETURN_IF_ERROR(CheckLabels(x, "x"));
  RETURN_IF_ERROR(CheckLabels(y, "y"));
  RETURN_IF_ERROR(CheckSameCount(static_cast<int64_t>(x.size()), "x",
                                 static_cast<int64_t>(y.size()), "y"));
  return EntropyOfSymbols(x, miller_madow) + EntropyOfSymbols(y, miller_madow) -
         EntropyOfSymbols(JointSymbols(x, y), miller_madow);
}

absl::StatusOr<double> DiscreteConditionalMutualInformation(const std::vector<int64_t>& x,
                                                            const std::vector<int64_t>& y,
                                                            const std::vector<int64_t>& z,
                                                            bool miller_madow) {
  RETURN_IF_ERROR(CheckLabels(x, "x"));
  RETURN_IF_ERROR(CheckLabels(y, "y"));
  RETURN_IF_ERROR(CheckLabels(z, "z"));
  RETURN_IF_ERROR(CheckSameCount(static_cast<int64_t>(x.size()), "x",
                                 static_cast<int64_t>(y.size()), "y"));
  RETURN_IF_ERROR(CheckSameCount(static_cast<int64_t>(x.size()), "x",
                                 static_cast<int64_t>(z.size()), "z"));
  const std::vector<int64_t> xz = JointSymbols(x, z), yz = JointSymbols(y, z);
  return EntropyOfSymbols(xz, miller_madow) + EntropyOfSymbols(yz, miller_madow) -
         EntropyOfSymbols(JointSymbols(xz, y), miller_madow) - EntropyOfSymbols(z, miller_madow);
}

}  // namespace monitor
}  // namespace sparselab
