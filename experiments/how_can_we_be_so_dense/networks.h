// The eight MNIST networks of Table 1 of Ahmad & Scheinkman 2019, "How Can We
// Be So Dense?" (arXiv:1903.11257), built from their config.json entries the
// way the reference code's SparseNet builds them (numenta/htmpapers,
// arxiv/how_can_we_be_so_dense/src/pytorch/sparse_net.py):
//
//   [conv 5x5 stride 1 -> max-pool 2 -> k-winners-2d or ReLU] x len(conv_channels)
//   -> flatten -> linear hidden (sparse weights if weight_density < 1)
//   -> k-winners or ReLU -> linear 10 -> log-softmax
//
// A layer gets k-winners when 0 < k < its unit count (C x H x W for a conv
// block, n for the hidden layer), otherwise ReLU, exactly as SparseNet decides.
#ifndef SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_NETWORKS_H_
#define SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_NETWORKS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "absl/status/statusor.h"
#include "lib/harness/config.h"
#include "lib/nn/k_winners.h"

namespace sparselab::how_can_we_be_so_dense {

// One network's entry of config.json "network_specs".
struct NetworkSpec {
  std::string name;   // config key, e.g. "sparseCNN2"
  std::string title;  // the paper's name, e.g. "Sparse CNN-2"
  std::vector<int64_t> conv_channels;
  std::vector<int64_t> conv_k;  // winners over each pooled C x H x W map
  double conv_weight_density = 1.0;
  int64_t hidden_n = 0;
  int64_t hidden_k = 0;
  double weight_density = 1.0;  // hidden linear layer
  double momentum = 0.0;
  double lr = 0.01;
  int64_t epochs = 0;
  int64_t first_epoch_batch_size = 0;
  double paper_test_accuracy[2] = {0, 0};  // mean, std (%)
  double paper_noise_score[2] = {0, 0};
};

// Settings shared by every network (the [DEFAULT] section of the reference cfg).
struct SharedLayerOptions {
  int64_t kernel_size = 5;
  double boost_strength = 1.5;
  double boost_strength_factor = 0.85;
  double k_inference_factor = 1.5;
  int64_t duty_cycle_period = 1000;
};

// Reads and checks config "network_specs" (every entry) and the shared options.
absl::StatusOr<std::map<std::string, NetworkSpec>> ReadNetworkSpecs(const Config& config);
absl::StatusOr<SharedLayerOptions> ReadSharedLayerOptions(const Config& config);

// Resolves a list of names (from --networks or config "networks") against the
// specs; an unknown name is an error that lists the known ones.
absl::StatusOr<std::vector<NetworkSpec>> SelectNetworks(
    const std::map<std::string, NetworkSpec>& specs, const std::vector<std::string>& names);

// One weighted layer with what follows it, for reporting.
struct LayerInfo {
  std::string name;                  // conv1, conv2, hidden, output
  std::function<at::Tensor()> weight;  // the (masked) weight tensor
  int64_t units = 0;                 // outputs per sample after the activation
  int64_t k = 0;                     // winners in training; 0 when ReLU / none
  int64_t k_inference = 0;           // winners in evaluation
  KWinners kwinners{nullptr};        // the hidden layer's k-winners, if any
  KWinners2d kwinners2d{nullptr};    // a conv block's k-winners, if any
};

class HowDenseNetImpl : public torch::nn::Module {
 public:
  HowDenseNetImpl(const NetworkSpec& spec, const SharedLayerOptions& options);

  // Log-probabilities (batch, 10) of (batch, 1, 28, 28) normalised images.
  at::Tensor forward(const at::Tensor& x);
  // The same, also returning every layer's output (after its activation).
  at::Tensor forward(const at::Tensor& x, std::vector<at::Tensor>* layer_outputs);

  const std::vector<LayerInfo>& layers() const { return layers_; }

 private:
  struct Block {
    std::function<at::Tensor(const at::Tensor&)> weights;
    std::function<at::Tensor(const at::Tensor&)> activation;  // empty: none
    bool pool = false;
    bool flatten = false;
  };
  // A conv block: conv (sparse weights when weight_density < 1), max-pool 2,
  // k-winners over the pooled channels x width x width map (ReLU when k
  // covers it).
  void AddConvBlock(const std::string& name, int64_t in_channels, int64_t channels,
                    int64_t pooled_width, int64_t k, double weight_density,
                    const SharedLayerOptions& options);
  // The hidden block: flatten, linear, k-winners or ReLU.
  void AddHiddenBlock(int64_t inputs, const NetworkSpec& spec, const SharedLayerOptions& options);

  std::vector<Block> blocks_;
  std::vector<LayerInfo> layers_;
};
TORCH_MODULE(HowDenseNet);

}  // namespace sparselab::how_can_we_be_so_dense

#endif  // SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_NETWORKS_H_
