#include "lib/restoration/patches.h"

#include <cmath>
#include <limits>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

// x[i][j] = ((5 i + 3 j) mod 11) / 16: dyadic values, so sums of a few of
// them and their division by the count are exact in double precision.
at::Tensor Dyadic(int64_t h, int64_t w) {
  at::Tensor t = at::empty({h, w}, at::kDouble);
  auto x = t.accessor<double, 2>();
  for (int64_t i = 0; i < h; ++i) {
    for (int64_t j = 0; j < w; ++j) x[i][j] = ((5 * i + 3 * j) % 11) / 16.0;
  }
  return t;
}

TEST(PatchesTest, GridCoversTheLastRowAndColumn) {
  EXPECT_EQ(PatchGridCoordinates(10, 4, 3), (std::vector<int64_t>{0, 3, 6}));  // 6 = 10 - 4
  EXPECT_EQ(PatchGridCoordinates(11, 4, 3), (std::vector<int64_t>{0, 3, 6, 7}));
  EXPECT_EQ(PatchGridCoordinates(4, 4, 2), (std::vector<int64_t>{0}));
  EXPECT_EQ(PatchGridCoordinates(5, 2, 1), (std::vector<int64_t>{0, 1, 2, 3}));
}

TEST(PatchesTest, ExtractTakesThePixelsRowMajor) {
  const at::Tensor x = Dyadic(7, 9);
  const ImagePatches p = *ExtractPatches(x, 3, 2);
  EXPECT_EQ(p.grid_rows, (std::vector<int64_t>{0, 2, 4}));
  EXPECT_EQ(p.grid_cols, (std::vector<int64_t>{0, 2, 4, 6}));
  ASSERT_EQ(p.values.size(0), 12);
  ASSERT_EQ(p.values.size(1), 9);
  auto v = p.values.accessor<double, 2>();
  auto pos = p.positions.accessor<int64_t, 2>();
  auto img = x.accessor<double, 2>();
  for (int64_t n = 0; n < 12; ++n) {
    EXPECT_EQ(pos[n][0], p.grid_rows[n / 4]);
    EXPECT_EQ(pos[n][1], p.grid_cols[n % 4]);
    for (int64_t a = 0; a < 3; ++a) {
      for (int64_t b = 0; b < 3; ++b) EXPECT_EQ(v[n][a * 3 + b], img[pos[n][0] + a][pos[n][1] + b]);
    }
  }
  // (1, 1, H, W) gives the same.
  EXPECT_TRUE(ExtractPatches(x.view({1, 1, 7, 9}), 3, 2)->values.equal(p.values));
}

TEST(PatchesTest, AverageOfUnmodifiedPatchesIsTheImage) {
  // Every stride up to p (those that cover the image): some divide H - p or
  // W - p, others need the extra last row / column (9 x 11, p = 4, stride 3:
  // rows {0, 3, 5}, columns {0, 3, 6, 7}).
  const at::Tensor x = Dyadic(9, 11);
  for (int64_t p : {1, 2, 3, 4}) {
    for (int64_t s = 1; s <= p; ++s) {
      const ImagePatches ps = *ExtractPatches(x, p, s);
      const at::Tensor back = *AveragePatches(ps.values, ps.positions, 9, 11, at::Tensor(), 0.0);
      EXPECT_TRUE(back.equal(x)) << "p " << p << " stride " << s;
      // With lambda > 0 and the image as the noisy one: (lambda x + k x) / (lambda + k).
      const at::Tensor mixed = *AveragePatches(ps.values, ps.positions, 9, 11, x, 0.75);
      EXPECT_TRUE(at::allclose(mixed, x, 0, 1e-15)) << "p " << p << " stride " << s;
    }
  }
  // A random (non-dyadic) image: exact up to rounding of the sums.
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(3);
  const at::Tensor r = at::rand({13, 10}, g, at::kDouble);
  const ImagePatches ps = *ExtractPatches(r, 5, 3);
  EXPECT_TRUE(
      at::allclose(*AveragePatches(ps.values, ps.positions, 13, 10, at::Tensor(), 0), r, 0, 1e-15));
}

TEST(PatchesTest, GapsAreAnErrorWithoutLambdaAndTheNoisyPixelWithIt) {
  const at::Tensor x = Dyadic(8, 8);
  // Patches only at (0, 0) and (5, 5): pixel (3, 3) is not covered.
  const at::Tensor pos = at::tensor({0, 0, 5, 5}, at::kLong).view({2, 2});
  const at::Tensor patches = at::ones({2, 9}, at::kDouble);
  const auto bad = AveragePatches(patches, pos, 8, 8, at::Tensor(), 0);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("covered"), std::string::npos);
  // With lambda the uncovered pixels are the noisy ones: (lambda y + 0) / lambda.
  const at::Tensor out = *AveragePatches(patches, pos, 8, 8, x, 2.0);
  EXPECT_EQ(out[3][3].item<double>(), x[3][3].item<double>());
  EXPECT_EQ(out[0][0].item<double>(), (2.0 * x[0][0].item<double>() + 1.0) / 3.0);
}

