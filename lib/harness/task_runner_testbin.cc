// A toy multi-run experiment for task_runner_test: task (row, seed) records
// value = 10 * seed + (index of row), after sleeping sleep_ms; every execution
// appends its id to <out>/executions.log, so the test can count runs; the task
// named by kill_task kills its own worker with SIGKILL halfway.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/harness/experiment.h"
#include "lib/harness/task_runner.h"

namespace {

using sparselab::Experiment;

absl::Status Run(Experiment& ex) {
  const auto rows = ex.config().Get<std::vector<std::string>>("rows");
  sparselab::TaskRunner runner;
  runner.report_rows = rows;
  runner.run_rows = rows;
  runner.key = [&](const std::string& row, int64_t seed) {
    return nlohmann::json{{"row", row}, {"seed", seed}, {"version", ex.config().Int("version")}};
  };
  runner.run = [&](Experiment& ex, const sparselab::TaskContext& t) {
    const std::string line = t.task.id() + "\n";
    const int fd = ::open((ex.out_dir() + "/executions.log").c_str(),
                          O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      (void)!::write(fd, line.data(), line.size());
      ::close(fd);
    }
    const auto sleep = std::chrono::milliseconds(ex.config().Int("sleep_ms"));
    std::this_thread::sleep_for(sleep / 2);
    if (t.task.id() == ex.config().String("kill_task")) ::kill(::getpid(), SIGKILL);
    std::this_thread::sleep_for(sleep / 2);
    const auto index = std::find(rows.begin(), rows.end(), t.task.row) - rows.begin();
    ex.table().Add(t.task.row, "value", t.task.seed, 10.0 * t.task.seed + index);
    return absl::OkStatus();
  };
  runner.report = [](Experiment& ex, const std::vector<sparselab::FinishedTask>& done) {
    for (const sparselab::FinishedTask& f : done) {
      for (const auto& row : f.record["rows"]) {
        for (const auto& [seed, value] : row["per_seed"]["value"].items()) {
          ex.table().Add(row["name"], "value", std::stoll(seed), value.get<double>());
        }
      }
    }
    return absl::OkStatus();
  };
  return sparselab::RunTasks(ex, runner);
}

}  // namespace

int main(int argc, char** argv) {
  return sparselab::RunExperiment(argc, argv, {"task_runner_testbin", "none"}, Run);
}
