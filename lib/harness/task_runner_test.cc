// The task runner end to end, through a toy experiment (task_runner_testbin):
// ordering and values, resume, stale records, filters, a worker killed with
// SIGKILL, and two launchers racing on one store.
#include "lib/harness/task_runner.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lib/base/file_io.h"

namespace sparselab {
namespace {

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/sparselab/lib/harness/" + path;
}

class TaskRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    out_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(std::system(("rm -rf '" + out_ + "'").c_str()), 0);
  }

  int Run(const std::string& args) {
    const std::string cmd = Runfile("task_runner_testbin") + " --config=" +
                            Runfile("testdata/task_runner_config.json") + " --out=" + out_ +
                            " --threads=1 " + args + " 2>>" + out_ + ".stderr";
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string Stderr() { return ReadFile(out_ + ".stderr").value_or(""); }

  // Task ids in executions.log, and how often each ran.
  std::map<std::string, int> Executions() {
    std::map<std::string, int> counts;
    for (absl::string_view line :
         absl::StrSplit(ReadFile(out_ + "/executions.log").value_or(""), '\n', absl::SkipEmpty())) {
      ++counts[std::string(line)];
    }
    return counts;
  }
  // row -> seed -> value of result.json.
  std::map<std::string, std::map<std::string, double>> Values() {
    std::map<std::string, std::map<std::string, double>> values;
    absl::StatusOr<nlohmann::json> r = ReadJsonFile(out_ + "/result.json");
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return values;
    for (const auto& row : (*r)["rows"]) {
      for (const auto& [seed, v] : row["per_seed"]["value"].items()) values[row["name"]][seed] = v;
    }
    return values;
  }

  std::string out_;
};

const std::map<std::string, std::map<std::string, double>> kAll = {
    {"a", {{"1", 10}, {"2", 20}, {"3", 30}}}, {"b", {{"1", 11}, {"2", 21}, {"3", 31}}}};

TEST_F(TaskRunnerTest, RunsEveryTaskOnceAndResumesWithoutRerunning) {
  ASSERT_EQ(Run("--jobs=2"), 0) << Stderr();
  EXPECT_EQ(Values(), kAll);
  const std::map<std::string, int> once = {{"a-seed1", 1}, {"a-seed2", 1}, {"a-seed3", 1},
                                           {"b-seed1", 1}, {"b-seed2", 1}, {"b-seed3", 1}};
  EXPECT_EQ(Executions(), once);
  EXPECT_TRUE(FileExists(out_ + "/runs/paper/b-seed3/result.json"));
  // Again: nothing runs, the result is rebuilt the same.
  ASSERT_EQ(Run("--jobs=2"), 0) << Stderr();
  EXPECT_EQ(Executions(), once);
  EXPECT_EQ(Values(), kAll);
  EXPECT_NE(Stderr().find("0 task(s) to run, 6 of this run already finished"), std::string::npos)
      << Stderr();
}

TEST_F(TaskRunnerTest, SeedMajorOrderFilterAndReportOnly) {
  ASSERT_EQ(Run("--tasks='b-seed2,a-seed3'"), 0) << Stderr();
  EXPECT_EQ(Executions(), (std::map<std::string, int>{{"a-seed3", 1}, {"b-seed2", 1}}));
  EXPECT_EQ(Values(), (std::map<std::string, std::map<std::string, double>>{
                          {"a", {{"3", 30}}}, {"b", {{"2", 21}}}}));
  // One job: tasks start seed-major (every row's seed 1 before any seed 2).
  ASSERT_EQ(Run("--seeds=1-2"), 0) << Stderr();
  const std::string log = *ReadFile(out_ + "/executions.log");
  EXPECT_EQ(log, "b-seed2\na-seed3\na-seed1\nb-seed1\na-seed2\n");
  ASSERT_EQ(Run("--report_only"), 0) << Stderr();
  EXPECT_NE(Stderr().find("--report_only: 1 unfinished task(s) not run"), std::string::npos);
  EXPECT_EQ(Executions().count("b-seed3"), 0u);
  EXPECT_EQ(Values()["a"].size(), 3u);  // every record on file is reported
}

