// Duty cycles (how often each unit is active) and the entropy metrics that
// "How Can We Be So Dense?" (Ahmad & Scheinkman 2019, section 3) reports for
// k-winners layers, following nupic.torch's duty_cycle_metrics.
#ifndef SPARSELAB_LIB_NN_DUTY_CYCLE_METRICS_H_
#define SPARSELAB_LIB_NN_DUTY_CYCLE_METRICS_H_

#include <cstdint>

#include <ATen/ATen.h>

namespace sparselab {

// Running-mean update of duty cycles over a window of `period` samples, in
// place (nupic KWinners.update_duty_cycle):
//   iterations += batch_size
//   p = min(period, iterations)
//   duty = (duty * (p - batch_size) + active_counts) / p
// where active_counts[j] is the number of samples of the batch in which unit j
// was active. One deviation: a batch larger than `period` uses p = batch_size
// (the batch mean) where nupic would weight the old value negatively.
// `iterations` is an int64 scalar tensor on duty's device; no host sync.
// Under data parallelism (data_parallel_hooks.h) the counts and batch size
// are the global batch's, summed over every process.
void UpdateDutyCycles(at::Tensor& duty_cycles, at::Tensor& iterations,
                      const at::Tensor& active_counts, int64_t batch_size,
                      int64_t period);

// Element-wise binary entropy in bits, -p log2 p - (1-p) log2 (1-p), with 0 at
// p = 0 and p = 1 (nupic binary_entropy).
at::Tensor BinaryEntropy(const at::Tensor& p);

// Sum of BinaryEntropy over all units: the layer's entropy.
double TotalBinaryEntropy(const at::Tensor& p);

// The largest entropy n units with k winners can have: every unit active with
// probability k/n, n * H(k/n) bits (nupic max_entropy). 0 when k is 0 or n.
double MaxEntropy(int64_t n, int64_t k);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_DUTY_CYCLE_METRICS_H_
