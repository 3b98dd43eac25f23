#include "lib/harness/experiment.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "gtest/gtest.h"
#include "lib/base/cpu_count.h"
#include "lib/base/file_io.h"

ABSL_DECLARE_FLAG(std::string, config);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, seeds);
ABSL_DECLARE_FLAG(std::string, preset);
ABSL_DECLARE_FLAG(std::string, set);
ABSL_DECLARE_FLAG(std::string, device);

namespace sparselab {
namespace {

std::string Tmp(const std::string& name) { return std::string(std::getenv("TEST_TMPDIR")) + "/" + name; }

std::string WriteConfig() {
  const std::string path = Tmp("config.json");
  std::ofstream(path) << R"({"default_preset": "paper",
    "defaults": {"steps": 10, "rate": 0.5, "seeds": [7, 8]},
    "presets": {"quick": {"steps": 2}, "paper": {}}})";
  return path;
}

TEST(ParseDeviceTest, CpuOkUnknownAndMissingCudaAreErrors) {
  auto cpu = ParseDevice("CPU");
  ASSERT_TRUE(cpu.ok());
  EXPECT_TRUE(cpu->is_cpu());
  EXPECT_FALSE(ParseDevice("gpu").ok());
  if (!torch::cuda::is_available()) {
    auto cuda = ParseDevice("cuda");
    ASSERT_FALSE(cuda.ok());
    EXPECT_NE(cuda.status().message().find("--device=cpu"), std::string::npos);
  }
}

TEST(MergeRepeatedSetFlagsTest, JoinsEveryOverrideIntoOneFlag) {
  using Args = std::vector<std::string>;
  EXPECT_EQ(MergeRepeatedSetFlags({"bin", "--set=a=1", "--threads=1", "--set", "b=[1,2]",
                                   "-set=c=x"}),
            (Args{"bin", "--set=a=1,b=[1,2],c=x", "--threads=1"}));
  EXPECT_EQ(MergeRepeatedSetFlags({"bin", "--set=a=1"}), (Args{"bin", "--set=a=1"}));
  EXPECT_EQ(MergeRepeatedSetFlags({"bin", "--preset=quick"}), (Args{"bin", "--preset=quick"}));
  // An empty --set adds nothing; arguments after "--" are left alone.
  EXPECT_EQ(MergeRepeatedSetFlags({"bin", "--set=", "--set=a=1", "--", "--set=b=2"}),
            (Args{"bin", "--set=a=1", "--", "--set=b=2"}));
}

TEST(SetThreadsTest, SetsTheRequestedCount) {
  EXPECT_EQ(SetThreads(1), 1);
  // LibTorch's products run on Debian's OpenBLAS, whose pool follows too.
  if (BlasThreads() > 0) EXPECT_EQ(BlasThreads(), 1);
  EXPECT_EQ(at::get_num_threads(), 1);
  EXPECT_GE(SetThreads(0), 1);
}

TEST(ExperimentTest, RunsBodyAndWritesSchemaForNonPaperPreset) {
  absl::SetFlag(&FLAGS_config, WriteConfig());
  absl::SetFlag(&FLAGS_out, Tmp("out/nested"));
  absl::SetFlag(&FLAGS_preset, "quick");
  absl::SetFlag(&FLAGS_seeds, "");
  absl::SetFlag(&FLAGS_set, "rate=0.25");
  std::vector<std::string> argv_s = {"experiment_test"};
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  int steps_seen = 0;
  std::vector<int64_t> seeds_seen;
  const int rc = RunExperiment(
      static_cast<int>(argv.size()), argv.data(), {"toy", "Toy 2024"},
      [&](Experiment& ex) -> absl::Status {
        steps_seen = ex.config().Int("steps");
        for (int64_t seed : ex.seeds()) {
          seeds_seen.push_back(seed);
          ex.table().Add("row", "value", seed, seed * ex.config().Double("rate"));
        }
        ex.table().SetPaper("row", "value", 1.875);
        ex.extra()["curve"] = {1, 2, 3};
        EXPECT_EQ(ex.OutputPath("fig2.png"), Tmp("out/nested") + "/fig2-quick.png");
        EXPECT_EQ(ex.OutputPath("notes"), Tmp("out/nested") + "/notes-quick");
        return absl::OkStatus();
      });
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(steps_seen, 2);
  EXPECT_EQ(seeds_seen, (std::vector<int64_t>{7, 8}));
  auto j = ReadJsonFile(Tmp("out/nested/result-quick.json"));
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)["experiment"], "toy");
  EXPECT_EQ((*j)["paper"], "Toy 2024");
  EXPECT_EQ((*j)["preset"], "quick");
  EXPECT_DOUBLE_EQ((*j)["config"]["rate"].get<double>(), 0.25);
  EXPECT_EQ((*j)["seeds"], nlohmann::json({7, 8}));
  EXPECT_DOUBLE_EQ((*j)["rows"][0]["metrics"]["value"]["mean"].get<double>(), 1.875);
  EXPECT_DOUBLE_EQ((*j)["rows"][0]["paper"]["value"]["mean"].get<double>(), 1.875);
  for (const char* key : {"git_commit", "date", "threads", "device", "wall_seconds", "machine"}) {
    EXPECT_TRUE((*j)["provenance"].contains(key)) << key;
  }
  EXPECT_EQ((*j)["curve"], nlohmann::json({1, 2, 3}));
}

