#include "lib/nn/plane_sparse.h"

#include <cstdlib>
#include <functional>
#include <string>

#include <c10/util/Exception.h>
#include <torch/serialize.h>

#include "gtest/gtest.h"
#include "lib/nn/test_helpers.h"

namespace sparselab {
namespace {

using ::sparselab::testing::TempPath;
using ::sparselab::testing::ExpectErrorNaming;

// (2, 3, 2, 2): sample 0 has planes 0 and 2, sample 1 plane 1.
at::Tensor Example() {
  at::Tensor x = at::zeros({2, 3, 2, 2}, at::kDouble);
  x[0][0] = at::tensor({1.0, 2.0, 3.0, 4.0}, at::kDouble).view({2, 2});
  x[0][2][1][0] = -5;
  x[1][1][0][1] = 7;
  return x;
}

TEST(PlaneSparseTest, FromDenseKeepsTheNonzeroPlanesAndRoundTrips) {
  const at::Tensor x = Example();
  const PlaneSparseTensor s = PlaneSparseFromDense(x);
  EXPECT_TRUE(s.index.offsets.equal(at::tensor({0, 2, 3}, at::kLong)));
  EXPECT_TRUE(s.index.planes.equal(at::tensor({0, 2, 1}, at::kLong)));
  EXPECT_EQ(s.values.sizes(), (at::IntArrayRef{3, 2, 2}));
  EXPECT_EQ(s.values[1][1][0].item<double>(), -5);
  EXPECT_TRUE(s.to_dense().equal(x));
  // 3 planes of 4 doubles, 3 offsets and 3 plane numbers of 8 bytes.
  EXPECT_EQ(s.bytes(), 3 * 4 * 8 + (3 + 3) * 8);
}

TEST(PlaneSparseTest, MakePlaneIndexSortsEachSample) {
  const PlaneIndex index = MakePlaneIndex({{4, 1}, {}, {0, 3, 2}}, 5);
  EXPECT_TRUE(index.offsets.equal(at::tensor({0, 2, 2, 5}, at::kLong)));
  EXPECT_TRUE(index.planes.equal(at::tensor({1, 4, 0, 2, 3}, at::kLong)));
  const PlaneIndex fixed =
      PlaneIndexFromIndices(at::tensor({3, 0, 1, 2}, at::kLong).view({2, 2}), 4);
  EXPECT_TRUE(fixed.planes.equal(at::tensor({0, 3, 1, 2}, at::kLong)));
  const PlaneIndex mask = PlaneIndexFromMask(at::tensor({1, 0, 1, 0, 0, 0}).view({2, 3}));
  EXPECT_TRUE(mask.offsets.equal(at::tensor({0, 2, 2}, at::kLong)));
  EXPECT_TRUE(mask.planes.equal(at::tensor({0, 2}, at::kLong)));
  const PlaneIndex full = FullPlaneIndex(2, 3);
  EXPECT_TRUE(full.planes.equal(at::tensor({0, 1, 2, 0, 1, 2}, at::kLong)));
  EXPECT_TRUE(full.offsets.equal(at::tensor({0, 3, 6}, at::kLong)));
}

TEST(PlaneSparseTest, GivenPlanesAreGatheredWithGradients) {
  const at::Tensor x = at::randn({2, 3, 2, 2}, at::kDouble).requires_grad_();
  const PlaneIndex index = MakePlaneIndex({{1}, {0, 2}}, 3);
  const PlaneSparseTensor s = PlaneSparseFromDense(x, index);
  EXPECT_TRUE(s.values[0].equal(x[0][1].detach()));
  EXPECT_TRUE(s.values[2].equal(x[1][2].detach()));
  (s.values * 3).sum().backward();
  at::Tensor expected = at::zeros({2, 3, 2, 2}, at::kDouble);
  expected[0][1].fill_(3);
  expected[1][0].fill_(3);
  expected[1][2].fill_(3);
  EXPECT_TRUE(x.grad().equal(expected));
}

TEST(PlaneSparseTest, ToDenseIsDifferentiable) {
  const at::Tensor values = at::randn({3, 2, 2}, at::kDouble).requires_grad_();
  const PlaneSparseTensor s = MakePlaneSparse(MakePlaneIndex({{0, 2}, {1}}, 3), values);
  const at::Tensor weights = at::randn({2, 3, 2, 2}, at::kDouble);
  (s.to_dense() * weights).sum().backward();
  EXPECT_TRUE(values.grad()[0].equal(weights[0][0]));
  EXPECT_TRUE(values.grad()[1].equal(weights[0][2]));
  EXPECT_TRUE(values.grad()[2].equal(weights[1][1]));
}

TEST(PlaneSparseTest, SavesAndLoads) {
  const PlaneSparseTensor s = PlaneSparseFromDense(Example());
  const std::string path = TempPath("plane_sparse.pt");
  torch::save(s, path);
  PlaneSparseTensor loaded;
  torch::load(loaded, path);
  EXPECT_EQ(loaded.channels(), 3);
  EXPECT_EQ(loaded.height, 2);
  EXPECT_EQ(loaded.width, 2);
  EXPECT_TRUE(loaded.index.planes.equal(s.index.planes));
  EXPECT_TRUE(loaded.to_dense().equal(Example()));
}

TEST(PlaneSparseTest, BadIndicesAndShapesAreClearErrors) {
  ExpectErrorNaming([] { MakePlaneIndex({{0, 3}}, 3); }, "outside [0, 3)");
  ExpectErrorNaming([] { MakePlaneIndex({{-1}}, 3); }, "outside [0, 3)");
  ExpectErrorNaming([] { MakePlaneIndex({{1, 1}}, 3); }, "twice");
  ExpectErrorNaming([] { PlaneIndexFromIndices(at::zeros({4}, at::kLong), 3); }, "(batch, k)");
  ExpectErrorNaming([] { PlaneIndexFromIndices(at::zeros({1, 2}), 3); }, "integers");
  ExpectErrorNaming([] { PlaneSparseFromDense(at::zeros({2, 3, 4})); }, "(batch, C, H, W)");
  ExpectErrorNaming(
      [] {
        MakePlaneSparse(MakePlaneIndex({{0, 1}}, 3), at::zeros({3, 2, 2}));
      },
      "values hold 3 planes but the index names 2");
  ExpectErrorNaming([] { MakePlaneSparse(MakePlaneIndex({{0}}, 3), at::zeros({1, 4})); }, "(nnz, H, W)");
  ExpectErrorNaming(
      [] {
        PlaneSparseFromDense(Example(), MakePlaneIndex({{0}, {1}}, 4));
      },
      "the index is for 2 samples of 4 planes");
  PlaneIndex unsorted;
  unsorted.channels = 3;
  unsorted.offsets = at::tensor({0, 2}, at::kLong);
  unsorted.planes = at::tensor({2, 1}, at::kLong);
  ExpectErrorNaming([&] { CheckPlaneIndex(unsorted); }, "not strictly increasing");
  unsorted.offsets = at::tensor({0, 3}, at::kLong);
  ExpectErrorNaming([&] { CheckPlaneIndex(unsorted); }, "from 0 to nnz");
}

}  // namespace
}  // namespace sparselab
