#include "lib/restoration/png_folder.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <stb/stb_image_write.h>

#include "gtest/gtest.h"
#include "lib/base/file_io.h"

namespace sparselab {
namespace {

std::string Folder(const std::string& name) {
  const char* t = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(t ? t : "/tmp") + "/" + name;
  EXPECT_TRUE(MakeDirs(path).ok());
  return path;
}

// A w x h image with channel value (17 x + 29 y + 71 c) mod 256.
std::vector<unsigned char> Pixels(int w, int h, int channels) {
  std::vector<unsigned char> p;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < channels; ++c) p.push_back((17 * x + 29 * y + 71 * c) % 256);
    }
  }
  return p;
}

float Value(int x, int y, int c) {
  return static_cast<float>(((17 * x + 29 * y + 71 * c) % 256) / 255.0);
}

TEST(ReadImageFolderTest, ReadsSortedGrayAndColour) {
  const std::string dir = Folder("mixed");
  // Written out of order; a text file and a sub-folder are skipped.
  ASSERT_NE(stbi_write_png((dir + "/b.png").c_str(), 4, 3, 3, Pixels(4, 3, 3).data(), 12), 0);
  ASSERT_NE(stbi_write_png((dir + "/a.PNG").c_str(), 5, 2, 1, Pixels(5, 2, 1).data(), 5), 0);
  ASSERT_NE(stbi_write_jpg((dir + "/c.jpg").c_str(), 8, 8, 3, Pixels(8, 8, 3).data(), 95), 0);
  std::ofstream(dir + "/notes.txt") << "not an image";
  ASSERT_TRUE(MakeDirs(dir + "/sub.png").ok());

  const auto gray = ReadImageFolder(dir);
  ASSERT_TRUE(gray.ok()) << gray.status();
  ASSERT_EQ(gray->size(), 3u);
  EXPECT_EQ((*gray)[0].name, "a.PNG");
  EXPECT_EQ((*gray)[1].name, "b.png");
  EXPECT_EQ((*gray)[2].name, "c.jpg");
  EXPECT_EQ((*gray)[0].image.sizes(), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ((*gray)[1].image.sizes(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ((*gray)[2].image.sizes(), (std::vector<int64_t>{8, 8}));
  EXPECT_EQ((*gray)[0].image[1][3].item<float>(), Value(3, 1, 0));  // exact: a gray PNG
  // b: BT.601 luminance of its RGB values.
  const double lum = 0.299 * Value(2, 1, 0) + 0.587 * Value(2, 1, 1) + 0.114 * Value(2, 1, 2);
  EXPECT_NEAR((*gray)[1].image[1][2].item<double>(), lum, 1e-6);

  ImageFolderOptions colour;
  colour.color = true;
  const auto rgb = ReadImageFolder(dir, colour);
  ASSERT_TRUE(rgb.ok()) << rgb.status();
  ASSERT_EQ((*rgb)[1].image.sizes(), (std::vector<int64_t>{3, 3, 4}));
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 3; ++y) {
      for (int x = 0; x < 4; ++x) EXPECT_EQ((*rgb)[1].image[c][y][x].item<float>(), Value(x, y, c));
    }
  }
  // A gray file in colour: its one channel three times.
  ASSERT_EQ((*rgb)[0].image.sizes(), (std::vector<int64_t>{3, 2, 5}));
  EXPECT_TRUE((*rgb)[0].image[2].equal((*gray)[0].image));
  EXPECT_TRUE((*rgb)[0].image[0].equal((*gray)[0].image));
}

TEST(ReadImageFolderTest, ClearErrors) {
  const auto missing = ReadImageFolder(Folder("x") + "/absent");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_NE(missing.status().message().find("does not exist"), std::string::npos);

  const std::string empty = Folder("empty");
  std::ofstream(empty + "/readme.txt") << "no images here";
  const auto none = ReadImageFolder(empty);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("holds no .png"), std::string::npos);

  const auto file = ReadImageFolder(empty + "/readme.txt");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("is not a folder"), std::string::npos);

  const std::string bad = Folder("bad");
  ASSERT_NE(stbi_write_png((bad + "/a.png").c_str(), 2, 2, 1, Pixels(2, 2, 1).data(), 2), 0);
  std::ofstream(bad + "/b.png") << "truncated";
  const auto broken = ReadImageFolder(bad);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find(bad + "/b.png"), std::string::npos);
}

}  // namespace
}  // namespace sparselab
