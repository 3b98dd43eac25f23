#include "lib/nn/k_winners.h"

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>

#include <c10/util/Exception.h>
#include <torch/serialize.h>

#include "gtest/gtest.h"
#include "lib/nn/test_helpers.h"
#include "lib/nn/gradient_check.h"

namespace sparselab {
namespace {

using ::sparselab::testing::TempPath;

at::Tensor D(std::vector<double> values, std::vector<int64_t> shape) {
  return at::tensor(values, at::kDouble).view(shape);
}

KWinners NoBoost(int64_t n, int64_t k) {
  KWinners layer(KWinnersOptions(n, k).boost_strength(0.0));
  layer->to(at::kDouble);
  return layer;
}

TEST(KWinnersTest, KeepsTopKValuesPerSample) {
  KWinners layer = NoBoost(4, 2);
  const at::Tensor out = layer(D({1, 5, 3, 2, 4, -1, 0, 7}, {2, 4}));
  EXPECT_TRUE(out.equal(D({0, 5, 3, 0, 4, 0, 0, 7}, {2, 4})));
}

TEST(KWinnersTest, AllTiesWithKthValueWinUnlessBreakTies) {
  KWinners layer = NoBoost(4, 1);
  EXPECT_TRUE(layer(D({1, 3, 3, 2}, {1, 4})).equal(D({0, 3, 3, 0}, {1, 4})));

  KWinners exact(KWinnersOptions(4, 1).boost_strength(0.0).break_ties(true));
  exact->to(at::kDouble);
  const at::Tensor out = exact(D({1, 3, 3, 2}, {1, 4}));
  EXPECT_EQ(out.ne(0).sum().item<int64_t>(), 1);
  EXPECT_DOUBLE_EQ(out.sum().item<double>(), 3.0);
}

TEST(KWinnersTest, KEqualsNPassesEverythingThrough) {
  KWinners layer = NoBoost(3, 3);
  const at::Tensor x = D({-1, 2, 0.5}, {1, 3});
  EXPECT_TRUE(layer(x).equal(x));
}

TEST(KWinnersTest, ReluZeroesNonPositiveWinners) {
  KWinners layer(KWinnersOptions(4, 2).boost_strength(0.0).relu(true));
  layer->to(at::kDouble);
  EXPECT_TRUE(layer(D({-1, 2, -3, -4}, {1, 4})).equal(D({0, 2, 0, 0}, {1, 4})));
}

TEST(KWinnersTest, BoostingChangesWinnersButNotValues) {
  KWinners layer(KWinnersOptions(4, 1).boost_strength(1.0));
  layer->to(at::kDouble);
  const at::Tensor x = D({1.0, 0.8, 0.1, 0.1}, {1, 4});
  // Fresh duty cycles are 0: all factors are exp(0.25), unit 0 wins.
  layer->eval();
  EXPECT_TRUE(layer(x).equal(D({1.0, 0.8, 0, 0}, {1, 4})));  // eval k = round(1.5) = 2
  layer->train();
  {
    at::NoGradGuard no_grad;
    layer->duty_cycles.copy_(at::tensor({1.0, 0.0, 0.0, 0.0}));
  }
  // Boosted: 1.0 * exp(0.25 - 1) = 0.472 < 0.8 * exp(0.25) = 1.027: unit 1
  // wins and passes its own value 0.8.
  EXPECT_TRUE(layer(x).equal(D({0, 0.8, 0, 0}, {1, 4})));
}

TEST(KWinnersTest, EvalModeUsesInferenceK) {
  KWinners layer = NoBoost(10, 3);  // round(3 * 1.5) = round(4.5) = 5
  EXPECT_EQ(layer->k_inference(), 5);
  const at::Tensor x = at::arange(10, at::kDouble).view({1, 10});
  layer->eval();
  const at::Tensor out = layer(x);
  EXPECT_EQ(out.ne(0).sum().item<int64_t>(), 5);
  EXPECT_TRUE(out.narrow(1, 5, 5).equal(x.narrow(1, 5, 5)));
  layer->train();
  EXPECT_EQ(layer(x).ne(0).sum().item<int64_t>(), 3);

  KWinners wide(KWinnersOptions(10, 8));  // round(12) capped at n = 10
  EXPECT_EQ(wide->k_inference(), 10);
}

TEST(KWinnersTest, DutyCyclesFollowNupicArithmeticInTrainingOnly) {
  KWinners layer(KWinnersOptions(3, 1).boost_strength(0.0).duty_cycle_period(4));
  layer->to(at::kDouble);
  layer(D({3, 1, 2, 1, 3, 2}, {2, 3}));  // winners: unit 0, unit 1
  EXPECT_TRUE(layer->duty_cycles.allclose(D({0.5, 0.5, 0}, {3})));
  layer(D({0, 0, 5, 0, 0, 5}, {2, 3}));  // unit 2 twice
  EXPECT_TRUE(layer->duty_cycles.allclose(D({0.25, 0.25, 0.5}, {3})));
  layer->eval();
  layer(D({9, 0, 0, 9, 0, 0}, {2, 3}));  // no update in eval mode
  EXPECT_TRUE(layer->duty_cycles.allclose(D({0.25, 0.25, 0.5}, {3})));
  layer->train();
  layer(D({9, 0, 0, 9, 0, 0}, {2, 3}));  // period now caps at 4
  EXPECT_TRUE(layer->duty_cycles.allclose(D({0.625, 0.125, 0.25}, {3})));
  EXPECT_EQ(layer->learning_iterations.item<double>(), 6);
  // A winner whose output is not positive does not count as active.
  layer(D({-1, -2, -3, -1, -2, -3}, {2, 3}));
  EXPECT_TRUE(layer->duty_cycles.allclose(D({0.3125, 0.0625, 0.125}, {3})));
}

TEST(KWinnersTest, UpdateBoostStrengthMultipliesByFactor) {
  KWinners layer(KWinnersOptions(4, 1).boost_strength(1.5).boost_strength_factor(0.85));
  layer->update_boost_strength();
  EXPECT_NEAR(layer->boost_strength.item<double>(), 1.275, 1e-6);
  layer->update_boost_strength();
  EXPECT_NEAR(layer->boost_strength.item<double>(), 1.08375, 1e-6);
}

TEST(KWinnersTest, GradientFlowsOnlyToWinners) {
  KWinners layer = NoBoost(5, 2);
  const at::Tensor x = D({0.1, 0.9, -0.3, 0.7, 0.2}, {1, 5}).set_requires_grad(true);
  (layer(x) * D({1, 2, 3, 4, 5}, {1, 5})).sum().backward();
  EXPECT_TRUE(x.grad().equal(D({0, 2, 0, 4, 0}, {1, 5})));
}

TEST(KWinnersTest, FiniteDifferencesMatchAwayFromTies) {
  KWinners layer = NoBoost(6, 3);
  const at::Tensor x = D({0.3, -1.2, 2.5, 0.8, 1.1, -0.4, 0.05, 0.6, -0.7, 1.9, 0.2, 1.4}, {2, 6});
  const at::Tensor w = at::linspace(-1, 2, 12, at::kDouble).view({2, 6});
  auto f = [&](const at::Tensor& in) { return (layer(in) * w).sum(); };
  EXPECT_TRUE(testing::AnalyticGradient(f, x).allclose(testing::NumericGradient(f, x), 1e-6, 1e-8));
}

TEST(KWinnersTest, SaveLoadRoundTripKeepsState) {
  KWinners layer(KWinnersOptions(8, 2).boost_strength(1.5).duty_cycle_period(50));
  at::manual_seed(3);
  for (int i = 0; i < 4; ++i) layer(at::randn({5, 8}));
  layer->update_boost_strength();
  const std::string path = TempPath("kwinners.pt");
  torch::save(layer, path);

  KWinners loaded(KWinnersOptions(8, 2));
  torch::load(loaded, path);
  EXPECT_TRUE(loaded->duty_cycles.equal(layer->duty_cycles));
  EXPECT_EQ(loaded->learning_iterations.item<int64_t>(), 20);
  EXPECT_FLOAT_EQ(loaded->boost_strength.item<float>(), 1.35f);
  layer->eval();
  loaded->eval();
  const at::Tensor x = at::randn({3, 8});
  EXPECT_TRUE(loaded(x).equal(layer(x)));
}

TEST(KWinnersTest, ConvertsToDoubleWithItsBuffers) {
  KWinners layer(KWinnersOptions(4, 2));
  layer->to(at::kDouble);
  EXPECT_EQ(layer->duty_cycles.scalar_type(), at::kDouble);
  EXPECT_EQ(layer(D({1, 2, 3, 4}, {1, 4})).scalar_type(), at::kDouble);
}

TEST(KWinnersTest, ClearErrorsForBadShapesAndOptions) {
  KWinners layer(KWinnersOptions(4, 2));
  try {
    layer(at::zeros({2, 5}));
    FAIL() << "expected an error for a width mismatch";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected an input of shape (batch, 4)"),
              std::string::npos);
  }
  EXPECT_THROW(layer(at::zeros({4})), c10::Error);
  EXPECT_THROW(KWinners(KWinnersOptions(4, 5)), c10::Error);
  EXPECT_THROW(KWinners(KWinnersOptions(4, -1)), c10::Error);
  EXPECT_THROW(KWinners(KWinnersOptions(4, 0)), c10::Error);
  EXPECT_THROW(KWinners(KWinnersOptions(4, 2).boost_strength(-1)), c10::Error);
}

TEST(KWinnersTest, EntropyOfDutyCycles) {
  KWinners layer(KWinnersOptions(4, 1));
  {
    at::NoGradGuard no_grad;
    layer->duty_cycles.copy_(at::tensor({0.5, 0.5, 0.0, 1.0}));
  }
  EXPECT_DOUBLE_EQ(layer->entropy(), 2.0);
  EXPECT_NEAR(layer->max_entropy(), 4 * (0.5 + 0.75 * std::log2(4.0 / 3.0)), 1e-12);
}

TEST(UpdateBoostStrengthTest, DecaysEveryKWinnersLayerInAModel) {
  struct NetImpl : torch::nn::Module {
    NetImpl()
        : a(register_module("a", KWinners(KWinnersOptions(4, 1).boost_strength(1.5).boost_strength_factor(0.85)))),
          b(register_module("b", KWinners2d(KWinners2dOptions(2, 1).boost_strength(2.0).boost_strength_factor(0.5)))) {}
    KWinners a;
    KWinners2d b;
  };
  NetImpl net;
  UpdateBoostStrength(net);
  EXPECT_NEAR(net.a->boost_strength.item<double>(), 1.275, 1e-6);
  EXPECT_NEAR(net.b->boost_strength.item<double>(), 1.0, 1e-6);
}

// ---------------------------------------------------------------------------
// KWinners2d

// (1, 2, 2, 2): channel 0 = [[1, 8], [3, 4]], channel 1 = [[5, 2], [7, 6]].
at::Tensor Map() { return D({1, 8, 3, 4, 5, 2, 7, 6}, {1, 2, 2, 2}); }

KWinners2d NoBoost2d(int64_t channels, int64_t k, bool local) {
  KWinners2d layer(KWinners2dOptions(channels, k).boost_strength(0.0).local(local));
  layer->to(at::kDouble);
  return layer;
}

TEST(KWinners2dTest, GlobalPicksKOverWholeMap) {
  KWinners2d layer = NoBoost2d(2, 3, false);
  EXPECT_TRUE(layer(Map()).equal(D({0, 8, 0, 0, 0, 0, 7, 6}, {1, 2, 2, 2})));
  // Per-channel duty cycles: channel 0 active at 1 of 4 positions, channel 1 at 2.
  EXPECT_TRUE(layer->duty_cycles.allclose(D({0.25, 0.5}, {2})));
}

TEST(KWinners2dTest, LocalPicksKChannelsPerPosition) {
  KWinners2d layer = NoBoost2d(2, 1, true);
  EXPECT_TRUE(layer(Map()).equal(D({0, 8, 0, 0, 5, 0, 7, 6}, {1, 2, 2, 2})));
  EXPECT_TRUE(layer->duty_cycles.allclose(D({0.25, 0.75}, {2})));
}

TEST(KWinners2dTest, GlobalBoostingChangesWinners) {
  KWinners2d layer(KWinners2dOptions(2, 3).boost_strength(1.0));
  layer->to(at::kDouble);
  {
    at::NoGradGuard no_grad;
    layer->duty_cycles.copy_(at::tensor({1.0, 0.0}));
  }
  // Target density 3/8. Channel 0 x exp(-0.625) = 0.535, channel 1 x exp(0.375)
  // = 1.455: boosted channel 1 = 7.28, 2.91, 10.2, 8.73 beat channel 0's best 4.28.
  EXPECT_TRUE(layer(Map()).equal(D({0, 0, 0, 0, 5, 0, 7, 6}, {1, 2, 2, 2})));
}

TEST(KWinners2dTest, EvalModeInferenceKGlobalAndLocal) {
  KWinners2d global = NoBoost2d(2, 3, false);
  global->eval();  // round(4.5) = 5 of 8
  EXPECT_TRUE(global(Map()).equal(D({0, 8, 0, 4, 5, 0, 7, 6}, {1, 2, 2, 2})));
  EXPECT_TRUE(global->duty_cycles.equal(at::zeros({2}, at::kDouble)));
  KWinners2d local = NoBoost2d(2, 1, true);
  local->eval();  // round(1.5) = 2 of 2 channels: everything
  EXPECT_TRUE(local(Map()).equal(Map()));
}

TEST(KWinners2dTest, GradientFlowsOnlyToWinners) {
  KWinners2d layer = NoBoost2d(2, 3, false);
  const at::Tensor x = Map().set_requires_grad(true);
  layer(x).sum().backward();
  EXPECT_TRUE(x.grad().equal(D({0, 1, 0, 0, 0, 0, 1, 1}, {1, 2, 2, 2})));
}

TEST(KWinners2dTest, SaveLoadRoundTrip) {
  KWinners2d layer(KWinners2dOptions(3, 4).boost_strength(1.2));
  at::manual_seed(5);
  for (int i = 0; i < 3; ++i) layer(at::randn({2, 3, 4, 4}));
  layer->update_boost_strength();
  const std::string path = TempPath("kwinners2d.pt");
  torch::save(layer, path);
  KWinners2d loaded(KWinners2dOptions(3, 4));
  torch::load(loaded, path);
  EXPECT_TRUE(loaded->duty_cycles.equal(layer->duty_cycles));
  EXPECT_EQ(loaded->learning_iterations.item<int64_t>(), 6);
  EXPECT_TRUE(loaded->boost_strength.equal(layer->boost_strength));
}

TEST(KWinners2dTest, ClearErrors) {
  KWinners2d layer(KWinners2dOptions(2, 9));
  EXPECT_THROW(layer(at::zeros({1, 2, 2, 2})), c10::Error);  // 9 > 8 units
  EXPECT_THROW(layer(at::zeros({1, 3, 2, 2})), c10::Error);  // wrong channels
  EXPECT_THROW(layer(at::zeros({2, 8})), c10::Error);        // not 4-D
  EXPECT_THROW(KWinners2d(KWinners2dOptions(2, 3).local(true)), c10::Error);
  EXPECT_THROW(KWinners2d(KWinners2dOptions(2, -1)), c10::Error);
}

TEST(KWinners2dTest, EntropyScalesWithPositions) {
  KWinners2d layer = NoBoost2d(2, 3, false);
  EXPECT_THROW(layer->entropy(), c10::Error);
  layer(Map());  // duty cycles 0.25 and 0.5, 4 positions
  const double h_quarter = 0.5 + 0.75 * std::log2(4.0 / 3.0);
  EXPECT_NEAR(layer->entropy(), 4 * (h_quarter + 1.0), 1e-6);
  EXPECT_NEAR(layer->max_entropy(), 8 * (3.0 / 8 * std::log2(8.0 / 3) + 5.0 / 8 * std::log2(8.0 / 5)),
              1e-12);
}

TEST(KWinnersTest, PrettyPrintSpellsFlagsAsWords) {
  std::ostringstream one, two;
  KWinners(KWinnersOptions(10, 3).break_ties(true))->pretty_print(one);
  EXPECT_NE(one.str().find("break_ties=true, relu=false"), std::string::npos) << one.str();
  KWinners2d(KWinners2dOptions(4, 2).local(true))->pretty_print(two);
  EXPECT_NE(two.str().find("local=true"), std::string::npos) << two.str();
}

}  // namespace
}  // namespace sparselab
