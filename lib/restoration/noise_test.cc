#include "lib/restoration/noise.h"

#include <cmath>

#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

at::Generator Seeded(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

TEST(AddGaussianNoiseTest, NoiseHasStdSigmaOver255AndMeanZero) {
  // 200 x 200 = 40000 draws: the sample std has a relative standard error of
  // 1 / sqrt(2 * 40000) = 0.35 %, the mean a standard error of std / 200.
  const at::Tensor x = at::full({200, 200}, 0.5, at::kDouble);
  const auto y = AddGaussianNoise(x, {25.0, false}, Seeded(1));
  ASSERT_TRUE(y.ok()) << y.status();
  const at::Tensor n = *y - x;
  const double expected = 25.0 / 255.0;
  EXPECT_NEAR(n.std().item<double>(), expected, 0.015 * expected);
  EXPECT_NEAR(n.mean().item<double>(), 0.0, 4 * expected / 200);
  EXPECT_EQ(y->scalar_type(), at::kDouble);
  // Not clipped by default: at 0.95 a draw exceeds 1 when n > 0.05 / 0.098 =
  // 0.51 std, about 30 % of them.
  const at::Tensor far = at::full({200, 200}, 0.95, at::kDouble);
  EXPECT_GT(AddGaussianNoise(far, {25.0, false}, Seeded(2))->max().item<double>(), 1.0);
}

TEST(AddGaussianNoiseTest, SeededAndClippedIsClampOfUnclipped) {
  const at::Tensor x = at::rand({3, 16, 16});
  const at::Tensor x0 = x.clone();
  const at::Tensor a = *AddGaussianNoise(x, {50.0, false}, Seeded(7));
  const at::Tensor b = *AddGaussianNoise(x, {50.0, false}, Seeded(7));
  EXPECT_TRUE(a.equal(b));
  EXPECT_FALSE(a.equal(*AddGaussianNoise(x, {50.0, false}, Seeded(8))));
  const at::Tensor c = *AddGaussianNoise(x, {50.0, true}, Seeded(7));
  EXPECT_TRUE(c.equal(a.clamp(0.0, 1.0)));
  EXPECT_GE(c.min().item<float>(), 0.0f);
  EXPECT_LE(c.max().item<float>(), 1.0f);
  EXPECT_LT(a.min().item<float>(), 0.0f);  // so the clamp did something
  EXPECT_TRUE(x.equal(x0));                // the input is untouched
}

TEST(AddGaussianNoiseTest, SigmaZeroIsIdentity) {
  const at::Tensor x = at::rand({5, 7});
  EXPECT_TRUE(AddGaussianNoise(x, {0.0, false}, Seeded(3))->equal(x));
}

TEST(AddGaussianNoiseTest, BadInputIsAnError) {
  const at::Tensor x = at::rand({4, 4});
  const auto neg = AddGaussianNoise(x, {-1.0, false}, Seeded(1));
  ASSERT_FALSE(neg.ok());
  EXPECT_NE(neg.status().message().find("sigma"), std::string::npos);
  EXPECT_FALSE(AddGaussianNoise(x, {NAN, false}, Seeded(1)).ok());
  const auto bytes = AddGaussianNoise(at::zeros({4, 4}, at::kByte), {25.0, false}, Seeded(1));
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("floating point"), std::string::npos);
  EXPECT_FALSE(AddGaussianNoise(at::Tensor(), {25.0, false}, Seeded(1)).ok());
}

}  // namespace
}  // namespace sparselab
