// Python bindings of lib/nn's layers as *kernels*: each kernel holds a C++
// module (its options, checked by the module's own reset()) and runs the
// module's forward on state tensors that the Python torch.nn.Module owns and
// passes in. The Python module therefore keeps its buffers in its own
// state_dict, follows .to() / .double() / .train() / .eval(), and computes
// exactly what the C++ module computes (the same code, the same tensors).
// Autograd flows through the ATen ops of the forward.
#include "python/bindings/layers.h"

#include <cstdint>
#include <memory>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <torch/extension.h>

#include "lib/nn/activation_sparsity.h"
#include "lib/nn/duty_cycle_metrics.h"
#include "lib/nn/k_winners.h"
#include "lib/nn/kwta.h"
#include "lib/nn/sparse_weights.h"
#include "lib/nn/synaptic_scaling.h"
#include "lib/nn/winners.h"

namespace py = pybind11;

namespace sparselab {
namespace python {
namespace {

// Boost state every k-winners kernel runs on.
struct BoostState {
  at::Tensor duty_cycles;
  at::Tensor learning_iterations;
  at::Tensor boost_strength;
};

template <typename Impl>
void Install(Impl& impl, const BoostState& s) {
  impl.duty_cycles = s.duty_cycles;
  impl.learning_iterations = s.learning_iterations;
  impl.boost_strength = s.boost_strength;
}

class KWinnersKernel {
 public:
  explicit KWinnersKernel(const KWinnersOptions& o) : impl_(std::make_shared<KWinnersImpl>(o)) {}

  // duty_cycles (n), learning_iterations (int64 scalar) and boost_strength
  // (scalar) are updated in place in training.
  at::Tensor Forward(const at::Tensor& x, const at::Tensor& duty_cycles,
                     const at::Tensor& learning_iterations, const at::Tensor& boost_strength,
                     bool training) {
    Install(*impl_, {duty_cycles, learning_iterations, boost_strength});
    impl_->train(training);
    return impl_->forward(x);
  }

  const KWinnersOptions& options() const { return impl_->options; }
  int64_t k_inference() const { return impl_->k_inference(); }

 private:
  std::shared_ptr<KWinnersImpl> impl_;
};

class KWinners2dKernel {
 public:
  explicit KWinners2dKernel(const KWinners2dOptions& o)
      : impl_(std::make_shared<KWinners2dImpl>(o)) {}

  // duty_cycles: (C) or any contiguous shape with C elements (a view is
  // updated in place, so nupic's (1, C, 1, 1) buffer works).
  at::Tensor Forward(const at::Tensor& x, const at::Tensor& duty_cycles,
                     const at::Tensor& learning_iterations, const at::Tensor& boost_strength,
                     bool training) {
    TORCH_CHECK(duty_cycles.numel() == impl_->options.channels(),
                "KWinners2d: duty_cycles has ", duty_cycles.numel(), " elements, expected ",
                impl_->options.channels(), " (one per channel)");
    Install(*impl_, {duty_cycles.view({-1}), learning_iterations, boost_strength});
    impl_->train(training);
    return impl_->forward(x);
  }

  const KWinners2dOptions& options() const { return impl_->options; }
  int64_t k_inference(int64_t units) const { return impl_->k_inference(units); }

 private:
  std::shared_ptr<KWinners2dImpl> impl_;
};

template <typename Impl, typename Options>
class StatelessKernel {
 public:
  explicit StatelessKernel(const Options& o) : impl_(std::make_shared<Impl>(o)) {}
  at::Tensor Forward(const at::Tensor& x, bool training) {
    impl_->train(training);
    return impl_->forward(x);
  }
  const Options& options() const { return impl_->options; }

