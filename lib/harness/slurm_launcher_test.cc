// The Slurm launcher without a cluster: the sbatch script's text, option
// checks, the error when sbatch is missing, and a whole array run through a
// stand-in sbatch that runs every element's script as Slurm would (with
// SLURM_ARRAY_TASK_ID set), so the script's quoting and exit codes are real.
// tests/slurm runs the real thing.
#include "lib/harness/slurm_launcher.h"

#include <cstdlib>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "lib/base/file_io.h"

namespace sparselab {
namespace {

class SlurmLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(std::system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "/bin'").c_str()), 0);
    path_ = std::getenv("PATH");
  }
  void TearDown() override { setenv("PATH", path_.c_str(), 1); }

  std::string dir_;
  std::string path_;
};

TEST_F(SlurmLauncherTest, ScriptHasTheArrayTheOptionsAndTheIndexedCommand) {
  SlurmOptions o;
  o.job_name = "hcwbsd-quick";
  o.partition = "cpu";
  o.account = "lab";
  o.time = "01:30:00";
  o.mem = "2G";
  o.cpus_per_task = 2;
  o.max_parallel = 3;
  const std::string script = SbatchScript(
      o, {"/bin/exp", "--set=a=b c", "--worker", std::string("--task_index=") + kTaskIndex}, 5,
      "/runs/slurm/x");
  for (const char* line :
       {"#!/bin/bash\n", "#SBATCH --job-name=hcwbsd-quick\n", "#SBATCH --array=0-4%3\n",
        "#SBATCH --cpus-per-task=2\n", "#SBATCH --mem=2G\n", "#SBATCH --time=01:30:00\n",
        "#SBATCH --partition=cpu\n", "#SBATCH --account=lab\n",
        "#SBATCH --output=/runs/slurm/x/%a.log\n",
        "/bin/exp \\\n    '--set=a=b c' \\\n    --worker \\\n    --task_index=\"$i\"\n",
        "echo \"$code\" > /runs/slurm/x/\"$i\".exit.tmp && mv /runs/slurm/x/\"$i\".exit.tmp "
        "/runs/slurm/x/\"$i\".exit\n",
        "case $code in 0|75|76) exit 0 ;; *) exit \"$code\" ;; esac\n"}) {
    EXPECT_NE(script.find(line), std::string::npos) << line << "\nin:\n" << script;
  }
  // No limit, no partition, no account: those lines are left out.
  const std::string plain = SbatchScript(SlurmOptions(), {"/bin/exp"}, 1, "/d");
  EXPECT_NE(plain.find("#SBATCH --array=0-0\n"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("--partition"), std::string::npos);
  EXPECT_EQ(plain.find("--account"), std::string::npos);
}

TEST(ShellQuoteTest, QuotesOnlyWhatTheShellWouldRead) {
  EXPECT_EQ(ShellQuote("--seeds=42-43"), "--seeds=42-43");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("$HOME"), "'$HOME'");
}

TEST(SlurmOptionsTest, ConfigSectionAndChecks) {
  SlurmOptions o;
  ASSERT_TRUE(MergeSlurmSection(nlohmann::json{{"partition", "gpu"}, {"max_parallel", 8},
                                               {"cpus_per_task", 4}, {"mem", "16G"}},
                                "config.json", o)
                  .ok());
  EXPECT_EQ(o.partition, "gpu");
  EXPECT_EQ(o.max_parallel, 8);
  EXPECT_EQ(o.cpus_per_task, 4);
  EXPECT_EQ(o.mem, "16G");
  EXPECT_EQ(o.time, "04:00:00");  // default kept
  EXPECT_TRUE(MergeSlurmSection(nullptr, "config.json", o).ok());

  absl::Status s = MergeSlurmSection(nlohmann::json{{"nodes", 2}}, "config.json", o);
  EXPECT_NE(s.message().find("slurm.nodes: unknown key"), std::string::npos) << s;
  s = MergeSlurmSection(nlohmann::json{{"max_parallel", "8"}}, "config.json", o);
  EXPECT_NE(s.message().find("slurm.max_parallel must be an integer"), std::string::npos) << s;

  EXPECT_TRUE(CheckSlurmOptions(o).ok());
  for (const char* bad : {"1h", "", "12:345"}) {
    SlurmOptions t;
    t.time = bad;
    EXPECT_NE(CheckSlurmOptions(t).message().find("time limit"), std::string::npos) << bad;
  }
  for (const char* good : {"30", "1:00:00", "2-00:00:00"}) {
    SlurmOptions t;
    t.time = good;
    EXPECT_TRUE(CheckSlurmOptions(t).ok()) << good;
  }
  SlurmOptions t;
  t.mem = "4 GB";
  EXPECT_NE(CheckSlurmOptions(t).message().find("Slurm memory"), std::string::npos);
  t = SlurmOptions();
  t.cpus_per_task = 0;
  EXPECT_FALSE(CheckSlurmOptions(t).ok());
  t = SlurmOptions();
  t.partition = "a;rm -rf";
  EXPECT_NE(CheckSlurmOptions(t).message().find("partition"), std::string::npos);
}

