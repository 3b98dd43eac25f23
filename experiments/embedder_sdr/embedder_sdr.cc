// EmbedderSDR (dizcza/EmbedderSDR): binary sparse distributed codes from a
// k-winners-take-all last layer trained with triplet loss, against softmax +
// cross-entropy, on MNIST and Fashion-MNIST. Each (data set, seed) is a task
// of the library's task runner (its record under results/runs/<preset>/); it
// trains the variants of config "variants" (see variants.h) with the
// shared Trainer, then measures on the test set: accuracy (softmax argmax, or
// the codes classified by nearest class-mean code and k-NN), code sparsity,
// dead and always-on units, firing-rate entropy, within/between-class overlap,
// the union test, and per epoch I(X;T), I(T;Y) of the hidden and output layers
// on a fixed evaluation subset with each estimator of "mi_estimators", with the
// accuracy Fano's inequality allows for I(T;Y). Rows "<dataset>/<variant>".
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "experiments/embedder_sdr/code_evaluation.h"
#include "experiments/embedder_sdr/models.h"
#include "experiments/embedder_sdr/variants.h"
#include "lib/data/dataset.h"
#include "lib/harness/experiment.h"
#include "lib/harness/task_runner.h"
#include "monitor/fano_bound.h"
#include "lib/base/plot.h"
#include "lib/sdr/sdr_code_metrics.h"
#include "lib/base/status_macros.h"
#include "lib/train/trainer.h"
#include "lib/nn/triplet_loss.h"
#include "monitor/information_plane.h"

namespace sparselab::embedder_sdr {
namespace {

constexpr int64_t kClasses = 10;

absl::StatusOr<std::pair<Dataset, Dataset>> LoadData(const std::string& name, const Config& c) {
  Dataset train, test;
  if (name == "mnist") {
    ASSIGN_OR_RETURN(train, LoadMnist(Split::kTrain));
    ASSIGN_OR_RETURN(test, LoadMnist(Split::kTest));
  } else if (name == "fashion_mnist") {
    ASSIGN_OR_RETURN(train, LoadFashionMnist(Split::kTrain));
    ASSIGN_OR_RETURN(test, LoadFashionMnist(Split::kTest));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("config \"datasets\": unknown data set '", name, "' (mnist, fashion_mnist)"));
  }
  return std::make_pair(train.Head(c.Int("train_samples")), test.Head(c.Int("test_samples")));
}

absl::StatusOr<TrainerOptions> ReadTrainerOptions(const Config& c, int64_t seed) {
  TrainerOptions o;
  o.epochs(c.Int("epochs")).batch_size(c.Int("batch_size")).lr(c.Double("lr"))
      .weight_decay(c.Double("weight_decay")).seed(static_cast<uint64_t>(seed));
  const std::string optimizer = c.String("optimizer");
  if (optimizer == "adam") {
    o.optimizer(OptimizerKind::kAdam);
  } else if (optimizer == "sgd") {
    o.optimizer(OptimizerKind::kSgd).momentum(c.Double("momentum"));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("config \"optimizer\": '", optimizer, "' is not adam or sgd"));
  }
  if (o.epochs() < 1) return absl::InvalidArgumentError("config \"epochs\" must be >= 1");
  return o;
}

absl::StatusOr<TripletLossOptions> ReadTripletOptions(const Config& c) {
  TripletLossOptions o;
  o.margin(c.Double("triplet_margin"));
  const std::string distance = c.String("triplet_distance");
  const std::string negatives = c.String("triplet_negatives");
  if (distance == "cosine") {
    o.distance(TripletDistance::kCosine);
  } else if (distance == "l2") {
    o.distance(TripletDistance::kL2);
  } else {
    return absl::InvalidArgumentError("config \"triplet_distance\" must be cosine or l2");
  }
  if (negatives == "hardest") {
    o.negatives(TripletNegatives::kHardest);
  } else if (negatives == "random") {
    o.negatives(TripletNegatives::kRandom);
  } else {
    return absl::InvalidArgumentError("config \"triplet_negatives\" must be hardest or random");
  }
  return o;
}

