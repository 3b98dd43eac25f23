// The eight Table 1 networks built from the real config.json: which layers are
// k-winners, their unit counts and k, weight counts and densities, and the
// output of a forward pass.
#include "experiments/how_can_we_be_so_dense/networks.h"

#include <cstdlib>
#include <string>

#include <torch/torch.h>

#include "gtest/gtest.h"

namespace sparselab::how_can_we_be_so_dense {
namespace {

Config PaperConfig(const std::vector<std::string>& overrides = {}) {
  const std::string path = std::string(std::getenv("TEST_SRCDIR")) +
                           "/sparselab/experiments/how_can_we_be_so_dense/config.json";
  absl::StatusOr<Config> c = Config::Load(path, "paper", overrides);
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

HowDenseNet Build(const std::string& name) {
  const Config config = PaperConfig();
  auto specs = ReadNetworkSpecs(config);
  EXPECT_TRUE(specs.ok()) << specs.status();
  torch::manual_seed(1);
  return HowDenseNet(specs->at(name), *ReadSharedLayerOptions(config));
}

int64_t NonZero(const at::Tensor& t) { return t.ne(0).sum().item<int64_t>(); }

TEST(NetworksTest, AllEightNetworksInPaperOrder) {
  const Config config = PaperConfig();
  auto specs = ReadNetworkSpecs(config);
  ASSERT_TRUE(specs.ok()) << specs.status();
  auto selected = SelectNetworks(*specs, config.Get<std::vector<std::string>>("networks"));
  ASSERT_TRUE(selected.ok()) << selected.status();
  ASSERT_EQ(selected->size(), 8u);
  EXPECT_EQ((*selected)[0].title, "Dense CNN-1");
  EXPECT_EQ((*selected)[7].title, "Sparse CNN-2 DSW");
  EXPECT_EQ(ReadSharedLayerOptions(config)->k_inference_factor, 1.5);
}

TEST(NetworksTest, ImpossibleSharedOptionsNameKeyValueAndRule) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"kernel_size=0", "config key 'kernel_size' = 0 (preset paper): must be in [1, 12]"},
      {"boost_strength=-1", "config key 'boost_strength' = -1 (preset paper): must be >= 0"},
      {"boost_strength_factor=1.5", "'boost_strength_factor' = 1.5 (preset paper): must be in (0, 1]"},
      {"k_inference_factor=0", "'k_inference_factor' = 0 (preset paper): must be > 0"},
      {"duty_cycle_period=0", "'duty_cycle_period' = 0 (preset paper): must be >= 1"},
  };
  for (const auto& [set, message] : bad) {
    absl::StatusOr<SharedLayerOptions> o = ReadSharedLayerOptions(PaperConfig({set}));
    ASSERT_FALSE(o.ok()) << set;
    EXPECT_NE(std::string(o.status().message()).find(message), std::string::npos)
        << o.status();
  }
}

TEST(NetworksTest, UnknownNetworkNamesTheKnownOnes) {
  auto specs = ReadNetworkSpecs(PaperConfig());
  ASSERT_TRUE(specs.ok());
  auto s = SelectNetworks(*specs, {"sparseCNN2", "sparseCNN9"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.status().message()).find("unknown network 'sparseCNN9'"), std::string::npos);
  EXPECT_NE(std::string(s.status().message()).find("denseCNN2SP3"), std::string::npos);
}

TEST(NetworksTest, SparseCnn2Layers) {
  HowDenseNet net = Build("sparseCNN2");
  const auto& layers = net->layers();
  ASSERT_EQ(layers.size(), 4u);
  // 28 -> conv 5 -> 24 -> pool -> 12; 12 -> 8 -> 4.
  EXPECT_EQ(layers[0].units, 32 * 12 * 12);
  EXPECT_EQ(layers[0].k, 400);
  EXPECT_EQ(layers[0].k_inference, 600);
  EXPECT_TRUE(layers[0].kwinners2d);
  EXPECT_EQ(layers[1].units, 64 * 4 * 4);
  EXPECT_EQ(layers[1].k, 300);
  EXPECT_EQ(layers[2].units, 700);
  EXPECT_EQ(layers[2].k, 100);
  EXPECT_EQ(layers[2].k_inference, 150);
  EXPECT_TRUE(layers[2].kwinners);
  // Hidden weight density 0.3: 307 of 1024 inputs per unit; convs dense.
  EXPECT_EQ(layers[2].weight().sizes(), (std::vector<int64_t>{700, 1024}));
  EXPECT_EQ(NonZero(layers[2].weight()), 700 * 307);
  EXPECT_EQ(NonZero(layers[1].weight()), 64 * 32 * 25);
  EXPECT_EQ(layers[3].weight().sizes(), (std::vector<int64_t>{10, 700}));
}

