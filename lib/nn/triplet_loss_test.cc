#include "lib/nn/triplet_loss.h"

#include <cmath>

#include <c10/util/Exception.h>

#include "gtest/gtest.h"
#include "lib/nn/gradient_check.h"

namespace sparselab {
namespace {

at::Tensor D(std::vector<double> values, std::vector<int64_t> shape) {
  return at::tensor(values, at::kDouble).view(shape);
}

TEST(TripletLossTest, HandComputedOneDimensional) {
  // a = 0, p = 1 (label 0), n = 3 (label 1). Pairs: (a, p): d 1 vs 3;
  // (p, a): d 1 vs 2. The negative has no positive.
  const at::Tensor e = D({0, 1, 3}, {3, 1});
  const at::Tensor labels = at::tensor({0, 0, 1}, at::kLong);
  TripletLoss loss(TripletLossOptions().margin(1.5));
  EXPECT_NEAR(loss(e, labels).item<double>(), (0 + 0.5) / 2, 1e-6);
  TripletLoss wide(TripletLossOptions().margin(2.5));
  EXPECT_NEAR(wide(e, labels).item<double>(), (0.5 + 1.5) / 2, 1e-6);
}

TEST(TripletLossTest, HardestNegativeIsTheClosest) {
  // Anchor 0 and positive 1 (label 0); negatives at 2 (label 1) and 5 (label 2).
  const at::Tensor e = D({0, 1, 2, 5}, {4, 1});
  const at::Tensor labels = at::tensor({0, 0, 1, 2}, at::kLong);
  TripletLoss loss(TripletLossOptions().margin(2.0));
  // (0, 1): 1 - 2 + 2 = 1; (1, 0): 1 - 1 + 2 = 2.
  EXPECT_NEAR(loss(e, labels).item<double>(), 1.5, 1e-6);
}

TEST(TripletLossTest, RandomNegativesAreNegatives) {
  at::manual_seed(0);
  const at::Tensor e = D({0, 1, 2, 5}, {4, 1});
  const at::Tensor labels = at::tensor({0, 0, 1, 2}, at::kLong);
  TripletLoss loss(TripletLossOptions().margin(2.0).negatives(TripletNegatives::kRandom));
  // Each anchor's loss is one of: anchor 0 with n = 2 or 5 -> 1 or 0;
  // anchor 1 with n = 2 or 5 -> 2 or 0. Means: 1.5, 0.5, 1.0 or 0.
  bool seen_other_than_hardest = false;
  for (int trial = 0; trial < 20; ++trial) {
    const double value = loss(e, labels).item<double>();
    const bool allowed = std::abs(value - 1.5) < 1e-6 || std::abs(value - 0.5) < 1e-6 ||
                         std::abs(value - 1.0) < 1e-6 || std::abs(value) < 1e-6;
    EXPECT_TRUE(allowed) << value;
    seen_other_than_hardest |= std::abs(value - 1.5) > 1e-6;
  }
  EXPECT_TRUE(seen_other_than_hardest);
}

TEST(TripletLossTest, CosineDistance) {
  // a = (1, 0), p = (1, 1) (cos 1/sqrt2), n = (0, 1) (cos 0).
  const at::Tensor e = D({1, 0, 1, 1, 0, 1}, {3, 2});
  const at::Tensor labels = at::tensor({7, 7, 8}, at::kLong);
  TripletLoss loss(TripletLossOptions().margin(1.0).distance(TripletDistance::kCosine));
  // (a, p): (1 - 1/sqrt2) - 1 + 1; (p, a): same d(p, a), d(p, n) = 1 - 1/sqrt2.
  const double d_ap = 1 - 1 / std::sqrt(2.0);
  EXPECT_NEAR(loss(e, labels).item<double>(), (d_ap + 1.0) / 2, 1e-9);
}

TEST(TripletLossTest, NoValidTripletGivesZeroWithGradient) {
  const at::Tensor e = D({0, 1, 2}, {3, 1}).set_requires_grad(true);
  TripletLoss loss;
  const at::Tensor value = loss(e, at::tensor({0, 1, 2}, at::kLong));  // no positives
  EXPECT_EQ(value.item<double>(), 0);
  value.backward();
  EXPECT_TRUE(e.grad().equal(at::zeros({3, 1}, at::kDouble)));
}

TEST(TripletLossTest, FiniteDifferencesL2AndCosine) {
  at::manual_seed(1);
  const at::Tensor e = at::randn({6, 3}, at::kDouble);
  const at::Tensor labels = at::tensor({0, 0, 1, 1, 2, 2}, at::kLong);
  for (TripletDistance distance : {TripletDistance::kL2, TripletDistance::kCosine}) {
    TripletLoss loss(TripletLossOptions().margin(5.0).distance(distance));  // all active
    auto f = [&](const at::Tensor& x) { return loss(x, labels); };
    const at::Tensor analytic = testing::AnalyticGradient(f, e);
    EXPECT_TRUE(analytic.allclose(testing::NumericGradient(f, e), 1e-5, 1e-7));
    EXPECT_GT(analytic.abs().sum().item<double>(), 0);
  }
}

TEST(TripletLossTest, IdenticalBinaryCodesGiveFiniteGradients) {
  const at::Tensor e = D({1, 0, 1, 1, 0, 1, 0, 1, 1}, {3, 3}).set_requires_grad(true);
  TripletLoss loss;
  loss(e, at::tensor({0, 0, 1}, at::kLong)).backward();
  EXPECT_TRUE(e.grad().isfinite().all().item<bool>());
}

TEST(TripletLossTest, ClearErrors) {
  TripletLoss loss;
  EXPECT_THROW(loss(at::zeros({3, 2}), at::zeros({2}, at::kLong)), c10::Error);
  EXPECT_THROW(loss(at::zeros({3, 2}), at::zeros({3})), c10::Error);
  EXPECT_THROW(TripletLoss(TripletLossOptions().margin(-1)), c10::Error);
}

}  // namespace
}  // namespace sparselab
