#include "experiments/pruning/figures.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/base/plot.h"
#include "lib/base/status_macros.h"
#include "nlohmann/json.hpp"

namespace sparselab::pruning_experiment {
namespace {

double MeanOf(const nlohmann::json& rows, const std::string& row, const std::string& metric,
              bool* found) {
  for (const nlohmann::json& r : rows) {
    if (r["name"] == row && r["metrics"].contains(metric)) {
      *found = true;
      return r["metrics"][metric]["mean"].get<double>();
    }
  }
  *found = false;
  return 0;
}

}  // namespace

absl::Status WriteFigures(Experiment& ex, const RunOptions& o) {
  const nlohmann::json rows = ex.table().ToJson();
  std::vector<std::string> done;
  for (const RowSpec& dense : o.rows) {
    if (dense.method != "dense") continue;
    const Architecture& a = dense.architecture;
    std::vector<Series> series;
    for (const std::string& m : Methods()) {
      Series s{m == "one_shot" ? "one-shot" : m == "small_dense" ? "small-dense" : m, {}, {}};
      for (const RowSpec& r : o.rows) {
        bool found = false;
        if (r.architecture.name != a.name || r.method != m) continue;
        const double acc = MeanOf(rows, r.title, "test_accuracy", &found);
        if (found) {
          s.x.push_back(100.0 * (1.0 - r.sparsity));
          s.y.push_back(acc);
        }
      }
      if (!s.x.empty()) series.push_back(s);
    }
    bool found = false;
    const double dense_acc = MeanOf(rows, dense.title, "test_accuracy", &found);
    if (series.empty()) continue;
    if (found) {
      Series d{"dense", {1.0, 50.0}, {dense_acc, dense_acc}, "lines dashtype 2"};
      series.push_back(d);
    }
    PlotOptions plot;
    plot.title = absl::StrCat(a.title, " on MNIST: test accuracy against weights kept");
    plot.xlabel = "non-zero weights (% of the dense model's)";
    plot.ylabel = "test accuracy (%)";
    plot.log_x = true;
    plot.extra = "set key right bottom";
    const std::string file = absl::StrCat("accuracy_vs_sparsity_", a.name, ".png");
    RETURN_IF_ERROR(PlotLines(ex.OutputPath(file), series, plot));
    done.push_back(file);
  }
  // Bayesian Bits: accuracy against relative BOPs over mu, beside the paper's point.
  Series ours{"Bayesian Bits (ours, over mu)", {}, {}};
  for (const RowSpec& r : o.rows) {
    bool found_acc = false, found_bops = false;
    if (r.method != "bayesian_bits") continue;
    const double acc = MeanOf(rows, r.title, "test_accuracy", &found_acc);
    const double bops = MeanOf(rows, r.title, "relative_bops_percent", &found_bops);
    if (found_acc && found_bops) {
      ours.x.push_back(bops);
      ours.y.push_back(acc);
    }
  }
  if (!ours.x.empty()) {
    Series paper{"van Baalen et al. 2020, mu = 0.1", {0.36}, {99.30}, "points pt 7 ps 2"};
    PlotOptions plot;
    plot.title = "Bayesian Bits, LeNet-5 on MNIST: test accuracy against relative BOPs";
    plot.xlabel = "BOPs relative to 32-bit weights and activations (%)";
    plot.ylabel = "test accuracy (%)";
    plot.log_x = true;
    plot.extra = "set key right bottom";
    const std::string file = "bayesian_bits_accuracy_vs_bops.png";
    RETURN_IF_ERROR(PlotLines(ex.OutputPath(file), {ours, paper}, plot));
    done.push_back(file);
  }
  ex.extra()["figures"] = done;
  return absl::OkStatus();
}

}  // namespace sparselab::pruning_experiment
