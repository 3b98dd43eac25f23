#include "experiments/denoising/crops.h"

#include "gtest/gtest.h"

namespace sparselab::denoising {
namespace {

TEST(CentralCropTest, TakesTheMiddleWindowAndAllOfAShortSide) {
  const at::Tensor image = at::arange(6 * 5, at::kFloat).reshape({6, 5});
  const at::Tensor c = CentralCrop(image, 4);
  ASSERT_EQ(c.sizes(), (at::IntArrayRef{4, 4}));
  // top = (6 - 4) / 2 = 1, left = (5 - 4) / 2 = 0: the first cell is image[1][0] = 5.
  EXPECT_EQ(c[0][0].item<float>(), 5.0f);
  EXPECT_EQ(c[3][3].item<float>(), 4 * 5 + 3);
  EXPECT_EQ(CentralCrop(image, 8).sizes(), (at::IntArrayRef{6, 5}));
}

TEST(EncodeCropTest, RoundTripsToEightBits) {
  const at::Tensor image = at::tensor({0.0f, 0.5f, 1.0f, 1.7f, -0.2f, 0.25f}).reshape({2, 3});
  const nlohmann::json j = EncodeCrop(image);
  EXPECT_EQ(j["height"], 2);
  EXPECT_EQ(j["width"], 3);
  absl::StatusOr<at::Tensor> back = DecodeCrop(j, "test");
  ASSERT_TRUE(back.ok()) << back.status();
  // round(255 x) / 255, the out-of-range values clamped.
  const at::Tensor expected =
      at::tensor({0.0f, 128.0f, 255.0f, 255.0f, 0.0f, 64.0f}).reshape({2, 3}) / 255;
  EXPECT_TRUE(at::allclose(*back, expected, 0, 1e-7)) << *back;
}

TEST(DecodeCropTest, NamesADamagedRecord) {
  nlohmann::json j = EncodeCrop(at::zeros({2, 2}));
  j["width"] = 3;  // 4 pixels stored, 6 claimed
  absl::StatusOr<at::Tensor> r = DecodeCrop(j, "ksvd/sigma=25 camera.png");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("ksvd/sigma=25 camera.png"), std::string::npos);
  EXPECT_NE(r.status().message().find("not 2 x 3"), std::string::npos);
  EXPECT_FALSE(DecodeCrop({{"height", 2}, {"width", 2}, {"pixels", "!!"}}, "x").ok());
  EXPECT_FALSE(DecodeCrop(nlohmann::json::array(), "x").ok());
}

TEST(WriteCropGridTest, RejectsColumnsOfDifferentLengths) {
  const std::vector<CropColumn> columns = {{"a", {at::zeros({2, 2}), at::zeros({2, 2})}},
                                           {"b", {at::zeros({2, 2})}}};
  EXPECT_FALSE(WriteCropGrid(::testing::TempDir() + "/g.png", columns).ok());
  EXPECT_FALSE(WriteCropGrid(::testing::TempDir() + "/g.png", {}).ok());
}

}  // namespace
}  // namespace sparselab::denoising
