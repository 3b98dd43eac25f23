#include "lib/harness/markdown_tables.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <regex>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "lib/base/status_macros.h"

namespace sparselab {
namespace {

using nlohmann::json;

std::string Cell(const std::string& s) { return absl::StrReplaceAll(s, {{"|", "\\|"}}); }

std::string Line(const std::vector<std::string>& cells) {
  return absl::StrCat("| ", absl::StrJoin(cells, " | "), " |\n");
}

// The header rule: the label column left-aligned, the numbers right-aligned.
std::string Rule(size_t columns) {
  std::string rule = "| --- |";
  for (size_t i = 1; i < columns; ++i) rule += " ---: |";
  return rule + "\n";
}

std::string WithThousands(const std::string& digits) {
  // digits: an optional sign, integer digits, optional fraction.
  const size_t start = (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) ? 1 : 0;
  const size_t dot = std::min(digits.find('.'), digits.size());
  std::string out = digits;
  for (int i = static_cast<int>(dot) - 3; i > static_cast<int>(start); i -= 3) out.insert(i, ",");
  return out;
}

// The summary {"mean", "std", "n"} of `section` ("metrics" or "paper") of a
// row for `metric`; nullptr when absent or its mean is null.
const json* Stat(const json* row, const char* section, const std::string& metric) {
  if (row == nullptr || !row->contains(section) || !(*row)[section].is_object() ||
      !(*row)[section].contains(metric)) {
    return nullptr;
  }
  const json& stat = (*row)[section][metric];
  if (!stat.is_object() || !stat.contains("mean") || !stat["mean"].is_number()) return nullptr;
  return &stat;
}

double Mean(const json* stat) { return (*stat)["mean"].get<double>(); }

// Merges a column's format over the table's: a column's own keys win.
NumberFormat ParseFormat(const json& j, NumberFormat base) {
  if (j.contains("scale")) base.scale = j["scale"].get<double>();
  if (j.contains("decimals")) base.decimals = j["decimals"].get<int>();
  if (j.contains("thousands")) base.thousands = j["thousands"].get<bool>();
  if (j.contains("std")) base.std = j["std"].get<bool>();
  return base;
}

absl::Status CheckKeys(const json& j, const std::set<std::string>& allowed,
                       const std::string& where) {
  if (!j.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, " must be an object"));
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (allowed.count(it.key()) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": unknown key \"", it.key(), "\" (known: ", absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckType(const json& j, const char* key, bool ok, const char* what,
                       const std::string& where) {
  if (j.contains(key) && !ok) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": \"", key, "\" must be ", what));
  }
  return absl::OkStatus();
}

absl::Status CheckFormatKeys(const json& j, const std::string& where) {
  RETURN_IF_ERROR(CheckType(j, "decimals",
                                      j.value("decimals", json(0)).is_number_integer() &&
                                          j.value("decimals", json(0)).get<int>() >= 0 &&
                                          j.value("decimals", json(0)).get<int>() <= 12,
                                      "an integer from 0 to 12", where));
  RETURN_IF_ERROR(
      CheckType(j, "thousands", j.value("thousands", json(false)).is_boolean(), "true or false", where));
  RETURN_IF_ERROR(CheckType(j, "scale",
                            j.value("scale", json(1)).is_number() &&
                                j.value("scale", json(1)).get<double>() != 0,
                            "a non-zero number", where));
  return CheckType(j, "std", j.value("std", json(true)).is_boolean(), "true or false", where);
}

