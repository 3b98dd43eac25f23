#include "experiments/how_can_we_be_so_dense/figures.h"

#include <ATen/CPUGeneratorImpl.h>

#include "experiments/how_can_we_be_so_dense/summary.h"
#include "experiments/how_can_we_be_so_dense/task.h"
#include "lib/data/noise.h"
#include "lib/base/plot.h"

namespace sparselab::how_can_we_be_so_dense {

absl::Status WriteNoiseSamplesFigure(const std::string& png_path, const Dataset& test,
                                     const std::vector<double>& levels, int64_t images,
                                     double noise_value, uint64_t seed) {
  const at::Tensor clean = test.inputs.narrow(0, 0, std::min(images, test.size()));
  const int64_t pixels = clean[0].numel();
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<at::Tensor> rows;
  for (double level : levels) {
    const double fraction =
        static_cast<double>(NoisyPixels(level, pixels)) / static_cast<double>(pixels);
    rows.push_back(RandomPixelNoise(clean, fraction, noise_value, generator));
  }
  return WriteImageGrid(png_path, at::cat(rows, 0), static_cast<int>(clean.size(0)), 3);
}

absl::StatusOr<int> WriteNoiseCurvesFigure(const std::string& png_path,
                                           const nlohmann::json& rows,
                                           const std::vector<NetworkSpec>& networks,
                                           const std::vector<double>& levels) {
  std::vector<Series> series;
  for (const NetworkSpec& spec : networks) {
    Series s;
    s.title = spec.title;
    for (const nlohmann::json& row : rows) {
      if (row["name"] != Figure5bRow(spec)) continue;
      for (double level : levels) {
        if (!row["metrics"].contains(NoiseMetric(level))) continue;
        s.x.push_back(level);
        s.y.push_back(row["metrics"][NoiseMetric(level)]["mean"].get<double>());
      }
    }
    if (s.x.size() == levels.size()) series.push_back(std::move(s));
  }
  if (series.empty()) return 0;
  PlotOptions options;
  options.title = "Figure 5B: MNIST test accuracy against noise (mean over seeds)";
  options.xlabel = "noise (fraction of pixels set to mean + 2 std)";
  options.ylabel = "test accuracy (%)";
  options.extra = "set key inside left bottom; set yrange [0:100]; set grid";
  absl::Status status = PlotLines(png_path, series, options);
  if (!status.ok()) return status;
  return static_cast<int>(series.size());
}

}  // namespace sparselab::how_can_we_be_so_dense
