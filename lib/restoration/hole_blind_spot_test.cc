#include "lib/restoration/hole_blind_spot.h"

#include "gtest/gtest.h"

namespace sparselab {
namespace {

TEST(HoleConv2dTest, CentreTapIsZeroAndGetsNoGradient) {
  torch::manual_seed(1);
  HoleConv2d conv(HoleConv2dOptions(1, 1).dilation(2));
  const at::Tensor x = at::zeros({1, 1, 9, 9});
  x[0][0][4][4] = 1;  // an impulse: the output is the flipped kernel, spread by the dilation
  const at::Tensor y = conv->forward(x) - conv->conv->bias.view({1, 1, 1, 1});
  EXPECT_EQ(y[0][0][4][4].item<float>(), 0.0f);  // centre tap
  EXPECT_FLOAT_EQ(y[0][0][2][2].item<float>(), conv->conv->weight[0][0][2][2].item<float>());
  EXPECT_EQ(y[0][0][3][3].item<float>(), 0.0f);  // between dilated taps
  y.sum().backward();
  EXPECT_EQ(conv->conv->weight.grad()[0][0][1][1].item<float>(), 0.0f);
  EXPECT_NE(conv->conv->weight.grad()[0][0][0][0].item<float>(), 0.0f);
}

// The blind spot is exact: changing only input pixel p leaves output p
// unchanged, bit for bit, while a neighbour's output moves.
TEST(HoleBlindSpotNetworkTest, OutputNeverSeesItsOwnPixel) {
  torch::manual_seed(2);
  HoleBlindSpotNetwork net(HoleBlindSpotNetworkOptions(1, 2).width(8).depth(4).hole_channels(3));
  net->to(at::kDouble);
  const at::Tensor x = at::rand({1, 1, 17, 19}, at::kDouble);
  at::Tensor changed = x.clone();
  changed[0][0][8][9] += 5.0;
  const at::Tensor a = net->forward(x), b = net->forward(changed);
  ASSERT_EQ(a.sizes(), (at::IntArrayRef{1, 2, 17, 19}));
  for (int64_t ch = 0; ch < 2; ++ch) {
    EXPECT_EQ(a[0][ch][8][9].item<double>(), b[0][ch][8][9].item<double>());
  }
  EXPECT_GT((a[0][0][8][10] - b[0][0][8][10]).abs().item<double>(), 1e-9);
  EXPECT_GT((a[0][0][7][9] - b[0][0][7][9]).abs().item<double>(), 1e-9);
  // Level c sees c pixels around the taps at c + 1: the field reaches
  // 2 (depth - 1) + 1 = 7 pixels, so (8, 9 + 7) moves and (8, 9 + 8) does not.
  EXPECT_GT((a[0][0][8][16] - b[0][0][8][16]).abs().item<double>(), 1e-12);
  EXPECT_EQ(a[0][0][8][17].item<double>(), b[0][0][8][17].item<double>());
}

TEST(HoleBlindSpotNetworkTest, BadShapesAreClearErrors) {
  HoleBlindSpotNetwork net(HoleBlindSpotNetworkOptions(1, 1).width(4).depth(2).hole_channels(2));
  EXPECT_THROW(net->forward(at::rand({1, 3, 8, 8})), c10::Error);
  EXPECT_THROW(HoleBlindSpotNetwork(HoleBlindSpotNetworkOptions(1, 1).depth(0)), c10::Error);
}

}  // namespace
}  // namespace sparselab
