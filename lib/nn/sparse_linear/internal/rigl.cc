#include "lib/nn/sparse_linear/internal/rigl.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

namespace sparselab {

double RiglDropFraction(double alpha, int64_t step, int64_t t_end) {
  return alpha / 2.0 * (1.0 + std::cos(M_PI * static_cast<double>(step) /
                                       static_cast<double>(t_end)));
}

at::Tensor TopGradientPositions(const at::Tensor& g_t, const at::Tensor& x_t,
                                const at::Tensor& excluded, int64_t count, int64_t max_size) {
  at::NoGradGuard no_grad;
  const int64_t out = g_t.size(0);
  const int64_t in = x_t.size(0);
  TORCH_CHECK(count >= 0 && count + excluded.numel() <= out * in,
              "TopGradientPositions: cannot pick ", count, " of the ", out * in - excluded.numel(),
              " free positions");
  TORCH_CHECK(max_size >= 1, "SparseLinear: max_size must be >= 1, got ", max_size);
  const int64_t block_rows = std::max<int64_t>(1, max_size / in);
  at::Tensor best_scores = at::empty({0}, g_t.options());
  at::Tensor best_positions = at::empty({0}, at::kLong);
  if (count == 0) return best_positions;
  for (int64_t r0 = 0; r0 < out; r0 += block_rows) {
    const int64_t rows = std::min(block_rows, out - r0);
    const int64_t first = r0 * in;
    at::Tensor scores = at::mm(g_t.narrow(0, r0, rows), x_t.t()).abs_().view({-1});
    // Positions already connected are not candidates: score -1 < any |gradient|.
    const int64_t lo = at::searchsorted(excluded, at::Scalar(first)).item<int64_t>();
    const int64_t hi =
        at::searchsorted(excluded, at::Scalar(first + rows * in)).item<int64_t>();
    if (hi > lo) scores.index_fill_(0, excluded.narrow(0, lo, hi - lo) - first, -1.0);
    at::Tensor top_scores, top_index;
    std::tie(top_scores, top_index) = scores.topk(std::min<int64_t>(count, scores.numel()));
    at::Tensor scores_all = at::cat({best_scores, top_scores});
    at::Tensor positions_all = at::cat({best_positions, top_index + first});
    if (scores_all.numel() > count) {
      at::Tensor keep;
      std::tie(std::ignore, keep) = scores_all.topk(count);
      scores_all = scores_all.index_select(0, keep);
      positions_all = positions_all.index_select(0, keep);
    }
    best_scores = scores_all;
    best_positions = positions_all;
  }
  return best_positions;
}

RiglRewiring PlanRiglRewiring(const at::Tensor& positions, const at::Tensor& values,
                              const at::Tensor& g_t, const at::Tensor& x_t, int64_t count,
                              int64_t max_size) {
  at::NoGradGuard no_grad;
  const int64_t nnz = positions.numel();
  TORCH_CHECK(count >= 0 && count <= nnz, "PlanRiglRewiring: cannot move ", count, " of ", nnz,
              " connections");
  RiglRewiring plan;
  plan.moved = count;
  if (count == 0) {
    plan.positions = positions;
    plan.source_slots = at::arange(nnz, at::kLong);
    return plan;
  }
  at::Tensor dropped;
  std::tie(std::ignore, dropped) = values.detach().abs().topk(count, 0, /*largest=*/false);
  at::Tensor keep = at::ones({nnz}, at::kBool);
  keep.index_fill_(0, dropped, false);
  const at::Tensor kept_slots = keep.nonzero().view({-1});
  const at::Tensor kept_positions = positions.index_select(0, kept_slots);  // still sorted
  const at::Tensor grown = TopGradientPositions(g_t, x_t, kept_positions, count, max_size);
  at::Tensor order;
  std::tie(plan.positions, order) = at::cat({kept_positions, grown}).sort();
  plan.source_slots = at::cat({kept_slots, at::full({count}, -1, at::kLong)}).index_select(0, order);
  return plan;
}

at::Tensor GatherSlots(const at::Tensor& tensor, const at::Tensor& source_slots) {
  at::NoGradGuard no_grad;
  const at::Tensor grown = source_slots.lt(0);
  return tensor.index_select(0, source_slots.clamp_min(0)).masked_fill_(grown, 0);
}

}  // namespace sparselab
