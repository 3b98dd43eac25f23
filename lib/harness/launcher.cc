#include "lib/harness/launcher.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

extern char** environ;

namespace sparselab {

WorkerCommand WithTaskIndex(const WorkerCommand& command, const std::string& value) {
  WorkerCommand out;
  for (const std::string& arg : command) {
    out.push_back(absl::StrReplaceAll(arg, {{kTaskIndex, value}}));
  }
  return out;
}

absl::Status Launcher::RunArray(const WorkerCommand& command, size_t size,
                                const std::function<void(size_t, int)>& on_done) {
  std::vector<WorkerCommand> commands;
  for (size_t i = 0; i < size; ++i) commands.push_back(WithTaskIndex(command, std::to_string(i)));
  return Run(commands, on_done);
}

absl::Status LocalLauncher::Run(const std::vector<WorkerCommand>& commands,
                                const std::function<void(size_t, int)>& on_done) {
  if (jobs_ < 1) return absl::InvalidArgumentError("--jobs must be at least 1");
  std::map<pid_t, size_t> running;
  size_t next = 0;
  absl::Status status;
  while (next < commands.size() || !running.empty()) {
    while (status.ok() && next < commands.size() && running.size() < static_cast<size_t>(jobs_)) {
      if (commands[next].empty()) {
        status = absl::InvalidArgumentError("empty worker command");
        break;
      }
      std::vector<char*> argv;
      for (const std::string& arg : commands[next]) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      pid_t pid = 0;
      const int err = ::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
      if (err != 0) {
        status = absl::InternalError(
            absl::StrCat("cannot start worker ", argv[0], ": ", std::strerror(err)));
        break;
      }
      running[pid] = next++;
    }
    if (running.empty()) break;  // only after a start failure
    int wstatus = 0;
    const pid_t pid = ::waitpid(-1, &wstatus, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("waitpid failed: ", std::strerror(errno)));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;  // not one of ours
    const size_t index = it->second;
    running.erase(it);
    const int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
                                        : (WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : 1);
    on_done(index, code);
  }
  return status;
}

}  // namespace sparselab
