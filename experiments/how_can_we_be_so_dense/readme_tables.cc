#include "experiments/how_can_we_be_so_dense/readme_tables.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace sparselab::hcwbsd {
namespace {

using json = nlohmann::json;

constexpr char kMissing[] = "–";

const json* FindRow(const json& result, const std::string& name) {
  for (const json& row : result["rows"]) {
    if (row.value("name", "") == name) return &row;
  }
  return nullptr;
}

// row["metrics"][metric] or row["paper"][metric]; nullptr when absent or null.
const json* Stat(const json* row, const char* section, const std::string& metric) {
  if (row == nullptr || !row->contains(section) || !(*row)[section].contains(metric)) return nullptr;
  const json& stat = (*row)[section][metric];
  if (!stat.contains("mean") || !stat["mean"].is_number()) return nullptr;
  return &stat;
}

std::string Fixed(double value, int decimals) { return absl::StrFormat("%.*f", decimals, value); }

std::string Format(double value, int decimals, bool thousands) {
  return thousands ? WithThousands(value) : Fixed(value, decimals);
}

// "mean ± std" (std only when it is given and, for ours, n > 1).
std::string MeanStd(const json* stat, int decimals, bool thousands = false) {
  if (stat == nullptr) return kMissing;
  std::string text = Format((*stat)["mean"].get<double>(), decimals, thousands);
  const bool has_std = stat->contains("std") && (*stat)["std"].is_number() &&
                       (!stat->contains("n") || (*stat)["n"].get<int64_t>() > 1);
  if (has_std) absl::StrAppend(&text, " ± ", Format((*stat)["std"].get<double>(), decimals, thousands));
  return text;
}

std::string Signed(double value, int decimals) {
  return absl::StrFormat("%+.*f", decimals, value);
}

std::string Mean(const json* row, const std::string& metric, int decimals, bool thousands = false) {
  const json* stat = Stat(row, "metrics", metric);
  return stat == nullptr ? kMissing : Format((*stat)["mean"].get<double>(), decimals, thousands);
}

std::string Line(const std::vector<std::string>& cells) {
  return absl::StrCat("| ", absl::StrJoin(cells, " | "), " |\n");
}

// The network rows (Table 1): names without a '/' prefix, in file order.
std::vector<const json*> NetworkRows(const json& result) {
  std::vector<const json*> rows;
  for (const json& row : result["rows"]) {
    if (row.value("name", "").find('/') == std::string::npos) rows.push_back(&row);
  }
  return rows;
}

// row["info"], or an empty object (a network with no finished task has none).
const json& Info(const json& row) {
  static const json empty = json::object();
  return row.contains("info") && row["info"].is_object() ? row["info"] : empty;
}

std::vector<int64_t> SeedsOf(const json& result, const json& row) {
  const std::string network = Info(row).value("network", "");
  std::vector<int64_t> seeds;
  if (result.contains("seeds_per_network") && result["seeds_per_network"].contains(network)) {
    for (const json& s : result["seeds_per_network"][network]) seeds.push_back(s.get<int64_t>());
  }
  return seeds;
}

std::string FinishedLine(const json& result) {
  std::vector<std::string> parts;
  if (result.contains("seeds_per_network")) {
    for (const auto& [network, seeds] : result["seeds_per_network"].items()) {
      if (seeds.empty()) continue;
      parts.push_back(absl::StrCat(network, " ", absl::StrJoin(seeds.get<std::vector<int64_t>>(), ", ")));
    }
  }
  return absl::StrCat("Finished (network, seed) tasks in `result.json`: ",
                      parts.empty() ? "none" : absl::StrJoin(parts, "; "), ".\n");
}

std::string Table1(const json& result) {
  std::string out =
      "### Table 1 (test accuracy and noise score at each seed's best epoch; mean ± sample "
      "std over the seeds listed)\n\n";
  out += Line({"network", "seeds", "test accuracy % (ours)", "(paper)", "Δ pp",
               "noise score (ours)", "(paper)", "Δ %", "best epoch", "final-epoch accuracy %",
               "final-epoch noise score"});
  out += "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const json* row : NetworkRows(result)) {
    const json* accuracy = Stat(row, "metrics", "test_accuracy");
    const json* paper_accuracy = Stat(row, "paper", "test_accuracy");
    const json* noise = Stat(row, "metrics", "noise_score");
    const json* paper_noise = Stat(row, "paper", "noise_score");
    std::string delta_pp = kMissing, delta_percent = kMissing;
    if (accuracy != nullptr && paper_accuracy != nullptr) {
      delta_pp = Signed((*accuracy)["mean"].get<double>() - (*paper_accuracy)["mean"].get<double>(), 2);
    }
    if (noise != nullptr && paper_noise != nullptr) {
      const double paper = (*paper_noise)["mean"].get<double>();
      delta_percent = Signed(100.0 * ((*noise)["mean"].get<double>() - paper) / paper, 1);
    }
    std::vector<std::string> seeds;
    for (int64_t s : SeedsOf(result, *row)) seeds.push_back(std::to_string(s));
    out += Line({(*row)["name"].get<std::string>(), seeds.empty() ? kMissing : absl::StrJoin(seeds, ","),
                 MeanStd(accuracy, 2), MeanStd(paper_accuracy, 2), delta_pp,
                 MeanStd(noise, 0, true), MeanStd(paper_noise, 0, true), delta_percent,
                 MeanStd(Stat(row, "metrics", "best_epoch"), 1),
                 MeanStd(Stat(row, "metrics", "final_test_accuracy"), 2),
                 MeanStd(Stat(row, "metrics", "final_noise_score"), 0, true)});
  }
  return out;
}