absl::Status CheckRegex(const std::string& pattern, const std::string& where) {
  try {
    std::regex re(pattern);
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": \"", pattern, "\" is not a valid regular expression (", e.what(), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<TableColumn> ParseColumn(const json& j, const NumberFormat& table_format,
                                        const std::string& where) {
  RETURN_IF_ERROR(CheckKeys(
      j, {"metric", "seeds", "label", "decimals", "thousands", "std", "scale", "paper",
          "paper_label", "delta", "vs"},
      where));
  RETURN_IF_ERROR(CheckFormatKeys(j, where));
  TableColumn c;
  if (j.contains("seeds")) {
    if (!j["seeds"].is_boolean() || !j["seeds"].get<bool>() || j.contains("metric")) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": a seeds column is {\"seeds\": true} and has no \"metric\""));
    }
    c.kind = TableColumn::Kind::kSeeds;
    c.label = j.value("label", "seeds");
    return c;
  }
  if (!j.contains("metric") || !j["metric"].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": a column needs a string \"metric\""));
  }
  RETURN_IF_ERROR(CheckType(j, "label", j.value("label", json("")).is_string(), "a string", where));
  RETURN_IF_ERROR(CheckType(j, "paper", j.value("paper", json(false)).is_boolean(), "true or false", where));
  c.metric = j["metric"];
  c.label = j.value("label", c.metric);
  c.format = ParseFormat(j, table_format);
  c.paper = j.value("paper", false);
  RETURN_IF_ERROR(CheckType(j, "paper_label", j.value("paper_label", json("")).is_string(), "a string", where));
  RETURN_IF_ERROR(CheckType(j, "vs", j.value("vs", json("")).is_string(), "a metric name", where));
  c.paper_label = j.value("paper_label", "(paper)");
  c.vs = j.value("vs", "");
  const std::string delta = j.value("delta", "none");
  if (delta == "difference") {
    c.delta = TableColumn::Delta::kDifference;
  } else if (delta == "percent") {
    c.delta = TableColumn::Delta::kPercent;
  } else if (delta != "none") {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": \"delta\" is \"", delta, "\"; use \"difference\", \"percent\" or leave it out"));
  }
  return c;
}

absl::StatusOr<TableSpec> ParseTable(const std::string& name, const json& j,
                                     const std::string& origin) {
  // (config.json is read with its key order kept; the spec's own keys need none)
  const std::string where = absl::StrCat(origin, ": table \"", name, "\"");
  RETURN_IF_ERROR(CheckKeys(j, {"caption", "file", "label", "rows", "columns", "pivot",
                                "metric", "metric_label", "decimals", "thousands", "std", "scale"},
                            where));
  RETURN_IF_ERROR(CheckFormatKeys(j, where));
  for (const char* key : {"caption", "file", "label", "pivot", "metric", "metric_label"}) {
    RETURN_IF_ERROR(CheckType(j, key, j.value(key, json("")).is_string(), "a string", where));
  }
  TableSpec t;
  t.name = name;
  t.caption = j.value("caption", "");
  t.file = j.value("file", "result.json");
  t.label = j.value("label", "");
  t.format = ParseFormat(j, NumberFormat{});
  if (j.contains("rows")) {
    if (!j["rows"].is_array()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": \"rows\" must be a list of regexes"));
    }
    for (const json& r : j["rows"]) {
      if (!r.is_string()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": \"rows\" must be a list of regexes"));
      }
      RETURN_IF_ERROR(CheckRegex(r.get<std::string>(), where));
      t.rows.push_back(r);
    }
  }
  if (j.contains("pivot")) {
    t.pivot = j["pivot"];
    RETURN_IF_ERROR(CheckRegex(t.pivot, where));
    if (std::regex(t.pivot).mark_count() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": \"pivot\" needs exactly two groups, (row) and (column): ", t.pivot));
    }
    if (!j.contains("metric") || j.contains("columns") || j.contains("rows")) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": a pivot table has a \"metric\" (the cell value) and no \"columns\" or \"rows\""));
    }
    t.metric = j["metric"];
    return t;
  }
  if (j.contains("metric")) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": \"metric\" belongs to pivot tables"));
  }
  if (!j.contains("columns")) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": needs \"columns\" (a list, or \"all\") or a \"pivot\""));
  }
  if (j["columns"].is_string() && j["columns"] == "all") {
    t.all_metrics = true;
    t.metric_label = j.value("metric_label", "");
    if (!t.metric_label.empty()) RETURN_IF_ERROR(CheckRegex(t.metric_label, where));
    return t;
  }
  if (j.contains("metric_label")) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": \"metric_label\" belongs to \"columns\": \"all\""));
  }
  if (!j["columns"].is_array() || j["columns"].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": \"columns\" must be \"all\" or a non-empty list of columns"));
  }
  for (size_t i = 0; i < j["columns"].size(); ++i) {
    absl::StatusOr<TableColumn> c =
        ParseColumn(j["columns"][i], t.format, absl::StrCat(where, " column ", i + 1));
    if (!c.ok()) return c.status();
    t.columns.push_back(*std::move(c));
  }
  return t;
}

