#include "lib/nn/bayesian_bits.h"

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <c10/util/Exception.h>
#include <torch/serialize.h>
#include <torch/types.h>

#include "gtest/gtest.h"
#include "lib/nn/test_helpers.h"

namespace sparselab {
namespace {

using ::sparselab::testing::ExpectErrorNaming;

using Options = BayesianBitsQuantizerOptions;

at::Tensor D(std::vector<double> values) { return at::tensor(values, at::kDouble); }

double Sigmoid(double v) { return 1 / (1 + std::exp(-v)); }

// beta log(-gamma / zeta) with the default gate: (2/3) log(1/11).
const double kOffset = (2.0 / 3.0) * std::log(0.1 / 1.1);

// A quantizer in double precision (exact hand values).
BayesianBitsQuantizer MakeDouble(const Options& o) {
  BayesianBitsQuantizer q(o);
  q->to(at::kDouble);
  return q;
}

void ExpectAllNear(const at::Tensor& a, const at::Tensor& b, double tol) {
  ASSERT_EQ(a.sizes(), b.sizes());
  for (int64_t i = 0; i < a.numel(); ++i) {
    EXPECT_NEAR(a.reshape({-1})[i].item<double>(), b.reshape({-1})[i].item<double>(), tol) << "element " << i;
  }
}

// ---- hard-concrete gate ----

TEST(HardConcreteTest, ProbabilitiesMatchTheClosedForm) {
  // P(z != 0) = sigmoid(log_alpha + (2/3) log 11), P(z = 1) = sigmoid(log_alpha - (2/3) log 11);
  // values by hand (log 11 = 2.397895...).
  const std::vector<double> la = {-3, -1, 0, 0.5, 2, 6};
  const std::vector<double> nonzero = {0.19759354690064213, 0.6453352217131145, 0.8318221839916905,
                                       0.890766725089709,   0.973366655261484,  0.9994990968941756};
  const std::vector<double> one = {0.009965636296928093, 0.06922877939830918, 0.16817781600830958,
                                   0.25000289503664913,  0.5990247355990772,  0.9878883651415767};
  const at::Tensor p = HardConcreteProbNonZero(D(la));
  const at::Tensor p1 = HardConcreteProbOne(D(la));
  for (size_t i = 0; i < la.size(); ++i) {
    EXPECT_NEAR(p[i].item<double>(), nonzero[i], 1e-12);
    EXPECT_NEAR(p1[i].item<double>(), one[i], 1e-12);
  }
}

TEST(HardConcreteTest, SamplesMatchTheClosedFormWithinFourSigma) {
  torch::manual_seed(7);
  const int64_t n = 200000;
  for (double la : {-1.0, 0.5, 2.0}) {
    const at::Tensor z = HardConcreteSample(at::full({n}, la, at::kDouble));
    EXPECT_GE(z.min().item<double>(), 0.0);
    EXPECT_LE(z.max().item<double>(), 1.0);
    const double p = Sigmoid(la - kOffset);
    const double p1 = Sigmoid(la + kOffset);
    const double nonzero = z.gt(0).to(at::kDouble).mean().item<double>();
    const double ones = z.eq(1).to(at::kDouble).mean().item<double>();
    EXPECT_NEAR(nonzero, p, 4 * std::sqrt(p * (1 - p) / n)) << "log_alpha " << la;
    EXPECT_NEAR(ones, p1, 4 * std::sqrt(p1 * (1 - p1) / n)) << "log_alpha " << la;
  }
}

TEST(HardConcreteTest, SampleGradientFlowsToLogAlpha) {
  torch::manual_seed(3);
  const at::Tensor la = at::zeros({1000}, at::kDouble).set_requires_grad(true);
  const at::Tensor z = HardConcreteSample(la);
  z.sum().backward();
  // Zero where clamped (z = 0 or 1), positive where 0 < z < 1.
  const at::Tensor inside = z.gt(0) & z.lt(1);
  EXPECT_GT(inside.sum().item<int64_t>(), 0);
  EXPECT_TRUE(la.grad().masked_select(inside).gt(0).all().item<bool>());
  EXPECT_TRUE(la.grad().masked_select(~inside).eq(0).all().item<bool>());
}

TEST(HardConcreteTest, TestGateThresholdsTheProbabilityOfZero) {
  // On iff P(z = 0) < 0.34, i.e. log_alpha > logit(0.66) + (2/3) log(1/11) = -0.93530.
  EXPECT_TRUE(HardConcreteTestGate(D({-0.90, -0.97, 6, -6})).equal(D({1, 0, 1, 0})));
  EXPECT_TRUE(HardConcreteTestGate(D({-0.5}), HardConcreteOptions().threshold(0.1)).equal(D({0})));
}

// ---- the quantizer ----

TEST(BayesianBitsQuantizerTest, StepSizesOfTheNestedGrids) {
  // Unsigned, x_max = 3: range 3; signed, x_max = 1.5: range 3 too.
  for (const Options& o : {Options(3.0).is_signed(false), Options(1.5)}) {
    const auto s = MakeDouble(o)->step_sizes();
    ASSERT_EQ(s.size(), 5u);
    EXPECT_NEAR(s[0].item<double>(), 1.0, 1e-15);
    EXPECT_NEAR(s[1].item<double>(), 0.2, 1e-15);
    EXPECT_NEAR(s[2].item<double>(), 0.2 / 17, 1e-15);
    EXPECT_NEAR(s[3].item<double>(), 0.2 / 17 / 257, 1e-18);
    EXPECT_NEAR(s[4].item<double>(), 0.2 / 17 / 257 / 65537, 1e-22);
    // s_b = range / (2^b - 1).
    for (int k = 0; k < 5; ++k) {
      EXPECT_NEAR(s[k].item<double>() * (std::ldexp(1.0, 2 << k) - 1), 3.0, 1e-12) << "bits " << (2 << k);
    }
  }
}

// log_alpha_init giving test-time bit width b (gates up to b on, the rest off).
std::vector<double> InitFor(int b) {
  std::vector<double> la;
  for (int w = 4; w <= 32; w *= 2) la.push_back(w <= b ? 6.0 : -6.0);
  return la;
}

TEST(BayesianBitsQuantizerTest, UnsignedHandValuesAtEachBitWidth) {
  const at::Tensor x = D({-0.4, 0.0, 0.61, 1.37, 2.93, 3.5});
  const at::Tensor clipped = D({0.0, 0.0, 0.61, 1.37, 2.93, 3.0 * (1 - 1e-7)});
  // 2 bits, step 1: round to 0..3.
  auto q2 = MakeDouble(Options(3.0).is_signed(false).log_alpha_init(InitFor(2)));
  q2->eval();
  EXPECT_EQ(q2->bit_width(), 2);
  ExpectAllNear(q2(x), D({0, 0, 1, 1, 3, 3}), 1e-12);
  // 4 bits, step 0.2: 0.61 -> 1 - 2 * 0.2 (residual -0.39 -> -2 steps), 1.37 -> 1 + 2 * 0.2.
  auto q4 = MakeDouble(Options(3.0).is_signed(false).log_alpha_init(InitFor(4)));
  q4->eval();
  EXPECT_EQ(q4->bit_width(), 4);
  ExpectAllNear(q4(x), D({0, 0, 0.6, 1.4, 3.0, 3.0}), 1e-12);
  // 8 bits, step 3/255: 0.61 -> 52 steps, 1.37 -> 116, 2.93 -> 249, 3 (1 - 1e-7) -> 255.
  auto q8 = MakeDouble(Options(3.0).is_signed(false).log_alpha_init(InitFor(8)));
  q8->eval();
  EXPECT_EQ(q8->bit_width(), 8);
  ExpectAllNear(q8(x), D({0, 0, 52 * 3.0 / 255, 116 * 3.0 / 255, 249 * 3.0 / 255, 3.0}), 1e-12);
  // Every bit width equals rounding the clipped input on its own grid directly.
  for (int b : {2, 4, 8, 16, 32}) {
    auto q = MakeDouble(Options(3.0).is_signed(false).log_alpha_init(InitFor(b)));
    q->eval();
    EXPECT_EQ(q->bit_width(), b);
    const double s = 3.0 / (std::ldexp(1.0, b) - 1);
    ExpectAllNear(q(x), at::round(clipped / s) * s, 1e-12);
  }
  // All gates on: within half a 32-bit step (7e-10 / 2) of the clipped input.
  auto q32 = MakeDouble(Options(3.0).is_signed(false));
  q32->eval();
  ExpectAllNear(q32(x), clipped, 3.5e-10 + 1e-14);
}

TEST(BayesianBitsQuantizerTest, SignedHandValues) {
  // x_max = 1.5: clipped to [-1.5, 1.5], s_2 = 1 (levels -1, 0, 1), s_4 = 0.2.
  const at::Tensor x = D({-2.0, -0.73, 0.26, 1.2, 1.6});
  auto q2 = MakeDouble(Options(1.5).log_alpha_init(InitFor(2)));
  q2->eval();
  ExpectAllNear(q2(x), D({-1, -1, 0, 1, 1}), 1e-12);
  auto q4 = MakeDouble(Options(1.5).log_alpha_init(InitFor(4)));
  q4->eval();
  ExpectAllNear(q4(x), D({-1.4, -0.8, 0.2, 1.2, 1.4}), 1e-12);
}

TEST(BayesianBitsQuantizerTest, PruningGateOffGivesExactZeros) {
  const at::Tensor x = D({-0.4, 0.61, 1.37, 2.93});
  auto pruned = MakeDouble(Options(3.0).is_signed(false).prune_gates(1).prune_log_alpha_init(-6));
  pruned->eval();
  EXPECT_TRUE(pruned(x).eq(0).all().item<bool>());
  EXPECT_EQ(pruned->keep_fraction(), 0.0);
  EXPECT_EQ(pruned->effective_bit_width(), 0);
  EXPECT_EQ(pruned->bit_width(), 32);
  // Per output channel: rows 0 and 2 kept, row 1 pruned.
  auto rows = MakeDouble(Options(1.5).log_alpha_init(InitFor(2)).prune_gates(3));
  {
    at::NoGradGuard no_grad;
    rows->prune_log_alpha.copy_(D({6, -6, 6}));
  }
  rows->eval();
  const at::Tensor w = D({0.7, -1.2, 0.9, 0.3, -0.6, 2.0}).view({3, 2});
  EXPECT_TRUE(rows(w).equal(D({1, -1, 0, 0, -1, 1}).view({3, 2})));
  EXPECT_NEAR(rows->keep_fraction(), 2.0 / 3, 1e-15);
  EXPECT_EQ(rows->effective_bit_width(), 2);
}

TEST(BayesianBitsQuantizerTest, StraightThroughGradientInsideTheRangeZeroOutside) {
  // Gates at log_alpha 30: every training sample is exactly 1.
  const at::Tensor x = D({-0.4, 0.61, 1.37, 2.93, 3.5});
  const at::Tensor w = D({1, 2, 3, 4, 5});
  for (int b : {2, 8, 32}) {
    std::vector<double> la = InitFor(b);
    for (double& v : la) v = v > 0 ? 30.0 : v;
    auto q = MakeDouble(Options(3.0).is_signed(false).log_alpha_init(la).prune_gates(1).prune_log_alpha_init(30));
    q->train();
    const at::Tensor xi = x.clone().set_requires_grad(true);
    (q(xi) * w).sum().backward();
    ExpectAllNear(xi.grad(), D({0, 2, 3, 4, 0}), 1e-12);
  }
}

TEST(BayesianBitsQuantizerTest, RangeGradientByHand) {
  // 2 bits, unsigned, x_max = 3 (s_2 = x_max / 3). Inside the range
  // d/dx_max [s round(x / s)] = (round(x / s) - x / s) / 3 with the straight-through
  // rounding; above it the output is the clipped end, gradient 1.
  const std::vector<double> x = {1.37, 0.61, 3.5, -0.4};
  const std::vector<double> expected = {(1 - 1.37) / 3, (1 - 0.61) / 3, 1.0, 0.0};
  for (size_t i = 0; i < x.size(); ++i) {
    auto q = MakeDouble(Options(3.0).is_signed(false).log_alpha_init(InitFor(2)));
    q(D({x[i]})).sum().backward();
    EXPECT_NEAR(q->x_max.grad().item<double>(), expected[i], 1e-9) << "x = " << x[i];
  }
  // Signed, x_max = 1.5, below -x_max: clipped to -x_max (1 - 1e-7), which
  // rounds to the level -s_2 = -2 x_max / 3: gradient -2/3.
  auto s = MakeDouble(Options(1.5).log_alpha_init(InitFor(2)));
  const at::Tensor out = s(D({-2.0}));
  EXPECT_NEAR(out.item<double>(), -1.0, 1e-12);
  out.sum().backward();
  EXPECT_NEAR(s->x_max.grad().item<double>(), -2.0 / 3, 1e-9);
}

TEST(BayesianBitsQuantizerTest, TrainingSamplesTheGatesAndTheirGradients) {
  torch::manual_seed(11);
  // log_alpha_4 = 0: z_4 is 0 with probability 0.168, 1 with 0.168, in between otherwise.
  auto q = MakeDouble(Options(3.0).is_signed(false).bit_widths({2, 4}).log_alpha_init({0.0}));
  q->train();
  const at::Tensor x = D({1.37});  // x_2 = 1, eps_4 = 0.4: x_q = 1 + 0.4 z_4
  int zeros = 0, ones = 0, between = 0;
  for (int t = 0; t < 400; ++t) {
    q->zero_grad();
    const at::Tensor out = q(x);
    const double z4 = (out.item<double>() - 1.0) / 0.4;
    ASSERT_GE(z4, -1e-12);
    ASSERT_LE(z4, 1 + 1e-12);
    out.sum().backward();
    const double g = q->log_alpha[0].grad().defined() ? q->log_alpha[0].grad().item<double>() : 0.0;
    if (z4 < 1e-12) {
      ++zeros;
      EXPECT_EQ(g, 0.0);
    } else if (z4 > 1 - 1e-12) {
      ++ones;
      EXPECT_EQ(g, 0.0);
    } else {
      ++between;
      EXPECT_GT(g, 0.0);  // d x_q / d log_alpha = 0.4 dz/dlog_alpha > 0
    }
  }
  EXPECT_GT(zeros, 30);
  EXPECT_GT(ones, 30);
  EXPECT_GT(between, 150);
}

TEST(BayesianBitsQuantizerTest, ChainCutoffSwitchesTheRestOffInTraining) {
  // The reference's rule: log_alpha_8 = -3 <= -2, so z_8, z_16, z_32 are off
  // in training too and the output is on the 4-bit grid whatever is sampled.
  torch::manual_seed(5);
  auto q = MakeDouble(Options(3.0).is_signed(false).log_alpha_init({30, -3, 30, 30}));
  q->train();
  const at::Tensor x = D({0.61, 1.37, 2.93});
  for (int t = 0; t < 20; ++t) ExpectAllNear(q(x), D({0.6, 1.4, 3.0}), 1e-12);
  EXPECT_EQ(q->bit_width(), 4);
  // Without the cutoff z_8 is sampled (P(z_8 != 0) = 0.197 at -3).
  auto open = MakeDouble(Options(3.0).is_signed(false).log_alpha_init({30, -3, 30, 30}).chain_cutoff(
      -std::numeric_limits<double>::infinity()));
  open->train();
  bool finer = false;
  for (int t = 0; t < 200 && !finer; ++t) finer = (open(x) - D({0.6, 1.4, 3.0})).abs().max().item<double>() > 1e-6;
  EXPECT_TRUE(finer);
}

TEST(BayesianBitsQuantizerTest, InitRangeCloneAndSerialisation) {
  auto q = BayesianBitsQuantizer(Options().prune_gates(4));
  q->init_range(D({-0.2, 0.7, 2.5, -3.0}));  // the data max, as the reference
  EXPECT_NEAR(q->x_max.item<double>(), 2.5, 1e-6);
  auto named = q->named_parameters();
  EXPECT_TRUE(named.contains("x_max"));
  EXPECT_TRUE(named.contains("log_alpha_4"));
  EXPECT_TRUE(named.contains("log_alpha_32"));
  EXPECT_TRUE(named.contains("prune_log_alpha"));
  EXPECT_EQ(named.size(), 6u);
  auto copy = std::dynamic_pointer_cast<BayesianBitsQuantizerImpl>(q->clone());
  ASSERT_NE(copy, nullptr);
  EXPECT_NEAR(copy->x_max.item<double>(), 2.5, 1e-6);
  {
    at::NoGradGuard no_grad;
    copy->x_max.fill_(1.0);
  }
  EXPECT_NEAR(q->x_max.item<double>(), 2.5, 1e-6);  // deep copy
  std::stringstream buffer;
  torch::save(q, buffer);
  BayesianBitsQuantizer loaded(Options().prune_gates(4));
  torch::load(loaded, buffer);
  EXPECT_NEAR(loaded->x_max.item<double>(), 2.5, 1e-6);
  std::ostringstream printed;
  printed << *q;
  EXPECT_NE(printed.str().find("sparselab::BayesianBitsQuantizer(signed=true"), std::string::npos)
      << printed.str();
}

void Construct(const Options& o) { BayesianBitsQuantizer q(o); }

TEST(BayesianBitsQuantizerTest, BadOptionsAreClearErrors) {
  ExpectErrorNaming([&] { Construct(Options(-1.0)); }, "x_max");
  ExpectErrorNaming([&] { Construct(Options(0.0)); }, "x_max");
  for (const std::vector<int64_t>& bits : std::vector<std::vector<int64_t>>{
           {}, {2, 3}, {4, 8}, {2, 4, 8, 16, 32, 64}, {2, 8}}) {
    ExpectErrorNaming([&] { Construct(Options().bit_widths(bits)); }, "bit_widths");
  }
  ExpectErrorNaming([&] { Construct(Options().bit_widths({2, 4, 8})); }, "log_alpha_init");
  ExpectErrorNaming([&] { Construct(Options().prune_gates(-1)); }, "prune_gates");
  ExpectErrorNaming([&] { Construct(Options().gate(HardConcreteOptions().beta(0))); }, "gate.beta");
  ExpectErrorNaming([&] { Construct(Options().gate(HardConcreteOptions().gamma(0.1))); }, "gate.gamma");
  ExpectErrorNaming([&] { Construct(Options().gate(HardConcreteOptions().zeta(1.0))); }, "gate.zeta");
  ExpectErrorNaming([&] { Construct(Options().gate(HardConcreteOptions().threshold(1.0))); },
                    "gate.threshold");
  BayesianBitsQuantizer q(Options().prune_gates(3));
  ExpectErrorNaming([&] { q(at::zeros({4, 2})); }, "prune_gates");
  ExpectErrorNaming([&] { q->init_range(D({-1.0, -0.5})); }, "init_range");
  {
    at::NoGradGuard no_grad;
    q->x_max.fill_(-0.1);
  }
  ExpectErrorNaming([&] { q(at::zeros({3, 2})); }, "x_max");
}

// ---- the regulariser, the penalty and the BOP count ----

TEST(BayesianBitsRegulariserTest, TwoGatesByHand) {
  // bit_widths {2, 4}, one pruning gate at log_alpha 0.5, z_4 at -1, MACs fraction 0.25:
  // R = 0.25 (2 q_2 + 4 q_2 q_4), q_2 = 0.8907667, q_4 = 0.6453352.
  auto q = MakeDouble(Options(1.0).bit_widths({2, 4}).log_alpha_init({-1.0}).prune_gates(1).prune_log_alpha_init(0.5));
  const at::Tensor r = BayesianBitsRegulariser(*q, 0.25);
  EXPECT_NEAR(r.item<double>(), 1.0202265045752867, 1e-12);
  r.backward();
  // dR/dla_2 = 0.25 (2 + 4 q_4) q_2 (1 - q_2); dR/dla_4 = 0.25 * 4 q_2 q_4 (1 - q_4).
  EXPECT_NEAR(q->prune_log_alpha.grad().item<double>(), 0.11144268224503756, 1e-12);
  EXPECT_NEAR(q->log_alpha[0].grad().item<double>(), 0.20387661551795988, 1e-12);
  // Without the pruning gate only the chain term: 0.25 * 4 q_4.
  auto np = MakeDouble(Options(1.0).bit_widths({2, 4}).log_alpha_init({-1.0}));
  EXPECT_NEAR(BayesianBitsRegulariser(*np, 0.25).item<double>(), 0.6453352217131145, 1e-12);
}

TEST(BayesianBitsRegulariserTest, PerChannelGatesAreAveraged) {
  // Channels at 0.5 and -1: 0.25 (2 + 4 q_4) mean(q_2c).
  auto q = MakeDouble(Options(1.0).bit_widths({2, 4}).log_alpha_init({-1.0}).prune_gates(2));
  {
    at::NoGradGuard no_grad;
    q->prune_log_alpha.copy_(D({0.5, -1.0}));
  }
  EXPECT_NEAR(BayesianBitsRegulariser(*q, 0.25).item<double>(), 0.8796758319076794, 1e-12);
}

TEST(BayesianBitsRegulariserTest, FullChainProducts) {
  // Five gates: lambda_b = b, R = 2 p2 + p2 (4 p4 + 8 p4 p8 + 16 p4 p8 p16 + 32 p4 p8 p16 p32).
  auto q = MakeDouble(Options(1.0).log_alpha_init({2, 0.5, 0, -3}).prune_gates(1).prune_log_alpha_init(6));
  const double p2 = 0.9994990968941756, p4 = 0.973366655261484, p8 = 0.890766725089709,
               p16 = 0.8318221839916905, p32 = 0.19759354690064213;
  const double expected = 2 * p2 + p2 * (4 * p4 + 8 * p4 * p8 + 16 * p4 * p8 * p16 + 32 * p4 * p8 * p16 * p32);
  EXPECT_NEAR(BayesianBitsRegulariser(*q, 1.0).item<double>(), expected, 1e-12);
}

TEST(BayesianBitsPenaltyTest, MacsFractionsPerQuantizer) {
  // Layers of 100, 300 and 50 MACs; the activation quantizer c feeds the last two.
  auto a = std::make_shared<BayesianBitsQuantizerImpl>(Options().log_alpha_init({1, 0, -1, -2}));
  auto b = std::make_shared<BayesianBitsQuantizerImpl>(Options().log_alpha_init({2, 1, 0, -1}).prune_gates(1));
  auto c = std::make_shared<BayesianBitsQuantizerImpl>(Options().is_signed(false).log_alpha_init({3, 2, 1, 0}));
  auto d = std::make_shared<BayesianBitsQuantizerImpl>(Options().log_alpha_init({0, 0, 0, 0}));
  std::vector<BopLayer> layers(3);
  layers[0].macs = 100;
  layers[0].weight = a;
  layers[1].macs = 300;
  layers[1].weight = b;
  layers[1].input = c;
  layers[2].macs = 50;
  layers[2].weight = d;
  layers[2].input = c;
  const double expected = 0.1 * (BayesianBitsRegulariser(*a, 1).item<double>() / 3 +
                                 BayesianBitsRegulariser(*b, 1).item<double>() +
                                 BayesianBitsRegulariser(*c, 1).item<double>() * 350 / 300 +
                                 BayesianBitsRegulariser(*d, 1).item<double>() / 6);
  EXPECT_NEAR(BayesianBitsPenalty(layers, 0.1).item<double>(), expected, 1e-5);
  ExpectErrorNaming([&] { BayesianBitsPenalty(layers, -0.1); }, "mu");
}

TEST(BopCountTest, LinearAt4BitWeightsAnd8BitActivations) {
  // Linear 1024 -> 512: 524288 MACs; w4 a8: 16777216 BOPs of 536870912 at 32 x 32.
  EXPECT_EQ(LinearMacs(1024, 512), 524288);
  auto w = std::make_shared<BayesianBitsQuantizerImpl>(Options().log_alpha_init(InitFor(4)).prune_gates(512));
  auto a = std::make_shared<BayesianBitsQuantizerImpl>(Options().is_signed(false).log_alpha_init(InitFor(8)));
  EXPECT_EQ(w->bit_width(), 4);
  EXPECT_EQ(a->bit_width(), 8);
  std::vector<BopLayer> layers(1);
  layers[0].macs = LinearMacs(1024, 512);
  layers[0].weight = w;
  layers[0].input = a;
  BopCount count = CountBops(layers);
  EXPECT_EQ(count.bops, 16777216.0);
  EXPECT_EQ(count.baseline_bops, 536870912.0);
  EXPECT_EQ(count.relative, 0.03125);
  // Half of the output channels pruned, and a quarter of the inputs by the
  // previous layer's gates: 0.03125 * 0.5 * 0.75.
  {
    at::NoGradGuard no_grad;
    w->prune_log_alpha.slice(0, 0, 256).fill_(-6);
  }
  auto prev = std::make_shared<BayesianBitsQuantizerImpl>(Options().prune_gates(4));
  {
    at::NoGradGuard no_grad;
    prev->prune_log_alpha[1].fill_(-6);
  }
  layers[0].input_pruning = prev;
  EXPECT_EQ(CountBops(layers).relative, 0.03125 * 0.5 * 0.75);
  // A layer without an input quantizer counts input_bits (8 by default).
  layers[0].input = nullptr;
  layers[0].input_pruning = nullptr;
  EXPECT_EQ(CountBops(layers).relative, 0.015625);
}

TEST(BopCountTest, LeNet5Macs) {
  // 28x28 MNIST, valid 5x5 convolutions, 2x2 pooling: 24x24x32, 12x12, 8x8x64, 4x4 -> 1024.
  const int64_t conv1 = Conv2dMacs(1, 32, 5, 5, 24, 24);
  const int64_t conv2 = Conv2dMacs(32, 64, 5, 5, 8, 8);
  EXPECT_EQ(conv1, 460800);
  EXPECT_EQ(conv2, 3276800);
  EXPECT_EQ(LinearMacs(1024, 512) + LinearMacs(512, 10), 529408);
  // Every quantizer at 32 bits, the network input at 8 bits:
  // (460800 * 8 * 32 + 3806208 * 32 * 32) / (4267008 * 32 * 32) = 0.9190065.
  std::vector<BopLayer> layers(4);
  const std::vector<int64_t> macs = {conv1, conv2, LinearMacs(1024, 512), LinearMacs(512, 10)};
  std::shared_ptr<BayesianBitsQuantizerImpl> act;
  for (int i = 0; i < 4; ++i) {
    layers[i].macs = macs[i];
    layers[i].weight = std::make_shared<BayesianBitsQuantizerImpl>(Options());
    layers[i].input = act;
    act = std::make_shared<BayesianBitsQuantizerImpl>(Options().is_signed(false));
  }
  EXPECT_NEAR(CountBops(layers).relative, 0.9190064794816415, 1e-15);
  ExpectErrorNaming([] { CountBops({}); }, "at least one layer");
  std::vector<BopLayer> bad(1);
  bad[0].macs = 10;
  ExpectErrorNaming([&] { CountBops(bad); }, "weight quantizer");
  bad[0].weight = layers[0].weight;
  bad[0].macs = 0;
  ExpectErrorNaming([&] { CountBops(bad); }, "macs");
  ExpectErrorNaming([] { Conv2dMacs(3, 8, 3, 3, 4, 4, 2); }, "groups");
}

}  // namespace
}  // namespace sparselab
