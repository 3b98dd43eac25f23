#include "experiments/how_can_we_be_so_dense/networks.h"

#include <utility>

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/options/conv.h>
#include <torch/nn/options/linear.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"
#include "lib/nn/sparse_weights.h"

namespace sparselab::how_can_we_be_so_dense {
namespace {

constexpr int64_t kImageSize = 28;  // MNIST
constexpr int64_t kClasses = 10;

absl::Status SpecError(const std::string& name, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(
      "config.json network_specs.", name, ": ", what,
      " (fix the entry in experiments/how_can_we_be_so_dense/config.json or the --set override)"));
}

absl::StatusOr<NetworkSpec> ParseSpec(const std::string& name, const nlohmann::json& j) {
  NetworkSpec s;
  s.name = name;
  try {
    s.title = j.at("title").get<std::string>();
    s.conv_channels = j.at("conv_channels").get<std::vector<int64_t>>();
    s.conv_k = j.at("conv_k").get<std::vector<int64_t>>();
    s.conv_weight_density = j.at("conv_weight_density").get<double>();
    s.hidden_n = j.at("hidden_n").get<int64_t>();
    s.hidden_k = j.at("hidden_k").get<int64_t>();
    s.weight_density = j.at("weight_density").get<double>();
    s.momentum = j.at("momentum").get<double>();
    s.lr = j.at("lr").get<double>();
    s.epochs = j.at("epochs").get<int64_t>();
    s.first_epoch_batch_size = j.at("first_epoch_batch_size").get<int64_t>();
    const auto acc = j.at("paper_test_accuracy").get<std::vector<double>>();
    const auto noise = j.at("paper_noise_score").get<std::vector<double>>();
    if (acc.size() != 2 || noise.size() != 2) {
      return SpecError(name, "paper_test_accuracy and paper_noise_score must be [mean, std]");
    }
    s.paper_test_accuracy[0] = acc[0];
    s.paper_test_accuracy[1] = acc[1];
    s.paper_noise_score[0] = noise[0];
    s.paper_noise_score[1] = noise[1];
  } catch (const nlohmann::json::exception& e) {
    return SpecError(name, absl::StrCat("missing or mistyped field: ", e.what()));
  }
  if (s.conv_channels.empty() || s.conv_channels.size() != s.conv_k.size()) {
    return SpecError(name, "conv_channels and conv_k must be non-empty lists of equal length");
  }
  for (size_t i = 0; i < s.conv_channels.size(); ++i) {
    if (s.conv_channels[i] <= 0 || s.conv_k[i] <= 0) {
      return SpecError(name, "conv_channels and conv_k must be positive");
    }
  }
  if (s.hidden_n <= 0 || s.hidden_k <= 0 || s.hidden_k > s.hidden_n) {
    return SpecError(name, "needs 0 < hidden_k <= hidden_n");
  }
  if (!(s.weight_density > 0 && s.weight_density <= 1) ||
      !(s.conv_weight_density > 0 && s.conv_weight_density <= 1)) {
    return SpecError(name, "weight densities must be in (0, 1]");
  }
  if (s.lr <= 0 || s.momentum < 0 || s.epochs <= 0 || s.first_epoch_batch_size <= 0) {
    return SpecError(name, "needs lr > 0, momentum >= 0, epochs > 0, first_epoch_batch_size > 0");
  }
  return s;
}

}  // namespace

absl::StatusOr<std::map<std::string, NetworkSpec>> ReadNetworkSpecs(const Config& config) {
  const nlohmann::json& all = config.At("network_specs");
  if (!all.is_object() || all.empty()) {
    return absl::InvalidArgumentError("config.json: \"network_specs\" must be a non-empty object");
  }
  std::map<std::string, NetworkSpec> specs;
  for (auto it = all.begin(); it != all.end(); ++it) {
    absl::StatusOr<NetworkSpec> spec = ParseSpec(it.key(), it.value());
    if (!spec.ok()) return spec.status();
    specs.emplace(it.key(), *std::move(spec));
  }
  return specs;
}

absl::StatusOr<SharedLayerOptions> ReadSharedLayerOptions(const Config& config) {
  SharedLayerOptions o;
  o.kernel_size = config.Int("kernel_size");
  o.boost_strength = config.Double("boost_strength");
  o.boost_strength_factor = config.Double("boost_strength_factor");
  o.k_inference_factor = config.Double("k_inference_factor");
  o.duty_cycle_period = config.Int("duty_cycle_period");
  RETURN_IF_ERROR(RequireConfig(o.kernel_size >= 1 && o.kernel_size <= 12, config, "kernel_size",
                                "must be in [1, 12] (two valid convolutions and poolings of "
                                "28 x 28 images)"));
  RETURN_IF_ERROR(RequireConfig(o.boost_strength >= 0, config, "boost_strength",
                                "must be >= 0 (0: no boosting)"));
  RETURN_IF_ERROR(RequireConfig(o.boost_strength_factor > 0 && o.boost_strength_factor <= 1,
                                config, "boost_strength_factor", "must be in (0, 1]"));
  RETURN_IF_ERROR(RequireConfig(o.k_inference_factor > 0, config, "k_inference_factor",
                                "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.duty_cycle_period >= 1, config, "duty_cycle_period",
                                "must be >= 1"));
  return o;
}

