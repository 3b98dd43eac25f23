#include "experiments/how_can_we_be_so_dense/summary.h"

#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "experiments/how_can_we_be_so_dense/task.h"

namespace sparselab::how_can_we_be_so_dense {
namespace {

// Calls fn(metric, value) for every value of row `name` in a task's result.
void ForEachValue(const nlohmann::json& result, const std::string& name,
                  const std::function<void(const std::string&, double)>& fn) {
  for (const nlohmann::json& row : result["rows"]) {
    if (row["name"] != name || !row.contains("per_seed")) continue;
    for (auto m = row["per_seed"].begin(); m != row["per_seed"].end(); ++m) {
      for (auto s = m.value().begin(); s != m.value().end(); ++s) {
        if (s.value().is_number()) fn(m.key(), s.value().get<double>());
      }
    }
  }
}

}  // namespace

std::string Figure5bRow(const NetworkSpec& spec) { return absl::StrCat("fig5b/", spec.title); }
std::string NoiseMetric(double level) { return absl::StrFormat("noise_%.2f", level); }
std::string LayerSummaryRow(const NetworkSpec& spec, const std::string& layer) {
  return absl::StrCat("layers/", spec.title, " ", layer);
}

ResultTable SummaryTable(const std::vector<NetworkSpec>& networks, const FinishedTasks& finished,
                         const std::vector<double>& noise_levels) {
  ResultTable table;
  // Calls fn(seed, result) for each finished task of `spec`, seeds ascending.
  auto for_each_task = [&](const NetworkSpec& spec,
                           const std::function<void(int64_t, const nlohmann::json&)>& fn) {
    for (const auto& [key, result] : finished) {
      if (key.first == spec.name) fn(key.second, result);
    }
  };
  for (const NetworkSpec& spec : networks) {
    SetPaperValues(spec, table);
    for_each_task(spec, [&](int64_t seed, const nlohmann::json& result) {
      ForEachValue(result, MainRow(spec), [&](const std::string& metric, double v) {
        table.Add(MainRow(spec), metric, seed, v);
      });
      table.SetInfo(MainRow(spec), "network", spec.name);
      table.SetInfo(MainRow(spec), "layers", result["layers"]);
    });
  }
  for (const NetworkSpec& spec : networks) {
    for_each_task(spec, [&](int64_t seed, const nlohmann::json& result) {
      for (double level : noise_levels) {
        ForEachValue(result, NoiseRow(spec, level), [&](const std::string& metric, double v) {
          if (metric == "accuracy") table.Add(Figure5bRow(spec), NoiseMetric(level), seed, v);
        });
      }
    });
  }
  for (const NetworkSpec& spec : networks) {
    for_each_task(spec, [&](int64_t seed, const nlohmann::json& result) {
      for (const nlohmann::json& layer : result["layers"]) {
        const std::string name = layer["name"];
        ForEachValue(result, LayerRow(spec, name), [&](const std::string& metric, double v) {
          table.Add(LayerSummaryRow(spec, name), metric, seed, v);
        });
      }
    });
  }
  return table;
}

}  // namespace sparselab::how_can_we_be_so_dense
