#include "lib/base/plot.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

std::string Tmp(const std::string& name) { return std::string(std::getenv("TEST_TMPDIR")) + "/" + name; }

// Width and height from a PNG's IHDR chunk (bytes 16..23, big-endian).
std::pair<int, int> PngSize(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 24 || bytes.substr(1, 3) != "PNG") return {-1, -1};
  auto be = [&](int off) {
    return (static_cast<unsigned char>(bytes[off]) << 24) | (static_cast<unsigned char>(bytes[off + 1]) << 16) |
           (static_cast<unsigned char>(bytes[off + 2]) << 8) | static_cast<unsigned char>(bytes[off + 3]);
  };
  return {be(16), be(20)};
}

TEST(WriteImageGridTest, GridGeometry) {
  // 5 images of 4x3 in 2 columns at zoom 2: width 2*(3*2+1)+1 = 15, height 3*(4*2+1)+1 = 28.
  at::Tensor images = at::rand({5, 1, 4, 3});
  ASSERT_TRUE(WriteImageGrid(Tmp("grid.png"), images, 2, 2).ok());
  EXPECT_EQ(PngSize(Tmp("grid.png")), (std::pair<int, int>{15, 28}));
}

TEST(WriteImageGridTest, RejectsBadShapes) {
  EXPECT_FALSE(WriteImageGrid(Tmp("x.png"), at::rand({2, 2, 4, 4}), 2).ok());
  EXPECT_FALSE(WriteImageGrid(Tmp("x.png"), at::rand({4, 4}), 2).ok());
  EXPECT_FALSE(WriteImageGrid(Tmp("x.png"), at::rand({1, 1, 4, 4}), 0).ok());
}

TEST(PlotLinesTest, RendersPngAndKeepsDataAndScript) {
  Series s{"y = x^2", {1, 2, 3}, {1, 4, 9}};
  PlotOptions o;
  o.title = "squares";
  o.width = 320;
  o.height = 200;
  o.log_y = true;
  auto status = PlotLines(Tmp("lines.png"), {s}, o);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(PngSize(Tmp("lines.png")), (std::pair<int, int>{320, 200}));
  std::ifstream data(Tmp("lines.png.dat"));
  std::string all((std::istreambuf_iterator<char>(data)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("3 9\n"), std::string::npos) << all;
  // The script names its files relative to its own folder: no machine path.
  std::ifstream script(Tmp("lines.png.gp"));
  std::string gp((std::istreambuf_iterator<char>(script)), std::istreambuf_iterator<char>());
  EXPECT_EQ(gp.find(std::getenv("TEST_TMPDIR")), std::string::npos) << gp;
  EXPECT_NE(gp.find("set output \"lines.png\""), std::string::npos) << gp;
  EXPECT_NE(gp.find("\"lines.png.dat\" index 0"), std::string::npos) << gp;
}

TEST(PlotLinesTest, MismatchedSeriesIsAnError) {
  Series s{"bad", {1, 2}, {1}};
  EXPECT_FALSE(PlotLines(Tmp("bad.png"), {s}, {}).ok());
  EXPECT_FALSE(PlotLines(Tmp("bad.png"), {}, {}).ok());
}

TEST(PlotHeatmapTest, RendersPng) {
  PlotOptions o;
  o.width = 300;
  o.height = 240;
  ASSERT_TRUE(PlotHeatmap(Tmp("heat.png"), at::rand({10, 20}), o).ok());
  EXPECT_EQ(PngSize(Tmp("heat.png")), (std::pair<int, int>{300, 240}));
  EXPECT_FALSE(PlotHeatmap(Tmp("heat.png"), at::rand({3}), o).ok());
}

}  // namespace
}  // namespace sparselab