absl::StatusOr<std::vector<NetworkSpec>> SelectNetworks(
    const std::map<std::string, NetworkSpec>& specs, const std::vector<std::string>& names) {
  if (names.empty()) return absl::InvalidArgumentError("no networks selected");
  std::vector<NetworkSpec> selected;
  for (const std::string& name : names) {
    auto it = specs.find(name);
    if (it == specs.end()) {
      std::vector<std::string> known;
      for (const auto& [key, spec] : specs) known.push_back(key);
      return absl::InvalidArgumentError(absl::StrCat("unknown network '", name,
                                                     "'; known networks: ",
                                                     absl::StrJoin(known, ", ")));
    }
    selected.push_back(it->second);
  }
  return selected;
}

namespace {

using Step = std::function<at::Tensor(const at::Tensor&)>;

// Registers `layer` under `name`, behind a sparse-weight mask when density < 1
// (sparse_net.py: SparseWeights / SparseWeights2d only when 0 < sparsity < 1),
// and returns its forward step; `weight` reads the (masked) weight.
template <typename Sparse, typename Dense>
Step RegisterWeights(torch::nn::Module& owner, const std::string& name, Dense layer,
                     double density, std::function<at::Tensor()>& weight) {
  if (density < 1) {
    auto sparse = owner.register_module(name, Sparse(layer, density));
    weight = [sparse] { return sparse->module->weight; };
    return [sparse](const at::Tensor& x) mutable { return sparse->forward(x); };
  }
  layer = owner.register_module(name, layer);
  weight = [layer] { return layer->weight; };
  return [layer](const at::Tensor& x) mutable { return layer->forward(x); };
}

// The reference's boosting settings on a k-winners layer's options, with
// break_ties (torch.topk: exactly k winners).
template <typename Options>
Options Boosted(Options options, const SharedLayerOptions& o) {
  return options.k_inference_factor(o.k_inference_factor)
      .boost_strength(o.boost_strength)
      .boost_strength_factor(o.boost_strength_factor)
      .duty_cycle_period(o.duty_cycle_period)
      .break_ties(true);
}

}  // namespace

HowDenseNetImpl::HowDenseNetImpl(const NetworkSpec& spec, const SharedLayerOptions& o) {
  int64_t in_channels = 1, width = kImageSize;
  for (size_t i = 0; i < spec.conv_channels.size(); ++i) {
    width = (width - o.kernel_size + 1) / 2;  // valid conv, then max-pool 2
    AddConvBlock(absl::StrCat("conv", i + 1), in_channels, spec.conv_channels[i], width,
                 spec.conv_k[i], spec.conv_weight_density, o);
    in_channels = spec.conv_channels[i];
  }
  AddHiddenBlock(in_channels * width * width, spec, o);
  auto output = register_module("output", torch::nn::Linear(spec.hidden_n, kClasses));
  blocks_.push_back(Block{[output](const at::Tensor& x) mutable { return output->forward(x); }, {},
                          false, false});
  LayerInfo info;
  info.name = "output";
  info.units = kClasses;
  info.weight = [output] { return output->weight; };
  layers_.push_back(std::move(info));
}

void HowDenseNetImpl::AddConvBlock(const std::string& name, int64_t in_channels,
                                   int64_t channels, int64_t pooled_width, int64_t k,
                                   double weight_density, const SharedLayerOptions& o) {
  LayerInfo info;
  info.name = name;
  Block block;
  block.pool = true;
  block.weights = RegisterWeights<SparseWeights2d>(
      *this, name, torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, channels, o.kernel_size)),
      weight_density, info.weight);
  info.units = channels * pooled_width * pooled_width;
  if (k < info.units) {
    // KWinners2d(n = C*H*W, k = c_k) in sparse_net.py: winners over the whole map.
    auto kw = register_module(name + "_kwinners",
                              KWinners2d(Boosted(KWinners2dOptions(channels, k), o)));
    block.activation = [kw](const at::Tensor& x) mutable { return kw->forward(x); };
    info.k = k;
    info.k_inference = kw->k_inference(info.units);
    info.kwinners2d = kw;
  } else {
    block.activation = [](const at::Tensor& x) { return at::relu(x); };
  }
  blocks_.push_back(std::move(block));
  layers_.push_back(std::move(info));
}

void HowDenseNetImpl::AddHiddenBlock(int64_t inputs, const NetworkSpec& spec,
                                     const SharedLayerOptions& o) {
  LayerInfo info;
  info.name = "hidden";
  info.units = spec.hidden_n;
  Block block;
  block.flatten = true;
  block.weights = RegisterWeights<SparseWeights>(
      *this, "hidden", torch::nn::Linear(inputs, spec.hidden_n), spec.weight_density, info.weight);
  if (spec.hidden_k < spec.hidden_n) {
    auto kw = register_module("hidden_kwinners",
                              KWinners(Boosted(KWinnersOptions(spec.hidden_n, spec.hidden_k), o)));
    block.activation = [kw](const at::Tensor& x) mutable { return kw->forward(x); };
    info.k = spec.hidden_k;
    info.k_inference = kw->k_inference();
    info.kwinners = kw;
  } else {
    block.activation = [](const at::Tensor& x) { return at::relu(x); };
  }
  blocks_.push_back(std::move(block));
  layers_.push_back(std::move(info));
}

at::Tensor HowDenseNetImpl::forward(const at::Tensor& x) { return forward(x, nullptr); }

at::Tensor HowDenseNetImpl::forward(const at::Tensor& input,
                                    std::vector<at::Tensor>* layer_outputs) {
  at::Tensor x = input;
  for (const Block& block : blocks_) {
    if (block.flatten) x = x.flatten(1);
    x = block.weights(x);
    if (block.pool) x = at::max_pool2d(x, {2, 2});
    if (block.activation) x = block.activation(x);
    if (layer_outputs != nullptr) layer_outputs->push_back(x);
  }
  return at::log_softmax(x, 1);
}

}  // namespace sparselab::how_can_we_be_so_dense