// Rows selected by the spec, with their labels, in file order.
std::vector<std::pair<std::string, const json*>> SelectRows(const TableSpec& spec,
                                                            const json& result) {
  std::vector<std::pair<std::string, const json*>> rows;
  if (!result.contains("rows") || !result["rows"].is_array()) return rows;
  std::vector<std::regex> patterns;
  for (const std::string& r : spec.rows) patterns.emplace_back(r);
  // Rows in the order of the regexes (a row matches its first), file order
  // within one.
  std::vector<std::vector<std::pair<std::string, const json*>>> by_pattern(
      std::max<size_t>(patterns.size(), 1));
  for (const json& row : result["rows"]) {
    if (!row.is_object() || !row.contains("name") || !row["name"].is_string()) continue;
    const std::string name = row["name"];
    if (patterns.empty()) {
      by_pattern[0].emplace_back(name, &row);
      continue;
    }
    for (size_t i = 0; i < patterns.size(); ++i) {
      std::smatch m;
      if (std::regex_search(name, m, patterns[i])) {
        by_pattern[i].emplace_back(m.size() > 1 && m[1].matched ? m[1].str() : name, &row);
        break;
      }
    }
  }
  for (auto& group : by_pattern) rows.insert(rows.end(), group.begin(), group.end());
  return rows;
}

std::string SeedsCell(const json& row) {
  if (!row.contains("per_seed") || !row["per_seed"].is_object() || row["per_seed"].empty()) {
    return kMissingCell;
  }
  std::vector<int64_t> seeds;
  for (const auto& [seed, value] : row["per_seed"].begin().value().items()) {
    seeds.push_back(std::stoll(seed));
  }
  std::sort(seeds.begin(), seeds.end());
  return absl::StrJoin(seeds, ",");
}

std::string DeltaCell(const TableColumn& c, const json* ours, const json* paper) {
  if (ours == nullptr || paper == nullptr) return kMissingCell;
  // Differences are shown at the column's scale.
  NumberFormat f = c.format;
  f.std = false;
  if (c.delta == TableColumn::Delta::kDifference) {
    const double d = Mean(ours) - Mean(paper);
    const std::string text = FormatNumber(d, f);
    return (text[0] == '-' ? "" : "+") + text;
  }
  if (Mean(paper) == 0) return kMissingCell;
  const double d = 100.0 * (Mean(ours) - Mean(paper)) / Mean(paper);
  return absl::StrFormat("%+.1f", d);
}

std::string Caption(const TableSpec& spec) {
  return spec.caption.empty() ? "" : absl::StrCat("*", spec.caption, "*\n\n");
}

