// Bindings of monitor/'s estimators, all in nats: KSG mutual information
// (algorithms 1 and 2, conditional), the Kozachenko-Leonenko entropy, the
// Ross continuous-discrete MI, the k-NN KL divergence of NPEET's kldiv,
// plug-in discrete entropies and GCMI. Inputs are NumPy arrays of shape
// (samples, dims) (or (samples,)), copied once into monitor::Samples; the GIL
// is released while an estimator runs. Bad input raises ValueError with
// monitor's message.
#include "python/bindings/estimators.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "monitor/discrete.h"
#include "monitor/gcmi.h"
#include "monitor/kdtree.h"
#include "monitor/ksg.h"
#include "monitor/samples.h"
#include "monitor/validate.h"
#include "python/bindings/errors.h"

namespace py = pybind11;

namespace sparselab {
namespace python {
namespace {

using monitor::Samples;
using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using LabelArray = py::array_t<int64_t, py::array::c_style | py::array::forcecast>;

Samples ToSamples(const DoubleArray& a, const char* name) {
  if (a.ndim() != 1 && a.ndim() != 2) {
    throw py::value_error(absl::StrCat(name, " must be 1-D (samples) or 2-D (samples, dims), got ",
                                       a.ndim(), " dimensions"));
  }
  Samples s(a.shape(0), a.ndim() == 2 ? a.shape(1) : 1);
  if (!s.values.empty()) std::memcpy(s.values.data(), a.data(), s.values.size() * sizeof(double));
  return s;
}

std::vector<int64_t> ToLabels(const LabelArray& a, const char* name) {
  if (a.ndim() != 1) {
    throw py::value_error(absl::StrCat(name, " must be a 1-D array of integer labels, got ",
                                       a.ndim(), " dimensions"));
  }
  return std::vector<int64_t>(a.data(), a.data() + a.shape(0));
}

py::array_t<double> ToArray(const Samples& s) {
  py::array_t<double> out({s.n, s.dim});
  if (!s.values.empty()) std::memcpy(out.mutable_data(), s.values.data(), s.values.size() * sizeof(double));
  return out;
}

monitor::KsgOptions Ksg(int k, uint64_t seed, bool jitter, int num_threads) {
  monitor::KsgOptions o;
  o.k = k;
  o.seed = seed;
  o.jitter = jitter;
  o.num_threads = num_threads;
  return o;
}

// NPEET's kldiv (no jitter): log(m) - log(n - 1)
//   + d (<log nu_k(x_i; xp)> - <log rho_k(x_i; x \ x_i)>), max-norm distances.
absl::StatusOr<double> KlDivergence(const Samples& x, const Samples& xp, int k) {
  RETURN_IF_ERROR(monitor::CheckSamples(x, "x"));
  RETURN_IF_ERROR(monitor::CheckSamples(xp, "xp"));
  if (x.dim != xp.dim) {
    return absl::InvalidArgumentError(absl::StrCat("x has dimension ", x.dim, " but xp has ",
                                                   xp.dim, ": the two distributions must have the same dimension"));
  }
  RETURN_IF_ERROR(monitor::CheckNeighbourCount(k, x.n));
  if (k > xp.n) {
    return absl::InvalidArgumentError(absl::StrCat("k = ", k, " exceeds the ", xp.n,
                                                   " samples of xp; use a smaller k"));
  }
  const monitor::MaxNormTree tree(x), treep(xp);
  double log_nn = 0, log_nnp = 0;
  for (int64_t i = 0; i < x.n; ++i) {
    log_nn += std::log(tree.Nearest(x.row(i), k + 1)[k].distance);
    log_nnp += std::log(treep.Nearest(x.row(i), k)[k - 1].distance);
  }
  const double d = static_cast<double>(x.dim);
  return std::log(static_cast<double>(xp.n)) - std::log(static_cast<double>(x.n - 1)) +
         d * (log_nnp - log_nn) / static_cast<double>(x.n);
}

}  // namespace

void BindEstimators(py::module_& m) {
  using py::arg;

  // --- k-NN estimators (monitor/ksg.h) -------------------------------------
  m.def(
      "ksg_mi",
      [](const DoubleArray& x, const DoubleArray& y, int k, uint64_t seed, bool jitter,
         int num_threads, double lnc_alpha) {
        const Samples sx = ToSamples(x, "x"), sy = ToSamples(y, "y");
        monitor::KsgOptions o = Ksg(k, seed, jitter, num_threads);
        o.lnc_alpha = lnc_alpha;
        py::gil_scoped_release nogil;
        return ValueOrRaise(monitor::KsgMutualInformation(sx, sy, o));
      },
      arg("x"), arg("y"), arg("k") = 3, arg("seed") = 0, arg("jitter") = true,
      arg("num_threads") = 0, arg("lnc_alpha") = 0.0,
      "KSG algorithm 1 I(x; y) in nats; lnc_alpha > 0 adds the local non-uniformity "
      "correction (monitor/lnc.h).");
  m.def(
      "ksg2_mi",
      [](const DoubleArray& x, const DoubleArray& y, int k, uint64_t seed, bool jitter,
         int num_threads) {
        const Samples sx = ToSamples(x, "x"), sy = ToSamples(y, "y");
        py::gil_scoped_release nogil;
        return ValueOrRaise(monitor::Ksg2MutualInformation(sx, sy, Ksg(k, seed, jitter, num_threads)));
      },
      arg("x"), arg("y"), arg("k") = 3, arg("seed") = 0, arg("jitter") = true,
      arg("num_threads") = 0, "KSG algorithm 2 I(x; y) in nats.");
  m.def(
      "ksg_cmi",
      [](const DoubleArray& x, const DoubleArray& y, const DoubleArray& z, int k, uint64_t seed,
         bool jitter, int num_threads) {
        const Samples sx = ToSamples(x, "x"), sy = ToSamples(y, "y"), sz = ToSamples(z, "z");
        py::gil_scoped_release nogil;
        return ValueOrRaise(monitor::KsgConditionalMutualInformation(
            sx, sy, sz, Ksg(k, seed, jitter, num_threads)));
      },
      arg("x"), arg("y"), arg("z"), arg("k") = 3, arg("seed") = 0, arg("jitter") = true,
      arg("num_threads") = 0, "Frenzel-Pompe I(x; y | z) in nats.");
  m.def(
      "kl_entropy",
      [](const DoubleArray& x, int k, uint64_t seed, bool jitter, int num_threads) {
        const Samples sx = ToSamples(x, "x");
        py::gil_scoped_release nogil;
        return ValueOrRaise(monitor::KozachenkoLeonenkoEntropy(sx, Ksg(k, seed, jitter, num_threads)));
      },
      arg("x"), arg("k") = 3, arg("seed") = 0, arg("jitter") = true, arg("num_threads") = 0,
      "Kozachenko-Leonenko entropy (max-norm) in nats.");
  m.def(
      "mixed_mi",
      [](const DoubleArray& x, const LabelArray& labels, int k, uint64_t seed, bool jitter,
         int num_threads) {
        const Samples sx = ToSamples(x, "x");
        const std::vector<int64_t> l = ToLabels(labels, "labels");
        py::gil_scoped_release nogil;
        return ValueOrRaise(monitor::MixedMutualInformation(sx, l, Ksg(k, seed, jitter, num_threads)));
      },
      arg("x"), arg("labels"), arg("k") = 3, arg("seed") = 0, arg("jitter") = true,
      arg("num_threads") = 0, "Ross 2014 I(x; label) in nats.");
  m.def(
      "kl_divergence",
      [](const DoubleArray& x, const DoubleArray& xp, int k) {
        const Samples sx = ToSamples(x, "x"), sp = ToSamples(xp, "xp");
        py::gil_scoped_release nogil;
        return ValueOrRaise(KlDivergence(sx, sp, k));
      },
      arg("x"), arg("xp"), arg("k") = 3, "k-NN KL(p || q), x ~ p, xp ~ q, in nats (NPEET kldiv).");

  // --- discrete (monitor/discrete.h) ---------------------------------------
  m.def(
      "symbols_from_rows",
      [](const DoubleArray& x) {
        const std::vector<int64_t> s = monitor::SymbolsFromRows(ToSamples(x, "x"));
        return py::array_t<int64_t>(static_cast<py::ssize_t>(s.size()), s.data());
      },
      arg("x"), "One symbol id per distinct row, in order of first occurrence.");
  m.def(
      "discrete_entropy",
      [](const LabelArray& x, bool miller_madow) {
        return ValueOrRaise(monitor::DiscreteEntropy(ToLabels(x, "x"), miller_madow));
      },
      arg("x"), arg("miller_madow") = false, "Plug-in entropy of symbols, nats.");
  m.def(
      "discrete_mi",
      [](const LabelArray& x, const LabelArray& y, bool miller_madow) {
        return ValueOrRaise(
            monitor::DiscreteMutualInformation(ToLabels(x, "x"), ToLabels(y, "y"), miller_madow));
      },
      arg("x"), arg("y"), arg("miller_madow") = false);
  m.def(
      "discrete_cmi",
      [](const LabelArray& x, const LabelArray& y, const LabelArray& z, bool miller_madow) {
        return ValueOrRaise(monitor::DiscreteConditionalMutualInformation(
            ToLabels(x, "x"), ToLabels(y, "y"), ToLabels(z, "z"), miller_madow));
      },
      arg("x"), arg("y"), arg("z"), arg("miller_madow") = false);

  // --- GCMI (monitor/gcmi.h), samples in rows here -------------------------
  m.def("ndtri", &monitor::Ndtri, arg("p"));
  m.def(
      "copnorm", [](const DoubleArray& x) { return ToArray(monitor::Copnorm(ToSamples(x, "x"))); },
      arg("x"), "Copula normalisation of each column of x (samples, dims).");
  m.def(
      "gaussian_entropy",
      [](const DoubleArray& x, bool bias_correct) {
        return ValueOrRaise(monitor::GaussianEntropy(ToSamples(x, "x"), bias_correct));
      },
      arg("x"), arg("bias_correct") = true);
  m.def(
      "gaussian_mi",
      [](const DoubleArray& x, const DoubleArray& y, bool bias_correct, bool demeaned) {
        return ValueOrRaise(monitor::GaussianMutualInformation(ToSamples(x, "x"), ToSamples(y, "y"),
                                                               bias_correct, demeaned));
      },
      arg("x"), arg("y"), arg("bias_correct") = true, arg("demeaned") = false);
  m.def(
      "gaussian_cmi",
      [](const DoubleArray& x, const DoubleArray& y, const DoubleArray& z, bool bias_correct,
         bool demeaned) {
        return ValueOrRaise(monitor::GaussianConditionalMutualInformation(
            ToSamples(x, "x"), ToSamples(y, "y"), ToSamples(z, "z"), bias_correct, demeaned));
      },
      arg("x"), arg("y"), arg("z"), arg("bias_correct") = true, arg("demeaned") = false);
  m.def(
      "gaussian_model_discrete_mi",
      [](const DoubleArray& x, const LabelArray& labels, int num_classes, bool bias_correct,
         bool demeaned) {
        return ValueOrRaise(monitor::GaussianModelDiscreteMutualInformation(
            ToSamples(x, "x"), ToLabels(labels, "y"), num_classes, bias_correct, demeaned));
      },
      arg("x"), arg("labels"), arg("num_classes"), arg("bias_correct") = true,
      arg("demeaned") = false);
  m.def(
      "gaussian_mixture_discrete_mi",
      [](const DoubleArray& x, const LabelArray& labels, int num_classes) {
        return ValueOrRaise(monitor::GaussianMixtureDiscreteMutualInformation(
            ToSamples(x, "x"), ToLabels(labels, "y"), num_classes));
      },
      arg("x"), arg("labels"), arg("num_classes"));
  m.def(
      "gcmi_cc",
      [](const DoubleArray& x, const DoubleArray& y) {
        return ValueOrRaise(monitor::GcmiCc(ToSamples(x, "x"), ToSamples(y, "y")));
      },
      arg("x"), arg("y"));
  m.def(
      "gcmi_model_cd",
      [](const DoubleArray& x, const LabelArray& labels, int num_classes) {
        return ValueOrRaise(
            monitor::GcmiModelCd(ToSamples(x, "x"), ToLabels(labels, "y"), num_classes));
      },
      arg("x"), arg("labels"), arg("num_classes"));
  m.def(
      "gcmi_mixture_cd",
      [](const DoubleArray& x, const LabelArray& labels, int num_classes) {
        return ValueOrRaise(
            monitor::GcmiMixtureCd(ToSamples(x, "x"), ToLabels(labels, "y"), num_classes));
      },
      arg("x"), arg("labels"), arg("num_classes"));
  m.def(
      "gccmi_ccc",
      [](const DoubleArray& x, const DoubleArray& y, const DoubleArray& z) {
        return ValueOrRaise(
            monitor::GccmiCcc(ToSamples(x, "x"), ToSamples(y, "y"), ToSamples(z, "z")));
      },
      arg("x"), arg("y"), arg("z"));
}

}  // namespace python
}  // namespace sparselab
