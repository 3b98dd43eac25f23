#include "lib/restoration/blind_spot_unet.h"

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <c10/util/Exception.h>
#include <torch/utils.h>

#include "gtest/gtest.h"
#include "lib/nn/test_helpers.h"

namespace sparselab {
namespace {

using at::indexing::None;
using at::indexing::Slice;

BlindSpotUNet DoubleNet(int64_t in, int64_t out, int64_t width, int64_t depth, uint64_t seed) {
  torch::manual_seed(seed);
  BlindSpotUNet net(BlindSpotUNetOptions(in, out).width(width).depth(depth));
  net->to(at::kDouble);
  torch::NoGradGuard no_grad;
  for (auto& p : net->parameters()) {  // non-zero biases, so no path is silent
    if (p.dim() == 1) p.uniform_(-0.5, 0.5);
  }
  return net;
}

// Whether output (i, j) (all channels, all samples) moves when input (r, c)
// (all channels) moves.
bool OutputMoves(BlindSpotUNet& net, const at::Tensor& x, const at::Tensor& y, int64_t i, int64_t j,
                 int64_t r, int64_t c) {
  at::Tensor x2 = x.clone();
  x2.index_put_({Slice(), Slice(), r, c}, x2.index({Slice(), Slice(), r, c}) + 0.75);
  return !net->forward(x2).index({Slice(), Slice(), i, j}).equal(y.index({Slice(), Slice(), i, j}));
}

void ExpectBlindSpotEverywhere(BlindSpotUNet& net, const at::Tensor& x) {
  const at::Tensor y = net->forward(x);
  const int64_t h = x.size(2), w = x.size(3);
  for (int64_t i = 0; i < h; ++i) {
    for (int64_t j = 0; j < w; ++j) {
      EXPECT_FALSE(OutputMoves(net, x, y, i, j, i, j)) << i << ", " << j;
      if (i > 0) {
        EXPECT_TRUE(OutputMoves(net, x, y, i, j, i - 1, j)) << i << ", " << j;
      }
      if (i + 1 < h) {
        EXPECT_TRUE(OutputMoves(net, x, y, i, j, i + 1, j)) << i << ", " << j;
      }
      if (j > 0) {
        EXPECT_TRUE(OutputMoves(net, x, y, i, j, i, j - 1)) << i << ", " << j;
      }
      if (j + 1 < w) {
        EXPECT_TRUE(OutputMoves(net, x, y, i, j, i, j + 1)) << i << ", " << j;
      }
    }
  }
}

TEST(BlindSpotUNetTest, OutputPixelNeverSeesItsOwnInputPixelSquare) {
  BlindSpotUNet net = DoubleNet(2, 3, 3, 2, 11);
  const at::Tensor x = at::randn({2, 2, 8, 8}, at::kDouble);
  EXPECT_EQ(net->forward(x).sizes(), (std::vector<int64_t>{2, 3, 8, 8}));
  ExpectBlindSpotEverywhere(net, x);
}

TEST(BlindSpotUNetTest, OutputPixelNeverSeesItsOwnInputPixelNonSquare) {
  BlindSpotUNet net = DoubleNet(1, 2, 2, 1, 12);
  const at::Tensor x = at::randn({1, 1, 4, 10}, at::kDouble);
  EXPECT_EQ(net->forward(x).sizes(), (std::vector<int64_t>{1, 2, 4, 10}));
  ExpectBlindSpotEverywhere(net, x);
}

TEST(BlindSpotUNetTest, TheBranchIsStrictlyAboveAndReachesFar) {
  BlindSpotUNet net = DoubleNet(1, 1, 3, 2, 13);
  const at::Tensor x = at::randn({1, 1, 16, 16}, at::kDouble);
  const at::Tensor up = net->UpwardFeatures(x);
  EXPECT_EQ(up.sizes(), (std::vector<int64_t>{1, 6, 16, 16}));
  // Rows 0..i of the branch read input rows < i only, for every i: zeroing
  // rows >= i leaves them as they were, while changing row i - 1 moves row i.
  for (int64_t i = 1; i < 16; ++i) {
    at::Tensor below = x.clone();
    below.index_put_({0, 0, Slice(i, None), Slice()}, 0.0);
    EXPECT_TRUE(net->UpwardFeatures(below)
                    .index({Slice(), Slice(), Slice(0, i + 1)})
                    .equal(up.index({Slice(), Slice(), Slice(0, i + 1)})))
        << i;
    at::Tensor above = x.clone();
    above.index_put_({0, 0, i - 1, Slice()}, 3.0);
    EXPECT_FALSE(net->UpwardFeatures(above)
                     .index({Slice(), Slice(), i})
                     .equal(up.index({Slice(), Slice(), i})))
        << i;
  }
  // The U-Net's field is wide: (10, 8) sees (4, 8), (10, 2) and (14, 13).
  const at::Tensor y = net->forward(x);
  EXPECT_TRUE(OutputMoves(net, x, y, 10, 8, 4, 8));
  EXPECT_TRUE(OutputMoves(net, x, y, 10, 8, 10, 2));
  EXPECT_TRUE(OutputMoves(net, x, y, 10, 8, 14, 13));
  EXPECT_FALSE(OutputMoves(net, x, y, 10, 8, 10, 8));
}

TEST(BlindSpotUNetTest, SquareBatchedRotationsEqualOnePassPerRotation) {
  BlindSpotUNet net = DoubleNet(1, 2, 2, 2, 14);
  const at::Tensor x = at::randn({3, 1, 8, 8}, at::kDouble);
  std::vector<at::Tensor> views;
  for (int64_t r = 0; r < 4; ++r)
    views.push_back(Rotate90(net->UpwardFeatures(Rotate90(x, r)), -r));
  const at::Tensor expected = net->mix->forward(at::cat(views, 1));
  EXPECT_TRUE(at::allclose(net->forward(x), expected, 1e-12, 1e-12));
}

TEST(BlindSpotUNetTest, ParameterCountAndHeInit) {
  // in 1, out 1, width 2, depth 1: encoder 1->2, 2->2, bottom 2->2 (3x3);
  // decoder (2 + 1)->4, 4->4; mix 16->16, 16->4, 4->1.
  torch::manual_seed(3);
  BlindSpotUNet net(BlindSpotUNetOptions(1, 1).width(2).depth(1));
  int64_t count = 0;
  for (const auto& p : net->parameters()) count += p.numel();
  EXPECT_EQ(count, (9 * 1 * 2 + 2) + 2 * (9 * 2 * 2 + 2) + (9 * 3 * 4 + 4) + (9 * 4 * 4 + 4) +
                       (16 * 16 + 16) + (16 * 4 + 4) + (4 + 1));
  EXPECT_EQ(net->encoder->size(), 3u);
  EXPECT_EQ(net->decoder->size(), 2u);
  for (const auto& p : net->named_parameters()) {
    if (p.value().dim() == 1) {
      EXPECT_TRUE(p.value().eq(0).all().item<bool>()) << p.key();
    }
  }
  // He normal: a wide layer's weight std is close to sqrt(2 / fan_in).
  BlindSpotUNet wide(BlindSpotUNetOptions(1, 1).width(32).depth(1));
  const at::Tensor w = wide->decoder[1]->as<ShiftedConv2dImpl>()->conv->weight;  // 64 -> 64, 3x3
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / (64 * 9)), 0.003);
}

