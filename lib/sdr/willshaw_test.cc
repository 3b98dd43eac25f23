#include "lib/sdr/willshaw.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <string>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

using Idx = std::vector<int64_t>;

WillshawMemory Make(int64_t nx, int64_t ny) {
  WillshawOptions o;
  o.input_size = nx;
  o.output_size = ny;
  absl::StatusOr<WillshawMemory> m = WillshawMemory::Create(o);
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

// k distinct indices of [0, n), sorted, by rejection (k << n here).
Idx RandomCode(int64_t n, int64_t k, std::mt19937_64& rng) {
  std::uniform_int_distribution<int64_t> d(0, n - 1);
  Idx out;
  while (static_cast<int64_t>(out.size()) < k) {
    const int64_t i = d(rng);
    if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Hand example: W rows after storing ({0,1},{0,2}), ({1,2},{1,3}),
// ({3,4},{2,4}) on 6 x 5 units are
//   row0 {0,2}  row1 {0,1,2,3}  row2 {1,3}  row3 {2,4}  row4 {2,4}  row5 {}.
TEST(WillshawTest, HandExample) {
  WillshawMemory m = Make(6, 5);
  ASSERT_TRUE(m.Store({0, 1}, {0, 2}).ok());
  ASSERT_TRUE(m.Store({1, 2}, {1, 3}).ok());
  ASSERT_TRUE(m.Store({3, 4}, {2, 4}).ok());
  EXPECT_EQ(m.stored_pairs(), 3);
  EXPECT_EQ(m.SetSynapses(), 12);
  EXPECT_TRUE(m.Synapse(1, 3));
  EXPECT_FALSE(m.Synapse(0, 1));
  EXPECT_EQ(*m.Recall({0, 1}), (Idx{0, 2}));
  EXPECT_EQ(*m.Recall({1, 2}), (Idx{1, 3}));
  EXPECT_EQ(*m.Recall({3, 4}), (Idx{2, 4}));
  // row1 AND row3 = {2}; row0 AND row2 = {}; row1 OR row3 = all.
  EXPECT_EQ(*m.Recall({1, 3}), (Idx{2}));
  EXPECT_EQ(*m.Recall({0, 2}), Idx{});
  EXPECT_EQ(*m.Recall({1, 3}, 1), (Idx{0, 1, 2, 3, 4}));
  EXPECT_EQ(*m.Recall({5}), Idx{});
  // Dendrites of {0,1,3}: unit0 rows 0,1; unit1 row 1; unit2 rows 0,1,3;
  // unit3 row 1; unit4 row 3.
  EXPECT_EQ(*m.Dendrites({0, 1, 3}), (Idx{2, 1, 3, 1, 1}));
  EXPECT_EQ(*m.Recall({0, 1, 3}), (Idx{2}));
  EXPECT_EQ(*m.Recall({0, 1, 3}, 2), (Idx{0, 2}));
}

// A few random pairs in a large memory: every stored pair comes back exactly,
// and a half cue (threshold |cue|) recalls y exactly too.
TEST(WillshawTest, ExactBelowCapacity) {
  std::mt19937_64 rng(7);
  WillshawMemory m = Make(4096, 4096);
  std::vector<Idx> xs, ys;
  for (int p = 0; p < 20; ++p) {
    xs.push_back(RandomCode(4096, 32, rng));
    ys.push_back(RandomCode(4096, 32, rng));
    ASSERT_TRUE(m.Store(xs.back(), ys.back()).ok());
  }
  for (int p = 0; p < 20; ++p) {
    EXPECT_EQ(*m.Recall(xs[p]), ys[p]) << "pair " << p;
    Idx half(xs[p].begin(), xs[p].begin() + 16);
    EXPECT_EQ(*m.Recall(half), ys[p]) << "half cue " << p;
  }
}

// A dense bool matrix twin, storing and recalling by the definition.
TEST(WillshawTest, MatchesDenseTwin) {
  std::mt19937_64 rng(11);
  const int64_t nx = 200, ny = 130;  // ny not a multiple of 64
  WillshawMemory m = Make(nx, ny);
  std::vector<std::vector<bool>> w(nx, std::vector<bool>(ny, false));
  for (int p = 0; p < 300; ++p) {
    Idx x = RandomCode(nx, 6, rng), y = RandomCode(ny, 5, rng);
    ASSERT_TRUE(m.Store(x, y).ok());
    for (int64_t i : x)
      for (int64_t j : y) w[i][j] = true;
  }
  int64_t ones = 0;
  for (int64_t i = 0; i < nx; ++i)
    for (int64_t j = 0; j < ny; ++j) {
      ASSERT_EQ(m.Synapse(i, j), w[i][j]);
      ones += w[i][j];
    }
  EXPECT_EQ(m.SetSynapses(), ones);
  for (int t = 0; t < 200; ++t) {
    Idx cue = RandomCode(nx, 1 + t % 8, rng);
    const int64_t theta = t % 3 == 0 ? 0 : 1 + t % static_cast<int>(cue.size());
    const int64_t need = theta == 0 ? static_cast<int64_t>(cue.size()) : theta;
    Idx want;
    for (int64_t j = 0; j < ny; ++j) {
      int64_t c = 0;
      for (int64_t i : cue) c += w[i][j];
      if (c >= need) want.push_back(j);
    }
    EXPECT_EQ(*m.Recall(cue, theta), want) << "trial " << t;
  }
}

// Spurious bits of a perfect cue, averaged over independent memories, against
// (ny - ky) p1^kx. Parameters with many pairs per output unit (M ky / ny ~ 366)
// so the closed form's independence assumption holds; p1 ~ 0.3.
TEST(WillshawTest, SpuriousBitsFollowClosedForm) {
  const int64_t nx = 4096, ny = 256, kx = 4, ky = 8, pairs = 11700;
  std::mt19937_64 rng(2026);
  std::vector<double> samples;
  for (int trial = 0; trial < 40; ++trial) {
    WillshawMemory m = Make(nx, ny);
    std::vector<Idx> xs, ys;
    for (int64_t p = 0; p < pairs; ++p) {
      xs.push_back(RandomCode(nx, kx, rng));
      ys.push_back(RandomCode(ny, ky, rng));
      ASSERT_TRUE(m.Store(xs.back(), ys.back()).ok());
    }
    for (int c = 0; c < 10; ++c) {
      Idx got = *m.Recall(xs[c]);
      // Stored bits always come back; the rest are spurious.
      for (int64_t j : ys[c])
        ASSERT_TRUE(std::binary_search(got.begin(), got.end(), j));
      samples.push_back(static_cast<double>(got.size() - ys[c].size()));
    }
  }
  double mean = 0, var = 0;
  for (double s : samples) mean += s;
  mean /= samples.size();
  for (double s : samples) var += (s - mean) * (s - mean);
  var /= samples.size() - 1;
  const double se = std::sqrt(var / samples.size());
  const double expected = WillshawExpectedSpuriousBits(nx, ny, kx, ky, pairs);
  // p1 = 1 - (1 - 32/2^20)^11700 = 0.30027..; E = 248 p1^4 = 2.0160..
  EXPECT_NEAR(WillshawSynapseProbability(nx, ny, kx, ky, pairs), 0.30027,
              1e-4);
  EXPECT_NEAR(expected, 2.0160, 1e-3);
  EXPECT_NEAR(mean, expected, 4 * se) << "se " << se;
  EXPECT_GT(se, 0.0);
}

// The library's own capacity measurement against the closed forms: at the
// test above's setting (one memory, 400 cues) and at a nearly empty memory,
// where every recall is perfect.
TEST(WillshawTest, SimulationFollowsClosedForms) {
  WillshawSimulationOptions o;
  o.nx = 4096;
  o.ny = 256;
  o.kx = 4;
  o.ky = 8;
  o.pairs = 11700;
  o.cues = 400;
  o.seed = 7;
  auto r = SimulateWillshaw(o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->missing_bits, 0);
  EXPECT_NEAR(r->mean_spurious_bits, 2.0160, 4 * r->spurious_bits_se);
  EXPECT_NEAR(r->synapse_fill, 0.30027, 0.01);  // p1; its binomial sd is 0.0009
  // P(no spurious bit) = (1 - p1^4)^248 = (1 - 0.0081290)^248 = 0.13209: 400 cues, sd 0.017.
  EXPECT_NEAR(WillshawPerfectRecallProbability(4096, 256, 4, 8, 11700), 0.13209, 1e-4);
  EXPECT_NEAR(r->perfect_recall_fraction, 0.13209, 0.07);
  o.pairs = 10;
  o.cues = 10;
  r = SimulateWillshaw(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->perfect_recall_fraction, 1.0);
  EXPECT_EQ(r->synapse_fill, 10.0 * 4 * 8 / (4096.0 * 256));  // no two pairs overlap here
  o.cues = 11;
  EXPECT_FALSE(SimulateWillshaw(o).ok());  // more cues than pairs
}

TEST(WillshawTest, ByteSize) {
  EXPECT_EQ(Make(4096, 4096).ByteSize(), 2 * 1024 * 1024);
  EXPECT_EQ(Make(3, 65).ByteSize(), 3 * 2 * 8);  // 65 bits -> 2 words a row
}

TEST(WillshawTest, BadInput) {
  WillshawOptions o;
  o.input_size = 0;
  o.output_size = 8;
  EXPECT_EQ(WillshawMemory::Create(o).status().code(),
            absl::StatusCode::kInvalidArgument);
  o.input_size = 8;
  o.output_size = -1;
  EXPECT_FALSE(WillshawMemory::Create(o).ok());
  WillshawMemory m = Make(8, 8);
  EXPECT_FALSE(m.Store({}, {1}).ok());
  EXPECT_FALSE(m.Store({1}, {}).ok());
  EXPECT_FALSE(m.Store({8}, {1}).ok());
  EXPECT_FALSE(m.Store({1}, {-1}).ok());
  EXPECT_FALSE(m.Store({1, 1}, {2}).ok());
  EXPECT_EQ(m.stored_pairs(), 0);
  EXPECT_EQ(m.SetSynapses(), 0);  // nothing stored on error
  EXPECT_FALSE(m.Recall({}).ok());
  EXPECT_FALSE(m.Recall({9}).ok());
  EXPECT_FALSE(m.Recall({1, 2}, 3).ok());
  EXPECT_FALSE(m.Recall({1, 2}, -1).ok());
  EXPECT_FALSE(m.Dendrites({}).ok());
  EXPECT_NE(m.Store({8}, {1}).message().find("out of range"),
            std::string::npos);
}

}  // namespace
}  // namespace sparselab
