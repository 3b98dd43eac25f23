#include <cmath>

#include "experiments/sparse_feature_maps/canvas.h"
#include "experiments/sparse_feature_maps/dreams.h"
#include "experiments/sparse_feature_maps/models.h"
#include "gtest/gtest.h"

namespace sparselab::sparse_feature_maps {
namespace {

TEST(CentreOfMassTest, HandComputed) {
  at::Tensor m = at::zeros({4, 5});
  m[1][1] = 1;
  m[3][4] = 3;  // rows (1 + 9) / 4 = 2.5, columns (1 + 12) / 4 = 3.25
  const at::Tensor c = CentreOfMass(m);
  EXPECT_DOUBLE_EQ(c[0].item<double>(), 2.5);
  EXPECT_DOUBLE_EQ(c[1].item<double>(), 3.25);
  const at::Tensor empty = CentreOfMass(at::zeros({4, 5}));
  EXPECT_DOUBLE_EQ(empty[0].item<double>(), 1.5);
  EXPECT_DOUBLE_EQ(empty[1].item<double>(), 2.0);
}

TEST(PlaceOnCanvasTest, PastesEachItemWholeAndRecordsItsCentre) {
  Dataset items;
  items.inputs = at::rand({6, 1, 5, 4});
  items.targets = at::arange(6, at::kLong);
  absl::StatusOr<CanvasData> c = PlaceOnCanvas(items, 5, 12, 7);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->data.inputs.sizes(), (at::IntArrayRef{5, 1, 12, 12}));
  EXPECT_TRUE(at::equal(c->data.targets, at::arange(5, at::kLong)));
  for (int64_t i = 0; i < 5; ++i) {
    // The canvas holds exactly the item's pixels (its sum), and the canvas's
    // own centre of mass is the recorded one.
    EXPECT_NEAR(c->data.inputs[i].sum().item<double>(), items.inputs[i].sum().item<double>(), 1e-4);
    const at::Tensor com = CentreOfMass(c->data.inputs[i][0]);
    EXPECT_NEAR(com[0].item<double>(), c->centre[i][0].item<double>(), 1e-4);
    EXPECT_NEAR(com[1].item<double>(), c->centre[i][1].item<double>(), 1e-4);
  }
  EXPECT_FALSE(PlaceOnCanvas(items, 7, 12, 7).ok());  // more than the set
  EXPECT_FALSE(PlaceOnCanvas(items, 5, 4, 7).ok());   // canvas smaller than an item
}

TEST(PlaneMapNetTest, LogitsAreTheClassPlanesMaximaAndAtMostKPlanesWin) {
  torch::manual_seed(3);
  PlaneMapNet net(PlaneNetOptions().planes(40).width(4).percent_on(0.1));  // k = 4
  const at::Tensor x = at::rand({3, 1, 28, 28});
  const at::Tensor maps = net->maps(x);
  ASSERT_EQ(maps.sizes(), (at::IntArrayRef{3, 40, 7, 7}));
  const at::Tensor kept = (maps.pow(2).sum({2, 3}) > 0).sum(1);
  EXPECT_LE(kept.max().item<int64_t>(), 4);
  EXPECT_TRUE(at::allclose(net->logits(maps), maps.narrow(1, 0, 10).amax({2, 3})));
  EXPECT_THROW(PlaneMapNet(PlaneNetOptions().planes(10)), c10::Error);  // no unassigned plane
  DenseTwin twin(PlaneNetOptions().planes(40).width(4));
  EXPECT_EQ(twin->forward(x).sizes(), (at::IntArrayRef{3, 10}));
}

TEST(TotalVariationTest, HandComputed) {
  // [[0, 1], [3, 3]]: vertical |3 - 0| + |3 - 1| = 5, horizontal 1 + 0 = 1; / 4 pixels.
  const at::Tensor x = at::tensor({0.0f, 1.0f, 3.0f, 3.0f}).reshape({1, 1, 2, 2});
  EXPECT_NEAR(TotalVariation(x).item<double>(), 6.0 / 4.0, 1e-6);
}

TEST(DreamTest, RaisesTheObjectiveWhereItLooks) {
  // Maximise the mean of a 3 x 3 window at (9, 4) of a 16 x 16 input: the
  // dream is bright there and dark elsewhere (L2 and TV pull the rest down).
  auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
  const at::Tensor d =
      Dream([](const at::Tensor& x) { return x[0][0].slice(0, 8, 11).slice(1, 3, 6).mean(); }, 16,
            DreamOptions().steps(100).jitter(0).tv(0.01).l2(0.1), gen);
  ASSERT_EQ(d.sizes(), (at::IntArrayRef{16, 16}));
  EXPECT_GT(d[9][4].item<double>(), 0.9);
  EXPECT_LT(d.mean().item<double>(), 0.2);
  const at::Tensor com = CentreOfMass(at::relu(d - d.median()));
  EXPECT_NEAR(com[0].item<double>(), 9.0, 1.0);
  EXPECT_NEAR(com[1].item<double>(), 4.0, 1.0);
}

}  // namespace
}  // namespace sparselab::sparse_feature_maps
