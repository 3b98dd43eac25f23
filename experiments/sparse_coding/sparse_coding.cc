// Sparse coding of natural images (Olshausen & Field 1996, "Emergence of
// simple-cell receptive field properties by learning a sparse code for
// natural images", Nature 381:607-609) with the protocol of
// lpjiang97/sparse-coding (10 x 10 patches, 400 units, ISTA inference) and a
// 16 x 16 / 192-unit run as in the paper; ISTA, FISTA (Beck & Teboulle 2009)
// and LCA (Rozell et al. 2008) raced on held-out patches; and the question of
// a notebook that found Földiák's anti-Hebbian network "bad if it's only
// trying to do analysis": Földiák, SAILnet and sparse coding at equal size and
// activity, their receptive fields' Gabor R^2 and how well a linear decoder
// recovers the input from their codes, on whitened and on raw patches.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "experiments/sparse_coding/filter_analysis.h"
#include "experiments/sparse_coding/notebook_models.h"
#include "experiments/sparse_coding/solver_race.h"
#include "lib/base/plot.h"
#include "lib/base/progress.h"
#include "lib/base/status_macros.h"
#include "lib/data/image_patches.h"
#include "lib/harness/experiment.h"
#include "lib/nn/sparse_coding.h"

namespace sparselab::sparse_coding {
namespace {

// A dictionary-learning run: lpjiang97's or Olshausen & Field's.
struct DictionaryRun {
  std::string key;  // config object: "lpjiang" or "olshausen_field"
  std::string row;
  int64_t patch = 10, atoms = 400, batch = 250;
  int64_t per_image = 0;  // > 0: a fixed set of patches, `epochs` passes in order
  int64_t epochs = 0;
  int64_t trials = 0;     // else: `trials` batches of fresh random patches
  bool subtract_mean = true;
  double lambda = 0.25, learning_rate = 5.0;
  SparseSolver solver = SparseSolver::kIsta;
  double step = 0, tol = 0.01;
  int64_t max_iter = 2000;
};

struct Options {
  std::vector<std::string> parts;
  std::vector<std::string> train_images, test_images;
  double whiten_f0 = 0.4, image_variance = 0.1;
  int64_t border = 4;
  int64_t test_per_image = 2500;
  double gabor_threshold = 0.8;
  double eval_tol = 1e-6;
  int64_t eval_max_iter = 5000;
  DictionaryRun lpjiang, olshausen_field;
  int64_t race_patches = 1000, race_iterations = 3000, race_reference_iterations = 20000;
  double race_target_gap = 1e-4;
  int64_t race_repeats = 3;
  NotebookOptions notebook;
  int64_t nb_patch = 10, nb_pool_per_image = 5000, nb_decoder_per_image = 2000;
  std::vector<std::string> nb_setups, nb_models;
};

const std::vector<std::string> kParts = {"lpjiang", "olshausen_field", "solvers", "notebook"};

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

absl::Status ParseDictionaryRun(const Config& c, const std::string& key, DictionaryRun& r) {
  const auto k = [&](const char* name) { return absl::StrCat(key, ".", name); };
  r.key = key;
  r.patch = c.Int(k("patch"));
  r.atoms = c.Int(k("atoms"));
  r.batch = c.Int(k("batch"));
  r.per_image = c.Int(k("patches_per_image"));
  r.epochs = c.Int(k("epochs"));
  r.trials = c.Int(k("trials"));
  r.subtract_mean = c.Bool(k("subtract_mean"));
  r.lambda = c.Double(k("lambda"));
  r.learning_rate = c.Double(k("learning_rate"));
  ASSIGN_OR_RETURN(r.solver, ParseSparseSolver(c.String(k("solver"))));
  r.step = c.Double(k("step"));
  r.tol = c.Double(k("tol"));
  r.max_iter = c.Int(k("max_iter"));
  r.row = absl::StrFormat("%s/%dx%d_K%d", key, r.patch, r.patch, r.atoms);
  RETURN_IF_ERROR(RequireConfig(r.patch >= 2, c, k("patch"), "must be >= 2"));
  RETURN_IF_ERROR(RequireConfig(r.atoms >= 1, c, k("atoms"), "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(r.batch >= 1, c, k("batch"), "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig((r.per_image > 0 && r.epochs > 0) != (r.trials > 0), c, k("trials"),
                                "give either patches_per_image and epochs (a fixed patch set) or "
                                "trials (fresh random batches), the other 0"));
  RETURN_IF_ERROR(RequireConfig(r.per_image >= 0 && r.epochs >= 0 && r.trials >= 0, c,
                                k("trials"), "patch counts, epochs and trials must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(r.lambda >= 0, c, k("lambda"), "must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(r.learning_rate > 0, c, k("learning_rate"), "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(r.step >= 0, c, k("step"), "must be >= 0 (0: 1/L)"));
  RETURN_IF_ERROR(RequireConfig(r.tol > 0, c, k("tol"), "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(r.max_iter >= 1, c, k("max_iter"), "must be >= 1"));
  return absl::OkStatus();
}

absl::StatusOr<Options> ParseOptions(const Config& c) {
  Options o;
  o.parts = c.Get<std::vector<std::string>>("parts");
  o.train_images = c.Get<std::vector<std::string>>("train_images");
  o.test_images = c.Get<std::vector<std::string>>("test_images");
  o.whiten_f0 = c.Double("whiten_f0");
  o.image_variance = c.Double("image_variance");
  o.border = c.Int("border");
  o.test_per_image = c.Int("test_patches_per_image");
  o.gabor_threshold = c.Double("gabor_threshold");
  o.eval_tol = c.Double("eval_tol");
  o.eval_max_iter = c.Int("eval_max_iter");
  for (const std::string& p : o.parts) {
    RETURN_IF_ERROR(RequireConfig(Contains(kParts, p), c, "parts",
                                  absl::StrCat("unknown part '", p, "'; the parts are ",
                                               absl::StrJoin(kParts, ", "))));
  }
  RETURN_IF_ERROR(RequireConfig(!o.parts.empty(), c, "parts", "must name at least one part"));
  RETURN_IF_ERROR(RequireConfig(!o.train_images.empty(), c, "train_images", "must not be empty"));
  RETURN_IF_ERROR(RequireConfig(!o.test_images.empty(), c, "test_images", "must not be empty"));
  for (const std::string& im : o.test_images) {
    RETURN_IF_ERROR(RequireConfig(!Contains(o.train_images, im), c, "test_images",
                                  absl::StrCat("'", im, "' is also a training image; held-out "
                                               "images must not be trained on")));
  }
  RETURN_IF_ERROR(RequireConfig(o.whiten_f0 > 0 && o.whiten_f0 <= 0.71, c, "whiten_f0",
                                "must be in (0, 0.71] cycles/pixel (0.4 is Olshausen's)"));
  RETURN_IF_ERROR(RequireConfig(o.image_variance > 0, c, "image_variance", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.border >= 0, c, "border", "must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(o.test_per_image >= 1, c, "test_patches_per_image", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.gabor_threshold > 0 && o.gabor_threshold < 1, c,
                                "gabor_threshold", "must be in (0, 1)"));
  RETURN_IF_ERROR(RequireConfig(o.eval_tol > 0, c, "eval_tol", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.eval_max_iter >= 1, c, "eval_max_iter", "must be >= 1"));
  RETURN_IF_ERROR(ParseDictionaryRun(c, "lpjiang", o.lpjiang));
  RETURN_IF_ERROR(ParseDictionaryRun(c, "olshausen_field", o.olshausen_field));

  o.race_patches = c.Int("race.patches");
  o.race_iterations = c.Int("race.iterations");
  o.race_reference_iterations = c.Int("race.reference_iterations");
  o.race_target_gap = c.Double("race.target_gap");
  o.race_repeats = c.Int("race.repeats");
  RETURN_IF_ERROR(RequireConfig(!Contains(o.parts, "solvers") || Contains(o.parts, "lpjiang"), c,
                                "parts", "'solvers' races on the lpjiang dictionary: add 'lpjiang'"));
  RETURN_IF_ERROR(RequireConfig(o.race_patches >= 1, c, "race.patches", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.race_iterations >= 1, c, "race.iterations", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.race_reference_iterations >= 10 * o.race_iterations, c,
                                "race.reference_iterations",
                                "must be >= 10 x race.iterations (F* must be far better than any racer)"));
  RETURN_IF_ERROR(RequireConfig(o.race_target_gap > 0 && o.race_target_gap < 1, c,
                                "race.target_gap", "must be in (0, 1)"));
  RETURN_IF_ERROR(RequireConfig(o.race_repeats >= 1, c, "race.repeats", "must be >= 1"));

  NotebookOptions& n = o.notebook;
  n.units = c.Int("notebook.units");
  n.p = c.Double("notebook.p");
  n.trials = c.Int("notebook.trials");
  n.batch = c.Int("notebook.batch");
  n.alpha = c.Double("notebook.alpha");
  n.beta = c.Double("notebook.beta");
  n.gamma = c.Double("notebook.gamma");
  n.foldiak_lambda = c.Double("notebook.foldiak_lambda");
  n.foldiak_max_steps = c.Int("notebook.foldiak_max_steps");
  n.sc_lambda = c.Double("notebook.sc_lambda");
  n.sc_learning_rate = c.Double("notebook.sc_learning_rate");
  n.sc_lambda_adaptation = c.Double("notebook.sc_lambda_adaptation");
  o.nb_patch = c.Int("notebook.patch");
  o.nb_pool_per_image = c.Int("notebook.pool_per_image");
  o.nb_decoder_per_image = c.Int("notebook.decoder_per_image");
  o.nb_setups = c.Get<std::vector<std::string>>("notebook.setups");
  o.nb_models = c.Get<std::vector<std::string>>("notebook.models");
  RETURN_IF_ERROR(RequireConfig(n.units >= 1, c, "notebook.units", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(n.p > 0 && n.p < 1, c, "notebook.p", "must be in (0, 1)"));
  RETURN_IF_ERROR(RequireConfig(n.trials >= 1 && n.batch >= 1, c, "notebook.trials",
                                "trials and batch must be >= 1"));
  for (const char* key : {"notebook.alpha", "notebook.beta", "notebook.gamma"}) {
    RETURN_IF_ERROR(RequireConfig(c.Double(key) >= 0, c, key, "must be >= 0"));
  }
  for (const char* key : {"notebook.foldiak_lambda", "notebook.sc_learning_rate"}) {
    RETURN_IF_ERROR(RequireConfig(c.Double(key) > 0, c, key, "must be > 0"));
  }
  RETURN_IF_ERROR(RequireConfig(n.sc_lambda >= 0 && n.sc_lambda_adaptation >= 0, c,
                                "notebook.sc_lambda", "sc_lambda and sc_lambda_adaptation must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(n.foldiak_max_steps >= 1, c, "notebook.foldiak_max_steps", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.nb_patch >= 2, c, "notebook.patch", "must be >= 2"));
  RETURN_IF_ERROR(RequireConfig(o.nb_pool_per_image >= 1 && o.nb_decoder_per_image >= 1, c,
                                "notebook.pool_per_image", "pool and decoder patch counts must be >= 1"));
  for (const std::string& s : o.nb_setups) {
    RETURN_IF_ERROR(RequireConfig(s == "whitened" || s == "raw", c, "notebook.setups",
                                  absl::StrCat("unknown setup '", s, "'; use whitened or raw")));
  }
  for (const std::string& m : o.nb_models) {
    RETURN_IF_ERROR(RequireConfig(Contains(NotebookModels(), m), c, "notebook.models",
                                  absl::StrCat("unknown model '", m, "'; the models are ",
                                               absl::StrJoin(NotebookModels(), ", "))));
  }
  return o;
}

struct Images {
  std::vector<at::Tensor> raw_train, raw_test, white_train, white_test;
};

absl::StatusOr<Images> LoadImages(const Options& o) {
  Images im;
  ASSIGN_OR_RETURN(im.raw_train, LoadGrayImages(o.train_images));
  ASSIGN_OR_RETURN(im.raw_test, LoadGrayImages(o.test_images));
  const auto whiten = [&](const std::vector<at::Tensor>& in) {
    std::vector<at::Tensor> out;
    for (const at::Tensor& x : in) {
      out.push_back(ScaleToVariance(OlshausenWhiten(x, o.whiten_f0), o.image_variance));
    }
    return out;
  };
  im.white_train = whiten(im.raw_train);
  im.white_test = whiten(im.raw_test);
  return im;
}

// Records the Gabor measures of a filter set in `row`, and its sorted R^2 curve.
void RecordGabors(Experiment& ex, const std::string& row, int64_t seed, const GaborSummary& g,
                  std::vector<Series>& r2_curves) {
  ex.table().Add(row, "gabor_r2_mean", seed, g.mean_r2);
  ex.table().Add(row, "gabor_r2_median", seed, g.median_r2);
  ex.table().Add(row, "edge_like_share", seed, g.share_edge_like);
  if (seed != ex.seeds().front()) return;
  std::vector<double> r2;
  for (const GaborFit& f : g.fits) r2.push_back(f.r2);
  std::sort(r2.rbegin(), r2.rend());
  Series s{row, {}, r2, "lines lw 2"};
  for (size_t i = 0; i < r2.size(); ++i) s.x.push_back(static_cast<double>(i) / r2.size());
  r2_curves.push_back(s);
  nlohmann::json fits = nlohmann::json::array();
  for (const GaborFit& f : g.fits) {
    fits.push_back({{"r2", f.r2}, {"x0", f.params.x0}, {"y0", f.params.y0},
                    {"theta", f.params.theta}, {"frequency", f.params.frequency},
                    {"sigma_x", f.params.sigma_x}, {"sigma_y", f.params.sigma_y}});
  }
  ex.extra()["gabor_fits"][row] = fits;
}

absl::StatusOr<at::Tensor> LearnDictionary(Experiment& ex, const Options& o, const DictionaryRun& r,
                                           const Images& im, int64_t seed, at::Generator& gen,
                                           std::vector<Series>& r2_curves) {
  PatchOptions po;
  po.size = r.patch;
  po.border = o.border;
  po.subtract_mean = r.subtract_mean;
  SparseDictionary dict(SparseDictionaryOptions(r.patch * r.patch, r.atoms)
                            .learning_rate(r.learning_rate)
                            .coding(SparseCodingOptions()
                                        .lambda(r.lambda)
                                        .solver(r.solver)
                                        .step(r.step)
                                        .tol(r.tol)
                                        .max_iter(r.max_iter)));
  nlohmann::json curve = nlohmann::json::array();
  std::vector<double> objectives;
  int64_t iterations = 0, steps = 0;
  if (r.per_image > 0) {
    // lpjiang97: a fixed set of patches per image, batches in order, `epochs` passes.
    ASSIGN_OR_RETURN(const at::Tensor patches, PatchesPerImage(im.white_train, r.per_image, po, gen));
    const int64_t batches = (patches.size(0) + r.batch - 1) / r.batch;
    Progress progress(r.row, r.epochs * batches);
    for (int64_t e = 0; e < r.epochs; ++e) {
      double sum = 0;
      for (int64_t b = 0; b < batches; ++b) {
        const int64_t start = b * r.batch;
        const DictionaryStepStats s =
            dict->Step(patches.narrow(0, start, std::min(r.batch, patches.size(0) - start)));
        sum += s.objective;
        iterations += s.iterations;
        ++steps;
        progress.Update(e * batches + b + 1, absl::StrFormat("epoch %d objective %.4f", e + 1, s.objective));
      }
      curve.push_back({{"epoch", e + 1}, {"objective", sum / batches}});
      objectives.push_back(sum / batches);
    }
    progress.Finish();
  } else {
    // Olshausen & Field / sparsenet: every trial a fresh batch of random patches.
    Progress progress(r.row, r.trials);
    double sum = 0;
    for (int64_t t = 1; t <= r.trials; ++t) {
      ASSIGN_OR_RETURN(const at::Tensor batch, RandomPatches(im.white_train, r.batch, po, gen));
      const DictionaryStepStats s = dict->Step(batch);
      sum += s.objective;
      iterations += s.iterations;
      ++steps;
      if (t % 100 == 0) {
        curve.push_back({{"trial", t}, {"objective", sum / 100}});
        objectives.push_back(sum / 100);
        sum = 0;
      }
      progress.Update(t, absl::StrFormat("objective %.4f", s.objective));
    }
    progress.Finish();
  }
  const at::Tensor d = dict->dictionary.clone();
  // Held-out patches, coded to convergence (FISTA) at the training lambda.
  ASSIGN_OR_RETURN(const at::Tensor test, PatchesPerImage(im.white_test, o.test_per_image, po, gen));
  const SparseCodeResult code = SparseEncode(
      test, d, SparseCodingOptions().lambda(r.lambda).tol(o.eval_tol).max_iter(o.eval_max_iter));
  ex.table().Add(r.row, "snr_db", seed, SnrDb(test, code.z.mm(d.t())));
  ex.table().Add(r.row, "active_coefficients", seed, (code.z != 0).to(at::kDouble).sum(1).mean().item<double>());
  ex.table().Add(r.row, "test_objective", seed,
                 SparseCodingObjective(test, d, code.z, r.lambda).mean().item<double>());
  if (!objectives.empty()) ex.table().Add(r.row, "train_objective", seed, objectives.back());
  ex.table().Add(r.row, "solver_iterations_per_step", seed, static_cast<double>(iterations) / steps);
  const GaborSummary g = SummarizeGabors(d.t(), r.patch, o.gabor_threshold);
  RecordGabors(ex, r.row, seed, g, r2_curves);
  ex.table().SetInfo(r.row, "protocol", {{"lambda", r.lambda}, {"solver", SparseSolverName(r.solver)},
                                         {"step", r.step}, {"tol", r.tol}, {"batch", r.batch},
                                         {"learning_rate", r.learning_rate}});
  if (seed == ex.seeds().front()) {
    ex.extra()["training_curves"][r.row] = curve;
    RETURN_IF_ERROR(WriteFilterGrid(ex.OutputPath(absl::StrCat("basis_", r.key, ".png")), d.t(), r.patch,
                                    static_cast<int>(std::ceil(std::sqrt(static_cast<double>(r.atoms))))));
    RETURN_IF_ERROR(WriteGaborCoverage(ex.OutputPath(absl::StrCat("gabor_positions_", r.key, ".png")),
                                       ex.OutputPath(absl::StrCat("gabor_frequency_plane_", r.key, ".png")),
                                       g, r.patch, o.gabor_threshold, r.row));
  }
  return d;
}

absl::Status RaceSolversPart(Experiment& ex, const Options& o, const at::Tensor& dictionary,
                             const Images& im, int64_t seed, at::Generator& gen) {
  PatchOptions po;
  po.size = o.lpjiang.patch;
  po.border = o.border;
  po.subtract_mean = o.lpjiang.subtract_mean;
  ASSIGN_OR_RETURN(at::Tensor test, PatchesPerImage(im.white_test, o.test_per_image, po, gen));
  test = test.narrow(0, 0, std::min(o.race_patches, test.size(0)));
  std::fprintf(stderr, "[solvers] racing on %lld held-out patches\n", static_cast<long long>(test.size(0)));
  const RaceResult race = RaceSolvers(test, dictionary, o.lpjiang.lambda, o.race_iterations,
                                      o.race_reference_iterations, o.race_target_gap,
                                      static_cast<int>(o.race_repeats));
  std::vector<Series> series;
  nlohmann::json curves = nlohmann::json::object();
  for (const RaceEntry& e : race.entries) {
    const std::string row = "solvers/" + e.name;
    if (e.iterations_to_target >= 0) {
      ex.table().Add(row, "iterations_to_target", seed, static_cast<double>(e.iterations_to_target));
      ex.table().Add(row, "ms_to_target", seed, e.ms_to_target);
    }
    ex.table().Add(row, "ms_per_iteration", seed, e.ms_per_iteration);
    ex.table().Add(row, "final_gap", seed, e.gap.back());
    if (seed != ex.seeds().front()) continue;
    Series s{e.name, {}, {}, "lines lw 2"};
    nlohmann::json pts = nlohmann::json::array();
    for (size_t k = 1; k < e.gap.size(); k = std::max<size_t>(k + 1, static_cast<size_t>(k * 1.05))) {
      s.x.push_back(static_cast<double>(k));
      s.y.push_back(e.gap[k]);
      pts.push_back({k, e.gap[k]});
    }
    curves[e.name] = pts;
    series.push_back(s);
  }
  if (seed != ex.seeds().front()) return absl::OkStatus();
  Series ista_bound{"ISTA bound L|z0-z*|^2/(2k)", {}, {}, "lines dt 2 lw 2"};
  Series fista_bound{"FISTA bound 2L|z0-z*|^2/(k+1)^2", {}, {}, "lines dt 3 lw 2"};
  for (double k = 1; k <= o.race_iterations; k *= 1.1) {
    ista_bound.x.push_back(k);
    ista_bound.y.push_back(race.lipschitz * race.distance_sq / (2 * k) / race.f_star);
    fista_bound.x.push_back(k);
    fista_bound.y.push_back(2 * race.lipschitz * race.distance_sq / ((k + 1) * (k + 1)) / race.f_star);
  }
  series.push_back(ista_bound);
  series.push_back(fista_bound);
  ex.extra()["solver_race"] = {{"f_star", race.f_star}, {"lipschitz", race.lipschitz},
                               {"distance_sq", race.distance_sq}, {"patches", test.size(0)},
                               {"lambda", o.lpjiang.lambda}, {"target_gap", o.race_target_gap},
                               {"relative_gap", curves}};
  PlotOptions po_plot;
  po_plot.title = absl::StrFormat("Relative objective gap on %d held-out 10x10 patches (K = %d, lambda = %g)",
                                  test.size(0), dictionary.size(1), o.lpjiang.lambda);
  po_plot.xlabel = "iteration k";
  po_plot.ylabel = "(F(z_k) - F*) / F*";
  po_plot.log_x = true;
  po_plot.log_y = true;
  po_plot.extra = absl::StrFormat("set yrange [1e-9:10]; set key left bottom; set arrow from 1,%g to %d,%g nohead dt 4",
                                  o.race_target_gap, o.race_iterations, o.race_target_gap);
  return PlotLines(ex.OutputPath("solver_gap.png"), series, po_plot);
}

absl::Status NotebookPart(Experiment& ex, const Options& o, const Images& im, int64_t seed,
                          at::Generator& gen, std::vector<Series>& r2_curves) {
  for (const std::string& setup : o.nb_setups) {
    const bool white = setup == "whitened";
    PatchOptions po;
    po.size = o.nb_patch;
    po.border = o.border;
    po.subtract_mean = white;  // the notebook's raw patches keep their mean
    const auto& train = white ? im.white_train : im.raw_train;
    const auto& test_images = white ? im.white_test : im.raw_test;
    ASSIGN_OR_RETURN(at::Tensor pool, PatchesPerImage(train, o.nb_pool_per_image, po, gen));
    ASSIGN_OR_RETURN(at::Tensor decoder, PatchesPerImage(train, o.nb_decoder_per_image, po, gen));
    ASSIGN_OR_RETURN(at::Tensor test, PatchesPerImage(test_images, o.test_per_image, po, gen));
    if (!white) {  // the notebook: each raw patch divided by its maximum
      pool = MaxNormalize(pool);
      decoder = MaxNormalize(decoder);
      test = MaxNormalize(test);
    }
    Progress progress(absl::StrCat("notebook ", setup),
                      o.notebook.trials * static_cast<int64_t>(o.nb_models.size()));
    int64_t done = 0;
    for (const std::string& model : o.nb_models) {
      const std::string row = absl::StrCat("notebook/", setup, "/", model);
      const ModelResult r = TrainNotebookModel(model, o.notebook, pool, decoder, test, gen, progress, done);
      const GaborSummary g = SummarizeGabors(r.filters, o.nb_patch, o.gabor_threshold);
      RecordGabors(ex, row, seed, g, r2_curves);
      ex.table().Add(row, "decoder_snr_db", seed,
                     LinearDecoderSnrDb(r.train_codes, decoder, r.test_codes, test));
      ex.table().Add(row, "activity", seed, r.activity);
      ex.table().Add(row, "mean_code", seed, r.mean_code);
      ex.table().Add(row, "train_seconds", seed, r.seconds);
      if (model == "sparse_coding") {
        ex.table().Add(row, "reconstruction_snr_db", seed, r.reconstruction_snr_db);
        ex.table().Add(row, "lambda", seed, r.lambda);
      }
      if (model == "foldiak") ex.table().Add(row, "unconverged_settlings", seed, static_cast<double>(r.unconverged));
      if (seed == ex.seeds().front()) {
        RETURN_IF_ERROR(WriteFilterGrid(ex.OutputPath(absl::StrCat("filters_", setup, "_", model, ".png")),
                                        r.filters, o.nb_patch, 10));
      }
    }
    progress.Finish();
  }
  return absl::OkStatus();
}

absl::Status Run(Experiment& ex) {
  ASSIGN_OR_RETURN(const Options o, ParseOptions(ex.config()));
  ASSIGN_OR_RETURN(const Images im, LoadImages(o));
  std::vector<Series> r2_curves;
  for (int64_t seed : ex.seeds()) {
    ex.Seed(seed);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed));
    at::Tensor lp_dictionary;
    if (Contains(o.parts, "lpjiang")) {
      ASSIGN_OR_RETURN(lp_dictionary, LearnDictionary(ex, o, o.lpjiang, im, seed, gen, r2_curves));
    }
    if (Contains(o.parts, "olshausen_field")) {
      RETURN_IF_ERROR(LearnDictionary(ex, o, o.olshausen_field, im, seed, gen, r2_curves).status());
    }
    if (Contains(o.parts, "solvers")) RETURN_IF_ERROR(RaceSolversPart(ex, o, lp_dictionary, im, seed, gen));
    if (Contains(o.parts, "notebook")) RETURN_IF_ERROR(NotebookPart(ex, o, im, seed, gen, r2_curves));
    RETURN_IF_ERROR(ex.WriteResult());  // a checkpoint after every seed
  }
  if (r2_curves.empty()) return absl::OkStatus();
  PlotOptions po;
  po.title = "Gabor fits: R^2 of every filter, best first";
  po.xlabel = "share of the filters";
  po.ylabel = "R^2";
  po.width = 1100;
  po.extra = absl::StrFormat("set yrange [0:1]; set key outside right; set arrow from 0,%g to 1,%g nohead dt 2",
                             o.gabor_threshold, o.gabor_threshold);
  return PlotLines(ex.OutputPath("gabor_r2.png"), r2_curves, po);
}

}  // namespace
}  // namespace sparselab::sparse_coding

int main(int argc, char** argv) {
  return sparselab::RunExperiment(
      argc, argv,
      {"sparse_coding",
       "Olshausen & Field 1996, Emergence of simple-cell receptive field properties by learning a "
       "sparse code for natural images, Nature 381:607-609; Beck & Teboulle 2009 (FISTA); "
       "Zylberberg et al. 2011 (SAILnet)"},
      sparselab::sparse_coding::Run);
}
