#include "lib/nn/kwta.h"

#include <cmath>

#include <c10/util/Exception.h>

#include "gtest/gtest.h"
#include "lib/nn/gradient_check.h"

namespace sparselab {
namespace {

at::Tensor D(std::vector<double> values, std::vector<int64_t> shape) {
  return at::tensor(values, at::kDouble).view(shape);
}

double Sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

TEST(KWTABinaryTest, TopKBecomeOnes) {
  KWTABinary kwta(2);
  EXPECT_TRUE(kwta(D({0.1, 0.9, 0.5, 0.7, -3, 2, 1, 0}, {2, 4}))
                  .equal(D({0, 1, 0, 1, 0, 1, 1, 0}, {2, 4})));
  // Per sample over all elements of a (batch, C, H, W) input.
  EXPECT_TRUE(kwta(D({4, 1, 2, 3}, {1, 1, 2, 2})).equal(D({1, 0, 0, 1}, {1, 1, 2, 2})));
}

TEST(KWTABinaryTest, TieAtTheThresholdActivatesFewerThanK) {
  KWTABinary kwta(2);  // 2nd and 3rd values tie at 0.5: threshold 0.5
  EXPECT_TRUE(kwta(D({0.5, 0.9, 0.5, 0.1}, {1, 4})).equal(D({0, 1, 0, 0}, {1, 4})));
}

TEST(KWTABinaryTest, StraightThroughGradient) {
  KWTABinary kwta(1);
  const at::Tensor x = D({0.3, -0.2, 0.8}, {1, 3}).set_requires_grad(true);
  (kwta(x) * D({1, 2, 3}, {1, 3})).sum().backward();
  EXPECT_TRUE(x.grad().equal(D({1, 2, 3}, {1, 3})));
}

TEST(KWTABinaryTest, ClearErrors) {
  KWTABinary kwta(4);
  EXPECT_THROW(kwta(at::zeros({2, 4})), c10::Error);  // k = n has no (k+1)-th value
  EXPECT_THROW(kwta(at::zeros({4})), c10::Error);
  EXPECT_THROW(KWTABinary(0), c10::Error);
  EXPECT_THROW(KWTABinary(-1), c10::Error);
}

TEST(KWTASoftTest, SigmoidAroundTheMidpointThreshold) {
  KWTASoft soft(KWTASoftOptions(2).hardness(10));
  soft->train();
  // threshold 0.6: z = 10 * (x - 0.6) = -5, 3, -1, 1.
  const at::Tensor out = soft(D({0.1, 0.9, 0.5, 0.7}, {1, 4}));
  const std::vector<double> z = {-5, 3, -1, 1};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(out[0][i].item<double>(), Sigmoid(z[i]), 1e-12);
  soft->eval();
  EXPECT_TRUE(soft(D({0.1, 0.9, 0.5, 0.7}, {1, 4})).equal(D({0, 1, 0, 1}, {1, 4})));
}

TEST(KWTASoftTest, HardSigmoid) {
  KWTASoft soft(KWTASoftOptions(2).hardness(10).hard_sigmoid(true));
  // z / 6 + 1/2 clamped: -5 -> 0, 3 -> 1, -1 -> 1/3, 1 -> 2/3.
  const at::Tensor out = soft(D({0.1, 0.9, 0.5, 0.7}, {1, 4}));
  EXPECT_TRUE(out.allclose(D({0, 1, 1.0 / 3, 2.0 / 3}, {1, 4}), 1e-12, 1e-12));
}

TEST(KWTASoftTest, FiniteDifferencesIncludingThresholdPath) {
  const at::Tensor x = D({0.3, -1.2, 2.5, 0.8, 1.1, -0.4, 0.05, 0.6, -0.7, 1.9, 0.2, 1.4}, {2, 6});
  const at::Tensor w = at::linspace(-1, 2, 12, at::kDouble).view({2, 6});
  for (bool hard : {false, true}) {
    KWTASoft soft(KWTASoftOptions(3).hardness(hard ? 1.5 : 2.0).hard_sigmoid(hard));
    auto f = [&](const at::Tensor& in) { return (soft(in) * w).sum(); };
    const at::Tensor analytic = testing::AnalyticGradient(f, x);
    EXPECT_TRUE(analytic.allclose(testing::NumericGradient(f, x), 1e-6, 1e-8)) << "hard " << hard;
    // Shifting a sample by c shifts its threshold by c and leaves the output
    // unchanged, so each sample's gradient sums to 0 -- true only because the
    // gradient also flows through the threshold (3rd and 4th largest values).
    EXPECT_TRUE(analytic.sum(1).abs().lt(1e-12).all().item<bool>()) << analytic;
    EXPECT_GT(analytic.abs().sum().item<double>(), 0.1);
  }
}

}  // namespace
}  // namespace sparselab
