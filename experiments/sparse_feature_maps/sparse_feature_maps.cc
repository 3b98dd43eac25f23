// Sparse feature maps at the plane level (the source document
// "poc-sparse-feature-maps"): a CNN whose last layer has one plane per class
// and many unassigned planes, made plane-sparse by plane k-winners and a plane
// group lasso, read out by the global max of each class plane, on digits (and
// Fashion-MNIST items) at random places of a larger canvas; against a dense
// twin. Measures accuracy, localisation by the class plane's peak, plane
// activity, the map's bytes, time per step, and "dreams": a 1 in class plane
// c at (h, w) back-propagated onto white noise. One task per data set.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "experiments/sparse_feature_maps/canvas.h"
#include "experiments/sparse_feature_maps/dreams.h"
#include "experiments/sparse_feature_maps/models.h"
#include "lib/base/plot.h"
#include "lib/base/status_macros.h"
#include "lib/data/dataset.h"
#include "lib/harness/experiment.h"
#include "lib/harness/task_runner.h"
#include "lib/nn/plane_penalties.h"
#include "lib/train/trainer.h"

namespace sparselab::sparse_feature_maps {
namespace {

struct Options {
  std::vector<std::string> datasets;
  int64_t canvas = 56, train_samples = 0, test_samples = 0;
  PlaneNetOptions net;
  double group_lasso = 0;
  int64_t epochs = 1, batch = 32;
  double lr = 1e-3;
  double localised_within = 8;  // pixels
  DreamOptions dream;
  std::vector<std::vector<int64_t>> positions;  // (row, column) on the canvas
};

absl::StatusOr<Options> ParseOptions(const Config& c) {
  Options o;
  o.datasets = c.Get<std::vector<std::string>>("datasets");
  o.canvas = c.Int("canvas");
  o.train_samples = c.Int("train_samples");
  o.test_samples = c.Int("test_samples");
  o.net.planes(c.Int("planes")).width(c.Int("width")).percent_on(c.Double("percent_on"));
  o.net.boost_strength(c.Double("boost_strength"));
  o.group_lasso = c.Double("group_lasso");
  o.epochs = c.Int("epochs");
  o.batch = c.Int("batch");
  o.lr = c.Double("lr");
  o.localised_within = c.Double("localised_within");
  o.dream.steps(c.Int("dream.steps")).lr(c.Double("dream.lr")).tv(c.Double("dream.tv"));
  o.dream.l2(c.Double("dream.l2")).jitter(c.Int("dream.jitter")).noise(c.Double("dream.noise"));
  o.positions = c.Get<std::vector<std::vector<int64_t>>>("dream.positions");
  RETURN_IF_ERROR(RequireConfig(!o.datasets.empty(), c, "datasets", "must not be empty"));
  for (const std::string& d : o.datasets) {
    RETURN_IF_ERROR(RequireConfig(
        d == "mnist" || d == "fashion_mnist", c, "datasets",
        absl::StrCat("unknown data set '", d, "'; the data sets are mnist, fashion_mnist")));
  }
  RETURN_IF_ERROR(RequireConfig(o.canvas >= 28 && o.canvas % 4 == 0, c, "canvas",
                                "must be >= 28 (an item) and a multiple of 4 (two poolings)"));
  RETURN_IF_ERROR(RequireConfig(o.train_samples >= 1 && o.train_samples <= 60000, c,
                                "train_samples", "must be 1 ... 60000"));
  RETURN_IF_ERROR(RequireConfig(o.test_samples >= 1 && o.test_samples <= 10000, c, "test_samples",
                                "must be 1 ... 10000"));
  RETURN_IF_ERROR(RequireConfig(o.net.planes() > o.net.classes(), c, "planes",
                                "must be more than the 10 class planes"));
  RETURN_IF_ERROR(RequireConfig(o.net.width() >= 1, c, "width", "must be >= 1"));
  const double k = std::round(o.net.percent_on() * static_cast<double>(o.net.planes()));
  RETURN_IF_ERROR(RequireConfig(
      o.net.percent_on() > 0 && o.net.percent_on() < 1 && k >= 1 && k < o.net.planes(), c,
      "percent_on", "must be in (0, 1) with 1 <= round(percent_on * planes) < planes"));
  RETURN_IF_ERROR(RequireConfig(o.net.boost_strength() >= 0, c, "boost_strength", "must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(o.group_lasso >= 0, c, "group_lasso", "must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(o.epochs >= 1, c, "epochs", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.batch >= 1, c, "batch", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.lr > 0, c, "lr", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.localised_within > 0, c, "localised_within", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.dream.steps() >= 1, c, "dream.steps", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.dream.lr() > 0, c, "dream.lr", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.dream.tv() >= 0 && o.dream.l2() >= 0, c, "dream.tv",
                                "dream.tv and dream.l2 must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(o.dream.jitter() >= 0, c, "dream.jitter", "must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(o.dream.noise() > 0 && o.dream.noise() <= 1, c, "dream.noise",
                                "must be in (0, 1]"));
  RETURN_IF_ERROR(RequireConfig(!o.positions.empty(), c, "dream.positions", "must not be empty"));
  for (const auto& p : o.positions) {
    RETURN_IF_ERROR(RequireConfig(
        p.size() == 2 && p[0] >= 0 && p[0] < o.canvas && p[1] >= 0 && p[1] < o.canvas, c,
        "dream.positions", "every position must be [row, column] inside the canvas"));
  }
  return o;
}

// The plane map's stride on the canvas: map cell (i, j) is centred on canvas
// pixel (4 i + 1.5, 4 j + 1.5).
constexpr double kStride = 4.0;
double CanvasCoordinate(int64_t cell) { return kStride * static_cast<double>(cell) + 1.5; }
int64_t MapCell(int64_t pixel, int64_t cells) {
  const int64_t c = static_cast<int64_t>(std::lround((static_cast<double>(pixel) - 1.5) / kStride));
  return std::clamp<int64_t>(c, 0, cells - 1);
}

double Distance(const at::Tensor& a, double row, double col) {
  return std::hypot(a[0].item<double>() - row, a[1].item<double>() - col);
}

// Seconds per optimizer step of the last epoch.
absl::StatusOr<double> TrainModel(std::shared_ptr<torch::nn::Module> module, ObjectiveFunction f,
                                  const Options& o, const Dataset& train, const std::string& label,
                                  int64_t seed, const std::function<void()>& after_epoch) {
  Trainer trainer(module, TrainingObjective{std::move(f)},
                  TrainerOptions()
                      .optimizer(OptimizerKind::kAdam)
                      .lr(o.lr)
                      .batch_size(o.batch)
                      .epochs(o.epochs)
                      .seed(static_cast<uint64_t>(seed) * 7919 + 5)
                      .label(label));
  double per_step = 0;
  trainer.AddEpochCallback([&](const EpochStats& s) -> absl::Status {
    per_step = s.seconds / static_cast<double>(std::max<int64_t>(s.steps, 1));
    if (after_epoch) after_epoch();
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(trainer.Train(train).status());
  module->eval();
  return per_step;
}

absl::Status RunTask(Experiment& ex, const Options& o, const TaskContext& t) {
  const std::string& dataset = t.task.row;
  const int64_t seed = t.task.seed;
  ASSIGN_OR_RETURN(const Dataset train_items,
                   dataset == "mnist" ? LoadMnist(Split::kTrain) : LoadFashionMnist(Split::kTrain));
  ASSIGN_OR_RETURN(const Dataset test_items,
                   dataset == "mnist" ? LoadMnist(Split::kTest) : LoadFashionMnist(Split::kTest));
  ASSIGN_OR_RETURN(const CanvasData train, PlaceOnCanvas(train_items, o.train_samples, o.canvas,
                                                         static_cast<uint64_t>(seed) * 2 + 1));
  ASSIGN_OR_RETURN(const CanvasData test, PlaceOnCanvas(test_items, o.test_samples, o.canvas,
                                                        static_cast<uint64_t>(seed) * 2 + 2));
  const std::string sparse_row = absl::StrCat(dataset, "/plane_sparse");
  const std::string twin_row = absl::StrCat(dataset, "/dense_twin");
  const int64_t planes = o.net.planes(), classes = o.net.classes();

  // The plane-sparse network: cross-entropy of the class planes' maxima plus
  // the plane group lasso, both on the map before the competition. Reading the
  // class planes after it would give a class plane that lost no gradient at
  // all, and the lasso alone (scaled up by Adam) then drives every plane to 0:
  // measured on 3,000 canvases, one epoch, 0.03 nonzero planes per sample and
  // chance accuracy. The competition runs too (its duty cycles and boosting
  // follow training); the test measures the map after it.
  PlaneMapNet net(o.net);
  const double lambda = o.group_lasso;
  ASSIGN_OR_RETURN(const double sparse_step,
                   TrainModel(
                       net.ptr(),
                       [net, lambda](const at::Tensor& x, const at::Tensor& y) mutable {
                         const at::Tensor p = net->planes(x);
                         {
                           at::NoGradGuard no_grad;
                           net->kwinners->forward(p);  // duty cycles
                         }
                         const at::Tensor loss = at::cross_entropy_loss(net->logits(p), y);
                         return lambda > 0 ? loss + lambda * ActivationPlaneGroupLasso(p) : loss;
                       },
                       o, train.data, absl::StrCat(dataset, " plane_sparse"), seed,
                       [net]() mutable { net->kwinners->update_boost_strength(); }));
  DenseTwin twin(o.net);
  ASSIGN_OR_RETURN(const double twin_step,
                   TrainModel(
                       twin.ptr(),
                       [twin](const at::Tensor& x, const at::Tensor& y) mutable {
                         return at::cross_entropy_loss(twin->forward(x), y);
                       },
                       o, train.data, absl::StrCat(dataset, " dense_twin"), seed, nullptr));

  // Test: accuracy, localisation, plane activity, bytes.
  at::NoGradGuard no_grad;
  const int64_t n = test.data.size(), cells = o.canvas / 4;
  int64_t sparse_correct = 0, twin_correct = 0, localised = 0, true_plane_won = 0,
          dense_map_correct = 0;
  double location_error = 0, active_after = 0, active_before = 0;
  at::Tensor ever_active = at::zeros({planes}, at::kBool);
  for (int64_t start = 0; start < n; start += 250) {
    const int64_t b = std::min<int64_t>(250, n - start);
    const at::Tensor x = test.data.inputs.narrow(0, start, b);
    const at::Tensor y = test.data.targets.narrow(0, start, b);
    const at::Tensor before = net->planes(x);
    const at::Tensor maps = net->kwinners->forward(before);
    const at::Tensor pred = net->logits(maps).argmax(1);
    dense_map_correct += (net->logits(before).argmax(1) == y).sum().item<int64_t>();
    const at::Tensor active = PlaneEnergy(maps) > 0;  // (b, planes)
    active_after += active.sum().item<double>();
    active_before += (PlaneEnergy(before) > 0).sum().item<double>();
    ever_active |= active.any(0);
    true_plane_won += active.gather(1, y.unsqueeze(1)).sum().item<int64_t>();
    twin_correct += (twin->forward(x).argmax(1) == y).sum().item<int64_t>();
    for (int64_t i = 0; i < b; ++i) {
      const int64_t c = pred[i].item<int64_t>();
      if (c != y[i].item<int64_t>()) continue;
      ++sparse_correct;
      const int64_t peak = maps[i][c].flatten().argmax().item<int64_t>();
      const double err = Distance(test.centre[start + i], CanvasCoordinate(peak / cells),
                                  CanvasCoordinate(peak % cells));
      location_error += err;
      if (err <= o.localised_within) ++localised;
    }
  }
  const double nd = static_cast<double>(n);
  auto& table = ex.table();
  table.Add(sparse_row, "accuracy", seed, sparse_correct / nd);
  table.Add(twin_row, "accuracy", seed, twin_correct / nd);
  table.Add(sparse_row, "accuracy_before_competition", seed, dense_map_correct / nd);
  table.Add(sparse_row, "localisation_error_px", seed,
            location_error / std::max<double>(sparse_correct, 1));
  table.Add(sparse_row, "localised_share", seed, localised / std::max<double>(sparse_correct, 1));
  table.Add(sparse_row, "true_class_plane_won", seed, true_plane_won / nd);
  table.Add(sparse_row, "active_planes_per_sample", seed, active_after / nd);
  table.Add(sparse_row, "nonzero_planes_before_competition", seed, active_before / nd);
  table.Add(twin_row, "active_planes_per_sample", seed, static_cast<double>(planes));
  const double dead = static_cast<double>(planes - ever_active.sum().item<int64_t>());
  table.Add(sparse_row, "dead_planes", seed, dead);
  table.Add(sparse_row, "dead_plane_share", seed, dead / static_cast<double>(planes));
  // A plane-sparse map stores its active planes (cells^2 floats each) and
  // their index (one int64 per plane and per sample + 1); a dense map all.
  const double plane_bytes = static_cast<double>(cells * cells * 4);
  table.Add(sparse_row, "map_bytes_per_sample", seed, active_after / nd * (plane_bytes + 8) + 8);
  table.Add(twin_row, "map_bytes_per_sample", seed, static_cast<double>(planes) * plane_bytes);
  table.Add(sparse_row, "ms_per_step", seed, 1e3 * sparse_step);
  table.Add(twin_row, "ms_per_step", seed, 1e3 * twin_step);

  // Dreams: class plane c at each requested position (its value before the
  // ReLU), and the twin's class c (no position); each judged by the other
  // network and by where its mass is.
  at::GradMode::set_enabled(true);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed) * 104729 + 3);
  std::vector<at::Tensor> grid;
  int64_t plane_dreams = 0, twin_agrees = 0, plane_within = 0, twin_dream_agrees = 0;
  double plane_dream_error = 0, twin_dream_error = 0;
  for (int64_t c = 0; c < classes; ++c) {
    for (const auto& p : o.positions) {
      const int64_t hi = MapCell(p[0], cells), wi = MapCell(p[1], cells);
      const at::Tensor d =
          Dream([&](const at::Tensor& x) { return net->pre_activation(x)[0][c][hi][wi]; }, o.canvas,
                o.dream, gen);
      at::NoGradGuard ng;
      twin_agrees +=
          twin->forward(d.view({1, 1, o.canvas, o.canvas})).argmax(1).item<int64_t>() == c;
      const double err = Distance(CentreOfMass(at::relu(d - d.median())), p[0], p[1]);
      plane_dream_error += err;
      plane_within += err <= o.localised_within;
      ++plane_dreams;
      grid.push_back(d.view({1, 1, o.canvas, o.canvas}));
    }
    const at::Tensor d =
        Dream([&](const at::Tensor& x) { return twin->forward(x)[0][c]; }, o.canvas, o.dream, gen);
    at::NoGradGuard ng;
    twin_dream_agrees +=
        net->forward(d.view({1, 1, o.canvas, o.canvas})).argmax(1).item<int64_t>() == c;
    const at::Tensor com = CentreOfMass(at::relu(d - d.median()));
    for (const auto& p : o.positions) twin_dream_error += Distance(com, p[0], p[1]);
    grid.push_back(d.view({1, 1, o.canvas, o.canvas}));
  }
  const double pd = static_cast<double>(plane_dreams);
  table.Add(sparse_row, "dream_class_by_twin", seed, twin_agrees / pd);
  table.Add(sparse_row, "dream_position_error_px", seed, plane_dream_error / pd);
  table.Add(sparse_row, "dream_within_share", seed, plane_within / pd);
  table.Add(twin_row, "dream_class_by_plane_net", seed,
            twin_dream_agrees / static_cast<double>(classes));
  table.Add(twin_row, "dream_position_error_px", seed, twin_dream_error / pd);
  const std::string file = ex.OutputPath(absl::StrCat("dreams_", dataset, ".png"));
  RETURN_IF_ERROR(
      WriteImageGrid(file, at::cat(grid, 0), static_cast<int>(o.positions.size() + 1), 2));
  ex.extra()["dreams_figure"] = file.substr(file.rfind('/') + 1);
  table.SetInfo(sparse_row, "network",
                absl::StrCat(o.net.planes(), " planes, k = ", net->kwinners->options.k(),
                             " in training, ", net->kwinners->k_inference(), " at test"));
  table.SetInfo(twin_row, "network",
                "the same trunk and planes, global max of every plane, linear");
  return absl::OkStatus();
}

absl::Status Report(Experiment& ex, const std::vector<FinishedTask>& records) {
  ex.extra()["figures"] = nlohmann::json::array();
  for (const FinishedTask& f : records) {
    if (f.partial) continue;
    RETURN_IF_ERROR(ex.table().Merge(f.record["rows"]));
    if (f.record.contains("dreams_figure"))
      ex.extra()["figures"].push_back(f.record["dreams_figure"]);
  }
  ex.extra()["dreams_layout"] =
      "a row per class (0-9); the columns: the plane-sparse network's dream at each "
      "dream.position, then the dense twin's dream of the class";
  return absl::OkStatus();
}

absl::Status Run(Experiment& ex) {
  ASSIGN_OR_RETURN(const Options o, ParseOptions(ex.config()));
  TaskRunner runner;
  runner.report_rows = o.datasets;
  runner.run_rows = o.datasets;
  runner.key = [&](const std::string& row, int64_t seed) {
    // Every setting but the list of data sets (and the seeds, in the key).
    nlohmann::json key = ex.config().values();
    for (const char* other :
         {"datasets", "seeds", "tables", "description", "presets", "default_preset"}) {
      key.erase(other);
    }
    key["row"] = row;
    key["seed"] = seed;
    return key;
  };
  runner.run = [&](Experiment& ex, const TaskContext& t) { return RunTask(ex, o, t); };
  runner.report = [&](Experiment& ex, const std::vector<FinishedTask>& records) {
    return Report(ex, records);
  };
  return RunTasks(ex, runner);
}

}  // namespace
}  // namespace sparselab::sparse_feature_maps

int main(int argc, char** argv) {
  return sparselab::RunExperiment(
      argc, argv,
      {"sparse_feature_maps",
       "the source document poc-sparse-feature-maps (plane-sparse feature maps, dreams from one "
       "plane); plane k-winners after Ahmad & Scheinkman 2019; plane group lasso after Wen et "
       "al. 2016"},
      sparselab::sparse_feature_maps::Run);
}
