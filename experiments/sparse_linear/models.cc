#include "experiments/sparse_linear/models.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/quote.h"
#include "lib/base/status_macros.h"
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

absl::StatusOr<TutorialOptions> ReadTutorialOptions(const Config& c) {
  TutorialOptions o;
  o.models = c.Get<std::vector<std::string>>("models");
  o.train_samples = c.Int("train_samples");
  o.test_samples = c.Int("test_samples");
  o.epochs = c.Int("epochs");
  o.batch_size = c.Int("batch_size");
  o.momentum = c.Double("momentum");
  o.eval_every_epoch = c.Bool("eval_every_epoch");
  o.resume = c.Bool("resume");
  o.rigl_counts = c.Bool("rigl_counts");
  o.hidden = c.Int("hidden");
  o.sparsity = c.Double("sparsity");
  o.user_connections_per_input = c.Int("user_connections_per_input");
  o.rigl = {c.Int("rigl.delta_t"), c.Int("rigl.t_end"), c.Double("rigl.alpha")};
  o.activation = {c.Double("activation.alpha"), c.Double("activation.beta"),
                  c.Double("activation.act_sparsity")};
  for (const std::string& name : ModelNames()) o.lr[name] = c.Double("lr." + name);
  o.wide.width = c.Int("wide.width");
  o.wide.layers = c.Int("wide.layers");
  o.wide.repeat = c.Int("wide.repeat");
  o.wide.epochs = c.Int("wide.epochs");
  o.wide.sparsity = c.Double("wide.sparsity");
  o.wide.nesterov = c.Bool("wide.nesterov");

  const std::string known = absl::StrJoin(ModelNames(), ", ");
  RETURN_IF_ERROR(RequireConfig(!o.models.empty(), c, "models",
                                absl::StrCat("give at least one model of ", known)));
  std::set<std::string> seen;
  for (const std::string& name : o.models) {
    RETURN_IF_ERROR(RequireConfig(
        o.lr.count(name) > 0, c, "models",
        absl::StrCat("unknown model ", QuoteInput(name), "; the models are ", known)));
    RETURN_IF_ERROR(RequireConfig(seen.insert(name).second, c, "models",
                                  absl::StrCat("model '", name, "' is listed twice")));
  }
  RETURN_IF_ERROR(RequireConfig(o.train_samples >= 0, c, "train_samples",
                                "must be >= 0 (0: all 60,000 training images)"));
  RETURN_IF_ERROR(RequireConfig(o.test_samples >= 0, c, "test_samples",
                                "must be >= 0 (0: all 10,000 test images)"));
  RETURN_IF_ERROR(RequireConfig(o.epochs >= 1, c, "epochs",
                                "every model trains at least 1 epoch (the tutorial: 20)"));
  RETURN_IF_ERROR(RequireConfig(o.batch_size >= 1, c, "batch_size",
                                "must be >= 1 (the tutorial: 64)"));
  RETURN_IF_ERROR(RequireConfig(o.momentum >= 0 && o.momentum < 1, c, "momentum",
                                "SGD momentum must be in [0, 1) (the tutorial: 0.9)"));
  RETURN_IF_ERROR(RequireConfig(o.hidden >= 1, c, "hidden",
                                "the hidden layer needs >= 1 unit (the tutorial: 2000)"));
  RETURN_IF_ERROR(RequireConfig(o.sparsity >= 0 && o.sparsity < 1, c, "sparsity",
                                "a sparsity (fraction of absent connections) must be in [0, 1)"));
  RETURN_IF_ERROR(RequireConfig(
      o.user_connections_per_input >= 1 && o.user_connections_per_input <= o.hidden, c,
      "user_connections_per_input",
      absl::StrCat("each input pixel connects to 1 to hidden = ", o.hidden,
                   " distinct hidden units")));
  RETURN_IF_ERROR(RequireConfig(o.rigl.delta_t >= 1, c, "rigl.delta_t",
                                "RigL rewires every delta_t >= 1 steps"));
  RETURN_IF_ERROR(RequireConfig(o.rigl.t_end >= 0, c, "rigl.t_end",
                                "the last rewiring step must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(o.rigl.alpha >= 0 && o.rigl.alpha <= 1, c, "rigl.alpha",
                                "the fraction of connections RigL moves must be in [0, 1]"));
  RETURN_IF_ERROR(RequireConfig(o.activation.alpha > 0 && o.activation.alpha <= 1, c,
                                "activation.alpha", "the duty-cycle rate must be in (0, 1]"));
  RETURN_IF_ERROR(RequireConfig(o.activation.beta >= 0, c, "activation.beta",
                                "the boost strength must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(
      o.activation.act_sparsity >= 0 && o.activation.act_sparsity < 1, c,
      "activation.act_sparsity", "the fraction of inactive units must be in [0, 1)"));
  for (const auto& [name, lr] : o.lr) {
    RETURN_IF_ERROR(RequireConfig(std::isfinite(lr) && lr > 0, c, "lr." + name,
                                  "a learning rate must be > 0"));
  }
  RETURN_IF_ERROR(RequireConfig(o.wide.width >= 10 && o.wide.width % 10 == 0, c, "wide.width",
                                "must be a multiple of 10 (the 10 classes sum width/10 outputs)"));
  RETURN_IF_ERROR(RequireConfig(o.wide.layers >= 1, c, "wide.layers",
                                "the wide model needs >= 1 SparseLinear layer (the tutorial: 5)"));
  RETURN_IF_ERROR(RequireConfig(o.wide.repeat >= 1, c, "wide.repeat",
                                "each pixel is repeated >= 1 times (the tutorial: 10)"));
  RETURN_IF_ERROR(RequireConfig(o.wide.epochs >= 1, c, "wide.epochs",
                                "the wide model trains at least 1 epoch (the tutorial: 20)"));
  RETURN_IF_ERROR(RequireConfig(o.wide.sparsity >= 0 && o.wide.sparsity < 1, c, "wide.sparsity",
                                "a sparsity must be in [0, 1) (the tutorial: 0.999)"));
  const bool wide = std::count(o.models.begin(), o.models.end(), "wide") > 0;
  RETURN_IF_ERROR(RequireConfig(!wide || !o.wide.nesterov || o.momentum > 0, c, "wide.nesterov",
                                "Nesterov momentum needs momentum > 0: set it false or raise "
                                "momentum"));
  return o;
}