TEST_F(TaskRunnerTest, StaleRecordsRunAgain) {
  ASSERT_EQ(Run("--seeds=1"), 0) << Stderr();
  ASSERT_EQ(Run("--seeds=1 --set=version=2"), 0) << Stderr();
  EXPECT_EQ(Executions(), (std::map<std::string, int>{{"a-seed1", 2}, {"b-seed1", 2}}));
  EXPECT_NE(Stderr().find("computed with another config"), std::string::npos) << Stderr();
}

TEST_F(TaskRunnerTest, KilledWorkerIsReportedAndItsTaskRunsOnTheNextRun) {
  EXPECT_EQ(Run("--jobs=2 --set=kill_task=b-seed2,sleep_ms=200"), 1);
  EXPECT_NE(Stderr().find("1 task(s) failed: b-seed2 (exit code 137)"), std::string::npos)
      << Stderr();
  EXPECT_FALSE(FileExists(out_ + "/runs/paper/b-seed2/result.json"));
  for (const std::string& f : ListFolder(out_ + "/runs/paper/b-seed2")) {
    EXPECT_EQ(f.find(".tmp"), std::string::npos) << f;
  }
  auto partial = kAll;
  partial["b"].erase("2");
  EXPECT_EQ(Values(), partial);  // the other five are on record
  ASSERT_EQ(Run("--jobs=2"), 0) << Stderr();
  EXPECT_EQ(Values(), kAll);
  EXPECT_EQ(Executions()["b-seed2"], 2);
  EXPECT_EQ(Executions()["a-seed1"], 1);
}

TEST_F(TaskRunnerTest, TwoLaunchersOnOneStoreRunEachTaskOnce) {
  std::thread first([&] { EXPECT_EQ(Run("--set=sleep_ms=300"), 0); });
  std::thread second([&] { EXPECT_EQ(Run("--set=sleep_ms=300"), 0); });
  first.join();
  second.join();
  for (const auto& [id, count] : Executions()) EXPECT_EQ(count, 1) << id << "\n" << Stderr();
  EXPECT_EQ(Executions().size(), 6u) << Stderr();
  EXPECT_EQ(Values(), kAll);
}

