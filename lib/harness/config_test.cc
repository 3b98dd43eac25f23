#include "lib/harness/config.h"

#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

using nlohmann::json;

json File() {
  return json::parse(R"({
    "description": "test",
    "default_preset": "paper",
    "defaults": {"epochs": 10, "lr": 0.01, "name": "x", "flags": [1, 2],
                 "net": {"k": 5, "density": 0.3}, "seeds": [42]},
    "presets": {"quick": {"epochs": 1, "net": {"k": 2}}, "paper": {}}
  })");
}

TEST(RequireConfigTest, NamesKeyValuePresetRuleAndFix) {
  auto c = Config::FromJson(File(), "quick", {"lr=-2"}, "f.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(RequireConfig(true, *c, "lr", "must be > 0").ok());
  const absl::Status s = RequireConfig(c->Double("lr") > 0, *c, "lr", "must be > 0");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "config key 'lr' = -2 (preset quick): must be > 0; fix it in config.json or with "
            "--set=lr=...");
  EXPECT_NE(RequireConfig(false, *c, "net.k", "must be odd").message().find("'net.k' = 2"),
            std::string::npos);
}

TEST(ConfigTest, PresetOverridesDefaultsAndKeepsTheRest) {
  auto c = Config::FromJson(File(), "quick", {}, "f.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->preset(), "quick");
  EXPECT_EQ(c->Int("epochs"), 1);
  EXPECT_EQ(c->Int("net.k"), 2);
  EXPECT_DOUBLE_EQ(c->Double("net.density"), 0.3);  // untouched nested default
  EXPECT_DOUBLE_EQ(c->Double("lr"), 0.01);
}

TEST(ConfigTest, EmptyPresetMeansDefaultPreset) {
  auto c = Config::FromJson(File(), "", {}, "f.json");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->preset(), "paper");
  EXPECT_EQ(c->Int("epochs"), 10);
}

TEST(ConfigTest, OverridesAreTypedAndNested) {
  auto c = Config::FromJson(File(), "paper", {"lr=0.5", "net.k=7", "name=abc", "flags=[3,4,5]"},
                            "f.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_DOUBLE_EQ(c->Double("lr"), 0.5);
  EXPECT_EQ(c->Int("net.k"), 7);
  EXPECT_EQ(c->String("name"), "abc");
  EXPECT_EQ(c->Get<std::vector<int>>("flags"), (std::vector<int>{3, 4, 5}));
}

TEST(ConfigTest, IntegerAcceptedWhereFloatExpectedNotConversely) {
  EXPECT_TRUE(Config::FromJson(File(), "paper", {"lr=1"}, "f.json").ok());
  auto bad = Config::FromJson(File(), "paper", {"epochs=1.5"}, "f.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'epochs' must be integer"), std::string::npos)
      << bad.status();
}

TEST(ConfigTest, UnknownKeyIsAnErrorNamingTheKey) {
  auto bad = Config::FromJson(File(), "paper", {"net.kk=3"}, "f.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown key 'net.kk'"), std::string::npos)
      << bad.status();
  json f = File();
  f["presets"]["quick"]["epoch"] = 3;
  auto bad2 = Config::FromJson(f, "quick", {}, "f.json");
  ASSERT_FALSE(bad2.ok());
  EXPECT_NE(bad2.status().message().find("f.json preset 'quick': unknown key 'epoch'"),
            std::string::npos)
      << bad2.status();
}

TEST(ConfigTest, WrongTypeInPresetIsAnError) {
  json f = File();
  f["presets"]["quick"]["name"] = 3;
  auto bad = Config::FromJson(f, "quick", {}, "f.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'name' must be string"), std::string::npos);
}

TEST(ConfigTest, MissingPresetListsTheAvailableOnes) {
  auto bad = Config::FromJson(File(), "full", {}, "f.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("no preset 'full' (presets: paper, quick)"),
            std::string::npos)
      << bad.status();
}

TEST(ConfigTest, MalformedOverrideIsAnError) {
  EXPECT_FALSE(Config::FromJson(File(), "paper", {"epochs"}, "f.json").ok());
  EXPECT_FALSE(Config::FromJson(File(), "paper", {"=3"}, "f.json").ok());
}

