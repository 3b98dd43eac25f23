#include "lib/base/matrix_io.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

std::string TmpDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t ? t : "/tmp";
}

// A hand-made version 1.0 header for `shape` and dtype `descr`.
std::string NpyHeader(const std::string& descr, const std::string& shape, bool fortran = false) {
  std::string h = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                  ", 'shape': " + shape + ", }";
  h.append(118 - h.size(), ' ');
  h.push_back('\n');  // 10 + 118 = 128 bytes before the data
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(h.size()));
  out.push_back(0);
  return out + h;
}

TEST(ParseCsvMatrixTest, HeaderRowsAndColumns) {
  auto m = ParseCsvMatrix("a,b\n1,2.5\n-3,4e1\r\n\n", "t.csv");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->rows, 2);
  EXPECT_EQ(m->cols, 2);
  EXPECT_EQ(m->values, (std::vector<double>{1, 2.5, -3, 40}));
}

TEST(ParseCsvMatrixTest, ErrorsNameLineAndRule) {
  auto bad = ParseCsvMatrix("1,2\n3,oops\n", "t.csv");
  EXPECT_NE(bad.status().message().find("t.csv line 2: 'oops' is not a number"), std::string::npos)
      << bad.status();
  auto ragged = ParseCsvMatrix("1,2\n3\n", "t.csv");
  EXPECT_NE(ragged.status().message().find("has 1 values but earlier rows have 2"),
            std::string::npos);
  auto empty = ParseCsvMatrix("x,y\n\n", "t.csv");
  EXPECT_NE(empty.status().message().find("holds no samples"), std::string::npos);
}

TEST(ParseNpyMatrixTest, Float32FortranOrder) {
  // 2 x 3 in Fortran order: columns (1,4), (2,5), (3,6).
  std::string bytes = NpyHeader("<f4", "(2, 3)", /*fortran=*/true);
  for (float f : {1.f, 4.f, 2.f, 5.f, 3.f, 6.f}) bytes.append(reinterpret_cast<char*>(&f), 4);
  auto m = ParseNpyMatrix(bytes, "t.npy");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->values, (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

TEST(ParseNpyMatrixTest, OneDimensionalIsAColumnAndInt64Works) {
  std::string bytes = NpyHeader("<i8", "(3,)");
  for (int64_t i : {7, -8, 9}) bytes.append(reinterpret_cast<char*>(&i), 8);
  auto m = ParseNpyMatrix(bytes, "t.npy");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->rows, 3);
  EXPECT_EQ(m->cols, 1);
  EXPECT_EQ(m->values, (std::vector<double>{7, -8, 9}));
}

TEST(ParseNpyMatrixTest, RejectsEmptyTruncatedAndUnknownTypes) {
  EXPECT_NE(ParseNpyMatrix(NpyHeader("<f8", "(0, 4)"), "e.npy").status().message().find(
                "holds no values"),
            std::string::npos);
  std::string truncated = NpyHeader("<f8", "(2, 2)") + std::string(8, '\0');
  EXPECT_NE(ParseNpyMatrix(truncated, "t.npy").status().message().find("truncated data"),
            std::string::npos);
  EXPECT_NE(ParseNpyMatrix(NpyHeader("<c16", "(1,)"), "t.npy").status().message().find(
                "dtype '<c16' is not supported"),
            std::string::npos);
  EXPECT_NE(ParseNpyMatrix("hello world", "t.npy").status().message().find("no NumPy magic"),
            std::string::npos);
}

TEST(EncodeNpyTest, RoundTripsBothTypesWithAlignedHeader) {
  Matrix m(2, 3);
  m.values = {0.1, -2, 3.5, 1e-300, std::nan(""), 6};
  for (NpyType type : {NpyType::kFloat64, NpyType::kFloat32}) {
    const std::string bytes = EncodeNpy(m, type);
    const size_t header_len = static_cast<unsigned char>(bytes[8]) | (bytes[9] << 8);
    EXPECT_EQ((10 + header_len) % 64, 0u);
    auto back = ParseNpyMatrix(bytes, "rt.npy");
    ASSERT_TRUE(back.ok()) << back.status();
    ASSERT_EQ(back->rows, 2);
    ASSERT_EQ(back->cols, 3);
    for (int e = 0; e < 6; ++e) {
      if (e == 4) {
        EXPECT_TRUE(std::isnan(back->values[e]));
      } else if (type == NpyType::kFloat64) {
        EXPECT_EQ(back->values[e], m.values[e]);
      } else {
        EXPECT_EQ(back->values[e], static_cast<double>(static_cast<float>(m.values[e])));
      }
    }
  }
}

TEST(WriteMatrixTest, CsvAndNpyFilesReadBackExactly) {
  Matrix m(3, 2);
  m.values = {1.0 / 3, 2, -0.125, 4e20, 5, 6};
  for (const std::string name : {"/m.csv", "/m.npy"}) {
    const std::string path = TmpDir() + name;
    ASSERT_TRUE(WriteMatrix(path, m).ok());
    auto back = ReadMatrix(path);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->values, m.values) << name;
  }
  EXPECT_TRUE(absl::IsNotFound(ReadMatrix(TmpDir() + "/missing.csv").status()));
}

TEST(FirstNonFiniteTest, FindsRowAndColumn) {
  Matrix m(2, 2);
  EXPECT_FALSE(FirstNonFinite(m).has_value());
  m(1, 0) = INFINITY;
  auto where = FirstNonFinite(m);
  ASSERT_TRUE(where.has_value());
  EXPECT_EQ(where->first, 1);
  EXPECT_EQ(where->second, 0);
}

}  // namespace
}  // namespace sparselab
