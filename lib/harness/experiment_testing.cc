#include "lib/harness/experiment_testing.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace sparselab::experiment_testing {

std::string TestTmpDir() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return tmp ? tmp : "/tmp";
}

static std::string StderrPath(const std::string& name) {
  return TestTmpDir() + "/" + name + ".stderr";
}

int RunExperimentBinary(const std::string& name, const std::string& args,
                        const std::string& env) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const std::string binary = std::string(srcdir ? srcdir : ".") + "/sparselab/experiments/" +
                             name + "/" + name;
  const std::string cmd = env + " " + binary + " " + args + " 2>" + StderrPath(name);
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ExperimentStderr(const std::string& name) {
  std::ifstream in(StderrPath(name));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void ExpectSettingsRejected(const std::string& name, const std::string& args,
                            const std::vector<BadSetting>& cases) {
  int index = 0;
  for (const BadSetting& c : cases) {
    const std::string out = TestTmpDir() + "/rejected-" + name + "-" + std::to_string(index++);
    std::filesystem::remove_all(out);
    const int code = RunExperimentBinary(name, args + " --out=" + out + " '--set=" + c.set + "'");
    const std::string err = ExperimentStderr(name);
    EXPECT_EQ(code, 1) << "--set=" << c.set << ": expected exit code 1; stderr:\n" << err;
    for (const std::string& fragment : c.fragments) {
      EXPECT_NE(err.find(fragment), std::string::npos)
          << "--set=" << c.set << ": stderr lacks '" << fragment << "':\n" << err;
    }
    std::error_code ec;
    const bool wrote = std::filesystem::exists(out, ec) && !std::filesystem::is_empty(out, ec);
    EXPECT_FALSE(wrote) << "--set=" << c.set << ": files were written to " << out;
  }
}

const nlohmann::json& FindRow(const nlohmann::json& result, const std::string& name) {
  if (result.contains("rows")) {
    for (const auto& row : result["rows"]) {
      if (row.value("name", "") == name) return row;
    }
  }
  ADD_FAILURE() << "result has no row '" << name << "'";
  static const nlohmann::json empty = {{"metrics", nlohmann::json::object()}};
  return empty;
}

double MetricMean(const nlohmann::json& row, const std::string& metric) {
  if (!row.contains("metrics") || !row["metrics"].contains(metric) ||
      !row["metrics"][metric]["mean"].is_number()) {
    ADD_FAILURE() << "row '" << row.value("name", "?") << "' has no numeric metric '" << metric << "'";
    return NAN;
  }
  return row["metrics"][metric]["mean"].get<double>();
}

}  // namespace sparselab::experiment_testing
