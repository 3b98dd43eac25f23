#include "lib/nn/model_pruning.h"

#include <algorithm>

#include <ATen/core/grad_mode.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace sparselab {

absl::StatusOr<PruningMethod> ParsePruningMethod(std::string_view name) {
  if (name == "none") return PruningMethod::kNone;
  if (name == "constant") return PruningMethod::kConstant;
  if (name == "gradual") return PruningMethod::kGradual;
  return absl::InvalidArgumentError(absl::StrCat("unknown pruning method \"", std::string(name),
                                                 "\"; use \"none\", \"constant\" or \"gradual\""));
}

absl::StatusOr<PruningScope> ParsePruningScope(std::string_view name) {
  if (name == "layer") return PruningScope::kLayer;
  if (name == "global") return PruningScope::kGlobal;
  return absl::InvalidArgumentError(absl::StrCat("unknown pruning scope \"", std::string(name),
                                                 "\"; use \"layer\" or \"global\""));
}

const char* PruningMethodName(PruningMethod method) {
  switch (method) {
    case PruningMethod::kNone: return "none";
    case PruningMethod::kConstant: return "constant";
    case PruningMethod::kGradual: return "gradual";
  }
  return "?";
}

const char* PruningScopeName(PruningScope scope) {
  return scope == PruningScope::kGlobal ? "global" : "layer";
}

// The model itself (named "") and every submodule by its dotted name. Not
// named_modules(include_self = true): that needs shared_from_this(), which
// throws for a model built on the stack.
static std::vector<std::pair<std::string, torch::nn::Module*>> ModulesWithSelf(torch::nn::Module& model) {
  std::vector<std::pair<std::string, torch::nn::Module*>> out = {{"", &model}};
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    out.emplace_back(item.key(), item.value().get());
  }
  return out;
}

std::vector<std::pair<std::string, at::Tensor>> PrunableWeights(torch::nn::Module& model) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& [name, m] : ModulesWithSelf(model)) {
    if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(m)) {
      out.emplace_back(name, linear->weight);
    } else if (auto* conv = dynamic_cast<torch::nn::Conv2dImpl*>(m)) {
      out.emplace_back(name, conv->weight);
    }
  }
  return out;
}

std::vector<std::string> PrunableLayerNames(torch::nn::Module& model) {
  std::vector<std::string> names;
  for (const auto& [name, weight] : PrunableWeights(model)) names.push_back(name);
  return names;
}

PruningOptions ToPrunerOptions(const ModelPruningOptions& o) {
  PruningOptions p;
  p.final_sparsity(o.final_sparsity()).begin_step(o.begin_step()).scope(o.scope());
  if (o.method() == PruningMethod::kGradual) {
    p.schedule(PruningSchedule::kGradual)
        .initial_sparsity(o.initial_sparsity())
        .frequency(o.frequency())
        .num_steps(o.frequency() > 0 ? (o.end_step() - o.begin_step()) / o.frequency() : 0);
  } else {
    p.schedule(PruningSchedule::kConstant).initial_sparsity(0).num_steps(1).frequency(1);
  }
  return p;
}

absl::StatusOr<ModelPruner> ModelPruner::Create(torch::nn::Module& model,
                                                const ModelPruningOptions& options) {
  if (options.method() == PruningMethod::kNone) {
    return absl::InvalidArgumentError("pruning: method \"none\" prunes nothing");
  }
  if (!(options.final_sparsity() >= 0 && options.final_sparsity() < 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "pruning: final_sparsity = %g must be in [0, 1)", options.final_sparsity()));
  }
  if (options.method() == PruningMethod::kGradual) {
    if (options.frequency() <= 0 || options.end_step() < options.begin_step() + options.frequency()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "pruning: gradual needs frequency > 0 and end_step >= begin_step + frequency, got "
          "begin_step %d, end_step %d, frequency %d",
          options.begin_step(), options.end_step(), options.frequency()));
    }
  }
  const auto prunable = PrunableWeights(model);
  std::vector<std::string> names;
  std::vector<at::Tensor> weights, masks;
  const std::vector<std::string> known = PrunableLayerNames(model);
  std::vector<std::string> wanted = options.layers();
  if (wanted.empty()) wanted = known;
  for (const std::string& name : wanted) {
    auto it = std::find_if(prunable.begin(), prunable.end(),
                           [&](const auto& p) { return p.first == name; });
    if (it == prunable.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pruning: unknown layer \"", name, "\"; the model's Linear and Conv2d layers are ",
          absl::StrJoin(known, ", ")));
    }
    torch::nn::Module* layer = nullptr;
    for (const auto& [module_name, m] : ModulesWithSelf(model)) {
      if (module_name == name) layer = m;
    }
    at::Tensor mask;
    if (at::Tensor* existing = layer->named_buffers(false).find("weight_mask")) {
      mask = *existing;
    } else {
      at::NoGradGuard no_grad;
      mask = layer->register_buffer("weight_mask", at::ones_like(it->second).detach());
    }
    names.push_back(name);
    weights.push_back(it->second);
    masks.push_back(mask);
  }
  if (weights.empty()) return absl::InvalidArgumentError("pruning: the model has no layers to prune");
  absl::StatusOr<MagnitudePruner> pruner =
      MagnitudePruner::Create(weights, masks, ToPrunerOptions(options));
  if (!pruner.ok()) return pruner.status();
  return ModelPruner(std::move(names), *std::move(pruner));
}

void MaskOptimizerState(torch::optim::Optimizer& optimizer, const ModelPruner& pruner) {
  at::NoGradGuard no_grad;
  auto& state = optimizer.state();
  for (size_t i = 0; i < pruner.weights().size(); ++i) {
    auto it = state.find(c10::guts::to_string(pruner.weights()[i].unsafeGetTensorImpl()));
    if (it == state.end()) continue;
    const at::Tensor& mask = pruner.masks()[i];
    if (auto* sgd = dynamic_cast<torch::optim::SGDParamState*>(it->second.get())) {
      if (sgd->momentum_buffer().defined()) sgd->momentum_buffer().mul_(mask);
    } else if (auto* adam = dynamic_cast<torch::optim::AdamParamState*>(it->second.get())) {
      if (adam->exp_avg().defined()) adam->exp_avg().mul_(mask);
      if (adam->exp_avg_sq().defined()) adam->exp_avg_sq().mul_(mask);
      if (adam->max_exp_avg_sq().defined()) adam->max_exp_avg_sq().mul_(mask);
    }
  }
}

}  // namespace sparselab
