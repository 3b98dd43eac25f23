#include "lib/harness/readme_block.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "lib/base/file_io.h"

namespace sparselab {
namespace {

std::string Begin(const std::string& name, const std::string& file = "result.json") {
  return TableBlockBegin({name, file}) + "\n";
}
std::string End(const std::string& name) { return TableBlockEnd(name) + "\n"; }

absl::StatusOr<std::string> Upper(const std::string& text) {
  return ReplaceTableBlocks(text, [](const TableBlock& b, const std::string&) {
    return absl::StatusOr<std::string>(b.name + " from " + b.file);
  });
}

TEST(TableBlockTest, MarkerLines) {
  EXPECT_EQ(TableBlockBegin({"headline", "result.json"}),
            "<!-- table headline: generated from result.json -->");
  EXPECT_EQ(TableBlockEnd("headline"), "<!-- end table headline -->");
}

TEST(ReplaceTableBlocksTest, ReplacesOnlyBetweenEachPairOfMarkers) {
  const std::string text = "# Title\nprose\n" + Begin("a") + "old 1\nold 2\n" + End("a") +
                           "middle\n" + Begin("b", "result_x.json") + End("b") + "after";
  absl::StatusOr<std::string> out = Upper(text);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "# Title\nprose\n" + Begin("a") + "a from result.json\n" + End("a") +
                      "middle\n" + Begin("b", "result_x.json") + "b from result_x.json\n" +
                      End("b") + "after");
  // Idempotent.
  EXPECT_EQ(*Upper(*out), *out);
  absl::StatusOr<std::vector<TableBlock>> blocks = FindTableBlocks(text);
  ASSERT_TRUE(blocks.ok());
  ASSERT_EQ(blocks->size(), 2u);
  EXPECT_EQ((*blocks)[1].file, "result_x.json");
}

TEST(ReplaceTableBlocksTest, BadMarkersAreErrorsNamingTheTable) {
  auto error = [](const std::string& text) { return std::string(Upper(text).status().message()); };
  EXPECT_NE(error(Begin("a") + "x\n").find("'a' has no end line"), std::string::npos);
  EXPECT_NE(error(End("a")).find("did not begin"), std::string::npos);
  EXPECT_NE(error(Begin("a") + Begin("b") + End("b") + End("a")).find("begins inside"),
            std::string::npos);
  EXPECT_NE(error(Begin("a") + End("b")).find("did not begin"), std::string::npos);
  EXPECT_NE(error(Begin("a") + End("a") + Begin("a") + End("a")).find("twice"), std::string::npos);
  // A marker quoted inside a line is not a marker.
  EXPECT_TRUE(Upper("see `" + TableBlockBegin({"a", "result.json"}) + "`\n").ok());
}

TEST(RefreshReadmeTablesTest, RendersFromResultFilesAndKeepsTheFileOnError) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/refresh";
  ASSERT_TRUE(MakeDirs(dir + "/results").ok());
  ASSERT_TRUE(WriteJsonAtomically(dir + "/results/result.json",
                                  nlohmann::json::parse(R"({"rows": [
      {"name": "r1", "metrics": {"m": {"mean": 2.5, "std": 0, "n": 1}}}]})"))
                  .ok());
  absl::StatusOr<std::vector<TableSpec>> specs = ParseTableSpecs(
      nlohmann::ordered_json::parse(R"({"t": {"columns": [{"metric": "m", "decimals": 1}]},
                               "u": {"columns": "all"}})"),
      "config.json");
  ASSERT_TRUE(specs.ok()) << specs.status();
  const std::string readme = dir + "/README.md";
  const std::string text = "prose\n" + Begin("t") + "stale\n" + End("t") +
                           Begin("u", "result_other.json") + "keep\n" + End("u");
  ASSERT_TRUE(WriteFileAtomically(readme, text).ok());

  // Only the blocks of result_other.json: t keeps its stale body, u has no file.
  ASSERT_TRUE(RefreshReadmeTables(readme, *specs, dir + "/results", "result_other.json").ok());
  EXPECT_EQ(*ReadFile(readme), "prose\n" + Begin("t") + "stale\n" + End("t") +
                                   Begin("u", "result_other.json") + "(no result file yet)\n" +
                                   End("u"));
  ASSERT_TRUE(RefreshReadmeTables(readme, *specs, dir + "/results").ok());
  EXPECT_EQ(*ReadFile(readme), "prose\n" + Begin("t") + "|  | m |\n| --- | ---: |\n| r1 | 2.5 |\n" +
                                   End("t") + Begin("u", "result_other.json") +
                                   "(no result file yet)\n" + End("u"));

  // An undeclared table is an error naming it and the README, which stays.
  const std::string before = *ReadFile(readme);
  ASSERT_TRUE(WriteFileAtomically(readme, before + Begin("v") + End("v")).ok());
  const absl::Status s = RefreshReadmeTables(readme, *specs, dir + "/results");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.message().find("table 'v' is not declared"), std::string::npos) << s;
  EXPECT_NE(s.message().find(readme), std::string::npos) << s;
  EXPECT_EQ(*ReadFile(readme), before + Begin("v") + End("v"));
  EXPECT_EQ(RefreshReadmeTables(readme + ".missing", *specs, dir).code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sparselab
