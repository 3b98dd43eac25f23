#include "experiments/pruning/models.h"

#include <cmath>
#include <cstdlib>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/named_any.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sparselab::pruning_experiment {
namespace {

constexpr int64_t kKernel = 5;
constexpr int64_t kPooledSide = 4;  // 28 -> 24 -> 12 -> 8 -> 4
constexpr int64_t kClasses = 10;

const std::vector<Architecture>& Architectures() {
  static const auto* a = new std::vector<Architecture>{
      {"lenet5", "LeNet-5", 32, 64, 512},
      {"dense_cnn2", "Dense CNN-2", 30, 30, 1000},
  };
  return *a;
}

}  // namespace

const std::vector<std::string>& ArchitectureNames() {
  static const auto* names = [] {
    auto* n = new std::vector<std::string>;
    for (const Architecture& a : Architectures()) n->push_back(a.name);
    return n;
  }();
  return *names;
}

absl::StatusOr<Architecture> FindArchitecture(const std::string& name) {
  for (const Architecture& a : Architectures()) {
    if (a.name == name) return a;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown model \"", name, "\"; the models are ",
                                                 absl::StrJoin(ArchitectureNames(), ", ")));
}

Architecture Narrowed(const Architecture& a, double width) {
  auto scale = [&](int64_t n) {
    return std::max<int64_t>(1, std::llround(static_cast<double>(n) * width));
  };
  Architecture out = a;
  out.conv1 = scale(a.conv1);
  out.conv2 = scale(a.conv2);
  out.hidden = scale(a.hidden);
  return out;
}

int64_t WeightCount(const Architecture& a) {
  const int64_t k2 = kKernel * kKernel;
  return k2 * a.conv1 + k2 * a.conv1 * a.conv2 + kPooledSide * kPooledSide * a.conv2 * a.hidden +
         a.hidden * kClasses;
}

Architecture NarrowedToWeights(const Architecture& a, int64_t target) {
  // The count grows monotonically with the width: scan it finely (1e-4 steps)
  // and keep the closest.
  Architecture best = a;
  int64_t best_gap = std::llabs(WeightCount(a) - target);
  for (int step = 1; step <= 10000; ++step) {
    const Architecture c = Narrowed(a, step * 1e-4);
    const int64_t gap = std::llabs(WeightCount(c) - target);
    if (gap < best_gap) {
      best = c;
      best_gap = gap;
    }
  }
  return best;
}

torch::nn::Sequential Build(const Architecture& a) {
  namespace nn = torch::nn;
  return nn::Sequential({
      {"conv1", nn::AnyModule(nn::Conv2d(nn::Conv2dOptions(1, a.conv1, kKernel)))},
      {"relu1", nn::AnyModule(nn::ReLU())},
      {"pool1", nn::AnyModule(nn::MaxPool2d(nn::MaxPool2dOptions(2)))},
      {"conv2", nn::AnyModule(nn::Conv2d(nn::Conv2dOptions(a.conv1, a.conv2, kKernel)))},
      {"relu2", nn::AnyModule(nn::ReLU())},
      {"pool2", nn::AnyModule(nn::MaxPool2d(nn::MaxPool2dOptions(2)))},
      {"flatten", nn::AnyModule(nn::Flatten())},
      {"fc1", nn::AnyModule(nn::Linear(kPooledSide * kPooledSide * a.conv2, a.hidden))},
      {"relu3", nn::AnyModule(nn::ReLU())},
      {"fc2", nn::AnyModule(nn::Linear(a.hidden, kClasses))},
  });
}

}  // namespace sparselab::pruning_experiment
