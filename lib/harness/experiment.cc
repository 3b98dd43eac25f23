#include "lib/harness/experiment.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <random>
#include <thread>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/base/cpu_count.h"
#include "lib/base/file_io.h"
#include "lib/base/status_macros.h"
#include "lib/harness/readme_block.h"

ABSL_FLAG(std::string, preset, "",
          "Named preset of the experiment's config.json (e.g. quick, paper); empty: the "
          "file's default_preset.");
ABSL_FLAG(std::string, set, "",
          "Overrides of single config keys: key=value[,key=value...]; values are JSON "
          "(0.1, true, [1,2], \"text\") or bare words; nested keys use dots.");
ABSL_FLAG(std::string, seeds, "",
          "Seeds to run: 42, 42,43 or 42-51; empty: the config's \"seeds\".");
ABSL_FLAG(int32_t, threads, 0, "Intra-op threads for LibTorch; 0: all cores.");
ABSL_FLAG(std::string, device, "cpu", "Device: cpu, cuda or cuda:N.");
ABSL_FLAG(std::string, out, "",
          "Folder for result.json, figures and per-task records; default: "
          "experiments/<name>/results in the source tree under `bazel run`, else the current "
          "folder.");
ABSL_FLAG(std::string, readme, "",
          "README whose generated tables a paper-preset run rewrites; default: "
          "experiments/<name>/README.md in the source tree under `bazel run` when --out is not "
          "given, else none.");
ABSL_FLAG(std::string, config, "", "Path of config.json; default: the experiment's own.");

namespace sparselab {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// Splits "a=1,b=[1,2],c=x" at the commas that start a new "key=".
std::vector<std::string> SplitOverrides(const std::string& text) {
  std::vector<std::string> items;
  std::string current;
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      items.push_back(current);
      current.clear();
      continue;
    }
    current += c;
  }
  if (!current.empty()) items.push_back(current);
  return items;
}

std::string RunCommand(const std::string& cmd) {
  std::string out;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
  ::pclose(pipe);
  return std::string(absl::StripAsciiWhitespace(out));
}

std::string SourceTree() {
  std::string ws = Env("BUILD_WORKSPACE_DIRECTORY");
  return ws.empty() ? "." : ws;
}

}  // namespace

std::string GitCommit() {
  const std::string dir = SourceTree();
  std::string commit = RunCommand(absl::StrCat("git -C '", dir, "' rev-parse HEAD 2>/dev/null"));
  if (commit.empty()) return "unknown";
  // Every tracked file counts but the outputs a run writes itself: the
  // experiments' results/ folders, their READMEs' generated tables, docs/.
  std::string dirty = RunCommand(absl::StrCat(
      "git -C '", dir, "' status --porcelain --untracked-files=no -- . ':!experiments/*/results/**' "
      "':!experiments/*/README.md' ':!docs/**' 2>/dev/null"));
  return dirty.empty() ? commit : commit + "-dirty";
}

std::string UtcDate() {
  std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buf;
}

nlohmann::json MachineInfo() {
  nlohmann::json m;
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  m["hostname"] = host;
  struct utsname u;
  if (::uname(&u) == 0) m["os"] = absl::StrCat(u.sysname, " ", u.release, " ", u.machine);
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (absl::StartsWith(line, "model name")) {
      m["cpu"] = std::string(absl::StripAsciiWhitespace(line.substr(line.find(':') + 1)));
      break;
    }
  }
  m["cores"] = std::thread::hardware_concurrency();
  m["usable_cores"] = UsableCpuCount();
  m["torch_version"] = TORCH_VERSION;
  return m;
}

int SetThreads(int requested) {
  int n = requested > 0 ? requested : UsableCpuCount();
  if (n <= 0) n = 1;
  at::set_num_threads(n);
  SetBlasThreads(n);  // OpenBLAS's own pool: see cpu_count.h
  return at::get_num_threads();
}

absl::StatusOr<c10::Device> ParseDevice(const std::string& text) {
  std::string lower = absl::AsciiStrToLower(text);
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(lower);
  } catch (const c10::Error&) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown device '", text, "': use cpu, cuda or cuda:N"));
  }
  if (device.is_cuda() && !torch::cuda::is_available()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "device '", text, "' requested but this LibTorch build sees no CUDA device; use "
        "--device=cpu or a CUDA-enabled LibTorch"));
  }
  if (!device.is_cpu() && !device.is_cuda()) {
    return absl::InvalidArgumentError(absl::StrCat("unsupported device '", text, "'"));
  }
  return device;
}

