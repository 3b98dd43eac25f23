#include "lib/nn/foldiak.h"

#include <cmath>

#include <ATen/ATen.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

at::Tensor T(std::vector<double> v, std::vector<int64_t> shape) {
  return at::tensor(v, at::kDouble).view(shape);
}

// 3 units, 4 inputs, p = 1/4; every update below is worked out by hand.
Foldiak HandNetwork() {
  Foldiak net(FoldiakOptions(4, 3).alpha(0.1).beta(0.02).gamma(0.02).p(0.25));
  net->to(at::kDouble);
  net->q.copy_(T({0.5, 0.5, 0.0, 0.0,  //
                  0.0, 0.5, 0.5, 0.0,  //
                  0.2, 0.0, 0.4, 0.8},
                 {3, 4}));
  net->w.copy_(T({0.0, -0.05, 0.0,  //
                  -0.05, 0.0, -0.2,  //
                  0.0, -0.2, 0.0},
                 {3, 3}));
  net->threshold.copy_(T({0.1, 0.2, 0.3}, {3}));
  return net;
}

TEST(FoldiakTest, UpdatesMatchTheHandComputedRules) {
  Foldiak net = HandNetwork();
  const at::Tensor x = T({1, 0, 0, 1}, {1, 4});
  const at::Tensor y = T({1, 0, 1}, {1, 3});
  net->Update(x, y, net->rates());
  // dq_ij = 0.02 y_i (x_j - q_ij): rows 0 and 2 move towards x, row 1 stays.
  EXPECT_TRUE(at::allclose(net->q, T({0.51, 0.49, 0.0, 0.02,  //
                                      0.0, 0.5, 0.5, 0.0,     //
                                      0.216, 0.0, 0.392, 0.804},
                                     {3, 4})))
      << net->q;
  // dw_ij = -0.1 (y_i y_j - 1/16): -0.09375 between the two active units,
  // +0.00625 to every pair with the silent unit 1.
  // w01: -0.05 + 0.00625 = -0.04375; w02: 0 - 0.09375; w12: -0.2 + 0.00625.
  EXPECT_TRUE(at::allclose(net->w, T({0.0, -0.04375, -0.09375,  //
                                      -0.04375, 0.0, -0.19375,  //
                                      -0.09375, -0.19375, 0.0},
                                     {3, 3})))
      << net->w;
  // dt_i = 0.02 (y_i - 1/4).
  EXPECT_TRUE(at::allclose(net->threshold, T({0.115, 0.195, 0.315}, {3}))) << net->threshold;
}

TEST(FoldiakTest, LateralWeightsStayNonPositiveWithZeroDiagonal) {
  Foldiak net = HandNetwork();
  // Nothing active: every off-diagonal weight rises by alpha p^2 = 0.00625,
  // w_01 = -0.05 stays negative, the zero entries would turn positive and are clipped.
  net->Update(T({0, 0, 0, 0}, {1, 4}), T({0, 0, 0}, {1, 3}), net->rates());
  EXPECT_TRUE(at::allclose(net->w, T({0.0, -0.04375, 0.0,  //
                                      -0.04375, 0.0, -0.19375,  //
                                      0.0, -0.19375, 0.0},
                                     {3, 3})));
}

TEST(FoldiakTest, BatchUpdateIsTheMeanOfTheSingleUpdates) {
  Foldiak a = HandNetwork(), b = HandNetwork();
  const at::Tensor x = T({1, 0, 0, 1, 0, 1, 1, 0}, {2, 4});
  const at::Tensor y = T({1, 0, 1, 0, 1, 0}, {2, 3});
  a->Update(x, y, a->rates());
  // By hand for unit 0 (active in the first row only): dq = 0.02 * (x_0 - q_0) / 2.
  EXPECT_TRUE(at::allclose(a->q[0], T({0.505, 0.495, 0.0, 0.01}, {4})));
  // w_01: y_0 y_1 = 0 in both rows: -0.05 + 0.1 / 16.
  EXPECT_NEAR(a->w[0][1].item<double>(), -0.04375, 1e-12);
  // w_02: y_0 y_2 = (1 + 0) / 2: -0.1 (0.5 - 1/16).
  EXPECT_NEAR(a->w[0][2].item<double>(), -0.04375, 1e-12);
  EXPECT_NEAR(a->threshold[1].item<double>(), 0.2 + 0.02 * (0.5 - 0.25), 1e-12);
  (void)b;
}

