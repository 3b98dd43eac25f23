#include "lib/restoration/unet.h"

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <c10/util/Exception.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/utils.h>

#include "gtest/gtest.h"
#include "lib/nn/gradient_check.h"
#include "lib/nn/test_helpers.h"

namespace sparselab {
namespace {

int64_t ParameterCount(torch::nn::Module& m) {
  int64_t count = 0;
  for (const auto& p : m.parameters()) count += p.numel();
  return count;
}

TEST(UNetTest, OutputShapeForBothUpsamplings) {
  torch::manual_seed(1);
  for (UNetUpsampling mode : {UNetUpsampling::kNearest, UNetUpsampling::kTransposed}) {
    UNet net(UNetOptions(3, 2).width(4).depth(3).upsampling(mode));
    for (auto hw : std::vector<std::vector<int64_t>>{{8, 8}, {16, 8}, {8, 24}}) {
      const at::Tensor y = net->forward(at::rand({2, 3, hw[0], hw[1]}));
      EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 2, hw[0], hw[1]}));
    }
  }
  UNet flat(UNetOptions(1, 1).width(3).depth(0));  // no pooling: any size
  EXPECT_EQ(flat->forward(at::rand({1, 1, 5, 7})).sizes(), (std::vector<int64_t>{1, 1, 5, 7}));
}

TEST(UNetTest, ParameterCountOfTheArchitecture) {
  // in 1, out 1, width 2, depth 1. Encoder: 1->2, 2->2 | 2->4, 4->4 (3x3).
  const int64_t encoder = (9 * 1 * 2 + 2) + (9 * 2 * 2 + 2) + (9 * 2 * 4 + 4) + (9 * 4 * 4 + 4);
  const int64_t head = 2 + 1;
  // Nearest: the decoder block reads 4 (upsampled) + 2 (skip) channels.
  UNet nearest(UNetOptions(1, 1).width(2).depth(1));
  EXPECT_EQ(ParameterCount(*nearest), encoder + (9 * 6 * 2 + 2) + (9 * 2 * 2 + 2) + head);
  // Transposed: 4 -> 2 by a 2x2 kernel, then 2 + 2 channels.
  UNet transposed(UNetOptions(1, 1).width(2).depth(1).upsampling(UNetUpsampling::kTransposed));
  EXPECT_EQ(ParameterCount(*transposed),
            encoder + (4 * 4 * 2 + 2) + (9 * 4 * 2 + 2) + (9 * 2 * 2 + 2) + head);
}

TEST(UNetTest, GradientsMatchFiniteDifferencesInDouble) {
  for (UNetUpsampling mode : {UNetUpsampling::kNearest, UNetUpsampling::kTransposed}) {
    torch::manual_seed(5);
    UNet net(UNetOptions(1, 2).width(2).depth(2).upsampling(mode).residual(false));
    net->to(at::kDouble);
    const at::Tensor weights = at::randn({1, 2, 4, 4}, at::kDouble);
    const testing::ScalarFunction f = [&](const at::Tensor& x) {
      return (net->forward(x) * weights).sum();
    };
    const at::Tensor x = at::randn({1, 1, 4, 4}, at::kDouble);
    const at::Tensor numeric = testing::NumericGradient(f, x);
    const at::Tensor analytic = testing::AnalyticGradient(f, x);
    EXPECT_TRUE(at::allclose(analytic, numeric, 1e-6, 1e-7))
        << (analytic - numeric).abs().max().item<double>();
    EXPECT_GT(analytic.abs().sum().item<double>(), 0.0);
    // And with respect to a weight deep inside (the bottom block's first conv).
    auto& bottom =
        *net->encoder[2]->as<torch::nn::SequentialImpl>()->ptr(0)->as<torch::nn::Conv2dImpl>();
    const at::Tensor w0 = bottom.weight.detach().clone();
    const testing::ScalarFunction of_weight = [&](const at::Tensor& w) {
      const at::Tensor saved = bottom.weight;
      bottom.weight = w;  // w is the leaf (analytic) or a plain tensor (numeric)
      at::Tensor out = f(x);
      bottom.weight = saved;
      return out;
    };
    const at::Tensor wn = testing::NumericGradient(of_weight, w0);
    const at::Tensor wa = testing::AnalyticGradient(of_weight, w0);
    EXPECT_TRUE(at::allclose(wa, wn, 1e-6, 1e-7)) << (wa - wn).abs().max().item<double>();
    EXPECT_GT(wa.abs().sum().item<double>(), 0.0);
  }
}

