// Magnitude pruning of a set of parameters (Zhu & Gupta 2017, "To prune, or
// not to prune", arXiv:1710.01878): each tensor keeps its largest-magnitude
// weights; masks only grow (a pruned weight stays pruned) and are re-applied
// after every optimizer step.
//   constant: one shot to final_sparsity at step begin_step.
//   gradual:  at steps t = t0, t0 + dt, ..., t0 + n dt the target is
//             s_t = s_f + (s_i - s_f) (1 - (t - t0) / (n dt))^3     (eq. 1)
// Scope: each tensor pruned to the target on its own ("layer"), or one
// magnitude threshold across all the tensors ("global").
#ifndef SPARSELAB_LIB_NN_PRUNING_H_
#define SPARSELAB_LIB_NN_PRUNING_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include <ATen/ATen.h>
#include <torch/arg.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sparselab {

enum class PruningSchedule { kConstant, kGradual };
enum class PruningScope { kLayer, kGlobal };

// "constant" or "gradual" (config files name the schedule).
absl::StatusOr<PruningSchedule> ParsePruningSchedule(std::string_view name);

struct PruningOptions {
  TORCH_ARG(PruningSchedule, schedule) = PruningSchedule::kGradual;
  TORCH_ARG(double, initial_sparsity) = 0.0;  // s_i (gradual)
  TORCH_ARG(double, final_sparsity) = 0.9;    // s_f
  TORCH_ARG(int64_t, begin_step) = 0;         // t0
  TORCH_ARG(int64_t, num_steps) = 10;         // n pruning steps after t0 (gradual)
  TORCH_ARG(int64_t, frequency) = 100;        // dt, steps between pruning steps
  TORCH_ARG(PruningScope, scope) = PruningScope::kLayer;
};

// The schedule on its own, for pruners of other units (plane_pruning.h).
// InvalidArgument unless 0 <= s_i <= s_f < 1, begin_step >= 0 and n, dt > 0.
absl::Status CheckPruningOptions(const PruningOptions& options);
// The target sparsity in force after step `step` (piecewise constant between
// pruning steps; 0 before t0; eq. 1 for gradual).
double ScheduledSparsity(const PruningOptions& options, int64_t step);
// Whether `step` is one at which masks are recomputed.
bool IsScheduledPruningStep(const PruningOptions& options, int64_t step);

class MagnitudePruner {
 public:
  // Checks the options (sparsities in [0, 1), s_i <= s_f, positive n and dt)
  // and that the parameters are defined.
  static absl::StatusOr<MagnitudePruner> Create(std::vector<at::Tensor> parameters,
                                                PruningOptions options);
  // The same with the caller's 0/1 mask tensors (e.g. registered buffers, so
  // checkpoints keep them), one per parameter of its shape; they are updated
  // in place and their current zeros stay pruned.
  static absl::StatusOr<MagnitudePruner> Create(std::vector<at::Tensor> parameters,
                                                std::vector<at::Tensor> masks,
                                                PruningOptions options);

  // ScheduledSparsity and IsScheduledPruningStep of the options.
  double SparsityAt(int64_t step) const { return ScheduledSparsity(options_, step); }
  bool IsPruningStep(int64_t step) const { return IsScheduledPruningStep(options_, step); }

  // Call after the optimizer step numbered `step` (0, 1, ...): recomputes the
  // masks on pruning steps, then zeroes the masked weights.
  void Step(int64_t step);
  // Zeroes the masked weights (also done by Step).
  void ApplyMasks();

  // One 0/1 mask per parameter (its shape and dtype).
  const std::vector<at::Tensor>& masks() const { return masks_; }
  // Fraction of pruned weights over all parameters.
  double Sparsity() const;
  const std::vector<at::Tensor>& parameters() const { return parameters_; }
  const PruningOptions& options() const { return options_; }

 private:
  MagnitudePruner(std::vector<at::Tensor> parameters, std::vector<at::Tensor> masks,
                  PruningOptions options);
  void Prune(double sparsity);

  std::vector<at::Tensor> parameters_;
  std::vector<at::Tensor> masks_;
  PruningOptions options_;
};

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_PRUNING_H_