TEST(FoldiakTest, SettlingReachesTheFixedPoint) {
  Foldiak net = HandNetwork();
  const at::Tensor x = T({1, 0, 0, 1, 0, 1, 1, 0, 0.3, 0.2, 0.9, 0.1}, {3, 4});
  const SettleResult r = net->Settle(x);
  ASSERT_TRUE(r.converged);
  EXPECT_GT(r.steps, 5);
  // y* = f(Qx + W y* - t), f(u) = 1 / (1 + exp(-10 u)).
  const at::Tensor drive = x.mm(net->q.t()) + r.y_star.mm(net->w.t()) - net->threshold;
  const at::Tensor f = 1.0 / (1.0 + at::exp(-10.0 * drive));
  EXPECT_LT((f - r.y_star).abs().max().item<double>(), 1e-5 * 1.01);
  EXPECT_TRUE(r.y.equal((r.y_star > 0.5).to(at::kDouble)));
  // The first pattern drives unit 0 (0.5 - 0.1) and unit 2 (1.0 - 0.3) above threshold.
  EXPECT_TRUE(r.y[0].equal(T({1, 0, 1}, {3})));
}

// Two units with the same drive and w = -10 between them: a fixed Euler step
// of 0.1 overshoots (lambda f' |w| dt ~ 2.5 > 2) and oscillates; the settling
// halves its step and still reaches y* = f(Qx + W y* - t).
TEST(FoldiakTest, StrongInhibitionStillSettles) {
  Foldiak net(FoldiakOptions(1, 2).dt(0.1).tol(1e-7).max_steps(5000));
  net->to(at::kDouble);
  net->q.fill_(1.0);
  net->w.copy_(T({0.0, -10.0, -10.0, 0.0}, {2, 2}));
  net->threshold.zero_();
  const at::Tensor x = T({1.0}, {1, 1});
  const SettleResult r = net->Settle(x);
  ASSERT_TRUE(r.converged) << r.residual;
  const at::Tensor f = at::sigmoid(10.0 * (x.mm(net->q.t()) + r.y_star.mm(net->w.t())));
  EXPECT_LT((f - r.y_star).abs().max().item<double>(), 1e-7);
  EXPECT_EQ(net->unconverged_settlings(), 0);
}

TEST(FoldiakTest, SettlingCapWarnsAndCounts) {
  Foldiak net(FoldiakOptions(4, 3).max_steps(2).tol(1e-9));
  net->Settle(at::ones({1, 4}));
  EXPECT_EQ(net->unconverged_settlings(), 1);
}

TEST(FoldiakTest, OnePassIsOneLateralTermWithoutDynamics) {
  Foldiak net(FoldiakOptions(4, 3).settling(FoldiakSettling::kOnePass).lambda(1.0).binarize(false));
  net->to(at::kDouble);
  Foldiak hand = HandNetwork();
  net->q.copy_(hand->q);
  net->w.copy_(hand->w);
  net->threshold.copy_(hand->threshold);
  const at::Tensor x = T({1, 0, 0, 1}, {1, 4});
  const at::Tensor u = x.mm(net->q.t());  // (0.5, 0, 1.0)
  const at::Tensor expected = at::sigmoid(u + u.mm(net->w.t()) - net->threshold);
  const SettleResult r = net->Settle(x);
  EXPECT_TRUE(at::allclose(r.y, expected));
  EXPECT_EQ(r.steps, 1);
}

