#include "lib/nn/plane_pruning.h"

#include <cmath>
#include <utility>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include "absl/strings/str_format.h"
#include "lib/nn/winners.h"

namespace sparselab {
namespace {

bool HasPlanes(const at::Tensor& w) {
  return w.defined() && (w.dim() == 3 || w.dim() == 4) && w.numel() > 0;
}

// ||W[o, i]||_F as a (1, n) row, in double.
at::Tensor PlaneScores(const at::Tensor& weight) {
  const int64_t planes = weight.dim() == 4 ? weight.size(0) * weight.size(1) : weight.size(0);
  return weight.detach().to(at::kDouble).reshape({1, planes, -1}).square().sum(2).sqrt();
}

}  // namespace

std::vector<int64_t> PlaneMaskShape(const at::Tensor& weight) {
  TORCH_CHECK(weight.defined() && (weight.dim() == 3 || weight.dim() == 4),
              "plane pruning: expected a (C_out, C_in, kh, kw) conv weight or (P, kh, kw) stored "
              "planes, got ",
              weight.defined() ? weight.sizes() : at::IntArrayRef{});
  if (weight.dim() == 4) return {weight.size(0), weight.size(1), 1, 1};
  return {weight.size(0), 1, 1};
}

at::Tensor PlaneMagnitudeMask(const at::Tensor& weight, double sparsity,
                              const at::Tensor& current) {
  const std::vector<int64_t> shape = PlaneMaskShape(weight);
  TORCH_CHECK(sparsity >= 0 && sparsity < 1, "PlaneMagnitudeMask: sparsity must be in [0, 1), got ",
              sparsity);
  TORCH_CHECK(!current.defined() || current.sizes() == at::IntArrayRef(shape),
              "PlaneMagnitudeMask: the current mask has shape ", current.sizes(), ", expected ",
              at::IntArrayRef(shape));
  at::NoGradGuard no_grad;
  at::Tensor scores = PlaneScores(weight);
  const int64_t n = scores.numel();
  if (current.defined()) {
    // Norms are >= 0, so -1 puts the already-pruned planes last.
    scores.masked_fill_(current.detach().reshape({1, n}).to(scores.device()).eq(0), -1);
  }
  const int64_t keep = n - std::llround(sparsity * static_cast<double>(n));
  return WinnerMask(scores, keep, /*dim=*/1, /*break_ties=*/true).view(shape).to(weight.dtype());
}

at::Tensor RegisterPlaneMask(torch::nn::Module& module, const at::Tensor& weight) {
  const std::vector<int64_t> shape = PlaneMaskShape(weight);
  if (at::Tensor* existing = module.named_buffers(/*recurse=*/false).find("weight_plane_mask")) {
    TORCH_CHECK(existing->sizes() == at::IntArrayRef(shape), "RegisterPlaneMask: ", module.name(),
                " has a weight_plane_mask of shape ", existing->sizes(), " but the weight needs ",
                at::IntArrayRef(shape));
    return *existing;
  }
  return module.register_buffer("weight_plane_mask", at::ones(shape, weight.options()));
}

absl::StatusOr<PlanePruner> PlanePruner::Create(std::vector<at::Tensor> weights,
                                                PruningOptions options) {
  std::vector<at::Tensor> masks;
  for (const at::Tensor& w : weights) {
    if (!HasPlanes(w)) break;  // the checks below name it
    masks.push_back(at::ones(PlaneMaskShape(w), w.options().requires_grad(false)));
  }
  if (masks.size() != weights.size()) masks.resize(weights.size());
  return Create(std::move(weights), std::move(masks), options);
}

absl::StatusOr<PlanePruner> PlanePruner::Create(std::vector<at::Tensor> weights,
                                                std::vector<at::Tensor> masks,
                                                PruningOptions options) {
  if (absl::Status status = CheckPruningOptions(options); !status.ok()) return status;
  if (options.scope() != PruningScope::kLayer) {
    return absl::InvalidArgumentError(
        "plane pruning ranks the planes of each layer on its own; use scope kLayer");
  }
  if (weights.empty()) return absl::InvalidArgumentError("plane pruning: no weights given");
  if (masks.size() != weights.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("plane pruning: %d masks for %d weights", masks.size(), weights.size()));
  }
  for (size_t i = 0; i < weights.size(); ++i) {
    if (!HasPlanes(weights[i])) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "plane pruning: weight %d is undefined, empty or not (C_out, C_in, kh, kw) / (P, kh, kw)",
          i));
    }
    if (!masks[i].defined() || masks[i].sizes() != at::IntArrayRef(PlaneMaskShape(weights[i]))) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "plane pruning: mask %d is undefined or not of shape (C_out, C_in, 1, 1) / (P, 1, 1) of "
          "its weight; make it with RegisterPlaneMask",
          i));
    }
  }
  return PlanePruner(std::move(weights), std::move(masks), options);
}

void PlanePruner::CheckShapes() const {
  for (size_t i = 0; i < weights_.size(); ++i) {
    TORCH_CHECK(masks_[i].sizes() == at::IntArrayRef(PlaneMaskShape(weights_[i])),
                "PlanePruner: weight ", i, " is now ", weights_[i].sizes(), " but its mask is ",
                masks_[i].sizes(),
                "; its planes changed (drop_zero_planes?), so create a new PlanePruner");
  }
}

void PlanePruner::Step(int64_t step) {
  if (IsPruningStep(step)) {
    CheckShapes();
    at::NoGradGuard no_grad;
    const double sparsity = SparsityAt(step);
    for (size_t i = 0; i < weights_.size(); ++i) {
      masks_[i].copy_(PlaneMagnitudeMask(weights_[i], sparsity, masks_[i]));
    }
  }
  ApplyMasks();
}

void PlanePruner::ApplyMasks() {
  CheckShapes();
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < weights_.size(); ++i) {
    weights_[i].mul_(masks_[i].to(weights_[i].device(), weights_[i].scalar_type()));
  }
}

double PlanePruner::Sparsity() const {
  double pruned = 0, total = 0;
  for (const at::Tensor& m : masks_) {
    pruned += static_cast<double>(m.eq(0).sum().item<int64_t>());
    total += static_cast<double>(m.numel());
  }
  return pruned / total;
}

}  // namespace sparselab
