#include "lib/nn/tap.h"

#include <memory>
#include <sstream>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include "gtest/gtest.h"

namespace sparselab {
namespace {

struct Net {
  std::shared_ptr<TapRecorder> recorder = std::make_shared<TapRecorder>();
  torch::nn::Linear l1{torch::nn::LinearOptions(5, 4)};
  torch::nn::Linear l2{torch::nn::LinearOptions(4, 3)};
  torch::nn::Sequential seq;
  Net() {
    seq = torch::nn::Sequential(l1, Tap("pre", recorder), torch::nn::Sigmoid(),
                                Tap("hidden", recorder), l2, Tap("out", recorder));
  }
};

TEST(TapTest, RecordsTheIntermediateOutputsComputedByHand) {
  torch::manual_seed(0);
  Net net;
  const at::Tensor x = at::randn({6, 5});
  net.recorder->set_enabled(true);
  const at::Tensor y = net.seq->forward(x);
  const at::Tensor pre = at::matmul(x, net.l1->weight.t()) + net.l1->bias;
  const at::Tensor hidden = 1 / (1 + at::exp(-pre));
  const at::Tensor out = at::matmul(hidden, net.l2->weight.t()) + net.l2->bias;
  EXPECT_TRUE(net.recorder->Get("pre").allclose(pre, 1e-6, 1e-6));
  EXPECT_TRUE(net.recorder->Get("hidden").allclose(hidden, 1e-6, 1e-6));
  EXPECT_TRUE(net.recorder->Get("out").allclose(out, 1e-6, 1e-6));
  EXPECT_TRUE(y.equal(net.recorder->Get("out")));
  ASSERT_EQ(net.recorder->entries().size(), 3u);
  EXPECT_EQ(net.recorder->entries()[0].first, "pre");
  EXPECT_EQ(net.recorder->entries()[2].first, "out");
  // A second forward replaces the records instead of adding to them.
  const at::Tensor x2 = at::randn({2, 5});
  net.seq->forward(x2);
  EXPECT_EQ(net.recorder->entries().size(), 3u);
  EXPECT_EQ(net.recorder->Get("pre").size(0), 2);
}

TEST(TapTest, GradientsFlowThroughUnchanged) {
  torch::manual_seed(1);
  Net with_taps;
  with_taps.recorder->set_enabled(true);
  torch::nn::Sequential plain(with_taps.l1, torch::nn::Sigmoid(), with_taps.l2);
  const at::Tensor x = at::randn({6, 5}).set_requires_grad(true);
  with_taps.seq->forward(x).pow(2).sum().backward();
  const at::Tensor gx = x.grad().clone(), gw = with_taps.l1->weight.grad().clone();
  x.grad().zero_();
  with_taps.l1->weight.grad().zero_();
  plain->forward(x).pow(2).sum().backward();
  EXPECT_TRUE(x.grad().equal(gx));
  EXPECT_TRUE(with_taps.l1->weight.grad().equal(gw));
  // The tap passes its input through as the same tensor.
  Tap tap("t", with_taps.recorder);
  const at::Tensor z = at::randn({3});
  EXPECT_TRUE(tap->forward(z).is_same(z));
}

TEST(TapTest, ALossOnARecordedTensorBackPropagatesIntoTheModel) {
  torch::manual_seed(2);
  Net net;
  net.recorder->set_enabled(true);
  net.seq->forward(at::randn({4, 5}));
  net.recorder->Get("hidden").sum().backward();
  ASSERT_TRUE(net.l1->weight.grad().defined());
  EXPECT_GT(net.l1->weight.grad().abs().sum().item<float>(), 0);
  // detach: monitors get values without the graph.
  net.recorder->set_detach(true);
  net.seq->forward(at::randn({4, 5}));
  EXPECT_FALSE(net.recorder->Get("hidden").requires_grad());
}

TEST(TapTest, DisabledRecordsNothing) {
  Net net;
  net.seq->forward(at::randn({3, 5}));
  EXPECT_TRUE(net.recorder->entries().empty());
  EXPECT_FALSE(net.recorder->Has("hidden"));
  EXPECT_THROW(net.recorder->Get("hidden"), c10::Error);
  {
    TapScope scope(*net.recorder);
    net.seq->forward(at::randn({3, 5}));
    EXPECT_TRUE(net.recorder->Has("hidden"));
  }
  EXPECT_FALSE(net.recorder->enabled());
  net.recorder->Clear();
  net.seq->forward(at::randn({3, 5}));
  EXPECT_TRUE(net.recorder->entries().empty());
  // A tap with no recorder is a plain identity.
  Tap lone(TapOptions("lone"));
  EXPECT_TRUE(lone->forward(at::ones({2})).equal(at::ones({2})));
}

TEST(TapTest, AttachRecorderNamesAndPrettyPrint) {
  Net net;
  auto other = std::make_shared<TapRecorder>();
  EXPECT_EQ(AttachRecorder(*net.seq, other), 3);
  EXPECT_EQ(TapNames(*net.seq), (std::vector<std::string>{"pre", "hidden", "out"}));
  other->set_enabled(true);
  net.seq->forward(at::randn({2, 5}));
  EXPECT_TRUE(other->Has("out"));
  EXPECT_TRUE(net.recorder->entries().empty());
  std::ostringstream s;
  Tap("code", other)->pretty_print(s);
  EXPECT_EQ(s.str(), "sparselab::Tap(name=code, recorder=attached)");
  EXPECT_THROW(Tap(TapOptions("")), c10::Error);
  // clone() keeps the recorder.
  auto copy = std::dynamic_pointer_cast<torch::nn::SequentialImpl>(net.seq->clone());
  other->Clear();
  copy->forward(at::randn({2, 5}));
  EXPECT_TRUE(other->Has("hidden"));
}

}  // namespace
}  // namespace sparselab
