// Sparse autoencoders on MNIST and Fashion-MNIST: no penalty, L1 on the codes,
// the KL-Bernoulli penalty of Ng's CS294A notes ("Sparse autoencoder",
// J_sparse = J + beta sum_j KL(rho || rho_hat_j)) and k-sparse codes (Makhzani
// & Frey 2013), each over a grid of strengths. Per run: test reconstruction
// MSE, mean activation, active share per sample, dead units, Treves-Rolls
// population and lifetime ratios, |rho_hat_j - rho| for KL, and the test
// accuracy of a linear probe on the frozen codes; figures: decoder filters,
// reconstructions, and reconstruction error against active share.
#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "experiments/sparse_autoencoder/code_stats.h"
#include "experiments/sparse_autoencoder/cs294a.h"
#include "lib/base/plot.h"
#include "lib/base/progress.h"
#include "lib/base/status_macros.h"
#include "lib/data/dataset.h"
#include "lib/harness/experiment.h"
#include "lib/harness/result_table.h"
#include "lib/harness/task_runner.h"
#include "lib/nn/sparse_autoencoder.h"
#include "lib/train/trainer.h"

namespace sparselab::sparse_autoencoder {
namespace {

struct Options {
  std::vector<std::string> datasets;
  std::vector<std::string> mechanisms;
  std::vector<int64_t> hidden;  // encoder widths between the input and the code
  int64_t code_units = 200;
  bool tied = false;
  int64_t epochs = 10;
  int64_t batch_size = 64;
  double lr = 1e-3;
  double weight_decay = 0;
  std::vector<double> l1_weights, kl_betas;
  std::vector<int64_t> ks;
  double kl_rho = 0.05;
  std::string rho_hat = "batch";
  double rho_momentum = 0.99;
  double active_threshold = 0.01;
  int64_t train_subset = 0, test_subset = 0;
  ProbeOptions probe;
  int64_t filter_count = 100;
  int64_t reconstruction_images = 10;
  bool cs294a = false;
  Cs294aOptions cs294a_options;
};

// One trained configuration (a row per data set).
struct RunSpec {
  std::string name;  // "none", "l1=0.01", "kl=3", "k=25"
  SparsityMechanism mechanism;
  double strength;   // l1 weight, beta, or k
};

const std::vector<std::string>& KnownDatasets() {
  static const std::vector<std::string> d = {"fashion_mnist", "mnist"};
  return d;
}

absl::StatusOr<Options> ParseOptions(const Config& c) {
  Options o;
  o.datasets = c.Get<std::vector<std::string>>("datasets");
  o.mechanisms = c.Get<std::vector<std::string>>("mechanisms");
  o.hidden = c.Get<std::vector<int64_t>>("hidden");
  o.code_units = c.Int("code_units");
  o.tied = c.Bool("tied");
  o.epochs = c.Int("epochs");
  o.batch_size = c.Int("batch_size");
  o.lr = c.Double("lr");
  o.weight_decay = c.Double("weight_decay");
  o.l1_weights = c.Get<std::vector<double>>("l1_weights");
  o.kl_betas = c.Get<std::vector<double>>("kl_betas");
  o.ks = c.Get<std::vector<int64_t>>("ks");
  o.kl_rho = c.Double("kl_rho");
  o.rho_hat = c.String("rho_hat");
  o.rho_momentum = c.Double("rho_momentum");
  o.active_threshold = c.Double("active_threshold");
  o.train_subset = c.Int("train_subset");
  o.test_subset = c.Int("test_subset");
  o.probe.epochs = c.Int("probe_epochs");
  o.probe.batch_size = c.Int("probe_batch_size");
  o.probe.lr = c.Double("probe_lr");
  o.probe.l2 = c.Double("probe_l2");
  o.filter_count = c.Int("filter_count");
  o.reconstruction_images = c.Int("reconstruction_images");
  o.cs294a = c.Bool("cs294a");
  o.cs294a_options.images = c.Get<std::vector<std::string>>("cs294a_images");
  o.cs294a_options.patches = c.Int("cs294a_patches");
  o.cs294a_options.iterations = c.Int("cs294a_iterations");
  RETURN_IF_ERROR(RequireConfig(!o.datasets.empty() || o.cs294a, c, "datasets",
                                "must name at least one data set (or set cs294a = true)"));
  RETURN_IF_ERROR(RequireConfig(!o.cs294a || !o.cs294a_options.images.empty(), c, "cs294a_images",
                                "must name at least one image of the data folder's images/"));
  RETURN_IF_ERROR(RequireConfig(o.cs294a_options.patches >= 10, c, "cs294a_patches", "must be >= 10"));
  RETURN_IF_ERROR(RequireConfig(o.cs294a_options.iterations >= 1, c, "cs294a_iterations", "must be >= 1"));
  for (const std::string& d : o.datasets) {
    RETURN_IF_ERROR(RequireConfig(
        std::find(KnownDatasets().begin(), KnownDatasets().end(), d) != KnownDatasets().end(), c,
        "datasets", absl::StrCat("unknown data set '", d, "'; the data sets are ",
                                 absl::StrJoin(KnownDatasets(), ", "))));
  }
  RETURN_IF_ERROR(RequireConfig(!o.mechanisms.empty() || o.datasets.empty(), c, "mechanisms",
                                "must name at least one mechanism"));
  for (const std::string& m : o.mechanisms) {
    SparsityMechanism parsed;
    RETURN_IF_ERROR(RequireConfig(ParseSparsityMechanism(m, &parsed), c, "mechanisms",
                                  absl::StrCat("unknown mechanism '", m,
                                               "'; the mechanisms are none, l1, kl, k_sparse")));
  }
  for (int64_t h : o.hidden) {
    RETURN_IF_ERROR(RequireConfig(h >= 1, c, "hidden", "every width must be >= 1"));
  }
  RETURN_IF_ERROR(RequireConfig(o.code_units >= 1, c, "code_units", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.epochs >= 1, c, "epochs", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.batch_size >= 1, c, "batch_size", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.lr > 0, c, "lr", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.weight_decay >= 0, c, "weight_decay", "must be >= 0"));
  for (double w : o.l1_weights) {
    RETURN_IF_ERROR(RequireConfig(w > 0, c, "l1_weights", "every weight must be > 0 (mechanism none is the 0 case)"));
  }
  for (double b : o.kl_betas) {
    RETURN_IF_ERROR(RequireConfig(b > 0, c, "kl_betas", "every beta must be > 0 (mechanism none is the 0 case)"));
  }
  for (int64_t k : o.ks) {
    RETURN_IF_ERROR(RequireConfig(k >= 1 && k <= o.code_units, c, "ks",
                                  absl::StrCat("every k must be in [1, code_units = ", o.code_units, "]")));
  }
  RETURN_IF_ERROR(RequireConfig(o.kl_rho > 0 && o.kl_rho < 1, c, "kl_rho", "must be in (0, 1)"));
  RETURN_IF_ERROR(RequireConfig(o.rho_hat == "batch" || o.rho_hat == "running", c, "rho_hat",
                                "must be \"batch\" or \"running\""));
  RETURN_IF_ERROR(RequireConfig(o.rho_momentum >= 0 && o.rho_momentum < 1, c, "rho_momentum",
                                "must be in [0, 1)"));
  RETURN_IF_ERROR(RequireConfig(o.active_threshold >= 0 && o.active_threshold < 1, c,
                                "active_threshold", "must be in [0, 1)"));
  RETURN_IF_ERROR(RequireConfig(o.train_subset >= 0, c, "train_subset", "must be >= 0 (0: all)"));
  RETURN_IF_ERROR(RequireConfig(o.test_subset >= 0, c, "test_subset", "must be >= 0 (0: all)"));
  RETURN_IF_ERROR(RequireConfig(o.probe.epochs >= 1, c, "probe_epochs", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.probe.batch_size >= 1, c, "probe_batch_size", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.probe.lr > 0, c, "probe_lr", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.probe.l2 >= 0, c, "probe_l2", "must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(o.filter_count >= 1 && o.filter_count <= o.code_units, c,
                                "filter_count", "must be in [1, code_units]"));
  RETURN_IF_ERROR(RequireConfig(o.reconstruction_images >= 1, c, "reconstruction_images", "must be >= 1"));
  return o;
}

std::vector<RunSpec> Runs(const Options& o) {
  std::vector<RunSpec> runs;
  for (const std::string& name : o.mechanisms) {
    SparsityMechanism m;
    ParseSparsityMechanism(name, &m);
    switch (m) {
      case SparsityMechanism::kNone: runs.push_back({"none", m, 0}); break;
      case SparsityMechanism::kL1:
        for (double w : o.l1_weights) runs.push_back({absl::StrFormat("l1=%g", w), m, w});
        break;
      case SparsityMechanism::kKL:
        for (double b : o.kl_betas) runs.push_back({absl::StrFormat("kl=%g", b), m, b});
        break;
      case SparsityMechanism::kKSparse:
        for (int64_t k : o.ks) runs.push_back({absl::StrCat("k=", k), m, static_cast<double>(k)});
        break;
    }
  }
  return runs;
}

SparseAutoencoderOptions ModelOptions(const Options& o, const RunSpec& r, int64_t inputs) {
  std::vector<int64_t> widths = {inputs};
  widths.insert(widths.end(), o.hidden.begin(), o.hidden.end());
  widths.push_back(o.code_units);
  SparseAutoencoderOptions m(widths);
  m.tied(o.tied)
      .code_activation(CodeActivation::kSigmoid)
      .sparsity(r.mechanism)
      .weight_decay(o.weight_decay)
      .rho(o.kl_rho)
      .rho_hat(o.rho_hat == "batch" ? RhoHatEstimate::kBatch : RhoHatEstimate::kRunning)
      .rho_momentum(o.rho_momentum)
      .reconstruction_loss(ReconstructionLoss::kHalfSumPerSample);
  if (r.mechanism == SparsityMechanism::kL1) m.l1_weight(r.strength);
  if (r.mechanism == SparsityMechanism::kKL) m.beta(r.strength);
  if (r.mechanism == SparsityMechanism::kKSparse) m.k(static_cast<int64_t>(r.strength));
  return m;
}

struct Data {
  at::Tensor train_x, train_y, test_x, test_y;  // x: (N, 784) in [0, 1]
};

absl::StatusOr<Data> LoadData(const std::string& name, const Options& o) {
  Dataset train, test;
  if (name == "mnist") {
    ASSIGN_OR_RETURN(train, LoadMnist(Split::kTrain));
    ASSIGN_OR_RETURN(test, LoadMnist(Split::kTest));
  } else {
    ASSIGN_OR_RETURN(train, LoadFashionMnist(Split::kTrain));
    ASSIGN_OR_RETURN(test, LoadFashionMnist(Split::kTest));
  }
  train = train.Head(o.train_subset);
  test = test.Head(o.test_subset);
  return Data{train.inputs.reshape({train.size(), -1}), train.targets,
              test.inputs.reshape({test.size(), -1}), test.targets};
}

at::Tensor EncodeAll(SparseAutoencoder& model, const at::Tensor& x) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> parts;
  for (int64_t s = 0; s < x.size(0); s += 1000) {
    parts.push_back(model->Encode(x.narrow(0, s, std::min<int64_t>(1000, x.size(0) - s))));
  }
  return at::cat(parts, 0);
}

struct RunResult {
  std::map<std::string, double> metrics;
  at::Tensor filters;          // (filter_count, 1, 28, 28) scaled to [0, 1]
  at::Tensor reconstructions;  // (images, 1, 28, 28)
};

// Trains one model with lib's Trainer (Adam on the model's whole objective,
// data reshuffled every epoch from a seeded generator) and measures it.
absl::StatusOr<RunResult> TrainAndMeasure(const Options& o, const RunSpec& r, const Data& d,
                                          int64_t seed, const c10::Device& device,
                                          std::shared_ptr<ProcessGroup> process_group,
                                          Progress& progress, int64_t& done,
                                          const std::string& label) {
  SparseAutoencoder model(ModelOptions(o, r, d.train_x.size(1)));
  Trainer trainer(model.ptr(),
                  TrainingObjective{[impl = model.ptr()](const at::Tensor& x, const at::Tensor&) {
                    return impl->Loss(x).total;
                  }},
                  TrainerOptions()
                      .optimizer(OptimizerKind::kAdam)
                      .lr(o.lr)
                      .batch_size(o.batch_size)
                      .epochs(o.epochs)
                      .seed(static_cast<uint64_t>(seed) * 7919 + 1)
                      .device(device)
                      .process_group(std::move(process_group))
                      .show_progress(false));
  double last_epoch_loss = 0;
  trainer.AddEpochCallback([&](const EpochStats& stats) {
    last_epoch_loss = stats.train_loss;
    progress.Update(++done, absl::StrFormat("%s seed %d epoch %d: objective %.4f", label, seed,
                                            stats.epoch + 1, last_epoch_loss));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(trainer.Train(Dataset{d.train_x, d.train_y}).status());
  model->to(c10::Device(c10::kCPU));  // the measures below run on the CPU
  model->eval();
  RunResult out;
  const at::Tensor test_codes = EncodeAll(model, d.test_x);
  at::Tensor test_out;
  {
    at::NoGradGuard no_grad;
    test_out = model->Decode(test_codes);
  }
  const CodeStats s = MeasureCodes(test_codes, o.active_threshold);
  out.metrics["test_mse"] = (test_out - d.test_x).pow(2).mean().item<double>();
  out.metrics["train_objective"] = last_epoch_loss;
  // Baseline: every test image reconstructed as the mean training image.
  out.metrics["mean_image_mse"] = (d.test_x - d.train_x.mean(0)).pow(2).mean().item<double>();
  out.metrics["mean_activation"] = s.mean_activation;
  out.metrics["active_share"] = s.active_share;
  out.metrics["inactive_share"] = 1 - s.active_share;
  out.metrics["nonzero_share"] = s.nonzero_share;
  out.metrics["dead_units"] = static_cast<double>(s.dead_units);
  out.metrics["population_ratio"] = s.population_ratio;
  out.metrics["lifetime_ratio"] = s.lifetime_ratio;
  const RhoDeviation dev = MeasureRhoDeviation(test_codes, o.kl_rho);
  out.metrics["rho_abs_dev_mean"] = dev.mean_abs;
  out.metrics["rho_abs_dev_max"] = dev.max_abs;
  ProbeOptions po = o.probe;
  po.seed = static_cast<uint64_t>(seed);
  out.metrics["probe_accuracy"] =
      LinearProbeAccuracy(EncodeAll(model, d.train_x), d.train_y, test_codes, d.test_y, 10, po);
  // Decoder filters (each code unit's feature in input space), own range each.
  const at::Tensor f = model->DecoderFilters().narrow(0, 0, o.filter_count);
  const at::Tensor lo = std::get<0>(f.min(1, true)), hi = std::get<0>(f.max(1, true));
  out.filters = ((f - lo) / (hi - lo).clamp_min(1e-12)).reshape({o.filter_count, 1, 28, 28});
  const int64_t m = std::min(o.reconstruction_images, d.test_x.size(0));
  out.reconstructions = test_out.narrow(0, 0, m).reshape({m, 1, 28, 28}).clamp(0, 1);
  return out;
}

std::string FileStem(const std::string& s) {
  std::string out;
  for (char ch : s) out += (std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
  return out;
}

const char* MechanismTitle(SparsityMechanism m) {
  switch (m) {
    case SparsityMechanism::kNone: return "no penalty";
    case SparsityMechanism::kL1: return "L1 on codes";
    case SparsityMechanism::kKL: return "KL (rho_hat per batch)";
    case SparsityMechanism::kKSparse: return "k-sparse";
  }
  return "?";
}

// A task of the run: one (data set, mechanism and strength) model, or the
// CS294A exercise; every (task, seed) is a task of lib's task runner.
struct TaskSpec {
  std::string id;       // task row: "fashion_mnist-kl_3", "cs294a"
  std::string row;      // result row: "fashion_mnist/kl=3", "patches/cs294a"
  std::string dataset;  // empty for cs294a
  RunSpec run;
};

std::vector<TaskSpec> Tasks(const Options& o) {
  std::vector<TaskSpec> tasks;
  if (o.cs294a) tasks.push_back({"cs294a", kCs294aRow, "", {}});
  for (const std::string& dataset : o.datasets) {
    for (const RunSpec& r : Runs(o)) {
      tasks.push_back({FileStem(absl::StrCat(dataset, "-", r.name)),
                       absl::StrCat(dataset, "/", r.name), dataset, r});
    }
  }
  return tasks;
}

const TaskSpec& Spec(const std::vector<TaskSpec>& tasks, const std::string& id) {
  for (const TaskSpec& t : tasks) {
    if (t.id == id) return t;
  }
  return tasks.front();  // unreachable: the runner asks only for configured rows
}

// Reconstructions kept in the task's record as base64 of 8-bit pixels (7,840
// bytes for ten 28 x 28 images), for the report's grid.
std::string EncodePixels(const at::Tensor& images) {
  const at::Tensor bytes = (images.clamp(0, 1) * 255).round().to(at::kByte).contiguous();
  return absl::Base64Escape(absl::string_view(static_cast<const char*>(bytes.data_ptr()),
                                              static_cast<size_t>(bytes.numel())));
}

absl::StatusOr<at::Tensor> DecodePixels(const std::string& text, int64_t images) {
  std::string raw;
  if (!absl::Base64Unescape(text, &raw) || static_cast<int64_t>(raw.size()) != images * 784) {
    return absl::DataLossError("a task record's reconstructions are damaged; delete the record "
                               "(results/runs/...) to run the task again");
  }
  at::Tensor t = at::empty({images, 1, 28, 28}, at::kByte);
  std::memcpy(t.data_ptr(), raw.data(), raw.size());
  return t.to(at::kFloat) / 255.0;
}

// One task in a worker: train and measure one model for one seed.
absl::Status RunOne(Experiment& ex, const Options& o, const std::vector<TaskSpec>& tasks,
                    const std::map<std::string, Data>& data, const TaskContext& t) {
  const TaskSpec& spec = Spec(tasks, t.task.row);
  const int64_t seed = t.task.seed;
  const bool first_seed = seed == ex.seeds().front();
  if (spec.dataset.empty()) return RunCs294a(ex, o.cs294a_options, seed, first_seed);
  const Data& d = data.at(spec.dataset);
  const RunSpec& r = spec.run;
  Progress progress(absl::StrCat(spec.row, " seed ", seed), o.epochs);
  int64_t done = 0;
  ASSIGN_OR_RETURN(RunResult res, TrainAndMeasure(o, r, d, seed, ex.device(), t.process_group,
                                                  progress, done, spec.row));
  progress.Finish();
  for (const auto& [metric, value] : res.metrics) {
    // |rho_hat - rho| only means something for the KL runs.
    if (metric.rfind("rho_abs_dev", 0) == 0 && r.mechanism != SparsityMechanism::kKL) continue;
    ex.table().Add(spec.row, metric, seed, value);
  }
  ex.table().SetInfo(spec.row, "run", {{"mechanism", SparsityMechanismName(r.mechanism)},
                                       {"strength", r.strength},
                                       {"dataset", spec.dataset}});
  if (first_seed) {
    RETURN_IF_ERROR(WriteImageGrid(
        ex.OutputPath(absl::StrCat("filters_", spec.dataset, "_", FileStem(r.name), ".png")),
        res.filters, 10, 2));
    ex.extra()["reconstructions"] = EncodePixels(res.reconstructions);
  }
  return absl::OkStatus();
}

// Per data set: the reconstruction grid (first row the test images, then one
// row per run, first seed) and the trade-off plot, from the rows so far.
absl::Status WriteDatasetFigures(Experiment& ex, const Options& o,
                                 const std::vector<TaskSpec>& tasks,
                                 const std::map<std::string, Data>& data,
                                 const std::map<std::string, at::Tensor>& reconstructions) {
  const nlohmann::json rows = ex.table().ToJson();
  auto mean = [&](const std::string& row, const std::string& metric) -> std::optional<double> {
    for (const nlohmann::json& r : rows) {
      if (r["name"] == row && r["metrics"].contains(metric)) return r["metrics"][metric]["mean"].get<double>();
    }
    return std::nullopt;
  };
  for (const std::string& dataset : o.datasets) {
    const Data& d = data.at(dataset);
    const int64_t m = std::min(o.reconstruction_images, d.test_x.size(0));
    std::vector<at::Tensor> recon_rows = {d.test_x.narrow(0, 0, m).reshape({m, 1, 28, 28})};
    std::map<SparsityMechanism, Series> tradeoff;
    for (const TaskSpec& t : tasks) {
      if (t.dataset != dataset) continue;
      if (auto it = reconstructions.find(t.row); it != reconstructions.end()) {
        recon_rows.push_back(it->second);
      }
      const std::optional<double> active = mean(t.row, "active_share");
      const std::optional<double> mse = mean(t.row, "test_mse");
      if (!active || !mse) continue;
      Series& s = tradeoff[t.run.mechanism];
      s.title = MechanismTitle(t.run.mechanism);
      s.style = t.run.mechanism == SparsityMechanism::kNone ? "points pt 7 ps 2" : "linespoints";
      s.x.push_back(*active);
      s.y.push_back(*mse);
    }
    RETURN_IF_ERROR(WriteImageGrid(ex.OutputPath(absl::StrCat("reconstructions_", dataset, ".png")),
                                   at::cat(recon_rows, 0), static_cast<int>(m), 2));
    if (tradeoff.empty()) continue;
    std::vector<Series> series;
    for (auto& [mech, s] : tradeoff) series.push_back(s);
    PlotOptions po;
    po.title = absl::StrFormat(
        "%s: test reconstruction MSE against active share (code > %g), mean over seeds", dataset,
        o.active_threshold);
    po.xlabel = "share of code units active per test sample";
    po.ylabel = "test MSE per pixel";
    po.extra = "set key top right";
    RETURN_IF_ERROR(PlotLines(ex.OutputPath(absl::StrCat("tradeoff_", dataset, ".png")), series, po));
  }
  return absl::OkStatus();
}

// result.json from every task's record (rows in task order, seeds ascending),
// then the figures.
absl::Status Report(Experiment& ex, const Options& o, const std::vector<TaskSpec>& tasks,
                    const std::map<std::string, Data>& data,
                    const std::vector<FinishedTask>& records) {
  std::map<std::string, at::Tensor> reconstructions;  // row -> first seed's images
  for (const FinishedTask& f : records) {
    if (f.partial) continue;
    RETURN_IF_ERROR(ex.table().Merge(f.record["rows"]));
    const TaskSpec& spec = Spec(tasks, f.task.row);
    if (f.task.seed != ex.seeds().front()) continue;
    if (f.record.contains("cs294a_gabor_r2")) {
      ex.extra()["cs294a_gabor_r2"] = f.record["cs294a_gabor_r2"];
    }
    if (f.record.contains("reconstructions")) {
      const int64_t m = std::min(o.reconstruction_images, data.at(spec.dataset).test_x.size(0));
      ASSIGN_OR_RETURN(reconstructions[spec.row],
                       DecodePixels(f.record["reconstructions"].get<std::string>(), m));
    }
  }
  std::vector<std::string> names;
  for (const RunSpec& r : Runs(o)) names.push_back(r.name);
  ex.extra()["runs"] = names;
  ex.extra()["reconstruction_rows"] =
      "first row: test images; then one row per run in the order of 'runs' (first seed)";
  return WriteDatasetFigures(ex, o, tasks, data, reconstructions);
}

absl::Status Run(Experiment& ex) {
  ASSIGN_OR_RETURN(const Options o, ParseOptions(ex.config()));
  // Loaded before any task starts, so that bad data fail at once.
  std::map<std::string, Data> data;
  for (const std::string& dataset : o.datasets) {
    ASSIGN_OR_RETURN(data[dataset], LoadData(dataset, o));
  }
  const std::vector<TaskSpec> tasks = Tasks(o);
  TaskRunner runner;
  for (const TaskSpec& t : tasks) {
    runner.report_rows.push_back(t.id);
    runner.run_rows.push_back(t.id);
  }
  runner.key = [&](const std::string& row, int64_t seed) {
    nlohmann::json config = ex.config().values();
    for (const char* selection : {"seeds", "datasets", "mechanisms", "l1_weights", "kl_betas", "ks", "cs294a"}) {
      config.erase(selection);
    }
    return nlohmann::json{{"row", row}, {"seed", seed}, {"config", config}};
  };
  runner.run = [&](Experiment& ex, const TaskContext& t) { return RunOne(ex, o, tasks, data, t); };
  runner.report = [&](Experiment& ex, const std::vector<FinishedTask>& records) {
    return Report(ex, o, tasks, data, records);
  };
  return RunTasks(ex, runner);
}

}  // namespace
}  // namespace sparselab::sparse_autoencoder

int main(int argc, char** argv) {
  return sparselab::RunExperiment(
      argc, argv,
      {"sparse_autoencoder",
       "Ng, CS294A lecture notes \"Sparse autoencoder\" (KL-Bernoulli sparsity penalty), with L1 "
       "activity penalties and k-sparse autoencoders (Makhzani & Frey 2013, arXiv:1312.5663), on "
       "Fashion-MNIST and MNIST"},
      sparselab::sparse_autoencoder::Run);
}
