// The `sparse_encode` command line: sparse codes Z of the rows of X with a
// dictionary D (lib/nn/sparse_coding.h), written to a file, and one JSON line
// on stdout. Errors go to stderr with exit code 1.
//
//   bazel run //lib/nn:sparse_encode -- --dictionary=D.npy --x=X.npy \
//       --lambda=0.1 --solver=fista --out=Z.npy
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>

#include <ATen/ATen.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/base/matrix_io.h"
#include "lib/base/status_macros.h"
#include "lib/nn/sparse_coding.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, dictionary, "", "d x K dictionary (CSV or .npy), one atom per column");
ABSL_FLAG(std::string, x, "", "N x d inputs (CSV or .npy), one sample per row");
ABSL_FLAG(double, lambda, 0.1, "weight of the L1 penalty, >= 0");
ABSL_FLAG(std::string, solver, "fista", "ista | fista | lca");
ABSL_FLAG(int64_t, max_iter, 1000, "iteration cap");
ABSL_FLAG(double, tol, 1e-4, "stop when ||Z_k - Z_k-1|| <= tol ||Z_k-1|| (0: run max_iter)");
ABSL_FLAG(bool, non_negative, false, "constrain z >= 0");
ABSL_FLAG(bool, restart, false, "FISTA: adaptive restart of the momentum");
ABSL_FLAG(bool, backtracking, false, "ISTA/FISTA: backtracking line search instead of 1/L");
ABSL_FLAG(std::string, out, "", "where to write Z (N x K; .npy float64, else CSV); optional");

namespace sparselab {
namespace {

std::string Resolve(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  return cwd ? absl::StrCat(cwd, "/", path) : path;
}

absl::StatusOr<at::Tensor> ReadTensor(const std::string& flag, const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " is required (see --help)"));
  }
  ASSIGN_OR_RETURN(const Matrix m, ReadMatrix(Resolve(path)));
  if (const auto bad = FirstNonFinite(m)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": non-finite value (NaN or infinity) at row ", bad->first, ", column ",
        bad->second, "; remove or replace it"));
  }
  return at::from_blob(const_cast<double*>(m.values.data()), {m.rows, m.cols}, at::kDouble).clone();
}

absl::StatusOr<nlohmann::json> Run() {
  ASSIGN_OR_RETURN(const SparseSolver solver, ParseSparseSolver(absl::GetFlag(FLAGS_solver)));
  ASSIGN_OR_RETURN(const at::Tensor d, ReadTensor("dictionary", absl::GetFlag(FLAGS_dictionary)));
  ASSIGN_OR_RETURN(const at::Tensor x, ReadTensor("x", absl::GetFlag(FLAGS_x)));
  const SparseCodingOptions options = SparseCodingOptions()
                                          .lambda(absl::GetFlag(FLAGS_lambda))
                                          .solver(solver)
                                          .max_iter(absl::GetFlag(FLAGS_max_iter))
                                          .tol(absl::GetFlag(FLAGS_tol))
                                          .non_negative(absl::GetFlag(FLAGS_non_negative))
                                          .restart(absl::GetFlag(FLAGS_restart))
                                          .backtracking(absl::GetFlag(FLAGS_backtracking));
  RETURN_IF_ERROR(ValidateSparseCodingInputs(x, d, options));
  const auto start = std::chrono::steady_clock::now();
  const SparseCodeResult r = SparseEncode(x, d, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string out = absl::GetFlag(FLAGS_out);
  if (!out.empty()) {
    Matrix z(r.z.size(0), r.z.size(1));
    const at::Tensor zc = r.z.contiguous();
    std::copy(zc.data_ptr<double>(), zc.data_ptr<double>() + zc.numel(), z.values.begin());
    RETURN_IF_ERROR(WriteMatrix(Resolve(out), z));
  }
  nlohmann::json j;
  j["solver"] = SparseSolverName(solver);
  j["objective"] = SparseCodingObjective(x, d, r.z, options.lambda()).mean().item<double>();
  j["lambda"] = options.lambda();
  j["n"] = x.size(0);
  j["d"] = x.size(1);
  j["k"] = d.size(1);
  j["iterations"] = r.iterations;
  j["converged"] = r.converged;
  j["active_fraction"] = (r.z != 0).to(at::kDouble).mean().item<double>();
  j["lipschitz"] = r.lipschitz;
  j["seconds"] = seconds;
  return j;
}

}  // namespace
}  // namespace sparselab

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Sparse codes of the rows of X with the dictionary D: for each x the z minimising\n"
      "1/2 ||x - D z||^2 + lambda ||z||_1 (ISTA, FISTA or LCA).\n"
      "\n"
      "  sparse_encode --dictionary=D.npy --x=X.npy [--lambda=0.1] [--solver=fista]\n"
      "                [--max_iter=1000] [--tol=1e-4] [--non_negative] [--out=Z.npy]\n"
      "\n"
      "Files: CSV (one row per line, comma-separated, an optional header row) or NumPy\n"
      ".npy (float32/float64/int, 1-D or 2-D). D is d x K (one atom per column), X is\n"
      "N x d. Prints one JSON object {\"solver\", \"objective\" (the mean of\n"
      "1/2||x - Dz||^2 + lambda||z||_1 over the N rows), \"iterations\", \"converged\",\n"
      "\"seconds\", ...} on stdout; errors go to stderr with exit code 1.");
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<nlohmann::json> result;
  try {
    result = sparselab::Run();
  } catch (const std::exception& e) {
    result = absl::InternalError(e.what());
  }
  if (!result.ok()) {
    std::cerr << "sparse_encode: " << result.status().message() << "\n";
    return 1;
  }
  std::cout << result->dump() << std::endl;
  return 0;
}
