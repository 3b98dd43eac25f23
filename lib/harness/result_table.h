// The result.json every experiment writes, in the one schema the docs table
// generator reads:
//   {"experiment", "paper", "preset", "config", "seeds",
//    "rows": [{"name", "metrics": {m: {"mean", "std", "n"}},
//              "paper": {m: {"mean", "std"}}, "per_seed": {m: {seed: value}}}],
//    "provenance": {"git_commit", "date", "threads", "device", "wall_seconds",
//                   "machine"}, ...experiment-specific keys}
// std is the sample standard deviation (n - 1), 0 for a single value.
#ifndef SPARSELAB_LIB_HARNESS_RESULT_TABLE_H_
#define SPARSELAB_LIB_HARNESS_RESULT_TABLE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace sparselab {

struct Summary {
  double mean = 0.0;
  double std = 0.0;
  int64_t n = 0;
};

// Mean and sample standard deviation.
Summary Summarize(const std::vector<double>& values);

class ResultTable {
 public:
  // Records one seed's value of `metric` in row `row` (rows keep insertion order).
  void Add(const std::string& row, const std::string& metric, int64_t seed, double value);
  // Records a value that has no seed (a closed form, a count): n = 1, std = 0.
  void Set(const std::string& row, const std::string& metric, double value);
  // The paper's figure for `metric` in `row` (std absent when the paper gives none).
  void SetPaper(const std::string& row, const std::string& metric, double mean,
                std::optional<double> std = std::nullopt);
  // Free-form per-row information (e.g. "network": {...}).
  void SetInfo(const std::string& row, const std::string& key, nlohmann::json value);

  // The "rows" array of the schema.
  nlohmann::json ToJson() const;
  // Loads rows back (for resuming); per-seed values are restored.
  static absl::StatusOr<ResultTable> FromJson(const nlohmann::json& rows);
  // Adds the rows of another result (e.g. one task's record) to this table:
  // per-seed values, single values, paper values and info; rows new to this
  // table are appended in their order. A seed's value of a metric already
  // here is replaced.
  absl::Status Merge(const nlohmann::json& rows);
  bool HasSeed(const std::string& row, const std::string& metric, int64_t seed) const;
  // One seed's value of `metric` in `row`, if recorded.
  std::optional<double> SeedValue(const std::string& row, const std::string& metric,
                                  int64_t seed) const;
  std::vector<std::string> RowNames() const { return order_; }

 private:
  struct Row {
    std::map<std::string, std::map<int64_t, double>> per_seed;  // seeded values
    std::map<std::string, double> single;                       // Set() values
    std::map<std::string, std::pair<double, std::optional<double>>> paper;
    nlohmann::json info = nlohmann::json::object();
    std::vector<std::string> metric_order;
  };
  Row& GetRow(const std::string& name);
  static void NoteMetric(Row& row, const std::string& metric);

  std::vector<std::string> order_;
  std::map<std::string, Row> rows_;
};

}  // namespace sparselab

#endif  // SPARSELAB_LIB_HARNESS_RESULT_TABLE_H_
