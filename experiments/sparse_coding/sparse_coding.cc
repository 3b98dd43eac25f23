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
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "experiments/sparse_coding/parts.h"
#include "experiments/sparse_coding/run_options.h"
#include "lib/base/status_macros.h"
#include "lib/harness/experiment.h"
#include "lib/harness/task_runner.h"

namespace sparselab::sparse_coding {
namespace {

// The tasks of a seed: "lpjiang" (its dictionary, then the solver race on it
// when the parts include "solvers"), "olshausen_field", and one
// "notebook-<setup>-<model>" per notebook setup and model.
std::vector<std::string> TaskRows(const Options& o) {
  std::vector<std::string> rows;
  for (const char* part : {"lpjiang", "olshausen_field"}) {
    if (Contains(o.parts, part)) rows.push_back(part);
  }
  if (!Contains(o.parts, "notebook")) return rows;
  for (const std::string& setup : o.nb_setups) {
    for (const std::string& model : o.nb_models) {
      rows.push_back(absl::StrCat("notebook-", setup, "-", model));
    }
  }
  return rows;
}

// What a task's result depends on: the images and evaluation settings, and
// its own section of the config (the race's too for lpjiang with "solvers").
nlohmann::json TaskKey(const Config& config, const Options& o, const std::string& row,
                       int64_t seed) {
  const nlohmann::json& v = config.values();
  nlohmann::json key = {{"row", row}, {"seed", seed}};
  for (const char* shared :
       {"train_images", "test_images", "whiten_f0", "image_variance", "border",
        "test_patches_per_image", "gabor_threshold", "eval_tol", "eval_max_iter"}) {
    key[shared] = v[shared];
  }
  if (row == "lpjiang" || row == "olshausen_field") {
    key[row] = v[row];
    if (row == "lpjiang" && Contains(o.parts, "solvers")) key["race"] = v["race"];
    return key;
  }
  nlohmann::json notebook = v["notebook"];
  notebook.erase("setups");
  notebook.erase("models");
  key["notebook"] = notebook;
  return key;
}

absl::Status RunTask(Experiment& ex, const Options& o, const Images& im, const TaskContext& t) {
  const std::string& row = t.task.row;
  const int64_t seed = t.task.seed;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed));
  if (row == "lpjiang") {
    ASSIGN_OR_RETURN(const at::Tensor d,
                     LearnDictionary(ex, o, o.lpjiang, im, seed, gen, t.process_group));
    if (!Contains(o.parts, "solvers")) return absl::OkStatus();
    return RaceSolversPart(ex, o, d, im, seed, gen);
  }
  if (row == "olshausen_field") {
    return LearnDictionary(ex, o, o.olshausen_field, im, seed, gen, t.process_group).status();
  }
  // The notebook models are local learning rules, one batch after another:
  // under --distributed every rank trains the same model (same seed, same
  // result) and rank 0 records it.
  const std::vector<std::string> parts = absl::StrSplit(row, '-');
  return NotebookModelPart(ex, o, im, parts[1], parts[2], seed, gen);
}

// result.json from the records: rows in task order, seeds ascending; the
// first seed's curves and fits; then the Gabor R^2 figure.
absl::Status Report(Experiment& ex, const Options& o, const std::vector<FinishedTask>& records) {
  for (const FinishedTask& f : records) {
    if (f.partial) continue;
    RETURN_IF_ERROR(ex.table().Merge(f.record["rows"]));
    if (f.task.seed != ex.seeds().front()) continue;
    for (const char* section : {"gabor_fits", "training_curves"}) {
      if (!f.record.contains(section)) continue;
      for (const auto& [name, value] : f.record[section].items()) ex.extra()[section][name] = value;
    }
    if (f.record.contains("solver_race")) ex.extra()["solver_race"] = f.record["solver_race"];
  }
  return PlotGaborR2(ex, o);
}

absl::Status Run(Experiment& ex) {
  ASSIGN_OR_RETURN(const Options o, ParseOptions(ex.config()));
  ASSIGN_OR_RETURN(const Images im, LoadImages(o));  // before any task, so bad data fail at once
  TaskRunner runner;
  runner.report_rows = TaskRows(o);
  runner.run_rows = runner.report_rows;
  runner.key = [&](const std::string& row, int64_t seed) {
    return TaskKey(ex.config(), o, row, seed);
  };
  runner.run = [&](Experiment& ex, const TaskContext& t) { return RunTask(ex, o, im, t); };
  runner.report = [&](Experiment& ex, const std::vector<FinishedTask>& records) {
    return Report(ex, o, records);
  };
  return RunTasks(ex, runner);
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
