#include "lib/base/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sparselab {

namespace {

constexpr char kTemporarySuffix[] = ".tmp";

// The pid in a temporary's name "<target>.<pid>.tmp"; 0 for any other name.
pid_t TemporaryOwner(const std::string& name) {
  const size_t suffix = name.size() - std::strlen(kTemporarySuffix);
  if (name.size() <= std::strlen(kTemporarySuffix) || name.compare(suffix, std::string::npos,
                                                                   kTemporarySuffix) != 0) {
    return 0;
  }
  const size_t dot = name.rfind('.', suffix - 1);
  if (dot == std::string::npos || dot + 1 >= suffix) return 0;
  int64_t pid = 0;
  for (size_t i = dot + 1; i < suffix; ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 1 << 30) return 0;
    pid = 10 * pid + (name[i] - '0');
  }
  return static_cast<pid_t>(pid);
}

// An error for writing `path` (through `tmp`) that names the file, the cause
// and what became of the previous contents.
absl::Status WriteError(const std::string& path, const std::string& tmp, const std::string& step,
                        int err) {
  std::string hint;
  if (err == ENOSPC || err == EDQUOT) hint = " (the disk is full: free space and run again)";
  if (err == EACCES || err == EROFS) hint = " (is the folder there and writable?)";
  if (err == ENOENT) hint = " (is the folder there?)";
  return absl::InternalError(absl::StrCat("cannot write ", path, ": ", step, " ", tmp, " failed: ",
                                          std::strerror(err), hint, "; ", path,
                                          " is as it was before"));
}

}  // namespace

int RemoveStaleTemporaries(const std::string& folder) {
  int removed = 0;
  for (const std::string& name : ListFolder(folder)) {
    const pid_t owner = TemporaryOwner(name);
    if (owner <= 0 || owner == ::getpid()) continue;
    if (::kill(owner, 0) == 0 || errno == EPERM) continue;  // its writer is still running
    if (std::remove(absl::StrCat(folder, "/", name).c_str()) == 0) ++removed;
  }
  return removed;
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& contents) {
  // The temporary file sits beside the target so that rename() stays within one
  // file system and is atomic; its name carries the writer's pid, so that two
  // processes never share one and a later writer can tell a dead writer's.
  RemoveStaleTemporaries(Dirname(path));
  const std::string tmp = absl::StrCat(path, ".", ::getpid(), kTemporarySuffix);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return WriteError(path, tmp, "creating its temporary", errno);
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return WriteError(path, tmp, "writing its temporary", err);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return WriteError(path, tmp, "flushing its temporary", err);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return WriteError(path, tmp, "closing its temporary", err);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return WriteError(path, tmp, "renaming its temporary", err);
  }
  return absl::OkStatus();
}

absl::Status WriteJsonAtomically(const std::string& path, const nlohmann::json& value) {
  return WriteFileAtomically(path, value.dump(2) + "\n");
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  nlohmann::json value = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not valid JSON"));
  }
  return value;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool IsFolder(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> ListFolder(const std::string& path) {
  std::vector<std::string> names;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return names;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

absl::Status MakeDirs(const std::string& path) {
  std::string partial = path.rfind('/', 0) == 0 ? "/" : "";
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    partial += std::string(part) + "/";
    if (part == ".") continue;
    if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot create folder ", partial, ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string SelfExecutable() {
  char path[4096] = {0};
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string();
}

}  // namespace sparselab
