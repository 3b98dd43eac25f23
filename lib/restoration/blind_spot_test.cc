#include "lib/restoration/blind_spot.h"

#include <sstream>
#include <utility>
#include <vector>

#include <c10/util/Exception.h>
#include <torch/nn/init.h>
#include <torch/utils.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

using at::indexing::None;
using at::indexing::Slice;

TEST(BlindSpotTest, ShiftDownAndRotateByHand) {
  const at::Tensor x = at::arange(6, at::kDouble).reshape({1, 1, 2, 3});  // [[0 1 2] [3 4 5]]
  EXPECT_TRUE(
      ShiftDown(x).equal(at::tensor({0., 0., 0., 0., 1., 2.}, at::kDouble).reshape({1, 1, 2, 3})));
  EXPECT_TRUE(ShiftDown(x, 2).equal(at::zeros_like(x)));
  // 90 degrees counter-clockwise: the last column becomes the first row.
  EXPECT_TRUE(Rotate90(x, 1).equal(
      at::tensor({2., 5., 1., 4., 0., 3.}, at::kDouble).reshape({1, 1, 3, 2})));
  for (int r = 0; r < 4; ++r) EXPECT_TRUE(Rotate90(Rotate90(x, r), -r).equal(x)) << r;
  EXPECT_TRUE(Rotate90(x, 2).equal(x.flip({2, 3})));
}

TEST(BlindSpotTest, ShiftedConvSeesItsRowAndAboveOnly) {
  torch::manual_seed(3);
  ShiftedConv2d conv(ShiftedConv2dOptions(2, 3).kernel_size(3));
  conv->to(at::kDouble);
  const at::Tensor x = at::randn({1, 2, 7, 8}, at::kDouble);
  const at::Tensor y = conv->forward(x);
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{1, 3, 7, 8}));
  const int64_t i = 3, j = 4;
  auto changed = [&](int64_t r, int64_t c) {
    at::Tensor x2 = x.clone();
    x2.index_put_({0, Slice(), r, c}, x2.index({0, Slice(), r, c}) + 1.0);
    return !conv->forward(x2).index({0, Slice(), i, j}).equal(y.index({0, Slice(), i, j}));
  };
  // Rows i - 2 .. i, columns j - 1 .. j + 1; nothing below row i.
  for (int64_t r = 0; r < 7; ++r) {
    for (int64_t c = 0; c < 8; ++c) {
      const bool inside = r >= i - 2 && r <= i && c >= j - 1 && c <= j + 1;
      EXPECT_EQ(changed(r, c), inside) << r << ", " << c;
    }
  }
}

// Output channel values at (i, j) for inputs x and x with pixel (r, c) moved.
bool OutputMoves(BlindSpotNetwork& net, const at::Tensor& x, const at::Tensor& y, int64_t i,
                 int64_t j, int64_t r, int64_t c) {
  at::Tensor x2 = x.clone();
  x2.index_put_({Slice(), Slice(), r, c}, x2.index({Slice(), Slice(), r, c}) + 0.75);
  return !net->forward(x2).index({Slice(), Slice(), i, j}).equal(y.index({Slice(), Slice(), i, j}));
}

TEST(BlindSpotTest, OutputPixelNeverSeesItsOwnInputPixel) {
  torch::manual_seed(11);
  BlindSpotNetwork net(BlindSpotNetworkOptions(2, 3).width(6).depth(2));
  net->to(at::kDouble);
  for (auto& p : net->parameters()) {  // non-zero biases too
    if (p.dim() == 1) p.data().uniform_(-0.5, 0.5);
  }
  const at::Tensor x = at::randn({2, 2, 7, 9}, at::kDouble);
  const at::Tensor y = net->forward(x);
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{2, 3, 7, 9}));
  // Every pixel: moving it leaves its own output exactly as it was (all
  // channels, both samples), while moving each existing 4-neighbour changes it.
  for (int64_t i = 0; i < 7; ++i) {
    for (int64_t j = 0; j < 9; ++j) {
      EXPECT_FALSE(OutputMoves(net, x, y, i, j, i, j)) << i << ", " << j;
      if (i > 0) EXPECT_TRUE(OutputMoves(net, x, y, i, j, i - 1, j)) << i << ", " << j;
      if (j + 1 < 9) EXPECT_TRUE(OutputMoves(net, x, y, i, j, i, j + 1)) << i << ", " << j;
      if (i + 1 < 7) EXPECT_TRUE(OutputMoves(net, x, y, i, j, i + 1, j)) << i << ", " << j;
      if (j > 0) EXPECT_TRUE(OutputMoves(net, x, y, i, j, i, j - 1)) << i << ", " << j;
    }
  }
  // The change does reach other outputs (the perturbation is not lost).
  at::Tensor x2 = x.clone();
  x2.index_put_({0, 0, 3, 4}, 5.0);
  EXPECT_GT((net->forward(x2) - y).abs().sum().item<double>(), 0.0);
}

