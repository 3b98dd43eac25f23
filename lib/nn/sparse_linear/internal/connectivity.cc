#include "lib/nn/sparse_linear/internal/connectivity.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>

namespace sparselab {
namespace {

// p(r, c) of the small-world construction.
double SmallWorldProbability(double u, double v, double lambda) {
  return std::exp(-lambda * std::log1p(std::abs(u - v)));
}

at::Tensor SortedUnique(const at::Tensor& t) {
  return std::get<0>(at::_unique(t, /*sorted=*/true, /*return_inverse=*/false));
}

}  // namespace

int64_t NonZerosForSparsity(int64_t out_features, int64_t in_features, double sparsity) {
  TORCH_CHECK(sparsity >= 0 && sparsity < 1, "SparseLinear: sparsity must be in [0, 1), got ",
              sparsity);
  const double total = static_cast<double>(out_features) * static_cast<double>(in_features);
  const int64_t nnz = std::llround((1.0 - sparsity) * total);
  TORCH_CHECK(nnz >= 1, "SparseLinear: sparsity ", sparsity, " leaves no weight in a ",
              out_features, " x ", in_features, " layer; lower the sparsity");
  return nnz;
}

at::Tensor RandomPositions(int64_t out_features, int64_t in_features, int64_t nnz,
                           int64_t max_size) {
  const int64_t total = out_features * in_features;
  TORCH_CHECK(nnz >= 1 && nnz <= total, "RandomPositions: nnz = ", nnz,
              " must be in [1, out * in = ", total, "]");
  if (total <= max_size) {
    return std::get<0>(at::randperm(total, at::kLong).narrow(0, 0, nnz).sort());
  }
  // Draw with replacement, drop duplicates, repeat: the distinct values of
  // i.i.d. uniform draws are, given their number, a uniform subset; a uniform
  // subset of that is again uniform.
  at::Tensor have = at::empty({0}, at::kLong);
  while (have.numel() < nnz) {
    const int64_t need = nnz - have.numel();
    at::Tensor draws = at::randint(0, total, {need + need / 8 + 64}, at::kLong);
    have = SortedUnique(at::cat({have, draws}));
  }
  if (have.numel() > nnz) {
    at::Tensor pick = at::randperm(have.numel(), at::kLong).narrow(0, 0, nnz);
    have = std::get<0>(have.index_select(0, pick).sort());
  }
  return have;
}

at::Tensor PositionsFromConnectivity(const at::Tensor& connectivity, int64_t out_features,
                                     int64_t in_features) {
  TORCH_CHECK(connectivity.dim() == 2 && connectivity.size(0) == 2 && connectivity.size(1) > 0,
              "SparseLinear: connectivity must be a (2, nnz) tensor of (row, col) pairs with "
              "nnz > 0, got shape ", connectivity.sizes());
  TORCH_CHECK(connectivity.scalar_type() == at::kLong,
              "SparseLinear: connectivity must be int64 (torch::kLong), got ",
              connectivity.scalar_type());
  const at::Tensor pairs = connectivity.cpu().contiguous();
  const at::Tensor rows = pairs[0];
  const at::Tensor cols = pairs[1];
  const at::Tensor outside =
      rows.lt(0).logical_or(rows.ge(out_features)).logical_or(cols.lt(0)).logical_or(
          cols.ge(in_features));
  if (outside.any().item<bool>()) {
    const int64_t k = outside.nonzero()[0][0].item<int64_t>();
    TORCH_CHECK(false, "SparseLinear: connectivity pair ", k, " (row ",
                rows[k].item<int64_t>(), ", col ", cols[k].item<int64_t>(),
                ") is outside the weight matrix of ", out_features, " rows (out_features) x ",
                in_features, " columns (in_features)");
  }
  at::Tensor flat = rows * in_features + cols;
  at::Tensor sorted, order;
  std::tie(sorted, order) = flat.sort();
  const at::Tensor repeated = sorted.narrow(0, 1, sorted.numel() - 1)
                                  .eq(sorted.narrow(0, 0, sorted.numel() - 1));
  if (repeated.any().item<bool>()) {
    const int64_t i = repeated.nonzero()[0][0].item<int64_t>();
    const int64_t first = order[i].item<int64_t>();
    const int64_t second = order[i + 1].item<int64_t>();
    TORCH_CHECK(false, "SparseLinear: connectivity pair (row ", rows[first].item<int64_t>(),
                ", col ", cols[first].item<int64_t>(), ") appears twice (at ",
                std::min(first, second), " and ", std::max(first, second),
                "); give every connection once");
  }
  return sorted;
}

double SmallWorldPosition(int64_t unit, int64_t units, int64_t axis_length) {
  if (units == 1) return 0.5 * static_cast<double>(axis_length - 1);
  return static_cast<double>(unit) * static_cast<double>(axis_length - 1) /
         static_cast<double>(units - 1);
}

double SmallWorldExpectedCount(int64_t out_features, int64_t in_features, double lambda) {
  const int64_t axis = std::max(out_features, in_features);
  const int64_t sampled = std::min(out_features, kSmallWorldSampleRows);
  std::vector<double> row_sums(sampled, 0.0);
  at::parallel_for(0, sampled, 16, [&](int64_t begin, int64_t end) {
    for (int64_t s = begin; s < end; ++s) {
      const int64_t r = sampled == out_features
                            ? s
                            : std::llround(static_cast<double>(s) * (out_features - 1) /
                                           static_cast<double>(sampled - 1));
      const double u = SmallWorldPosition(r, out_features, axis);
      double sum = 0;
      for (int64_t c = 0; c < in_features; ++c) {
        sum += SmallWorldProbability(u, SmallWorldPosition(c, in_features, axis), lambda);
      }
      row_sums[s] = sum;
    }
  });
  double total = 0;
  for (double s : row_sums) total += s;
  return total * static_cast<double>(out_features) / static_cast<double>(sampled);
}

double SmallWorldLambda(int64_t out_features, int64_t in_features, int64_t nnz) {
  const double target = static_cast<double>(nnz);
  TORCH_CHECK(nnz >= 1 && target < static_cast<double>(out_features) * in_features,
              "SparseLinear (small world): nnz = ", nnz,
              " must be in [1, out * in); lambda = 0 already connects everything");
  double low = 0, high = 1;
  while (SmallWorldExpectedCount(out_features, in_features, high) > target) {
    low = high;
    high *= 2;
    TORCH_CHECK(high < 1e4, "SparseLinear (small world): ", nnz, " connections are too few for a ",
                out_features, " x ", in_features,
                " layer (units at coinciding positions always connect); lower the sparsity");
  }
  for (int iteration = 0; iteration < 200; ++iteration) {
    const double mid = 0.5 * (low + high);
    const double count = SmallWorldExpectedCount(out_features, in_features, mid);
    if (std::abs(count - target) <= 1e-6 * target) return mid;
    (count > target ? low : high) = mid;
  }
  return 0.5 * (low + high);
}

at::Tensor SmallWorldPositions(int64_t out_features, int64_t in_features, int64_t nnz) {
  const double lambda = SmallWorldLambda(out_features, in_features, nnz);
  const int64_t axis = std::max(out_features, in_features);
  // One seed from torch's generator; each row then has its own stream, so the
  // draw does not depend on the thread count.
  const uint64_t seed = static_cast<uint64_t>(
      at::randint(0, int64_t{1} << 62, {1}, at::kLong).item<int64_t>());
  std::vector<std::vector<int32_t>> columns(out_features);
  at::parallel_for(0, out_features, 8, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      std::mt19937_64 generator(seed ^ (static_cast<uint64_t>(r) * 0x9E3779B97F4A7C15ULL));
      std::uniform_real_distribution<double> uniform(0.0, 1.0);
      const double u = SmallWorldPosition(r, out_features, axis);
      for (int64_t c = 0; c < in_features; ++c) {
        const double p = SmallWorldProbability(u, SmallWorldPosition(c, in_features, axis), lambda);
        if (uniform(generator) < p) columns[r].push_back(static_cast<int32_t>(c));
      }
    }
  });
  int64_t count = 0;
  for (const auto& row : columns) count += static_cast<int64_t>(row.size());
  TORCH_CHECK(count >= 1, "SparseLinear (small world): the draw gave no connection; lower the sparsity");
  at::Tensor positions = at::empty({count}, at::kLong);
  int64_t* p = positions.data_ptr<int64_t>();
  for (int64_t r = 0; r < out_features; ++r) {
    for (int32_t c : columns[r]) *p++ = r * in_features + c;
  }
  return positions;
}

}  // namespace sparselab
