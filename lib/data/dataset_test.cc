#include "lib/data/dataset.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

std::string Tmp(const std::string& name) { return std::string(std::getenv("TEST_TMPDIR")) + "/" + name; }

void Put32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
}

// Writes an IDX image file of n images of 2x3 pixels (pixel value = 10*i + j)
// and a label file with labels i % 10.
void WriteIdx(const std::string& images, const std::string& labels, uint32_t n,
              uint32_t image_magic = 2051, uint32_t n_labels_header = 0, size_t drop_bytes = 0) {
  std::string img;
  Put32(img, image_magic);
  Put32(img, n);
  Put32(img, 2);
  Put32(img, 3);
  for (uint32_t i = 0; i < n; ++i)
    for (int j = 0; j < 6; ++j) img.push_back(static_cast<char>(10 * i + j));
  img.resize(img.size() - drop_bytes);
  std::ofstream(images, std::ios::binary) << img;
  std::string lab;
  Put32(lab, 2049);
  const uint32_t nl = n_labels_header ? n_labels_header : n;
  Put32(lab, nl);
  for (uint32_t i = 0; i < nl; ++i) lab.push_back(static_cast<char>(i % 10));
  std::ofstream(labels, std::ios::binary) << lab;
}

TEST(ReadIdxTest, ReadsPixelsScaledToUnitRangeAndLabels) {
  WriteIdx(Tmp("a-img"), Tmp("a-lab"), 3);
  auto d = ReadIdx(Tmp("a-img"), Tmp("a-lab"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->inputs.sizes(), (std::vector<int64_t>{3, 1, 2, 3}));
  EXPECT_FLOAT_EQ(d->inputs[2][0][1][2].item<float>(), (10 * 2 + 5) / 255.0f);
  EXPECT_EQ(d->targets[2].item<int64_t>(), 2);
  EXPECT_EQ(d->size(), 3);
  EXPECT_EQ(d->Head(2).size(), 2);
  EXPECT_EQ(d->Head(0).size(), 3);
  auto picked = d->Select(at::tensor({2, 0}, at::kLong));
  EXPECT_EQ(picked.targets[0].item<int64_t>(), 2);
}

TEST(ReadIdxTest, MissingFileNamesPathAndSetup) {
  auto d = ReadIdx(Tmp("none-img"), Tmp("none-lab"));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("none-img"), std::string::npos);
  EXPECT_NE(d.status().message().find("./setup.sh"), std::string::npos);
}

TEST(ReadIdxTest, WrongMagicIsCorrupt) {
  WriteIdx(Tmp("b-img"), Tmp("b-lab"), 3, /*image_magic=*/0x1f8b0808);
  auto d = ReadIdx(Tmp("b-img"), Tmp("b-lab"));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("magic number"), std::string::npos) << d.status();
}

TEST(ReadIdxTest, TruncatedFileIsCorrupt) {
  WriteIdx(Tmp("c-img"), Tmp("c-lab"), 3, 2051, 0, /*drop_bytes=*/4);
  auto d = ReadIdx(Tmp("c-img"), Tmp("c-lab"));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("truncated"), std::string::npos) << d.status();
}

// A header whose n x rows x cols overflows int64 and wraps to the file's
// pixel count (2^21 x 2^21 x 2^22 = 2^64 = 0 pixels) used to pass the size
// check (undefined behaviour, then an allocation of 2^64 bytes).
TEST(ReadIdxTest, OverflowingDimensionsAreCorrupt) {
  std::string img;
  Put32(img, 2051);
  Put32(img, 1u << 21);
  Put32(img, 1u << 21);
  Put32(img, 1u << 22);
  std::ofstream(Tmp("f-img"), std::ios::binary) << img;
  WriteIdx(Tmp("f-unused"), Tmp("f-lab"), 3);
  auto d = ReadIdx(Tmp("f-img"), Tmp("f-lab"));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("holds 0 pixel bytes, the header promises 2097152 x 2097152 x 4194304"),
            std::string::npos) << d.status();
}

