// Twins: every layer with the fused kernel against the same layer on the ATen
// topk path (run inside an AtenWinnersScope), on inputs with many ties (small integers as
// floating point), boosting on, training and eval, several k including 1 and
// all units. Outputs, input gradients and duty cycles must agree bit for bit.
#include "lib/nn/internal/winners_kernel.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/autograd.h>
#include <torch/nn/module.h>

#include "gtest/gtest.h"
#include "lib/nn/k_winners.h"
#include "lib/nn/kwta.h"

namespace sparselab {
namespace {

// The same bits (so also -0 against +0 and NaN against NaN).
bool SameBits(const at::Tensor& a, const at::Tensor& b) {
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
  const auto bits = a.element_size() == 8 ? at::kLong : at::kInt;
  return a.contiguous().view(bits).equal(b.contiguous().view(bits));
}

// Integers in [-range, range] as `dtype`: most values tie with others.
at::Tensor Ties(std::vector<int64_t> shape, int64_t range, at::ScalarType dtype) {
  return at::randint(-range, range + 1, shape, at::kLong).to(dtype);
}

struct Outcome {
  at::Tensor out, grad;
};

// f() on the ATen topk path.
template <typename F>
auto OnAten(F f) {
  internal::AtenWinnersScope aten;
  return f();
}

// Forward (and, in training, backward with gradient g) of a copy of x.
template <typename Layer>
Outcome Step(Layer& layer, const at::Tensor& x, const at::Tensor& g) {
  const at::Tensor leaf = x.clone().set_requires_grad(true);
  Outcome run;
  run.out = layer->forward(leaf);
  if (run.out.requires_grad()) {
    run.out.backward(g);
    run.grad = leaf.grad();
  }
  return run;
}

// Steps both layers through batches in train and eval mode and compares.
template <typename Layer>
void ExpectTwins(Layer& fused, Layer& reference, std::vector<int64_t> shape, int64_t range,
                 at::ScalarType dtype, const std::string& what) {
  for (int step = 0; step < 6; ++step) {
    const bool train = step != 2 && step != 5;
    fused->train(train);
    reference->train(train);
    const at::Tensor x = Ties(shape, step == 3 ? 1 : range, dtype);
    const at::Tensor g = Ties(shape, 3, dtype);
    const Outcome a = Step(fused, x, g);
    const Outcome b = OnAten([&] { return Step(reference, x, g); });
    ASSERT_TRUE(SameBits(a.out, b.out)) << what << " step " << step << " output";
    ASSERT_EQ(a.grad.defined(), b.grad.defined()) << what << " step " << step;
    if (a.grad.defined()) {
      ASSERT_TRUE(SameBits(a.grad, b.grad)) << what << " step " << step << " gradient";
    }
    for (const auto& buffer : fused->named_buffers()) {
      ASSERT_TRUE(SameBits(buffer.value(), reference->named_buffers()[buffer.key()]))
          << what << " step " << step << " buffer " << buffer.key();
    }
  }
}

class WinnersKernelTwinTest : public ::testing::TestWithParam<at::ScalarType> {};

TEST_P(WinnersKernelTwinTest, KWinners) {
  const at::ScalarType dtype = GetParam();
  at::manual_seed(11);
  const int64_t n = 40;
  for (bool break_ties : {false, true}) {
    for (bool relu : {false, true}) {
      for (int64_t k : {int64_t{1}, int64_t{4}, int64_t{17}, n}) {
        auto options = KWinnersOptions(n, k)
                           .boost_strength(1.5)
                           .duty_cycle_period(30)
                           .break_ties(break_ties)
                           .relu(relu);
        KWinners fused(options);
        KWinners reference(options);
        fused->to(dtype);
        reference->to(dtype);
        ExpectTwins(fused, reference, {12, n}, 4, dtype,
                    "KWinners k " + std::to_string(k) + " break_ties " +
                        std::to_string(break_ties) + " relu " + std::to_string(relu));
      }
    }
  }
}

TEST_P(WinnersKernelTwinTest, KWinners2dGlobalAndLocal) {
  const at::ScalarType dtype = GetParam();
  at::manual_seed(12);
  const int64_t channels = 6;
  for (bool local : {false, true}) {
    const int64_t units = local ? channels : channels * 3 * 4;
    for (bool break_ties : {false, true}) {
      for (int64_t k : {int64_t{1}, int64_t{3}, units}) {
        auto options = KWinners2dOptions(channels, k)
                           .boost_strength(2.0)
                           .duty_cycle_period(20)
                           .k_inference_factor(1.3)
                           .break_ties(break_ties)
                           .relu(k == 3)
                           .local(local);
        KWinners2d fused(options);
        KWinners2d reference(options);
        fused->to(dtype);
        reference->to(dtype);
        ExpectTwins(fused, reference, {5, channels, 3, 4}, 3, dtype,
                    "KWinners2d local " + std::to_string(local) + " k " + std::to_string(k) +
                        " break_ties " + std::to_string(break_ties));
      }
    }
  }
}

TEST_P(WinnersKernelTwinTest, KWTABinaryAndSoft) {
  const at::ScalarType dtype = GetParam();
  at::manual_seed(13);
  for (int64_t k : {int64_t{1}, int64_t{5}, int64_t{23}}) {
    KWTABinary binary{KWTABinaryOptions(k)};
    KWTABinary binary_reference{KWTABinaryOptions(k)};
    ExpectTwins(binary, binary_reference, {9, 2, 12}, 3, dtype,
                "KWTABinary k " + std::to_string(k));
    for (bool hard : {false, true}) {
      auto options = KWTASoftOptions(k).hardness(hard ? 0.7 : 1.8).hard_sigmoid(hard);
      KWTASoft soft(options);
      KWTASoft soft_reference(options);
      ExpectTwins(soft, soft_reference, {9, 24}, 3, dtype,
                  "KWTASoft k " + std::to_string(k) + " hard " + std::to_string(hard));
    }
  }
}

// With create_graph the gradient through KWTASoft's threshold is built from
// ATen operations: the same first derivative, and a second one.
TEST_P(WinnersKernelTwinTest, KWTASoftDoubleBackward) {
  const at::ScalarType dtype = GetParam();
  at::manual_seed(15);
  const at::Tensor x = Ties({6, 20}, 3, dtype);
  const at::Tensor w = Ties({6, 20}, 2, dtype);
  at::Tensor first[2], second[2];
  for (bool fused : {false, true}) {
    KWTASoft soft(KWTASoftOptions(4).hardness(1.3));
    std::optional<internal::AtenWinnersScope> aten;
    if (!fused) aten.emplace();
    const at::Tensor leaf = x.clone().set_requires_grad(true);
    const at::Tensor g = torch::autograd::grad({(soft(leaf) * w).sum()}, {leaf},
                                               /*grad_outputs=*/{}, /*retain_graph=*/true,
                                               /*create_graph=*/true)[0];
    first[fused] = g.detach();
    second[fused] = torch::autograd::grad({(g * w).sum()}, {leaf})[0];
  }
  EXPECT_TRUE(SameBits(first[0], first[1]));
  EXPECT_TRUE(second[1].allclose(second[0], 1e-5, 1e-6)) << second[0] - second[1];
  EXPECT_GT(second[0].abs().sum().item<double>(), 0);
}

INSTANTIATE_TEST_SUITE_P(FloatAndDouble, WinnersKernelTwinTest,
                         ::testing::Values(at::kFloat, at::kDouble));

// Continuous values, wide rows and several threads: the radix selection's
// deeper levels and the parallel split, against the same reference.
TEST(WinnersKernelTest, WideRowsAndThreadsMatchTheReference) {
  at::manual_seed(14);
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  for (bool break_ties : {false, true}) {
    auto options = KWinnersOptions(1024, 100).break_ties(break_ties).duty_cycle_period(200);
    KWinners fused(options);
    KWinners reference(options);
    for (int step = 0; step < 3; ++step) {
      const at::Tensor x = at::randn({70, 1024});
      const at::Tensor g = at::randn({70, 1024});
      const Outcome a = Step(fused, x, g);
      const Outcome b = OnAten([&] { return Step(reference, x, g); });
      EXPECT_TRUE(SameBits(a.out, b.out)) << "break_ties " << break_ties << " step " << step;
      EXPECT_TRUE(SameBits(a.grad, b.grad)) << "break_ties " << break_ties << " step " << step;
      EXPECT_TRUE(SameBits(fused->duty_cycles, reference->duty_cycles));
    }
  }
  at::set_num_threads(threads);
}

// NaN scores: the threshold rule keeps nobody, topk ranks NaN first.
TEST(WinnersKernelTest, NaNInputsMatchTheReference) {
  at::Tensor x = Ties({4, 10}, 3, at::kFloat);
  x[1][3] = std::numeric_limits<float>::quiet_NaN();
  x[2][0] = std::numeric_limits<float>::infinity();
  for (bool break_ties : {false, true}) {
    auto options = KWinnersOptions(10, 3).break_ties(break_ties);
    KWinners fused(options);
    KWinners reference(options);
    EXPECT_TRUE(SameBits(fused(x), OnAten([&] { return reference(x); })))
        << "break_ties " << break_ties;
  }
  KWTABinary binary(3);
  KWTABinary binary_reference(3);
  EXPECT_TRUE(SameBits(binary(x), OnAten([&] { return binary_reference(x); })));
}

// Other dtypes and non-contiguous inputs: the layer takes the ATen path or
// copies, with the same result.
TEST(WinnersKernelTest, FallbackAndStridedInputs) {
  EXPECT_FALSE(internal::FusedWinnersApply(at::zeros({2, 3}, at::kHalf)));
  EXPECT_FALSE(internal::FusedWinnersApply(at::zeros({2, 3}), at::zeros({3}, at::kDouble)));
  EXPECT_TRUE(internal::FusedWinnersApply(at::zeros({2, 3}), at::zeros({3})));
  const at::Tensor x = Ties({16, 8}, 5, at::kFloat).t();  // (8, 16), strided
  KWinners fused(KWinnersOptions(16, 5).break_ties(true));
  KWinners reference(KWinnersOptions(16, 5).break_ties(true));
  EXPECT_TRUE(SameBits(fused(x), OnAten([&] { return reference(x); })));
  EXPECT_TRUE(SameBits(fused->duty_cycles, reference->duty_cycles));
}

// The twins above compare two paths only if the layers take the kernel by
// default and the ATen path inside a scope: the autograd node tells them apart.
TEST(WinnersKernelTest, LayersTakeTheKernelOutsideAnAtenScope) {
  auto node = [](const at::Tensor& out) { return out.grad_fn()->name(); };
  EXPECT_TRUE(internal::FusedWinnersEnabled());
  KWinners layer(KWinnersOptions(10, 3));
  const at::Tensor x = at::randn({4, 10}).set_requires_grad(true);
  EXPECT_NE(node(layer(x)).find("KWinnersFunction"), std::string::npos) << node(layer(x));
  {
    internal::AtenWinnersScope aten;
    EXPECT_FALSE(internal::FusedWinnersEnabled());
    {
      internal::AtenWinnersScope nested;
      EXPECT_FALSE(internal::FusedWinnersEnabled());
    }
    EXPECT_FALSE(internal::FusedWinnersEnabled());
    EXPECT_EQ(node(layer(x)).find("KWinnersFunction"), std::string::npos) << node(layer(x));
  }
  EXPECT_TRUE(internal::FusedWinnersEnabled());
  // Other dtypes take the ATen path whatever the switch says.
  EXPECT_FALSE(internal::UseFusedWinners(at::zeros({2, 3}, at::kHalf)));
  EXPECT_TRUE(internal::UseFusedWinners(at::zeros({2, 3})));
}

}  // namespace
}  // namespace sparselab
