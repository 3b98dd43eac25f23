// Dynamic sparse connectivity by RigL, Evci et al. 2020, "Rigging the Lottery:
// Making All Tickets Winners" (arXiv:1911.11134), Algorithm 1:
//   every delta_t steps while t < t_end, with k = f(t) * nnz and
//   f(t) = alpha / 2 * (1 + cos(pi * t / t_end))            (equation 1),
//   I_drop = ArgTopK(-|theta|, k)               (smallest-magnitude weights)
//   I_grow = ArgTopK_{i not in theta \ I_drop}(|dL/dW|, k)  (largest gradient)
//   theta <- theta \ I_drop + I_grow, the grown weights starting at 0.
// The dense gradient dL/dW = g^T x of one batch is formed in blocks of rows of
// at most max_size entries, so a layer of any width needs bounded memory.
#ifndef SPARSELAB_LIB_NN_SPARSE_LINEAR_INTERNAL_RIGL_H_
#define SPARSELAB_LIB_NN_SPARSE_LINEAR_INTERNAL_RIGL_H_

#include <cstdint>

#include <ATen/ATen.h>

namespace sparselab {

// f(t), equation 1 of Evci et al. 2020.
double RiglDropFraction(double alpha, int64_t step, int64_t t_end);

// The `count` flat positions (row * in + col, int64, unsorted) where |g^T x|
// is largest among those not in `excluded` (sorted int64 flat positions).
// g_t: (out, B), x_t: (in, B). Rows are processed in blocks of
// max(1, max_size / in) rows; the result does not depend on the block size
// (up to ties).
at::Tensor TopGradientPositions(const at::Tensor& g_t, const at::Tensor& x_t,
                                const at::Tensor& excluded, int64_t count, int64_t max_size);

// One RigL rewiring of a layer's pattern.
struct RiglRewiring {
  at::Tensor positions;     // the new sorted flat positions (nnz)
  // For every new slot, the old slot whose value (and optimizer state) it
  // keeps, or -1 for a grown connection (which starts at 0).
  at::Tensor source_slots;
  int64_t moved = 0;        // connections dropped = connections grown
};

// Drops the `count` smallest |values| of the pattern `positions` (sorted flat,
// slot order) and grows `count` where |g^T x| is largest.
RiglRewiring PlanRiglRewiring(const at::Tensor& positions, const at::Tensor& values,
                              const at::Tensor& g_t, const at::Tensor& x_t, int64_t count,
                              int64_t max_size);

// tensor (nnz) re-ordered to the new slots: tensor[source] or 0 for -1.
at::Tensor GatherSlots(const at::Tensor& tensor, const at::Tensor& source_slots);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_SPARSE_LINEAR_INTERNAL_RIGL_H_