ShallowEmbedderOptions ModelOptions(const Variant& v, const Config& c) {
  ShallowEmbedderOptions o;
  o.head = v.kwta_head ? Head::kKwtaCode : Head::kSoftmax;
  o.classes = kClasses;
  o.embedding_dim = c.Int("embedding_dim");
  o.code_sparsity = c.Double("code_sparsity");
  o.soft_code_kwta = c.String("kwta_training") == "soft";
  o.kwta_hardness = c.Double("kwta_hardness");
  o.hidden_kwta = v.hidden_kwta;
  o.hidden_sparsity = c.Double("hidden_sparsity");
  o.synaptic_scaling = v.synaptic_scaling;
  o.scaling_boost = c.Double("scaling_boost");
  o.scaling_period = c.Int("scaling_period");
  return o;
}

// The per-seed information planes, one per estimator.
struct Planes {
  std::vector<std::string> names;
  std::vector<monitor::InformationPlane> planes;
};

absl::StatusOr<Planes> MakePlanes(const Config& c, int64_t seed, int threads) {
  Planes p;
  for (const std::string& name : c.Get<std::vector<std::string>>("mi_estimators")) {
    monitor::InformationPlaneOptions o;
    ASSIGN_OR_RETURN(o.estimator, monitor::ParseEstimator(name));
    o.k = static_cast<int>(c.Int("ksg_k"));
    o.pca_dim = static_cast<int>(c.Int("mi_pca_dim"));
    // The issue asks for KSG, GCMI and MINE on the code layer too; as discrete
    // symbols nearly every binary code of the subset is unique.
    o.binary_codes_as_discrete = false;
    o.seed = static_cast<uint64_t>(seed);
    o.num_threads = threads;
    o.mine.iterations = static_cast<int>(c.Int("mine_iterations"));
    o.mine.hidden_units = static_cast<int>(c.Int("mine_hidden"));
    o.mine.batch_size = static_cast<int>(c.Int("mine_batch"));
    o.mine.learning_rate = c.Double("mine_learning_rate");
    o.mine.average_last = static_cast<int>(c.Int("mine_average_last"));
    o.mine.show_progress = false;
    p.names.push_back(name);
    p.planes.emplace_back(o);
  }
  return p;
}

// Everything one data set's runs share.
struct DataContext {
  std::string name;
  Dataset train, test;
  InputTransform normalize;
  at::Tensor mi_inputs;  // normalised evaluation subset for the information plane
  at::Tensor mi_labels;
  double mi_label_entropy_bits = 0;
  UnionPairs union_pairs;
};

// The variant's model, seeded; a pretrained variant starts from the softmax
// model's features.
absl::StatusOr<ShallowEmbedder> BuildModel(Experiment& ex, int64_t seed, const Variant& variant,
                                           const ShallowEmbedder* softmax_model) {
  const Config& c = ex.config();
  ex.Seed(seed);
  const std::string kwta_training = c.String("kwta_training");
  if (kwta_training != "soft" && kwta_training != "binary") {
    return absl::InvalidArgumentError("config \"kwta_training\" must be soft or binary");
  }
  ShallowEmbedder model(ModelOptions(variant, c));
  if (variant.pretrained) {
    if (softmax_model == nullptr || !*softmax_model) {
      return absl::InvalidArgumentError(absl::StrCat(
          "variant '", variant.name, "' starts from the softmax model: list \"softmax\" before it"));
    }
    model->CopyFeaturesFrom(**softmax_model);
  }
  return model;
}

// Negative log-likelihood for the softmax head, the triplet loss for a kWTA code.
absl::StatusOr<LossFunction> LossFor(const Variant& variant, const Config& c) {
  if (!variant.kwta_head) return NllLoss();
  ASSIGN_OR_RETURN(const TripletLossOptions triplet_options, ReadTripletOptions(c));
  TripletLoss triplet(triplet_options);
  return LossFunction([triplet](const at::Tensor& out, const at::Tensor& y) mutable {
    return triplet->forward(out, y);
  });
}

