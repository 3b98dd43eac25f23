#include "lib/nn/plane_k_winners.h"

#include <cmath>
#include <string>
#include <vector>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <torch/serialize.h>

#include "gtest/gtest.h"
#include "lib/nn/gradient_check.h"
#include "lib/nn/plane_sparse_conv.h"
#include "lib/nn/test_helpers.h"

namespace sparselab {
namespace {

using ::sparselab::testing::AnalyticGradient;
using ::sparselab::testing::ExpectErrorNaming;
using ::sparselab::testing::NumericGradient;
using ::sparselab::testing::TempPath;

// A (N, C, 1, W) double tensor from per-sample, per-plane rows.
at::Tensor Planes(const std::vector<std::vector<std::vector<double>>>& rows) {
  const int64_t n = rows.size(), c = rows[0].size(), w = rows[0][0].size();
  std::vector<double> flat;
  for (const auto& sample : rows) {
    for (const auto& plane : sample) flat.insert(flat.end(), plane.begin(), plane.end());
  }
  return at::tensor(flat, at::kDouble).view({n, c, 1, w});
}

at::Tensor D(std::vector<double> values, std::vector<int64_t> shape) {
  return at::tensor(values, at::kDouble).view(shape);
}

// An (N, C) bool mask from 0/1 entries.
at::Tensor Mask(std::vector<int64_t> bits, int64_t c) {
  return at::tensor(bits, at::kLong).view({-1, c}).ne(0);
}

// (N, C) bool of the planes that are nonzero in `y`.
at::Tensor NonzeroPlanes(const at::Tensor& y) { return y.ne(0).any(3).any(2); }

PlaneKWinners Layer(PlaneKWinnersOptions options) {
  PlaneKWinners layer(options);
  layer->to(at::kDouble);
  return layer;
}

TEST(PlaneKWinnersTest, KeepsTheHighestEnergyPlanesPerSample) {
  PlaneKWinners layer = Layer(PlaneKWinnersOptions(4, 2).boost_strength(0.0));
  // Sample 0: energies 8, 9, 6.48, 0.5 -> planes 0 and 1. By mean |x| (2, 1.5,
  // 1.8, 0.5) planes 0 and 2 would win: the energy is what ranks.
  // Sample 1: energies 0, 1, 2, 0.25 -> planes 1 and 2.
  const at::Tensor x =
      Planes({{{2, 2}, {3, 0}, {1.8, 1.8}, {0.5, 0.5}}, {{0, 0}, {1, 0}, {-1, -1}, {0, 0.5}}});
  EXPECT_TRUE(PlaneEnergy(x).allclose(D({8, 9, 6.48, 0.5, 0, 1, 2, 0.25}, {2, 4})));
  const at::Tensor expected =
      Planes({{{2, 2}, {3, 0}, {0, 0}, {0, 0}}, {{0, 0}, {1, 0}, {-1, -1}, {0, 0}}});
  EXPECT_TRUE(layer(x).equal(expected));

  const PlaneIndex kept = layer->kept_planes(x);
  EXPECT_EQ(kept.channels, 4);
  EXPECT_TRUE(kept.offsets.equal(at::tensor({0, 2, 4}, at::kLong)));
  EXPECT_TRUE(kept.planes.equal(at::tensor({0, 1, 1, 2}, at::kLong)));

  const PlaneSparseTensor sparse = layer->forward_sparse(x);
  EXPECT_TRUE(sparse.index.planes.equal(kept.planes));
  EXPECT_TRUE(sparse.to_dense().equal(expected));
}

// Energies 4, 1, 1, 0 with k = 2: planes 1 and 2 tie for the second place.
TEST(PlaneKWinnersTest, TiesWithTheKthPlaneAllWinUnlessBreakTies) {
  const at::Tensor x = Planes({{{2, 0}, {1, 0}, {0, -1}, {0, 0}}});
  PlaneKWinners all = Layer(PlaneKWinnersOptions(4, 2).boost_strength(0.0).break_ties(false));
  EXPECT_TRUE(NonzeroPlanes(all(x)).equal(Mask({1, 1, 1, 0}, 4)));

  PlaneKWinners exact = Layer(PlaneKWinnersOptions(4, 2).boost_strength(0.0));  // default
  const at::Tensor mask = exact->winner_mask(x);
  EXPECT_EQ(mask.sum().item<int64_t>(), 2);
  EXPECT_TRUE(mask[0][0].item<bool>());
  EXPECT_TRUE(mask[0][1].item<bool>() != mask[0][2].item<bool>());  // topk picks one
  EXPECT_FALSE(mask[0][3].item<bool>());
}

// Why break_ties defaults to true: zero planes tie at energy 0.
TEST(PlaneKWinnersTest, ZeroPlanesAllTieWithoutBreakTies) {
  const at::Tensor x = Planes({{{2, 0}, {0, 0}, {0, 0}, {0, 0}}});
  PlaneKWinners all = Layer(PlaneKWinnersOptions(4, 2).boost_strength(0.0).break_ties(false));
  EXPECT_EQ(all->winner_mask(x).sum().item<int64_t>(), 4);
  PlaneKWinners exact = Layer(PlaneKWinnersOptions(4, 2).boost_strength(0.0));
  EXPECT_EQ(exact->winner_mask(x).sum().item<int64_t>(), 2);
}

TEST(PlaneKWinnersTest, BoostingChangesTheWinnerAsComputedByHand) {
  // Energies 2, 1.25, 0.25, 0; k = 1 of 4, target density 0.25.
  const at::Tensor x = Planes({{{1, 1}, {1, 0.5}, {0.5, 0}, {0, 0}}});
  PlaneKWinners layer = Layer(
      PlaneKWinnersOptions(4, 1).boost_strength(1.0).boost_strength_factor(0.5).k_inference_factor(
          1.0));
  // Fresh duty cycles: every factor is exp(0.25), plane 0 wins.
  layer->eval();
  EXPECT_TRUE(NonzeroPlanes(layer(x)).equal(Mask({1, 0, 0, 0}, 4)));
  {
    at::NoGradGuard no_grad;
    layer->duty_cycles.copy_(at::tensor({0.9, 0.1, 0.0, 0.0}));
  }
  // beta = 1: 2 exp(0.25 - 0.9) = 1.044 < 1.25 exp(0.25 - 0.1) = 1.452: plane 1
  // wins and passes its own values.
  EXPECT_TRUE(layer(x).equal(Planes({{{0, 0}, {1, 0.5}, {0, 0}, {0, 0}}})));
  // beta = 0.5: 2 exp(-0.325) = 1.445 > 1.25 exp(0.075) = 1.347: plane 0 again.
  layer->update_boost_strength();
  EXPECT_NEAR(layer->boost_strength.item<double>(), 0.5, 1e-12);
  EXPECT_TRUE(layer(x).equal(Planes({{{1, 1}, {0, 0}, {0, 0}, {0, 0}}})));
  // Eval mode changed no duty cycle.
  EXPECT_TRUE(layer->duty_cycles.allclose(at::tensor({0.9, 0.1, 0.0, 0.0}, at::kDouble)));
  EXPECT_EQ(layer->learning_iterations.item<int64_t>(), 0);
}

// Three training steps on the same batch, duty cycles and winners by hand:
// C = 3, k = 1 (target 1/3), beta = 1, period 4, batch 2.
TEST(PlaneKWinnersTest, DutyCyclesUpdateAndFeedBackIntoTheWinners) {
  PlaneKWinners layer = Layer(PlaneKWinnersOptions(3, 1).boost_strength(1.0).duty_cycle_period(4));
  // Energies: sample 0 (4, 2.25, 0), sample 1 (4, 0, 2.25).
  const at::Tensor x = Planes({{{2}, {1.5}, {0}}, {{2}, {0}, {1.5}}});
  // Step 1: equal factors, plane 0 wins twice. p = min(4, 2) = 2:
  // d = (0 + (2, 0, 0)) / 2 = (1, 0, 0).
  EXPECT_TRUE(NonzeroPlanes(layer(x)).equal(Mask({1, 0, 0, 1, 0, 0}, 3)));
  EXPECT_TRUE(layer->duty_cycles.allclose(D({1, 0, 0}, {3})));
  // Step 2: 4 exp(1/3 - 1) = 2.054 < 2.25 exp(1/3) = 3.140: planes 1 and 2.
  // p = 4: d = ((1, 0, 0) * 2 + (0, 1, 1)) / 4 = (0.5, 0.25, 0.25).
  EXPECT_TRUE(NonzeroPlanes(layer(x)).equal(Mask({0, 1, 0, 0, 0, 1}, 3)));
  EXPECT_TRUE(layer->duty_cycles.allclose(D({0.5, 0.25, 0.25}, {3})));
  // Step 3: 4 exp(1/3 - 1/2) = 3.386 > 2.25 exp(1/3 - 1/4) = 2.446: plane 0.
  // p = min(4, 6) = 4: d = ((0.5, 0.25, 0.25) * 2 + (2, 0, 0)) / 4.
  EXPECT_TRUE(NonzeroPlanes(layer(x)).equal(Mask({1, 0, 0, 1, 0, 0}, 3)));
  EXPECT_TRUE(layer->duty_cycles.allclose(D({0.75, 0.125, 0.125}, {3})));
  EXPECT_EQ(layer->learning_iterations.item<int64_t>(), 6);
}

// A kept plane that is all zero is not active: its duty cycle stays 0.
TEST(PlaneKWinnersTest, KeptZeroPlaneIsNotCountedActive) {
  PlaneKWinners layer = Layer(PlaneKWinnersOptions(4, 2).boost_strength(0.0));
  const at::Tensor x = Planes({{{2, 0}, {0, 0}, {0, 0}, {0, 0}}});
  EXPECT_EQ(layer->winner_mask(x).sum().item<int64_t>(), 2);
  layer(x);
  EXPECT_TRUE(layer->duty_cycles.allclose(at::tensor({1.0, 0.0, 0.0, 0.0}, at::kDouble)));
}

TEST(PlaneKWinnersTest, GradientFlowsThroughKeptPlanesOnly) {
  at::manual_seed(3);
  // boost_strength 0: the finite differences call forward many times, and
  // boosting would move the winners as the duty cycles update.
  PlaneKWinners layer = Layer(PlaneKWinnersOptions(5, 2).boost_strength(0.0));
  const at::Tensor x = at::randn({2, 5, 3, 2}, at::kDouble);
  const at::Tensor r = at::randn({2, 5, 3, 2}, at::kDouble);
  const testing::ScalarFunction dense = [&](const at::Tensor& v) { return (layer(v) * r).sum(); };
  const at::Tensor analytic = AnalyticGradient(dense, x);
  EXPECT_TRUE(analytic.allclose(NumericGradient(dense, x), 1e-6, 1e-8));
  const at::Tensor keep = layer->winner_mask(x).to(at::kDouble).view({2, 5, 1, 1});
  EXPECT_TRUE(analytic.equal(r * keep));
  EXPECT_EQ(NonzeroPlanes(analytic).sum().item<int64_t>(), 4);

  const testing::ScalarFunction sparse = [&](const at::Tensor& v) {
    return (layer->forward_sparse(v).to_dense() * r).sum();
  };
  EXPECT_TRUE(AnalyticGradient(sparse, x).allclose(NumericGradient(sparse, x), 1e-6, 1e-8));
}

TEST(PlaneKWinnersTest, EvalModeKeepsInferenceK) {
  PlaneKWinners layer = Layer(PlaneKWinnersOptions(10, 3));  // round(3 * 1.5) = 5
  EXPECT_EQ(layer->k_inference(), 5);
  // Plane c holds c: energy c^2, so planes 5 .. 9 win.
  const at::Tensor x = at::arange(10, at::kDouble).view({1, 10, 1, 1}).expand({2, 10, 2, 2});
  layer->eval();
  const at::Tensor kept = NonzeroPlanes(layer(x));
  EXPECT_TRUE(kept.equal(at::arange(10).ge(5).view({1, 10}).expand({2, 10})));
  EXPECT_EQ(layer->learning_iterations.item<int64_t>(), 0);
  layer->train();
  EXPECT_EQ(NonzeroPlanes(layer(x)).sum().item<int64_t>(), 2 * 3);
  EXPECT_EQ(layer->learning_iterations.item<int64_t>(), 2);
}

TEST(PlaneKWinnersTest, BadKOrInputIsAClearError) {
  ExpectErrorNaming([] { PlaneKWinners(PlaneKWinnersOptions(4, 0)); },
                    "k = 0 is outside [1, channels)");
  ExpectErrorNaming([] { PlaneKWinners(PlaneKWinnersOptions(4, 4)); },
                    "k = 4 is outside [1, channels)");
  ExpectErrorNaming([] { PlaneKWinners(PlaneKWinnersOptions(4, 7)); }, "k = 7 is outside");
  ExpectErrorNaming([] { PlaneKWinners(PlaneKWinnersOptions(4, 1).boost_strength(-1)); },
                    "boost_strength must be >= 0");
  EXPECT_EQ(PlaneKWinnersOptions::PercentOn(8, 0.25).k(), 2);
  ExpectErrorNaming([] { PlaneKWinners(PlaneKWinnersOptions::PercentOn(8, 0.01)); },
                    "k = 0 is outside");
  ExpectErrorNaming([] { PlaneKWinnersOptions::PercentOn(8, 1.0); },
                    "percent_on must be in (0, 1)");

  PlaneKWinners layer = Layer(PlaneKWinnersOptions(4, 1));
  ExpectErrorNaming(
      [&] {
        layer(at::zeros({2, 3, 2, 2}, at::kDouble));
      },
      "expected an input of shape (N, 4, H, W)");
  ExpectErrorNaming([&] { layer(at::zeros({2, 4}, at::kDouble)); }, "(N, 4, H, W)");
  at::Tensor nan = at::zeros({1, 4, 1, 1}, at::kDouble);
  nan[0][2] = std::nan("");
  ExpectErrorNaming([&] { layer(nan); }, "NaN");
}

TEST(PlaneKWinnersTest, SaveAndLoadKeepTheBuffers) {
  at::manual_seed(5);
  PlaneKWinners layer(PlaneKWinnersOptions(6, 2).boost_strength(1.5).duty_cycle_period(8));
  for (int step = 0; step < 4; ++step) layer(at::randn({3, 6, 2, 2}));
  layer->update_boost_strength();
  const std::string path = TempPath("plane_k_winners.pt");
  torch::save(layer, path);

  PlaneKWinners loaded(PlaneKWinnersOptions(6, 2));
  torch::load(loaded, path);
  EXPECT_GT(layer->duty_cycles.sum().item<double>(), 0);
  EXPECT_TRUE(loaded->duty_cycles.equal(layer->duty_cycles));
  EXPECT_EQ(loaded->learning_iterations.item<int64_t>(), 12);
  EXPECT_FLOAT_EQ(loaded->boost_strength.item<float>(), 1.35f);
  const at::Tensor x = at::randn({3, 6, 2, 2});
  layer->eval();
  loaded->eval();
  EXPECT_TRUE(loaded(x).equal(layer(x)));
}

// The kept planes feed PlaneSparseConv2d: the same as its dense-input path.
TEST(PlaneKWinnersTest, KeptPlanesFeedPlaneSparseConv) {
  at::manual_seed(11);
  PlaneKWinners kw = Layer(PlaneKWinnersOptions(6, 2).boost_strength(0.0));
  PlaneSparseConv2d conv(PlaneSparseConv2dOptions(6, 4, 3).padding(1));
  conv->to(at::kDouble);
  const at::Tensor x = at::randn({3, 6, 4, 4}, at::kDouble);
  const PlaneIndex wanted = MakePlaneIndex({{0, 3}, {1}, {2, 3}}, 4);
  const PlaneSparseTensor kept = kw->forward_sparse(x);
  EXPECT_EQ(kept.nnz(), 3 * 2);
  const at::Tensor y = conv->forward(kept, wanted).to_dense();
  EXPECT_TRUE(y.allclose(conv->forward(kw(x), wanted).to_dense(), 1e-12, 1e-12));
  // Against the dense convolution of the k-winners output.
  const at::Tensor dense = at::conv2d(kw(x), conv->dense_weight(), {}, {1, 1}, {1, 1});
  const at::Tensor wanted_mask = D({1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1}, {3, 4, 1, 1});
  EXPECT_TRUE(y.allclose(dense * wanted_mask, 1e-12, 1e-12));
}

}  // namespace
}  // namespace sparselab
