// libFuzzer: Trainer::LoadCheckpoint on any bytes (a damaged or foreign
// checkpoint file) must restore or return an error, never crash. The model is
// the seed corpus's: Linear(2, 2) with SGD and momentum. With
// CHECKPOINT_FUZZER_WRITE_SEED=<path> the binary first writes such a
// checkpoint there (how the committed seed was made).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include <torch/torch.h>

#include "lib/base/file_io.h"
#include "lib/train/trainer.h"

namespace {

std::unique_ptr<sparselab::Trainer> MakeTrainer() {
  torch::nn::Linear model(2, 2);
  auto loss = [](const at::Tensor& out, const at::Tensor& target) {
    return torch::nll_loss(torch::log_softmax(out, 1), target);
  };
  return std::make_unique<sparselab::Trainer>(
      model, loss, sparselab::TrainerOptions().epochs(1).lr(0.1).momentum(0.9).show_progress(false));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* seed = std::getenv("CHECKPOINT_FUZZER_WRITE_SEED")) {
    (void)MakeTrainer()->SaveCheckpoint(seed, "{\"epochs\": 1}");
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    return std::string(tmp ? tmp : "/tmp") + "/checkpoint_fuzzer." + std::to_string(getpid()) + ".pt";
  }();
  if (!sparselab::WriteFileAtomically(path, std::string(reinterpret_cast<const char*>(data), size)).ok()) {
    return 0;
  }
  static std::unique_ptr<sparselab::Trainer> trainer = MakeTrainer();
  std::string user_data;
  (void)trainer->LoadCheckpoint(path, &user_data);
  return 0;
}
