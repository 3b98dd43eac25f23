#include "lib/nn/pruning.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/nn/winners.h"

namespace sparselab {

absl::StatusOr<PruningSchedule> ParsePruningSchedule(std::string_view name) {
  if (name == "constant") return PruningSchedule::kConstant;
  if (name == "gradual") return PruningSchedule::kGradual;
  return absl::InvalidArgumentError(absl::StrCat("unknown pruning schedule \"", std::string(name),
                                                 "\"; use \"constant\" or \"gradual\""));
}

absl::Status CheckPruningOptions(const PruningOptions& options) {
  const double si = options.initial_sparsity(), sf = options.final_sparsity();
  if (!(sf >= 0 && sf < 1) || !(si >= 0 && si <= sf)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "pruning: need 0 <= initial_sparsity (%g) <= final_sparsity (%g) < 1", si, sf));
  }
  if (options.begin_step() < 0 || options.num_steps() <= 0 || options.frequency() <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "pruning: need begin_step >= 0 and positive num_steps and frequency, got %d, %d, %d",
        options.begin_step(), options.num_steps(), options.frequency()));
  }
  return absl::OkStatus();
}

double ScheduledSparsity(const PruningOptions& options, int64_t step) {
  const int64_t t0 = options.begin_step();
  if (step < t0) return 0.0;
  if (options.schedule() == PruningSchedule::kConstant) return options.final_sparsity();
  const int64_t span = options.num_steps() * options.frequency();
  // The last pruning step at or before `step`.
  const int64_t t = std::min(span, (step - t0) / options.frequency() * options.frequency());
  const double remaining = 1.0 - static_cast<double>(t) / static_cast<double>(span);
  return options.final_sparsity() +
         (options.initial_sparsity() - options.final_sparsity()) * std::pow(remaining, 3);
}

bool IsScheduledPruningStep(const PruningOptions& options, int64_t step) {
  const int64_t t0 = options.begin_step();
  if (options.schedule() == PruningSchedule::kConstant) return step == t0;
  return step >= t0 && step <= t0 + options.num_steps() * options.frequency() &&
         (step - t0) % options.frequency() == 0;
}

absl::StatusOr<MagnitudePruner> MagnitudePruner::Create(std::vector<at::Tensor> parameters,
                                                        PruningOptions options) {
  if (absl::Status status = CheckPruningOptions(options); !status.ok()) return status;
  if (parameters.empty()) return absl::InvalidArgumentError("pruning: no parameters given");
  for (const at::Tensor& p : parameters) {
    if (!p.defined() || p.numel() == 0) {
      return absl::InvalidArgumentError("pruning: a parameter is undefined or empty");
    }
  }
  std::vector<at::Tensor> masks;
  for (const at::Tensor& p : parameters) masks.push_back(at::ones_like(p).detach());
  return MagnitudePruner(std::move(parameters), std::move(masks), options);
}

absl::StatusOr<MagnitudePruner> MagnitudePruner::Create(std::vector<at::Tensor> parameters,
                                                        std::vector<at::Tensor> masks,
                                                        PruningOptions options) {
  if (masks.size() != parameters.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("pruning: %d masks for %d parameters", masks.size(), parameters.size()));
  }
  for (size_t i = 0; i < masks.size(); ++i) {
    if (!masks[i].defined() || !parameters[i].defined() ||
        masks[i].sizes() != parameters[i].sizes()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("pruning: mask %d is undefined or not of its parameter's shape", i));
    }
  }
  absl::StatusOr<MagnitudePruner> checked = Create(parameters, options);
  if (!checked.ok()) return checked.status();
  return MagnitudePruner(std::move(parameters), std::move(masks), options);
}

MagnitudePruner::MagnitudePruner(std::vector<at::Tensor> parameters, std::vector<at::Tensor> masks,
                                 PruningOptions options)
    : parameters_(std::move(parameters)), masks_(std::move(masks)), options_(options) {}

void MagnitudePruner::Step(int64_t step) {
  if (IsPruningStep(step)) Prune(SparsityAt(step));
  ApplyMasks();
}

void MagnitudePruner::Prune(double sparsity) {
  at::NoGradGuard no_grad;
  if (options_.scope() == PruningScope::kGlobal) {
    // One ranking over every weight: the smallest magnitudes anywhere go.
    std::vector<at::Tensor> scores;
    for (size_t i = 0; i < parameters_.size(); ++i) {
      scores.push_back(parameters_[i]
                           .detach()
                           .abs()
                           .to(at::kDouble)
                           .masked_fill(masks_[i].eq(0), -1)
                           .reshape({-1}));
    }
    const at::Tensor all = at::cat(scores).reshape({1, -1});
    const int64_t n = all.numel();
    const int64_t keep = n - std::llround(sparsity * static_cast<double>(n));
    const at::Tensor mask = WinnerMask(all, keep, /*dim=*/1, /*break_ties=*/true).reshape({-1});
    int64_t offset = 0;
    for (size_t i = 0; i < parameters_.size(); ++i) {
      const int64_t size = parameters_[i].numel();
      masks_[i].copy_(mask.narrow(0, offset, size).view(parameters_[i].sizes()));
      offset += size;
    }
    return;
  }
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const at::Tensor& p = parameters_[i];
    const int64_t n = p.numel();
    const int64_t keep = n - std::llround(sparsity * static_cast<double>(n));
    // Already-pruned weights rank below every kept one, so masks only grow.
    const at::Tensor scores = p.detach().abs().masked_fill(masks_[i].eq(0), -1).reshape({1, n});
    masks_[i].copy_(WinnerMask(scores, keep, /*dim=*/1, /*break_ties=*/true).view(p.sizes()));
  }
}

void MagnitudePruner::ApplyMasks() {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    if (masks_[i].device() != parameters_[i].device()) {
      masks_[i] = masks_[i].to(parameters_[i].device());
    }
    parameters_[i].mul_(masks_[i]);
  }
}

double MagnitudePruner::Sparsity() const {
  double pruned = 0, total = 0;
  for (const at::Tensor& m : masks_) {
    pruned += static_cast<double>(m.eq(0).sum().item<int64_t>());
    total += static_cast<double>(m.numel());
  }
  return pruned / total;
}

}  // namespace sparselab