TEST(NetworksTest, DenseCnn2IsAllReluAndDense) {
  HowDenseNet net = Build("denseCNN2");
  for (const LayerInfo& layer : net->layers()) {
    EXPECT_EQ(layer.k, 0) << layer.name;
    EXPECT_FALSE(layer.kwinners) << layer.name;
    EXPECT_FALSE(layer.kwinners2d) << layer.name;
    EXPECT_EQ(NonZero(layer.weight()), layer.weight().numel()) << layer.name;
  }
  EXPECT_EQ(net->layers()[0].units, 30 * 12 * 12);
  EXPECT_EQ(net->layers()[1].units, 30 * 4 * 4);
  EXPECT_EQ(net->layers()[2].weight().sizes(), (std::vector<int64_t>{1000, 480}));
}

TEST(NetworksTest, MixedNetworks) {
  // SP3: dense convs, sparse hidden layer like Sparse CNN-2 (480 inputs: 144 kept).
  HowDenseNet sp3 = Build("denseCNN2SP3");
  EXPECT_FALSE(sp3->layers()[0].kwinners2d);
  EXPECT_EQ(sp3->layers()[2].k, 100);
  EXPECT_EQ(NonZero(sp3->layers()[2].weight()), 700 * 144);
  // D3: sparse convs, dense ReLU hidden layer.
  HowDenseNet d3 = Build("sparseCNN2D3");
  EXPECT_TRUE(d3->layers()[1].kwinners2d);
  EXPECT_FALSE(d3->layers()[2].kwinners);
  EXPECT_EQ(NonZero(d3->layers()[2].weight()), 1000 * 1024);
  // W1: k-winners hidden layer with dense weights.
  HowDenseNet w1 = Build("sparseCNN2W1");
  EXPECT_TRUE(w1->layers()[2].kwinners);
  EXPECT_EQ(NonZero(w1->layers()[2].weight()), 700 * 1024);
  // DSW: ReLU hidden layer with sparse weights.
  HowDenseNet dsw = Build("sparseCNN2DSW");
  EXPECT_FALSE(dsw->layers()[2].kwinners);
  EXPECT_EQ(NonZero(dsw->layers()[2].weight()), 1000 * 307);
  // Sparse CNN-1: one conv (400 of 4320), hidden 50 of 150 on 4320 inputs.
  HowDenseNet s1 = Build("sparseCNN1");
  ASSERT_EQ(s1->layers().size(), 3u);
  EXPECT_EQ(s1->layers()[0].units, 4320);
  EXPECT_EQ(s1->layers()[0].k, 400);
  EXPECT_EQ(NonZero(s1->layers()[1].weight()), 150 * 1296);
}

TEST(NetworksTest, ForwardGivesLogProbabilitiesAndKWinnersOutputs) {
  HowDenseNet net = Build("sparseCNN2");
  net->eval();
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> outputs;
  const at::Tensor out = net->forward(torch::randn({5, 1, 28, 28}), &outputs);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{5, 10}));
  EXPECT_TRUE(out.exp().sum(1).allclose(torch::ones({5}), 1e-5, 1e-5));
  ASSERT_EQ(outputs.size(), 4u);
  EXPECT_TRUE(outputs[0].ne(0).flatten(1).sum(1).eq(600).all().item<bool>());
  EXPECT_TRUE(outputs[2].ne(0).sum(1).eq(150).all().item<bool>());
  net->train();
  outputs.clear();
  net->forward(torch::randn({5, 1, 28, 28}), &outputs);
  EXPECT_TRUE(outputs[1].ne(0).flatten(1).sum(1).eq(300).all().item<bool>());  // conv2: k = 300
}

TEST(NetworksTest, BadSpecFailsWithTheField) {
  absl::StatusOr<Config> c = Config::Load(
      std::string(std::getenv("TEST_SRCDIR")) +
          "/sparselab/experiments/how_can_we_be_so_dense/config.json",
      "paper", {"network_specs.denseCNN1.weight_density=1.5"});
  ASSERT_TRUE(c.ok()) << c.status();
  auto specs = ReadNetworkSpecs(*c);
  ASSERT_FALSE(specs.ok());
  EXPECT_NE(std::string(specs.status().message()).find("denseCNN1"), std::string::npos);
  EXPECT_NE(std::string(specs.status().message()).find("weight densities"), std::string::npos);
}

}  // namespace
}  // namespace sparselab::how_can_we_be_so_dense
