#include "monitor/mine.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/base/cpu_count.h"
#include "lib/base/progress.h"
#include "lib/base/status_macros.h"
#include "monitor/validate.h"

namespace sparselab {
namespace monitor {
namespace {

// Column-standardised samples as a float tensor.
torch::Tensor Standardised(const Samples& s) {
  torch::Tensor t =
      torch::from_blob(const_cast<double*>(s.values.data()), {s.n, s.dim}, torch::kFloat64).clone();
  t = (t - t.mean(0, true)) / t.std(0, true, true);
  return t.to(torch::kFloat32);
}

torch::nn::Sequential StatisticsNetwork(int64_t inputs, const MineOptions& o) {
  torch::nn::Sequential net;
  int64_t width = inputs;
  for (int l = 0; l < o.hidden_layers; ++l) {
    net->push_back(torch::nn::Linear(width, o.hidden_units));
    net->push_back(torch::nn::ELU());
    width = o.hidden_units;
  }
  net->push_back(torch::nn::Linear(width, 1));
  return net;
}

// Seeded initialisation (uniform +-1/sqrt(fan_in), LibTorch's default range)
// from our own generator, so results do not depend on global torch state.
void Initialise(torch::nn::Sequential& net, at::Generator& gen) {
  torch::NoGradGuard no_grad;
  for (auto& p : net->named_parameters()) {
    torch::Tensor& t = p.value();
    const int64_t fan_in = t.dim() == 2 ? t.size(1) : t.size(0);
    const double bound = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(1, fan_in)));
    t.uniform_(-bound, bound, gen);
  }
}

// Sets LibTorch's intra-op thread count for a scope and restores it.
class ScopedThreads {
 public:
  explicit ScopedThreads(int threads) : saved_(at::get_num_threads()) {
    if (threads != saved_) at::set_num_threads(threads);
  }
  ~ScopedThreads() {
    if (at::get_num_threads() != saved_) at::set_num_threads(saved_);
  }
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int saved_;
};

}  // namespace

int MineThreads(const MineOptions& o) {
  if (o.num_threads > 0) return o.num_threads;
  const int64_t work = static_cast<int64_t>(o.batch_size) * o.hidden_units * o.hidden_units;
  if (work < kMineParallelWork) return 1;
  return UsableCpuCount();
}

namespace {

absl::Status CheckMineInputs(const Samples& x, const Samples& y, const MineOptions& o) {
  RETURN_IF_ERROR(CheckSamples(x, "x"));
  RETURN_IF_ERROR(CheckSamples(y, "y"));
  RETURN_IF_ERROR(CheckSameCount(x, "x", y, "y"));
  if (x.n < 2) return absl::InvalidArgumentError("MINE needs at least 2 samples");
  if (o.iterations < 1 || o.batch_size < 2 || o.average_last < 1 || o.hidden_units < 1 ||
      o.hidden_layers < 0 || !(o.learning_rate > 0) || !(o.moving_average_rate > 0) ||
      o.moving_average_rate > 1 || o.num_threads < 0) {
    return absl::InvalidArgumentError(
        "MINE options out of range: need iterations >= 1, batch_size >= 2, average_last >= 1, "
        "hidden_units >= 1, learning_rate > 0, 0 < moving_average_rate <= 1 and "
        "num_threads >= 0");
  }
  return absl::OkStatus();
}

absl::StatusOr<torch::Device> MineDevice(const std::string& name) {
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(name);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown device '", name, "': use cpu, cuda or cuda:N"));
  }
  if (device.is_cuda() && !torch::cuda::is_available()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "device '", name, "' requested but CUDA is not available: use --device=cpu"));
  }
  return device;
}

// The statistics network T, its optimiser and the moving average of
// E[e^T] under the marginals that corrects the gradient's bias (Sec. 3.2).
class MineTrainer {
 public:
  MineTrainer(const Samples& x, const Samples& y, const MineOptions& o, torch::Device device)
      : o_(o),
        n_(x.n),
        batch_(std::min<int64_t>(o.batch_size, x.n)),
        device_(device),
        gen_(at::make_generator<at::CPUGeneratorImpl>(o.seed)),
        xs_(Standardised(x).to(device)),
        ys_(Standardised(y).to(device)),
        net_(StatisticsNetwork(x.dim + y.dim, o)) {
    Initialise(net_, gen_);
    net_->to(device);
    optimiser_ = std::make_unique<torch::optim::Adam>(
        net_->parameters(), torch::optim::AdamOptions(o.learning_rate));
  }