TEST(UNetTest, ResidualWithZeroedLastLayerReturnsTheInputExactly) {
  torch::manual_seed(2);
  UNet net(UNetOptions(3, 3).width(4).depth(2).residual(true));
  net->to(at::kDouble);
  const at::Tensor x = at::randn({2, 3, 8, 12}, at::kDouble);
  EXPECT_FALSE(net->forward(x).equal(x));  // a random head changes it
  {
    torch::NoGradGuard no_grad;
    net->head->weight.zero_();
    net->head->bias.zero_();
  }
  EXPECT_TRUE(net->forward(x).equal(x));
  // Without residual the same net outputs zeros.
  UNet plain(UNetOptions(3, 3).width(4).depth(2));
  plain->to(at::kDouble);
  {
    torch::NoGradGuard no_grad;
    plain->head->weight.zero_();
    plain->head->bias.zero_();
  }
  EXPECT_TRUE(plain->forward(x).equal(at::zeros_like(x)));
}

TEST(UNetTest, ResidualIsInputMinusTheNet) {
  torch::manual_seed(8);
  UNet plain(UNetOptions(1, 1).width(3).depth(1));
  plain->to(at::kDouble);
  UNet residual(UNetOptions(1, 1).width(3).depth(1).residual(true));
  residual->to(at::kDouble);
  {
    torch::NoGradGuard no_grad;
    const auto from = plain->parameters(), to = residual->parameters();
    ASSERT_EQ(from.size(), to.size());
    for (size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
  }
  const at::Tensor x = at::randn({1, 1, 6, 6}, at::kDouble);
  EXPECT_TRUE(residual->forward(x).equal(x - plain->forward(x)));
}

TEST(UNetTest, BadSizesAndOptionsErrorWithTheFix) {
  UNet net(UNetOptions(1, 1).width(2).depth(3));
  testing::ExpectErrorNaming(
      [&] {
        net->forward(at::rand({1, 1, 12, 16}));
      },
      "divisible by 2^depth = 8, got 12 x 16; pad or crop the image to 16 x 16");
  testing::ExpectErrorNaming([&] { net->forward(at::rand({1, 1, 16, 20})); }, "got 16 x 20");
  testing::ExpectErrorNaming(
      [&] {
        net->forward(at::rand({1, 2, 16, 16}));
      },
      "x must be (N, 1, H, W)");
  testing::ExpectErrorNaming([&] { UNet(UNetOptions(1, 3).residual(true)); },
                             "needs out_channels == in_channels");
  testing::ExpectErrorNaming([&] { UNet(UNetOptions(1, 1).depth(-1)); },
                             "depth must be in [0, 16]");
  EXPECT_THROW(UNet(UNetOptions(0, 1)), c10::Error);
}

TEST(UNetTest, CloneAndPrettyPrint) {
  torch::manual_seed(4);
  UNet net(UNetOptions(1, 1).width(2).depth(1).upsampling(UNetUpsampling::kTransposed));
  auto copy = std::dynamic_pointer_cast<UNetImpl>(net->clone());
  ASSERT_NE(copy, nullptr);
  const at::Tensor x = at::rand({1, 1, 4, 4});
  EXPECT_TRUE(copy->forward(x).equal(net->forward(x)));
  std::ostringstream s;
  s << *net;
  EXPECT_NE(
      s.str().find("UNet(in=1, out=1, width=2, depth=1, upsampling=transposed, residual=false)"),
      std::string::npos)
      << s.str();
}

}  // namespace
}  // namespace sparselab
