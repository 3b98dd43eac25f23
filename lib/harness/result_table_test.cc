#include "lib/harness/result_table.h"

#include <cmath>
#include <cstdlib>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

TEST(SummarizeTest, MeanAndSampleStd) {
  Summary s = Summarize({2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0});
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_NEAR(s.std, std::sqrt(32.0 / 7.0), 1e-12);  // sum of squares 32, n - 1 = 7
  EXPECT_EQ(s.n, 8);
  EXPECT_EQ(Summarize({3.0}).std, 0.0);
  EXPECT_EQ(Summarize({}).n, 0);
}

TEST(ResultTableTest, AggregatesPerSeedValuesAndKeepsPaper) {
  ResultTable t;
  t.Add("sparse", "accuracy", 42, 99.0);
  t.Add("sparse", "accuracy", 43, 98.0);
  t.Set("sparse", "params", 1000);
  t.SetPaper("sparse", "accuracy", 99.09, 0.05);
  t.SetPaper("sparse", "params", 1200);
  t.Add("dense", "accuracy", 42, 97.0);
  nlohmann::json rows = t.ToJson();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["name"], "sparse");  // insertion order
  EXPECT_DOUBLE_EQ(rows[0]["metrics"]["accuracy"]["mean"].get<double>(), 98.5);
  EXPECT_NEAR(rows[0]["metrics"]["accuracy"]["std"].get<double>(), std::sqrt(0.5), 1e-12);
  EXPECT_EQ(rows[0]["metrics"]["accuracy"]["n"], 2);
  EXPECT_EQ(rows[0]["metrics"]["params"]["n"], 1);
  EXPECT_DOUBLE_EQ(rows[0]["paper"]["accuracy"]["std"].get<double>(), 0.05);
  EXPECT_FALSE(rows[0]["paper"]["params"].contains("std"));
  EXPECT_DOUBLE_EQ(rows[0]["per_seed"]["accuracy"]["43"].get<double>(), 98.0);
}

TEST(ResultTableTest, NonFiniteValuesBecomeNull) {
  ResultTable t;
  t.Set("r", "m", NAN);
  EXPECT_TRUE(t.ToJson()[0]["metrics"]["m"]["mean"].is_null());
}

TEST(ResultTableTest, RoundTripsThroughJsonForResuming) {
  ResultTable t;
  t.Add("a", "acc", 1, 0.5);
  t.Add("a", "acc", 2, 0.7);
  t.Set("a", "n", 3);
  t.SetPaper("a", "acc", 0.6);
  auto back = ResultTable::FromJson(t.ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->HasSeed("a", "acc", 2));
  EXPECT_FALSE(back->HasSeed("a", "acc", 3));
  EXPECT_EQ(back->SeedValue("a", "acc", 2), 0.7);
  EXPECT_FALSE(back->SeedValue("a", "acc", 3).has_value());
  EXPECT_FALSE(back->SeedValue("a", "n", 1).has_value());  // a seedless Set() value
  EXPECT_FALSE(back->SeedValue("b", "acc", 1).has_value());
  EXPECT_EQ(back->ToJson(), t.ToJson());
  EXPECT_FALSE(ResultTable::FromJson(nlohmann::json::object()).ok());
  EXPECT_FALSE(ResultTable::FromJson(nlohmann::json::parse(R"([{"x": 1}])")).ok());
}

TEST(ResultTableTest, MergeCombinesTheSeedsOfSeveralRecords) {
  // Two tasks' records of one row (seeds 1 and 2) and a second row.
  ResultTable one, two;
  one.Add("a", "acc", 1, 0.5);
  one.SetPaper("a", "acc", 0.6, 0.1);
  one.SetInfo("a", "units", 10);
  two.Add("a", "acc", 2, 0.7);
  two.Add("b", "loss", 2, 3.0);
  ResultTable merged;
  ASSERT_TRUE(merged.Merge(one.ToJson()).ok());
  ASSERT_TRUE(merged.Merge(two.ToJson()).ok());
  const nlohmann::json rows = merged.ToJson();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["name"], "a");
  EXPECT_DOUBLE_EQ(rows[0]["metrics"]["acc"]["mean"].get<double>(), 0.6);
  EXPECT_NEAR(rows[0]["metrics"]["acc"]["std"].get<double>(), std::sqrt(0.02), 1e-15);
  EXPECT_EQ(rows[0]["metrics"]["acc"]["n"], 2);
  EXPECT_EQ(rows[0]["paper"]["acc"]["std"], 0.1);
  EXPECT_EQ(rows[0]["info"]["units"], 10);
  EXPECT_EQ(rows[1]["name"], "b");
  EXPECT_FALSE(merged.Merge(nlohmann::json::parse(R"([{"name": "a", "paper": {"acc": {}}}])")).ok());
}

}  // namespace
}  // namespace sparselab
