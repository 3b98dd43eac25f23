#include "experiments/sparse_linear/models.h"

#include <utility>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "absl/strings/str_cat.h"
#include "lib/nn/activation_sparsity.h"

namespace sparselab::sparse_linear_experiment {
namespace {

// The tutorial's "very wide" network: pixels repeated `repeat` times, scaled
// and shifted per input, then SparseLinear + LayerNorm + ReLU layers of width
// W, a last SparseLinear of width W, and the class scores as sums of W / 10
// interleaved outputs (x.view(N, -1, 10).sum(1)).
class WideNetImpl : public torch::nn::Module {
 public:
  WideNetImpl(int64_t repeat, int64_t width, int64_t layers, double sparsity) : repeat_(repeat) {
    const int64_t in = 28 * 28 * repeat;
    input_scaling_ = register_parameter("input_scaling", at::ones({in}));
    input_shifting_ = register_parameter("input_shifting", at::zeros({in}));
    for (int64_t i = 0; i < layers; ++i) {
      sparse_.push_back(register_module(
          absl::StrCat("sc", i + 1),
          SparseLinear(SparseLinearOptions(i == 0 ? in : width, width).sparsity(sparsity))));
      if (i + 1 < layers) {
        norms_.push_back(register_module(
            absl::StrCat("ln", i + 1),
            torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}))));
      }
    }
  }

  at::Tensor forward(const at::Tensor& images) {
    at::Tensor x = images.reshape({images.size(0), 28 * 28}).repeat_interleave(repeat_, 1);
    x = input_scaling_ * x + input_shifting_;
    for (size_t i = 0; i < sparse_.size(); ++i) {
      x = sparse_[i]->forward(x);
      if (i < norms_.size()) x = at::relu(norms_[i]->forward(x));
    }
    return x.view({x.size(0), -1, 10}).sum(1);
  }

  const std::vector<SparseLinear>& sparse_layers() const { return sparse_; }

 private:
  int64_t repeat_;
  at::Tensor input_scaling_, input_shifting_;
  std::vector<SparseLinear> sparse_;
  std::vector<torch::nn::LayerNorm> norms_;
};

struct TwoLayerSpec {
  bool sparse = false;
  bool activation_sparsity = false;
  bool user_defined = false;
  bool dynamic = false;
  bool small_world = false;
};

absl::StatusOr<TwoLayerSpec> SpecFor(const std::string& name) {
  if (name == "dense") return TwoLayerSpec{};
  if (name == "sparse") return TwoLayerSpec{.sparse = true};
  if (name == "user_defined") return TwoLayerSpec{.sparse = true, .user_defined = true};
  if (name == "dynamic") return TwoLayerSpec{.sparse = true, .dynamic = true};
  if (name == "small_world") return TwoLayerSpec{.sparse = true, .small_world = true};
  if (name == "dense_activation_sparsity") return TwoLayerSpec{.activation_sparsity = true};
  if (name == "sparse_activation_sparsity") {
    return TwoLayerSpec{.sparse = true, .activation_sparsity = true};
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown model '", name, "'; the models are dense, sparse, user_defined, dynamic, "
      "small_world, dense_activation_sparsity, sparse_activation_sparsity, wide"));
}

}  // namespace

const std::vector<std::string>& ModelNames() {
  static const std::vector<std::string> names = {
      "dense", "sparse", "user_defined", "dynamic", "small_world",
      "dense_activation_sparsity", "sparse_activation_sparsity", "wide"};
  return names;
}

at::Tensor PerInputConnectivity(int64_t in_features, int64_t out_features, int64_t per_input) {
  std::vector<at::Tensor> rows;
  rows.reserve(in_features);
  for (int64_t c = 0; c < in_features; ++c) {
    rows.push_back(at::randperm(out_features, at::kLong).narrow(0, 0, per_input));
  }
  const at::Tensor cols = at::arange(in_features, at::kLong).repeat_interleave(per_input);
  return at::stack({at::cat(rows), cols});
}

int64_t PlannedEpochs(const std::string& name, const Config& config) {
  return config.Int(name == "wide" ? "wide.epochs" : "epochs");
}

absl::StatusOr<TutorialModel> BuildModel(const std::string& name, const Config& config) {
  TutorialModel model;
  model.lr = config.Double("lr." + name);
  model.epochs = PlannedEpochs(name, config);
  if (name == "wide") {
    const int64_t width = config.Int("wide.width");
    if (width % 10 != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "wide.width = ", width, " must be a multiple of 10 (the 10 classes sum width/10 outputs)"));
    }
    auto net = std::make_shared<WideNetImpl>(config.Int("wide.repeat"), width,
                                             config.Int("wide.layers"),
                                             config.Double("wide.sparsity"));
    model.module = net;
    model.forward = [net](const at::Tensor& x) { return net->forward(x); };
    model.sparse_layers = net->sparse_layers();
    model.nesterov = config.Bool("wide.nesterov");
    return model;
  }
  absl::StatusOr<TwoLayerSpec> spec_or = SpecFor(name);
  if (!spec_or.ok()) return spec_or.status();
  const TwoLayerSpec spec = *spec_or;
  const int64_t in = 28 * 28, hidden = config.Int("hidden"), classes = 10;
  auto sparse_options = [&](int64_t fan_in, int64_t fan_out) {
    return SparseLinearOptions(fan_in, fan_out)
        .sparsity(config.Double("sparsity"))
        .small_world(spec.small_world)
        .dynamic(spec.dynamic)
        .delta_t(config.Int("rigl.delta_t"))
        .t_end(config.Int("rigl.t_end"))
        .alpha(config.Double("rigl.alpha"));
  };
  torch::nn::Sequential net;
  net->push_back(torch::nn::Flatten());
  if (spec.sparse) {
    SparseLinearOptions first = sparse_options(in, hidden);
    if (spec.user_defined) {
      first.connectivity(
          PerInputConnectivity(in, hidden, config.Int("user_connections_per_input")));
    }
    model.sparse_layers.push_back(SparseLinear(first));
    net->push_back(model.sparse_layers.back());
  } else {
    net->push_back(torch::nn::Linear(in, hidden));
  }
  net->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden})));
  if (spec.activation_sparsity) {
    net->push_back(ActivationSparsity(ActivationSparsityOptions(hidden)
                                          .alpha(config.Double("activation.alpha"))
                                          .beta(config.Double("activation.beta"))
                                          .act_sparsity(config.Double("activation.act_sparsity"))
                                          .batch_size(config.Int("batch_size"))));
  } else {
    net->push_back(torch::nn::ReLU());
  }
  if (spec.sparse) {
    model.sparse_layers.push_back(SparseLinear(sparse_options(hidden, classes)));
    net->push_back(model.sparse_layers.back());
  } else {
    net->push_back(torch::nn::Linear(hidden, classes));
  }
  model.module = net.ptr();
  model.forward = [impl = net.ptr()](const at::Tensor& x) { return impl->forward(x); };
  return model;
}

int64_t ParameterCount(const torch::nn::Module& module) {
  int64_t count = 0;
  for (const auto& p : module.parameters()) count += p.numel();
  return count;
}

}  // namespace sparselab::sparse_linear_experiment
