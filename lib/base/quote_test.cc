#include "lib/base/quote.h"

#include <string>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

TEST(QuoteInputTest, PrintableTextIsQuotedAsIs) {
  EXPECT_EQ(QuoteInput("oops"), "'oops'");
  EXPECT_EQ(QuoteInput(""), "''");
  EXPECT_EQ(QuoteInput("1.5e3, x"), "'1.5e3, x'");
}

TEST(QuoteInputTest, ControlAndHighBytesAreEscaped) {
  const std::string nul("a\0z", 3);
  EXPECT_EQ(QuoteInput(nul), "'a\\x00z'");
  // A hex digit after an escape is escaped too, so the text reads unambiguously.
  EXPECT_EQ(QuoteInput(std::string("\0b", 2)), "'\\x00\\x62'");
  EXPECT_EQ(QuoteInput("\x93NUMPY"), "'\\x93NUMPY'");
  EXPECT_EQ(QuoteInput("line\nnext\t'q'\\"), "'line\\nnext\\t\\'q\\'\\\\'");
  EXPECT_EQ(QuoteInput("\x1b[2J"), "'\\x1b[2J'");  // a terminal escape stays inert
}

TEST(QuoteInputTest, LongInputIsTruncatedAndSaysSo) {
  EXPECT_EQ(QuoteInput("abcdefghi", 4), "'abcd...' (first 4 of 9 bytes)");
  EXPECT_EQ(QuoteInput("abcd", 4), "'abcd'");
  const std::string big(100000, '\xff');
  const std::string q = QuoteInput(big);
  EXPECT_LT(q.size(), 64 * 4 + 40u);
  EXPECT_NE(q.find("(first 64 of 100000 bytes)"), std::string::npos) << q;
}

TEST(QuoteInputTest, OutputIsAlwaysPrintableAscii) {
  std::string every;
  for (int c = 0; c < 256; ++c) every.push_back(static_cast<char>(c));
  for (unsigned char c : QuoteInput(every, 256)) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << static_cast<int>(c);
  }
}

TEST(FirstBinaryByteTest, FindsNulAndControlBytesButNotTextOrUtf8) {
  EXPECT_EQ(FirstBinaryByte("x,y\r\n1,2\t3\n"), absl::string_view::npos);
  EXPECT_EQ(FirstBinaryByte("caf\xc3\xa9"), absl::string_view::npos);
  EXPECT_EQ(FirstBinaryByte(std::string("ab\0c", 4)), 2u);
  EXPECT_EQ(FirstBinaryByte("\x89PNG\r\n\x1a\n"), 6u);  // PNG signature: 0x1a
  EXPECT_EQ(FirstBinaryByte(""), absl::string_view::npos);
}

}  // namespace
}  // namespace sparselab