TEST(BlindSpotUNetTest, BadSizesAndOptionsErrorWithTheFix) {
  BlindSpotUNet net(BlindSpotUNetOptions(1, 1).width(2).depth(2));
  testing::ExpectErrorNaming(
      [&] {
        net->forward(at::rand({1, 1, 8, 10}));
      },
      "divisible by 2^depth = 4, got 8 x 10; pad the image to 8 x 12");
  testing::ExpectErrorNaming(
      [&] {
        net->forward(at::rand({1, 3, 8, 8}));
      },
      "x must be (N, 1, H, W)");
  testing::ExpectErrorNaming([&] { BlindSpotUNet(BlindSpotUNetOptions(1, 1).depth(0)); },
                             "depth must be in [1, 16]");
}

TEST(BlindSpotUNetTest, CloneAndPrettyPrint) {
  torch::manual_seed(4);
  BlindSpotUNet net(BlindSpotUNetOptions(1, 2).width(2).depth(1));
  auto copy = std::dynamic_pointer_cast<BlindSpotUNetImpl>(net->clone());
  ASSERT_NE(copy, nullptr);
  const at::Tensor x = at::rand({1, 1, 4, 4});
  EXPECT_TRUE(copy->forward(x).equal(net->forward(x)));
  std::ostringstream s;
  s << *net;
  EXPECT_NE(s.str().find("BlindSpotUNet(in=1, out=2, width=2, depth=1)"), std::string::npos)
      << s.str();
}

}  // namespace
}  // namespace sparselab