TEST(ExperimentTest, BodyErrorAndBadConfigGiveNonZeroExitAndNoResult) {
  absl::SetFlag(&FLAGS_config, WriteConfig());
  absl::SetFlag(&FLAGS_out, Tmp("out2"));
  absl::SetFlag(&FLAGS_preset, "paper");
  absl::SetFlag(&FLAGS_set, "");
  std::string prog = "experiment_test";
  char* argv[] = {prog.data()};
  testing::internal::CaptureStderr();
  int rc = RunExperiment(1, argv, {"toy", "Toy"},
                         [](Experiment&) { return absl::DataLossError("broken data file"); });
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("error: broken data file"), std::string::npos) << err;
  EXPECT_FALSE(std::ifstream(Tmp("out2/result.json")).good());

  absl::SetFlag(&FLAGS_set, "stepz=3");
  testing::internal::CaptureStderr();
  rc = RunExperiment(1, argv, {"toy", "Toy"}, [](Experiment&) { return absl::OkStatus(); });
  err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("unknown key 'stepz'"), std::string::npos) << err;

  absl::SetFlag(&FLAGS_set, "");
  absl::SetFlag(&FLAGS_seeds, "9-");
  testing::internal::CaptureStderr();
  rc = RunExperiment(1, argv, {"toy", "Toy"}, [](Experiment&) { return absl::OkStatus(); });
  testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 1);
  absl::SetFlag(&FLAGS_seeds, "");

  // An exception inside the body is reported, not a crash.
  testing::internal::CaptureStderr();
  rc = RunExperiment(1, argv, {"toy", "Toy"}, [](Experiment& ex) -> absl::Status {
    ex.config().Int("missing_key");
    return absl::OkStatus();
  });
  err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("missing_key"), std::string::npos) << err;
}

TEST(ExperimentTest, PaperPresetWritesResultJson) {
  absl::SetFlag(&FLAGS_config, WriteConfig());
  absl::SetFlag(&FLAGS_out, Tmp("out3"));
  absl::SetFlag(&FLAGS_preset, "");
  absl::SetFlag(&FLAGS_seeds, "3");
  std::string prog = "experiment_test";
  char* argv[] = {prog.data()};
  ASSERT_EQ(RunExperiment(1, argv, {"toy", "Toy"},
                          [](Experiment& ex) {
                            EXPECT_EQ(ex.seeds(), (std::vector<int64_t>{3}));
                            EXPECT_EQ(ex.ResultPath(), Tmp("out3") + "/result.json");
                            EXPECT_EQ(ex.OutputPath("fig2.png"), Tmp("out3") + "/fig2.png");
                            return absl::OkStatus();
                          }),
            0);
  EXPECT_TRUE(std::ifstream(Tmp("out3/result.json")).good());
}

TEST(FindExperimentFileTest, FallsBackToRelativePath) {
  EXPECT_EQ(FindExperimentFile("nope", "config.json"), "experiments/nope/config.json");
}

TEST(ProvenanceTest, DateIsIso8601Utc) {
  const std::string d = UtcDate();
  ASSERT_EQ(d.size(), 20u);
  EXPECT_EQ(d[4], '-');
  EXPECT_EQ(d[10], 'T');
  EXPECT_EQ(d.back(), 'Z');
  EXPECT_TRUE(MachineInfo().contains("cpu"));
}

}  // namespace
}  // namespace sparselab
