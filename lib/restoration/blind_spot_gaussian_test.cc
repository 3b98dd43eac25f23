#include "lib/restoration/blind_spot_gaussian.h"

#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <c10/util/Exception.h>
#include <torch/utils.h>

#include "gtest/gtest.h"
#include "lib/nn/gradient_check.h"
#include "lib/nn/test_helpers.h"

namespace sparselab {
namespace {

using at::indexing::Slice;

at::Tensor Pixels(std::vector<double> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return at::tensor(v, at::kDouble).reshape({1, 1, 1, n});
}

TEST(GaussianBlindSpotTest, NegativeLogLikelihoodByHand) {
  // Pixel 1: y 0.5, mu 0.3, s^2 0.02, sigma 0.1: total variance 0.03,
  //   NLL = (log 2 pi + log 0.03 + 0.2^2 / 0.03) / 2 = -0.1676737487886515.
  // Pixel 2: y = mu = 0, s^2 0: NLL = (log 2 pi + log 0.01) / 2 = -1.3836465597893728.
  const GaussianPrior prior{Pixels({0.3, 0.0}), Pixels({0.02, 0.0})};
  const at::Tensor y = Pixels({0.5, 0.0});
  EXPECT_NEAR(GaussianBlindSpotLoss(prior, y, 0.1).item<double>(),
              (-0.1676737487886515 + -1.3836465597893728) / 2, 1e-14);
  // Per-image sigma as a tensor: the same.
  EXPECT_NEAR(
      GaussianBlindSpotLoss(prior, y, at::full({1, 1, 1, 1}, 0.1, at::kDouble)).item<double>(),
      -0.7756601542890121, 1e-14);
  // Two images, sigmas 0.1 and 0.2 (pixel 1 of image 2: total 0.06).
  const GaussianPrior two{Pixels({0.3, 0.3}).reshape({2, 1, 1, 1}),
                          Pixels({0.02, 0.02}).reshape({2, 1, 1, 1})};
  const at::Tensor sigmas = at::tensor({0.1, 0.2}, at::kDouble).reshape({2, 1, 1, 1});
  const double second = 0.5 * (std::log(2 * M_PI) + std::log(0.06) + 0.04 / 0.06);
  EXPECT_NEAR(
      GaussianBlindSpotLoss(two, Pixels({0.5, 0.5}).reshape({2, 1, 1, 1}), sigmas).item<double>(),
      (-0.1676737487886515 + second) / 2, 1e-14);
}

TEST(GaussianBlindSpotTest, LossGradientsMatchFiniteDifferences) {
  const at::Tensor y = at::randn({1, 1, 3, 3}, at::kDouble);
  const at::Tensor mu = at::randn({1, 1, 3, 3}, at::kDouble);
  const at::Tensor var = at::rand({1, 1, 3, 3}, at::kDouble) + 0.01;
  const testing::ScalarFunction of_mean = [&](const at::Tensor& m) {
    return GaussianBlindSpotLoss({m, var}, y, 0.3);
  };
  const testing::ScalarFunction of_var = [&](const at::Tensor& v) {
    return GaussianBlindSpotLoss({mu, v}, y, 0.3);
  };
  EXPECT_TRUE(at::allclose(testing::AnalyticGradient(of_mean, mu),
                           testing::NumericGradient(of_mean, mu), 1e-6, 1e-8));
  EXPECT_TRUE(at::allclose(testing::AnalyticGradient(of_var, var),
                           testing::NumericGradient(of_var, var), 1e-6, 1e-8));
  // In closed form: d/dmu = -(y - mu) / (9 total).
  const at::Tensor total = var + 0.09;
  EXPECT_TRUE(at::allclose(testing::AnalyticGradient(of_mean, mu), -(y - mu) / total / 9.0));
}

TEST(GaussianBlindSpotTest, PosteriorMeanByHandAndItsLimits) {
  // (0.5 * 0.02 + 0.3 * 0.01) / 0.03 = 0.43333...
  const GaussianPrior prior{Pixels({0.3, -1.0}), Pixels({0.02, 0.5})};
  const at::Tensor y = Pixels({0.5, 2.0});
  const at::Tensor pme = PosteriorMean(prior, y, 0.1);
  EXPECT_NEAR(pme[0][0][0][0].item<double>(), 0.4333333333333334, 1e-15);
  EXPECT_NEAR(pme[0][0][0][1].item<double>(), (2.0 * 0.5 - 1.0 * 0.01) / 0.51, 1e-15);
  // sigma -> 0: the noisy value; sigma -> infinity: the prior mean.
  EXPECT_TRUE(at::allclose(PosteriorMean(prior, y, 1e-9), y, 0, 1e-15));
  EXPECT_TRUE(at::allclose(PosteriorMean(prior, y, 1e9), prior.mean, 0, 1e-15));
  // A zero prior variance trusts the prior whatever sigma.
  EXPECT_DOUBLE_EQ(
      PosteriorMean({Pixels({0.3}), Pixels({0.0})}, Pixels({0.9}), 0.05).item<double>(), 0.3);
}

TEST(GaussianBlindSpotTest, VarianceMaps) {
  const at::Tensor a = Pixels({-0.5});
  EXPECT_DOUBLE_EQ(PriorVarianceOf(a, PriorVariance::kSquare).item<double>(), 0.25);
  EXPECT_NEAR(PriorVarianceOf(a, PriorVariance::kSoftplus).item<double>(), 0.4740769841801067,
              1e-15);
  EXPECT_NEAR(PriorVarianceOf(a, PriorVariance::kExp).item<double>(), 0.6065306597126334, 1e-15);
}

GaussianBlindSpot DoubleModel(BlindSpotBackbone backbone, PriorVariance map, uint64_t seed) {
  torch::manual_seed(seed);
  GaussianBlindSpot model(
      GaussianBlindSpotOptions().backbone(backbone).width(3).depth(2).variance(map));
  model->to(at::kDouble);
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) {
    if (p.dim() == 1) p.uniform_(-0.5, 0.5);
  }
  return model;
}

// The raw prior at p ignores y_p and reads its neighbours; the posterior mean
// reads y_p only through the formula (the prior at p stays as it was).
void ExpectBlindSpotPrior(GaussianBlindSpot& model, const at::Tensor& x, double sigma) {
  const GaussianPrior prior = model->forward(x);
  ASSERT_EQ(prior.mean.sizes(), x.sizes());
  ASSERT_EQ(prior.variance.sizes(), x.sizes());
  EXPECT_TRUE((prior.variance >= 0).all().item<bool>());
  const at::Tensor denoised = model->Denoise(x, sigma);
  const int64_t h = x.size(2), w = x.size(3);
  auto at_p = [](const at::Tensor& t, int64_t i, int64_t j) {
    return t.index({Slice(), Slice(), i, j});
  };
  for (int64_t i = 0; i < h; ++i) {
    for (int64_t j = 0; j < w; ++j) {
      at::Tensor self = x.clone();
      self.index_put_({Slice(), Slice(), i, j}, at_p(x, i, j) + 0.5);
      const GaussianPrior moved = model->forward(self);
      EXPECT_TRUE(at_p(moved.mean, i, j).equal(at_p(prior.mean, i, j))) << i << ", " << j;
      EXPECT_TRUE(at_p(moved.variance, i, j).equal(at_p(prior.variance, i, j))) << i << ", " << j;
      // The denoised value at p is the formula of the unchanged prior and the new y_p ...
      const at::Tensor expected = PosteriorMean({at_p(prior.mean, i, j).reshape({-1, 1, 1, 1}),
                                                 at_p(prior.variance, i, j).reshape({-1, 1, 1, 1})},
                                                at_p(self, i, j).reshape({-1, 1, 1, 1}), sigma)
                                      .reshape({-1});
      const at::Tensor got = at_p(model->Denoise(self, sigma), i, j).reshape({-1});
      EXPECT_TRUE(got.equal(expected)) << i << ", " << j;
      // ... which moved by exactly 0.5 s^2 / (s^2 + sigma^2).
      const at::Tensor v = at_p(prior.variance, i, j).reshape({-1});
      EXPECT_TRUE(at::allclose(got - at_p(denoised, i, j).reshape({-1}),
                               0.5 * v / (v + sigma * sigma), 1e-12, 1e-13));
      // A neighbour moves the prior at p.
      const int64_t ni = i > 0 ? i - 1 : i + 1;
      at::Tensor neighbour = x.clone();
      neighbour.index_put_({Slice(), Slice(), ni, j}, at_p(x, ni, j) + 0.5);
      const GaussianPrior seen = model->forward(neighbour);
      EXPECT_FALSE(at_p(seen.mean, i, j).equal(at_p(prior.mean, i, j))) << i << ", " << j;
      EXPECT_FALSE(at_p(seen.variance, i, j).equal(at_p(prior.variance, i, j))) << i << ", " << j;
    }
  }
}

TEST(GaussianBlindSpotTest, BlindSpotIsRealForTheUNetBackbone) {
  GaussianBlindSpot model = DoubleModel(BlindSpotBackbone::kUNet, PriorVariance::kSquare, 21);
  ExpectBlindSpotPrior(model, at::randn({2, 1, 8, 8}, at::kDouble), 0.2);
}

TEST(GaussianBlindSpotTest, BlindSpotIsRealForThePlainBackbone) {
  GaussianBlindSpot model = DoubleModel(BlindSpotBackbone::kPlain, PriorVariance::kSoftplus, 22);
  ExpectBlindSpotPrior(model, at::randn({1, 1, 5, 7}, at::kDouble), 0.1);
}

TEST(GaussianBlindSpotTest, BlindSpotIsRealForTheHoleBackbone) {
  GaussianBlindSpot model = DoubleModel(BlindSpotBackbone::kHole, PriorVariance::kSquare, 24);
  ExpectBlindSpotPrior(model, at::randn({1, 1, 6, 7}, at::kDouble), 0.15);
}

TEST(GaussianBlindSpotTest, ForwardSplitsTheTwoChannels) {
  GaussianBlindSpot model = DoubleModel(BlindSpotBackbone::kUNet, PriorVariance::kExp, 23);
  const at::Tensor x = at::randn({1, 1, 4, 4}, at::kDouble);
  const at::Tensor raw = model->unet->forward(x);
  ASSERT_EQ(raw.size(1), 2);
  const GaussianPrior prior = model->forward(x);
  EXPECT_TRUE(prior.mean.equal(raw.narrow(1, 0, 1)));
  EXPECT_TRUE(prior.variance.equal(raw.narrow(1, 1, 1).exp()));
  EXPECT_TRUE(model->plain.is_empty());
}

TEST(GaussianBlindSpotTest, ErrorsAndPrinting) {
  const GaussianPrior prior{Pixels({0.3}), Pixels({0.02})};
  testing::ExpectErrorNaming([&] { GaussianBlindSpotLoss(prior, Pixels({0.5}), 0.0); },
                             "must be finite and > 0");
  testing::ExpectErrorNaming([&] { PosteriorMean(prior, Pixels({0.5}), -1.0); }, "> 0");
  testing::ExpectErrorNaming([&] { PosteriorMean(prior, Pixels({0.5}), std::nan("")); }, "finite");
  testing::ExpectErrorNaming(
      [&] {
        GaussianBlindSpotLoss(prior, Pixels({0.5, 0.1}), 0.1);
      },
      "shaped like noisy");
  GaussianBlindSpot model(GaussianBlindSpotOptions().width(2).depth(1));
  testing::ExpectErrorNaming([&] { model->forward(at::rand({1, 3, 4, 4})); }, "grayscale");
  std::ostringstream s;
  s << *model;
  EXPECT_NE(s.str().find("GaussianBlindSpot(backbone=unet, width=2, depth=1, variance=square)"),
            std::string::npos)
      << s.str();
  auto copy = std::dynamic_pointer_cast<GaussianBlindSpotImpl>(model->clone());
  ASSERT_NE(copy, nullptr);
  const at::Tensor x = at::rand({1, 1, 4, 4});
  EXPECT_TRUE(copy->Denoise(x, 0.1).equal(model->Denoise(x, 0.1)));
}

}  // namespace
}  // namespace sparselab
