// Data parallelism over c10d, with real processes on localhost
// (distributed_testbin): two ranks with per-rank batch 32 end with the same
// parameters and buffers as one process with batch 64 (to float summation
// tolerance) through KWinners boosting and RigL rewiring, and both ranks keep
// one topology; a rank that dies makes the other fail with a clear error
// within the timeout. Plus the rendezvous environment rules.
#include "lib/train/distributed.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <torch/serialize.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

std::string Bin() {
  return std::string(std::getenv("TEST_SRCDIR")) + "/sparselab/lib/train/distributed_testbin";
}
std::string Tmp(const std::string& name) { return std::string(std::getenv("TEST_TMPDIR")) + "/" + name; }

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Starts the test binary with `env` added, stderr to `log`.
pid_t Start(const std::vector<std::string>& args, const std::vector<std::string>& env,
            const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::freopen(log.c_str(), "w", stderr);
    std::vector<char*> argv = {const_cast<char*>(Bin().c_str())};
    static std::string bin = Bin();
    argv[0] = bin.data();
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// Exit code, or -1 after killing it when it runs past `limit`.
int Wait(pid_t pid, std::chrono::seconds limit, double* seconds = nullptr) {
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      if (seconds) *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() - start > limit) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<at::Tensor> Load(const std::string& path) {
  std::vector<at::Tensor> tensors;
  torch::load(tensors, path);
  return tensors;
}

std::vector<std::string> RankEnv(int port, int rank, int world) {
  return {"MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + std::to_string(port),
          "RANK=" + std::to_string(rank), "WORLD_SIZE=" + std::to_string(world)};
}

// 10 rows over 3 ranks: 4, 3, 3, contiguous and covering every row once.
TEST(ShareOfRowsTest, EqualSharesTheFirstRanksOneMore) {
  const RowShare a = ShareOfRows(10, 0, 3), b = ShareOfRows(10, 1, 3), c = ShareOfRows(10, 2, 3);
  EXPECT_EQ(a.begin, 0);
  EXPECT_EQ(a.size, 4);
  EXPECT_EQ(b.begin, 4);
  EXPECT_EQ(b.size, 3);
  EXPECT_EQ(c.begin, 7);
  EXPECT_EQ(c.size, 3);
  EXPECT_EQ(ShareOfRows(2, 2, 3).size, 0);  // more ranks than rows: the last gets none
  EXPECT_EQ(ShareOfRows(2, 2, 3).begin, 2);
  EXPECT_EQ(ShareOfRows(7, 0, 1).size, 7);
}

TEST(DataParallelTest, TwoRanksOfBatch32EqualOneProcessOfBatch64) {
  const std::string one = Tmp("one.pt"), two = Tmp("two.pt");
  ASSERT_EQ(Wait(Start({one, "64"}, {}, Tmp("one.log")), std::chrono::seconds(120)), 0)
      << Read(Tmp("one.log"));
  const int port = FreePort();
  const pid_t r0 = Start({two, "32"}, RankEnv(port, 0, 2), Tmp("r0.log"));
  const pid_t r1 = Start({two, "32"}, RankEnv(port, 1, 2), Tmp("r1.log"));
  ASSERT_EQ(Wait(r0, std::chrono::seconds(120)), 0) << Read(Tmp("r0.log"));
  ASSERT_EQ(Wait(r1, std::chrono::seconds(120)), 0) << Read(Tmp("r1.log"));

  const std::vector<at::Tensor> a = Load(one), b = Load(two);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].sizes(), b[i].sizes()) << "tensor " << i;
    if (at::isFloatingType(a[i].scalar_type())) {
      EXPECT_TRUE(at::allclose(a[i], b[i], 1e-4, 1e-5))
          << "tensor " << i << ": max difference " << (a[i] - b[i]).abs().max().item<double>();
    } else {
      EXPECT_TRUE(at::equal(a[i], b[i])) << "tensor " << i;  // patterns, counters
    }
  }
  // Both ranks ended with one topology, and it is the one process's.
  const std::vector<at::Tensor> p0 = Load(two + ".rank0"), p1 = Load(two + ".rank1"),
                                p = Load(one + ".rank0");
  EXPECT_TRUE(at::equal(p0[1], p1[1]) && at::equal(p0[0], p1[0]));
  EXPECT_TRUE(at::equal(p0[1], p[1]));
  // RigL really moved connections (the binary fails otherwise) and both ran 8 steps.
  EXPECT_NE(Read(Tmp("r1.log")).find("rank 1: 8 steps"), std::string::npos) << Read(Tmp("r1.log"));
}