TEST_F(SlurmLauncherTest, DryRunWritesTheScriptOnly) {
  SlurmOptions o;
  o.dry_run = true;
  setenv("PATH", (dir_ + "/bin").c_str(), 1);  // no sbatch: a dry run does not need it
  SlurmLauncher launcher(o, dir_ + "/sub");
  int calls = 0;
  ASSERT_TRUE(launcher.RunArray({"/bin/true"}, 3, [&](size_t, int) { ++calls; }).ok());
  EXPECT_EQ(calls, 0);
  const absl::StatusOr<std::string> script = ReadFile(dir_ + "/sub/job.sbatch");
  ASSERT_TRUE(script.ok());
  EXPECT_NE(script->find("#SBATCH --array=0-2\n"), std::string::npos);
  EXPECT_TRUE(launcher.job_id().empty());
}

TEST_F(SlurmLauncherTest, MissingSbatchIsAClearError) {
  setenv("PATH", (dir_ + "/bin").c_str(), 1);
  SlurmLauncher launcher(SlurmOptions(), dir_ + "/sub");
  const absl::Status s = launcher.RunArray({"/bin/true"}, 2, [](size_t, int) {});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("sbatch is not on PATH"), std::string::npos) << s;
  EXPECT_NE(s.message().find("--dry_run"), std::string::npos) << s;
}

// A stand-in sbatch: prints a job id and runs every element of the array in
// turn with SLURM_ARRAY_TASK_ID set and its output where #SBATCH --output says.
constexpr char kFakeSbatch[] = R"(#!/bin/bash
script=${@: -1}
range=$(sed -n 's/^#SBATCH --array=0-\([0-9]*\).*/\1/p' "$script")
out=$(sed -n 's/^#SBATCH --output=//p' "$script")
echo 4242
for i in $(seq 0 "$range"); do
  SLURM_ARRAY_TASK_ID=$i bash "$script" > "${out//%a/$i}" 2>&1
done
)";

TEST_F(SlurmLauncherTest, ArrayRunsEachElementAndReportsExitCodes) {
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/bin/sbatch", kFakeSbatch).ok());
  ASSERT_EQ(std::system(("chmod +x '" + dir_ + "/bin/sbatch'").c_str()), 0);
  setenv("PATH", (dir_ + "/bin:/usr/bin:/bin").c_str(), 1);
  SlurmOptions o;
  o.wait = true;
  o.poll_seconds = 0.05;
  SlurmLauncher launcher(o, dir_ + "/sub");
  // Element i exits with code {0, 3, 75, 0}[i] and says its argument.
  const WorkerCommand command = {
      "/bin/bash", "-c", "echo \"element $0 'quoted arg'\"; case $0 in 1) exit 3;; 2) exit 75;; esac",
      kTaskIndex};
  ASSERT_TRUE(MakeDirs(dir_ + "/sub").ok());
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/sub/tasks.txt", "a-seed1\nb-seed1\na-seed2\nb-seed2\n").ok());
  std::map<size_t, int> codes;
  ASSERT_TRUE(launcher.RunArray(command, 4, [&](size_t i, int code) { codes[i] = code; }).ok());
  EXPECT_EQ(launcher.job_id(), "4242");
  EXPECT_EQ(codes, (std::map<size_t, int>{{0, 0}, {1, 3}, {2, 75}, {3, 0}}));
  EXPECT_EQ(ReadFile(launcher.LogPath(3)).value_or(""), "element 3 'quoted arg'\n");
  EXPECT_EQ(ReadFile(dir_ + "/sub/job_id").value_or(""), "4242\n");
  // Only element 1 failed (75 means another process ran the task).
  const std::vector<FailedElement> failed = FailedElements(dir_);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].task_id, "b-seed1");
  EXPECT_EQ(failed[0].job_id, "4242");
  EXPECT_EQ(failed[0].exit_code, 3);
  EXPECT_EQ(failed[0].log, dir_ + "/sub/1.log");
}

}  // namespace
}  // namespace sparselab
