#include "lib/restoration/quality.h"

#include <cmath>
#include <functional>
#include <limits>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

at::Tensor Image(int64_t h, int64_t w, const std::function<double(int64_t, int64_t)>& f) {
  at::Tensor t = at::empty({h, w}, at::kDouble);
  auto a = t.accessor<double, 2>();
  for (int64_t i = 0; i < h; ++i) {
    for (int64_t j = 0; j < w; ++j) a[i][j] = f(i, j);
  }
  return t;
}

TEST(PsnrTest, OnePixelOffByATenthInTenByTen) {
  // MSE = 0.1^2 / 100 = 1e-4, PSNR = 10 log10(1e4) = 40 dB.
  const at::Tensor clean = at::full({10, 10}, 0.5, at::kDouble);
  at::Tensor noisy = clean.clone();
  noisy[3][7] = 0.6;
  EXPECT_NEAR(*MeanSquaredError(noisy, clean), 1e-4, 1e-15);
  EXPECT_NEAR(*Psnr(noisy, clean), 40.0, 1e-9);
  // Float images: the same up to float rounding of 0.6 - 0.5.
  EXPECT_NEAR(*Psnr(noisy.to(at::kFloat), clean.to(at::kFloat)), 40.0, 1e-5);
}

TEST(PsnrTest, IdenticalImagesAreInfinite) {
  const at::Tensor x = at::rand({3, 8, 8});
  const double p = *Psnr(x, x.clone());
  EXPECT_TRUE(std::isinf(p) && p > 0);
}

TEST(PsnrTest, BadInputIsAnError) {
  const auto shapes = Psnr(at::rand({4, 4}), at::rand({4, 5}));
  ASSERT_FALSE(shapes.ok());
  EXPECT_NE(shapes.status().message().find("shapes differ"), std::string::npos);
  EXPECT_FALSE(Psnr(at::zeros({4, 4}, at::kByte), at::zeros({4, 4}, at::kByte)).ok());
  EXPECT_FALSE(Psnr(at::rand({0}), at::rand({0})).ok());
  EXPECT_FALSE(Psnr(at::Tensor(), at::rand({2})).ok());
}

TEST(SsimTest, ImageWithItselfIsOne) {
  const at::Tensor x = at::rand({20, 17}, at::kDouble);
  EXPECT_NEAR(*Ssim(x, x), 1.0, 1e-12);
  const at::Tensor c = at::rand({3, 12, 12});
  EXPECT_NEAR(*Ssim(c, c), 1.0, 1e-12);
}

TEST(SsimTest, ConstantImagesByHand) {
  // Constant images: every local variance and covariance is 0, so
  // SSIM = (2 a b + C1) / (a^2 + b^2 + C1) with C1 = 0.01^2.
  const double a = 0.3, b = 0.5, c1 = 1e-4;
  const double expected = (2 * a * b + c1) / (a * a + b * b + c1);  // 0.3001 / 0.3401 = 0.88239
  EXPECT_NEAR(*Ssim(at::full({13, 15}, a, at::kDouble), at::full({13, 15}, b, at::kDouble)),
              expected, 1e-12);
}

// Reference values from Debian's python3-skimage 0.19.3:
// skimage.metrics.structural_similarity(x, y, data_range=1.0, gaussian_weights=True,
// sigma=1.5, use_sample_covariance=False) (channel_axis=0 for case C), on the
// same integer patterns built in numpy float64, printed with %.17g.
TEST(SsimTest, MatchesScikitImage) {
  const at::Tensor a =
      Image(16, 20, [](int64_t i, int64_t j) { return ((7 * i + 13 * j) % 17) / 16.0; });
  const at::Tensor b =
      Image(16, 20, [](int64_t i, int64_t j) { return ((5 * i + 3 * j + i * j) % 11) / 10.0; });
  EXPECT_NEAR(*Ssim(a, b), 0.076425309503973554, 1e-12);

  const at::Tensor c = Image(16, 20, [](int64_t i, int64_t j) { return ((i * j) % 23) / 22.0; });
  const at::Tensor d = (c + Image(16, 20, [](int64_t i, int64_t j) {
                          return (((31 * i + 17 * j) % 7) - 3) / 30.0;
                        })).clamp(0.0, 1.0);
  EXPECT_NEAR(*Ssim(c, d), 0.97596726792309796, 1e-12);

  std::vector<at::Tensor> e, f;
  for (int64_t k = 0; k < 3; ++k) {
    e.push_back(
        Image(12, 13, [k](int64_t i, int64_t j) { return ((3 * i + 5 * j + 7 * k) % 13) / 12.0; }));
    f.push_back(
        Image(12, 13, [k](int64_t i, int64_t j) { return ((2 * i + 9 * j + k * i) % 10) / 9.0; }));
  }
  EXPECT_NEAR(*Ssim(at::stack(e), at::stack(f)), 0.038616379983746542, 1e-12);

  // 11 x 11: the valid region is the single centre pixel.
  const at::Tensor a11 = a.narrow(0, 0, 11).narrow(1, 0, 11);
  const at::Tensor c11 = c.narrow(0, 0, 11).narrow(1, 0, 11);
  EXPECT_NEAR(*Ssim(a11, c11), -0.14538353837478737, 1e-12);
  // Float input gives the same to float precision.
  EXPECT_NEAR(*Ssim(a.to(at::kFloat), b.to(at::kFloat)), 0.076425309503973554, 1e-6);
}

TEST(SsimTest, BadInputIsAnError) {
  const auto small = Ssim(at::rand({10, 30}), at::rand({10, 30}));
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.status().message().find("smaller than"), std::string::npos);
  EXPECT_FALSE(Ssim(at::rand({12, 12}), at::rand({12, 13})).ok());
  EXPECT_FALSE(Ssim(at::rand({1, 1, 12, 12}), at::rand({1, 1, 12, 12})).ok());
  SsimOptions even;
  even.window = 10;
  EXPECT_FALSE(Ssim(at::rand({12, 12}), at::rand({12, 12}), even).ok());
}

}  // namespace
}  // namespace sparselab