  // One gradient step on a fresh batch; returns the batch's lower bound
  // E_joint[T] - log E_marginal[e^T] (the Donsker-Varadhan bound) before the step.
  double Step() {
    // Joint pairs (x_i, y_i) and marginal pairs (x_i, y_j), i and j drawn independently.
    const torch::Tensor i = torch::randint(0, n_, {batch_}, gen_, torch::kLong).to(device_);
    const torch::Tensor j = torch::randint(0, n_, {batch_}, gen_, torch::kLong).to(device_);
    const torch::Tensor xi = xs_.index_select(0, i);
    const torch::Tensor t_joint = net_->forward(torch::cat({xi, ys_.index_select(0, i)}, 1));
    const torch::Tensor t_marginal = net_->forward(torch::cat({xi, ys_.index_select(0, j)}, 1));
    const torch::Tensor mean_joint = t_joint.mean();
    // log-mean-exp for the reported bound; exp for the corrected gradient.
    const torch::Tensor log_mean_exp =
        torch::logsumexp(t_marginal.flatten(), 0) - std::log(static_cast<double>(batch_));
    const torch::Tensor mean_exp = torch::exp(t_marginal).mean();
    const double batch_mean_exp = mean_exp.item<double>();
    moving_average_ = moving_average_ < 0 ? batch_mean_exp
                                          : (1.0 - o_.moving_average_rate) * moving_average_ +
                                                o_.moving_average_rate * batch_mean_exp;
    // d/dtheta of this loss is the bias-corrected MINE gradient (Sec. 3.2).
    const torch::Tensor loss = -(mean_joint - mean_exp / moving_average_);
    optimiser_->zero_grad();
    loss.backward();
    optimiser_->step();
    return (mean_joint - log_mean_exp).item<double>();
  }

 private:
  const MineOptions& o_;
  const int64_t n_, batch_;
  const torch::Device device_;
  at::Generator gen_;
  const torch::Tensor xs_, ys_;
  torch::nn::Sequential net_;
  std::unique_ptr<torch::optim::Adam> optimiser_;
  double moving_average_ = -1.0;
};

// Early stopping on the mean bound of consecutive windows of `average_last`
// iterations: stop after `patience` windows without a gain of min_improvement.
class WindowPatience {
 public:
  explicit WindowPatience(const MineOptions& o) : o_(o) {}

  // After iteration `done` (1-based) with the bounds so far: true to stop.
  bool ShouldStop(const std::vector<double>& history, int done) {
    if (o_.patience <= 0 || done % o_.average_last != 0) return false;
    double window = 0.0;
    for (int r = done - o_.average_last; r < done; ++r) window += history[r];
    window /= o_.average_last;
    if (window > best_window_ + o_.min_improvement) {
      best_window_ = window;
      windows_without_gain_ = 0;
      return false;
    }
    return ++windows_without_gain_ >= o_.patience;
  }

 private:
  const MineOptions& o_;
  double best_window_ = -INFINITY;
  int windows_without_gain_ = 0;
};

// The estimate: mean and standard deviation of the bound over the last
// min(average_last, iterations) iterations.
void Summarise(int average_last, MineResult& result) {
  const int64_t window = std::min<int64_t>(average_last, result.iterations);
  double sum = 0.0, sq = 0.0;
  for (int64_t r = result.iterations - window; r < result.iterations; ++r) sum += result.history[r];
  result.mi = sum / window;
  for (int64_t r = result.iterations - window; r < result.iterations; ++r)
    sq += (result.history[r] - result.mi) * (result.history[r] - result.mi);
  result.mi_std = window > 1 ? std::sqrt(sq / (window - 1)) : 0.0;
}

}  // namespace

absl::StatusOr<MineResult> MineMutualInformation(const Samples& x, const Samples& y,
                                                 const MineOptions& o) {
  RETURN_IF_ERROR(CheckMineInputs(x, y, o));
  ASSIGN_OR_RETURN(const torch::Device device, MineDevice(o.device));
  const ScopedThreads threads(device.is_cpu() ? MineThreads(o) : at::get_num_threads());
  try {
    MineTrainer trainer(x, y, o, device);
    WindowPatience patience(o);
    MineResult result;
    result.history.reserve(o.iterations);
    Progress progress(o.progress_label, o.iterations);
    for (int it = 0; it < o.iterations; ++it) {
      const double bound = trainer.Step();
      if (!std::isfinite(bound)) {
        return absl::InternalError(absl::StrCat(
            "MINE diverged at iteration ", it,
            " (non-finite bound): lower the learning rate or the network width"));
      }
      result.history.push_back(bound);
      result.iterations = it + 1;
      if (o.show_progress) progress.Update(it + 1, absl::StrFormat("I=%.4f nats", bound));
      if (patience.ShouldStop(result.history, it + 1)) {
        result.stopped_early = it + 1 < o.iterations;
        break;
      }
    }
    Summarise(o.average_last, result);
    if (o.show_progress) {
      progress.Finish(absl::StrFormat("I=%.4f +- %.4f nats after %d iterations", result.mi,
                                      result.mi_std, result.iterations));
    }
    return result;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("MINE failed in LibTorch: ", e.what()));
  }
}

}  // namespace monitor
}  // namespace sparselab
