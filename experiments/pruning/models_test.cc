#include "experiments/pruning/models.h"

#include <torch/torch.h>

#include "gtest/gtest.h"

namespace sparselab::pruning_experiment {
namespace {

int64_t CountWeights(torch::nn::Sequential& model) {
  int64_t n = 0;
  for (const auto& p : model->named_parameters()) {
    if (p.key().find("weight") != std::string::npos) n += p.value().numel();
  }
  return n;
}

TEST(PruningModelsTest, WeightCountsByHand) {
  auto lenet = FindArchitecture("lenet5");
  ASSERT_TRUE(lenet.ok());
  // 25*32 + 25*32*64 + 1024*512 + 512*10 = 800 + 51,200 + 524,288 + 5,120.
  EXPECT_EQ(WeightCount(*lenet), 581408);
  torch::nn::Sequential model = Build(*lenet);
  EXPECT_EQ(CountWeights(model), 581408);
  EXPECT_EQ(model->forward(torch::zeros({3, 1, 28, 28})).sizes(), (std::vector<int64_t>{3, 10}));
  auto cnn2 = FindArchitecture("dense_cnn2");
  ASSERT_TRUE(cnn2.ok());
  // 25*30 + 25*30*30 + 480*1000 + 1000*10.
  EXPECT_EQ(WeightCount(*cnn2), 750 + 22500 + 480000 + 10000);
  EXPECT_FALSE(FindArchitecture("lenet300").ok());
}

TEST(PruningModelsTest, NarrowedToWeightsIsTheClosestWidth) {
  const Architecture lenet = *FindArchitecture("lenet5");
  for (double keep : {0.5, 0.1, 0.01}) {
    const int64_t target = std::llround(keep * WeightCount(lenet));
    const Architecture a = NarrowedToWeights(lenet, target);
    torch::nn::Sequential model = Build(a);
    EXPECT_EQ(CountWeights(model), WeightCount(a));
    // Within 2 % of the target (the widths are integers).
    EXPECT_NEAR(static_cast<double>(WeightCount(a)), static_cast<double>(target), 0.02 * target)
        << keep;
    EXPECT_LT(a.hidden, lenet.hidden);
  }
  const Architecture half = Narrowed(lenet, 0.5);
  EXPECT_EQ(half.conv1, 16);
  EXPECT_EQ(half.conv2, 32);
  EXPECT_EQ(half.hidden, 256);
}

}  // namespace
}  // namespace sparselab::pruning_experiment
