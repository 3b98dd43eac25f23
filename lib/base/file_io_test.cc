#include "lib/base/file_io.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

std::string TmpDir() { return std::getenv("TEST_TMPDIR"); }

int TemporaryFilesIn(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  int count = 0;
  while (dirent* e = readdir(d)) count += std::string(e->d_name).find(".tmp") != std::string::npos;
  closedir(d);
  return count;
}

TEST(WriteJsonAtomicallyTest, WritesAndReplacesWithoutLeavingTemporaries) {
  const std::string dir = TmpDir() + "/replace";
  ASSERT_TRUE(MakeDirs(dir).ok());
  const std::string path = dir + "/result.json";
  ASSERT_TRUE(WriteJsonAtomically(path, {{"a", 1}}).ok());
  ASSERT_TRUE(WriteJsonAtomically(path, {{"a", 2}}).ok());
  absl::StatusOr<nlohmann::json> back = ReadJsonFile(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)["a"], 2);
  EXPECT_EQ(*ReadFile(path), "{\n  \"a\": 2\n}\n");
  EXPECT_EQ(TemporaryFilesIn(dir), 0);
}

TEST(WriteFileAtomicallyTest, MissingFolderIsAnErrorNamingThePath) {
  const absl::Status s = WriteFileAtomically("/nonexistent-dir/result.json", "x");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent-dir/result.json"), std::string::npos) << s;
}

TEST(WriteFileAtomicallyTest, FailedRenameKeepsTheOldContentsAndLeavesNoTemporary) {
  // A folder where the file should go: the rename fails after the data were
  // written, which must leave the folder and its contents as they were.
  const std::string dir = TmpDir() + "/rename";
  ASSERT_TRUE(MakeDirs(dir + "/target").ok());
  std::ofstream(dir + "/target/keep.txt") << "old";
  EXPECT_FALSE(WriteFileAtomically(dir + "/target", "new").ok());
  EXPECT_EQ(*ReadFile(dir + "/target/keep.txt"), "old");
  EXPECT_EQ(TemporaryFilesIn(dir), 0);
}

// A write that fails midway (here: the file-size limit, as a full disk would)
// names the file and the cause, and leaves the previous contents and no
// temporary behind.
TEST(WriteFileAtomicallyTest, FailedWriteNamesPathAndCauseAndKeepsThePreviousFile) {
  const std::string dir = TmpDir() + "/too_large";
  ASSERT_TRUE(MakeDirs(dir).ok());
  const std::string path = dir + "/checkpoint.pt";
  ASSERT_TRUE(WriteFileAtomically(path, "previous").ok());
  struct rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct rlimit small = old_limit;
  small.rlim_cur = 4096;
  void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of a signal
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  const absl::Status s = WriteFileAtomically(path, std::string(100000, 'x'));
  setrlimit(RLIMIT_FSIZE, &old_limit);
  signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot write " + path + ": writing its temporary"),
            std::string::npos) << s;
  EXPECT_NE(s.message().find(std::strerror(EFBIG)), std::string::npos) << s;
  EXPECT_NE(s.message().find(path + " is as it was before"), std::string::npos) << s;
  EXPECT_EQ(*ReadFile(path), "previous");
  EXPECT_EQ(TemporaryFilesIn(dir), 0);
}

// A writer killed mid-write leaves "<target>.<pid>.tmp"; the next write into
// the folder removes it, but never a running process's temporary or a file
// that only looks alike.
TEST(WriteFileAtomicallyTest, RemovesTemporariesOfDeadWritersOnly) {
  const std::string dir = TmpDir() + "/stale";
  ASSERT_TRUE(MakeDirs(dir).ok());
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);  // reaped: the pid runs nothing now
  const std::string dead = dir + "/result.json." + std::to_string(child) + ".tmp";
  const std::string live = dir + "/checkpoint.pt." + std::to_string(getppid()) + ".tmp";
  const std::string other = dir + "/notes.tmp";
  for (const std::string& f : {dead, live, other}) std::ofstream(f) << "half";
  ASSERT_TRUE(WriteFileAtomically(dir + "/partial-result.json", "{}").ok());
  EXPECT_FALSE(FileExists(dead));
  EXPECT_TRUE(FileExists(live));
  EXPECT_TRUE(FileExists(other));
  EXPECT_EQ(RemoveStaleTemporaries(dir), 0);
}

TEST(ReadJsonFileTest, MissingIsNotFoundAndMalformedNamesTheFile) {
  EXPECT_EQ(ReadJsonFile("/nonexistent.json").status().code(), absl::StatusCode::kNotFound);
  const std::string path = TmpDir() + "/broken.json";
  std::ofstream(path) << "{\"a\": ";
  const absl::Status s = ReadJsonFile(path).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(path), std::string::npos);
}

TEST(MakeDirsTest, CreatesNestedFoldersAndAcceptsExistingOnes) {
  const std::string dir = TmpDir() + "/a/b/./c";
  ASSERT_TRUE(MakeDirs(dir).ok());
  EXPECT_TRUE(FileExists(TmpDir() + "/a/b/c"));
  EXPECT_TRUE(MakeDirs(dir).ok());
  std::ofstream(TmpDir() + "/a/file") << "x";
  EXPECT_FALSE(MakeDirs(TmpDir() + "/a/file/d").ok());
}

TEST(ListFolderTest, SortedNamesAndFolders) {
  const std::string dir = TmpDir() + "/list";
  ASSERT_TRUE(MakeDirs(dir + "/b").ok());
  std::ofstream(dir + "/c") << "x";
  std::ofstream(dir + "/a") << "x";
  EXPECT_EQ(ListFolder(dir), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(IsFolder(dir + "/b"));
  EXPECT_FALSE(IsFolder(dir + "/a"));
  EXPECT_TRUE(ListFolder(dir + "/missing").empty());
}

TEST(PathTest, DirnameAndBasename) {
  EXPECT_EQ(Dirname("a/b/c.json"), "a/b");
  EXPECT_EQ(Dirname("c.json"), ".");
  EXPECT_EQ(Dirname("/c.json"), "/");
  EXPECT_EQ(Basename("a/b/c.json"), "c.json");
  EXPECT_EQ(Basename("c.json"), "c.json");
}

TEST(SelfExecutableTest, IsThisTestBinary) {
  const std::string self = SelfExecutable();
  EXPECT_TRUE(FileExists(self));
  EXPECT_NE(self.find("file_io_test"), std::string::npos) << self;
}

}  // namespace
}  // namespace sparselab
