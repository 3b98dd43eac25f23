#include "lib/nn/perturbation_mask.h"

#include <cmath>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include <c10/util/Exception.h>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "lib/nn/gradient_check.h"

namespace sparselab {
namespace {

at::Tensor D(std::vector<double> values, std::vector<int64_t> shape) {
  return at::tensor(values, at::kDouble).view(shape);
}

std::vector<int64_t> Longs(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

void ExpectInvalid(const absl::Status& status, const std::string& part) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(std::string(status.message()).find(part), std::string::npos)
      << "message \"" << status.message() << "\" does not name \"" << part << "\"";
}

// sum_i w_i x_i per image, for images (N, C, H, W) and weights (C, H, W).
ImageScoreFunction LinearScore(const at::Tensor& weights) {
  return [weights](const at::Tensor& x) { return (x * weights).sum({1, 2, 3}); };
}

// ---- Pieces: perturbation, upsampling, total variation ----

TEST(PerturbImageTest, ConstantReplacesEveryValue) {
  const at::Tensor x = D({1, 2, 3, 4}, {1, 2, 2});
  const at::Tensor p = PerturbImage(
      x, PerturbationMaskOptions().perturbation(PerturbationKind::kConstant).constant(0.25));
  EXPECT_TRUE(p.equal(at::full({1, 2, 2}, 0.25, at::kDouble)));
}

TEST(PerturbImageTest, BlurIsNormalisedGaussianByHand) {
  // Two pixels [0, 1], sigma 1: weights 1 (self) and e^{-1/2} (neighbour).
  const at::Tensor x = D({0, 1}, {1, 1, 2});
  const at::Tensor p = PerturbImage(x, PerturbationMaskOptions().blur_sigma(1.0));
  const double e = std::exp(-0.5);
  EXPECT_NEAR(p[0][0][0].item<double>(), e / (1 + e), 1e-15);
  EXPECT_NEAR(p[0][0][1].item<double>(), 1 / (1 + e), 1e-15);
  // A constant image stays constant (no darkened borders).
  const at::Tensor c = PerturbImage(at::full({3, 5, 7}, 0.7, at::kDouble),
                                    PerturbationMaskOptions().blur_sigma(4.0));
  EXPECT_TRUE(c.allclose(at::full({3, 5, 7}, 0.7, at::kDouble), 0, 1e-14));
}

TEST(UpsampleMaskTest, ConstantStaysConstantAndHandBilinear) {
  const at::Tensor up = UpsampleMask(at::full({3, 3}, 0.4, at::kDouble), 7, 10);
  ASSERT_EQ(up.sizes(), (std::vector<int64_t>{7, 10}));
  EXPECT_TRUE(up.allclose(at::full({7, 10}, 0.4, at::kDouble), 0, 1e-15));
  // [0, 1] to 4 columns, half-pixel centres: source x = (i + 0.5) / 2 - 0.5
  // = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
  const at::Tensor row = UpsampleMask(D({0, 1}, {1, 2}), 1, 4);
  EXPECT_TRUE(row.allclose(D({0, 0.25, 0.75, 1}, {1, 4}), 0, 1e-15)) << row;
  // Same size: the identity.
  const at::Tensor m = D({0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, {2, 3});
  EXPECT_TRUE(UpsampleMask(m, 2, 3).allclose(m, 0, 1e-15));
}

TEST(MaskTotalVariationTest, ConstantIsZeroAndHandCases) {
  EXPECT_EQ(MaskTotalVariation(at::full({4, 5}, 0.3, at::kDouble), 3).item<double>(), 0);
  // Vertical |0.3|^3, |0.4|^3 -> mean 0.0455; horizontal |0.4|^3, |0.5|^3 -> 0.0945.
  EXPECT_NEAR(MaskTotalVariation(D({0.2, 0.6, 0.5, 1.0}, {2, 2}), 3).item<double>(), 0.14, 1e-15);
  // beta = 1 on the same mask: (0.3 + 0.4) / 2 + (0.4 + 0.5) / 2.
  EXPECT_NEAR(MaskTotalVariation(D({0.2, 0.6, 0.5, 1.0}, {2, 2}), 1).item<double>(), 0.8, 1e-15);
  // One row: horizontal pairs only, (0.5^3 + 1^3) / 2.
  EXPECT_NEAR(MaskTotalVariation(D({0, 0.5, -0.5}, {1, 3}), 3).item<double>(), 0.5625, 1e-15);
}

// ---- The objective ----

TEST(MaskObjectiveTest, HandComputedBothGames) {
  // Full-resolution 2x2 mask (upsampling is the identity), constant 0, score = sum x.
  const at::Tensor x = D({1, 2, 3, 4}, {1, 2, 2});
  const at::Tensor m = D({0.5, 1, 0, 1}, {2, 2});
  auto score = LinearScore(at::ones({1, 2, 2}, at::kDouble));
  auto options = PerturbationMaskOptions()
                     .mask_height(2)
                     .mask_width(2)
                     .perturbation(PerturbationKind::kConstant)
                     .constant(0)
                     .lambda1(2)
                     .lambda2(3);
  // x_m = [[0.5, 2], [0, 4]]: s = 6.5. mean|1 - m| = 1.5 / 4; mean|m| = 2.5 / 4.
  // TV: vertical (-0.5, 0) -> 0.0625, horizontal (0.5, 1) -> 0.5625; 0.625.
  const MaskObjectiveTerms terms = ComputeMaskObjective(score, x, m, options);
  EXPECT_NEAR(terms.score.item<double>(), 6.5, 1e-15);
  EXPECT_NEAR(terms.area.item<double>(), 0.375, 1e-15);
  EXPECT_NEAR(terms.tv.item<double>(), 0.625, 1e-15);
  EXPECT_NEAR(terms.total.item<double>(), 6.5 + 2 * 0.375 + 3 * 0.625, 1e-14);
  EXPECT_NEAR(MaskObjective(score, x, m, options.game(MaskGame::kPreservation)).item<double>(),
              -6.5 + 2 * 0.625 + 3 * 0.625, 1e-14);
}

// A small fixed nonlinear score: tanh of a random linear map of the image.
ImageScoreFunction TanhScore(int64_t inputs) {
  const at::Tensor w = at::randn({inputs}, at::kDouble) * 0.3;
  return [w](const at::Tensor& x) { return at::tanh(x.flatten(1).matmul(w) + 0.1); };
}

void CheckObjectiveGradient(const PerturbationMaskOptions& options) {
  at::manual_seed(3);
  const at::Tensor image = at::rand({2, 5, 6}, at::kDouble);
  const at::Tensor mask = at::rand({3, 3}, at::kDouble) * 0.8 + 0.1;  // inside (0, 1)
  auto score = TanhScore(2 * 5 * 6);
  auto f = [&](const at::Tensor& m) { return MaskObjective(score, image, m, options); };
  const at::Tensor numeric = testing::NumericGradient(f, mask);
  const at::Tensor analytic = testing::AnalyticGradient(f, mask);
  EXPECT_GT(analytic.norm().item<double>(), 1e-2);  // not a vacuous check
  EXPECT_TRUE(analytic.allclose(numeric, 1e-6, 1e-8)) << analytic << "\n" << numeric;
}

TEST(MaskObjectiveTest, FiniteDifferencesBlur) {
  CheckObjectiveGradient(
      PerturbationMaskOptions().mask_height(3).mask_width(3).blur_sigma(1.5).lambda1(0.3).lambda2(
          0.7));
}

TEST(MaskObjectiveTest, FiniteDifferencesConstant) {
  CheckObjectiveGradient(PerturbationMaskOptions()
                             .mask_height(3)
                             .mask_width(3)
                             .perturbation(PerturbationKind::kConstant)
                             .constant(0.5)
                             .lambda1(0.3)
                             .lambda2(0.7));
}

TEST(MaskObjectiveTest, FiniteDifferencesPreservationGame) {
  CheckObjectiveGradient(PerturbationMaskOptions()
                             .mask_height(3)
                             .mask_width(3)
                             .game(MaskGame::kPreservation)
                             .blur_sigma(2.0)
                             .lambda1(0.3)
                             .lambda2(0.7)
                             .tv_beta(2));
}

// ---- Deletion and insertion curves ----

class CurveTest : public ::testing::Test {
 protected:
  // Image [[1, 2], [3, 4]], weights [[1, -1], [2, 0.5]]: s(x) = 1 - 2 + 6 + 2 = 7.
  const at::Tensor image_ = D({1, 2, 3, 4}, {1, 2, 2});
  const at::Tensor baseline_ = at::zeros({1, 2, 2}, at::kDouble);
  const ImageScoreFunction score_ = LinearScore(D({1, -1, 2, 0.5}, {1, 2, 2}));
  // Pixel 3 (contributes 2), then 0 (1), 2 (6), 1 (-2).
  const at::Tensor ordering_ = at::tensor(std::vector<int64_t>{3, 0, 2, 1});
};

TEST_F(CurveTest, DeletionByHand) {
  for (int64_t batch : {1, 2, 32}) {
    absl::StatusOr<PerturbationCurve> curve =
        DeletionCurve(score_, image_, ordering_, baseline_, 4, batch);
    ASSERT_TRUE(curve.ok()) << curve.status();
    EXPECT_EQ(curve->fractions, (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
    EXPECT_EQ(curve->scores, (std::vector<double>{7, 5, 4, -2, 0}));
    // 0.25 * ((7 + 5) + (5 + 4) + (4 - 2) + (-2 + 0)) / 2.
    EXPECT_DOUBLE_EQ(CurveArea(*curve), 2.625);
  }
}

TEST_F(CurveTest, InsertionByHand) {
  absl::StatusOr<PerturbationCurve> curve =
      InsertionCurve(score_, image_, ordering_, baseline_, 4, 2);
  ASSERT_TRUE(curve.ok()) << curve.status();
  EXPECT_EQ(curve->scores, (std::vector<double>{0, 2, 3, 9, 7}));
  EXPECT_DOUBLE_EQ(CurveArea(*curve), 0.25 * (2 + 5 + 12 + 16) / 2);  // 4.375
}

TEST_F(CurveTest, UnequalChunksUseTheirTrueFractions) {
  // steps = 3 of 4 pixels: floor(k * 4 / 3) = 0, 1, 2, 4 pixels deleted.
  absl::StatusOr<PerturbationCurve> curve = DeletionCurve(score_, image_, ordering_, baseline_, 3);
  ASSERT_TRUE(curve.ok()) << curve.status();
  EXPECT_EQ(curve->fractions, (std::vector<double>{0, 0.25, 0.5, 1}));
  EXPECT_EQ(curve->scores, (std::vector<double>{7, 5, 4, 0}));
  EXPECT_DOUBLE_EQ(CurveArea(*curve), 0.25 * 12 / 2 + 0.25 * 9 / 2 + 0.5 * 4 / 2);  // 3.625
}

TEST_F(CurveTest, NonZeroBaselineAndAllChannels) {
  // Two channels; deleting a pixel replaces both channels by the baseline's.
  const at::Tensor image = at::cat({image_, image_ * 10});
  const at::Tensor baseline = at::full({2, 2, 2}, 1.0, at::kDouble);
  auto score = LinearScore(at::ones({2, 2, 2}, at::kDouble));  // 10 + 100 = 110
  absl::StatusOr<PerturbationCurve> curve = DeletionCurve(score, image, ordering_, baseline, 2);
  ASSERT_TRUE(curve.ok()) << curve.status();
  // Delete pixels 3 and 0 (values 4/40 and 1/10 -> 1/1): 110 - 44 - 11 + 4 = 59; all: 8.
  EXPECT_EQ(curve->scores, (std::vector<double>{110, 59, 8}));
}

TEST(OrderingTest, FromMaskAscendingTiesByIndex) {
  EXPECT_EQ(Longs(OrderingFromMask(D({0.5, 0.1, 0.9, 0.1}, {2, 2}))),
            (std::vector<int64_t>{1, 3, 0, 2}));
}

TEST(OrderingTest, RandomIsASeededPermutation) {
  const at::Tensor a = RandomOrdering(50, 7), b = RandomOrdering(50, 7), c = RandomOrdering(50, 8);
  EXPECT_TRUE(std::get<0>(a.sort()).equal(at::arange(50, at::kLong)));
  EXPECT_TRUE(a.equal(b));
  EXPECT_FALSE(a.equal(c));
}

TEST(OrderingTest, SaliencyOfALinearScoreIsChannelSummedAbsWeights) {
  // |w| summed over the two channels: [[2, 3], [0.5, 2.5]].
  const at::Tensor w = D({1, -3, 0, 2, -1, 0, 0.5, -0.5}, {2, 2, 2});
  const at::Tensor image = at::rand({2, 2, 2}, at::kDouble);
  absl::StatusOr<at::Tensor> saliency = GradientSaliency(LinearScore(w), image);
  ASSERT_TRUE(saliency.ok()) << saliency.status();
  EXPECT_TRUE(saliency->allclose(D({2, 3, 0.5, 2.5}, {2, 2}), 0, 1e-15));
  absl::StatusOr<at::Tensor> order = SaliencyOrdering(LinearScore(w), image);
  ASSERT_TRUE(order.ok()) << order.status();
  EXPECT_EQ(Longs(*order), (std::vector<int64_t>{1, 3, 0, 2}));
  // Nonlinear: s = sum x^2 gives |2 x| summed over channels.
  auto squares = [](const at::Tensor& x) { return (x * x).sum({1, 2, 3}); };
  absl::StatusOr<at::Tensor> s2 = GradientSaliency(squares, image);
  ASSERT_TRUE(s2.ok()) << s2.status();
  EXPECT_TRUE(s2->allclose((2 * image).abs().sum(0), 0, 1e-15));
}

// ---- OptimizeMask on a planted case ----

// A 16x16 image whose score is the mean of the 4x4 patch at rows 4..7,
// columns 8..11 (bright, 1.0, on a 0.2 background).
struct Planted {
  at::Tensor image = at::full({1, 16, 16}, 0.2, at::kDouble);
  at::Tensor inside = at::zeros({16, 16}, at::kBool);
  ImageScoreFunction score = [](const at::Tensor& x) {
    return x.slice(2, 4, 8).slice(3, 8, 12).mean({1, 2, 3});
  };
  Planted() {
    image.slice(1, 4, 8).slice(2, 8, 12).fill_(1.0);
    inside.slice(0, 4, 8).slice(1, 8, 12).fill_(true);
  }
  double MeanInside(const at::Tensor& mask) const {
    return mask.masked_select(inside).mean().item<double>();
  }
  double MeanOutside(const at::Tensor& mask) const {
    return mask.masked_select(inside.logical_not()).mean().item<double>();
  }
};

// An 8x8 mask: each cell covers 2x2 pixels, and bilinear upsampling lets the
// ring of cells around the patch reach into it (a pixel at the patch's edge
// takes 1/4 of its outer neighbour cell), so the optimum also deletes that
// ring: the outside mean cannot reach 1 (about 0.87 at best, measured with a
// large lambda1).
PerturbationMaskOptions PlantedOptions() {
  return PerturbationMaskOptions()
      .mask_height(8)
      .mask_width(8)
      .steps(300)
      .lr(0.1)
      .lambda1(0.3)
      .lambda2(0.05);
}

TEST(OptimizeMaskTest, PlantedPatchConstantPerturbation) {
  const Planted p;
  absl::StatusOr<MaskResult> r = OptimizeMask(
      p.score, p.image, PlantedOptions().perturbation(PerturbationKind::kConstant).constant(0));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->mask.sizes(), (std::vector<int64_t>{16, 16}));
  ASSERT_EQ(r->objective.size(), 301u);
  const double in = p.MeanInside(r->mask), out = p.MeanOutside(r->mask);
  std::cout << "constant: mask inside " << in << " outside " << out << " score "
            << r->original_score << " -> " << r->final_score << " (perturbed " << r->perturbed_score
            << "), objective " << r->objective.front() << " -> " << r->objective.back() << "\n";
  EXPECT_DOUBLE_EQ(r->original_score, 1.0);
  EXPECT_DOUBLE_EQ(r->perturbed_score, 0.0);
  EXPECT_LT(in, 0.05);
  EXPECT_GT(out, 0.75);
  EXPECT_LT(r->final_score, 0.05 * r->original_score);
  EXPECT_LT(r->objective.back(), r->objective.front());
  EXPECT_GE(r->mask.min().item<double>(), 0);
  EXPECT_LE(r->mask.max().item<double>(), 1);
  // The returned numbers agree with the objective at the returned mask.
  EXPECT_NEAR(r->final_score,
              ComputeMaskObjective(p.score, p.image, r->low_res_mask,
                                   PlantedOptions().perturbation(PerturbationKind::kConstant))
                  .score.item<double>(),
              1e-12);

  // The mask's ordering deletes the patch first: a far lower deletion area
  // than a random ordering's.
  const at::Tensor baseline = at::zeros_like(p.image);
  absl::StatusOr<PerturbationCurve> by_mask =
      DeletionCurve(p.score, p.image, OrderingFromMask(r->mask), baseline, 16);
  absl::StatusOr<PerturbationCurve> by_chance =
      DeletionCurve(p.score, p.image, RandomOrdering(256, 1), baseline, 16);
  ASSERT_TRUE(by_mask.ok() && by_chance.ok());
  std::cout << "deletion area: mask ordering " << CurveArea(*by_mask) << ", random "
            << CurveArea(*by_chance) << "\n";
  EXPECT_LT(CurveArea(*by_mask), 0.5 * CurveArea(*by_chance));
}

TEST(OptimizeMaskTest, PlantedPatchBlur) {
  const Planted p;
  absl::StatusOr<MaskResult> r = OptimizeMask(p.score, p.image, PlantedOptions().blur_sigma(3.0));
  ASSERT_TRUE(r.ok()) << r.status();
  const double in = p.MeanInside(r->mask), out = p.MeanOutside(r->mask);
  std::cout << "blur: mask inside " << in << " outside " << out << " score " << r->original_score
            << " -> " << r->final_score << " (perturbed " << r->perturbed_score << ")\n";
  EXPECT_LT(r->perturbed_score, 0.5 * r->original_score);
  EXPECT_LT(in, 0.05);
  EXPECT_GT(out, 0.75);
  // Within 5 % of the way from the blurred image's score to the original's.
  EXPECT_LT(r->final_score, r->perturbed_score + 0.05 * (r->original_score - r->perturbed_score));
}

TEST(OptimizeMaskTest, PlantedPatchBlurWithJitter) {
  // Each step sees the image shifted by up to a pixel, so the patch's edge is
  // blurred in the mask too: looser bounds than without jitter.
  const Planted p;
  auto options = PlantedOptions().blur_sigma(3.0).jitter(1).seed(5);
  absl::StatusOr<MaskResult> r = OptimizeMask(p.score, p.image, options);
  ASSERT_TRUE(r.ok()) << r.status();
  const double in = p.MeanInside(r->mask), out = p.MeanOutside(r->mask);
  std::cout << "blur + jitter: mask inside " << in << " outside " << out << " score "
            << r->original_score << " -> " << r->final_score << " (perturbed " << r->perturbed_score
            << ")\n";
  EXPECT_LT(in, 0.15);
  EXPECT_GT(out, 0.75);
  EXPECT_LT(r->final_score, r->perturbed_score + 0.15 * (r->original_score - r->perturbed_score));
  // The same seed gives the same mask; another seed other shifts.
  absl::StatusOr<MaskResult> again = OptimizeMask(p.score, p.image, options);
  absl::StatusOr<MaskResult> other = OptimizeMask(p.score, p.image, options.seed(6));
  ASSERT_TRUE(again.ok() && other.ok());
  EXPECT_TRUE(again->mask.equal(r->mask));
  EXPECT_FALSE(other->mask.equal(r->mask));
}

TEST(OptimizeMaskTest, PlantedPatchFullResolutionMaskIsExact) {
  // A 16x16 mask (upsampling is the identity): the patch alone is deleted.
  const Planted p;
  absl::StatusOr<MaskResult> r = OptimizeMask(
      p.score, p.image,
      PlantedOptions().mask_height(16).mask_width(16).perturbation(PerturbationKind::kConstant));
  ASSERT_TRUE(r.ok()) << r.status();
  const double in_max = r->mask.masked_select(p.inside).max().item<double>();
  const double out = p.MeanOutside(r->mask);
  std::cout << "16x16 mask: max inside " << in_max << ", mean outside " << out << "\n";
  EXPECT_LT(in_max, 1e-3);
  EXPECT_GT(out, 0.99);
  EXPECT_TRUE(r->low_res_mask.equal(r->mask));
}

TEST(OptimizeMaskTest, PlantedPatchPreservationGameKeepsThePatch) {
  const Planted p;
  absl::StatusOr<MaskResult> r = OptimizeMask(p.score, p.image,
                                              PlantedOptions()
                                                  .game(MaskGame::kPreservation)
                                                  .perturbation(PerturbationKind::kConstant)
                                                  .lambda1(0.5));
  ASSERT_TRUE(r.ok()) << r.status();
  const double in = p.MeanInside(r->mask), out = p.MeanOutside(r->mask);
  std::cout << "preservation: mask inside " << in << " outside " << out << " score "
            << r->original_score << " -> " << r->final_score << "\n";
  EXPECT_GT(in, 0.8);
  EXPECT_LT(out, 0.2);
  EXPECT_GT(r->final_score, 0.8 * r->original_score);
}

TEST(OptimizeMaskTest, FloatImageGivesFloatMask) {
  const Planted p;
  absl::StatusOr<MaskResult> r =
      OptimizeMask(p.score, p.image.to(at::kFloat), PlantedOptions().steps(5));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->mask.scalar_type(), at::kFloat);
  EXPECT_EQ(r->scores.size(), 6u);
}

// ---- Bad input ----

TEST(OptimizeMaskTest, BadInputsAreInvalidArgument) {
  const Planted p;
  const auto o = PlantedOptions().steps(3);
  ExpectInvalid(OptimizeMask(p.score, at::zeros({16, 16}, at::kDouble), o).status(), "(C, H, W)");
  ExpectInvalid(OptimizeMask(p.score, at::zeros({1, 16, 16}, at::kLong), o).status(),
                "float or double");
  at::Tensor nan_image = p.image.clone();
  nan_image[0][3][3] = std::numeric_limits<double>::quiet_NaN();
  ExpectInvalid(OptimizeMask(p.score, nan_image, o).status(), "non-finite");
  ExpectInvalid(OptimizeMask(p.score, p.image, PlantedOptions().mask_height(17)).status(),
                "mask resolution");
  ExpectInvalid(OptimizeMask(p.score, p.image, PlantedOptions().steps(0)).status(), "steps");
  ExpectInvalid(OptimizeMask(p.score, p.image, PlantedOptions().lr(0)).status(), "lr");
  ExpectInvalid(OptimizeMask(p.score, p.image, PlantedOptions().init(1.5)).status(), "init");
  ExpectInvalid(OptimizeMask(p.score, p.image, PlantedOptions().blur_sigma(0)).status(),
                "blur_sigma");
  ExpectInvalid(OptimizeMask(p.score, p.image, PlantedOptions().lambda1(-1)).status(), "lambda1");
  ExpectInvalid(OptimizeMask(p.score, p.image, PlantedOptions().tv_beta(0.5)).status(), "tv_beta");
  ExpectInvalid(OptimizeMask(p.score, p.image, PlantedOptions().jitter(16)).status(), "jitter");

  auto keeps_dims = [](const at::Tensor& x) { return x.mean({1, 2, 3}).unsqueeze(1); };
  ExpectInvalid(OptimizeMask(keeps_dims, p.image, o).status(), "shape (N)");
  auto scalar = [](const at::Tensor& x) { return x.mean(); };
  ExpectInvalid(OptimizeMask(scalar, p.image, o).status(), "shape (N)");
  auto throws = [](const at::Tensor& x) -> at::Tensor {
    TORCH_CHECK(false, "model wants 28x28 input");
    return x;
  };
  ExpectInvalid(OptimizeMask(throws, p.image, o).status(), "model wants 28x28 input");
  auto detached = [](const at::Tensor& x) { return x.detach().mean({1, 2, 3}); };
  ExpectInvalid(OptimizeMask(detached, p.image, o).status(), "not differentiable");
  auto nan_score = [](const at::Tensor& x) { return x.mean({1, 2, 3}) * NAN; };
  ExpectInvalid(OptimizeMask(nan_score, p.image, o).status(), "non-finite");
}

TEST_F(CurveTest, BadInputsAreInvalidArgument) {
  auto del = [&](const at::Tensor& ordering, const at::Tensor& baseline, int64_t steps,
                 int64_t batch = 32) {
    return DeletionCurve(score_, image_, ordering, baseline, steps, batch).status();
  };
  ExpectInvalid(del(at::tensor(std::vector<int64_t>{0, 1, 2}), baseline_, 2), "4 flat pixel");
  ExpectInvalid(del(at::tensor(std::vector<int64_t>{0, 1, 1, 2}), baseline_, 2), "exactly once");
  ExpectInvalid(del(at::tensor(std::vector<int64_t>{0, 1, 2, 4}), baseline_, 2), "outside [0, 4)");
  ExpectInvalid(del(at::tensor(std::vector<double>{0, 1, 2, 3}), baseline_, 2), "integer");
  ExpectInvalid(del(ordering_, at::zeros({1, 2, 3}, at::kDouble), 2), "baseline");
  ExpectInvalid(del(ordering_, baseline_, 0), "steps");
  ExpectInvalid(del(ordering_, baseline_, 5), "steps");
  ExpectInvalid(del(ordering_, baseline_, 2, 0), "batch_size");
  auto zeros = [](const at::Tensor& x) { return at::zeros({x.size(0)}, x.options()); };
  ExpectInvalid(GradientSaliency(zeros, image_).status(), "not differentiable");
  auto wrong = [](const at::Tensor& x) { return x.sum(); };
  ExpectInvalid(InsertionCurve(wrong, image_, ordering_, baseline_, 2).status(), "shape (N)");
}

}  // namespace
}  // namespace sparselab
