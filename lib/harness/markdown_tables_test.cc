#include "lib/harness/markdown_tables.h"

#include <string>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

using nlohmann::json;

json Summary(double mean, double std, int n) { return {{"mean", mean}, {"std", std}, {"n", n}}; }

// Two networks with paper values, a per-seed record and a noise grid.
json Result() {
  return json::parse(R"({
    "rows": [
      {"name": "Dense", "metrics": {"acc": {"mean": 99.094, "std": 0.021, "n": 4},
                                    "score": {"mean": 73078.4, "std": 4101.2, "n": 4}},
       "paper": {"acc": {"mean": 99.14, "std": 0.03}, "score": {"mean": 74569}},
       "per_seed": {"acc": {"45": 99.1, "42": 99.0, "43": 99.1, "44": 99.2}}},
      {"name": "Sparse", "metrics": {"acc": {"mean": 98.39, "std": 0.0, "n": 1}}},
      {"name": "Dense / noise 0.10", "metrics": {"a": {"mean": 96.81, "std": 0.5, "n": 4}}},
      {"name": "Dense / noise 0.20", "metrics": {"a": {"mean": 82.75, "std": 1, "n": 4}}},
      {"name": "Sparse / noise 0.10", "metrics": {"a": {"mean": 97.6, "std": 0.1, "n": 2}}}
    ]})");
}

TableSpec Parse(const std::string& name, const std::string& text) {
  absl::StatusOr<std::vector<TableSpec>> specs = ParseTableSpecs(
      nlohmann::ordered_json{{name, nlohmann::ordered_json::parse(text)}}, "config.json");
  EXPECT_TRUE(specs.ok()) << specs.status();
  return specs.ok() ? (*specs)[0] : TableSpec{};
}

TEST(FormatNumberTest, SignificantDigitsDecimalsAndThousands) {
  EXPECT_EQ(FormatNumber(98.5), "98.50");
  EXPECT_EQ(FormatNumber(0.5), "0.5000");
  EXPECT_EQ(FormatNumber(1234.5), "1234");  // 4 significant digits, %.0f
  EXPECT_EQ(FormatNumber(0.000123), "1.230e-04");
  EXPECT_EQ(FormatNumber(1234567), "1.235e+06");
  EXPECT_EQ(FormatNumber(0), "0");
  NumberFormat f;
  f.decimals = 0;
  f.thousands = true;
  EXPECT_EQ(FormatNumber(73078.4, f), "73,078");
  EXPECT_EQ(FormatNumber(-1234567.0, f), "-1,234,567");
  EXPECT_EQ(FormatNumber(999, f), "999");
  f.decimals = 2;
  EXPECT_EQ(FormatNumber(-0.001, f), "0.00");
  EXPECT_EQ(FormatNumber(12345.678, f), "12,345.68");
  EXPECT_EQ(FormatNumber(NAN), kMissingCell);
}

TEST(FormatMeanStdTest, StdOnlyForSeveralValuesAndWhenAsked) {
  NumberFormat two;
  two.decimals = 2;
  EXPECT_EQ(FormatMeanStd(Summary(98.5, 0.714, 3), two), "98.50 ± 0.71");
  EXPECT_EQ(FormatMeanStd(Summary(98.5, 0.0, 1), two), "98.50");
  EXPECT_EQ(FormatMeanStd(json{{"mean", 99.14}, {"std", 0.03}}, two), "99.14 ± 0.03");  // paper
  two.std = false;
  EXPECT_EQ(FormatMeanStd(Summary(98.5, 0.714, 3), two), "98.50");
  EXPECT_EQ(FormatMeanStd(json{{"mean", nullptr}}), kMissingCell);
  EXPECT_EQ(FormatMeanStd(json()), kMissingCell);
}

TEST(RenderTableTest, ColumnsWithPaperDeltasAndSeeds) {
  const TableSpec spec = Parse("headline", R"({
      "caption": "Table 1", "label": "network", "rows": ["^[^/]+$"],
      "columns": [{"metric": "acc", "label": "accuracy %", "decimals": 2, "paper": true,
                   "delta": "difference"},
                  {"metric": "score", "decimals": 0, "thousands": true, "paper": true,
                   "delta": "percent"},
                  {"seeds": true}]})");
  EXPECT_EQ(RenderTable(spec, Result()),
            "*Table 1*\n\n"
            "| network | accuracy % (ours) | (paper) | Δ | score (ours) | (paper) | Δ % | seeds |\n"
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
            "| Dense | 99.09 ± 0.02 | 99.14 ± 0.03 | -0.05 | 73,078 ± 4,101 | 74,569 | -2.0 | 42,43,44,45 |\n"
            "| Sparse | 98.39 | – | – | – | – | – | – |\n");
}

TEST(RenderTableTest, RegexGroupLabelsRowsAndAllColumns) {
  const TableSpec spec =
      Parse("noise", R"({"rows": ["^Dense / (.*)$"], "columns": "all", "decimals": 1, "std": false})");
  EXPECT_EQ(RenderTable(spec, Result()),
            "|  | a |\n| --- | ---: |\n| noise 0.10 | 96.8 |\n| noise 0.20 | 82.8 |\n");
}

