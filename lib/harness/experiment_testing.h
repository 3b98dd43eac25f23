// Test helpers for the experiments' end-to-end tests: run an experiment binary
// from the test's runfiles as a user would, and look up rows of its result.
#ifndef SPARSELAB_LIB_HARNESS_EXPERIMENT_TESTING_H_
#define SPARSELAB_LIB_HARNESS_EXPERIMENT_TESTING_H_

#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace sparselab::experiment_testing {

// $TEST_TMPDIR.
std::string TestTmpDir();

// Runs experiments/<name>/<name> (a data dependency of the test) with `args`
// and `env` ("VAR=value ..." prepended to the command), stderr captured to
// $TEST_TMPDIR/<name>.stderr. Returns the exit code.
int RunExperimentBinary(const std::string& name, const std::string& args,
                        const std::string& env = "");
// What the last RunExperimentBinary(name, ...) wrote on stderr.
std::string ExperimentStderr(const std::string& name);

// A --set value that the experiment must refuse, and the fragments its error
// message must hold (the key, the value, the rule).
struct BadSetting {
  std::string set;                     // e.g. "theta=30"
  std::vector<std::string> fragments;  // e.g. {"theta", "30", "theta <= a_w"}
};
// Runs `name` with `args` and --set=<case.set> once per case, each into a
// fresh --out folder, and checks that the run exits with 1, that stderr holds
// every fragment and that nothing was written (the folder stays absent or
// empty). Failures are test failures naming the case.
void ExpectSettingsRejected(const std::string& name, const std::string& args,
                            const std::vector<BadSetting>& cases);

// The row called `name` of a result.json; a test failure (and an empty row)
// when there is none.
const nlohmann::json& FindRow(const nlohmann::json& result, const std::string& name);
// row["metrics"][metric]["mean"]; a test failure (and NaN) when absent.
double MetricMean(const nlohmann::json& row, const std::string& metric);

}  // namespace sparselab::experiment_testing

#endif  // SPARSELAB_LIB_HARNESS_EXPERIMENT_TESTING_H_
