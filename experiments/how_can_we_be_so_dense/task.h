// One (network, seed) run of Table 1 of "How Can We Be So Dense?" (Ahmad &
// Scheinkman 2019): train on MNIST with the library's Trainer, and after every
// epoch test at every noise level (the reference's test_noise_every_epoch =
// True, mnist_sparse_experiment.py runNoiseTests). The reported epoch is the
// one with the best noise-free test accuracy, as the paper's table script
// does (projects/test_score_table.py bestScore); the last epoch is reported too.
#ifndef SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_TASK_H_
#define SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_TASK_H_

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include <c10/core/Device.h>

#include "absl/status/statusor.h"
#include "experiments/how_can_we_be_so_dense/networks.h"
#include "lib/harness/config.h"
#include "lib/data/dataset.h"
#include "lib/harness/result_table.h"
#include "lib/train/distributed.h"
#include "nlohmann/json.hpp"

namespace sparselab::how_can_we_be_so_dense {

struct TaskOptions {
  int64_t epochs = 0;  // 0: the network's own
  int64_t batch_size = 64;
  int64_t test_batch_size = 1000;
  double lr_gamma = 0.8;
  std::vector<double> noise_levels;
  double noise_value = 0.7469;
  int64_t activation_count_images = 1000;
  c10::Device device{c10::kCPU};
  // --distributed: the data-parallel group (batch sizes are per process).
  std::shared_ptr<ProcessGroup> process_group;
};
// Reads and checks the task options (ranges, noise levels starting at 0).
absl::StatusOr<TaskOptions> ReadTaskOptions(const Config& config, int64_t epochs_override,
                                            c10::Device device);

// The epochs a network trains for under `options`.
int64_t EpochsFor(const NetworkSpec& spec, const TaskOptions& options);

struct TaskResult {
  // (row, metric, value) for this seed; rows named by the functions below.
  std::vector<std::tuple<std::string, std::string, double>> values;
  nlohmann::json epochs = nlohmann::json::array();  // one object per epoch
  nlohmann::json layers = nlohmann::json::array();  // per-layer description
};

// Trains and tests one network; the caller seeds torch (Experiment::Seed).
absl::StatusOr<TaskResult> RunTask(const NetworkSpec& spec, const SharedLayerOptions& layers,
                                   const TaskOptions& options, int64_t seed,
                                   const Dataset& train, const Dataset& test);

// Result rows: "<title>" (accuracy, noise score, timing), "<title> / <layer>"
// (non-zero weights and activations, entropy), "<title> / noise 0.10".
std::string MainRow(const NetworkSpec& spec);
std::string LayerRow(const NetworkSpec& spec, const std::string& layer);
std::string NoiseRow(const NetworkSpec& spec, double level);

// Table 1's paper values on the main row.
void SetPaperValues(const NetworkSpec& spec, ResultTable& table);

// The number of pixels the reference sets to the noise value in an image of
// `pixels` pixels: int(pixels * level), i.e. rounded down (image_transforms.py).
int64_t NoisyPixels(double level, int64_t pixels);

}  // namespace sparselab::how_can_we_be_so_dense

#endif  // SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_TASK_H_
