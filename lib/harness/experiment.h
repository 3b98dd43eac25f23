// The harness every experiment binary runs in. It owns the common flags
// (--preset, --set, --seeds, --threads, --device, --out, --config), loads the
// experiment's config.json, sets threads, seeds and device, times the run,
// collects rows, and writes result.json with provenance. Typical main():
//
//   int main(int argc, char** argv) {
//     return sparselab::RunExperiment(
//         argc, argv, {"sdr_match", "Ahmad & Scheinkman 2019, ..."},
//         [](sparselab::Experiment& ex) -> absl::Status {
//           for (int64_t seed : ex.seeds()) { ex.Seed(seed); ...
//             ex.table().Add("row", "metric", seed, value); }
//           return absl::OkStatus();
//         });
//   }
#ifndef SPARSELAB_LIB_HARNESS_EXPERIMENT_H_
#define SPARSELAB_LIB_HARNESS_EXPERIMENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "absl/status/status.h"
#include "lib/harness/config.h"
#include "lib/harness/markdown_tables.h"
#include "lib/harness/result_table.h"
#include "nlohmann/json.hpp"

namespace sparselab {

struct ExperimentInfo {
  std::string name;   // the directory under experiments/
  std::string paper;  // the reproduced paper, as cited in the README
};

class Experiment {
 public:
  // Parses the flags already removed from argv by absl::ParseCommandLine.
  static absl::StatusOr<Experiment> FromFlags(const ExperimentInfo& info);

  const ExperimentInfo& info() const { return info_; }
  const Config& config() const { return config_; }
  // --seeds, else the config's "seeds" key, else {0}.
  const std::vector<int64_t>& seeds() const { return seeds_; }
  int threads() const { return threads_; }
  const c10::Device& device() const { return device_; }

  // Folder for result.json, figures and per-task records: --out, else
  // experiments/<name>/results in the source tree under `bazel run`, else ".".
  const std::string& out_dir() const { return out_dir_; }
  // The README whose generated tables follow result.json: --readme, else
  // experiments/<name>/README.md under `bazel run` without --out; empty: none.
  const std::string& readme_path() const { return readme_path_; }
  // result.json for the "paper" preset, result-<preset>.json for the others
  // (so a quick run never overwrites the committed full result).
  std::string ResultPath() const;
  // A figure or other output file in out_dir(): "fig2.png" for the "paper"
  // preset, "fig2-<preset>.png" for the others, like ResultPath().
  std::string OutputPath(const std::string& filename) const;

  // Seeds torch's and the C++ generators for one run.
  void Seed(int64_t seed) const;

  // The README/docs tables declared in config.json (checked at start).
  const std::vector<TableSpec>& tables() const { return tables_; }

  ResultTable& table() { return table_; }
  // Experiment-specific top-level keys of result.json (curves, figures).
  nlohmann::json& extra() { return extra_; }

  // Builds the full result.json document (with provenance as of now).
  nlohmann::json ResultJson() const;
  // Writes ResultJson() to ResultPath() atomically; for the paper preset then
  // rewrites the README tables generated from that file (readme_path()).
  absl::Status WriteResult() const;
  // Whether RunExperiment writes the result when the body succeeds (a task
  // worker's output is its record in the task store instead).
  bool writes_result() const { return writes_result_; }
  void set_writes_result(bool writes) { writes_result_ = writes; }
  double WallSeconds() const;

 private:
  Experiment() = default;

  ExperimentInfo info_;
  Config config_;
  std::vector<TableSpec> tables_;
  std::vector<int64_t> seeds_;
  int threads_ = 1;
  c10::Device device_{c10::kCPU};
  std::string out_dir_;
  std::string readme_path_;
  ResultTable table_;
  nlohmann::json extra_ = nlohmann::json::object();
  bool writes_result_ = true;
  std::chrono::steady_clock::time_point start_;
};

// Parses flags (with --help), builds the Experiment, runs `body`, writes the
// result. Returns the process exit code: 0 on success, 1 with a message on
// stderr for any error (bad flag, bad config, missing data, exception).
int RunExperiment(int argc, char** argv, const ExperimentInfo& info,
                  const std::function<absl::Status(Experiment&)>& body);

// The process's command line as RunExperiment received it (argv[0] first,
// repeated --set flags merged), for re-executing the binary as a worker.
const std::vector<std::string>& ProgramArguments();

// `status` carrying the process exit code RunExperiment returns for it
// (instead of 1).
absl::Status WithExitCode(absl::Status status, int exit_code);

// Where experiments/<name>/config.json is: --config, else the source tree under
// `bazel run`, else the runfiles (tests), else ./experiments/<name>.
std::string FindExperimentFile(const std::string& experiment, const std::string& file);

// Sets the intra-op thread count (0: all cores) and returns the count in force.
int SetThreads(int requested);

// Command-line arguments with every --set (--set=a=1 --set b=2) merged into one
// --set=a=1,b=2, so that repeating the flag adds overrides instead of keeping
// only the last one (Abseil's rule for a repeated flag).
std::vector<std::string> MergeRepeatedSetFlags(const std::vector<std::string>& args);
// Parses "cpu", "cuda", "cuda:1"; an unavailable device is an error.
absl::StatusOr<c10::Device> ParseDevice(const std::string& text);

// Provenance for result.json: git commit (+"-dirty"), UTC date, host, CPU model.
nlohmann::json MachineInfo();
std::string GitCommit();
std::string UtcDate();

}  // namespace sparselab

#endif  // SPARSELAB_LIB_HARNESS_EXPERIMENT_H_
