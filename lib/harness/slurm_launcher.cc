#include "lib/harness/slurm_launcher.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <regex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/base/file_io.h"
#include "lib/base/status_macros.h"

namespace sparselab {
namespace {

// Runs a shell command line; returns its exit code and stdout + stderr.
std::pair<int, std::string> Capture(const std::string& command_line) {
  std::string out;
  FILE* pipe = ::popen((command_line + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {127, "cannot start a shell"};
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, out};
}

// The program's path when it is on $PATH, else empty.
std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path == nullptr ? "" : path, ':', absl::SkipEmpty())) {
    const std::string candidate = absl::StrCat(dir, "/", program);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::optional<int> ReadExitCode(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  int code = 0;
  if (!text.ok() || !absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &code)) return std::nullopt;
  return code;
}

bool IsFailure(int code) { return code != 0 && code != kTaskHeldElsewhere && code != kTaskStopped; }

}  // namespace

std::string ShellQuote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789_-+=./:,@%") == std::string::npos) {
    return arg;
  }
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

absl::Status MergeSlurmSection(const nlohmann::json& section, const std::string& origin,
                               SlurmOptions& options) {
  if (section.is_null()) return absl::OkStatus();
  if (!section.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": \"slurm\" must be an object"));
  }
  for (const auto& [key, value] : section.items()) {
    const std::string where = absl::StrCat(origin, ": slurm.", key);
    auto text = [&](std::string& field) -> absl::Status {
      if (!value.is_string()) {
        return absl::InvalidArgumentError(absl::StrCat(where, " must be a string, got ", value.dump()));
      }
      field = value.get<std::string>();
      return absl::OkStatus();
    };
    auto integer = [&](int& field) -> absl::Status {
      if (!value.is_number_integer()) {
        return absl::InvalidArgumentError(absl::StrCat(where, " must be an integer, got ", value.dump()));
      }
      field = value.get<int>();
      return absl::OkStatus();
    };
    if (key == "partition") {
      RETURN_IF_ERROR(text(options.partition));
    } else if (key == "time") {
      RETURN_IF_ERROR(text(options.time));
    } else if (key == "mem") {
      RETURN_IF_ERROR(text(options.mem));
    } else if (key == "account") {
      RETURN_IF_ERROR(text(options.account));
    } else if (key == "cpus_per_task") {
      RETURN_IF_ERROR(integer(options.cpus_per_task));
    } else if (key == "max_parallel") {
      RETURN_IF_ERROR(integer(options.max_parallel));
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": unknown key (known: partition, time, cpus_per_task, mem, account, max_parallel)"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSlurmOptions(const SlurmOptions& o) {
  static const std::regex kTime("^([0-9]+-)?[0-9]+(:[0-9]{1,2}){0,2}$");
  static const std::regex kMem("^[0-9]+[KMGT]?$");
  static const std::regex kName("^[A-Za-z0-9_.+-]*$");
  if (!std::regex_match(o.time, kTime)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Slurm time limit '", o.time, "' is not one sbatch reads: use minutes, HH:MM:SS or D-HH:MM:SS"));
  }
  if (!std::regex_match(o.mem, kMem)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Slurm memory '", o.mem, "' is not one sbatch reads: use a number with K, M, G or T (4G)"));
  }
  if (o.cpus_per_task < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Slurm cpus per task must be at least 1, got ", o.cpus_per_task));
  }
  if (o.max_parallel < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_parallel must be 0 (no limit) or more, got ", o.max_parallel));
  }
  for (const auto& [what, value] : {std::pair<const char*, const std::string&>{"partition", o.partition},
                                    {"account", o.account}, {"job name", o.job_name}}) {
    if (!std::regex_match(value, kName)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Slurm ", what, " '", value, "' may hold only letters, digits and _ . + -"));
    }
  }
  return absl::OkStatus();
}

std::string SbatchScript(const SlurmOptions& o, const WorkerCommand& command, size_t size,
                         const std::string& dir) {
  std::string s = "#!/bin/bash\n";
  absl::StrAppend(&s, "# ", o.job_name, ": ", size,
                  " task(s) of a sparselab experiment, one per array element. Element i runs\n"
                  "# the task on line i of tasks.txt and leaves its log in <i>.log and its exit\n"
                  "# code in <i>.exit beside this script.\n");
  absl::StrAppend(&s, "#SBATCH --job-name=", o.job_name, "\n");
  absl::StrAppend(&s, "#SBATCH --array=0-", size == 0 ? 0 : size - 1,
                  o.max_parallel > 0 ? absl::StrCat("%", o.max_parallel) : "", "\n");
  absl::StrAppend(&s, "#SBATCH --ntasks=1\n");
  absl::StrAppend(&s, "#SBATCH --cpus-per-task=", o.cpus_per_task, "\n");
  absl::StrAppend(&s, "#SBATCH --mem=", o.mem, "\n");
  absl::StrAppend(&s, "#SBATCH --time=", o.time, "\n");
  if (!o.partition.empty()) absl::StrAppend(&s, "#SBATCH --partition=", o.partition, "\n");
  if (!o.account.empty()) absl::StrAppend(&s, "#SBATCH --account=", o.account, "\n");
  absl::StrAppend(&s, "#SBATCH --output=", dir, "/%a.log\n");
  absl::StrAppend(&s, "i=${SLURM_ARRAY_TASK_ID:?submit this script with sbatch}\n");
  std::vector<std::string> words;
  for (const std::string& arg : command) {
    std::vector<std::string> pieces;
    for (absl::string_view piece : absl::StrSplit(arg, kTaskIndex)) {
      pieces.push_back(piece.empty() ? "" : ShellQuote(std::string(piece)));
    }
    std::string word = absl::StrJoin(pieces, "\"$i\"");
    words.push_back(word.empty() ? "''" : word);
  }
  absl::StrAppend(&s, absl::StrJoin(words, " \\\n    "), "\n");
  absl::StrAppend(&s, "code=$?\n");
  absl::StrAppend(&s, "echo \"$code\" > ", ShellQuote(dir), "/\"$i\".exit.tmp && mv ", ShellQuote(dir),
                  "/\"$i\".exit.tmp ", ShellQuote(dir), "/\"$i\".exit\n");
  absl::StrAppend(&s, "# ", kTaskHeldElsewhere, ": another process runs the task; ", kTaskStopped,
                  ": it stopped early on request. Neither is a failure.\n");
  absl::StrAppend(&s, "case $code in 0|", kTaskHeldElsewhere, "|", kTaskStopped,
                  ") exit 0 ;; *) exit \"$code\" ;; esac\n");
  return s;
}

SlurmLauncher::SlurmLauncher(SlurmOptions options, std::string dir)
    : options_(std::move(options)), dir_(std::move(dir)) {}

std::string SlurmLauncher::LogPath(size_t i) const { return absl::StrCat(dir_, "/", i, ".log"); }
std::string SlurmLauncher::ExitPath(size_t i) const { return absl::StrCat(dir_, "/", i, ".exit"); }

absl::Status SlurmLauncher::Run(const std::vector<WorkerCommand>&,
                                const std::function<void(size_t, int)>&) {
  return absl::UnimplementedError("the Slurm launcher runs job arrays only (RunArray)");
}

absl::Status SlurmLauncher::RunArray(const WorkerCommand& command, size_t size,
                                     const std::function<void(size_t, int)>& on_done) {
  RETURN_IF_ERROR(CheckSlurmOptions(options_));
  if (size == 0) return absl::OkStatus();
  if (dir_.find('%') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the Slurm log folder ", dir_, " holds '%', which sbatch reads as a pattern: use --out "
        "without '%'"));
  }
  RETURN_IF_ERROR(MakeDirs(dir_));
  RETURN_IF_ERROR(WriteFileAtomically(ScriptPath(), SbatchScript(options_, command, size, dir_)));
  if (options_.dry_run) {
    std::fprintf(stderr, "[slurm] --dry_run: wrote %s (%zu array element(s)); submit it with: sbatch %s\n",
                 ScriptPath().c_str(), size, ShellQuote(ScriptPath()).c_str());
    return absl::OkStatus();
  }
  const std::string sbatch = FindOnPath("sbatch");
  if (sbatch.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--launcher=slurm: sbatch is not on PATH. Run on a machine that can submit Slurm jobs "
        "(Debian: apt-get install slurm-client, with the cluster's slurm.conf), or add --dry_run "
        "to only write the script (", ScriptPath(), ")"));
  }
  const auto [code, out] = Capture(absl::StrCat(ShellQuote(sbatch), " --parsable ", ShellQuote(ScriptPath())));
  std::string id(absl::StripAsciiWhitespace(out));
  id = id.substr(0, id.find(';'));  // "<id>;<cluster>" on federated clusters
  if (code != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    return absl::InternalError(absl::StrCat("sbatch ", ScriptPath(), " failed (exit code ", code,
                                            "): ", absl::StripAsciiWhitespace(out)));
  }
  job_id_ = id;
  RETURN_IF_ERROR(WriteFileAtomically(dir_ + "/job_id", job_id_ + "\n"));
  std::fprintf(stderr, "[slurm] submitted job %s: %zu array element(s)%s; logs in %s/<i>.log\n",
               job_id_.c_str(), size,
               options_.max_parallel > 0 ? absl::StrCat(", ", options_.max_parallel, " at a time").c_str() : "",
               dir_.c_str());
  if (!options_.wait) return absl::OkStatus();

  const std::string squeue = FindOnPath("squeue");
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    size_t ended = 0;
    for (size_t i = 0; i < size; ++i) ended += FileExists(ExitPath(i));
    if (ended == size) break;
    // Gone from the queue: finished, cancelled or failed before writing an exit code.
    if (!squeue.empty()) {
      const auto [q_code, q_out] = Capture(absl::StrCat(ShellQuote(squeue), " -h -o %i -j ", job_id_));
      if (absl::StripAsciiWhitespace(q_out).empty() || q_code != 0) break;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(options_.poll_seconds));
  }
  std::fprintf(stderr, "[slurm] job %s left the queue after %.1f s\n", job_id_.c_str(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  for (size_t i = 0; i < size; ++i) {
    const std::optional<int> exit_code = ReadExitCode(ExitPath(i));
    if (!exit_code.has_value() || IsFailure(*exit_code)) {
      std::fprintf(stderr, "[slurm] array element %s_%zu %s; log: %s\n", job_id_.c_str(), i,
                   exit_code.has_value() ? absl::StrCat("failed with exit code ", *exit_code).c_str()
                                         : "left no exit code (never ran, cancelled or over a limit)",
                   LogPath(i).c_str());
    }
    on_done(i, exit_code.value_or(1));
  }
  return absl::OkStatus();
}

std::vector<FailedElement> FailedElements(const std::string& slurm_root) {
  std::vector<FailedElement> failed;
  for (const std::string& name : ListFolder(slurm_root)) {
    const std::string dir = absl::StrCat(slurm_root, "/", name);
    absl::StatusOr<std::string> tasks = ReadFile(dir + "/tasks.txt");
    if (!tasks.ok()) continue;
    const std::string job_id(absl::StripAsciiWhitespace(ReadFile(dir + "/job_id").value_or("")));
    const std::vector<std::string> ids = absl::StrSplit(*tasks, '\n', absl::SkipEmpty());
    for (size_t i = 0; i < ids.size(); ++i) {
      const std::optional<int> code = ReadExitCode(absl::StrCat(dir, "/", i, ".exit"));
      if (code.has_value() && IsFailure(*code)) {
        failed.push_back({ids[i], job_id, *code, absl::StrCat(dir, "/", i, ".log")});
      }
    }
  }
  return failed;
}

}  // namespace sparselab
