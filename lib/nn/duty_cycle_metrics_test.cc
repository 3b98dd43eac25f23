#include "lib/nn/duty_cycle_metrics.h"

#include <cmath>

#include <c10/util/Exception.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

TEST(BinaryEntropyTest, HandComputedValues) {
  const at::Tensor p = at::tensor({0.0, 0.5, 1.0, 0.25}, at::kDouble);
  const at::Tensor h = BinaryEntropy(p);
  EXPECT_DOUBLE_EQ(h[0].item<double>(), 0.0);
  EXPECT_DOUBLE_EQ(h[1].item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(h[2].item<double>(), 0.0);
  // H(1/4) = 1/4 * 2 + 3/4 * log2(4/3).
  const double h_quarter = 0.5 + 0.75 * std::log2(4.0 / 3.0);
  EXPECT_NEAR(h[3].item<double>(), h_quarter, 1e-15);
  EXPECT_NEAR(TotalBinaryEntropy(p), 1.0 + h_quarter, 1e-15);
}

TEST(MaxEntropyTest, NTimesEntropyOfDensity) {
  EXPECT_DOUBLE_EQ(MaxEntropy(10, 5), 10.0);
  EXPECT_NEAR(MaxEntropy(4, 1), 4 * (0.5 + 0.75 * std::log2(4.0 / 3.0)), 1e-14);
  EXPECT_EQ(MaxEntropy(10, 0), 0.0);
  EXPECT_EQ(MaxEntropy(10, 10), 0.0);
  EXPECT_THROW(MaxEntropy(10, 11), c10::Error);
}

TEST(MaxEntropyTest, UniformDutyCyclesReachTheMaximum) {
  const at::Tensor duty = at::full({20}, 5.0 / 20.0, at::kDouble);
  EXPECT_NEAR(TotalBinaryEntropy(duty), MaxEntropy(20, 5), 1e-12);
}

TEST(UpdateDutyCyclesTest, NupicRunningMeanArithmetic) {
  at::Tensor duty = at::zeros({3}, at::kDouble);
  at::Tensor iterations = at::zeros({}, at::kLong);
  // period 4, batches of 2: p = 2, then 4, 4, ...
  UpdateDutyCycles(duty, iterations, at::tensor({1.0, 1.0, 0.0}, at::kDouble), 2, 4);
  EXPECT_TRUE(duty.allclose(at::tensor({0.5, 0.5, 0.0}, at::kDouble)));
  UpdateDutyCycles(duty, iterations, at::tensor({0.0, 0.0, 2.0}, at::kDouble), 2, 4);
  EXPECT_TRUE(duty.allclose(at::tensor({0.25, 0.25, 0.5}, at::kDouble)));
  UpdateDutyCycles(duty, iterations, at::tensor({2.0, 0.0, 0.0}, at::kDouble), 2, 4);
  // (0.25 * 2 + 2) / 4 = 0.625, (0.25 * 2) / 4 = 0.125, (0.5 * 2) / 4 = 0.25.
  EXPECT_TRUE(duty.allclose(at::tensor({0.625, 0.125, 0.25}, at::kDouble)));
  EXPECT_EQ(iterations.item<int64_t>(), 6);
}

TEST(UpdateDutyCyclesTest, BatchLargerThanPeriodGivesBatchMean) {
  at::Tensor duty = at::full({2}, 0.9, at::kDouble);
  at::Tensor iterations = at::full({}, 100, at::kLong);
  UpdateDutyCycles(duty, iterations, at::tensor({3.0, 6.0}, at::kDouble), 6, 4);
  EXPECT_TRUE(duty.allclose(at::tensor({0.5, 1.0}, at::kDouble)));
}

}  // namespace
}  // namespace sparselab
