// Reproduces the bars experiment of Földiák 1990, "Forming sparse
// representations by local anti-Hebbian learning" (Biol. Cybern. 64:165-170,
// Sec. 4 and Fig. 5): 16 units with Hebbian feed-forward, anti-Hebbian lateral
// weights and adaptive thresholds learn one bar each from random 8 x 8 bar
// patterns. Beside it runs the update of a notebook that tried this network on
// image patches and saw nothing sparse happen (one feed-forward pass with a
// slope-1 sigmoid, no settling, continuous outputs, positive lateral
// weights), and the ablations that move one of those four things at a time
// from one network to the other, so the README can say which one breaks it.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "experiments/foldiak_bars/bars.h"
#include "lib/base/plot.h"
#include "lib/base/progress.h"
#include "lib/base/status_macros.h"
#include "lib/harness/experiment.h"
#include "lib/harness/result_table.h"
#include "lib/nn/foldiak.h"

namespace sparselab::foldiak_bars {
namespace {

struct Options {
  int64_t grid = 8;
  double bar_probability = 0.125;
  int64_t units = 16;
  double alpha = 0.1, beta = 0.02, gamma = 0.02, lambda = 10, p = 0.125;
  int64_t warmup_cycles = 100;
  double warmup_gamma = 0.1;
  int64_t presentations = 4000;
  int64_t measure_every = 200;
  int64_t eval_patterns = 2000;
  double dt = 0.1, tol = 1e-5;
  int64_t max_steps = 2000;
  std::vector<int64_t> figure_checkpoints;
  std::vector<std::string> rows;
  double notebook_lambda = 1.0;
  double notebook_lateral_scale = 0.1;
};

// One network: Földiák's, the notebook's, or one of them with one thing moved.
struct Variant {
  std::string name;
  bool settle;            // integrate to the fixed point (else one pass)
  double lambda;          // slope of the sigmoid
  bool notebook_lateral;  // W0 ~ U(0, scale), unconstrained (else W0 = 0, kept <= 0)
  bool binarize;          // learning sees [y* > 0.5] (else y*)
};

std::vector<Variant> AllVariants(const Options& o) {
  const double f = o.lambda, n = o.notebook_lambda;
  return {
      {"bars/foldiak", true, f, false, true},
      {"bars/seed_notebook_rule", false, n, true, false},
      {"bars/foldiak+one_pass", false, f, false, true},
      {"bars/foldiak+notebook_slope", true, n, false, true},
      {"bars/foldiak+notebook_lateral", true, f, true, true},
      {"bars/foldiak+continuous_output", true, f, false, false},
      {"bars/notebook+settling", true, n, true, false},
      {"bars/notebook+foldiak_slope", false, f, true, false},
      {"bars/notebook+foldiak_lateral", false, n, false, false},
      {"bars/notebook+binary_output", false, n, true, true},
  };
}

std::vector<std::string> VariantNames(const Options& o) {
  std::vector<std::string> names;
  for (const Variant& v : AllVariants(o)) names.push_back(v.name);
  return names;
}

absl::StatusOr<Options> ParseOptions(const Config& c) {
  Options o;
  o.grid = c.Int("grid");
  o.bar_probability = c.Double("bar_probability");
  o.units = c.Int("units");
  o.alpha = c.Double("alpha");
  o.beta = c.Double("beta");
  o.gamma = c.Double("gamma");
  o.lambda = c.Double("lambda");
  o.p = c.Double("p");
  o.warmup_cycles = c.Int("warmup_cycles");
  o.warmup_gamma = c.Double("warmup_gamma");
  o.presentations = c.Int("presentations");
  o.measure_every = c.Int("measure_every");
  o.eval_patterns = c.Int("eval_patterns");
  o.dt = c.Double("dt");
  o.tol = c.Double("tol");
  o.max_steps = c.Int("max_steps");
  o.figure_checkpoints = c.Get<std::vector<int64_t>>("figure_checkpoints");
  o.rows = c.Get<std::vector<std::string>>("rows");
  o.notebook_lambda = c.Double("notebook_lambda");
  o.notebook_lateral_scale = c.Double("notebook_lateral_scale");
  RETURN_IF_ERROR(RequireConfig(o.grid >= 2 && o.grid <= 31, c, "grid",
                                "must be in [2, 31] (2 grid bars are coded as one 63-bit symbol)"));
  RETURN_IF_ERROR(RequireConfig(o.bar_probability > 0 && o.bar_probability < 1, c,
                                "bar_probability", "must be in (0, 1)"));
  RETURN_IF_ERROR(RequireConfig(o.units >= 1, c, "units", "must be >= 1"));
  for (const char* key : {"alpha", "beta", "gamma", "warmup_gamma", "notebook_lateral_scale"}) {
    RETURN_IF_ERROR(RequireConfig(c.Double(key) >= 0, c, key, "must be >= 0"));
  }
  for (const char* key : {"lambda", "notebook_lambda", "tol"}) {
    RETURN_IF_ERROR(RequireConfig(c.Double(key) > 0, c, key, "must be > 0"));
  }
  RETURN_IF_ERROR(RequireConfig(o.p > 0 && o.p < 1, c, "p", "must be in (0, 1)"));
  RETURN_IF_ERROR(RequireConfig(o.dt > 0 && o.dt <= 1, c, "dt", "must be in (0, 1]"));
  RETURN_IF_ERROR(RequireConfig(o.max_steps >= 1, c, "max_steps", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.warmup_cycles >= 0, c, "warmup_cycles", "must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(o.presentations >= 1, c, "presentations", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.measure_every >= 1 && o.measure_every <= o.presentations, c,
                                "measure_every", "must be in [1, presentations]"));
  RETURN_IF_ERROR(RequireConfig(o.eval_patterns >= 10, c, "eval_patterns", "must be >= 10"));
  for (int64_t cp : o.figure_checkpoints) {
    RETURN_IF_ERROR(RequireConfig(cp >= 0 && cp <= o.presentations, c, "figure_checkpoints",
                                  "every checkpoint must be in [0, presentations]"));
  }
  RETURN_IF_ERROR(RequireConfig(!o.rows.empty(), c, "rows", "must name at least one row"));
  const std::vector<std::string> known = VariantNames(o);
  for (const std::string& row : o.rows) {
    RETURN_IF_ERROR(RequireConfig(std::find(known.begin(), known.end(), row) != known.end(), c,
                                  "rows",
                                  absl::StrCat("unknown row '", row, "'; the rows are ",
                                               absl::StrJoin(known, ", "))));
  }
  return o;
}

FoldiakOptions NetworkOptions(const Options& o, const Variant& v) {
  return FoldiakOptions(o.grid * o.grid, o.units)
      .alpha(o.alpha)
      .beta(o.beta)
      .gamma(o.gamma)
      .p(o.p)
      .lambda(v.lambda)
      .settling(v.settle ? FoldiakSettling::kSigmoidOde : FoldiakSettling::kOnePass)
      .dt(o.dt)
      .tol(o.tol)
      .max_steps(o.max_steps)
      .binarize(v.binarize)
      .clip_lateral(!v.notebook_lateral)
      .lateral_init(v.notebook_lateral ? WeightInit::kUniform : WeightInit::kZero)
      .lateral_init_scale(o.notebook_lateral_scale)
      .feedforward_init(WeightInit::kUniform);
}

// The measures of one network at one moment.
struct Measures {
  int64_t presentations = 0;
  std::map<std::string, double> values;
};

Measures Measure(Foldiak& net, const BarPatterns& eval, const at::Tensor& templates,
                 int64_t presentations) {
  Measures m;
  m.presentations = presentations;
  // Every network's code is read as Földiák's binary output [y* > 0.5].
  const at::Tensor codes = net->Settle(eval.pixels).y_star > 0.5;
  const CodeStats s = MeasureCodes(codes, eval.bars);
  m.values["distinct_bars_coded"] = static_cast<double>(DistinctBarsCoded(net->q, templates));
  m.values["single_bar_codes"] =
      static_cast<double>(SingleBarCodes(net->Settle(templates).y_star > 0.5));
  m.values["firing_rate"] = s.firing_rate;
  m.values["pair_coactivation"] = s.pair_coactivation;
  m.values["distinct_code_share"] = s.distinct_code_share;
  m.values["code_information_bits"] = s.information_bits;
  m.values["information_fraction"] = s.information_bits / s.pattern_entropy_bits;
  return m;
}

struct RunRecord {
  std::vector<Measures> curve;
  std::map<int64_t, at::Tensor> snapshots;  // presentations -> q
  double mean_settle_steps = 0;
  int64_t unconverged = 0;
};

RunRecord Train(const Options& o, const Variant& v, int64_t seed, Progress& progress,
                int64_t& done) {
  RunRecord rec;
  Foldiak net(NetworkOptions(o, v));
  auto train_gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed) * 1000 + 1);
  auto eval_gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed) * 1000 + 2);
  const BarPatterns eval = DrawBars(o.eval_patterns, o.grid, o.bar_probability, eval_gen);
  const BarPatterns warm = DrawBars(o.warmup_cycles, o.grid, o.bar_probability, train_gen);
  const BarPatterns train = DrawBars(o.presentations, o.grid, o.bar_probability, train_gen);
  const at::Tensor templates = BarTemplates(o.grid);
  const auto snapshot = [&](int64_t t) {
    if (std::find(o.figure_checkpoints.begin(), o.figure_checkpoints.end(), t) !=
        o.figure_checkpoints.end()) {
      rec.snapshots[t] = net->q.clone();
    }
  };
  // Földiák: "thresholds were allowed to reach stable values by running the
  // network with alpha = beta = 0, gamma = 0.1 for 100 cycles before training".
  for (int64_t i = 0; i < o.warmup_cycles; ++i) net->WarmUp(warm.pixels.narrow(0, i, 1), o.warmup_gamma);
  rec.curve.push_back(Measure(net, eval, templates, 0));
  snapshot(0);
  double steps = 0;
  for (int64_t t = 1; t <= o.presentations; ++t) {
    steps += static_cast<double>(net->Learn(train.pixels.narrow(0, t - 1, 1)).steps);
    snapshot(t);
    if (t % o.measure_every == 0 || t == o.presentations) {
      if (t % o.measure_every == 0) rec.curve.push_back(Measure(net, eval, templates, t));
      progress.Update(done + t, absl::StrFormat("%s seed %d: %g bars", v.name, seed,
                                                rec.curve.back().values["distinct_bars_coded"]));
    }
  }
  if (o.presentations % o.measure_every != 0) {
    rec.curve.push_back(Measure(net, eval, templates, o.presentations));
  }
  done += o.presentations;
  rec.mean_settle_steps = steps / static_cast<double>(o.presentations);
  rec.unconverged = net->unconverged_settlings();
  return rec;
}

