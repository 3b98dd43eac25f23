#include "lib/restoration/filters.h"

#include <cmath>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"
#include "lib/restoration/quality.h"

namespace sparselab {
namespace {

at::Generator Seeded(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// The 5 x 6 pattern x[i][j] = ((7 i + 13 j) mod 17) / 16.
at::Tensor Pattern() {
  at::Tensor t = at::empty({5, 6}, at::kDouble);
  auto a = t.accessor<double, 2>();
  for (int64_t i = 0; i < 5; ++i) {
    for (int64_t j = 0; j < 6; ++j) a[i][j] = ((7 * i + 13 * j) % 17) / 16.0;
  }
  return t;
}

at::Tensor Values(const std::vector<double>& v) {
  return at::tensor(v, at::kDouble).reshape({5, 6});
}

TEST(FiltersTest, ConstantImageIsUnchanged) {
  const at::Tensor c = at::full({2, 9, 7}, 0.37, at::kDouble);
  EXPECT_TRUE(at::allclose(*GaussianFilter(c, 1.3), c, 0, 1e-15));
  EXPECT_TRUE(at::allclose(*GaussianFilter(c[0], 3.0), c[0], 0, 1e-15));  // r = 12 > the image
  EXPECT_TRUE(MedianFilter(c, 3)->equal(c));
  EXPECT_TRUE(MedianFilter(c[1], 5)->equal(c[1]));
}

TEST(FiltersTest, MedianRemovesAnIsolatedImpulse) {
  at::Tensor x = at::full({8, 8}, 0.25);
  x[3][4] = 1.0f;
  EXPECT_TRUE(MedianFilter(x, 3)->equal(at::full({8, 8}, 0.25)));
  // A corner impulse too (reflect padding repeats it: 4 of the 9 values).
  x = at::full({8, 8}, 0.25);
  x[0][0] = 1.0f;
  EXPECT_TRUE(MedianFilter(x, 3)->equal(at::full({8, 8}, 0.25)));
  // k = 1 is the identity.
  EXPECT_TRUE(MedianFilter(x, 1)->equal(x));
}

TEST(FiltersTest, GaussianOfADeltaIsTheKernelByHand) {
  // sigma = 1: r = int(4 + 0.5) = 4, w_k = exp(-k^2 / 2) / Z with
  // Z = 1 + 2 (e^-0.5 + e^-2 + e^-4.5 + e^-8) = 2.5066208042. A delta far from
  // the edges gives the outer product w w^T; its centre row is w_0 w_k.
  at::Tensor delta = at::zeros({21, 21}, at::kDouble);
  delta[10][10] = 1.0;
  const at::Tensor out = *GaussianFilter(delta, 1.0);
  const double row[] = {0.15915589174187972, 0.09653292801535476, 0.021539407687662958,
                        0.001768062250401409, 5.339085368989865e-05};
  for (int k = 0; k <= 4; ++k) {
    EXPECT_NEAR(out[10][10 + k].item<double>(), row[k], 1e-15) << k;
    EXPECT_NEAR(out[10][10 - k].item<double>(), row[k], 1e-15) << k;
    EXPECT_NEAR(out[10 + k][10].item<double>(), row[k], 1e-15) << k;
  }
  EXPECT_EQ(out[10][15].item<double>(), 0.0);  // beyond the radius
  EXPECT_NEAR(out.sum().item<double>(), 1.0, 1e-14);
  // The same per channel of a (C, H, W) image.
  const at::Tensor two = *GaussianFilter(at::stack({delta, 2 * delta}), 1.0);
  EXPECT_TRUE(at::allclose(two[1], 2 * out, 0, 1e-15));
}

// Reference values from scipy 1.10.1 (Debian's python3-scipy):
// scipy.ndimage.gaussian_filter(x, sigma, mode='reflect', truncate=4.0) and
// median_filter(x, size=3, mode='reflect') on the same 5 x 6 pattern; sigma = 1
// (r = 4, wider than the 5 rows: the reflection folds twice).
TEST(FiltersTest, MatchesScipyNdimage) {
  const at::Tensor x = Pattern();
  const at::Tensor g1 =
      Values({0.33976856445019327, 0.49066572292800226, 0.5519859037274506,  0.4700274767012842,
              0.44264762774372313, 0.53358088858640751, 0.44184498751678436, 0.50696624295501236,
              0.55773533550151899, 0.52572279566733515, 0.49762672033122934, 0.50943274163881513,
              0.5040418019668057,  0.49266369773328555, 0.51658095641881607, 0.52743541010104766,
              0.52011339579811944, 0.48761660002856133, 0.46694977954593692, 0.44190389985278167,
              0.49267299239928819, 0.55082758769648765, 0.52273151236038184, 0.44437039853658433,
              0.48439235722630608, 0.43701218871091851, 0.49833236951036675, 0.6146512694773969,
              0.58727142051983594, 0.4799273543693236});
  EXPECT_TRUE(at::allclose(*GaussianFilter(x, 1.0), g1, 0, 1e-13)) << *GaussianFilter(x, 1.0) - g1;
  const at::Tensor g07 =
      Values({0.23127057500818995, 0.54584214780552609, 0.59778321953055014, 0.41270846640671754,
              0.34238723705746671, 0.61215852346333222, 0.43020721022035269, 0.49083455773843176,
              0.64318437583007659, 0.56894342132332176, 0.49859952983443973, 0.47762574700306049,
              0.59440440514407777, 0.49611392093487744, 0.50731878291205945, 0.47741834857681492,
              0.58329420050461867, 0.5196937836791109,  0.42161927650451525, 0.35649049321161985,
              0.5088403113032649,  0.56035548760748433, 0.49001159611860223, 0.34328168247624868,
              0.53886506165153891, 0.39990183800666423, 0.45184290973168822, 0.72030295305006642,
              0.64998172370081564, 0.4662182136644703});
  EXPECT_TRUE(at::allclose(*GaussianFilter(x, 0.7), g07, 0, 1e-13));
  const at::Tensor m3 =
      Values({0.1875, 0.5625, 0.5625, 0.5,    0.3125, 0.5,    0.4375, 0.5625, 0.5625, 0.5,
              0.5,    0.6875, 0.4375, 0.4375, 0.5625, 0.5625, 0.5,    0.3125, 0.625,  0.4375,
              0.4375, 0.5625, 0.5625, 0.5,    0.4375, 0.4375, 0.4375, 0.75,   0.5625, 0.5});
  EXPECT_TRUE(MedianFilter(x, 3)->equal(m3)) << *MedianFilter(x, 3);
  EXPECT_EQ(MedianFilter(x.to(at::kFloat), 3)->scalar_type(), at::kFloat);
}

TEST(FiltersTest, BestSigmaPicksThePlantedOne) {
  // clean = Gaussian(noisy, 1.5) + a little independent noise: sigma = 1.5 is
  // the planted best of the candidates.
  at::Generator gen = Seeded(5);
  std::vector<at::Tensor> noisy, clean;
  for (int i = 0; i < 3; ++i) {
    noisy.push_back(at::rand({24, 24}, gen, at::kDouble));
    clean.push_back(*GaussianFilter(noisy.back(), 1.5) +
                    0.002 * at::randn({24, 24}, gen, at::kDouble));
  }
  const std::vector<double> candidates = {0.5, 1.0, 1.5, 2.5, 4.0};
  const auto choice = BestGaussianSigma(noisy, clean, candidates);
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->sigma, 1.5);
  ASSERT_EQ(choice->mean_psnrs.size(), 5u);
  EXPECT_EQ(choice->mean_psnr, choice->mean_psnrs[2]);
  // PSNR against 0.002 noise: 10 log10(1 / 4e-6) = 54 dB.
  EXPECT_NEAR(choice->mean_psnr, 54.0, 0.5);
  double by_hand = 0;
  for (int i = 0; i < 3; ++i) by_hand += *Psnr(*GaussianFilter(noisy[i], 2.5), clean[i]) / 3;
  EXPECT_NEAR(choice->mean_psnrs[3], by_hand, 1e-9);
  for (int c : {0, 1, 3, 4}) EXPECT_LT(choice->mean_psnrs[c], choice->mean_psnr - 3) << c;
}

TEST(FiltersTest, BadInputIsAnError) {
  const at::Tensor x = at::rand({6, 6});
  const auto even = MedianFilter(x, 4);
  ASSERT_FALSE(even.ok());
  EXPECT_NE(even.status().message().find("odd"), std::string::npos);
  EXPECT_FALSE(GaussianFilter(x, -1.0).ok());
  EXPECT_FALSE(GaussianFilter(at::rand({6}), 1.0).ok());
  EXPECT_FALSE(MedianFilter(at::zeros({6, 6}, at::kLong), 3).ok());
  EXPECT_FALSE(BestGaussianSigma({x}, {}, {1.0}).ok());
  EXPECT_FALSE(BestGaussianSigma({x}, {x}, {}).ok());
  const auto shapes = BestGaussianSigma({x}, {at::rand({6, 5})}, {1.0});
  ASSERT_FALSE(shapes.ok());
  EXPECT_NE(shapes.status().message().find("pair 0"), std::string::npos);
}

}  // namespace
}  // namespace sparselab
