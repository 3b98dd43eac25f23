#include "lib/base/file_io.h"
#include "lib/harness/readme_block.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

const std::string kBegin = std::string(kGeneratedBegin) + "\n";
const std::string kEnd = std::string(kGeneratedEnd) + "\n";

TEST(ReplaceGeneratedBlockTest, ReplacesOnlyBetweenTheMarkers) {
  const std::string text = "# Title\nprose\n" + kBegin + "old 1\nold 2\n" + kEnd + "after\n";
  auto replaced = ReplaceGeneratedBlock(text, "| a | b |\n| 1 | 2 |");
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(*replaced, "# Title\nprose\n" + kBegin + "| a | b |\n| 1 | 2 |\n" + kEnd + "after\n");
  // Idempotent, and an empty block leaves the two markers adjacent.
  EXPECT_EQ(*ReplaceGeneratedBlock(*replaced, "| a | b |\n| 1 | 2 |\n"), *replaced);
  EXPECT_EQ(*ReplaceGeneratedBlock(text, ""), "# Title\nprose\n" + kBegin + kEnd + "after\n");
}

TEST(ReplaceGeneratedBlockTest, MarkersMustBeWholeLinesOnceInOrder) {
  EXPECT_EQ(ReplaceGeneratedBlock("no markers\n", "x").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ReplaceGeneratedBlock(kBegin + "x\n", "x").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ReplaceGeneratedBlock(kEnd + kBegin, "x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReplaceGeneratedBlock(kBegin + kEnd + kBegin + kEnd, "x").status().code(),
            absl::StatusCode::kInvalidArgument);
  // A marker quoted inside a line is not a marker.
  EXPECT_EQ(ReplaceGeneratedBlock("see `" + std::string(kGeneratedBegin) + "`\n" + kEnd, "x")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(ReplaceGeneratedBlockInFileTest, RewritesTheFileAndKeepsItOnError) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/README.md";
  ASSERT_TRUE(WriteFileAtomically(path, "a\n" + kBegin + "old\n" + kEnd).ok());
  ASSERT_TRUE(ReplaceGeneratedBlockInFile(path, "new").ok());
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  EXPECT_EQ(text.str(), "a\n" + kBegin + "new\n" + kEnd);

  ASSERT_TRUE(WriteFileAtomically(path, "only prose\n").ok());
  absl::Status status = ReplaceGeneratedBlockInFile(path, "new");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(status.message().find(path), std::string::npos) << status;
  std::stringstream kept;
  kept << std::ifstream(path).rdbuf();
  EXPECT_EQ(kept.str(), "only prose\n");
  EXPECT_EQ(ReplaceGeneratedBlockInFile(path + ".missing", "x").code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sparselab
