// The dispatch by name: every name round-trips, each estimator gives what its
// own function gives, the discrete one a hand-computed value, and the
// combinations that do not exist are errors that say what to use.
#include "monitor/estimator.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "monitor/gcmi.h"
#include "monitor/ksg.h"
#include "monitor/test_data.h"

namespace sparselab {
namespace monitor {
namespace {

TEST(EstimatorTest, NamesRoundTrip) {
  for (Estimator e : {Estimator::kKsg, Estimator::kKsg2, Estimator::kGcmi, Estimator::kMine,
                      Estimator::kDiscrete}) {
    absl::StatusOr<Estimator> parsed = ParseEstimator(EstimatorName(e));
    ASSERT_TRUE(parsed.ok()) << EstimatorName(e);
    EXPECT_EQ(*parsed, e);
  }
  absl::StatusOr<Estimator> bad = ParseEstimator("kraskov");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown estimator 'kraskov': use ksg, ksg2, gcmi, mine or discrete");
}

TEST(EstimatorTest, DispatchGivesEachEstimatorsOwnValue) {
  const testing::SamplePair p = testing::CorrelatedGaussian(500, 2, 0.6, 11);
  EstimateOptions o;
  o.k = 4;
  o.seed = 3;
  o.num_threads = 1;
  KsgOptions ksg;
  ksg.k = 4;
  ksg.seed = 3;
  ksg.num_threads = 1;
  absl::StatusOr<MiEstimate> via = EstimateMutualInformation(Estimator::kKsg, p.x, p.y, o);
  absl::StatusOr<double> direct = KsgMutualInformation(p.x, p.y, ksg);
  ASSERT_TRUE(via.ok() && direct.ok());
  EXPECT_EQ(via->nats, *direct);
  EXPECT_EQ(via->spread_nats, 0.0);
  via = EstimateMutualInformation(Estimator::kKsg2, p.x, p.y, o);
  direct = Ksg2MutualInformation(p.x, p.y, ksg);
  ASSERT_TRUE(via.ok() && direct.ok());
  EXPECT_EQ(via->nats, *direct);
  via = EstimateMutualInformation(Estimator::kGcmi, p.x, p.y, o);
  direct = GcmiCc(p.x, p.y);
  ASSERT_TRUE(via.ok() && direct.ok());
  EXPECT_EQ(via->nats, *direct);
  // All near the closed form -(d/2) log(1 - rho^2) = 0.446 nats.
  EXPECT_NEAR(via->nats, -std::log(1 - 0.36), 0.1);
}

// x = y uniform on two symbols: I = H = ln 2 with plug-in counts; Miller-Madow
// adds (m - 1) / (2N) to each of H(X), H(Y), H(X,Y) (m = 2 symbols each), so
// I gains 1 / (2N).
TEST(EstimatorTest, DiscreteHandComputed) {
  const Samples x = Samples::FromColumn({0, 1, 0, 1, 0, 1, 0, 1});
  EstimateOptions o;
  o.miller_madow = false;
  absl::StatusOr<MiEstimate> plug_in = EstimateMutualInformation(Estimator::kDiscrete, x, x, o);
  ASSERT_TRUE(plug_in.ok()) << plug_in.status();
  EXPECT_NEAR(plug_in->nats, std::log(2.0), 1e-15);
  o.miller_madow = true;
  absl::StatusOr<MiEstimate> mm = EstimateMutualInformation(Estimator::kDiscrete, x, x, o);
  ASSERT_TRUE(mm.ok());
  EXPECT_NEAR(mm->nats, std::log(2.0) + 1.0 / 16, 1e-15);
  // A constant z (allowed for discrete): I(X; Y | Z) = I(X; Y).
  const Samples z = Samples::FromColumn({5, 5, 5, 5, 5, 5, 5, 5});
  o.miller_madow = false;
  absl::StatusOr<MiEstimate> cmi =
      EstimateConditionalMutualInformation(Estimator::kDiscrete, x, x, z, o);
  ASSERT_TRUE(cmi.ok()) << cmi.status();
  EXPECT_NEAR(cmi->nats, std::log(2.0), 1e-15);
}

TEST(EstimatorTest, DiscreteRejectsNonFiniteValues) {
  const Samples x = Samples::FromColumn({0, 1, std::numeric_limits<double>::quiet_NaN(), 1});
  const Samples y = Samples::FromColumn({0, 1, 0, 1});
  absl::StatusOr<MiEstimate> r = EstimateMutualInformation(Estimator::kDiscrete, x, y);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("x"), std::string::npos) << r.status();
}

TEST(EstimatorTest, ConditionalNotAvailableSaysWhatToUse) {
  const testing::SamplePair p = testing::CorrelatedGaussian(50, 1, 0.5, 2);
  for (Estimator e : {Estimator::kKsg2, Estimator::kMine}) {
    absl::StatusOr<MiEstimate> r = EstimateConditionalMutualInformation(e, p.x, p.y, p.x);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(),
              std::string("conditional MI (--z) is not implemented for ") + EstimatorName(e) +
                  ": use ksg (Frenzel-Pompe), gcmi or discrete");
  }
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
