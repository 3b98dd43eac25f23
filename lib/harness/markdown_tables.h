// The one results-table module: Markdown tables of a result.json (mean ± std
// per metric, the paper's value beside ours, differences), used by every
// experiment README's generated blocks and by the docs pages. An experiment
// declares its tables in config.json, top-level key "tables":
//
//   "tables": {
//     "headline": {
//       "caption": "Table 1: test accuracy (%) and noise score",
//       "rows": ["^[^/]+$"],                   // regexes; rows in file order
//       "label": "network",                    // header of the first column
//       "columns": [
//         {"metric": "test_accuracy", "label": "test accuracy %", "decimals": 2,
//          "paper": true, "delta": "difference"},
//         {"metric": "noise_score", "decimals": 0, "thousands": true, "paper": true,
//          "delta": "percent"},
//         {"seeds": true}]},
//     "fig5b": {"rows": ["^fig5b/(.*)$"], "columns": "all", "decimals": 1, "std": false},
//     "grid": {"pivot": "^(.*) / noise (.*)$", "metric": "accuracy", "decimals": 1}
//   }
//
// A row regex with a capture group labels the row by group 1. "columns": "all"
// makes a column of every metric of the selected rows (first-seen order;
// "metric_label": "^noise_(.*)$" heads each by group 1 of its name). With
// "pivot", every row matching the regex is a cell: group 1 its row, group 2 its
// column, the value its "metric". "headline" is the table docs/results.md
// shows (keep it to ~8 columns); "file" names another result file of the same
// experiment ("result_fashion_mnist.json"; default result.json). Number format:
// "decimals" fixed decimals (default: 4 significant digits), "thousands" digit
// groups, "std": false to show means only, "scale": 100 for percentages; on the
// table or per column. A column's "delta" compares ours with the paper's value,
// or with another metric of the same row ("vs": "truth"); "paper_label" heads
// the paper's column. Rows come in the order of the regexes, file order within
// one. Tables keep the order config.json declares them in.
#ifndef SPARSELAB_LIB_HARNESS_MARKDOWN_TABLES_H_
#define SPARSELAB_LIB_HARNESS_MARKDOWN_TABLES_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace sparselab {

struct NumberFormat {
  double scale = 1.0;           // values are shown multiplied by this (100: percent)
  std::optional<int> decimals;  // none: 4 significant digits
  bool thousands = false;       // 12,345
  bool std = true;              // "mean ± std" (std only when n > 1)
};

struct TableColumn {
  enum class Kind { kMetric, kSeeds };
  Kind kind = Kind::kMetric;
  std::string metric;
  std::string label;  // header; default: the metric's name
  NumberFormat format;
  bool paper = false;  // a "(paper)" column beside ours
  std::string paper_label = "(paper)";
  enum class Delta { kNone, kDifference, kPercent };
  // ours - reference, or 100 (ours - reference) / reference; the reference is
  // the paper's value, or the row's metric `vs` when set (estimate - truth).
  Delta delta = Delta::kNone;
  std::string vs;
};

struct TableSpec {
  std::string name;
  std::string caption;
  std::string file = "result.json";
  std::string label;              // first column's header
  std::vector<std::string> rows;  // regexes; empty: every row
  bool all_metrics = false;       // "columns": "all"
  std::string metric_label;       // with "all": regex whose group 1 labels a metric's column
  std::vector<TableColumn> columns;
  std::string pivot;   // regex with two groups (row, column)
  std::string metric;  // the pivot's cell value
  NumberFormat format;  // the table's default
};

// Parses config.json's "tables" object; errors name `origin`, the table and
// the key (unknown keys, wrong types, bad regexes, pivot without metric).
absl::StatusOr<std::vector<TableSpec>> ParseTableSpecs(const nlohmann::ordered_json& tables,
                                                       const std::string& origin);

// The table as Markdown: the caption in italics (when set), a blank line, the
// table. A table with no matching row says so in one line.
std::string RenderTable(const TableSpec& spec, const nlohmann::json& result);

// Every row and metric of a result, one table per row family (rows sharing
// the name part before the first '/'), ours beside the paper's.
std::string RenderAllMetrics(const nlohmann::json& result);

// 4 significant digits (or fixed decimals), thousands separators, "-0" as "0".
std::string FormatNumber(double value, const NumberFormat& format = {});
// {"mean", "std", "n"} -> "98.50 ± 0.71"; "–" when absent or null.
std::string FormatMeanStd(const nlohmann::json& summary, const NumberFormat& format = {});

// The row named `name` of a result.json; nullptr when there is none.
const nlohmann::json* FindResultRow(const nlohmann::json& result, const std::string& name);

inline constexpr char kMissingCell[] = "–";

}  // namespace sparselab

#endif  // SPARSELAB_LIB_HARNESS_MARKDOWN_TABLES_H_