TEST(PatchesTest, HandComputedWeightedAverage) {
  // 3 x 3 image y[i][j] = 3 i + j, p = 2, stride 1: patches at (0,0), (0,1),
  // (1,0), (1,1), patch n filled with the value n + 1, lambda = 2.
  //   (0,0): patch 0 only        -> (2 * 0 + 1) / (2 + 1)         = 1/3
  //   (0,1): patches 0, 1        -> (2 * 1 + 1 + 2) / (2 + 2)     = 5/4
  //   (0,2): patch 1             -> (2 * 2 + 2) / 3               = 2
  //   (1,0): patches 0, 2        -> (2 * 3 + 1 + 3) / 4           = 5/2
  //   (1,1): all four            -> (2 * 4 + 1 + 2 + 3 + 4) / 6   = 3
  //   (1,2): patches 1, 3        -> (2 * 5 + 2 + 4) / 4           = 4
  //   (2,0): patch 2             -> (2 * 6 + 3) / 3               = 5
  //   (2,1): patches 2, 3        -> (2 * 7 + 3 + 4) / 4           = 21/4
  //   (2,2): patch 3             -> (2 * 8 + 4) / 3               = 20/3
  const at::Tensor y = at::arange(9, at::kDouble).view({3, 3});
  ImagePatches ps = *ExtractPatches(y, 2, 1);
  ASSERT_EQ(ps.values.size(0), 4);
  const at::Tensor filled = (at::arange(1, 5, at::kDouble).view({4, 1})).expand({4, 4}).clone();
  const at::Tensor out = *AveragePatches(filled, ps.positions, 3, 3, y.view({1, 1, 3, 3}), 2.0);
  const std::vector<double> expected = {1.0 / 3, 5.0 / 4, 2, 5.0 / 2, 3, 4, 5, 21.0 / 4, 20.0 / 3};
  for (int64_t k = 0; k < 9; ++k) {
    EXPECT_NEAR(out.view({-1})[k].item<double>(), expected[k], 1e-15) << k;
  }
}

TEST(PatchesTest, BadInputsAreErrors) {
  const at::Tensor x = Dyadic(6, 6);
  EXPECT_FALSE(ExtractPatches(at::Tensor(), 2).ok());
  EXPECT_FALSE(ExtractPatches(x.to(at::kLong), 2).ok());
  EXPECT_FALSE(ExtractPatches(x.view({1, 6, 6}), 2).ok());
  EXPECT_FALSE(ExtractPatches(x.view({1, 1, 6, 6}).expand({2, 1, 6, 6}), 2).ok());
  EXPECT_FALSE(ExtractPatches(x, 0).ok());
  EXPECT_FALSE(ExtractPatches(x, 7).ok());
  EXPECT_FALSE(ExtractPatches(x, 2, 0).ok());
  at::Tensor nan = x.clone();
  nan[2][3] = std::numeric_limits<double>::quiet_NaN();
  const auto e = ExtractPatches(nan, 2);
  EXPECT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("NaN"), std::string::npos);

  const ImagePatches ps = *ExtractPatches(x, 2);
  EXPECT_FALSE(AveragePatches(ps.values.narrow(1, 0, 3), ps.positions, 6, 6, x, 1).ok());
  EXPECT_FALSE(AveragePatches(ps.values, ps.positions.narrow(0, 0, 3), 6, 6, x, 1).ok());
  EXPECT_FALSE(AveragePatches(ps.values, ps.positions.to(at::kInt), 6, 6, x, 1).ok());
  EXPECT_FALSE(
      AveragePatches(ps.values, ps.positions, 5, 6, x, 1).ok());  // noisy shape; (0,4) leaves
  EXPECT_FALSE(AveragePatches(ps.values, ps.positions + 5, 6, 6, x, 1).ok());
  EXPECT_FALSE(AveragePatches(ps.values, ps.positions, 6, 6, x, -1).ok());
  EXPECT_FALSE(
      AveragePatches(ps.values, ps.positions, 6, 6, x, std::numeric_limits<double>::quiet_NaN())
          .ok());
  EXPECT_FALSE(AveragePatches(ps.values, ps.positions, 6, 6, at::Tensor(), 1).ok());
  EXPECT_FALSE(
      AveragePatches(ps.values * std::numeric_limits<double>::infinity(), ps.positions, 6, 6, x, 1)
          .ok());
}

}  // namespace
}  // namespace sparselab
