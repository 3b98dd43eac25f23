#include "experiments/sparse_coding/filter_analysis.h"

#include <cmath>

#include "gtest/gtest.h"

namespace sparselab::sparse_coding {
namespace {

TEST(SnrDbTest, HandComputed) {
  const at::Tensor x = at::tensor({3.0, 4.0}, at::kDouble);
  // signal 25, noise 0.25: 10 log10(100) = 20 dB.
  EXPECT_NEAR(SnrDb(x, at::tensor({3.5, 4.0}, at::kDouble)), 20.0, 1e-12);
}

TEST(LinearDecoderSnrDbTest, ExactForALinearCodeAndPoorForNoise) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  const at::Tensor mix = at::randn({5, 8}, gen, at::kDouble);
  const at::Tensor train_codes = at::randn({400, 5}, gen, at::kDouble);
  const at::Tensor test_codes = at::randn({100, 5}, gen, at::kDouble);
  // x = codes * mix + 0.3: a linear decoder with bias recovers it exactly.
  EXPECT_GT(LinearDecoderSnrDb(train_codes, train_codes.mm(mix) + 0.3, test_codes,
                               test_codes.mm(mix) + 0.3),
            80.0);
  // Codes independent of x explain nothing: SNR ~ 0 dB for zero-mean x.
  const at::Tensor x_train = at::randn({400, 8}, gen, at::kDouble);
  const at::Tensor x_test = at::randn({100, 8}, gen, at::kDouble);
  EXPECT_LT(std::abs(LinearDecoderSnrDb(train_codes, x_train, test_codes, x_test)), 0.5);
}

TEST(SummarizeGaborsTest, SharesAndMedian) {
  GaborParams g;
  g.x0 = 4.5; g.y0 = 4.5; g.theta = 0.5; g.frequency = 0.2; g.phase = 0.3;
  g.sigma_x = 1.5; g.sigma_y = 2.0; g.amplitude = 1.0;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(2);
  const at::Tensor gabor = RenderGabor(g, 10, 10).reshape({1, 100});
  const at::Tensor filters = at::cat({gabor, gabor * -2.0, at::randn({2, 100}, gen, at::kDouble)});
  const GaborSummary s = SummarizeGabors(filters, 10, 0.8);
  ASSERT_EQ(s.fits.size(), 4u);
  EXPECT_GT(s.fits[0].r2, 0.999);
  EXPECT_GT(s.fits[1].r2, 0.999);
  EXPECT_DOUBLE_EQ(s.share_edge_like, 0.5);
  // Sorted: the two noise fits, then the two Gabors.
  EXPECT_NEAR(s.median_r2,
              0.5 * (std::max(s.fits[2].r2, s.fits[3].r2) + std::min(s.fits[0].r2, s.fits[1].r2)),
              1e-12);
}

}  // namespace
}  // namespace sparselab::sparse_coding