std::string FindExperimentFile(const std::string& experiment, const std::string& file) {
  const std::string rel = absl::StrCat("experiments/", experiment, "/", file);
  std::vector<std::string> candidates;
  if (std::string ws = Env("BUILD_WORKSPACE_DIRECTORY"); !ws.empty()) {
    candidates.push_back(absl::StrCat(ws, "/", rel));
  }
  if (std::string srcdir = Env("TEST_SRCDIR"); !srcdir.empty()) {
    candidates.push_back(absl::StrCat(srcdir, "/sparselab/", rel));
  }
  if (std::string runfiles = Env("RUNFILES_DIR"); !runfiles.empty()) {
    candidates.push_back(absl::StrCat(runfiles, "/sparselab/", rel));
  }
  char exe[4096] = {0};
  if (::readlink("/proc/self/exe", exe, sizeof exe - 1) > 0) {
    candidates.push_back(absl::StrCat(exe, ".runfiles/sparselab/", rel));
  }
  candidates.push_back(rel);
  for (const std::string& c : candidates) {
    if (FileExists(c)) return c;
  }
  return candidates.back();
}

absl::StatusOr<Experiment> Experiment::FromFlags(const ExperimentInfo& info) {
  Experiment ex;
  ex.start_ = std::chrono::steady_clock::now();
  ex.info_ = info;
  std::string config_path = absl::GetFlag(FLAGS_config);
  if (config_path.empty()) config_path = FindExperimentFile(info.name, "config.json");
  ASSIGN_OR_RETURN(ex.config_, Config::Load(config_path, absl::GetFlag(FLAGS_preset),
                                            SplitOverrides(absl::GetFlag(FLAGS_set))));
  ASSIGN_OR_RETURN(ex.tables_, ParseTableSpecs(ex.config_.tables(), config_path));
  const std::string seeds = absl::GetFlag(FLAGS_seeds);
  if (!seeds.empty()) {
    ASSIGN_OR_RETURN(ex.seeds_, ParseSeedList(seeds));
  } else if (ex.config_.Has("seeds")) {
    const nlohmann::json& s = ex.config_.At("seeds");
    if (!s.is_array() || s.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(config_path, ": \"seeds\" must be a non-empty array of integers"));
    }
    for (const auto& v : s) {
      if (!v.is_number_integer()) {
        return absl::InvalidArgumentError(
            absl::StrCat(config_path, ": \"seeds\" must hold integers, got ", v.dump()));
      }
      ex.seeds_.push_back(v.get<int64_t>());
    }
  } else {
    ex.seeds_ = {0};
  }
  if (absl::GetFlag(FLAGS_threads) < 0) {
    return absl::InvalidArgumentError("--threads must be 0 (all cores) or positive");
  }
  ex.threads_ = SetThreads(absl::GetFlag(FLAGS_threads));
  ASSIGN_OR_RETURN(ex.device_, ParseDevice(absl::GetFlag(FLAGS_device)));
  ex.out_dir_ = absl::GetFlag(FLAGS_out);
  ex.readme_path_ = absl::GetFlag(FLAGS_readme);
  if (ex.out_dir_.empty()) {
    const std::string ws = Env("BUILD_WORKSPACE_DIRECTORY");
    ex.out_dir_ = ws.empty() ? "." : absl::StrCat(ws, "/experiments/", info.name, "/results");
    if (ex.readme_path_.empty() && !ws.empty()) {
      ex.readme_path_ = absl::StrCat(ws, "/experiments/", info.name, "/README.md");
    }
  }
  RETURN_IF_ERROR(MakeDirs(ex.out_dir_));
  return ex;
}

std::string Experiment::ResultPath() const {
  const std::string name = config_.preset() == "paper"
                               ? "result.json"
                               : absl::StrCat("result-", config_.preset(), ".json");
  return absl::StrCat(out_dir_, "/", name);
}

std::string Experiment::OutputPath(const std::string& filename) const {
  if (config_.preset() == "paper") return absl::StrCat(out_dir_, "/", filename);
  const size_t dot = filename.rfind('.');
  const std::string stem = dot == std::string::npos ? filename : filename.substr(0, dot);
  const std::string ext = dot == std::string::npos ? "" : filename.substr(dot);
  return absl::StrCat(out_dir_, "/", stem, "-", config_.preset(), ext);
}

void Experiment::Seed(int64_t seed) const {
  torch::manual_seed(static_cast<uint64_t>(seed));
  std::srand(static_cast<unsigned>(seed));
}

double Experiment::WallSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

nlohmann::json Experiment::ResultJson() const {
  nlohmann::json j;
  j["experiment"] = info_.name;
  j["paper"] = info_.paper;
  j["preset"] = config_.preset();
  j["config"] = config_.values();
  j["seeds"] = seeds_;
  j["rows"] = table_.ToJson();
  j["provenance"] = {
      {"git_commit", GitCommit()},
      {"date", UtcDate()},
      {"threads", threads_},
      {"device", device_.str()},
      {"wall_seconds", WallSeconds()},
      {"machine", MachineInfo()},
  };
  for (auto it = extra_.begin(); it != extra_.end(); ++it) j[it.key()] = it.value();
  return j;
}