// Records the variant's hidden layer and head on every plane: before training
// and every mi_every epochs (and at the last).
absl::Status MonitorTraining(const Config& c, const DataContext& data, const Variant& variant,
                             ShallowEmbedder& model, Trainer& trainer, Planes& planes) {
  const int64_t mi_every = c.Int("mi_every");
  const int64_t last_epoch = c.Int("epochs");
  auto record = [&data, &variant, &planes, model](int64_t epoch) mutable -> absl::Status {
    const LayerOutputs out = ForwardInBatches(model, data.mi_inputs, /*normalized=*/nullptr);
    const std::string out_name = variant.kwta_head ? "code" : "output";
    for (monitor::InformationPlane& plane : planes.planes) {
      RETURN_IF_ERROR(plane.Record(epoch, data.mi_inputs, data.mi_labels,
                                   {{absl::StrCat(variant.name, "/hidden"), out.hidden},
                                    {absl::StrCat(variant.name, "/", out_name), out.output}}));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(record(0));
  trainer.AddEpochCallback([record, mi_every, last_epoch](const EpochStats& stats) mutable {
    const int64_t epoch = stats.epoch + 1;
    if (epoch % mi_every == 0 || epoch == last_epoch) return record(epoch);
    return absl::OkStatus();
  });
  return absl::OkStatus();
}

// Test accuracy of a softmax head; the code metrics and the class-mean codes
// (the report's heat map) of a kWTA head.
absl::Status EvaluateVariant(Experiment& ex, const std::string& row, int64_t seed,
                             const DataContext& data, const Variant& variant,
                             ShallowEmbedder& model, Trainer& trainer,
                             ShallowEmbedder* softmax_model) {
  const Config& c = ex.config();
  if (!variant.kwta_head) {
    ASSIGN_OR_RETURN(const EvalResult eval, trainer.Evaluate(data.test));
    ex.table().Add(row, "test_accuracy", seed, *eval.accuracy);
    if (softmax_model != nullptr) *softmax_model = model;
    return absl::OkStatus();
  }
  CodeEvaluationOptions o;
  o.knn_k = c.Int("knn_k");
  o.knn_train_samples = c.Int("knn_train_samples");
  ASSIGN_OR_RETURN(const CodeEvaluation e, EvaluateCodes(model, data.train, data.test,
                                                         data.normalize, data.union_pairs,
                                                         kClasses, o));
  for (const auto& [metric, value] : e.metrics) ex.table().Add(row, metric, seed, value);
  const at::Tensor codes = e.class_mean_codes.to(at::kDouble).contiguous();
  nlohmann::json matrix = nlohmann::json::array();
  for (int64_t r = 0; r < codes.size(0); ++r) {
    const double* p = codes[r].data_ptr<double>();
    matrix.push_back(std::vector<double>(p, p + codes.size(1)));
  }
  ex.extra()["mean_codes"][variant.name] = matrix;
  return absl::OkStatus();
}

// The last point of each of the variant's layers on every plane, and its Fano
// bound on the accuracy, as rows.
absl::Status AddInformationRows(Experiment& ex, const std::string& row, int64_t seed,
                                const DataContext& data, const Variant& variant,
                                const Planes& planes) {
  for (size_t i = 0; i < planes.planes.size(); ++i) {
    const nlohmann::json j = planes.planes[i].ToJson();
    for (const auto& layer : j["layers"]) {
      const std::string layer_name = layer["name"];
      if (layer_name.rfind(variant.name + "/", 0) != 0) continue;
      const std::string short_name = layer_name.substr(variant.name.size() + 1);
      const double i_xt = layer["i_xt"].back().get<double>();
      const double i_ty = layer["i_ty"].back().get<double>();
      const std::string suffix = absl::StrCat(planes.names[i], "_", short_name);
      ex.table().Add(row, "i_xt_bits_" + suffix, seed, i_xt);
      ex.table().Add(row, "i_ty_bits_" + suffix, seed, i_ty);
      ASSIGN_OR_RETURN(const double bound,
                       FanoAccuracyBound(i_ty, data.mi_label_entropy_bits, kClasses));
      ex.table().Add(row, "fano_accuracy_bound_" + suffix, seed, bound);
    }
  }
  return absl::OkStatus();
}

absl::Status RunVariant(Experiment& ex, const TaskContext& task, const DataContext& data,
                        const Variant& variant, ShallowEmbedder* softmax_model, Planes& planes) {
  const int64_t seed = task.task.seed;
  const Config& c = ex.config();
  const std::string row = absl::StrCat(data.name, "/", variant.name);
  ASSIGN_OR_RETURN(ShallowEmbedder model, BuildModel(ex, seed, variant, softmax_model));
  ex.table().SetInfo(row, "model", model->Describe());
  ASSIGN_OR_RETURN(TrainerOptions options, ReadTrainerOptions(c, seed));
  options.input_transform(data.normalize).label(absl::StrCat(row, " seed ", seed));
  ASSIGN_OR_RETURN(LossFunction loss, LossFor(variant, c));
  Trainer trainer(model, loss, options);
  const bool monitored = VariantListed(c, "mi_variants", variant.name);
  if (monitored) RETURN_IF_ERROR(MonitorTraining(c, data, variant, model, trainer, planes));

  ASSIGN_OR_RETURN(const std::vector<EpochStats> epochs, trainer.Train(data.train));
  double seconds = 0;
  for (const EpochStats& e : epochs) seconds += e.seconds;
  ex.table().Add(row, "train_loss", seed, epochs.back().train_loss);
  ex.table().Add(row, "train_seconds", seed, seconds);
  RETURN_IF_ERROR(EvaluateVariant(ex, row, seed, data, variant, model, trainer, softmax_model));
  if (monitored) RETURN_IF_ERROR(AddInformationRows(ex, row, seed, data, variant, planes));
  return task.SavePartial(ex);  // the rows so far, after every variant
}

absl::StatusOr<DataContext> LoadDataContext(const std::string& name, const Config& c) {
  DataContext data;
  data.name = name;
  ASSIGN_OR_RETURN(std::tie(data.train, data.test), LoadData(name, c));
  const double mean = data.train.inputs.mean().item<double>();
  const double std = data.train.inputs.std().item<double>();
  data.normalize = [mean, std](const at::Tensor& x) { return Normalize(x, mean, std); };
  const Dataset mi = data.test.Head(c.Int("mi_samples"));
  data.mi_inputs = Normalize(mi.inputs, mean, std);
  data.mi_labels = mi.targets;
  data.mi_label_entropy_bits = LabelEntropyBits(std::vector<int64_t>(
      mi.targets.data_ptr<int64_t>(), mi.targets.data_ptr<int64_t>() + mi.size()));
  return data;
}

// One task: every variant of one data set for one seed.
absl::Status RunSeed(Experiment& ex, const TaskContext& task) {
  const Config& c = ex.config();
  const int64_t seed = task.task.seed;
  ASSIGN_OR_RETURN(DataContext data, LoadDataContext(task.task.row, c));
  ASSIGN_OR_RETURN(const std::vector<Variant> variants, ReadVariants(c));
  ASSIGN_OR_RETURN(Planes planes, MakePlanes(c, seed, ex.threads()));
  ASSIGN_OR_RETURN(data.union_pairs,
                   MakeUnionPairs(data.test, c.Int("union_pairs"), static_cast<uint64_t>(seed)));
  ShallowEmbedder softmax_model{nullptr};
  for (const Variant& v : variants) {
    RETURN_IF_ERROR(RunVariant(ex, task, data, v, &softmax_model, planes));
  }
  const bool any_monitored = !c.Get<std::vector<std::string>>("mi_variants").empty();
  for (size_t i = 0; any_monitored && i < planes.planes.size(); ++i) {
    ex.extra()["information_plane"][data.name][planes.names[i]][std::to_string(seed)] =
        planes.planes[i].ToJson();
  }
  ex.extra()["mi_samples"] = data.mi_inputs.size(0);
  return absl::OkStatus();
}

// result.json from every task's record, and the figures of the first seed on
// record of each data set: the class x unit mean-code maps and the
// information planes.
absl::Status Report(Experiment& ex, const std::vector<FinishedTask>& records) {
  std::map<std::string, int64_t> first_seed;
  for (const FinishedTask& f : records) {
    RETURN_IF_ERROR(ex.table().Merge(f.record["rows"]));
    const std::string& name = f.task.row;
    const nlohmann::json planes = f.record.value("information_plane", nlohmann::json::object());
    for (auto ds = planes.begin(); ds != planes.end(); ++ds) {
      for (auto est = ds.value().begin(); est != ds.value().end(); ++est) {
        for (auto sd = est.value().begin(); sd != est.value().end(); ++sd) {
          ex.extra()["information_plane"][ds.key()][est.key()][sd.key()] = sd.value();
        }
      }
    }
    if (f.partial || first_seed.count(name) > 0) continue;
    first_seed[name] = f.task.seed;
    const nlohmann::json codes = f.record.value("mean_codes", nlohmann::json::object());
    for (auto v = codes.begin(); v != codes.end(); ++v) {
      const std::vector<std::vector<double>> m = v.value();
      at::Tensor matrix = at::zeros({static_cast<int64_t>(m.size()),
                                     m.empty() ? 0 : static_cast<int64_t>(m[0].size())},
                                    at::kDouble);
      for (size_t r = 0; r < m.size(); ++r) {
        for (size_t k = 0; k < m[r].size(); ++k) matrix[r][k] = m[r][k];
      }
      PlotOptions plot;
      plot.title = absl::StrCat("Mean binary code per class, ", name, "/", v.key(), " (seed ",
                                f.task.seed, ")");
      plot.xlabel = "code unit";
      plot.ylabel = "class";
      plot.height = 360;
      plot.extra = absl::StrFormat("set xrange [-0.5:%d.5]\nset yrange [-0.5:%d.5]\nset ytics 1",
                                   matrix.size(1) - 1, kClasses - 1);
      RETURN_IF_ERROR(PlotHeatmap(
          ex.OutputPath(absl::StrCat("mean_code_", name, "_", v.key(), ".png")), matrix, plot));
    }
    const nlohmann::json mine = planes.value(name, nlohmann::json::object());
    for (auto est = mine.begin(); est != mine.end(); ++est) {
      const std::string seed = std::to_string(f.task.seed);
      if (!est.value().contains(seed)) continue;
      RETURN_IF_ERROR(monitor::InformationPlane::WritePng(
          est.value()[seed],
          ex.OutputPath(absl::StrCat("information_plane_", name, "_", est.key(), ".png")),
          absl::StrCat("Information plane, ", name, ", ", est.key(), " (seed ", seed, ", ",
                       f.record.value("mi_samples", 0), " test samples)")));
    }
  }
  ex.extra()["mi_label_entropy_note"] =
      "fano_accuracy_bound = 1 - Pe_min, Pe_min the smallest Pe with "
      "H2(Pe) + Pe log2(C-1) >= H(Y) - I(T;Y), H(Y) the plug-in label entropy of the "
      "evaluation subset, C = 10";
  return absl::OkStatus();
}

absl::Status Run(Experiment& ex) {
  const Config& c = ex.config();
  const std::vector<std::string> datasets = c.Get<std::vector<std::string>>("datasets");
  // Checked before any task starts: the variants, and that every data set loads.
  RETURN_IF_ERROR(ReadVariants(c).status());
  for (const std::string& name : datasets) RETURN_IF_ERROR(LoadData(name, c).status());
  TaskRunner runner;
  runner.report_rows = {"mnist", "fashion_mnist"};
  runner.run_rows = datasets;
  runner.key = [&](const std::string& dataset, int64_t seed) {
    nlohmann::json config = c.values();
    config.erase("seeds");
    config.erase("datasets");
    return nlohmann::json{{"dataset", dataset}, {"seed", seed}, {"config", config}};
  };
  runner.run = RunSeed;
  runner.report = Report;
  return RunTasks(ex, runner);
}

}  // namespace
}  // namespace sparselab::embedder_sdr

int main(int argc, char** argv) {
  return sparselab::RunExperiment(
      argc, argv,
      {"embedder_sdr",
       "dizcza/EmbedderSDR: binary sparse distributed representations with k-winners-take-all "
       "and triplet loss (GitHub project)"},
      sparselab::embedder_sdr::Run);
}
