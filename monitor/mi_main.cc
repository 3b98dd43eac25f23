// The `mi` command line: estimates I(X;Y) (or I(X;Y|Z)) from sample files and
// prints one JSON object on stdout. Errors go to stderr with exit code 1.
//
//   bazel run -c opt //monitor:mi -- --estimator=ksg --x=x.csv --y=y.npy --k=3
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "monitor/estimator.h"
#include "monitor/sample_io.h"
#include "monitor/units.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, estimator, "ksg", "ksg | ksg2 | gcmi | mine | discrete");
ABSL_FLAG(std::string, x, "", "file with samples of X (CSV or .npy), one sample per row");
ABSL_FLAG(std::string, y, "", "file with samples of Y, the same number of rows as X");
ABSL_FLAG(std::string, z, "", "optional file with samples of Z: estimate I(X;Y|Z)");
ABSL_FLAG(int, k, 3, "neighbours of the KSG estimators");
ABSL_FLAG(std::string, units, "bits", "bits | nats");
ABSL_FLAG(int64_t, seed, 0, "seed of KSG's tie-breaking jitter and of MINE");
ABSL_FLAG(int, threads, 0, "threads for KSG neighbour searches (0: all cores)");
ABSL_FLAG(int, mine_iterations, 2000, "MINE: maximum training iterations");
ABSL_FLAG(int, mine_batch, 256, "MINE: minibatch size");
ABSL_FLAG(std::string, device, "cpu", "MINE: cpu | cuda | cuda:N");

namespace sparselab {
namespace monitor {
namespace {

// Under `bazel run` the working directory is the runfiles tree; relative paths
// are meant relative to where the user typed the command.
std::string Resolve(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  return cwd ? absl::StrCat(cwd, "/", path) : path;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

absl::StatusOr<nlohmann::json> Run() {
  ASSIGN_OR_RETURN(const Estimator estimator, ParseEstimator(absl::GetFlag(FLAGS_estimator)));
  ASSIGN_OR_RETURN(const Units units, ParseUnits(absl::GetFlag(FLAGS_units)));
  if (absl::GetFlag(FLAGS_x).empty() || absl::GetFlag(FLAGS_y).empty()) {
    return absl::InvalidArgumentError("both --x and --y are required (see --help)");
  }
  // Loading and estimating are timed apart, so the estimate's time can be
  // compared with other tools whatever the file format.
  const auto read_start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(const Samples x, ReadSamples(Resolve(absl::GetFlag(FLAGS_x))));
  ASSIGN_OR_RETURN(const Samples y, ReadSamples(Resolve(absl::GetFlag(FLAGS_y))));
  Samples z;
  if (!absl::GetFlag(FLAGS_z).empty()) {
    ASSIGN_OR_RETURN(z, ReadSamples(Resolve(absl::GetFlag(FLAGS_z))));
  }
  const double read_seconds = SecondsSince(read_start);
  EstimateOptions options;
  options.k = absl::GetFlag(FLAGS_k);
  options.seed = static_cast<uint64_t>(absl::GetFlag(FLAGS_seed));
  options.num_threads = absl::GetFlag(FLAGS_threads);
  options.mine.iterations = absl::GetFlag(FLAGS_mine_iterations);
  options.mine.batch_size = absl::GetFlag(FLAGS_mine_batch);
  options.mine.device = absl::GetFlag(FLAGS_device);
  MiEstimate estimate;
  nlohmann::json out;
  const auto start = std::chrono::steady_clock::now();
  if (!absl::GetFlag(FLAGS_z).empty()) {
    ASSIGN_OR_RETURN(estimate, EstimateConditionalMutualInformation(estimator, x, y, z, options));
    out["dz"] = z.dim;
  } else {
    ASSIGN_OR_RETURN(estimate, EstimateMutualInformation(estimator, x, y, options));
  }
  const double seconds = SecondsSince(start);
  out["estimator"] = EstimatorName(estimator);
  out["mi"] = FromNats(estimate.nats, units);
  if (estimator == Estimator::kMine) out["mi_std"] = FromNats(estimate.spread_nats, units);
  out["units"] = UnitsName(units);
  out["n"] = x.n;
  out["dx"] = x.dim;
  out["dy"] = y.dim;
  out["seconds"] = seconds;
  out["read_seconds"] = read_seconds;
  return out;
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Estimates the mutual information I(X;Y), or I(X;Y|Z) with --z, from samples.\n"
      "\n"
      "  mi --estimator=ksg|ksg2|gcmi|mine|discrete --x=FILE --y=FILE [--z=FILE]\n"
      "     [--k=3] [--units=bits|nats] [--seed=0]\n"
      "\n"
      "Files: CSV (one sample per row, comma-separated, an optional header row) or\n"
      "NumPy .npy (float32/float64, 1-D or samples x columns). Prints one JSON object\n"
      "{\"estimator\", \"mi\", \"units\", \"n\", \"dx\", \"dy\", \"seconds\", \"read_seconds\"}\n"
      "on stdout (seconds: the estimate alone; read_seconds: loading the files);\n"
      "errors go to stderr with exit code 1.\n"
      "Estimators: ksg/ksg2 = Kraskov-Stoegbauer-Grassberger algorithm 1/2 (ksg with\n"
      "--z: Frenzel-Pompe), gcmi = Gaussian copula (Ince et al. 2017), mine = MINE\n"
      "(Belghazi et al. 2018), discrete = plug-in with Miller-Madow on rows as symbols.");
  absl::ParseCommandLine(argc, argv);
  const absl::StatusOr<nlohmann::json> result = sparselab::monitor::Run();
  if (!result.ok()) {
    std::cerr << "mi: " << result.status().message() << "\n";
    return 1;
  }
  std::cout << result->dump() << std::endl;
  return 0;
}