 private:
  std::shared_ptr<Impl> impl_;
};
using KWTABinaryKernel = StatelessKernel<KWTABinaryImpl, KWTABinaryOptions>;
using KWTASoftKernel = StatelessKernel<KWTASoftImpl, KWTASoftOptions>;

KWinnersOptions MakeKWinnersOptions(int64_t n, int64_t k, double k_inference_factor,
                                    double boost_strength, double boost_strength_factor,
                                    int64_t duty_cycle_period, bool break_ties, bool relu) {
  return KWinnersOptions(n, k)
      .k_inference_factor(k_inference_factor)
      .boost_strength(boost_strength)
      .boost_strength_factor(boost_strength_factor)
      .duty_cycle_period(duty_cycle_period)
      .break_ties(break_ties)
      .relu(relu);
}

py::tuple KWinnersState(const KWinnersOptions& o) {
  return py::make_tuple(o.n(), o.k(), o.k_inference_factor(), o.boost_strength(),
                        o.boost_strength_factor(), o.duty_cycle_period(), o.break_ties(),
                        o.relu());
}

// nupic.torch's boosting for ranking: x * exp(-beta * duty), which orders the
// units as x * exp(beta * (target - duty)) does (a positive constant apart).
at::Tensor BoostActivations(const at::Tensor& x, const at::Tensor& duty_cycles,
                            double boost_strength) {
  at::NoGradGuard no_grad;
  if (boost_strength > 0.0) return x.detach() * at::exp(-boost_strength * duty_cycles);
  return x.detach();
}

// nupic.torch's functional k-winners: the k largest boosted values of each
// sample along dim 1 keep x, the rest become 0 (ties with the k-th all win
// unless break_ties; relu also drops winners with a boosted value <= 0).
// flatten: rank over all of a sample's elements (kwinners2d, local=False).
at::Tensor KWinnersFunction(const at::Tensor& x, const at::Tensor& duty_cycles, int64_t k,
                            double boost_strength, bool break_ties, bool relu, bool flatten) {
  TORCH_CHECK(x.dim() >= 2, "kwinners: expected a batched input (batch, units, ...), got shape ",
              x.sizes());
  TORCH_CHECK(boost_strength >= 0, "kwinners: boost_strength must be >= 0, got ",
              boost_strength);
  if (k == 0) return at::zeros_like(x);
  at::Tensor boosted = BoostActivations(x, duty_cycles, boost_strength);
  if (flatten) boosted = boosted.reshape({x.size(0), -1});
  at::Tensor keep = WinnerMask(boosted, k, /*dim=*/1, break_ties);
  if (relu) keep.logical_and_(boosted > 0);
  return x.masked_fill(keep.view(x.sizes()).logical_not(), 0);
}

}  // namespace

void BindLayers(py::module_& m) {
  py::class_<KWinnersKernel>(m, "KWinnersKernel",
                             "lib/nn KWinners (k-winners with boosting) on caller-owned state.")
      .def(py::init([](int64_t n, int64_t k, double k_inference_factor, double boost_strength,
                       double boost_strength_factor, int64_t duty_cycle_period, bool break_ties,
                       bool relu) {
             return KWinnersKernel(MakeKWinnersOptions(n, k, k_inference_factor, boost_strength,
                                                       boost_strength_factor, duty_cycle_period,
                                                       break_ties, relu));
           }),
           py::arg("n"), py::arg("k"), py::arg("k_inference_factor"), py::arg("boost_strength"),
           py::arg("boost_strength_factor"), py::arg("duty_cycle_period"), py::arg("break_ties"),
           py::arg("relu"))
      .def("forward", &KWinnersKernel::Forward, py::arg("x"), py::arg("duty_cycles"),
           py::arg("learning_iterations"), py::arg("boost_strength"), py::arg("training"))
      .def_property_readonly("k_inference", &KWinnersKernel::k_inference)
      .def(py::pickle(
          [](const KWinnersKernel& kernel) { return KWinnersState(kernel.options()); },
          [](const py::tuple& t) {
            return KWinnersKernel(MakeKWinnersOptions(
                t[0].cast<int64_t>(), t[1].cast<int64_t>(), t[2].cast<double>(),
                t[3].cast<double>(), t[4].cast<double>(), t[5].cast<int64_t>(),
                t[6].cast<bool>(), t[7].cast<bool>()));
          }));

  auto make_2d = [](int64_t channels, int64_t k, double k_inference_factor,
                    double boost_strength, double boost_strength_factor,
                    int64_t duty_cycle_period, bool break_ties, bool relu, bool local) {
    return KWinners2dKernel(KWinners2dOptions(channels, k)
                                .k_inference_factor(k_inference_factor)
                                .boost_strength(boost_strength)
                                .boost_strength_factor(boost_strength_factor)
                                .duty_cycle_period(duty_cycle_period)
                                .break_ties(break_ties)
                                .relu(relu)
                                .local(local));
  };
  py::class_<KWinners2dKernel>(m, "KWinners2dKernel",
                               "lib/nn KWinners2d on caller-owned state.")
      .def(py::init(make_2d), py::arg("channels"), py::arg("k"), py::arg("k_inference_factor"),
           py::arg("boost_strength"), py::arg("boost_strength_factor"),
           py::arg("duty_cycle_period"), py::arg("break_ties"), py::arg("relu"),
           py::arg("local"))
      .def("forward", &KWinners2dKernel::Forward, py::arg("x"), py::arg("duty_cycles"),
           py::arg("learning_iterations"), py::arg("boost_strength"), py::arg("training"))
      .def("k_inference", &KWinners2dKernel::k_inference, py::arg("units"))
      .def(py::pickle(
          [](const KWinners2dKernel& kernel) {
            const auto& o = kernel.options();
            return py::make_tuple(o.channels(), o.k(), o.k_inference_factor(),
                                  o.boost_strength(), o.boost_strength_factor(),
                                  o.duty_cycle_period(), o.break_ties(), o.relu(), o.local());
          },
          [make_2d](const py::tuple& t) {
            return make_2d(t[0].cast<int64_t>(), t[1].cast<int64_t>(), t[2].cast<double>(),
                           t[3].cast<double>(), t[4].cast<double>(), t[5].cast<int64_t>(),
                           t[6].cast<bool>(), t[7].cast<bool>(), t[8].cast<bool>());
          }));

  py::class_<KWTABinaryKernel>(m, "KWTABinaryKernel", "lib/nn KWTABinary.")
      .def(py::init([](int64_t k) { return KWTABinaryKernel(KWTABinaryOptions(k)); }),
           py::arg("k"))
      .def("forward", &KWTABinaryKernel::Forward, py::arg("x"), py::arg("training"))
      .def(py::pickle([](const KWTABinaryKernel& kernel) {
                        return py::make_tuple(kernel.options().k());
                      },
                      [](const py::tuple& t) {
                        return KWTABinaryKernel(KWTABinaryOptions(t[0].cast<int64_t>()));
                      }));

  auto make_soft = [](int64_t k, double hardness, bool hard_sigmoid) {
    return KWTASoftKernel(KWTASoftOptions(k).hardness(hardness).hard_sigmoid(hard_sigmoid));
  };
  py::class_<KWTASoftKernel>(m, "KWTASoftKernel", "lib/nn KWTASoft.")
      .def(py::init(make_soft), py::arg("k"), py::arg("hardness"), py::arg("hard_sigmoid"))
      .def("forward", &KWTASoftKernel::Forward, py::arg("x"), py::arg("training"))
      .def(py::pickle(
          [](const KWTASoftKernel& kernel) {
            const auto& o = kernel.options();
            return py::make_tuple(o.k(), o.hardness(), o.hard_sigmoid());
          },
          [make_soft](const py::tuple& t) {
            return make_soft(t[0].cast<int64_t>(), t[1].cast<double>(), t[2].cast<bool>());
          }));

  m.def(
      "activation_sparsity_kwinners",
      [](int64_t n, double alpha, double beta, double act_sparsity, int64_t batch_size) {
        return KWinnersState(ActivationSparsityImpl::KWinnersFor(
            ActivationSparsityOptions(n)
                .alpha(alpha)
                .beta(beta)
                .act_sparsity(act_sparsity)
                .batch_size(batch_size)));
      },
      py::arg("n"), py::arg("alpha"), py::arg("beta"), py::arg("act_sparsity"),
      py::arg("batch_size"),
      "The KWinners options (a tuple for KWinnersKernel) of lib/nn ActivationSparsity.");

  m.def("synaptic_scale", &SynapticScale, py::arg("firing_rate"), py::arg("target_sparsity"),
        py::arg("boost_factor"),
        "exp(boost_factor * (target_sparsity - firing_rate)), no gradient (lib/nn SynapticScale).");
  m.def(
      "update_duty_cycles",
      [](at::Tensor duty_cycles, at::Tensor iterations, const at::Tensor& active_counts,
         int64_t batch_size, int64_t period) {
        UpdateDutyCycles(duty_cycles, iterations, active_counts, batch_size, period);
      },
      py::arg("duty_cycles"), py::arg("iterations"), py::arg("active_counts"),
      py::arg("batch_size"), py::arg("period"),
      "In place: the running mean of activity over `period` samples (lib/nn UpdateDutyCycles).");
  m.def("winner_mask", &WinnerMask, py::arg("scores"), py::arg("k"), py::arg("dim"),
        py::arg("break_ties"), "Bool mask of the k largest scores along dim (lib/nn winners).");
  m.def("random_fan_in_mask", &RandomFanInMask, py::arg("weight"), py::arg("density"),
        "0/1 mask keeping round(density * fan_in) random inputs per output unit.");
  m.def("binary_entropy", &BinaryEntropy, py::arg("p"), "Element-wise binary entropy (bits).");
  m.def("max_entropy", &MaxEntropy, py::arg("n"), py::arg("k"),
        "n * H(k / n) bits: the largest entropy of n units with k winners.");
  m.def("boost_activations", &BoostActivations, py::arg("x"), py::arg("duty_cycles"),
        py::arg("boost_strength"));
  m.def("kwinners", &KWinnersFunction, py::arg("x"), py::arg("duty_cycles"), py::arg("k"),
        py::arg("boost_strength"), py::arg("break_ties"), py::arg("relu"), py::arg("flatten"));
}

}  // namespace python
}  // namespace sparselab