TEST(RenderTableTest, MetricLabelHeadsAllColumns) {
  const json result = json::parse(R"({"rows": [{"name": "fig/a",
      "metrics": {"noise_0.10": {"mean": 1, "n": 1}, "noise_0.20": {"mean": 2, "n": 1}}}]})");
  const TableSpec spec = Parse(
      "t", R"({"rows": ["^fig/(.*)$"], "columns": "all", "metric_label": "^noise_(.*)$", "decimals": 0})");
  EXPECT_EQ(RenderTable(spec, result), "|  | 0.10 | 0.20 |\n| --- | ---: | ---: |\n| a | 1 | 2 |\n");
}

TEST(RenderTableTest, PivotSpreadsRowsIntoAGrid) {
  const TableSpec spec = Parse(
      "grid", R"({"pivot": "^(.*) / noise (.*)$", "metric": "a", "label": "net", "decimals": 1})");
  EXPECT_EQ(RenderTable(spec, Result()),
            "| net | 0.10 | 0.20 |\n| --- | ---: | ---: |\n"
            "| Dense | 96.8 ± 0.5 | 82.8 ± 1.0 |\n| Sparse | 97.6 ± 0.1 | – |\n");
}

TEST(RenderTableTest, NoMatchingRowSaysSo) {
  const TableSpec spec = Parse("t", R"({"rows": ["^nothing$"], "columns": "all"})");
  EXPECT_EQ(RenderTable(spec, Result()), "(no rows yet)\n");
}

TEST(RenderAllMetricsTest, OneTablePerRowFamilyWithPaperColumns) {
  const std::string md = RenderAllMetrics(Result());
  // The first family (no '/') has both metrics and the paper beside each.
  EXPECT_EQ(md.find("|  | acc (ours) | (paper) | score (ours) | (paper) |\n"), 0u) << md;
  EXPECT_NE(md.find("| Dense | 99.09 ± 0.02100 | 99.14 ± 0.03000 | 73078 ± 4101 | 74569 |"),
            std::string::npos)
      << md;
  // The noise rows form their own family.
  EXPECT_NE(md.find("### Dense\n\n|  | a |"), std::string::npos) << md;
}

TEST(ParseTableSpecsTest, BadSpecsNameTheTableAndKey) {
  auto error = [](const std::string& text) {
    absl::StatusOr<std::vector<TableSpec>> s =
        ParseTableSpecs(nlohmann::ordered_json::parse(text), "x/config.json");
    return s.ok() ? std::string("ok") : std::string(s.status().message());
  };
  EXPECT_NE(error(R"({"t": {"columns": "all", "colour": 1}})").find("table \"t\": unknown key \"colour\""),
            std::string::npos);
  EXPECT_NE(error(R"({"t": {"rows": ["("], "columns": "all"}})").find("not a valid regular"),
            std::string::npos);
  EXPECT_NE(error(R"({"t": {"pivot": "^(.*)$", "metric": "a"}})").find("exactly two groups"),
            std::string::npos);
  EXPECT_NE(error(R"({"t": {"pivot": "^(.*)/(.*)$"}})").find("\"metric\""), std::string::npos);
  EXPECT_NE(error(R"({"t": {"columns": [{"metric": "a", "delta": "ratio"}]}})").find("\"delta\""),
            std::string::npos);
  EXPECT_NE(error(R"({"t": {"columns": [{"label": "a"}]}})").find("column 1"), std::string::npos);
  EXPECT_NE(error(R"({"t": {"columns": "all", "decimals": -1}})").find("decimals"), std::string::npos);
  EXPECT_NE(error(R"({"t": {}})").find("needs \"columns\""), std::string::npos);
  EXPECT_NE(error(R"([1])").find("must be an object"), std::string::npos);
  EXPECT_EQ(error(R"({"t": {"columns": "all"}})"), "ok");
}

TEST(RenderTableTest, ScaleVsPaperLabelAndRegexOrder) {
  const json result = json::parse(R"({"rows": [
      {"name": "b", "metrics": {"est": {"mean": 0.52, "n": 1}, "truth": {"mean": 0.5, "n": 1}}},
      {"name": "a", "metrics": {"est": {"mean": 0.25, "n": 1}, "truth": {"mean": 0.3, "n": 1}},
       "paper": {"est": {"mean": 0.2}}}]})");
  const TableSpec spec = Parse("t", R"x({"rows": ["^a$", "^b$"], "columns": [
      {"metric": "est", "scale": 100, "decimals": 1, "paper": true, "paper_label": "(tutorial)",
       "delta": "difference", "vs": "truth"}]})x");
  EXPECT_EQ(RenderTable(spec, result),
            "|  | est (ours) | (tutorial) | Δ vs truth |\n| --- | ---: | ---: | ---: |\n"
            "| a | 25.0 | 20.0 | -5.0 |\n| b | 52.0 | – | +2.0 |\n");
}

TEST(ParseTableSpecsTest, KeepsTheDeclaredOrder) {
  const auto specs = ParseTableSpecs(
      nlohmann::ordered_json::parse(R"({"z": {"columns": "all"}, "a": {"columns": "all"}})"), "c");
  ASSERT_TRUE(specs.ok());
  EXPECT_EQ((*specs)[0].name, "z");
  EXPECT_EQ((*specs)[1].name, "a");
}

TEST(FindResultRowTest, FindsByName) {
  const json r = Result();
  ASSERT_NE(FindResultRow(r, "Sparse"), nullptr);
  EXPECT_EQ((*FindResultRow(r, "Sparse"))["metrics"]["acc"]["mean"], 98.39);
  EXPECT_EQ(FindResultRow(r, "nope"), nullptr);
}

}  // namespace
}  // namespace sparselab
