#include "lib/harness/result_table.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sparselab {

using nlohmann::json;

Summary Summarize(const std::vector<double>& values) {
  Summary s;
  s.n = static_cast<int64_t>(values.size());
  if (values.empty()) return s;
  double sum = 0.0;
  for (double v : values) sum += v;
  s.mean = sum / s.n;
  if (s.n > 1) {
    double ss = 0.0;
    for (double v : values) ss += (v - s.mean) * (v - s.mean);
    s.std = std::sqrt(ss / (s.n - 1));
  }
  return s;
}

ResultTable::Row& ResultTable::GetRow(const std::string& name) {
  auto it = rows_.find(name);
  if (it == rows_.end()) {
    order_.push_back(name);
    it = rows_.emplace(name, Row{}).first;
  }
  return it->second;
}

void ResultTable::NoteMetric(Row& row, const std::string& metric) {
  for (const std::string& m : row.metric_order) {
    if (m == metric) return;
  }
  row.metric_order.push_back(metric);
}

void ResultTable::Add(const std::string& row, const std::string& metric, int64_t seed,
                      double value) {
  Row& r = GetRow(row);
  NoteMetric(r, metric);
  r.per_seed[metric][seed] = value;
}

void ResultTable::Set(const std::string& row, const std::string& metric, double value) {
  Row& r = GetRow(row);
  NoteMetric(r, metric);
  r.single[metric] = value;
}

void ResultTable::SetPaper(const std::string& row, const std::string& metric, double mean,
                           std::optional<double> std) {
  GetRow(row).paper[metric] = {mean, std};
}

void ResultTable::SetInfo(const std::string& row, const std::string& key, json value) {
  GetRow(row).info[key] = std::move(value);
}

bool ResultTable::HasSeed(const std::string& row, const std::string& metric,
                          int64_t seed) const {
  return SeedValue(row, metric, seed).has_value();
}

std::optional<double> ResultTable::SeedValue(const std::string& row, const std::string& metric,
                                             int64_t seed) const {
  auto r = rows_.find(row);
  if (r == rows_.end()) return std::nullopt;
  auto m = r->second.per_seed.find(metric);
  if (m == r->second.per_seed.end()) return std::nullopt;
  auto v = m->second.find(seed);
  if (v == m->second.end()) return std::nullopt;
  return v->second;
}

// A JSON number, or null for NaN/inf (JSON has no such numbers).
static json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json ResultTable::ToJson() const {
  json rows = json::array();
  for (const std::string& name : order_) {
    const Row& r = rows_.at(name);
    json row = {{"name", name}};
    json metrics = json::object();
    json per_seed = json::object();
    for (const std::string& m : r.metric_order) {
      if (auto s = r.single.find(m); s != r.single.end()) {
        metrics[m] = {{"mean", Number(s->second)}, {"std", 0.0}, {"n", 1}};
        continue;
      }
      const auto& seeds = r.per_seed.at(m);
      std::vector<double> values;
      json seed_values = json::object();
      for (const auto& [seed, v] : seeds) {
        values.push_back(v);
        seed_values[std::to_string(seed)] = Number(v);
      }
      Summary s = Summarize(values);
      metrics[m] = {{"mean", Number(s.mean)}, {"std", Number(s.std)}, {"n", s.n}};
      per_seed[m] = seed_values;
    }
    row["metrics"] = metrics;
    json paper = json::object();
    for (const auto& [m, v] : r.paper) {
      paper[m] = {{"mean", v.first}};
      if (v.second) paper[m]["std"] = *v.second;
    }
    row["paper"] = paper;
    if (!per_seed.empty()) row["per_seed"] = per_seed;
    if (!r.info.empty()) row["info"] = r.info;
    rows.push_back(row);
  }
  return rows;
}

absl::StatusOr<ResultTable> ResultTable::FromJson(const json& rows) {
  ResultTable table;
  absl::Status status = table.Merge(rows);
  if (!status.ok()) return status;
  return table;
}

absl::Status ResultTable::Merge(const json& rows) {
  if (!rows.is_array()) return absl::InvalidArgumentError("\"rows\" must be an array");
  for (const json& row : rows) {
    if (!row.is_object() || !row.contains("name") || !row["name"].is_string()) {
      return absl::InvalidArgumentError("every row needs a string \"name\"");
    }
    const std::string name = row["name"];
    Row& r = GetRow(name);
    const json metrics = row.value("metrics", json::object());
    const json per_seed = row.value("per_seed", json::object());
    for (auto m = metrics.begin(); m != metrics.end(); ++m) {
      NoteMetric(r, m.key());
      if (per_seed.contains(m.key())) {
        for (auto s = per_seed[m.key()].begin(); s != per_seed[m.key()].end(); ++s) {
          int64_t seed = 0;
          if (!absl::SimpleAtoi(s.key(), &seed)) {
            return absl::InvalidArgumentError(
                absl::StrCat("row '", name, "': seed key '", s.key(), "' is not an integer"));
          }
          r.per_seed[m.key()][seed] = s.value().is_number() ? s.value().get<double>() : NAN;
        }
      } else {
        const json& mean = m.value()["mean"];
        r.single[m.key()] = mean.is_number() ? mean.get<double>() : NAN;
      }
    }
    const json paper = row.value("paper", json::object());
    for (auto p = paper.begin(); p != paper.end(); ++p) {
      if (!p.value().is_object() || !p.value().contains("mean") || !p.value()["mean"].is_number()) {
        return absl::InvalidArgumentError(
            absl::StrCat("row '", name, "': paper value of '", p.key(), "' has no numeric mean"));
      }
      std::optional<double> sd;
      if (p.value().contains("std") && p.value()["std"].is_number()) sd = p.value()["std"].get<double>();
      r.paper[p.key()] = {p.value()["mean"].get<double>(), sd};
    }
    if (row.contains("info") && row["info"].is_object()) {
      for (auto i = row["info"].begin(); i != row["info"].end(); ++i) r.info[i.key()] = i.value();
    }
  }
  return absl::OkStatus();
}

}  // namespace sparselab
