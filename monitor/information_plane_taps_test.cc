// InformationPlane::Record through lib/nn's taps gives what the explicit
// layer list gives.
#include <memory>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include "gtest/gtest.h"
#include "lib/nn/tap.h"
#include "monitor/information_plane.h"

namespace sparselab::monitor {
namespace {

TEST(InformationPlaneTapsTest, TapsGiveTheSamePlaneAsExplicitLayers) {
  torch::manual_seed(3);
  const int64_t n = 300;
  const at::Tensor inputs = at::randn({n, 5});
  const at::Tensor labels = (inputs.select(1, 0) > 0).to(at::kLong) * 2 +
                            (inputs.select(1, 1) > 0).to(at::kLong);
  auto recorder = std::make_shared<TapRecorder>();
  torch::nn::Linear l1(5, 4), l2(4, 3);
  torch::nn::Sequential net(l1, torch::nn::Tanh(), Tap("h1", recorder), l2, torch::nn::Tanh(),
                            Tap("h2", recorder));
  {
    TapScope scope(*recorder, /*detach=*/true);
    net->forward(inputs);
  }
  InformationPlaneOptions options;
  options.estimator = Estimator::kGcmi;
  InformationPlane through_taps(options), explicit_layers(options);
  ASSERT_TRUE(through_taps.Record(0, inputs, labels, *recorder).ok());
  at::Tensor h1, h2;
  {
    at::NoGradGuard no_grad;
    h1 = at::tanh(l1->forward(inputs));
    h2 = at::tanh(l2->forward(h1));
  }
  ASSERT_TRUE(explicit_layers.Record(0, inputs, labels, {{"h1", h1}, {"h2", h2}}).ok());
  const nlohmann::json a = through_taps.ToJson(), b = explicit_layers.ToJson();
  ASSERT_EQ(a["layers"].size(), 2u);
  EXPECT_EQ(a["layers"][0]["name"], "h1");
  EXPECT_EQ(a["layers"][1]["name"], "h2");
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(a["layers"][i]["i_xt"][0].get<double>(), b["layers"][i]["i_xt"][0].get<double>(), 1e-9);
    EXPECT_NEAR(a["layers"][i]["i_ty"][0].get<double>(), b["layers"][i]["i_ty"][0].get<double>(), 1e-9);
  }
}

TEST(InformationPlaneTapsTest, EmptyRecorderIsAnError) {
  TapRecorder empty;
  InformationPlane plane;
  const absl::Status s = plane.Record(0, at::randn({10, 2}), at::zeros({10}, at::kLong), empty);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("holds no layers"), std::string::npos);
}

}  // namespace
}  // namespace sparselab::monitor
