#include "lib/restoration/noise2void.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>

#include "gtest/gtest.h"
#include "lib/nn/test_helpers.h"

namespace sparselab {
namespace {

at::Generator Seeded(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

Noise2VoidBatch Mask(const at::Tensor& x, double fraction, int64_t radius, uint64_t seed) {
  absl::StatusOr<Noise2VoidBatch> b =
      Noise2VoidMask(x, Noise2VoidOptions().fraction(fraction).radius(radius), Seeded(seed));
  EXPECT_TRUE(b.ok()) << b.status();
  return *b;
}

TEST(Noise2VoidTest, CellSize) {
  EXPECT_EQ(Noise2VoidCellSize(0.02), 7);    // 1 / sqrt(0.02) = 7.07
  EXPECT_EQ(Noise2VoidCellSize(0.002), 22);  // 22.36
  EXPECT_EQ(Noise2VoidCellSize(0.25), 2);
  EXPECT_EQ(Noise2VoidCellSize(1.0), 1);
}

// Every value of x is its own flat index, so a replaced value names its source.
TEST(Noise2VoidTest, ReplacementsComeFromTheNeighbourhoodAndNeverFromThePixelItself) {
  const int64_t n = 2, c = 2, h = 13, w = 11, radius = 2;
  const at::Tensor x = at::arange(n * c * h * w, at::kDouble).reshape({n, c, h, w});
  int64_t masked_total = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const Noise2VoidBatch b = Mask(x, 1.0 / 9.0, radius, seed);
    // Unmasked pixels keep their value; masked ones all changed.
    EXPECT_TRUE(b.mask.equal((b.input != x).to(at::kDouble)));
    const double* in = b.input.data_ptr<double>();
    const double* m = b.mask.data_ptr<double>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      if (m[i] == 0) continue;
      ++masked_total;
      const int64_t src = static_cast<int64_t>(in[i]);
      ASSERT_EQ(static_cast<double>(src), in[i]);
      ASSERT_TRUE(src >= 0 && src < x.numel());
      // Same sample and channel (same plane), within the radius, not itself.
      EXPECT_EQ(src / (h * w), i / (h * w));
      const int64_t y = (i % (h * w)) / w, xx = i % w, sy = (src % (h * w)) / w, sx = src % w;
      EXPECT_LE(std::abs(sy - y), radius);
      EXPECT_LE(std::abs(sx - xx), radius);
      EXPECT_NE(src, i);
    }
  }
  EXPECT_GT(masked_total, 20 * 4 * 12);  // 13 x 11 in 3 x 3 cells: 12 full cells per plane
}

TEST(Noise2VoidTest, NeighboursAreUniformOverTheClippedWindowWithoutTheCentre) {
  // fraction 1: every pixel masked. The corner (0, 0) with radius 2 has the
  // 3 x 3 window rows 0..2, columns 0..2: 8 possible sources.
  const int64_t h = 6, w = 7;
  const at::Tensor x = at::arange(h * w, at::kDouble).reshape({1, 1, h, w});
  std::map<int64_t, int> corner, middle;
  const int draws = 800;
  for (int t = 0; t < draws; ++t) {
    const Noise2VoidBatch b = Mask(x, 1.0, 2, 1000 + t);
    EXPECT_EQ(b.mask.sum().item<double>(), h * w);
    ++corner[static_cast<int64_t>(b.input[0][0][0][0].item<double>())];
    ++middle[static_cast<int64_t>(b.input[0][0][3][3].item<double>())];
  }
  ASSERT_EQ(corner.size(), 8u);
  for (const auto& [src, count] : corner) {
    EXPECT_TRUE(src / w <= 2 && src % w <= 2 && src != 0) << src;
    EXPECT_NEAR(count, draws / 8.0, 40) << src;  // sd 9.4
  }
  // (3, 3): rows 1..5, columns 1..5, 24 sources.
  ASSERT_EQ(middle.size(), 24u);
  for (const auto& [src, count] : middle) {
    EXPECT_TRUE(src / w >= 1 && src / w <= 5 && src % w >= 1 && src % w <= 5 && src != 3 * w + 3)
        << src;
    EXPECT_NEAR(count, draws / 24.0, 22) << src;  // sd 5.6
  }
}

TEST(Noise2VoidTest, OneMaskedPixelPerCellAndTheFraction) {
  // 28 x 28 with 7 x 7 cells (fraction 0.02): exactly one per cell.
  const at::Tensor x = at::randn({3, 2, 28, 28}, at::kDouble);
  const Noise2VoidBatch b = Mask(x, 0.02, 2, 7);
  const at::Tensor per_cell = b.mask.reshape({3, 2, 4, 7, 4, 7}).sum({3, 5});
  EXPECT_TRUE(per_cell.equal(at::ones({3, 2, 4, 4}, at::kDouble)));
  // 30 x 30: the border cells are cut, every pixel is masked with p = 1 / 49,
  // so a plane has 900 / 49 = 18.37 masked pixels on average (sd of the mean
  // of 200 planes: 0.09).
  const Noise2VoidBatch cut = Mask(at::randn({100, 2, 30, 30}, at::kDouble), 0.02, 2, 8);
  const double mean_per_plane = cut.mask.sum().item<double>() / 200.0;
  EXPECT_NEAR(mean_per_plane, 900.0 / 49.0, 0.45);
  // The full cells still hold exactly one each.
  const at::Tensor full = cut.mask.narrow(2, 0, 28).narrow(3, 0, 28);
  EXPECT_TRUE(
      full.reshape({100, 2, 4, 7, 4, 7}).sum({3, 5}).equal(at::ones({100, 2, 4, 4}, at::kDouble)));
  // Pixel-wise rate, border pixels included: rows 28, 29 are as likely as the rest.
  EXPECT_NEAR(cut.mask.narrow(2, 28, 2).mean().item<double>(), 1.0 / 49, 0.006);
}

TEST(Noise2VoidTest, SeededDeterminismAndDtype) {
  const at::Tensor x = at::randn({2, 1, 16, 16}, at::kFloat);
  const Noise2VoidBatch a = Mask(x, 0.05, 2, 42), b = Mask(x, 0.05, 2, 42),
                        c = Mask(x, 0.05, 2, 43);
  EXPECT_TRUE(a.input.equal(b.input));
  EXPECT_TRUE(a.mask.equal(b.mask));
  EXPECT_FALSE(a.mask.equal(c.mask));
  EXPECT_EQ(a.input.scalar_type(), at::kFloat);
  EXPECT_EQ(a.mask.scalar_type(), at::kFloat);
  // Float values are copied exactly: every replaced value is one of x's.
  const at::Tensor replaced = a.input.masked_select(a.mask.to(at::kBool));
  EXPECT_TRUE(at::isin(replaced, x).all().item<bool>());
  EXPECT_TRUE(
      a.input.masked_select(~a.mask.to(at::kBool)).equal(x.masked_select(~a.mask.to(at::kBool))));
}

TEST(Noise2VoidTest, BadInputsAreErrors) {
  const at::Tensor x = at::rand({1, 1, 8, 8});
  auto status = [&](const at::Tensor& t, double fraction, int64_t radius) {
    return Noise2VoidMask(t, Noise2VoidOptions().fraction(fraction).radius(radius), Seeded(1))
        .status();
  };
  EXPECT_NE(status(x, 0.0, 2).message().find("fraction must be in (0, 1]"), std::string::npos);
  EXPECT_FALSE(status(x, 1.5, 2).ok());
  EXPECT_FALSE(status(x, std::nan(""), 2).ok());
  EXPECT_NE(status(x, 0.1, 0).message().find("radius must be >= 1"), std::string::npos);
  EXPECT_NE(status(at::rand({8, 8}), 0.1, 2).message().find("(N, C, H, W)"), std::string::npos);
  EXPECT_NE(status(at::zeros({1, 1, 8, 8}, at::kLong), 0.1, 2).message().find("floating point"),
            std::string::npos);
  EXPECT_NE(status(at::rand({1, 1, 1, 1}), 0.1, 2).message().find("at least 2 pixels"),
            std::string::npos);
  EXPECT_TRUE(status(at::rand({1, 1, 1, 2}), 1.0, 1).ok());
}

TEST(Noise2VoidTest, MaskedMseLossByHand) {
  const at::Tensor prediction =
      at::tensor({1., 2., 3., 4.}, at::kDouble).reshape({1, 1, 2, 2}).set_requires_grad(true);
  const at::Tensor target = at::tensor({0., 7., 5., 4.}, at::kDouble).reshape({1, 1, 2, 2});
  const at::Tensor mask = at::tensor({1., 0., 1., 1.}, at::kDouble).reshape({1, 1, 2, 2});
  // (1 - 0)^2 + (3 - 5)^2 + (4 - 4)^2 over 3 masked pixels; the unmasked 25 is ignored.
  const at::Tensor loss = MaskedMseLoss(prediction, target, mask);
  EXPECT_DOUBLE_EQ(loss.item<double>(), 5.0 / 3.0);
  loss.backward();
  // d/dp = 2 m (p - t) / 3.
  EXPECT_TRUE(at::allclose(
      prediction.grad(), at::tensor({2. / 3, 0., -4. / 3, 0.}, at::kDouble).reshape({1, 1, 2, 2})));
  // A bool mask gives the same; an empty mask gives 0 with a (zero) gradient.
  EXPECT_DOUBLE_EQ(MaskedMseLoss(prediction, target, mask.to(at::kBool)).item<double>(), 5.0 / 3.0);
  const at::Tensor empty = MaskedMseLoss(prediction, target, at::zeros_like(mask));
  EXPECT_EQ(empty.item<double>(), 0.0);
  EXPECT_TRUE(empty.requires_grad());
  testing::ExpectErrorNaming([&] { MaskedMseLoss(prediction, target, mask * 0.5); },
                             "only 0s and 1s");
  testing::ExpectErrorNaming([&] { MaskedMseLoss(prediction, target, mask.reshape({4})); },
                             "one shape");
}

TEST(Noise2VoidTest, LossOfAMaskedBatchIsTheErrorAtTheMaskedPixels) {
  const at::Tensor x = at::randn({2, 1, 14, 14}, at::kDouble);
  const Noise2VoidBatch b = Mask(x, 0.04, 2, 3);  // 5 x 5 cells
  const at::Tensor prediction = at::randn_like(x);
  const at::Tensor sel = b.mask.to(at::kBool);
  const double expected =
      (prediction.masked_select(sel) - x.masked_select(sel)).pow(2).mean().item<double>();
  EXPECT_NEAR(MaskedMseLoss(prediction, x, b.mask).item<double>(), expected, 1e-12);
}

}  // namespace
}  // namespace sparselab
