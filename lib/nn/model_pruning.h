// Pruning a model's Linear and Conv2d weights by configuration (Zhu & Gupta
// 2017, "To prune, or not to prune", arXiv:1710.01878, eq. 1 for "gradual"):
// which layers, which schedule, layer or global scope. Each pruned layer gets
// a 0/1 buffer "weight_mask" of its weight's shape, so torch::save and the
// Trainer's checkpoints keep the masks. MagnitudePruner (pruning.h) does the
// ranking and the schedule.
//
//   ASSIGN_OR_RETURN(ModelPruner pruner, ModelPruner::Create(*model,
//       ModelPruningOptions().method(PruningMethod::kGradual).final_sparsity(0.9)
//           .begin_step(0).end_step(2000).frequency(100)));
//   ... after optimizer step t (0, 1, ...):
//   pruner.Step(t); MaskOptimizerState(optimizer, pruner);
#ifndef SPARSELAB_LIB_NN_MODEL_PRUNING_H_
#define SPARSELAB_LIB_NN_MODEL_PRUNING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include "absl/status/statusor.h"
#include "lib/nn/pruning.h"

namespace sparselab {

enum class PruningMethod { kNone, kConstant, kGradual };

// "none", "constant", "gradual"; "layer", "global" (config names).
absl::StatusOr<PruningMethod> ParsePruningMethod(std::string_view name);
absl::StatusOr<PruningScope> ParsePruningScope(std::string_view name);
const char* PruningMethodName(PruningMethod method);
const char* PruningScopeName(PruningScope scope);

// The "pruning" section of an experiment's config.json.
struct ModelPruningOptions {
  TORCH_ARG(PruningMethod, method) = PruningMethod::kNone;
  TORCH_ARG(double, final_sparsity) = 0.9;    // s_f in [0, 1)
  TORCH_ARG(double, initial_sparsity) = 0.0;  // s_i in [0, s_f] (gradual)
  // constant: prune once after optimizer step begin_step. gradual: t0 =
  // begin_step, dt = frequency, n = floor((end_step - begin_step) / dt) >= 1.
  TORCH_ARG(int64_t, begin_step) = 0;
  TORCH_ARG(int64_t, end_step) = 0;
  TORCH_ARG(int64_t, frequency) = 100;
  TORCH_ARG(PruningScope, scope) = PruningScope::kLayer;
  // Module names as named_modules() gives them ("fc1", "features.0"); empty:
  // every Linear and Conv2d layer.
  TORCH_ARG(std::vector<std::string>, layers);
};

// The Linear and Conv2d layers of `model` by name with their weights, in
// named_modules() order.
std::vector<std::pair<std::string, at::Tensor>> PrunableWeights(torch::nn::Module& model);
std::vector<std::string> PrunableLayerNames(torch::nn::Module& model);

// The pruning options MagnitudePruner takes for these options.
PruningOptions ToPrunerOptions(const ModelPruningOptions& options);

class ModelPruner {
 public:
  // Checks the options and layer names (InvalidArgument naming the rule) and
  // registers (or, when present, reuses) each layer's "weight_mask" buffer.
  // Not for method kNone.
  static absl::StatusOr<ModelPruner> Create(torch::nn::Module& model,
                                            const ModelPruningOptions& options);

  // After optimizer step `step` (0, 1, ...): prunes on the schedule's steps,
  // then zeroes the masked weights.
  void Step(int64_t step) { pruner_.Step(step); }
  void ApplyMasks() { pruner_.ApplyMasks(); }
  double SparsityAt(int64_t step) const { return pruner_.SparsityAt(step); }
  double Sparsity() const { return pruner_.Sparsity(); }
  const std::vector<std::string>& layer_names() const { return names_; }
  const std::vector<at::Tensor>& weights() const { return pruner_.parameters(); }
  const std::vector<at::Tensor>& masks() const { return pruner_.masks(); }

 private:
  ModelPruner(std::vector<std::string> names, MagnitudePruner pruner)
      : names_(std::move(names)), pruner_(std::move(pruner)) {}
  std::vector<std::string> names_;
  MagnitudePruner pruner_;
};

// Zeroes the optimizer's per-weight state at pruned entries (SGD momentum
// buffers; Adam's first and second moments), so a pruned weight gets no
// update from history either.
void MaskOptimizerState(torch::optim::Optimizer& optimizer, const ModelPruner& pruner);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_MODEL_PRUNING_H_