std::string RenderPivot(const TableSpec& spec, const json& result) {
  const std::regex re(spec.pivot);
  std::vector<std::string> row_labels, column_labels;
  std::map<std::pair<std::string, std::string>, const json*> cells;
  if (!result.contains("rows") || !result["rows"].is_array()) {
    return absl::StrCat(Caption(spec), "(no rows yet)\n");
  }
  for (const json& row : result["rows"]) {
    if (!row.is_object() || !row.contains("name") || !row["name"].is_string()) continue;
    const std::string name = row["name"];
    std::smatch m;
    if (!std::regex_search(name, m, re)) continue;
    const std::string r = m[1].str(), c = m[2].str();
    if (std::find(row_labels.begin(), row_labels.end(), r) == row_labels.end()) row_labels.push_back(r);
    if (std::find(column_labels.begin(), column_labels.end(), c) == column_labels.end()) {
      column_labels.push_back(c);
    }
    cells[{r, c}] = &row;
  }
  if (row_labels.empty()) return absl::StrCat(Caption(spec), "(no rows yet)\n");
  std::vector<std::string> header = {spec.label};
  for (const std::string& c : column_labels) header.push_back(Cell(c));
  std::string md = Caption(spec) + Line(header) + Rule(header.size());
  for (const std::string& r : row_labels) {
    std::vector<std::string> line = {Cell(r)};
    for (const std::string& c : column_labels) {
      auto it = cells.find({r, c});
      const json* stat = it == cells.end() ? nullptr : Stat(it->second, "metrics", spec.metric);
      line.push_back(stat == nullptr ? kMissingCell : FormatMeanStd(*stat, spec.format));
    }
    md += Line(line);
  }
  return md;
}

// The columns of a "columns": "all" table: every metric of the rows, with a
// paper column where any row has the paper's value.
std::vector<TableColumn> AllMetricColumns(
    const std::vector<std::pair<std::string, const json*>>& rows, const NumberFormat& format,
    const std::string& metric_label) {
  const std::regex label_re(metric_label.empty() ? "^$" : metric_label);
  std::vector<TableColumn> columns;
  auto find = [&](const std::string& metric) {
    return std::find_if(columns.begin(), columns.end(),
                        [&](const TableColumn& c) { return c.metric == metric; });
  };
  for (const auto& [label, row] : rows) {
    for (const char* section : {"metrics", "paper"}) {
      if (!row->contains(section) || !(*row)[section].is_object()) continue;
      for (auto m = (*row)[section].begin(); m != (*row)[section].end(); ++m) {
        auto it = find(m.key());
        if (it == columns.end()) {
          TableColumn c;
          c.metric = c.label = m.key();
          std::smatch lm;
          if (!metric_label.empty() && std::regex_search(c.metric, lm, label_re) && lm.size() > 1) {
            c.label = lm[1].str();
          }
          c.format = format;
          columns.push_back(c);
          it = columns.end() - 1;
        }
        if (std::string(section) == "paper") it->paper = true;
      }
    }
  }
  return columns;
}

std::string RenderRows(const TableSpec& spec,
                       const std::vector<std::pair<std::string, const json*>>& rows) {
  if (rows.empty()) return absl::StrCat(Caption(spec), "(no rows yet)\n");
  const std::vector<TableColumn> columns =
      spec.all_metrics ? AllMetricColumns(rows, spec.format, spec.metric_label) : spec.columns;
  std::vector<std::string> header = {spec.label};
  for (const TableColumn& c : columns) {
    const bool beside = c.paper || (c.delta != TableColumn::Delta::kNone && c.vs.empty());
    header.push_back(Cell(beside ? c.label + " (ours)" : c.label));
    if (c.paper) header.push_back(Cell(c.paper_label));
    const std::string vs = c.vs.empty() ? "" : " vs " + c.vs;
    if (c.delta == TableColumn::Delta::kDifference) header.push_back(Cell("Δ" + vs));
    if (c.delta == TableColumn::Delta::kPercent) header.push_back(Cell("Δ %" + vs));
  }
  std::string md = Caption(spec) + Line(header) + Rule(header.size());
  for (const auto& [label, row] : rows) {
    std::vector<std::string> line = {Cell(label)};
    for (const TableColumn& c : columns) {
      if (c.kind == TableColumn::Kind::kSeeds) {
        line.push_back(SeedsCell(*row));
        continue;
      }
      const json* ours = Stat(row, "metrics", c.metric);
      const json* paper = Stat(row, "paper", c.metric);
      line.push_back(ours == nullptr ? kMissingCell : FormatMeanStd(*ours, c.format));
      if (c.paper) line.push_back(paper == nullptr ? kMissingCell : FormatMeanStd(*paper, c.format));
      if (c.delta != TableColumn::Delta::kNone) {
        line.push_back(DeltaCell(c, ours, c.vs.empty() ? paper : Stat(row, "metrics", c.vs)));
      }
    }
    md += Line(line);
  }
  return md;
}

}  // namespace

