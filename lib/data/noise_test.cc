#include "lib/data/noise.h"

#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

at::Generator Seeded(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

TEST(RandomPixelNoiseTest, SetsExactlyRoundedFractionPerImage) {
  const at::Tensor images = at::zeros({5, 1, 4, 5});  // 20 pixels each
  const at::Tensor noisy = RandomPixelNoise(images, 0.25, 0.7, Seeded(1));
  EXPECT_TRUE(noisy.eq(0.7f).sum({1, 2, 3}).equal(at::full({5}, 5, at::kLong)));
  EXPECT_TRUE((noisy.eq(0) | noisy.eq(0.7f)).all().item<bool>());
  EXPECT_TRUE(images.eq(0).all().item<bool>());  // input untouched
  // Different images get different pixels.
  EXPECT_FALSE(noisy[0].equal(noisy[1]) && noisy[1].equal(noisy[2]) &&
               noisy[2].equal(noisy[3]));
}

TEST(RandomPixelNoiseTest, ZeroAndFullNoise) {
  const at::Tensor images = at::rand({3, 1, 3, 3});
  EXPECT_TRUE(RandomPixelNoise(images, 0.0, 0.5, Seeded(2)).equal(images));
  EXPECT_TRUE(RandomPixelNoise(images, 1.0, 0.5, Seeded(2)).eq(0.5).all().item<bool>());
  EXPECT_THROW(RandomPixelNoise(images, 1.5, 0.5, Seeded(2)), c10::Error);
}

TEST(RandomPixelNoiseTest, PixelsAreUniformlyChosen) {
  // 4000 images of 10 pixels with noise 0.3: each pixel is hit with
  // probability 0.3, so each count is 1200 +- 3 * sqrt(4000 * 0.3 * 0.7) = 87.
  const at::Tensor noisy = RandomPixelNoise(at::zeros({4000, 10}), 0.3, 1.0, Seeded(3));
  const at::Tensor per_pixel = noisy.sum(0);
  EXPECT_TRUE(((per_pixel - 1200).abs() < 87).all().item<bool>()) << per_pixel;
}

TEST(RandomPixelNoiseTest, SameSeedSameNoise) {
  const at::Tensor images = at::rand({4, 1, 6, 6});
  EXPECT_TRUE(RandomPixelNoise(images, 0.2, 1.0, Seeded(9))
                  .equal(RandomPixelNoise(images, 0.2, 1.0, Seeded(9))));
}

TEST(NoisyNormalizeTransformTest, NoiseThenNormalise) {
  auto transform = NoisyNormalizeTransform(0.5, kMnistNoiseValue, 0.1307, 0.3081, 4);
  const at::Tensor out = transform(at::zeros({2, 1, 2, 2}));
  const float noisy = (kMnistNoiseValue - 0.1307) / 0.3081;  // = 2
  const float clean = (0.0 - 0.1307) / 0.3081;
  EXPECT_NEAR(noisy, 2.0f, 1e-6);
  EXPECT_EQ(out.sub(noisy).abs().lt(1e-5).sum().item<int64_t>(), 4);
  EXPECT_EQ(out.sub(clean).abs().lt(1e-5).sum().item<int64_t>(), 4);
  // The transform's generator advances: a second call draws new pixels, and a
  // fresh transform with the same seed repeats the first call.
  auto again = NoisyNormalizeTransform(0.5, kMnistNoiseValue, 0.1307, 0.3081, 4);
  EXPECT_TRUE(again(at::zeros({2, 1, 2, 2})).equal(out));
}

}  // namespace
}  // namespace sparselab
