#include "docs/results_tables.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "lib/base/file_io.h"
#include "lib/base/status_macros.h"

namespace sparselab {
namespace {

using nlohmann::json;

std::string Num(double v) {
  if (v == 0) return "0";
  const double a = std::fabs(v);
  if (a >= 1e-3 && a < 1e6) {
    // Plain notation with 4 significant digits, trailing zeros kept short.
    const int decimals = std::max(0, 3 - static_cast<int>(std::floor(std::log10(a))));
    return absl::StrFormat("%.*f", decimals, v);
  }
  return absl::StrFormat("%.3e", v);
}

std::string Cell(const std::string& s) { return absl::StrReplaceAll(s, {{"|", "\\|"}}); }

absl::Status Require(const json& j, const char* key, json::value_t type, const char* type_name) {
  if (!j.contains(key) || j[key].type() != type) {
    return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" missing or not ", type_name));
  }
  return absl::OkStatus();
}

}  // namespace

// One Markdown table: a column per metric in first-seen order, with a "paper"
// column beside each metric that has a paper value in any row.
static std::string RenderTable(const std::vector<json>& rows) {
  std::vector<std::string> metrics;
  for (const json& row : rows) {
    for (auto m = row["metrics"].begin(); m != row["metrics"].end(); ++m) {
      if (std::find(metrics.begin(), metrics.end(), m.key()) == metrics.end()) {
        metrics.push_back(m.key());
      }
    }
  }
  std::vector<bool> has_paper(metrics.size(), false);
  for (const json& row : rows) {
    const json paper = row.value("paper", json::object());
    for (size_t i = 0; i < metrics.size(); ++i) has_paper[i] = has_paper[i] || paper.contains(metrics[i]);
  }
  std::vector<std::string> header = {""};
  for (size_t i = 0; i < metrics.size(); ++i) {
    header.push_back(has_paper[i] ? metrics[i] + " (ours)" : metrics[i]);
    if (has_paper[i]) header.push_back(metrics[i] + " (paper)");
  }
  std::string md = absl::StrCat("| ", absl::StrJoin(header, " | "), " |\n|");
  for (size_t i = 0; i < header.size(); ++i) absl::StrAppend(&md, i ? " ---: |" : " --- |");
  md += "\n";
  for (const json& row : rows) {
    std::vector<std::string> cells = {Cell(row["name"].get<std::string>())};
    const json paper = row.value("paper", json::object());
    for (size_t i = 0; i < metrics.size(); ++i) {
      cells.push_back(row["metrics"].contains(metrics[i]) ? FormatMeanStd(row["metrics"][metrics[i]]) : "");
      if (has_paper[i]) cells.push_back(paper.contains(metrics[i]) ? FormatMeanStd(paper[metrics[i]]) : "");
    }
    absl::StrAppend(&md, "| ", absl::StrJoin(cells, " | "), " |\n");
  }
  return md;
}

std::string FormatMeanStd(const json& s) {
  if (!s.is_object() || !s.contains("mean") || !s["mean"].is_number()) return "-";
  std::string out = Num(s["mean"].get<double>());
  const int64_t n = s.value("n", int64_t{1});
  if (s.contains("std") && s["std"].is_number() && (n > 1 || !s.contains("n"))) {
    out += " ± " + Num(s["std"].get<double>());
  }
  return out;
}

absl::StatusOr<std::string> RenderExperiment(const json& r) {
  if (!r.is_object()) return absl::InvalidArgumentError("not a JSON object");
  RETURN_IF_ERROR(Require(r, "experiment", json::value_t::string, "a string"));
  RETURN_IF_ERROR(Require(r, "rows", json::value_t::array, "an array"));
  RETURN_IF_ERROR(Require(r, "provenance", json::value_t::object, "an object"));
  const json& prov = r["provenance"];
  std::string md = absl::StrCat("## ", r["experiment"].get<std::string>(), "\n\n");
  if (r.contains("paper") && r["paper"].is_string()) {
    absl::StrAppend(&md, "Paper: ", r["paper"].get<std::string>(), "\n\n");
  }
  std::vector<std::string> seeds;
  for (const auto& s : r.value("seeds", json::array())) seeds.push_back(s.dump());
  const json machine = prov.value("machine", json::object());
  absl::StrAppend(
      &md, "Preset `", r.value("preset", std::string("?")), "`, seeds ",
      seeds.empty() ? "-" : absl::StrJoin(seeds, ", "), "; commit `",
      prov.value("git_commit", std::string("unknown")).substr(0, 12), "`, ",
      prov.value("date", std::string("?")), ", ",
      absl::StrFormat("%.0f s", prov.value("wall_seconds", 0.0)), " wall, ",
      prov.value("threads", 0), " thread(s) on ", prov.value("device", std::string("?")), ", ",
      machine.value("cpu", std::string("unknown CPU")), ".\n\n");

  for (const json& row : r["rows"]) {
    if (!row.is_object() || !row.contains("name") || !row["name"].is_string() ||
        !row.contains("metrics") || !row["metrics"].is_object()) {
      return absl::InvalidArgumentError("a row lacks a string \"name\" or a \"metrics\" object");
    }
  }
  if (r["rows"].empty()) return md + "(no rows)\n\n";
  // Rows of one family ("fig2/a_x=64/n=300", "fig2/...") share a table; a new
  // name prefix (up to the first '/') starts a new one.
  std::vector<std::pair<std::string, std::vector<json>>> groups;
  for (const json& row : r["rows"]) {
    const std::string name = row["name"];
    const size_t cut = name.find('/');
    const std::string prefix = cut == std::string::npos ? "" : name.substr(0, cut);
    if (groups.empty() || groups.back().first != prefix) groups.push_back({prefix, {}});
    groups.back().second.push_back(row);
  }
  for (const auto& [prefix, rows] : groups) {
    if (groups.size() > 1 && !prefix.empty()) absl::StrAppend(&md, "### ", prefix, "\n\n");
    absl::StrAppend(&md, RenderTable(rows), "\n");
  }
  return md;
}

RenderedDocs RenderResults(const std::vector<std::string>& paths) {
  std::vector<std::string> sorted = paths;
  std::sort(sorted.begin(), sorted.end());
  RenderedDocs docs;
  docs.markdown =
      "# sparselab results\n\n"
      "Generated by `bazel run //docs:tables` from every `experiments/*/result.json`; do not "
      "edit by hand. \"ours\" is the mean ± sample standard deviation over seeds; \"paper\" is "
      "the figure the paper (or its reference code) reports.\n\n";
  for (const std::string& path : sorted) {
    absl::StatusOr<json> j = ReadJsonFile(path);
    absl::StatusOr<std::string> section =
        j.ok() ? RenderExperiment(*j) : absl::StatusOr<std::string>(j.status());
    if (section.ok()) {
      // A further result file of an experiment is titled with its file name.
      const std::string file = path.substr(path.rfind('/') + 1);
      if (file != "result.json") {
        const size_t eol = section->find('\n');
        section->insert(eol, " (" + file + ")");
      }
      docs.markdown += *section;
    } else {
      const std::string error = absl::StrCat(path, ": ", section.status().message());
      docs.errors.push_back(error);
      absl::StrAppend(&docs.markdown, "## ", path, "\n\nCould not be rendered: ",
                      section.status().message(), "\n\n");
    }
  }
  return docs;
}

}  // namespace sparselab