TEST(ReadIdxTest, CountMismatchIsAnError) {
  WriteIdx(Tmp("d-img"), Tmp("d-lab"), 3, 2051, /*n_labels_header=*/4);
  auto d = ReadIdx(Tmp("d-img"), Tmp("d-lab"));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("do not belong together"), std::string::npos)
      << d.status();
}

TEST(ReadIdxTest, LabelOutOfRangeIsAnError) {
  std::string lab;
  Put32(lab, 2049);
  Put32(lab, 1);
  lab.push_back(static_cast<char>(12));
  WriteIdx(Tmp("e-img"), Tmp("e-lab-ok"), 1);
  std::ofstream(Tmp("e-lab"), std::ios::binary) << lab;
  auto d = ReadIdx(Tmp("e-img"), Tmp("e-lab"));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("outside 0..9"), std::string::npos);
}

TEST(LoadMnistTest, ReadsTheStandardLayoutUnderADataFolder) {
  const std::string dir = Tmp("data");
  ASSERT_EQ(std::system(("mkdir -p " + dir + "/mnist").c_str()), 0);
  WriteIdx(dir + "/mnist/t10k-images-idx3-ubyte", dir + "/mnist/t10k-labels-idx1-ubyte", 5);
  auto d = LoadMnist(Split::kTest, dir);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->size(), 5);
  auto train = LoadMnist(Split::kTrain, dir);
  EXPECT_FALSE(train.ok());
  setenv("SPARSELAB_DATA", dir.c_str(), 1);
  EXPECT_EQ(DataDir(), dir);
  EXPECT_TRUE(LoadMnist(Split::kTest).ok());
}

TEST(ReadCifar10BinaryTest, ReadsRecordsAcrossFiles) {
  std::string rec;
  for (int r = 0; r < 2; ++r) {
    rec.push_back(static_cast<char>(r == 0 ? 3 : 9));
    for (int i = 0; i < 3072; ++i) rec.push_back(static_cast<char>((i + r) % 256));
  }
  std::ofstream(Tmp("cifar1.bin"), std::ios::binary) << rec;
  std::ofstream(Tmp("cifar2.bin"), std::ios::binary) << rec.substr(0, 3073);
  auto d = ReadCifar10Binary({Tmp("cifar1.bin"), Tmp("cifar2.bin")});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->inputs.sizes(), (std::vector<int64_t>{3, 3, 32, 32}));
  EXPECT_EQ(d->targets[1].item<int64_t>(), 9);
  // Record 1, channel 1 (green), row 0, column 5: byte index 1024 + 5, value (1029 + 1) % 256.
  EXPECT_FLOAT_EQ(d->inputs[1][1][0][5].item<float>(), (1030 % 256) / 255.0f);
}

TEST(ReadCifar10BinaryTest, WrongSizeAndBadLabelAreErrors) {
  std::ofstream(Tmp("cifar-bad.bin"), std::ios::binary) << std::string(3000, 'x');
  EXPECT_FALSE(ReadCifar10Binary({Tmp("cifar-bad.bin")}).ok());
  std::string rec(3073, '\0');
  rec[0] = 10;
  std::ofstream(Tmp("cifar-label.bin"), std::ios::binary) << rec;
  EXPECT_FALSE(ReadCifar10Binary({Tmp("cifar-label.bin")}).ok());
  EXPECT_FALSE(ReadCifar10Binary({}).ok());
}

TEST(NormalizeTest, MnistConstants) {
  at::Tensor x = at::tensor({0.1307f, 0.1307f + 0.3081f});
  at::Tensor y = Normalize(x, kMnistMean, kMnistStd);
  EXPECT_NEAR(y[0].item<float>(), 0.0f, 1e-6);
  EXPECT_NEAR(y[1].item<float>(), 1.0f, 1e-6);
}

}  // namespace
}  // namespace sparselab