absl::Status Experiment::WriteResult() const {
  RETURN_IF_ERROR(WriteJsonAtomically(ResultPath(), ResultJson()));
  if (config_.preset() != "paper" || readme_path_.empty() || !FileExists(readme_path_)) {
    return absl::OkStatus();
  }
  return RefreshReadmeTables(readme_path_, tables_, out_dir_, Basename(ResultPath()));
}

namespace {

std::vector<std::string>& MutableProgramArguments() {
  static std::vector<std::string>* args = new std::vector<std::string>();
  return *args;
}

constexpr char kExitCodePayload[] = "sparselab.dev/exit_code";

}  // namespace

const std::vector<std::string>& ProgramArguments() { return MutableProgramArguments(); }

absl::Status WithExitCode(absl::Status status, int exit_code) {
  status.SetPayload(kExitCodePayload, absl::Cord(std::to_string(exit_code)));
  return status;
}

std::vector<std::string> MergeRepeatedSetFlags(const std::vector<std::string>& args) {
  std::vector<std::string> merged_args;
  std::vector<std::string> overrides;
  std::optional<size_t> set_position;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {  // everything after it is positional
      merged_args.insert(merged_args.end(), args.begin() + i, args.end());
      break;
    }
    std::string value;
    bool is_set = false;
    for (const char* prefix : {"--set=", "-set="}) {
      if (absl::StartsWith(arg, prefix)) {
        value = arg.substr(std::strlen(prefix));
        is_set = true;
      }
    }
    if (!is_set && (arg == "--set" || arg == "-set") && i + 1 < args.size()) {
      value = args[++i];
      is_set = true;
    }
    if (!is_set) {
      merged_args.push_back(arg);
      continue;
    }
    if (!set_position.has_value()) {
      set_position = merged_args.size();
      merged_args.push_back("");
    }
    if (!value.empty()) overrides.push_back(value);
  }
  if (set_position.has_value()) {
    merged_args[*set_position] = absl::StrCat("--set=", absl::StrJoin(overrides, ","));
  }
  return merged_args;
}

int RunExperiment(int argc, char** argv, const ExperimentInfo& info,
                  const std::function<absl::Status(Experiment&)>& body) {
  // Abseil allows one usage message per process (tests call this repeatedly).
  static const bool usage_set = [&] {
    absl::SetProgramUsageMessage(absl::StrCat(
      "Reproduces ", info.paper, ".\n\nUsage: bazel run //experiments/", info.name,
      " -- [--preset=quick|paper] [--seeds=42-44] [--threads=N] [--device=cpu] [--set=key=value]\n"
      "Writes result.json (preset paper) or result-<preset>.json into experiments/", info.name,
      "."));
    return true;
  }();
  (void)usage_set;
  std::vector<std::string> args(argv, argv + argc);
  args = MergeRepeatedSetFlags(args);
  MutableProgramArguments() = args;
  std::vector<char*> merged_argv;
  for (std::string& arg : args) merged_argv.push_back(arg.data());
  std::vector<char*> rest =
      absl::ParseCommandLine(static_cast<int>(merged_argv.size()), merged_argv.data());
  if (rest.size() > 1) {
    std::fprintf(stderr, "error: unexpected argument '%s' (see --help)\n", rest[1]);
    return 2;
  }
  absl::Status status;
  try {
    absl::StatusOr<Experiment> ex = Experiment::FromFlags(info);
    if (!ex.ok()) {
      status = ex.status();
    } else {
      std::fprintf(stderr, "[%s] preset %s, %zu seed(s), %d thread(s), device %s -> %s\n",
                   info.name.c_str(), ex->config().preset().c_str(), ex->seeds().size(),
                   ex->threads(), ex->device().str().c_str(), ex->ResultPath().c_str());
      status = body(*ex);
      if (status.ok() && ex->writes_result()) status = ex->WriteResult();
      if (status.ok() && ex->writes_result()) {
        std::fprintf(stderr, "[%s] wrote %s in %.1f s\n", info.name.c_str(),
                     ex->ResultPath().c_str(), ex->WallSeconds());
      }
    }
  } catch (const c10::Error& e) {
    status = absl::InternalError(e.what_without_backtrace());
  } catch (const std::exception& e) {
    status = absl::InternalError(e.what());
  }
  if (!status.ok()) {
    // A cancelled run stopped on request (e.g. after some epochs): not an error.
    std::fprintf(stderr, "%s: %s\n", absl::IsCancelled(status) ? "stopped" : "error",
                 std::string(status.message()).c_str());
    int code = 1;
    if (auto payload = status.GetPayload(kExitCodePayload)) {
      absl::SimpleAtoi(std::string(*payload), &code);
    }
    return code;
  }
  return 0;
}

}  // namespace sparselab
