#include "monitor/information_plane.h"

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"
#include "monitor/discrete.h"

namespace sparselab {
namespace monitor {
namespace {

TEST(InformationPlaneTest, BinaryAndContinuousLayers) {
  at::manual_seed(1);
  const int64_t n = 400;
  const at::Tensor inputs = at::randn({n, 6}, at::kDouble);
  // Labels: the quadrant of (x0, x1) -> 4 classes, a deterministic function of X.
  const at::Tensor code = at::stack({inputs.select(1, 0) > 0, inputs.select(1, 1) > 0}, 1).to(at::kFloat);
  const at::Tensor labels = (code.select(1, 0) * 2 + code.select(1, 1)).to(at::kLong);
  // A continuous layer with one dead unit, and the binary code itself.
  at::Tensor hidden = at::tanh(inputs.narrow(1, 0, 3).to(at::kFloat));
  hidden = at::cat({hidden, at::zeros({n, 1})}, 1);

  InformationPlaneOptions options;
  options.units = Units::kNats;
  options.pca_dim = 4;
  InformationPlane plane(options);
  ASSERT_TRUE(plane.Record(0, inputs, labels, {{"hidden", hidden}, {"code", code}}).ok());
  ASSERT_TRUE(plane.Record(1, inputs, labels, {{"hidden", hidden * 2}, {"code", code}}).ok());
  const nlohmann::json j = plane.ToJson();
  ASSERT_EQ(j["layers"].size(), 2u);
  const nlohmann::json& hid = j["layers"][0];
  const nlohmann::json& cod = j["layers"][1];
  EXPECT_EQ(hid["method"], "ksg");
  EXPECT_EQ(cod["method"], "discrete (binary codes)");
  EXPECT_EQ(hid["epoch"], (std::vector<int64_t>{0, 1}));

  // The code determines Y one to one: I(T;Y) = H(Y) (+ Miller-Madow terms,
  // which cancel), and with distinct inputs I(X;T) = H_MM(T) + H_MM(X) - H_MM(X,T)
  // = H(T) + (4 - 1) / 2N.
  std::vector<int64_t> y(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + n);
  const double h_y = *DiscreteEntropy(y, false);
  EXPECT_NEAR(cod["i_ty"][0].get<double>(), h_y + 3.0 / (2 * n), 1e-12);
  EXPECT_NEAR(cod["i_xt"][0].get<double>(), h_y + 3.0 / (2 * n), 1e-12);
  // H(Y) is reported (Miller-Madow, the discrete estimator's convention) and
  // no honest estimate here exceeds it.
  EXPECT_NEAR(j["label_entropy"].get<double>(), h_y + 3.0 / (2 * n), 1e-12);
  EXPECT_EQ(cod["i_ty_above_label_entropy"], (std::vector<bool>{false, false}));
  EXPECT_EQ(hid["i_ty_above_label_entropy"], (std::vector<bool>{false, false}));
  // The tanh layer keeps x0, x1 exactly (invertibly), so it holds most of the
  // label information: well above zero, below H(Y).
  EXPECT_GT(hid["i_ty"][0].get<double>(), 0.5 * h_y);
  EXPECT_LT(hid["i_ty"][0].get<double>(), h_y + 0.1);
  EXPECT_GT(hid["i_xt"][0].get<double>(), 1.0);

  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string png = std::string(tmp ? tmp : "/tmp") + "/plane.png";
  const absl::Status written = plane.WritePng(png);
  ASSERT_TRUE(written.ok()) << written;
  EXPECT_TRUE(std::ifstream(png).good());
}

TEST(InformationPlaneTest, FlagsEstimatesAboveTheLabelEntropy) {
  // Four tight, far-apart clusters: GCMI's Gaussian model comparison reports
  // far more than H(Y) = 2 bits, which no true MI can; KSG (Ross) stays below.
  at::manual_seed(3);
  const int64_t n = 400;
  const at::Tensor labels = at::arange(n, at::kLong).remainder(4);
  const at::Tensor centers = at::randn({4, 3}, at::kDouble) * 10;
  const at::Tensor layer = centers.index_select(0, labels) + 0.01 * at::randn({n, 3}, at::kDouble);
  const at::Tensor inputs = at::randn({n, 5}, at::kDouble) + layer.narrow(1, 0, 1);
  for (Estimator e : {Estimator::kGcmi, Estimator::kKsg}) {
    InformationPlaneOptions options;
    options.estimator = e;
    InformationPlane plane(options);
    testing::internal::CaptureStderr();
    ASSERT_TRUE(plane.Record(0, inputs, labels, {{"clusters", layer}}).ok());
    const std::string err = testing::internal::GetCapturedStderr();
    const nlohmann::json j = plane.ToJson();
    const double i_ty = j["layers"][0]["i_ty"][0];
    const bool flagged = j["layers"][0]["i_ty_above_label_entropy"][0];
    EXPECT_EQ(flagged, i_ty > j["label_entropy"].get<double>() * 1.02 + 0.01 / std::log(2.0));
    if (e == Estimator::kGcmi) {
      EXPECT_GT(i_ty, 2.5);  // bits: above H(Y) ~ 2
      EXPECT_TRUE(flagged);
      EXPECT_NE(err.find("above H(Y)"), std::string::npos) << err;
    } else {
      EXPECT_FALSE(flagged) << i_ty;
      EXPECT_EQ(err, "");
    }
  }
}

TEST(InformationPlaneTest, PcaAndErrors) {
  at::manual_seed(2);
  const at::Tensor base = at::randn({300, 2}, at::kDouble);
  // Rank-2 data in 5 columns: PCA to 3 keeps the 2 non-degenerate components.
  const at::Tensor wide = base.matmul(at::randn({2, 5}, at::kDouble));
  const Samples pcs = PrincipalComponents(SamplesFromTensor(wide), 3);
  EXPECT_EQ(pcs.dim, 2);
  InformationPlane plane;
  EXPECT_FALSE(plane.Record(0, wide, at::zeros({299}, at::kLong), {{"t", wide}}).ok());
  at::Tensor nan_layer = wide.clone();
  nan_layer[0][0] = NAN;
  EXPECT_FALSE(plane.Record(0, wide, at::zeros({300}, at::kLong), {{"t", nan_layer}}).ok());
}

}  // namespace
}  // namespace monitor
}  // namespace sparselab
