// Magnitude pruning of whole weight planes: the (o, i) plane W[o, i] of a
// conv weight is scored by ||W[o, i]||_F and each layer keeps the largest
// 1 - s_t share of its planes, s_t following lib/nn/pruning.h's schedule
// (Zhu & Gupta 2017, "To prune, or not to prune", arXiv:1710.01878: constant,
// or gradual with s_t = s_f + (s_i - s_f) (1 - (t - t0) / (n dt))^3, eq. 1).
// The planes are the groups of Wen et al. 2016's group lasso
// (plane_penalties.h), so training with that penalty first makes the pruned
// planes nearly 0 already. Masks only grow (a pruned plane stays pruned) and
// are re-applied after every optimizer step.
//
// Two kinds of weight:
//   (C_out, C_in, kh, kw), e.g. torch::nn::Conv2d's: mask (C_out, C_in, 1, 1);
//   (P, kh, kw), PlaneSparseConv2d's stored planes: mask (P, 1, 1). After the
//     last pruning step conv->drop_zero_planes() frees the pruned planes
//     (then this pruner no longer fits the weight: make a new one if needed).
//
//   at::Tensor mask = RegisterPlaneMask(*conv, conv->weight);  // torch::save keeps it
//   ASSIGN_OR_RETURN(PlanePruner pruner, PlanePruner::Create({conv->weight}, {mask},
//       PruningOptions().final_sparsity(0.9).num_steps(10).frequency(100)));
//   ... after optimizer step t: pruner.Step(t);
#ifndef SPARSELAB_LIB_NN_PLANE_PRUNING_H_
#define SPARSELAB_LIB_NN_PLANE_PRUNING_H_

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/nn/pruning.h"

namespace sparselab {

// (C_out, C_in, 1, 1) for a 4-D weight, (P, 1, 1) for a 3-D one; other ranks
// are a c10::Error.
std::vector<int64_t> PlaneMaskShape(const at::Tensor& weight);

// The 0/1 mask (PlaneMaskShape, the weight's dtype) that keeps the
// n - round(sparsity * n) planes of largest ||W[o, i]||_F out of n; planes
// where `current` is 0 (if given) rank below every other, so they stay
// pruned while enough remain. Ties at the threshold: at::topk's choice.
at::Tensor PlaneMagnitudeMask(const at::Tensor& weight, double sparsity,
                              const at::Tensor& current = {});

// Registers a "weight_plane_mask" buffer of ones (PlaneMaskShape(weight)) on
// `module`, or returns the one already there (e.g. after torch::load).
at::Tensor RegisterPlaneMask(torch::nn::Module& module, const at::Tensor& weight);

class PlanePruner {
 public:
  // Checks the options (CheckPruningOptions; scope must be kLayer: planes are
  // ranked per layer) and that every weight is defined, 3-D or 4-D and has
  // planes.
  static absl::StatusOr<PlanePruner> Create(std::vector<at::Tensor> weights,
                                            PruningOptions options);
  // The same with the caller's 0/1 masks (e.g. RegisterPlaneMask buffers),
  // one per weight of PlaneMaskShape; updated in place, their zeros stay
  // pruned.
  static absl::StatusOr<PlanePruner> Create(std::vector<at::Tensor> weights,
                                            std::vector<at::Tensor> masks, PruningOptions options);

  double SparsityAt(int64_t step) const { return ScheduledSparsity(options_, step); }
  bool IsPruningStep(int64_t step) const { return IsScheduledPruningStep(options_, step); }

  // After the optimizer step numbered `step` (0, 1, ...): recomputes the
  // masks on pruning steps, then zeroes the masked planes.
  void Step(int64_t step);
  // Zeroes the masked planes (also done by Step). A weight whose plane count
  // changed since Create (drop_zero_planes) is a c10::Error.
  void ApplyMasks();

  const std::vector<at::Tensor>& masks() const { return masks_; }
  const std::vector<at::Tensor>& weights() const { return weights_; }
  const PruningOptions& options() const { return options_; }
  // Fraction of pruned planes over all weights.
  double Sparsity() const;

 private:
  PlanePruner(std::vector<at::Tensor> weights, std::vector<at::Tensor> masks,
              PruningOptions options)
      : weights_(std::move(weights)), masks_(std::move(masks)), options_(options) {}
  void CheckShapes() const;

  std::vector<at::Tensor> weights_;
  std::vector<at::Tensor> masks_;
  PruningOptions options_;
};

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_PLANE_PRUNING_H_
