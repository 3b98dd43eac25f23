#include "lib/data/image_patches.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <stb/stb_image_write.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

std::string Tmp(const std::string& name) {
  const char* t = std::getenv("TEST_TMPDIR");
  return std::string(t ? t : "/tmp") + "/" + name;
}

TEST(ReadGrayImageTest, PngChannelsBecomeBt601Luminance) {
  // 2 x 3 RGB pixels with distinct values.
  std::vector<unsigned char> rgb = {10, 200, 30, 255, 0, 0,  0, 255, 0,
                                    0, 0, 255, 90, 90, 90, 1, 2, 3};
  ASSERT_NE(stbi_write_png(Tmp("rgb.png").c_str(), 3, 2, 3, rgb.data(), 9), 0);
  auto im = ReadGrayImage(Tmp("rgb.png"));
  ASSERT_TRUE(im.ok()) << im.status();
  ASSERT_EQ(im->sizes(), (std::vector<int64_t>{2, 3}));
  for (int i = 0; i < 6; ++i) {
    const double expected = (0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]) / 255;
    EXPECT_NEAR((*im)[i / 3][i % 3].item<double>(), expected, 1e-6) << i;
  }
  // Gray + alpha: the alpha is ignored.
  std::vector<unsigned char> ga = {50, 255, 100, 0};
  ASSERT_NE(stbi_write_png(Tmp("ga.png").c_str(), 2, 1, 2, ga.data(), 4), 0);
  auto g = ReadGrayImage(Tmp("ga.png"));
  ASSERT_TRUE(g.ok());
  EXPECT_NEAR((*g)[0][1].item<double>(), 100.0 / 255, 1e-6);
}

TEST(ReadImageTest, KeepsChannelsAndDropsAlpha) {
  std::vector<unsigned char> rgba = {10, 200, 30, 7, 255, 0, 0, 9};  // 1 x 2 RGBA
  ASSERT_NE(stbi_write_png(Tmp("rgba.png").c_str(), 2, 1, 4, rgba.data(), 8), 0);
  auto im = ReadImage(Tmp("rgba.png"));
  ASSERT_TRUE(im.ok()) << im.status();
  ASSERT_EQ(im->sizes(), (std::vector<int64_t>{3, 1, 2}));
  for (int c = 0; c < 3; ++c) {
    for (int x = 0; x < 2; ++x) {
      EXPECT_EQ((*im)[c][0][x].item<float>(), static_cast<float>(rgba[4 * x + c] / 255.0));
    }
  }
  std::vector<unsigned char> gray = {0, 51, 255};
  ASSERT_NE(stbi_write_png(Tmp("gray.png").c_str(), 3, 1, 1, gray.data(), 3), 0);
  EXPECT_EQ(ReadImage(Tmp("gray.png"))->sizes(), (std::vector<int64_t>{1, 1, 3}));
}

TEST(ReadGrayImageTest, ReadsJpegAndNamesBadFiles) {
  std::vector<unsigned char> flat(16 * 16 * 3, 128);
  ASSERT_NE(stbi_write_jpg(Tmp("flat.jpg").c_str(), 16, 16, 3, flat.data(), 95), 0);
  auto im = ReadGrayImage(Tmp("flat.jpg"));
  ASSERT_TRUE(im.ok()) << im.status();
  EXPECT_NEAR(im->mean().item<double>(), 128.0 / 255, 2.0 / 255);
  std::ofstream(Tmp("junk.png")) << "not an image";
  auto bad = ReadGrayImage(Tmp("junk.png"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cannot read image '" + Tmp("junk.png") + "'"),
            std::string::npos);
  auto missing = LoadGrayImages({"nope.png"}, Tmp(""));
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_NE(missing.status().message().find("run ./setup.sh"), std::string::npos);
}

// A sinusoid on an FFT bin passes the filter scaled by R(f) = f exp(-(f/f0)^4).
TEST(OlshausenWhitenTest, ScalesEachFrequencyByTheFilter) {
  const int64_t h = 32, w = 64;
  const at::Tensor y = at::arange(h, at::kDouble).unsqueeze(1);
  const at::Tensor x = at::arange(w, at::kDouble).unsqueeze(0);
  for (auto [kx, ky] : std::vector<std::pair<int, int>>{{3, 5}, {20, 1}, {0, 12}}) {
    const double fx = static_cast<double>(kx) / w, fy = static_cast<double>(ky) / h;
    const at::Tensor im = at::cos(2 * M_PI * (fx * x + fy * y)) + 7.0;  // + a mean
    const double f = std::sqrt(fx * fx + fy * fy);
    const double gain = f * std::exp(-std::pow(f / 0.4, 4));
    const at::Tensor out = OlshausenWhiten(im, 0.4);
    EXPECT_LT((out - gain * (im - 7.0)).abs().max().item<double>(), 1e-10) << kx << "," << ky;
    // Without the low-pass the gain is f.
    EXPECT_LT((OlshausenWhiten(im, 0) - f * (im - 7.0)).abs().max().item<double>(), 1e-10);
  }
  EXPECT_LT(OlshausenWhiten(at::full({8, 8}, 3.0)).abs().max().item<double>(), 1e-12);
}

TEST(ScaleToVarianceTest, ZeroMeanAndTheVariance) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  const at::Tensor im = ScaleToVariance(3 + 2 * at::randn({20, 30}, gen, at::kDouble), 0.1);
  EXPECT_NEAR(im.mean().item<double>(), 0, 1e-12);
  EXPECT_NEAR(im.pow(2).mean().item<double>(), 0.1, 1e-12);
}

