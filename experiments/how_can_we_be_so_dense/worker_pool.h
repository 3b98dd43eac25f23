// Runs independent commands as child processes, at most `jobs` at a time: the
// experiment re-executes its own binary (/proc/self/exe) once per (network,
// seed), each child single-threaded, so a 2-core machine trains two at once.
// Children inherit stdout/stderr (their progress lines carry their labels).
#ifndef SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_WORKER_POOL_H_
#define SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_WORKER_POOL_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace sparselab::hcwbsd {

// Starts commands[i] (argv, commands[i][0] the program) in order, keeping at
// most `jobs` running; calls on_done(i, exit_code) in this thread as each ends
// (exit_code 128 + signal when killed by a signal). Errors only when a child
// cannot be started or waited for; failing children are reported via on_done.
absl::Status RunWorkers(const std::vector<std::vector<std::string>>& commands, int jobs,
                        const std::function<void(size_t, int)>& on_done);

}  // namespace sparselab::hcwbsd

#endif  // SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_WORKER_POOL_H_
