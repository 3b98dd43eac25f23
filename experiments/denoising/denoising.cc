// Image denoising with sparsity, against the baselines a denoising user
// knows, on the same noisy photographs: a Gaussian filter (best sigma on the
// training images), a median filter, sparse-coding denoising (Elad & Aharon
// 2006), the hybrid sparsity prior of Dong et al. 2018, Noise2Void (Krull et
// al. 2019), the blind-spot network with the known-sigma posterior mean of
// Laine et al. 2019, and Noise2Clean. One task per (method, sigma, seed),
// resumable; PSNR, SSIM and time per megapixel on held-out images.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "experiments/denoising/crops.h"
#include "experiments/denoising/images.h"
#include "experiments/denoising/methods.h"
#include "experiments/denoising/run_options.h"
#include "lib/base/status_macros.h"
#include "lib/harness/experiment.h"
#include "lib/harness/task_runner.h"

namespace sparselab::denoising {
namespace {

// A task is "<method>-sigma<S>" (it names a folder); its table row is
// "<method>/sigma=<S>".
std::string TaskName(const std::string& method, int64_t sigma) {
  return absl::StrCat(method, "-sigma", sigma);
}

std::vector<std::string> TaskRows(const Options& o) {
  std::vector<std::string> rows;
  for (const std::string& m : o.methods) {
    for (int64_t s : o.sigmas) rows.push_back(TaskName(m, s));
  }
  return rows;
}

// What a task's result depends on: the images and noise, and the config
// keys of its own method.
nlohmann::json TaskKey(const Config& config, const std::string& row, int64_t seed) {
  const nlohmann::json& v = config.values();
  nlohmann::json key = {{"row", row}, {"seed", seed}};
  for (const char* shared : {"train_images", "test_images", "crop", "clip"})
    key[shared] = v[shared];
  const std::string method = row.substr(0, row.rfind("-sigma"));
  if (method == "gaussian") key["gaussian_sigmas"] = v["gaussian_sigmas"];
  if (method == "median") key["median_sizes"] = v["median_sizes"];
  if (method == "sparse_dct") key["sparse"] = v["sparse"];
  if (method == "ksvd") key["sparse"] = v["sparse"], key["ksvd"] = v["ksvd"];
  if (method == "blind_spot") key["network"] = v["network"];
  if (method == "noise2void" || method == "noise2clean") {
    key["network"] = v["network"];
    key["unet"] = {{"width", v["unet"]["width"]},
                   {"depth", v["unet"]["depth"]},
                   {"epochs", v["unet"]["epochs"]}};
  }
  if (method == "blind_spot_unet") {
    key["network"] = v["network"];
    key["unet"] = {{"width", v["unet"]["width"]},
                   {"depth", v["unet"]["depth"]},
                   {"epochs", v["unet"]["blind_spot_epochs"]}};
  }
  if (method == "blind_spot_hole") key["network"] = v["network"], key["hole"] = v["hole"];
  if (method == "hybrid_prior") {
    key["network"] = v["network"], key["hybrid"] = v["hybrid"];
    key["sparse_patch"] = v["sparse"]["patch"];
  }
  return key;
}

absl::Status RunTask(Experiment& ex, const Options& o, const Images& im, const TaskContext& t) {
  const size_t at = t.task.row.rfind("-sigma");
  const std::string method = t.task.row.substr(0, at);
  const int64_t sigma = std::stoll(t.task.row.substr(at + 6));
  const std::string row = absl::StrCat(method, "/sigma=", sigma);
  ASSIGN_OR_RETURN(const NoisyImages noisy, AddNoise(o, im, sigma, t.task.seed));
  FitContext f{&o, &im, &noisy, t.task.seed, &t};
  ASSIGN_OR_RETURN(const FittedMethod fitted, FitMethod(method, f));
  // At the figure's noise level the record keeps the central crops of every
  // row's outputs: {"<row>": [crop of test image 0, ...]}.
  const bool crops = sigma == o.figure.sigma;
  auto evaluate = [&](const std::string& r, const Denoiser& denoise) -> absl::Status {
    std::vector<at::Tensor> outputs;
    RETURN_IF_ERROR(Evaluate(ex, r, t.task.seed, im, noisy, denoise, crops ? &outputs : nullptr));
    for (const at::Tensor& out : outputs) {
      ex.extra()["crops"][r].push_back(EncodeCrop(CentralCrop(out, o.figure.crop)));
    }
    return absl::OkStatus();
  };
  ex.table().SetInfo(row, "fit", fitted.info);
  RETURN_IF_ERROR(evaluate(row, fitted.denoise));
  for (const auto& [name, denoise] : fitted.variants) {
    const std::string variant = absl::StrCat(method, "_", name, "/sigma=", sigma);
    ex.table().SetInfo(variant, "fit", absl::StrCat("the ", name, " part of ", row, " alone"));
    RETURN_IF_ERROR(evaluate(variant, denoise));
  }
  return absl::OkStatus();
}

// crops.png: a row per test image; the clean crop, then every finished row of
// the figure's noise level in table order (the noisy input is the "noisy"
// row). Records written before the crops existed have none and are left out.
absl::Status WriteCropsFigure(Experiment& ex, const Options& o, const Images& im,
                              const std::vector<FinishedTask>& records) {
  std::vector<CropColumn> columns(1, CropColumn{"clean", {}});
  for (const at::Tensor& image : im.test) {
    columns[0].crops.push_back(CentralCrop(image, o.figure.crop));
  }
  for (const FinishedTask& f : records) {
    if (f.partial || !f.record.contains("crops")) continue;
    for (const auto& [row, crops] : f.record["crops"].items()) {
      CropColumn c{row, {}};
      for (const nlohmann::json& crop : crops) {
        ASSIGN_OR_RETURN(at::Tensor t, DecodeCrop(crop, absl::StrCat("the crops of ", row)));
        c.crops.push_back(std::move(t));
      }
      if (c.crops.size() != im.test.size()) {
        return absl::DataLossError(absl::StrCat(
            "the record of ", row, " has ", c.crops.size(), " crops for ", im.test.size(),
            " test images; delete it and run the task again (--tasks=<its name>)"));
      }
      columns.push_back(std::move(c));
    }
  }
  if (columns.size() == 1) return absl::OkStatus();
  const std::string file = ex.OutputPath("crops.png");
  RETURN_IF_ERROR(WriteCropGrid(file, columns));
  nlohmann::json& fig = ex.extra()["crops_figure"];
  fig = {{"file", file.substr(file.rfind('/') + 1)},
         {"sigma", o.figure.sigma},
         {"crop", o.figure.crop},
         {"rows_top_to_bottom", im.test_names},
         {"columns_left_to_right", nlohmann::json::array()}};
  for (const CropColumn& c : columns) fig["columns_left_to_right"].push_back(c.row);
  return absl::OkStatus();
}

absl::Status Report(Experiment& ex, const Options& o, const Images& im,
                    const std::vector<FinishedTask>& records) {
  for (const FinishedTask& f : records) {
    if (f.partial) continue;
    RETURN_IF_ERROR(ex.table().Merge(f.record["rows"]));
  }
  return WriteCropsFigure(ex, o, im, records);
}

absl::Status Run(Experiment& ex) {
  ASSIGN_OR_RETURN(const Options o, ParseOptions(ex.config()));
  ASSIGN_OR_RETURN(const Images im, LoadImages(o));  // before any task: bad data fail at once
  TaskRunner runner;
  runner.report_rows = TaskRows(o);
  runner.run_rows = runner.report_rows;
  runner.key = [&](const std::string& row, int64_t seed) {
    return TaskKey(ex.config(), row, seed);
  };
  runner.run = [&](Experiment& ex, const TaskContext& t) { return RunTask(ex, o, im, t); };
  runner.report = [&](Experiment& ex, const std::vector<FinishedTask>& records) {
    return Report(ex, o, im, records);
  };
  return RunTasks(ex, runner);
}

}  // namespace
}  // namespace sparselab::denoising

int main(int argc, char** argv) {
  return sparselab::RunExperiment(
      argc, argv,
      {"denoising",
       "Elad & Aharon 2006 (K-SVD denoising); Dong et al. 2018, Learning Hybrid Sparsity Prior "
       "for Image Restoration, arXiv:1807.06920; Krull et al. 2019 (Noise2Void); Laine et al. "
       "2019, High-Quality Self-Supervised Deep Image Denoising, NeurIPS"},
      sparselab::denoising::Run);
}
