#include "lib/nn/plane_penalties.h"

#include <cmath>
#include <vector>

#include <c10/util/Exception.h>

#include "gtest/gtest.h"
#include "lib/nn/gradient_check.h"
#include "lib/nn/plane_sparse_conv.h"
#include "lib/nn/test_helpers.h"

namespace sparselab {
namespace {

using ::sparselab::testing::AnalyticGradient;
using ::sparselab::testing::ExpectErrorNaming;
using ::sparselab::testing::NumericGradient;
using ::sparselab::testing::ScalarFunction;

at::Tensor D(std::vector<double> values, std::vector<int64_t> shape) {
  return at::tensor(values, at::kDouble).view(shape);
}

// A (2, 2, 2, 2) weight with plane norms 2, 0, 5 and 0.5.
at::Tensor Weight() { return D({1, 1, 1, 1, 0, 0, 0, 0, 3, 0, 0, 4, 0, 0, 0, -0.5}, {2, 2, 2, 2}); }

TEST(PlanePenaltiesTest, WeightGroupLassoByHand) {
  const at::Tensor w = Weight();
  EXPECT_TRUE(PlaneNorms(w).equal(D({2, 0, 5, 0.5}, {2, 2})));
  EXPECT_DOUBLE_EQ(WeightPlaneGroupLasso(w).item<double>(), 7.5);
  // The same planes stored as (P, kh, kw).
  EXPECT_DOUBLE_EQ(WeightPlaneGroupLasso(w.view({4, 2, 2})).item<double>(), 7.5);
}

TEST(PlanePenaltiesTest, ActivationGroupLassoByHandIsPerSample) {
  // (2, 2, 1, 2): plane norms 5, 0 (sample 0) and 1, 2 (sample 1); 8 / N = 4.
  const at::Tensor a = D({3, 4, 0, 0, 1, 0, 0, -2}, {2, 2, 1, 2});
  EXPECT_DOUBLE_EQ(ActivationPlaneGroupLasso(a).item<double>(), 4.0);
  const PlaneSparseTensor sparse = PlaneSparseFromDense(a);
  EXPECT_EQ(sparse.nnz(), 3);
  EXPECT_DOUBLE_EQ(ActivationPlaneGroupLasso(sparse).item<double>(), 4.0);
}

TEST(PlanePenaltiesTest, GradientsMatchFiniteDifferences) {
  at::manual_seed(2);
  const at::Tensor w = at::randn({3, 2, 3, 3}, at::kDouble);
  const ScalarFunction weight = [](const at::Tensor& v) { return WeightPlaneGroupLasso(v); };
  EXPECT_TRUE(AnalyticGradient(weight, w).allclose(NumericGradient(weight, w), 1e-6, 1e-8));
  // d/dW ||W||_F = W / ||W||_F, plane by plane.
  EXPECT_TRUE(
      AnalyticGradient(weight, w).allclose(w / PlaneNorms(w).view({3, 2, 1, 1}), 1e-12, 1e-12));

  const at::Tensor a = at::randn({2, 3, 2, 3}, at::kDouble);
  const ScalarFunction act = [](const at::Tensor& v) { return ActivationPlaneGroupLasso(v); };
  EXPECT_TRUE(AnalyticGradient(act, a).allclose(NumericGradient(act, a), 1e-6, 1e-8));
}

// At an all-zero plane the gradient is 0 (no NaN), as the central difference
// of a norm at 0 is; the other planes keep W / ||W||.
TEST(PlanePenaltiesTest, ZeroPlanesGetAZeroGradientAndNoNaN) {
  const at::Tensor w = Weight();
  const ScalarFunction weight = [](const at::Tensor& v) { return WeightPlaneGroupLasso(v); };
  const at::Tensor g = AnalyticGradient(weight, w);
  EXPECT_FALSE(g.isnan().any().item<bool>());
  EXPECT_TRUE(g[0][1].equal(at::zeros({2, 2}, at::kDouble)));
  EXPECT_TRUE(g[1][0].allclose(D({0.6, 0, 0, 0.8}, {2, 2})));
  EXPECT_TRUE(g[1][1].allclose(D({0, 0, 0, -1}, {2, 2})));
  EXPECT_TRUE(g.allclose(NumericGradient(weight, w), 1e-6, 1e-8));

  at::Tensor a = at::zeros({2, 3, 2, 2}, at::kDouble);
  a[1][2] = D({1, -2, 2, 0}, {2, 2});
  const ScalarFunction act = [](const at::Tensor& v) { return ActivationPlaneGroupLasso(v); };
  const at::Tensor ga = AnalyticGradient(act, a);
  EXPECT_FALSE(ga.isnan().any().item<bool>());
  EXPECT_EQ(ga.ne(0).sum().item<int64_t>(), 3);  // the three nonzero entries of a[1][2]
  EXPECT_TRUE(ga[1][2].allclose(D({1, -2, 2, 0}, {2, 2}) / (3.0 * 2)));  // / ||.|| / N
  // Entirely zero: value 0, gradient 0.
  const at::Tensor zero = at::zeros({2, 2, 3, 3}, at::kDouble);
  EXPECT_EQ(WeightPlaneGroupLasso(zero).item<double>(), 0.0);
  EXPECT_TRUE(AnalyticGradient(weight, zero).equal(zero));
}

TEST(PlanePenaltiesTest, ReachesPlaneSparseConvStoredPlanes) {
  at::manual_seed(4);
  PlaneSparseConv2d conv(PlaneSparseConv2dOptions(3, 2, 3).pairs(
      at::tensor({0, 0, 0, 2, 1, 1}, at::kLong).view({3, 2})));
  conv->to(at::kDouble);
  EXPECT_NEAR(WeightPlaneGroupLasso(conv->weight).item<double>(),
              WeightPlaneGroupLasso(conv->dense_weight()).item<double>(), 1e-12);
  WeightPlaneGroupLasso(conv->weight).backward();
  EXPECT_TRUE(conv->weight.grad().allclose(
      conv->weight.detach() / PlaneNorms(conv->weight.detach()).view({3, 1, 1}), 1e-12, 1e-12));
}

TEST(PlanePenaltiesTest, BadShapesAreClearErrors) {
  ExpectErrorNaming(
      [] {
        WeightPlaneGroupLasso(at::zeros({3, 3}));
      },
      "expected a (C_out, C_in, kh, kw) conv weight");
  ExpectErrorNaming(
      [] {
        ActivationPlaneGroupLasso(at::zeros({2, 3, 4}));
      },
      "expected a (N, C, H, W) feature map");
  ExpectErrorNaming([] { ActivationPlaneGroupLasso(at::zeros({0, 3, 2, 2})); }, "N > 0");
  ExpectErrorNaming([] { PlaneNorms(at::zeros({2, 3, 0})); }, "are empty");
  ExpectErrorNaming([] { PlaneNorms(at::zeros({2, 3, 2}, at::kLong)); }, "floating");
}

}  // namespace
}  // namespace sparselab
