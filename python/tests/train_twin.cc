// The C++ half of training_parity_test.py: trains Linear(20, 30) ->
// KWinners(30, 5) -> Linear(30, 3) with SGD on seeded data for a few steps at
// one thread and writes, as a torch.save-compatible pickle (a list of
// tensors): the data, the initial parameters, the final parameters and the
// KWinners buffers. The Python test trains the same model with sparselab's
// modules from the same start and expects every value bit for bit.
#include <fstream>
#include <iostream>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>

#include "lib/nn/k_winners.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: train_twin OUTPUT.pt\n";
    return 1;
  }
  at::set_num_threads(1);
  torch::manual_seed(7);
  const at::Tensor x = torch::randn({32, 20});
  const at::Tensor y = torch::randint(0, 3, {32}, torch::kLong);
  torch::nn::Linear l1(20, 30), l2(30, 3);
  sparselab::KWinners kw(sparselab::KWinnersOptions(30, 5).duty_cycle_period(64));
  torch::nn::Sequential model(l1, kw, l2);
  std::vector<at::Tensor> out = {x, y};
  for (const auto& p : model->parameters()) out.push_back(p.detach().clone());
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.1));
  for (int step = 0; step < 5; ++step) {
    sgd.zero_grad();
    torch::nn::functional::cross_entropy(model->forward(x), y).backward();
    sgd.step();
  }
  for (const auto& p : model->parameters()) out.push_back(p.detach().clone());
  out.push_back(kw->duty_cycles.clone());
  out.push_back(kw->learning_iterations.clone());
  const std::vector<char> bytes = torch::pickle_save(c10::List<at::Tensor>(out));
  std::ofstream file(argv[1], std::ios::binary);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return file ? 0 : 1;
}
