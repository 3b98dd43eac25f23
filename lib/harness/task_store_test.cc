#include "lib/harness/task_store.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "lib/base/file_io.h"

namespace sparselab {
namespace {

std::string Root(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

Task MakeTask(const std::string& row, int64_t seed, int epochs = 3) {
  return {row, seed, {{"row", row}, {"epochs", epochs}}};
}

TEST(TaskIdTest, RoundTrips) {
  EXPECT_EQ(MakeTask("sparseCNN2", 42).id(), "sparseCNN2-seed42");
  EXPECT_EQ(ParseTaskId("sparseCNN2-seed42"), std::make_pair(std::string("sparseCNN2"), int64_t{42}));
  EXPECT_EQ(ParseTaskId("a-seed-3"), std::make_pair(std::string("a"), int64_t{-3}));
  EXPECT_EQ(ParseTaskId("x-seed1-seed2"), std::make_pair(std::string("x-seed1"), int64_t{2}));
  EXPECT_FALSE(ParseTaskId("noseed").has_value());
  EXPECT_FALSE(ParseTaskId("-seed1").has_value());
  EXPECT_FALSE(ParseTaskId("a-seedx").has_value());
}

TEST(TaskStoreTest, SaveLoadStaleAndPartial) {
  const TaskStore store(Root("save"), "result.json");
  const Task task = MakeTask("dense", 1);
  EXPECT_FALSE(store.Load(task)->has_value());
  ASSERT_TRUE(store.SavePartial(task, {{"rows", {1}}}).ok());
  EXPECT_FALSE(store.Load(task)->has_value());
  EXPECT_EQ((**store.LoadPartial(task))["rows"], nlohmann::json({1}));
  ASSERT_TRUE(store.Save(task, {{"rows", {2}}}).ok());
  const auto record = *store.Load(task);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ((*record)["rows"], nlohmann::json({2}));
  EXPECT_EQ((*record)["task"], task.key);
  EXPECT_FALSE(FileExists(store.PartialPath(task))) << "a finished task keeps no partial record";
  // Another key (other epochs) or another code version: stale, with a reason.
  std::string why;
  EXPECT_FALSE(store.Load(MakeTask("dense", 1, 4), &why)->has_value());
  EXPECT_NE(why.find("another config"), std::string::npos) << why;
  EXPECT_FALSE(TaskStore(Root("save"), "result.json", 2).Load(task)->has_value());
  // Records of another preset live beside, under their own name.
  EXPECT_FALSE(TaskStore(Root("save"), "result-quick.json").Load(task)->has_value());
  EXPECT_EQ(store.ListIds(), std::vector<std::string>{"dense-seed1"});
}

TEST(TaskStoreTest, CodeVersionIsPartOfTheStamp) {
  const TaskStore v2(Root("version"), "result.json", 2);
  const Task task = MakeTask("a", 7);
  ASSERT_TRUE(v2.Save(task, nlohmann::json::object()).ok());
  EXPECT_EQ((**v2.Load(task))["task"]["code_version"], 2);
  EXPECT_FALSE(TaskStore(Root("version"), "result.json", 3).Load(task)->has_value());
  EXPECT_FALSE(TaskStore(Root("version"), "result.json").Load(task)->has_value());
}

TEST(TaskStoreTest, CorruptRecordIsAnErrorNamingTheTaskAndTheFix) {
  const TaskStore store(Root("corrupt"), "result.json");
  const Task task = MakeTask("a", 1);
  ASSERT_TRUE(MakeDirs(store.Dir(task)).ok());
  ASSERT_TRUE(WriteFileAtomically(store.RecordPath(task), "{\"rows\": [").ok());
  const absl::Status s = store.Load(task).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("a-seed1 is corrupt; delete " + store.Dir(task)), std::string::npos) << s;
}

TEST(TaskStoreTest, ClaimsAreExclusiveAndDieWithTheirProcess) {
  const TaskStore store(Root("claim"), "result.json");
  const Task task = MakeTask("a", 1);
  {
    auto first = store.TryClaim(task);
    ASSERT_TRUE(first.ok() && first->has_value());
    auto second = store.TryClaim(task);
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(second->has_value()) << "a held task cannot be claimed twice";
    auto other = store.TryClaim(MakeTask("b", 1));
    EXPECT_TRUE(other.ok() && other->has_value());
  }
  EXPECT_TRUE(store.TryClaim(task)->has_value()) << "released when the claim is destroyed";

  // A child holds the claim and is killed with SIGKILL: the claim is free again.
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    auto claim = store.TryClaim(task);
    char c = claim.ok() && claim->has_value() ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  EXPECT_FALSE(store.TryClaim(task)->has_value());
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  auto after = store.WaitClaim(task);
  EXPECT_TRUE(after.ok()) << after.status();
}

}  // namespace
}  // namespace sparselab
