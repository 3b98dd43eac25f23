#include "experiments/foldiak_bars/bars.h"

#include <cmath>
#include <set>

#include "gtest/gtest.h"

namespace sparselab::foldiak_bars {
namespace {

TEST(BarsTest, PixelsAreTheUnionOfTheDrawnLines) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  const BarPatterns p = DrawBars(500, 8, 0.125, gen);
  ASSERT_EQ(p.pixels.sizes(), (std::vector<int64_t>{500, 64}));
  const at::Tensor t = BarTemplates(8);
  // Rebuild each image from its bars.
  const at::Tensor rebuilt = at::clamp_max(p.bars.to(at::kFloat).mm(t), 1.0);
  EXPECT_TRUE(rebuilt.equal(p.pixels));
  // About 1/8 of the bars are drawn.
  EXPECT_NEAR(p.bars.to(at::kDouble).mean().item<double>(), 0.125, 0.01);
  // Template 2 is row 2, template 8 + 5 is column 5.
  EXPECT_EQ(t[2].view({8, 8})[2].sum().item<float>(), 8);
  EXPECT_EQ(t[13].view({8, 8}).select(1, 5).sum().item<float>(), 8);
  EXPECT_EQ(t.sum().item<float>(), 16 * 8);
}

TEST(BarsTest, DistinctBarsCodedCountsBestMatches) {
  const at::Tensor t = BarTemplates(8);
  EXPECT_EQ(DistinctBarsCoded(t, t), 16);
  // Noisy copies still match their own bar.
  auto gen = at::make_generator<at::CPUGeneratorImpl>(2);
  EXPECT_EQ(DistinctBarsCoded(t + 0.2 * at::rand({16, 64}, gen), t), 16);
  // Every unit on bar 3: one bar.
  EXPECT_EQ(DistinctBarsCoded(t[3].unsqueeze(0).repeat({16, 1}), t), 1);
  // Constant weights correlate with nothing.
  EXPECT_EQ(DistinctBarsCoded(at::ones({16, 64}), t), 0);
  // A cross of row 1 and column 1 matches both equally; the rest of its units
  // cover rows 2..7: 6 + 1.
  at::Tensor q = t.narrow(0, 2, 6).clone();
  EXPECT_EQ(DistinctBarsCoded(at::cat({q, (t[1] + t[9]).unsqueeze(0)}), t), 7);
}

TEST(BarsTest, PerfectCodeKeepsAllInformation) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
  const BarPatterns p = DrawBars(3000, 8, 0.125, gen);
  const CodeStats s = MeasureCodes(p.bars, p.bars);
  EXPECT_DOUBLE_EQ(s.distinct_code_share, 1.0);
  EXPECT_NEAR(s.information_bits, s.pattern_entropy_bits, 1e-9);
  EXPECT_NEAR(s.firing_rate, p.bars.to(at::kDouble).mean().item<double>(), 1e-12);
  // Independent bars: <y_i y_j> ~ p^2.
  EXPECT_NEAR(s.pair_coactivation, 0.125 * 0.125, 0.003);
  // A constant code keeps nothing.
  const CodeStats zero = MeasureCodes(at::zeros_like(p.bars), p.bars);
  EXPECT_NEAR(zero.information_bits, 0.0, 1e-9);
  EXPECT_DOUBLE_EQ(zero.firing_rate, 0.0);
  // ... and gives one code to all U distinct patterns: share 1/U.
  const at::Tensor sym = p.bars.to(at::kLong).mv(at::pow(2, at::arange(16, at::kLong)));
  std::set<int64_t> distinct(sym.data_ptr<int64_t>(), sym.data_ptr<int64_t>() + sym.numel());
  EXPECT_DOUBLE_EQ(zero.distinct_code_share, 1.0 / static_cast<double>(distinct.size()));
}

TEST(BarsTest, CodeStatsByHand) {
  // Three patterns over 2 bars: (1,0), (0,1), (1,0); codes over 3 units.
  const at::Tensor bars = at::tensor({1, 0, 0, 1, 1, 0}, at::kLong).view({3, 2}).to(at::kBool);
  const at::Tensor codes = at::tensor({1, 1, 0, 0, 1, 0, 1, 1, 0}, at::kLong).view({3, 3}).to(at::kBool);
  const CodeStats s = MeasureCodes(codes, bars);
  EXPECT_NEAR(s.firing_rate, 5.0 / 9, 1e-12);
  // <y0 y1> = 2/3, <y0 y2> = <y1 y2> = 0: mean over the 6 ordered pairs = 4/3 / 6.
  EXPECT_NEAR(s.pair_coactivation, (2.0 / 3 * 2) / 6, 1e-12);
  EXPECT_DOUBLE_EQ(s.distinct_code_share, 1.0);
  // Two patterns merged into one code: share 1/2.
  const CodeStats merged = MeasureCodes(at::ones({3, 3}, at::kBool), bars);
  EXPECT_DOUBLE_EQ(merged.distinct_code_share, 0.5);
}

TEST(BarsTest, SingleBarCodesNeedOneOwnUnit) {
  const at::Tensor eye = at::eye(16);
  EXPECT_EQ(SingleBarCodes(eye), 16);
  at::Tensor shared = eye.clone();
  shared[1][1] = 0;
  shared[1][0] = 1;  // bars 0 and 1 both use unit 0
  EXPECT_EQ(SingleBarCodes(shared), 14);
  shared[2][3] = 1;  // bar 2 now uses two units; unit 3 also serves bar 3
  EXPECT_EQ(SingleBarCodes(shared), 12);
}

}  // namespace
}  // namespace sparselab::foldiak_bars
