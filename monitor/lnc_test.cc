#include "monitor/lnc.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "monitor/ksg.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

// A twin for 2-D points written without the tree or LibTorch: neighbours by
// sorting all distances, the principal axes of a 2 x 2 symmetric matrix in
// closed form (angle 0.5 atan2(2 b, a - c)).
double TwinCorrection2d(const Samples& p, int k, double alpha) {
  double total = 0.0;
  for (int64_t i = 0; i < p.n; ++i) {
    std::vector<int64_t> others;
    for (int64_t j = 0; j < p.n; ++j)
      if (j != i) others.push_back(j);
    auto dist = [&](int64_t j) {
      return std::max(std::fabs(p(j, 0) - p(i, 0)), std::fabs(p(j, 1) - p(i, 1)));
    };
    std::stable_sort(others.begin(), others.end(),
                     [&](int64_t a, int64_t b) { return dist(a) < dist(b); });
    double a = 0, b = 0, c = 0, box_x = 0, box_y = 0;
    for (int m = 0; m < k; ++m) {
      const double dx = p(others[m], 0) - p(i, 0), dy = p(others[m], 1) - p(i, 1);
      a += dx * dx;
      b += dx * dy;
      c += dy * dy;
      box_x = std::max(box_x, std::fabs(dx));
      box_y = std::max(box_y, std::fabs(dy));
    }
    const double theta = 0.5 * std::atan2(2 * b, a - c);
    double rect_u = 0, rect_v = 0;
    for (int m = 0; m < k; ++m) {
      const double dx = p(others[m], 0) - p(i, 0), dy = p(others[m], 1) - p(i, 1);
      rect_u = std::max(rect_u, std::fabs(std::cos(theta) * dx + std::sin(theta) * dy));
      rect_v = std::max(rect_v, std::fabs(-std::sin(theta) * dx + std::cos(theta) * dy));
    }
    const double log_rect = std::log(rect_u) + std::log(rect_v);
    const double log_box = std::log(box_x) + std::log(box_y);
    if (log_rect < log_box + std::log(alpha)) total += log_box - log_rect;
  }
  return total / static_cast<double>(p.n);
}

// y = x + small noise: the neighbourhoods are thin diagonal ridges.
Samples Ridge(int64_t n, double noise, uint64_t seed) {
  const Samples z = testing::StandardNormals(n, 2, seed);
  Samples p(n, 2);
  for (int64_t i = 0; i < n; ++i) {
    p(i, 0) = z(i, 0);
    p(i, 1) = z(i, 0) + noise * z(i, 1);
  }
  return p;
}

TEST(LncTest, ThreePointsByHand) {
  // Point 0 at the origin, neighbours (1, 1) and (-1, -0.5): the axis box is
  // 1 x 1 (log 0). The second moments [[2, 1.5], [1.5, 1.25]] have principal
  // angle 0.5 atan2(3, 0.75); the rotated box is |u| <= 1.4036, |v| <= 0.2213
  // (by hand), log = -1.1691 < log 0.5: point 0 gains 1.1691.
  Samples p = Samples::FromRows({{0, 0}, {1, 1}, {-1, -0.5}});
  const double theta = 0.5 * std::atan2(3.0, 0.75);
  const double u1 = std::cos(theta) + std::sin(theta);
  const double u2 = std::fabs(-std::cos(theta) - 0.5 * std::sin(theta));
  const double v1 = std::fabs(-std::sin(theta) + std::cos(theta));
  const double v2 = std::fabs(std::sin(theta) - 0.5 * std::cos(theta));
  const double log_rect0 = std::log(std::max(u1, u2)) + std::log(std::max(v1, v2));
  EXPECT_NEAR(log_rect0, -1.1691, 1e-4);
  // Points 1 and 2 see the other two as neighbours too; their own gains come
  // from the twin. Point 0's share is -log_rect0 / 3.
  auto lnc = LocalNonUniformityCorrection(p, 2, 0.5);
  ASSERT_TRUE(lnc.ok()) << lnc.status();
  EXPECT_NEAR(*lnc, TwinCorrection2d(p, 2, 0.5), 1e-12);
  EXPECT_GE(*lnc, -log_rect0 / 3 - 1e-12);
}

