#include "experiments/sparse_coding/run_options.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"
#include "lib/harness/config.h"

namespace sparselab::sparse_coding {
namespace {

const std::vector<std::string> kParts = {"lpjiang", "olshausen_field", "solvers", "notebook"};

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
  RETURN_IF_ERROR(RequireConfig(r.per_image >= 0 && r.epochs >= 0 && r.trials >= 0, c, k("trials"),
                                "patch counts, epochs and trials must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(r.lambda >= 0, c, k("lambda"), "must be >= 0"));
  RETURN_IF_ERROR(RequireConfig(r.learning_rate > 0, c, k("learning_rate"), "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(r.step >= 0, c, k("step"), "must be >= 0 (0: 1/L)"));
  RETURN_IF_ERROR(RequireConfig(r.tol > 0, c, k("tol"), "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(r.max_iter >= 1, c, k("max_iter"), "must be >= 1"));
  return absl::OkStatus();
}

}  // namespace

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
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
    RETURN_IF_ERROR(RequireConfig(
        Contains(kParts, p), c, "parts",
        absl::StrCat("unknown part '", p, "'; the parts are ", absl::StrJoin(kParts, ", "))));
  }
  RETURN_IF_ERROR(RequireConfig(!o.parts.empty(), c, "parts", "must name at least one part"));
  RETURN_IF_ERROR(RequireConfig(!o.train_images.empty(), c, "train_images", "must not be empty"));
  RETURN_IF_ERROR(RequireConfig(!o.test_images.empty(), c, "test_images", "must not be empty"));
  for (const std::string& im : o.test_images) {
    RETURN_IF_ERROR(RequireConfig(!Contains(o.train_images, im), c, "test_images",
                                  absl::StrCat("'", im,
                                               "' is also a training image; held-out "
                                               "images must not be trained on")));
  }
  RETURN_IF_ERROR(RequireConfig(o.whiten_f0 > 0 && o.whiten_f0 <= 0.71, c, "whiten_f0",
                                "must be in (0, 0.71] cycles/pixel (0.4 is Olshausen's)"));
  RETURN_IF_ERROR(RequireConfig(o.image_variance > 0, c, "image_variance", "must be > 0"));
  RETURN_IF_ERROR(RequireConfig(o.border >= 0, c, "border", "must be >= 0"));
  RETURN_IF_ERROR(
      RequireConfig(o.test_per_image >= 1, c, "test_patches_per_image", "must be >= 1"));
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
                                "parts",
                                "'solvers' races on the lpjiang dictionary: add 'lpjiang'"));
  RETURN_IF_ERROR(RequireConfig(o.race_patches >= 1, c, "race.patches", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.race_iterations >= 1, c, "race.iterations", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(
      o.race_reference_iterations >= 10 * o.race_iterations, c, "race.reference_iterations",
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
                                "notebook.sc_lambda",
                                "sc_lambda and sc_lambda_adaptation must be >= 0"));
  RETURN_IF_ERROR(
      RequireConfig(n.foldiak_max_steps >= 1, c, "notebook.foldiak_max_steps", "must be >= 1"));
  RETURN_IF_ERROR(RequireConfig(o.nb_patch >= 2, c, "notebook.patch", "must be >= 2"));
  RETURN_IF_ERROR(RequireConfig(o.nb_pool_per_image >= 1 && o.nb_decoder_per_image >= 1, c,
                                "notebook.pool_per_image",
                                "pool and decoder patch counts must be >= 1"));
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

}  // namespace sparselab::sparse_coding