int64_t PlannedEpochs(const std::string& name, const TutorialOptions& options) {
  return name == "wide" ? options.wide.epochs : options.epochs;
}

absl::StatusOr<TutorialModel> BuildModel(const std::string& name, const TutorialOptions& o) {
  TutorialModel model;
  model.lr = o.lr.at(name);
  model.epochs = PlannedEpochs(name, o);
  if (name == "wide") {
    auto net = std::make_shared<WideNetImpl>(o.wide.repeat, o.wide.width, o.wide.layers,
                                             o.wide.sparsity);
    model.module = net;
    model.forward = [net](const at::Tensor& x) { return net->forward(x); };
    model.sparse_layers = net->sparse_layers();
    model.nesterov = o.wide.nesterov;
    return model;
  }
  absl::StatusOr<TwoLayerSpec> spec_or = SpecFor(name);
  if (!spec_or.ok()) return spec_or.status();
  const TwoLayerSpec spec = *spec_or;
  const int64_t in = 28 * 28, hidden = o.hidden, classes = 10;
  auto sparse_options = [&](int64_t fan_in, int64_t fan_out) {
    return SparseLinearOptions(fan_in, fan_out)
        .sparsity(o.sparsity)
        .small_world(spec.small_world)
        .dynamic(spec.dynamic)
        .delta_t(o.rigl.delta_t)
        .t_end(o.rigl.t_end)
        .alpha(o.rigl.alpha);
  };
  torch::nn::Sequential net;
  net->push_back(torch::nn::Flatten());
  if (spec.sparse) {
    SparseLinearOptions first = sparse_options(in, hidden);
    if (spec.user_defined) {
      first.connectivity(
          PerInputConnectivity(in, hidden, o.user_connections_per_input));
    }
    model.sparse_layers.push_back(SparseLinear(first));
    net->push_back(model.sparse_layers.back());
  } else {
    net->push_back(torch::nn::Linear(in, hidden));
  }
  net->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden})));
  if (spec.activation_sparsity) {
    net->push_back(ActivationSparsity(ActivationSparsityOptions(hidden)
                                          .alpha(o.activation.alpha)
                                          .beta(o.activation.beta)
                                          .act_sparsity(o.activation.act_sparsity)
                                          .batch_size(o.batch_size)));
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