// One LIF unit, drive 1, eta 0.5, threshold 0.6: u = 0.5, 0.75 (spike, reset),
// 0.5, 0.75 (spike): 2 spikes in 4 steps. A second unit with the same drive but
// inhibited by 0.8 per spike of the first: u = 0.5, 0.75 (spike), then
// 0.5 * 0 + 0.5 (1 - 0.8) = 0.1, 0.05 + 0.5 = 0.55: 1 spike.
TEST(SailnetTest, LeakyIntegrateAndFireCountsSpikesByHand) {
  Foldiak net(SailnetOptions(1, 2).lif_steps(4).lif_eta(0.5));
  net->to(at::kDouble);
  net->q.copy_(T({1.0, 1.0}, {2, 1}));
  net->w.copy_(T({0.0, 0.0, -0.8, 0.0}, {2, 2}));
  net->threshold.fill_(0.6);
  const SettleResult r = net->Settle(T({1.0}, {1, 1}));
  EXPECT_TRUE(r.y.equal(T({2.0, 1.0}, {1, 2}))) << r.y;
}

TEST(SailnetTest, OjaRuleUsesSquaredCountsAndLateralWeightsStayInhibitory) {
  Foldiak net(SailnetOptions(2, 2));
  net->to(at::kDouble);
  net->q.copy_(T({1.0, 0.0, 0.0, 1.0}, {2, 2}));
  const at::Tensor x = T({0.5, -1.0}, {1, 2});
  const at::Tensor y = T({2.0, 0.0}, {1, 2});
  net->Update(x, y, net->rates());
  // dq_0 = 0.01 (2 x - 4 q_0) = 0.01 (1 - 4, -2).
  EXPECT_TRUE(at::allclose(net->q[0], T({1.0 - 0.03, -0.02}, {2}))) << net->q;
  EXPECT_TRUE(at::allclose(net->q[1], T({0.0, 1.0}, {2})));
  // dw_01 = -1 (0 - 0.0025) would be positive: clipped to 0.
  EXPECT_EQ(net->w.max().item<double>(), 0.0);
  // dtheta = 0.1 (y - 0.05).
  EXPECT_TRUE(at::allclose(net->threshold, T({2.0 + 0.195, 2.0 - 0.005}, {2})));
}

TEST(FoldiakTest, ThresholdWarmUpMovesOnlyThresholds) {
  at::manual_seed(1);
  Foldiak net(FoldiakOptions(4, 3));
  const at::Tensor q0 = net->q.clone(), w0 = net->w.clone(), t0 = net->threshold.clone();
  const SettleResult r = net->WarmUp(at::ones({1, 4}), 0.1);
  EXPECT_TRUE(net->q.equal(q0));
  EXPECT_TRUE(net->w.equal(w0));
  EXPECT_TRUE(at::allclose(net->threshold, t0 + 0.1 * (r.y[0] - 0.125)));
}

TEST(FoldiakTest, InitialisationFollowsTheOptions) {
  at::manual_seed(2);
  Foldiak net(FoldiakOptions(8, 5).lateral_init(WeightInit::kUniform).lateral_init_scale(0.3)
                  .threshold_init(0.7));
  EXPECT_TRUE(at::allclose(net->q.norm(2, {1}), at::ones({5})));
  EXPECT_GE(net->q.min().item<double>(), 0.0);
  EXPECT_TRUE(net->w.diagonal().eq(0).all().item<bool>());
  EXPECT_GT(net->w.max().item<double>(), 0.0);
  EXPECT_TRUE(net->w.equal(net->w.t()));
  EXPECT_LE(net->w.max().item<double>(), 0.3);
  EXPECT_TRUE(net->threshold.eq(0.7f).all().item<bool>());
  EXPECT_THROW(Foldiak(FoldiakOptions(8, 5).p(1.5)), c10::Error);
}

}  // namespace
}  // namespace sparselab