TEST(PatchesTest, PatchesAreBlocksInsideTheBorder) {
  // Pixel value 1000 r + c tells where a patch came from.
  const int64_t h = 20, w = 30;
  const at::Tensor im = at::arange(h, at::kDouble).unsqueeze(1) * 1000 + at::arange(w, at::kDouble);
  PatchOptions o;
  o.size = 5;
  o.border = 3;
  o.subtract_mean = false;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(2);
  auto p = PatchesPerImage({im, im}, 400, o, gen);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->sizes(), (std::vector<int64_t>{800, 25}));
  int64_t min_r = h, max_r = 0, min_c = w, max_c = 0;
  for (int64_t i = 0; i < 800; ++i) {
    const int64_t first = static_cast<int64_t>((*p)[i][0].item<double>());
    const int64_t r = first / 1000, c = first % 1000;
    min_r = std::min(min_r, r); max_r = std::max(max_r, r);
    min_c = std::min(min_c, c); max_c = std::max(max_c, c);
    ASSERT_TRUE((*p)[i].view({5, 5}).equal(im.narrow(0, r, 5).narrow(1, c, 5))) << i;
  }
  // Every allowed corner row/column is reached, none outside the border.
  EXPECT_EQ(min_r, 3);
  EXPECT_EQ(max_r, h - 3 - 5);
  EXPECT_EQ(min_c, 3);
  EXPECT_EQ(max_c, w - 3 - 5);
  o.subtract_mean = true;
  auto centred = RandomPatches({im}, 50, o, gen);
  ASSERT_TRUE(centred.ok());
  EXPECT_LT(centred->mean(1).abs().max().item<double>(), 1e-9);
  o.size = 15;
  auto too_big = PatchesPerImage({im}, 1, o, gen);
  EXPECT_NE(too_big.status().message().find("too small for 15x15 patches with a border of 3"),
            std::string::npos);
}

TEST(MaxNormalizeTest, DividesByTheLargestMagnitude) {
  const at::Tensor p = at::tensor({1.0, -4.0, 2.0, 0.0, 0.0, 0.0}, at::kDouble).view({2, 3});
  EXPECT_TRUE(MaxNormalize(p).equal(at::tensor({0.25, -1.0, 0.5, 0.0, 0.0, 0.0}, at::kDouble).view({2, 3})));
}

TEST(ZcaWhiteningTest, WhitenedCovarianceIsTheIdentity) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
  const at::Tensor mix = at::randn({6, 6}, gen, at::kDouble);
  const at::Tensor x = at::randn({20000, 6}, gen, at::kDouble).mm(mix) + 5;
  const ZcaWhitening z = ZcaWhitening::Fit(x, 1e-9);
  const at::Tensor y = z.Apply(x);
  const at::Tensor cov = (y - y.mean(0)).t().mm(y - y.mean(0)) / (y.size(0) - 1);
  EXPECT_LT((cov - at::eye(6, at::kDouble)).abs().max().item<double>(), 1e-6);
  EXPECT_TRUE(at::allclose(z.transform, z.transform.t()));
}

TEST(LoadCifar10GrayImagesTest, GrayFromTheThreePlanes) {
  std::string rec(1, static_cast<char>(4));
  for (int ch = 0; ch < 3; ++ch) {
    for (int i = 0; i < 1024; ++i) rec.push_back(static_cast<char>(ch == 0 ? 200 : ch == 1 ? 100 : 50));
  }
  std::ofstream(Tmp("c.bin"), std::ios::binary) << rec << rec;
  auto images = LoadCifar10GrayImages({Tmp("c.bin")}, 1);
  ASSERT_TRUE(images.ok()) << images.status();
  ASSERT_EQ(images->size(), 1u);
  EXPECT_EQ((*images)[0].sizes(), (std::vector<int64_t>{32, 32}));
  EXPECT_NEAR((*images)[0][7][9].item<double>(), (0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255, 1e-6);
}

}  // namespace
}  // namespace sparselab