TEST(LncTest, EqualsTheTwinOnRandomRidges) {
  for (const double noise : {0.01, 0.3, 3.0}) {
    const Samples p = Ridge(300, noise, 11);
    for (const int k : {3, 5}) {
      for (const double alpha : {0.1, 0.5, 1.0}) {
        auto lnc = LocalNonUniformityCorrection(p, k, alpha, 1);
        ASSERT_TRUE(lnc.ok()) << lnc.status();
        EXPECT_NEAR(*lnc, TwinCorrection2d(p, k, alpha), 1e-10)
            << "noise " << noise << " k " << k << " alpha " << alpha;
      }
    }
  }
}

TEST(LncTest, CorrectsKsgTowardsTheTruthForStrongDependence) {
  // x ~ N(0, 1), y = x + 1e-4 e: I = 0.5 log(1 + 1 / 1e-4^2) = 9.21 nats,
  // far above what KSG can reach with 2,000 samples (about 6.3).
  const double truth = 0.5 * std::log(1.0 + 1e8);
  const Samples p = Ridge(2000, 1e-4, 5);
  Samples x(p.n, 1), y(p.n, 1);
  for (int64_t i = 0; i < p.n; ++i) {
    x(i, 0) = p(i, 0);
    y(i, 0) = p(i, 1);
  }
  KsgOptions plain;
  plain.num_threads = 1;
  KsgOptions corrected = plain;
  corrected.lnc_alpha = 0.25;
  auto ksg = KsgMutualInformation(x, y, plain);
  auto lnc = KsgMutualInformation(x, y, corrected);
  ASSERT_TRUE(ksg.ok() && lnc.ok());
  EXPECT_LT(*ksg, truth - 2.0);
  EXPECT_GT(*lnc, *ksg + 2.0);
  EXPECT_LT(std::fabs(*lnc - truth), 0.5);
}

TEST(LncTest, IndependentDataGetsLittleCorrectionAndAlphaZeroIsKsg) {
  const Samples p = testing::StandardNormals(2000, 2, 3);
  auto lnc = LocalNonUniformityCorrection(p, 3, 0.1, 1);
  ASSERT_TRUE(lnc.ok());
  EXPECT_GE(*lnc, 0.0);
  EXPECT_LT(*lnc, 0.05);
  Samples x(p.n, 1), y(p.n, 1);
  for (int64_t i = 0; i < p.n; ++i) {
    x(i, 0) = p(i, 0);
    y(i, 0) = p(i, 1);
  }
  KsgOptions o;
  o.num_threads = 1;
  auto a = KsgMutualInformation(x, y, o);
  o.lnc_alpha = 0.0;
  auto b = KsgMutualInformation(x, y, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(LncTest, BadArgumentsAreErrors) {
  const Samples p = testing::StandardNormals(20, 2, 1);
  EXPECT_NE(LocalNonUniformityCorrection(p, 3, 0.0).status().message().find("(0, 1]"),
            std::string::npos);
  EXPECT_FALSE(LocalNonUniformityCorrection(p, 3, 1.5).ok());
  EXPECT_FALSE(LocalNonUniformityCorrection(p, 20, 0.5).ok());
  Samples x(p.n, 1), y(p.n, 1);
  KsgOptions o;
  o.lnc_alpha = 0.5;
  for (int64_t i = 0; i < p.n; ++i) {
    x(i, 0) = p(i, 0);
    y(i, 0) = p(i, 1);
  }
  const absl::Status s = Ksg2MutualInformation(x, y, o).status();
  EXPECT_NE(s.message().find("KSG algorithm 1 of two variables only"), std::string::npos) << s;
  EXPECT_FALSE(KsgConditionalMutualInformation(x, y, x, o).ok());
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
