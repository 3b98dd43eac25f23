// MINE, the Mutual Information Neural Estimator (Belghazi, Baratin, Rajeswar,
// Ozair, Bengio, Courville & Hjelm 2018, ICML, "Mutual Information Neural
// Estimation"). A statistics network T(x, y) (an MLP) maximises the
// Donsker-Varadhan bound (eq. 5)
//     I(X;Y) >= E_P[T] - log E_{P_X x P_Y}[e^T]
// by gradient ascent, the product of marginals sampled by pairing each x with
// the y of another, independently drawn sample. The gradient of the log term
// is biased on minibatches; as in Algorithm 1 / Sec. 3.2 the denominator
// E[e^T] is replaced by an exponential moving average. Columns are
// standardised first (MI is invariant to that). The reported estimate is the
// mean of the minibatch bound over the last `average_last` iterations, with
// its standard deviation as the spread. Results in nats.
#ifndef SPARSELAB_MONITOR_MINE_H_
#define SPARSELAB_MONITOR_MINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

struct MineOptions {
  int hidden_units = 128;        // width of each hidden layer
  int hidden_layers = 2;         // ELU hidden layers
  int batch_size = 256;
  int iterations = 2000;         // at most
  double learning_rate = 1e-3;   // Adam
  double moving_average_rate = 0.01;  // of E[e^T] in the corrected gradient
  int average_last = 200;        // iterations averaged into the reported estimate
  // Early stopping: every `average_last` iterations the window mean is compared
  // with the best so far; after `patience` windows without a gain of
  // `min_improvement` nats training stops. 0 turns early stopping off.
  int patience = 3;
  double min_improvement = 0.005;
  uint64_t seed = 0;
  std::string device = "cpu";    // "cpu", "cuda", "cuda:1"
  // LibTorch intra-op threads while training on the CPU (restored after);
  // 0: automatic, one thread unless a layer's matrix product has at least
  // kMineParallelWork multiply-adds. Small products gain little from a second
  // OpenMP thread and, on a loaded machine, lose up to 20x to its spinning at
  // every barrier (measured, monitor/README.md).
  int num_threads = 0;
  bool show_progress = true;     // progress on stderr
  std::string progress_label = "MINE";
};

// batch_size * hidden_units^2 from which the automatic thread count uses
// every hardware thread.
constexpr int64_t kMineParallelWork = int64_t{1} << 26;

// The intra-op thread count MineMutualInformation trains with on the CPU.
int MineThreads(const MineOptions& options);

struct MineResult {
  double mi = 0.0;         // nats: mean over the last average_last iterations
  double mi_std = 0.0;     // standard deviation over the same window
  int64_t iterations = 0;  // iterations run
  bool stopped_early = false;
  std::vector<double> history;  // the minibatch bound at every iteration
};

absl::StatusOr<MineResult> MineMutualInformation(const Samples& x, const Samples& y,
                                                 const MineOptions& options = {});

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_MINE_H_
