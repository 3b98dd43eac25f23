#include "lib/nn/sparse_autoencoder.h"

#include <cmath>
#include <sstream>

#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/autograd.h>

#include "gtest/gtest.h"
#include "lib/nn/gradient_check.h"
#include "lib/nn/penalties.h"

namespace sparselab {
namespace {

SparseAutoencoder DoubleModel(SparseAutoencoderOptions o) {
  SparseAutoencoder m(std::move(o));
  m->to(at::kDouble);
  return m;
}

// KL(rho || r) and its derivative, the closed forms of the CS294A notes.
double Kl(double rho, double r) {
  return rho * std::log(rho / r) + (1 - rho) * std::log((1 - rho) / (1 - r));
}
double DKl(double rho, double r) { return (1 - rho) / (1 - r) - rho / r; }

TEST(SparseAutoencoderTest, KLPenaltyValueAndGradientMatchTheClosedForm) {
  torch::manual_seed(0);
  const double rho = 0.05, beta = 3.0;
  auto m = DoubleModel(SparseAutoencoderOptions({6, 4})
                           .sparsity(SparsityMechanism::kKL)
                           .rho(rho)
                           .beta(beta));
  const at::Tensor x = at::rand({5, 6}, at::kDouble);
  const AutoencoderLoss loss = m->Loss(x);
  const at::Tensor rho_hat = loss.code.detach().mean(0);
  double expected = 0;
  for (int64_t j = 0; j < 4; ++j) expected += beta * Kl(rho, rho_hat[j].item<double>());
  EXPECT_NEAR(loss.sparsity.item<double>(), expected, 1e-12);
  // d(sparsity)/d(code_ij) = beta * dKL/drho_hat_j / batch.
  const at::Tensor g = torch::autograd::grad({loss.sparsity}, {loss.code})[0];
  for (int64_t j = 0; j < 4; ++j) {
    const double closed = beta * DKl(rho, rho_hat[j].item<double>()) / 5;
    for (int64_t i = 0; i < 5; ++i) EXPECT_NEAR(g[i][j].item<double>(), closed, 1e-10);
  }
  // And by finite differences in rho_hat.
  const testing::ScalarFunction f = [&](const at::Tensor& r) { return beta * BernoulliKL(rho, r).sum(); };
  EXPECT_TRUE(testing::AnalyticGradient(f, rho_hat)
                  .allclose(testing::NumericGradient(f, rho_hat), 1e-6, 1e-8));
}

// CS294A's objective J = (1/m) sum 0.5 ||x_hat - x||^2 + (lambda/2) sum W^2 +
// beta sum_j KL(rho || rho_hat_j), sigmoid hidden and output units: autograd's
// gradient in every weight and bias against central differences.
TEST(SparseAutoencoderTest, GradientOfTheFullCS294AObjectiveByFiniteDifferences) {
  for (bool tied : {false, true}) {
    torch::manual_seed(1);
    auto m = DoubleModel(SparseAutoencoderOptions({8, 3})
                             .tied(tied)
                             .sparsity(SparsityMechanism::kKL)
                             .rho(0.01)
                             .beta(3.0)
                             .weight_decay(1e-2)
                             .reconstruction_loss(ReconstructionLoss::kHalfSumPerSample));
    const at::Tensor x = at::rand({10, 8}, at::kDouble) * 0.8 + 0.1;
    m->zero_grad();
    m->Loss(x).total.backward();
    for (auto& p : m->named_parameters()) {
      at::Tensor param = p.value();
      const at::Tensor analytic = param.grad().clone();
      const testing::ScalarFunction f = [&](const at::Tensor& value) {
        param.copy_(value);
        return m->Loss(x).total;
      };
      const at::Tensor original = param.detach().clone();
      const at::Tensor numeric = testing::NumericGradient(f, original);
      {
        at::NoGradGuard no_grad;
        param.copy_(original);
      }
      EXPECT_TRUE(analytic.allclose(numeric, 1e-6, 1e-8))
          << (tied ? "tied " : "untied ") << p.key() << "\n" << analytic << "\n" << numeric;
    }
  }
}

TEST(SparseAutoencoderTest, RunningRhoHatIsKeptInABuffer) {
  torch::manual_seed(2);
  auto m = DoubleModel(SparseAutoencoderOptions({6, 4})
                           .sparsity(SparsityMechanism::kKL)
                           .rho(0.1)
                           .rho_hat(RhoHatEstimate::kRunning)
                           .rho_momentum(0.9));
  const at::Tensor x = at::rand({7, 6}, at::kDouble);
  const AutoencoderLoss loss = m->Loss(x);
  const at::Tensor expected = 0.9 * 0.1 + 0.1 * loss.code.detach().mean(0);
  // Compared to float precision (the buffer is created in float; the model is
  // moved to double afterwards).
  EXPECT_TRUE(m->running_rho_hat.to(at::kDouble).allclose(expected, 1e-6, 1e-7));
  double kl = 0;
  for (int64_t j = 0; j < 4; ++j) kl += 3.0 * Kl(0.1, expected[j].item<double>());
  EXPECT_NEAR(loss.sparsity.item<double>(), kl, 1e-7);
  bool found = false;
  for (const auto& b : m->named_buffers()) found |= b.key() == "running_rho_hat";
  EXPECT_TRUE(found);
  // Evaluation reads the buffer and leaves it alone.
  m->eval();
  m->Loss(at::rand({7, 6}, at::kDouble));
  EXPECT_TRUE(m->running_rho_hat.to(at::kDouble).allclose(expected, 1e-6, 1e-7));
}

TEST(SparseAutoencoderTest, TiedWeightsShareStorage) {
  torch::manual_seed(3);
  SparseAutoencoder tied(SparseAutoencoderOptions({10, 6, 4}).tied(true));
  SparseAutoencoder untied(SparseAutoencoderOptions({10, 6, 4}));
  EXPECT_EQ(tied->parameters().size(), 4u + 2u);   // 2 encoder W, b + 2 decoder b
  EXPECT_EQ(untied->parameters().size(), 4u + 4u);
  for (size_t i = 0; i < 2; ++i) {
    const at::Tensor& enc = tied->encoder_linears[1 - i]->weight;
    EXPECT_EQ(tied->decoder_weight(i).data_ptr(), enc.data_ptr());
    EXPECT_TRUE(tied->decoder_weight(i).equal(enc.t()));
  }
  EXPECT_NE(untied->decoder_weight(0).data_ptr(), untied->encoder_linears[1]->weight.data_ptr());
  // Changing the encoder's weight changes what the decoder uses.
  {
    at::NoGradGuard no_grad;
    tied->encoder_linears[0]->weight.fill_(0.5);
  }
  EXPECT_TRUE(tied->decoder_weight(1).equal(at::full({10, 6}, 0.5)));
  // The shared weight's gradient has both the encoder's and the decoder's part:
  // with the code held fixed, only the decoder's part is left.
  tied->zero_grad();
  const at::Tensor code = at::rand({3, 4});
  tied->Decode(code).sum().backward();
  EXPECT_TRUE(tied->encoder_linears[1]->weight.grad().defined());
  EXPECT_GT(tied->encoder_linears[1]->weight.grad().abs().sum().item<float>(), 0);
}

TEST(SparseAutoencoderTest, KSparseLeavesExactlyKNonzerosPerRow) {
  torch::manual_seed(4);
  for (bool train : {true, false}) {
    SparseAutoencoder m(SparseAutoencoderOptions({20, 12, 30})
                            .sparsity(SparsityMechanism::kKSparse)
                            .k(5));
    m->train(train);
    const at::Tensor x = at::rand({9, 20});
    const at::Tensor code = m->Encode(x);
    EXPECT_TRUE(code.ne(0).sum(1).eq(5).all().item<bool>());
    // The kept values are the 5 largest of the dense sigmoid code.
    const at::Tensor dense =
        at::sigmoid(m->encoder_linears[1]->forward(at::relu(m->encoder_linears[0]->forward(x))));
    const at::Tensor top = std::get<0>(std::get<0>(dense.topk(5, 1)).sort(1));
    const at::Tensor kept = std::get<0>(std::get<0>(code.topk(5, 1)).sort(1));
    EXPECT_TRUE(top.allclose(kept, 1e-6, 1e-7));
    // Loss carries no penalty term; the tap recorded the sparse code.
    const AutoencoderLoss loss = m->Loss(x);
    EXPECT_EQ(loss.sparsity.item<float>(), 0);
    EXPECT_TRUE(loss.code.ne(0).sum(1).eq(5).all().item<bool>());
  }
}

TEST(SparseAutoencoderTest, L1AndWeightDecayValues) {
  torch::manual_seed(5);
  auto m = DoubleModel(SparseAutoencoderOptions({6, 5, 4})
                           .code_activation(CodeActivation::kRelu)
                           .sparsity(SparsityMechanism::kL1)
                           .l1_weight(0.2)
                           .weight_decay(0.1));
  const at::Tensor x = at::rand({3, 6}, at::kDouble);
  const AutoencoderLoss loss = m->Loss(x);
  EXPECT_NEAR(loss.sparsity.item<double>(), 0.2 * loss.code.abs().sum().item<double>() / 3, 1e-12);
  double squares = 0;
  for (const auto& l : m->encoder_linears) squares += l->weight.pow(2).sum().item<double>();
  for (const auto& l : m->decoder_linears) squares += l->weight.pow(2).sum().item<double>();
  EXPECT_NEAR(loss.weight_decay.item<double>(), 0.05 * squares, 1e-12);
  EXPECT_NEAR(loss.reconstruction.item<double>(),
              (loss.output - x).pow(2).mean().item<double>(), 1e-12);
  EXPECT_NEAR(loss.total.item<double>(),
              (loss.reconstruction + loss.sparsity + loss.weight_decay).item<double>(), 1e-12);
  EXPECT_TRUE(loss.code.ge(0).all().item<bool>());
  // The inner layer is tapped too.
  m->recorder()->set_enabled(true);
  m->Encode(x);
  EXPECT_EQ(m->recorder()->Get("encoder.0").size(1), 5);
  m->recorder()->set_enabled(false);
}

TEST(SparseAutoencoderTest, DecoderFiltersAndNamesAndErrors) {
  SparseAutoencoder one(SparseAutoencoderOptions({6, 4}).tied(true));
  EXPECT_TRUE(one->DecoderFilters().equal(one->encoder_linears[0]->weight));
  SparseAutoencoder two(SparseAutoencoderOptions({6, 5, 4}).sigmoid_output(false));
  EXPECT_EQ(two->DecoderFilters().sizes(), (std::vector<int64_t>{4, 6}));
  SparsityMechanism s;
  EXPECT_TRUE(ParseSparsityMechanism("k_sparse", &s));
  EXPECT_EQ(s, SparsityMechanism::kKSparse);
  EXPECT_FALSE(ParseSparsityMechanism("dropout", &s));
  std::ostringstream out;
  SparseAutoencoder(SparseAutoencoderOptions({6, 4}).sparsity(SparsityMechanism::kKSparse).k(2))
      ->pretty_print(out);
  EXPECT_EQ(out.str(),
            "sparselab::SparseAutoencoder(widths=[6, 4], tied=false, code=sigmoid, "
            "sparsity=k_sparse, k=2, weight_decay=0)");
  EXPECT_THROW(SparseAutoencoder(SparseAutoencoderOptions({6})), c10::Error);
  EXPECT_THROW(SparseAutoencoder(SparseAutoencoderOptions({6, 4}).sparsity(SparsityMechanism::kKSparse).k(5)),
               c10::Error);
  EXPECT_THROW(SparseAutoencoder(SparseAutoencoderOptions({6, 4})
                                     .sparsity(SparsityMechanism::kKL)
                                     .code_activation(CodeActivation::kRelu)),
               c10::Error);
  EXPECT_THROW(one->Encode(at::rand({2, 5})), c10::Error);
}

}  // namespace
}  // namespace sparselab
