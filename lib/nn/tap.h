// Layer taps: what forward hooks do in PyTorch ("understanding PyTorch
// hooks"), for LibTorch's C++ modules, which have none. A Tap is an identity
// module placed in a torch::nn::Sequential; when its TapRecorder is enabled it
// records its input under the tap's name, so penalties (the sparse
// autoencoder's KL term needs each unit's mean activation over the batch),
// monitors (monitor::InformationPlane) and experiments read named
// intermediate outputs without the model being rewritten.
//
//   auto recorder = std::make_shared<TapRecorder>();
//   torch::nn::Sequential net(torch::nn::Linear(784, 64), torch::nn::Sigmoid(),
//                             Tap("code", recorder), torch::nn::Linear(64, 784));
//   recorder->set_enabled(true);
//   net->forward(x);
//   at::Tensor code = recorder->Get("code");   // in the autograd graph of x
//
// Disabled (the default), a tap costs one branch per forward and records
// nothing (lib/nn/README.md, tap_benchmark.cc).
#ifndef SPARSELAB_LIB_NN_TAP_H_
#define SPARSELAB_LIB_NN_TAP_H_

#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace sparselab {

// Named tensors recorded by taps during forward passes.
class TapRecorder {
 public:
  bool enabled() const { return enabled_; }
  void set_enabled(bool enabled) { enabled_ = enabled; }
  // true: records x.detach() (monitors: no graph kept alive); false (default):
  // records x itself, so a loss built from it back-propagates into the model.
  bool detach() const { return detach_; }
  void set_detach(bool detach) { detach_ = detach; }

  // Keeps `x` under `name` when enabled (a later record of the same name
  // replaces the earlier one); does nothing when disabled.
  void Record(const std::string& name, const at::Tensor& x);
  bool Has(const std::string& name) const;
  // The tensor recorded under `name`; a c10::Error naming the recorded names
  // when there is none.
  const at::Tensor& Get(const std::string& name) const;
  // (name, tensor) in the order the names were first recorded.
  const std::vector<std::pair<std::string, at::Tensor>>& entries() const { return entries_; }
  void Clear() { entries_.clear(); }

 private:
  bool enabled_ = false;
  bool detach_ = false;
  std::vector<std::pair<std::string, at::Tensor>> entries_;
};

// Enables `recorder` (and clears it) for a scope; restores the previous state.
class TapScope {
 public:
  explicit TapScope(TapRecorder& recorder, bool detach = false);
  ~TapScope();
  TapScope(const TapScope&) = delete;
  TapScope& operator=(const TapScope&) = delete;

 private:
  TapRecorder& recorder_;
  bool was_enabled_, was_detached_;
};

struct TapOptions {
  explicit TapOptions(std::string name) : name_(std::move(name)) {}
  TORCH_ARG(std::string, name);
};

// Identity module that hands its input to a shared TapRecorder. clone()
// keeps the recorder (a cloned model reports to the same one); AttachRecorder
// points every tap of a model at another.
class TapImpl : public torch::nn::Cloneable<TapImpl> {
 public:
  explicit TapImpl(TapOptions options, std::shared_ptr<TapRecorder> recorder = nullptr);
  TapImpl(std::string name, std::shared_ptr<TapRecorder> recorder)
      : TapImpl(TapOptions(std::move(name)), std::move(recorder)) {}

  void reset() override {}
  void pretty_print(std::ostream& stream) const override;

  // Returns x unchanged (the same tensor, so gradients pass untouched).
  at::Tensor forward(const at::Tensor& x) {
    if (recorder_ && recorder_->enabled()) recorder_->Record(options.name(), x);
    return x;
  }

  const std::shared_ptr<TapRecorder>& recorder() const { return recorder_; }
  void set_recorder(std::shared_ptr<TapRecorder> recorder) { recorder_ = std::move(recorder); }

  TapOptions options;

 private:
  std::shared_ptr<TapRecorder> recorder_;
};
TORCH_MODULE(Tap);

// Points every Tap inside `model` at `recorder`; returns how many there are.
int AttachRecorder(torch::nn::Module& model, const std::shared_ptr<TapRecorder>& recorder);

// The names of the taps inside `model`, in modules() order.
std::vector<std::string> TapNames(torch::nn::Module& model);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_NN_TAP_H_
