#include "lib/nn/plane_sparse_conv.h"

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <c10/util/Exception.h>
#include <torch/serialize.h>

#include "gtest/gtest.h"
#include "lib/nn/test_helpers.h"
#include "lib/nn/gradient_check.h"

namespace sparselab {
namespace {

using ::sparselab::testing::TempPath;
using ::sparselab::testing::ExpectErrorNaming;

// A (batch, c, h, w) double input whose planes are zero with probability 0.3.
at::Tensor SparseInput(int64_t batch, int64_t c, int64_t h, int64_t w) {
  const at::Tensor keep = at::rand({batch, c, 1, 1}, at::kDouble).lt(0.7);
  return at::randn({batch, c, h, w}, at::kDouble) * keep;
}

// About 60 % of the (out, in) pairs.
at::Tensor RandomPairs(int64_t cout, int64_t cin) {
  const at::Tensor keep = at::rand({cout, cin}).lt(0.6);
  return keep.nonzero();
}

PlaneIndex RandomOutputs(int64_t batch, int64_t cout) {
  return PlaneIndexFromMask(at::rand({batch, cout}).lt(0.4));
}

// (batch, C_out, 1, 1) 0/1 mask of the requested output planes.
at::Tensor OutputMask(const PlaneIndex& outputs) {
  at::Tensor mask = at::zeros({outputs.batch() * outputs.channels}, at::kDouble);
  mask.index_fill_(0, FlatPlaneRows(outputs), 1);
  return mask.view({outputs.batch(), outputs.channels, 1, 1});
}

struct Geometry {
  int64_t stride, padding, dilation;
  PlaneGather gather;
  bool bias;
};

class PlaneSparseConvEqualsDense : public ::testing::TestWithParam<Geometry> {};

// The requested planes equal torch's dense conv with the same zero planes in
// the input and weight; the gradients of a loss of them equal the dense ones
// at the active input planes and the stored weight planes.
TEST_P(PlaneSparseConvEqualsDense, ValuesAndGradients) {
  const Geometry g = GetParam();
  at::manual_seed(7);
  const int64_t batch = 3, cin = 5, cout = 6;
  PlaneSparseConv2d conv(PlaneSparseConv2dOptions(cin, cout, {3, 2})
                             .stride(g.stride)
                             .padding(g.padding)
                             .dilation(g.dilation)
                             .bias(g.bias)
                             .gather(g.gather)
                             .pairs(RandomPairs(cout, cin)));
  conv->to(at::kDouble);
  const at::Tensor x = SparseInput(batch, cin, 7, 6);
  const PlaneIndex outputs = RandomOutputs(batch, cout);
  const PlaneSparseTensor in = PlaneSparseFromDense(x);
  const at::Tensor in_values = in.values.detach().requires_grad_();
  const PlaneSparseTensor y = conv->forward(MakePlaneSparse(in.index, in_values), outputs);

  const at::Tensor xd = x.clone().requires_grad_();
  const at::Tensor wd = conv->dense_weight().detach().requires_grad_();
  at::Tensor bd;
  if (g.bias) bd = conv->bias.detach().clone().requires_grad_();
  const at::Tensor mask = OutputMask(outputs);
  const at::Tensor dense = at::conv2d(xd, wd, bd, g.stride, g.padding, g.dilation) * mask;
  ASSERT_EQ(y.to_dense().sizes(), dense.sizes());
  EXPECT_TRUE(at::allclose(y.to_dense(), dense, 0, 1e-12));
  EXPECT_GT(y.values.abs().sum().item<double>(), 1);  // not a trivially zero case

  const at::Tensor upstream = at::randn(dense.sizes(), at::kDouble);
  (dense * upstream).sum().backward();
  (y.to_dense() * upstream).sum().backward();
  // Input: the active planes get the dense gradient.
  EXPECT_TRUE(
      at::allclose(in_values.grad(), PlaneSparseFromDense(xd.grad(), in.index).values, 0, 1e-12));
  // Weight: the stored planes get the dense gradient, and only they exist.
  const at::Tensor pairs = conv->pairs();
  const at::Tensor rows = pairs.select(1, 0) * cin + pairs.select(1, 1);
  EXPECT_TRUE(at::allclose(conv->weight.grad(),
                           wd.grad().reshape({cout * cin, 3, 2}).index_select(0, rows), 0, 1e-12));
  if (g.bias) {
    EXPECT_TRUE(at::allclose(conv->bias.grad(), bd.grad(), 0, 1e-12));
  }
}

INSTANTIATE_TEST_SUITE_P(Geometries, PlaneSparseConvEqualsDense,
                         ::testing::Values(Geometry{1, 0, 1, PlaneGather::kPerSample, false},
                                           Geometry{1, 1, 1, PlaneGather::kBatchUnion, false},
                                           Geometry{2, 1, 1, PlaneGather::kPerSample, true},
                                           Geometry{2, 1, 1, PlaneGather::kBatchUnion, true},
                                           Geometry{1, 2, 2, PlaneGather::kPerSample, false},
                                           Geometry{1, 2, 2, PlaneGather::kBatchUnion, false}));

// Autograd's gradient in the stored planes against central differences.
TEST(PlaneSparseConvTest, WeightGradientMatchesFiniteDifferences) {
  at::manual_seed(3);
  PlaneSparseConv2d conv(PlaneSparseConv2dOptions(3, 4, 2).padding(1).pairs(RandomPairs(4, 3)));
  conv->to(at::kDouble);
  const PlaneSparseTensor x = PlaneSparseFromDense(SparseInput(2, 3, 3, 3));
  const PlaneIndex outputs = MakePlaneIndex({{0, 1, 3}, {2, 3}}, 4);
  const at::Tensor upstream = at::randn({5, 4, 4}, at::kDouble);
  const at::Tensor start = conv->weight.detach().clone();
  const testing::ScalarFunction f = [&](const at::Tensor& w) {
    PlaneSparseConv2d copy(conv->options);
    copy->to(at::kDouble);
    copy->weight.set_data(w);
    const at::Tensor y = copy->forward(x, outputs).values;
    return (y * y * upstream).sum();
  };
  const at::Tensor analytic = [&] {
    const at::Tensor y = conv->forward(x, outputs).values;
    (y * y * upstream).sum().backward();
    return conv->weight.grad();
  }();
  EXPECT_TRUE(at::allclose(analytic, testing::NumericGradient(f, start), 1e-6, 1e-8));
}

TEST(PlaneSparseConvTest, StoresOnlyTheGivenPlanesAndTheirBytes) {
  const at::Tensor pairs = at::tensor({2, 0, 0, 1, 2, 1}, at::kLong).view({3, 2});
  PlaneSparseConv2d conv(PlaneSparseConv2dOptions(2, 3, 3).pairs(pairs));
  conv->to(at::kDouble);
  EXPECT_EQ(conv->num_pairs(), 3);
  EXPECT_TRUE(conv->pairs().equal(at::tensor({0, 1, 2, 0, 2, 1}, at::kLong).view({3, 2})));
  EXPECT_TRUE(conv->weight_rows.equal(at::tensor({0, 2}, at::kLong)));
  EXPECT_TRUE(conv->weight_row_offsets.equal(at::tensor({0, 1, 3}, at::kLong)));
  // 3 planes of 9 doubles; rows (2), row offsets (3), inputs (3) as int64.
  EXPECT_EQ(conv->bytes(), 3 * 9 * 8 + (2 + 3 + 3) * 8);
  const at::Tensor dense = conv->dense_weight();
  EXPECT_EQ(dense[1].abs().sum().item<double>(), 0);
  EXPECT_EQ(dense[0][0].abs().sum().item<double>(), 0);
  EXPECT_TRUE(dense[2][1].equal(conv->weight[2]));
}

TEST(PlaneSparseConvTest, DenseWeightRoundTripAndDroppingZeroPlanes) {
  PlaneSparseConv2d conv(PlaneSparseConv2dOptions(3, 2, 2));
  conv->to(at::kDouble);
  at::Tensor dense = at::randn({2, 3, 2, 2}, at::kDouble);
  dense[0][1].zero_();
  dense[1][2].zero_();
  conv->set_dense_weight(dense);
  EXPECT_EQ(conv->num_pairs(), 4);
  EXPECT_TRUE(conv->dense_weight().equal(dense));
  {
    at::NoGradGuard no_grad;
    conv->weight[0].zero_();  // the plane (0, 0)
  }
  conv->drop_zero_planes();
  EXPECT_EQ(conv->num_pairs(), 3);
  dense[0][0].zero_();
  EXPECT_TRUE(conv->dense_weight().equal(dense));
}

TEST(PlaneSparseConvTest, SavesAndLoadsThePlanesAndPairs) {
  PlaneSparseConv2d conv(PlaneSparseConv2dOptions(3, 4, 3).pairs(RandomPairs(4, 3)).bias(true));
  const std::string path = TempPath("plane_sparse_conv.pt");
  torch::save(conv, path);
  PlaneSparseConv2d loaded(PlaneSparseConv2dOptions(3, 4, 3).bias(true));
  torch::load(loaded, path);
  EXPECT_TRUE(loaded->pairs().equal(conv->pairs()));
  EXPECT_TRUE(loaded->dense_weight().equal(conv->dense_weight()));
  EXPECT_TRUE(loaded->bias.equal(conv->bias));
}

TEST(PlaneSparseConvTest, OutputsWithoutStoredPlanesAreZeroAndEmptySamplesWork) {
  const at::Tensor pairs = at::tensor({0, 0}, at::kLong).view({1, 2});
  for (PlaneGather gather : {PlaneGather::kPerSample, PlaneGather::kBatchUnion}) {
    PlaneSparseConv2d conv(PlaneSparseConv2dOptions(2, 3, 1).pairs(pairs).gather(gather));
    const PlaneSparseTensor x =
        MakePlaneSparse(MakePlaneIndex({{1}, {0}, {}}, 2), at::ones({2, 2, 2}));
    const PlaneSparseTensor y = conv->forward(x, MakePlaneIndex({{0, 2}, {0}, {1}}, 3));
    ASSERT_EQ(y.values.sizes(), (at::IntArrayRef{4, 2, 2}));
    EXPECT_EQ(y.values[0].abs().sum().item<float>(), 0);  // input plane 1 has no pair
    EXPECT_EQ(y.values[1].abs().sum().item<float>(), 0);  // output 2 has no pair
    EXPECT_TRUE(y.values[2].equal(at::full({2, 2}, conv->weight[0][0][0].item<float>())));
    EXPECT_EQ(y.values[3].abs().sum().item<float>(), 0);  // empty sample
    // With no stored plane meeting an input the planes stay on the graph.
    const PlaneSparseTensor none = conv->forward(x, MakePlaneIndex({{1}, {2}, {1}}, 3));
    EXPECT_TRUE(none.values.requires_grad());
    none.values.sum().backward();
    EXPECT_EQ(conv->weight.grad().abs().sum().item<float>(), 0);
  }
}

TEST(PlaneSparseConvTest, BadShapesAndIndicesAreClearErrors) {
  PlaneSparseConv2d conv(PlaneSparseConv2dOptions(3, 4, 3).padding(1));
  const PlaneSparseTensor x = PlaneSparseFromDense(at::randn({2, 3, 5, 5}));
  ExpectErrorNaming(
      [&] {
        conv->forward(PlaneSparseFromDense(at::randn({2, 5, 5, 5})), FullPlaneIndex(2, 4));
      },
      "the input has 5 planes but in_channels = 3");
  ExpectErrorNaming([&] { conv->forward(x, FullPlaneIndex(2, 5)); },
              "over 5 planes but out_channels = 4");
  ExpectErrorNaming([&] { conv->forward(x, FullPlaneIndex(3, 4)); }, "has 3 samples but the input has 2");
  ExpectErrorNaming(
      [&] {
        conv->forward(at::randn({3, 5, 5}), FullPlaneIndex(3, 4));
      },
      "expected a (batch, 3, H, W) input");
  ExpectErrorNaming(
      [&] {
        conv->forward(PlaneSparseFromDense(at::randn({2, 3, 5, 5}, at::kDouble)),
                      FullPlaneIndex(2, 4));
      },
      "the input is Double but the weight is Float");
  ExpectErrorNaming(
      [] {
        PlaneSparseConv2d(
            PlaneSparseConv2dOptions(3, 4, 3).pairs(at::tensor({4, 0}, at::kLong).view({1, 2})));
      },
      "outside [0, 4) x [0, 3)");
  ExpectErrorNaming(
      [] {
        PlaneSparseConv2d(PlaneSparseConv2dOptions(3, 4, 3).pairs(
            at::tensor({1, 2, 1, 2}, at::kLong).view({2, 2})));
      },
      "listed twice");
  ExpectErrorNaming(
      [] {
        PlaneSparseConv2d(PlaneSparseConv2dOptions(3, 4, 3).pairs(at::zeros({2, 3}, at::kLong)));
      },
      "(P, 2)");
  ExpectErrorNaming(
      [] {
        PlaneSparseConv2d conv(PlaneSparseConv2dOptions(3, 4, 7));
        conv->forward(PlaneSparseFromDense(at::randn({1, 3, 5, 5})), FullPlaneIndex(1, 4));
      },
      "smaller than the 7 x 7 kernel");
}

}  // namespace
}  // namespace sparselab