TEST(BlindSpotTest, DiagonalNeighboursAreSeenButTheUpwardBranchIsStrictlyAbove) {
  torch::manual_seed(2);
  BlindSpotNetwork net(BlindSpotNetworkOptions(1, 1).width(4).depth(3));
  net->to(at::kDouble);
  const at::Tensor x = at::randn({1, 1, 10, 10}, at::kDouble);
  const at::Tensor up = net->UpwardFeatures(x);
  // The upward branch: output row 5 reads rows < 5 only.
  at::Tensor below = x.clone();
  below.index_put_({0, 0, Slice(5, None), Slice()}, 0.0);
  EXPECT_TRUE(net->UpwardFeatures(below)
                  .index({Slice(), Slice(), Slice(0, 6)})
                  .equal(up.index({Slice(), Slice(), Slice(0, 6)})));
  const at::Tensor y = net->forward(x);
  EXPECT_TRUE(OutputMoves(net, x, y, 5, 5, 4, 4));
  EXPECT_TRUE(OutputMoves(net, x, y, 5, 5, 6, 6));
  EXPECT_FALSE(OutputMoves(net, x, y, 5, 5, 5, 5));
}

TEST(BlindSpotTest, OutputShapeEqualsInputShape) {
  BlindSpotNetwork net(BlindSpotNetworkOptions(3, 2).width(4).depth(2));
  for (auto hw :
       std::vector<std::pair<int64_t, int64_t>>{{8, 8}, {7, 7}, {6, 9}, {9, 4}, {1, 1}, {5, 2}}) {
    const at::Tensor y = net->forward(at::rand({2, 3, hw.first, hw.second}));
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 2, hw.first, hw.second}))
        << hw.first << "x" << hw.second;
  }
}

TEST(BlindSpotTest, CloneAndOptions) {
  torch::manual_seed(4);
  BlindSpotNetwork net(BlindSpotNetworkOptions(1, 1).width(3).depth(1).kernel_size(5));
  const at::Tensor x = at::rand({1, 1, 6, 6});
  auto copy = std::dynamic_pointer_cast<BlindSpotNetworkImpl>(net->clone());
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(copy->forward(x).equal(net->forward(x)));
  // 1 ShiftedConv (1 -> 3, 5x5) and three 1x1 convs (12 -> 3 -> 3 -> 1).
  int64_t count = 0;
  for (const auto& p : net->parameters()) count += p.numel();
  EXPECT_EQ(count, (25 * 3 + 3) + (12 * 3 + 3) + (3 * 3 + 3) + (3 + 1));
  std::ostringstream s;
  s << *net;
  EXPECT_NE(s.str().find("BlindSpotNetwork(in=1, out=1, width=3, depth=1, kernel_size=5)"),
            std::string::npos);
  EXPECT_THROW(BlindSpotNetwork(BlindSpotNetworkOptions(1, 1).kernel_size(4)), c10::Error);
  EXPECT_THROW(BlindSpotNetwork(BlindSpotNetworkOptions(1, 1).depth(0)), c10::Error);
  EXPECT_THROW(net->forward(at::rand({1, 2, 6, 6})), c10::Error);
}

}  // namespace
}  // namespace sparselab