std::string Figure5b(const json& result) {
  std::string out = "### Figure 5B: accuracy (%) at each noise level (best epoch, mean over seeds)\n\n";
  std::vector<std::string> metrics;
  for (const json* row : NetworkRows(result)) {
    const json* curve = FindRow(result, absl::StrCat("fig5b/", (*row)["name"].get<std::string>()));
    if (curve == nullptr || !curve->contains("metrics")) continue;
    for (const auto& [metric, stat] : (*curve)["metrics"].items()) {
      if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end()) metrics.push_back(metric);
    }
  }
  std::sort(metrics.begin(), metrics.end());  // "noise_0.00" ... "noise_0.50"
  std::vector<std::string> header = {"network"};
  std::string rule = "| ---";
  for (const std::string& metric : metrics) {
    header.push_back(std::string(absl::StripPrefix(metric, "noise_")));
    rule += " | ---:";
  }
  out += Line(header) + rule + " |\n";
  for (const json* row : NetworkRows(result)) {
    const std::string title = (*row)["name"].get<std::string>();
    const json* curve = FindRow(result, absl::StrCat("fig5b/", title));
    if (curve == nullptr) continue;
    std::vector<std::string> cells = {title};
    for (const std::string& metric : metrics) cells.push_back(Mean(curve, metric, 1));
    out += Line(cells);
  }
  return out;
}

std::string Layers(const json& result) {
  std::string out = "### Layers (best-epoch model; mean over seeds)\n\n";
  out += Line({"network / layer", "units", "k (train / eval)", "non-zero weights / weights",
               "non-zero outputs per image (train / eval)", "duty-cycle entropy / max (bits)"});
  out += "| --- | ---: | ---: | ---: | ---: | ---: |\n";
  for (const json* row : NetworkRows(result)) {
    const std::string title = (*row)["name"].get<std::string>();
    if (!Info(*row).contains("layers")) continue;
    for (const json& layer : Info(*row)["layers"]) {
      const std::string name = layer.value("name", "");
      const json* stats = FindRow(result, absl::StrCat("layers/", title, " ", name));
      if (stats == nullptr) continue;
      const int64_t k = layer.value("k", int64_t{0});
      std::string winners = name == "output" ? kMissing : "ReLU";
      if (k > 0) winners = absl::StrCat(k, " / ", layer.value("k_inference", int64_t{0}));
      std::string entropy = kMissing;
      if (Stat(stats, "metrics", "entropy") != nullptr) {
        entropy = absl::StrCat(Mean(stats, "entropy", 0), " / ", Mean(stats, "max_entropy", 0));
      }
      out += Line({absl::StrCat(title, " / ", name), std::to_string(layer.value("units", int64_t{0})),
                   winners,
                   absl::StrCat(Mean(stats, "nonzero_weights", 0, true), " / ",
                                Mean(stats, "weights", 0, true)),
                   absl::StrCat(Mean(stats, "nonzero_activations_train", 1), " / ",
                                Mean(stats, "nonzero_activations_eval", 1)),
                   entropy});
    }
  }
  return out;
}

std::string Timing(const json& result) {
  std::string out =
      "### Time per task (seconds, one thread per task; upper bounds when tasks shared the "
      "cores, see \"Epoch time\")\n\n";
  out += Line({"network", "train s / epoch (batch 64)", "first epoch s", "11-level noise test s"});
  out += "| --- | ---: | ---: | ---: |\n";
  for (const json* row : NetworkRows(result)) {
    out += Line({(*row)["name"].get<std::string>(), MeanStd(Stat(row, "metrics", "epoch_seconds"), 0),
                 MeanStd(Stat(row, "metrics", "first_epoch_seconds"), 0),
                 MeanStd(Stat(row, "metrics", "noise_test_seconds"), 0)});
  }
  return out;
}

}  // namespace

std::string WithThousands(double value) {
  const auto rounded = static_cast<int64_t>(std::llround(value));
  std::string digits = std::to_string(rounded < 0 ? -rounded : rounded);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return rounded < 0 ? "-" + digits : digits;
}

std::string ReadmeTables(const json& result) {
  if (!result.contains("rows") || !result["rows"].is_array()) return "No rows in result.json.\n";
  return absl::StrCat(FinishedLine(result), "\n", Table1(result), "\n", Figure5b(result), "\n",
                      Layers(result), "\n", Timing(result));
}

}  // namespace sparselab::hcwbsd
