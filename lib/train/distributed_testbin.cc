// A data-parallel training run for distributed_test: a model with every
// layer that keeps batch state (SparseWeights, KWinners with boosting,
// SparseLinear rewired by RigL every 2 steps) trained for 2 epochs of 4
// global batches on a fixed synthetic set, with the rendezvous from the
// environment (one process when none is set). Rank 0 (or the only process)
// writes every parameter and buffer to argv[1] (torch::save), and every rank
// writes its SparseLinear pattern to argv[1].rank<r>, so the test can check
// that the topology never diverged, and its buffers to argv[1].buffers.rank<r>.
// With TESTBIN_BATCHNORM=1 a BatchNorm1d follows the hidden layer (its running
// statistics come from each rank's own shard until rank 0's are broadcast).
//
//   distributed_testbin OUT PER_RANK_BATCH [DIE_AT_STEP]
// A rank > 0 given DIE_AT_STEP exits (code 3) after that many steps.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "lib/nn/k_winners.h"
#include "lib/nn/sparse_linear/sparse_linear.h"
#include "lib/nn/sparse_weights.h"
#include "lib/train/distributed.h"
#include "lib/train/trainer.h"

namespace {

struct NetImpl : torch::nn::Module {
  NetImpl()
      : hidden(register_module("hidden", sparselab::SparseWeights(torch::nn::Linear(20, 32), 0.5))),
        winners(register_module("winners", sparselab::KWinners(sparselab::KWinnersOptions(32, 8)
                                                                    .boost_strength(1.5)
                                                                    .duty_cycle_period(100)))),
        out(register_module("out", sparselab::SparseLinear(sparselab::SparseLinearOptions(32, 4)
                                                               .sparsity(0.5)
                                                               .dynamic(true)
                                                               .delta_t(2)
                                                               .t_end(100)
                                                               .alpha(0.3)))) {}
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor h = hidden->forward(x);
    if (bn) h = bn->forward(h);
    return at::log_softmax(out->forward(winners->forward(h)), 1);
  }
  torch::nn::BatchNorm1d bn{nullptr};
  sparselab::SparseWeights hidden;
  sparselab::KWinners winners;
  sparselab::SparseLinear out;
};
TORCH_MODULE(Net);

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const std::string out_path = argv[1];
  const int64_t batch = std::atoi(argv[2]);
  const int die_at = argc > 3 ? std::atoi(argv[3]) : -1;
  at::set_num_threads(1);
  absl::StatusOr<std::optional<sparselab::DistributedEnv>> env =
      sparselab::DistributedEnvFromEnvironment();
  if (!env.ok()) return Fail(env.status());
  std::shared_ptr<sparselab::ProcessGroup> group;
  if (env->has_value()) {
    absl::StatusOr<std::shared_ptr<sparselab::ProcessGroup>> g =
        sparselab::ProcessGroup::Connect(**env, std::chrono::seconds(20));
    if (!g.ok()) return Fail(g.status());
    group = *g;
  }
  const int rank = group ? group->rank() : 0;
  // Rank-dependent initial weights: the broadcast from rank 0 must undo them.
  torch::manual_seed(1 + rank);
  Net net;
  if (const char* b = std::getenv("TESTBIN_BATCHNORM"); b != nullptr && std::string(b) == "1") {
    net->bn = net->register_module("bn", torch::nn::BatchNorm1d(32));
  }
  // Data: 256 samples, 4 classes from a fixed linear map (same on every rank).
  at::Generator data_gen = at::make_generator<at::CPUGeneratorImpl>(7);
  sparselab::Dataset data;
  data.inputs = at::randn({256, 20}, data_gen, at::TensorOptions(at::kFloat));
  const at::Tensor map = at::randn({20, 4}, data_gen, at::TensorOptions(at::kFloat));
  data.targets = data.inputs.matmul(map).argmax(1);

  sparselab::Trainer trainer(net, sparselab::NllLoss(),
                             sparselab::TrainerOptions()
                                 .epochs(2)
                                 .batch_size(batch)
                                 .lr(0.1)
                                 .momentum(0.0)
                                 .seed(5)
                                 .show_progress(false)
                                 .process_group(group));
  int64_t moved = 0;
  trainer.AddStepCallback([&](const sparselab::StepInfo& s) {
    sparselab::RezeroWeights(*net);
    moved += net->out->rigl_step(s.global_step, &trainer.optimizer());
    if (rank > 0 && s.global_step == die_at) {
      std::fprintf(stderr, "rank %d: dying after step %ld as asked\n", rank, s.global_step);
      std::fflush(stderr);
      ::_exit(3);
    }
    return absl::OkStatus();
  });
  absl::StatusOr<std::vector<sparselab::EpochStats>> epochs = trainer.Train(data);
  if (!epochs.ok()) return Fail(epochs.status());
  absl::StatusOr<sparselab::EvalResult> eval = trainer.Evaluate(data);
  if (!eval.ok()) return Fail(eval.status());
  std::fprintf(stderr, "rank %d: %ld steps, %ld connections moved, loss %.6f, accuracy %.4f\n",
               rank, trainer.global_step(), moved, epochs->back().train_loss, *eval->accuracy);
  if (moved == 0) return Fail(absl::InternalError("RigL moved no connection"));
  torch::save(std::vector<at::Tensor>{net->out->row_offsets, net->out->col_indices},
              out_path + ".rank" + std::to_string(rank));
  std::vector<at::Tensor> buffers;
  for (const auto& b : net->named_buffers()) buffers.push_back(b.value());
  torch::save(buffers, out_path + ".buffers.rank" + std::to_string(rank));
  if (rank == 0) {
    std::vector<at::Tensor> state;
    for (const auto& p : net->named_parameters()) state.push_back(p.value());
    for (const auto& b : net->named_buffers()) state.push_back(b.value());
    state.push_back(at::tensor({eval->loss, *eval->accuracy, epochs->back().train_loss}, at::kDouble));
    torch::save(state, out_path);
  }
  return 0;
}
