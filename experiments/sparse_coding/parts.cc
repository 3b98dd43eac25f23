#include "experiments/sparse_coding/parts.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "experiments/sparse_coding/filter_analysis.h"
#include "experiments/sparse_coding/notebook_models.h"
#include "experiments/sparse_coding/solver_race.h"
#include "lib/base/plot.h"
#include "lib/base/progress.h"
#include "lib/base/status_macros.h"
#include "lib/data/image_patches.h"
#include "lib/nn/data_parallel_hooks.h"
#include "lib/nn/sparse_coding.h"

namespace sparselab::sparse_coding {
namespace {

// This rank's rows of a global batch (all of it without a group).
at::Tensor RankShare(const at::Tensor& batch, const std::shared_ptr<ProcessGroup>& group) {
  if (!group) return batch;
  const RowShare mine = ShareOfRows(batch.size(0), group->rank(), group->world_size());
  return batch.narrow(0, mine.begin, mine.size);
}

// Records the Gabor measures of a filter set in `row`; the first seed's fits
// go to extra["gabor_fits"][row] (the report's R^2 curves come from them).
void RecordGabors(Experiment& ex, const std::string& row, int64_t seed, const GaborSummary& g) {
  ex.table().Add(row, "gabor_r2_mean", seed, g.mean_r2);
  ex.table().Add(row, "gabor_r2_median", seed, g.median_r2);
  ex.table().Add(row, "edge_like_share", seed, g.share_edge_like);
  if (seed != ex.seeds().front()) return;
  nlohmann::json fits = nlohmann::json::array();
  for (const GaborFit& f : g.fits) {
    fits.push_back({{"r2", f.r2},
                    {"x0", f.params.x0},
                    {"y0", f.params.y0},
                    {"theta", f.params.theta},
                    {"frequency", f.params.frequency},
                    {"sigma_x", f.params.sigma_x},
                    {"sigma_y", f.params.sigma_y}});
  }
  ex.extra()["gabor_fits"][row] = fits;
}

}  // namespace

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

absl::StatusOr<at::Tensor> LearnDictionary(Experiment& ex, const Options& o, const DictionaryRun& r,
                                           const Images& im, int64_t seed, at::Generator& gen,
                                           const std::shared_ptr<ProcessGroup>& group) {
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
  // --distributed: every rank starts from rank 0's atoms and steps on its
  // share of each batch with the global batch's gradient.
  std::optional<DataParallelHooks> hooks;
  std::optional<ScopedDataParallelHooks> scoped;
  if (group) {
    RETURN_IF_ERROR(group->Broadcast({dict->dictionary, dict->lambda_}, 0));
    hooks.emplace(MakeDataParallelHooks(group));
    scoped.emplace(&*hooks);
  }
  nlohmann::json curve = nlohmann::json::array();
  std::vector<double> objectives;
  int64_t iterations = 0, steps = 0;
  if (r.per_image > 0) {
    // lpjiang97: a fixed set of patches per image, batches in order, `epochs` passes.
    ASSIGN_OR_RETURN(const at::Tensor patches,
                     PatchesPerImage(im.white_train, r.per_image, po, gen));
    const int64_t batches = (patches.size(0) + r.batch - 1) / r.batch;
    Progress progress(r.row, r.epochs * batches);
    for (int64_t e = 0; e < r.epochs; ++e) {
      double sum = 0;
      for (int64_t b = 0; b < batches; ++b) {
        const int64_t start = b * r.batch;
        const DictionaryStepStats s = dict->Step(
            RankShare(patches.narrow(0, start, std::min(r.batch, patches.size(0) - start)), group));
        sum += s.objective;
        iterations += s.iterations;
        ++steps;
        progress.Update(e * batches + b + 1,
                        absl::StrFormat("epoch %d objective %.4f", e + 1, s.objective));
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
      const DictionaryStepStats s = dict->Step(RankShare(batch, group));
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
  scoped.reset();
  const at::Tensor d = dict->dictionary.clone();
  // Held-out patches, coded to convergence (FISTA) at the training lambda.
  ASSIGN_OR_RETURN(const at::Tensor test,
                   PatchesPerImage(im.white_test, o.test_per_image, po, gen));
  const SparseCodeResult code = SparseEncode(
      test, d, SparseCodingOptions().lambda(r.lambda).tol(o.eval_tol).max_iter(o.eval_max_iter));
  ex.table().Add(r.row, "snr_db", seed, SnrDb(test, code.z.mm(d.t())));
  ex.table().Add(r.row, "active_coefficients", seed,
                 (code.z != 0).to(at::kDouble).sum(1).mean().item<double>());
  ex.table().Add(r.row, "test_objective", seed,
                 SparseCodingObjective(test, d, code.z, r.lambda).mean().item<double>());
  if (!objectives.empty()) ex.table().Add(r.row, "train_objective", seed, objectives.back());
  ex.table().Add(r.row, "solver_iterations_per_step", seed,
                 static_cast<double>(iterations) / steps);
  const GaborSummary g = SummarizeGabors(d.t(), r.patch, o.gabor_threshold);
  RecordGabors(ex, r.row, seed, g);
  ex.table().SetInfo(r.row, "protocol",
                     {{"lambda", r.lambda},
                      {"solver", SparseSolverName(r.solver)},
                      {"step", r.step},
                      {"tol", r.tol},
                      {"batch", r.batch},
                      {"learning_rate", r.learning_rate}});
  if (seed == ex.seeds().front()) {
    ex.extra()["training_curves"][r.row] = curve;
    RETURN_IF_ERROR(
        WriteFilterGrid(ex.OutputPath(absl::StrCat("basis_", r.key, ".png")), d.t(), r.patch,
                        static_cast<int>(std::ceil(std::sqrt(static_cast<double>(r.atoms))))));
    RETURN_IF_ERROR(
        WriteGaborCoverage(ex.OutputPath(absl::StrCat("gabor_positions_", r.key, ".png")),
                           ex.OutputPath(absl::StrCat("gabor_frequency_plane_", r.key, ".png")), g,
                           r.patch, o.gabor_threshold, r.row));
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
  std::fprintf(stderr, "[solvers] racing on %lld held-out patches\n",
               static_cast<long long>(test.size(0)));
  const RaceResult race =
      RaceSolvers(test, dictionary, o.lpjiang.lambda, o.race_iterations,
                  o.race_reference_iterations, o.race_target_gap, static_cast<int>(o.race_repeats));
  std::vector<Series> series;
  nlohmann::json curves = nlohmann::json::object();
  for (const RaceEntry& e : race.entries) {
    const std::string row = "solvers/" + e.name;
    if (e.iterations_to_target >= 0) {
      ex.table().Add(row, "iterations_to_target", seed,
                     static_cast<double>(e.iterations_to_target));
      ex.table().Add(row, "ms_to_target", seed, e.ms_to_target);
    }
    ex.table().Add(row, "ms_per_iteration", seed, e.ms_per_iteration);
    ex.table().Add(row, "final_gap", seed, e.gap.back());
    if (seed != ex.seeds().front()) continue;
    Series s{e.name, {}, {}, "lines lw 2"};
    nlohmann::json pts = nlohmann::json::array();
    for (size_t k = 1; k < e.gap.size();
         k = std::max<size_t>(k + 1, static_cast<size_t>(k * 1.05))) {
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
    fista_bound.y.push_back(2 * race.lipschitz * race.distance_sq / ((k + 1) * (k + 1)) /
                            race.f_star);
  }
  series.push_back(ista_bound);
  series.push_back(fista_bound);
  ex.extra()["solver_race"] = {{"f_star", race.f_star},           {"lipschitz", race.lipschitz},
                               {"distance_sq", race.distance_sq}, {"patches", test.size(0)},
                               {"lambda", o.lpjiang.lambda},      {"target_gap", o.race_target_gap},
                               {"relative_gap", curves}};
  PlotOptions po_plot;
  po_plot.title =
      absl::StrFormat("Relative objective gap on %d held-out 10x10 patches (K = %d, lambda = %g)",
                      test.size(0), dictionary.size(1), o.lpjiang.lambda);
  po_plot.xlabel = "iteration k";
  po_plot.ylabel = "(F(z_k) - F*) / F*";
  po_plot.log_x = true;
  po_plot.log_y = true;
  po_plot.extra = absl::StrFormat(
      "set yrange [1e-9:10]; set key left bottom; set arrow from 1,%g to %d,%g nohead dt 4",
      o.race_target_gap, o.race_iterations, o.race_target_gap);
  return PlotLines(ex.OutputPath("solver_gap.png"), series, po_plot);
}

absl::Status NotebookModelPart(Experiment& ex, const Options& o, const Images& im,
                               const std::string& setup, const std::string& model, int64_t seed,
                               at::Generator& gen) {
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
  Progress progress(absl::StrCat("notebook ", setup, " ", model), o.notebook.trials);
  int64_t done = 0;
  const std::string row = absl::StrCat("notebook/", setup, "/", model);
  const ModelResult r =
      TrainNotebookModel(model, o.notebook, pool, decoder, test, gen, progress, done);
  progress.Finish();
  const GaborSummary g = SummarizeGabors(r.filters, o.nb_patch, o.gabor_threshold);
  RecordGabors(ex, row, seed, g);
  ex.table().Add(row, "decoder_snr_db", seed,
                 LinearDecoderSnrDb(r.train_codes, decoder, r.test_codes, test));
  ex.table().Add(row, "activity", seed, r.activity);
  ex.table().Add(row, "mean_code", seed, r.mean_code);
  ex.table().Add(row, "train_seconds", seed, r.seconds);
  if (model == "sparse_coding") {
    ex.table().Add(row, "reconstruction_snr_db", seed, r.reconstruction_snr_db);
    ex.table().Add(row, "lambda", seed, r.lambda);
  }
  if (model == "foldiak") {
    ex.table().Add(row, "unconverged_settlings", seed, static_cast<double>(r.unconverged));
  }
  if (seed != ex.seeds().front()) return absl::OkStatus();
  return WriteFilterGrid(ex.OutputPath(absl::StrCat("filters_", setup, "_", model, ".png")),
                         r.filters, o.nb_patch, 10);
}

absl::Status PlotGaborR2(Experiment& ex, const Options& o) {
  if (!ex.extra().contains("gabor_fits")) return absl::OkStatus();
  std::vector<Series> curves;
  for (const auto& [row, fits] : ex.extra()["gabor_fits"].items()) {
    std::vector<double> r2;
    for (const nlohmann::json& f : fits) r2.push_back(f["r2"].get<double>());
    std::sort(r2.rbegin(), r2.rend());
    Series s{row, {}, r2, "lines lw 2"};
    for (size_t i = 0; i < r2.size(); ++i) s.x.push_back(static_cast<double>(i) / r2.size());
    curves.push_back(s);
  }
  PlotOptions po;
  po.title = "Gabor fits: R^2 of every filter, best first";
  po.xlabel = "share of the filters";
  po.ylabel = "R^2";
  po.width = 1100;
  po.extra = absl::StrFormat(
      "set yrange [0:1]; set key outside right; set arrow from 0,%g to 1,%g nohead dt 2",
      o.gabor_threshold, o.gabor_threshold);
  return PlotLines(ex.OutputPath("gabor_r2.png"), curves, po);
}

}  // namespace sparselab::sparse_coding