std::string FormatNumber(double value, const NumberFormat& format) {
  if (!std::isfinite(value)) return kMissingCell;
  value *= format.scale;
  std::string text;
  if (format.decimals.has_value()) {
    text = absl::StrFormat("%.*f", *format.decimals, value);
  } else if (value == 0) {
    text = "0";
  } else {
    const double a = std::fabs(value);
    if (a >= 1e-3 && a < 1e6) {
      const int decimals = std::max(0, 3 - static_cast<int>(std::floor(std::log10(a))));
      text = absl::StrFormat("%.*f", decimals, value);
    } else {
      return absl::StrFormat("%.3e", value);
    }
  }
  // "-0.00" is zero.
  if (text[0] == '-' && text.find_first_not_of("-0.,") == std::string::npos) text = text.substr(1);
  return format.thousands ? WithThousands(text) : text;
}

std::string FormatMeanStd(const json& summary, const NumberFormat& format) {
  if (!summary.is_object() || !summary.contains("mean") || !summary["mean"].is_number()) {
    return kMissingCell;
  }
  std::string out = FormatNumber(summary["mean"].get<double>(), format);
  const bool several = !summary.contains("n") ||
                       (summary["n"].is_number() && summary["n"].get<double>() > 1);
  if (format.std && several && summary.contains("std") && summary["std"].is_number()) {
    out += " ± " + FormatNumber(summary["std"].get<double>(), format);
  }
  return out;
}

const json* FindResultRow(const json& result, const std::string& name) {
  if (!result.contains("rows") || !result["rows"].is_array()) return nullptr;
  for (const json& row : result["rows"]) {
    if (row.is_object() && row.value("name", "") == name) return &row;
  }
  return nullptr;
}

absl::StatusOr<std::vector<TableSpec>> ParseTableSpecs(const nlohmann::ordered_json& tables,
                                                       const std::string& origin) {
  std::vector<TableSpec> specs;
  if (tables.is_null()) return specs;
  if (!tables.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": \"tables\" must be an object"));
  }
  for (auto it = tables.begin(); it != tables.end(); ++it) {
    absl::StatusOr<TableSpec> t = ParseTable(it.key(), json::parse(it.value().dump()), origin);
    if (!t.ok()) return t.status();
    specs.push_back(*std::move(t));
  }
  return specs;
}

std::string RenderTable(const TableSpec& spec, const json& result) {
  if (!spec.pivot.empty()) return RenderPivot(spec, result);
  return RenderRows(spec, SelectRows(spec, result));
}

std::string RenderAllMetrics(const json& result) {
  if (!result.contains("rows") || !result["rows"].is_array() || result["rows"].empty()) {
    return "(no rows)\n";
  }
  // Rows of one family ("fig2/a_x=64/n=300", "fig2/...") share a table; a new
  // name prefix (up to the first '/') starts a new one.
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, const json*>>>> families;
  for (const json& row : result["rows"]) {
    if (!row.is_object() || !row.contains("name") || !row["name"].is_string()) continue;
    const std::string name = row["name"];
    const size_t cut = name.find('/');
    const std::string prefix(
        absl::StripAsciiWhitespace(cut == std::string::npos ? "" : name.substr(0, cut)));
    if (families.empty() || families.back().first != prefix) families.push_back({prefix, {}});
    families.back().second.emplace_back(name, &row);
  }
  TableSpec spec;
  spec.all_metrics = true;
  std::string md;
  for (const auto& [prefix, rows] : families) {
    if (families.size() > 1 && !prefix.empty()) absl::StrAppend(&md, "### ", prefix, "\n\n");
    absl::StrAppend(&md, RenderRows(spec, rows), "\n");
  }
  return md;
}

}  // namespace sparselab