TEST(ConfigTest, LoadReportsMissingAndMalformedFiles) {
  auto missing = Config::Load("/nonexistent/config.json", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/config.json"), std::string::npos);

  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/bad.json";
  std::ofstream(path) << "{\"defaults\": {\"a\": 1,}";
  auto malformed = Config::Load(path, "");
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("malformed JSON"), std::string::npos)
      << malformed.status();

  const std::string good = std::string(std::getenv("TEST_TMPDIR")) + "/good.json";
  std::ofstream(good) << File().dump();
  auto ok = Config::Load(good, "quick");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->Int("epochs"), 1);
}

TEST(ConfigTest, UnknownTopLevelKeyIsAnError) {
  json f = File();
  f["preset"] = json::object();
  EXPECT_FALSE(Config::FromJson(f, "", {}, "f.json").ok());
}

TEST(ConfigTest, GetOfUndeclaredKeyThrows) {
  auto c = Config::FromJson(File(), "paper", {}, "f.json");
  ASSERT_TRUE(c.ok());
  EXPECT_THROW(c->Int("nope"), std::invalid_argument);
  EXPECT_THROW(c->Int("name"), std::invalid_argument);  // a string, not an int
  EXPECT_TRUE(c->Has("net.k"));
  EXPECT_FALSE(c->Has("net.q"));
}

TEST(ParseSeedListTest, RangesAndLists) {
  EXPECT_EQ(*ParseSeedList("42"), (std::vector<int64_t>{42}));
  EXPECT_EQ(*ParseSeedList("42-45"), (std::vector<int64_t>{42, 43, 44, 45}));
  EXPECT_EQ(*ParseSeedList("1,3-4, 9"), (std::vector<int64_t>{1, 3, 4, 9}));
  EXPECT_FALSE(ParseSeedList("").ok());
  EXPECT_FALSE(ParseSeedList("a").ok());
  EXPECT_FALSE(ParseSeedList("5-3").ok());
}

// Found by fuzzing: ranges at the ends of int64 overflowed (undefined
// behaviour: an endless loop for hi = INT64_MAX, a wrong span check for
// far-apart ends).
TEST(ParseSeedListTest, RangesAtTheEndsOfInt64) {
  EXPECT_EQ(*ParseSeedList("9223372036854775807-9223372036854775807"),
            (std::vector<int64_t>{INT64_MAX}));
  EXPECT_EQ(ParseSeedList("9223372036854775806-9223372036854775807")->size(), 2u);
  EXPECT_FALSE(ParseSeedList("-9223372036854775808-9223372036854775807").ok());
  EXPECT_EQ(ParseSeedList("-9223372036854775808--9223372036854775808")->front(), INT64_MIN);
}

// Found by fuzzing: a --set value that is neither JSON nor UTF-8 text threw
// from the JSON serialiser (an uncaught exception) when quoted in an error.
TEST(ConfigTest, OverrideThatIsNotTextIsAnErrorWithEscapedBytes) {
  auto bad_word = Config::FromJson(File(), "paper", {"name=\xff\xfe"}, "f.json");
  ASSERT_FALSE(bad_word.ok());
  EXPECT_NE(bad_word.status().message().find("'name=\\xff\\xfe': the value is not valid UTF-8"),
            std::string::npos) << bad_word.status();
  auto bad_list = Config::FromJson(File(), "paper", {"flags=[2,1\xc8-"}, "f.json");
  ASSERT_FALSE(bad_list.ok());
  auto bad_key = Config::FromJson(File(), "paper", {"ep\x07ochs=3"}, "f.json");
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.status().message().find("unknown key 'ep\\x07ochs'"), std::string::npos)
      << bad_key.status();
  // A wrong type shows the value as ASCII-only JSON.
  auto wrong = Config::FromJson(File(), "paper", {"epochs=\x1b[2J"}, "f.json");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("got string \"\\u001b[2J\""), std::string::npos)
      << wrong.status();
}

}  // namespace
}  // namespace sparselab