// --launcher=slurm through a stand-in sbatch that runs the array's elements in
// turn (testdata/fake_slurm/sbatch); tests/slurm runs a real Slurm.
TEST_F(TaskRunnerTest, SlurmArrayRunsPendingTasksAndResubmitsOnlyFailedOnes) {
  const std::string path = "PATH=" + Dirname(Runfile("testdata/fake_slurm/sbatch")) + ":$PATH ";
  // A dry run writes the script of all six tasks and runs nothing.
  ASSERT_EQ(Run("--launcher=slurm --dry_run --max_parallel=2 --slurm_time=10"), 0) << Stderr();
  EXPECT_TRUE(Executions().empty());
  std::vector<std::string> subs = ListFolder(out_ + "/runs/paper/slurm");
  ASSERT_EQ(subs.size(), 1u);
  const std::string sub = out_ + "/runs/paper/slurm/" + subs[0];
  const std::string script = ReadFile(sub + "/job.sbatch").value_or("");
  EXPECT_NE(script.find("#SBATCH --array=0-5%2\n"), std::string::npos) << script;
  EXPECT_NE(script.find("#SBATCH --time=10\n"), std::string::npos) << script;
  EXPECT_NE(script.find("#SBATCH --job-name=task_runner_testbin-paper\n"), std::string::npos);
  EXPECT_NE(script.find("--task_index=\"$i\""), std::string::npos) << script;
  EXPECT_EQ(ReadFile(sub + "/tasks.txt").value_or(""),
            "a-seed1\nb-seed1\na-seed2\nb-seed2\na-seed3\nb-seed3\n");
  EXPECT_NE(Stderr().find("--report_only"), std::string::npos) << Stderr();
  ASSERT_EQ(std::system(("rm -rf '" + out_ + "/runs/paper/slurm'").c_str()), 0);

  // Submitted and waited for: b-seed2 kills itself; the five others are on record.
  ASSERT_EQ(std::system((path + Runfile("task_runner_testbin") + " --config=" +
                         Runfile("testdata/task_runner_config.json") + " --out=" + out_ +
                         " --launcher=slurm --slurm_wait --set=kill_task=b-seed2 2>>" + out_ +
                         ".stderr")
                            .c_str()),
            256);  // exit code 1
  EXPECT_NE(Stderr().find("submitted job 4242: 6 array element(s)"), std::string::npos) << Stderr();
  EXPECT_NE(Stderr().find("1 task(s) failed: b-seed2 (exit code 137)"), std::string::npos)
      << Stderr();
  subs = ListFolder(out_ + "/runs/paper/slurm");
  ASSERT_EQ(subs.size(), 1u);
  const std::string log = out_ + "/runs/paper/slurm/" + subs[0] + "/3.log";
  EXPECT_NE(Stderr().find("array element 4242_3 failed with exit code 137; log: " + log),
            std::string::npos)
      << Stderr();
  auto partial = kAll;
  partial["b"].erase("2");
  EXPECT_EQ(Values(), partial);
  // The next submission names the failed element's log and runs only b-seed2.
  ASSERT_EQ(std::system((path + Runfile("task_runner_testbin") + " --config=" +
                         Runfile("testdata/task_runner_config.json") + " --out=" + out_ +
                         " --launcher=slurm --slurm_wait 2>>" + out_ + ".stderr")
                            .c_str()),
            0)
      << Stderr();
  EXPECT_NE(Stderr().find("b-seed2 failed in Slurm job 4242 (exit code 137); its log: " + log),
            std::string::npos)
      << Stderr();
  EXPECT_EQ(Executions()["b-seed2"], 2);
  EXPECT_EQ(Executions()["a-seed1"], 1);
  EXPECT_EQ(Values(), kAll);
}

TEST_F(TaskRunnerTest, BadInput) {
  EXPECT_EQ(Run("--jobs=0"), 1);
  EXPECT_NE(Stderr().find("--jobs must be at least 1"), std::string::npos);
  EXPECT_EQ(Run("--launcher=cloud"), 1);
  EXPECT_NE(Stderr().find("unknown launcher"), std::string::npos) << Stderr();
  EXPECT_EQ(Run("--launcher=slurm --slurm_mem=lots"), 1);
  EXPECT_NE(Stderr().find("Slurm memory 'lots'"), std::string::npos) << Stderr();
  EXPECT_EQ(Run("--set='rows=[\"a b\"]'"), 1);
  EXPECT_NE(Stderr().find("may hold only letters"), std::string::npos) << Stderr();
  ASSERT_EQ(Run("--seeds=1"), 0);
  ASSERT_TRUE(WriteFileAtomically(out_ + "/runs/paper/a-seed1/result.json", "{broken").ok());
  EXPECT_EQ(Run("--seeds=1"), 1);
  EXPECT_NE(Stderr().find("a-seed1 is corrupt; delete"), std::string::npos) << Stderr();
}

TEST(TaskFilterTest, GlobsSeparatedByCommas) {
  EXPECT_TRUE(TaskFilterMatches("", "x-seed1"));
  EXPECT_TRUE(TaskFilterMatches("sparseCNN2-seed4*", "sparseCNN2-seed42"));
  EXPECT_FALSE(TaskFilterMatches("sparseCNN2-seed4*", "sparseCNN2D3-seed42"));
  EXPECT_TRUE(TaskFilterMatches("a-seed1,*-seed42", "dense-seed42"));
  EXPECT_FALSE(TaskFilterMatches("a-seed1", "a-seed12"));
}

}  // namespace
}  // namespace sparselab
