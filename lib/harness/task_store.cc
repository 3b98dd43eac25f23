#include "lib/harness/task_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/base/file_io.h"
#include "lib/base/status_macros.h"

namespace sparselab {
namespace {

constexpr char kSeedInfix[] = "-seed";

}  // namespace

std::string Task::id() const { return absl::StrCat(row, kSeedInfix, seed); }

std::optional<std::pair<std::string, int64_t>> ParseTaskId(const std::string& id) {
  const size_t at = id.rfind(kSeedInfix);
  if (at == std::string::npos || at == 0) return std::nullopt;
  int64_t seed = 0;
  if (!absl::SimpleAtoi(id.substr(at + std::strlen(kSeedInfix)), &seed)) return std::nullopt;
  return std::make_pair(id.substr(0, at), seed);
}

TaskStore::TaskStore(std::string root, std::string record_file, int code_version)
    : root_(std::move(root)), record_file_(std::move(record_file)), code_version_(code_version) {}

std::string TaskStore::Dir(const Task& task) const { return absl::StrCat(root_, "/", task.id()); }
std::string TaskStore::RecordPath(const Task& task) const {
  return absl::StrCat(Dir(task), "/", record_file_);
}
std::string TaskStore::PartialPath(const Task& task) const {
  return absl::StrCat(Dir(task), "/partial-", record_file_);
}
std::string TaskStore::CheckpointPath(const Task& task) const {
  return absl::StrCat(Dir(task), "/checkpoint.pt");
}

nlohmann::json TaskStore::Stamp(const Task& task) const {
  nlohmann::json stamp = task.key.is_object() ? task.key : nlohmann::json{{"key", task.key}};
  if (code_version_ > 0) stamp["code_version"] = code_version_;
  return stamp;
}

absl::StatusOr<std::optional<nlohmann::json>> TaskStore::LoadFile(const Task& task,
                                                                  const std::string& path,
                                                                  std::string* stale) const {
  absl::StatusOr<nlohmann::json> record = ReadJsonFile(path);
  if (!record.ok()) {
    if (record.status().code() == absl::StatusCode::kNotFound) return std::nullopt;
    return absl::DataLossError(absl::StrCat(
        record.status().message(), ": the record of task ", task.id(),
        " is corrupt; delete ", Dir(task), " to run the task again"));
  }
  if (!record->is_object() || !record->contains("task") || (*record)["task"] != Stamp(task)) {
    if (stale != nullptr) {
      *stale = absl::StrCat(path, " was computed with another config, epochs or code version");
    }
    return std::nullopt;
  }
  return *std::move(record);
}

absl::StatusOr<std::optional<nlohmann::json>> TaskStore::Load(const Task& task,
                                                              std::string* stale) const {
  return LoadFile(task, RecordPath(task), stale);
}

absl::StatusOr<std::optional<nlohmann::json>> TaskStore::LoadPartial(const Task& task) const {
  return LoadFile(task, PartialPath(task), nullptr);
}

absl::Status TaskStore::Save(const Task& task, nlohmann::json record) const {
  RETURN_IF_ERROR(MakeDirs(Dir(task)));
  record["task"] = Stamp(task);
  RETURN_IF_ERROR(WriteJsonAtomically(RecordPath(task), record));
  std::remove(PartialPath(task).c_str());
  return absl::OkStatus();
}

absl::Status TaskStore::SavePartial(const Task& task, nlohmann::json record) const {
  RETURN_IF_ERROR(MakeDirs(Dir(task)));
  record["task"] = Stamp(task);
  return WriteJsonAtomically(PartialPath(task), record);
}

std::vector<std::string> TaskStore::ListIds() const {
  std::vector<std::string> ids;
  for (const std::string& name : ListFolder(root_)) {
    if (ParseTaskId(name).has_value() && IsFolder(absl::StrCat(root_, "/", name))) {
      ids.push_back(name);
    }
  }
  return ids;
}

int TaskStore::RemoveStaleTemporaries() const {
  int removed = sparselab::RemoveStaleTemporaries(root_);
  for (const std::string& id : ListIds()) {
    removed += sparselab::RemoveStaleTemporaries(absl::StrCat(root_, "/", id));
  }
  return removed;
}

TaskStore::Claim::Claim(Claim&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
TaskStore::Claim& TaskStore::Claim::operator=(Claim&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}
TaskStore::Claim::~Claim() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

absl::StatusOr<int> TaskStore::OpenLock(const Task& task) const {
  RETURN_IF_ERROR(MakeDirs(Dir(task)));
  const std::string path = absl::StrCat(Dir(task), "/.lock");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot open the task lock ", path, ": ", std::strerror(errno)));
  }
  return fd;
}

absl::StatusOr<std::optional<TaskStore::Claim>> TaskStore::TryClaim(const Task& task) const {
  ASSIGN_OR_RETURN(const int fd, OpenLock(task));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return std::nullopt;
    return absl::InternalError(absl::StrCat("locking task ", task.id(), ": ", std::strerror(err)));
  }
  return std::optional<Claim>(Claim(fd));
}

absl::StatusOr<TaskStore::Claim> TaskStore::WaitClaim(const Task& task) const {
  ASSIGN_OR_RETURN(const int fd, OpenLock(task));
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat("locking task ", task.id(), ": ", std::strerror(err)));
  }
  return Claim(fd);
}

}  // namespace sparselab
