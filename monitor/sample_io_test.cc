#include "monitor/sample_io.h"

#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace sparselab {
namespace monitor {
namespace {

// A version-1 .npy header for `dict`, padded so the data start at byte 128.
std::string NpyHeader(const std::string& dict) {
  std::string header = dict;
  header.resize(128 - 10 - 1, ' ');
  header += '\n';
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header;
}

std::string Doubles(std::initializer_list<double> values) {
  std::string out;
  for (double v : values) {
    char b[8];
    std::memcpy(b, &v, 8);
    out.append(b, 8);
  }
  return out;
}

TEST(SampleIoTest, ReadsNpyInCAndFortranOrder) {
  const auto c = ParseNpy(NpyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }") +
                              Doubles({1, 2, 3, 4, 5, 6}),
                          "c.npy");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->n, 2);
  EXPECT_EQ((*c)(1, 0), 4);
  const auto f = ParseNpy(NpyHeader("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }") +
                              Doubles({1, 2, 3, 4, 5, 6}),
                          "f.npy");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ((*f)(1, 0), 2);
  EXPECT_EQ((*f)(0, 2), 5);
}

// Found by fuzzing: a shape whose element count overflows int64 passed the
// size check (undefined behaviour, then a huge allocation).
TEST(SampleIoTest, ShapeLargerThanTheFileIsAnErrorEvenWhenItOverflows) {
  for (const char* shape : {"(4611686018427387904, 4)", "(3, 1)", "(9223372036854775807, 9223372036854775807)"}) {
    const auto r = ParseNpy(NpyHeader(std::string("{'descr': '<f8', 'fortran_order': False, 'shape': ") +
                                      shape + ", }") +
                                Doubles({1, 2}),
                            "big.npy");
    ASSERT_FALSE(r.ok()) << shape;
    EXPECT_NE(r.status().message().find("truncated data"), std::string::npos) << r.status();
  }
}

TEST(SampleIoTest, BinaryBytesInCsvAreNamedEscapedAndNeverRaw) {
  const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  const auto r = ParseCsv(png, "image.csv");
  ASSERT_FALSE(r.ok());
  const std::string m(r.status().message());
  EXPECT_NE(m.find("image.csv is not a CSV text file: byte 6 is '\\x1a'"), std::string::npos) << m;
  for (unsigned char ch : m) EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << static_cast<int>(ch);
  // Bytes that are not control characters reach the number parser: quoted escaped.
  const auto high = ParseCsv("a,b\n1,\xff\xfe\n", "high.csv");
  ASSERT_FALSE(high.ok());
  EXPECT_NE(high.status().message().find("line 2: '\\xff\\xfe' is not a number"), std::string::npos)
      << high.status();
  // A long bad field is truncated.
  const auto long_field = ParseCsv("1,2\n3," + std::string(5000, 'z') + "\n", "long.csv");
  ASSERT_FALSE(long_field.ok());
  EXPECT_LT(long_field.status().message().size(), 400u);
  EXPECT_NE(long_field.status().message().find("(first 64 of 5000 bytes)"), std::string::npos);
}

TEST(SampleIoTest, NpyReadAsCsvSaysToRenameIt) {
  const auto r = ParseCsv(NpyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }") +
                              Doubles({1}),
                          "y.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("rename it to end in .npy"), std::string::npos) << r.status();
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