// Receptive fields q_i (8 x 8) of every unit, one row per checkpoint, each
// scaled to [0, 1] by its own range.
absl::Status ReceptiveFieldFigure(const std::string& path, const Options& o,
                                  const std::map<int64_t, at::Tensor>& snapshots) {
  if (snapshots.empty()) return absl::OkStatus();
  std::vector<at::Tensor> images;
  for (const auto& [t, q] : snapshots) {
    const at::Tensor lo = std::get<0>(q.min(1, true)), hi = std::get<0>(q.max(1, true));
    images.push_back(((q - lo) / (hi - lo).clamp_min(1e-12)).reshape({o.units, 1, o.grid, o.grid}));
  }
  return WriteImageGrid(path, at::cat(images, 0), static_cast<int>(o.units), 4);
}

absl::Status Run(Experiment& ex) {
  ASSIGN_OR_RETURN(const Options o, ParseOptions(ex.config()));
  std::vector<Variant> variants;
  for (const Variant& v : AllVariants(o)) {
    if (std::find(o.rows.begin(), o.rows.end(), v.name) != o.rows.end()) variants.push_back(v);
  }
  const int64_t bars = 2 * o.grid;
  const std::vector<int64_t>& seeds = ex.seeds();
  Progress progress("bars", static_cast<int64_t>(variants.size() * seeds.size()) * o.presentations);
  int64_t done = 0;
  nlohmann::json curves = nlohmann::json::object();
  std::vector<Series> bar_curves, rate_curves, info_curves;
  for (const Variant& v : variants) {
    std::vector<RunRecord> records;
    for (int64_t seed : seeds) {
      ex.Seed(seed);
      RunRecord rec = Train(o, v, seed, progress, done);
      const Measures& last = rec.curve.back();
      for (const auto& [metric, value] : last.values) ex.table().Add(v.name, metric, seed, value);
      ex.table().Add(v.name, "mean_settle_steps", seed, rec.mean_settle_steps);
      ex.table().Add(v.name, "unconverged_settlings", seed, static_cast<double>(rec.unconverged));
      for (const Measures& m : rec.curve) {
        if (m.values.at("distinct_bars_coded") == bars) {
          ex.table().Add(v.name, "presentations_to_all_bars", seed, static_cast<double>(m.presentations));
          break;
        }
      }
      ex.table().Add(v.name, "all_bars_coded", seed, last.values.at("distinct_bars_coded") == bars ? 1.0 : 0.0);
      records.push_back(std::move(rec));
    }
    ex.table().SetInfo(v.name, "network", {{"settling", v.settle ? "ode" : "one_pass"},
                                           {"lambda", v.lambda},
                                           {"lateral", v.notebook_lateral ? "notebook" : "foldiak"},
                                           {"binarize", v.binarize}});
    if (v.name == "bars/foldiak") {
      ex.table().SetPaper(v.name, "distinct_bars_coded", static_cast<double>(bars));
      ex.table().SetPaper(v.name, "firing_rate", o.p);
      ex.table().SetPaper(v.name, "pair_coactivation", o.p * o.p);
    }
    // Mean and std over seeds at each measuring point.
    nlohmann::json c = {{"presentations", nlohmann::json::array()}};
    const size_t points = records.front().curve.size();
    Series bars_series{v.name, {}, {}, "linespoints"}, rate_series{v.name, {}, {}, "linespoints"},
        info_series{v.name, {}, {}, "linespoints"};
    for (size_t i = 0; i < points; ++i) {
      const double x = static_cast<double>(records.front().curve[i].presentations);
      c["presentations"].push_back(x);
      for (const auto& kv : records.front().curve[i].values) {
        std::vector<double> per_seed;
        for (const RunRecord& r : records) per_seed.push_back(r.curve[i].values.at(kv.first));
        const Summary s = Summarize(per_seed);
        c[kv.first]["mean"].push_back(s.mean);
        c[kv.first]["std"].push_back(s.std);
        if (kv.first == "distinct_bars_coded") { bars_series.x.push_back(x); bars_series.y.push_back(s.mean); }
        if (kv.first == "firing_rate") { rate_series.x.push_back(x); rate_series.y.push_back(s.mean); }
        if (kv.first == "information_fraction") { info_series.x.push_back(x); info_series.y.push_back(s.mean); }
      }
    }
    curves[v.name] = c;
    bar_curves.push_back(bars_series);
    rate_curves.push_back(rate_series);
    info_curves.push_back(info_series);
    const std::string stem = v.name.substr(v.name.find('/') + 1);
    RETURN_IF_ERROR(ReceptiveFieldFigure(
        ex.OutputPath(absl::StrCat("receptive_fields_", stem, ".png")), o, records.front().snapshots));
  }
  progress.Finish();
  ex.extra()["curves"] = curves;
  ex.extra()["figure_checkpoints"] = o.figure_checkpoints;

  PlotOptions po;
  po.xlabel = "presentations";
  po.extra = "set key outside right";
  po.width = 1100;
  po.title = absl::StrFormat("Bars with a unit of their own (of %d), mean over %d seeds", bars, seeds.size());
  po.ylabel = "distinct bars coded";
  RETURN_IF_ERROR(PlotLines(ex.OutputPath("distinct_bars.png"), bar_curves, po));
  po.title = absl::StrFormat("Firing rate of the binary code (target p = %g)", o.p);
  po.ylabel = "mean firing rate";
  rate_curves.push_back({"target p", {0.0, static_cast<double>(o.presentations)}, {o.p, o.p}, "lines dt 2"});
  RETURN_IF_ERROR(PlotLines(ex.OutputPath("firing_rate.png"), rate_curves, po));
  po.title = "Information the binary code keeps about the bar pattern";
  po.ylabel = "I(code; pattern) / H(pattern)";
  return PlotLines(ex.OutputPath("information.png"), info_curves, po);
}

}  // namespace
}  // namespace sparselab::foldiak_bars

int main(int argc, char** argv) {
  return sparselab::RunExperiment(
      argc, argv,
      {"foldiak_bars",
       "Földiák 1990, Forming sparse representations by local anti-Hebbian learning, Biol. "
       "Cybern. 64:165-170 (the bars problem, Fig. 5)"},
      sparselab::foldiak_bars::Run);
}