// BatchNorm's running statistics come from each rank's own shard; the end of
// every epoch broadcasts rank 0's (as DDP's broadcast_buffers), so every rank
// evaluates and monitors one model. Without that sync the two ranks' running
// means differ (their shards differ).
TEST(DataParallelTest, RanksEndWithRankZerosBatchNormStatistics) {
  const std::string two = Tmp("bn.pt");
  const int port = FreePort();
  std::vector<std::string> e0 = RankEnv(port, 0, 2), e1 = RankEnv(port, 1, 2);
  e0.push_back("TESTBIN_BATCHNORM=1");
  e1.push_back("TESTBIN_BATCHNORM=1");
  const pid_t r0 = Start({two, "32"}, e0, Tmp("bn0.log"));
  const pid_t r1 = Start({two, "32"}, e1, Tmp("bn1.log"));
  ASSERT_EQ(Wait(r0, std::chrono::seconds(120)), 0) << Read(Tmp("bn0.log"));
  ASSERT_EQ(Wait(r1, std::chrono::seconds(120)), 0) << Read(Tmp("bn1.log"));
  const std::vector<at::Tensor> b0 = Load(two + ".buffers.rank0"), b1 = Load(two + ".buffers.rank1");
  ASSERT_EQ(b0.size(), b1.size());
  bool moved = false;  // the running mean left its initial zeros
  for (size_t i = 0; i < b0.size(); ++i) {
    EXPECT_TRUE(at::equal(b0[i], b1[i])) << "buffer " << i;
    if (b0[i].sizes() == at::IntArrayRef{32} && at::isFloatingType(b0[i].scalar_type()) &&
        b0[i].abs().max().item<double>() > 0 && b0[i].abs().max().item<double>() != 1.0) {
      moved = true;
    }
  }
  EXPECT_TRUE(moved) << "no BatchNorm running statistic changed: the test checks nothing";
  EXPECT_NE(Read(Tmp("bn0.log")).find("rank 0: 8 steps"), std::string::npos) << Read(Tmp("bn0.log"));
}

TEST(DataParallelTest, ADyingRankMakesTheOtherFailWithinTheTimeout) {
  const int port = FreePort();
  const pid_t r0 = Start({Tmp("dead.pt"), "32"}, RankEnv(port, 0, 2), Tmp("d0.log"));
  const pid_t r1 = Start({Tmp("dead.pt"), "32", "3"}, RankEnv(port, 1, 2), Tmp("d1.log"));
  EXPECT_EQ(Wait(r1, std::chrono::seconds(60)), 3) << Read(Tmp("d1.log"));
  double seconds = 0;
  const int code = Wait(r0, std::chrono::seconds(60), &seconds);  // the group's timeout is 20 s
  EXPECT_EQ(code, 1) << "rank 0 did not fail by itself\n" << Read(Tmp("d0.log"));
  const std::string log = Read(Tmp("d0.log"));
  EXPECT_NE(log.find("error: "), std::string::npos) << log;
  EXPECT_NE(log.find("failed on rank 0 of 2"), std::string::npos) << log;
  EXPECT_NE(log.find("another rank died"), std::string::npos) << log;
}

class EnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : {"MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE", "LOCAL_RANK",
                          "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_JOB_NODELIST"}) {
      ::unsetenv(v);
    }
  }
};

TEST_F(EnvTest, TorchrunThenSlurmThenNone) {
  auto none = DistributedEnvFromEnvironment();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  ::setenv("SLURM_PROCID", "3", 1);
  ::setenv("SLURM_NTASKS", "4", 1);
  ::setenv("SLURM_LOCALID", "1", 1);
  ::setenv("SLURM_JOB_NODELIST", "cn[07-09,12],gpu1", 1);
  auto slurm = DistributedEnvFromEnvironment();
  ASSERT_TRUE(slurm.ok() && slurm->has_value()) << slurm.status();
  EXPECT_EQ((*slurm)->rank, 3);
  EXPECT_EQ((*slurm)->world_size, 4);
  EXPECT_EQ((*slurm)->local_rank, 1);
  EXPECT_EQ((*slurm)->master_addr, "cn07");
  EXPECT_EQ((*slurm)->master_port, 29500);

  ::setenv("MASTER_ADDR", "10.0.0.1", 1);
  ::setenv("MASTER_PORT", "1234", 1);
  ::setenv("RANK", "1", 1);
  ::setenv("WORLD_SIZE", "2", 1);
  auto torchrun = DistributedEnvFromEnvironment();
  ASSERT_TRUE(torchrun.ok() && torchrun->has_value());
  EXPECT_EQ((*torchrun)->rank, 1);
  EXPECT_EQ((*torchrun)->world_size, 2);
  EXPECT_EQ((*torchrun)->master_addr, "10.0.0.1");
  EXPECT_EQ((*torchrun)->master_port, 1234);

  ::setenv("RANK", "2", 1);
  EXPECT_NE(DistributedEnvFromEnvironment().status().message().find("not below the world size"),
            std::string::npos);
  ::unsetenv("MASTER_PORT");
  EXPECT_NE(DistributedEnvFromEnvironment().status().message().find("set all of MASTER_ADDR"),
            std::string::npos);
}

TEST(FirstSlurmHostTest, Forms) {
  EXPECT_EQ(FirstSlurmHost("node1"), "node1");
  EXPECT_EQ(FirstSlurmHost("node1,node2"), "node1");
  EXPECT_EQ(FirstSlurmHost("node[003-005]"), "node003");
  EXPECT_EQ(FirstSlurmHost("a[7,9]"), "a7");
  EXPECT_EQ(FirstSlurmHost("gpu1,cn[1-2]"), "gpu1");
}

}  // namespace
}  // namespace sparselab
