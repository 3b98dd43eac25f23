#include "lib/nn/sparse_coding.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include "absl/strings/str_cat.h"
#include "lib/nn/data_parallel_hooks.h"

namespace sparselab {
namespace {

// R = Z D^T - X in one BLAS call.
at::Tensor Residual(const at::Tensor& x, const at::Tensor& dictionary, const at::Tensor& z) {
  return at::addmm(x, z, dictionary.t(), /*beta=*/-1, /*alpha=*/1);
}

double MeanObjective(const at::Tensor& residual, const at::Tensor& z, double lambda) {
  const double n = static_cast<double>(z.size(0));
  return (0.5 * residual.pow(2).sum().item<double>() + lambda * z.abs().sum().item<double>()) / n;
}

// ||a - b||_F <= tol ||b||_F (true when both are zero: a fixed point).
bool SmallChange(const at::Tensor& next, const at::Tensor& previous, double tol) {
  if (tol <= 0) return false;
  const double change = (next - previous).norm().item<double>();
  return change <= tol * previous.norm().item<double>();
}

void CheckOrThrow(const absl::Status& status) {
  TORCH_CHECK(status.ok(), std::string(status.message()));
}

// The proximal-gradient solvers: ISTA (momentum off) and FISTA. Buffers are
// allocated once; an iteration is the two products plus a few passes over Z.
SparseCodeResult ProximalGradient(const at::Tensor& x, const at::Tensor& dictionary,
                                  const SparseCodingOptions& o, at::Tensor z, bool momentum) {
  SparseCodeResult result;
  const double lambda = o.lambda();
  const bool nonneg = o.non_negative();
  double lipschitz = o.backtracking() ? o.backtracking_l0()
                     : o.step() > 0   ? 1.0 / o.step()
                                      : SparseCodingLipschitz(dictionary, o.power_iterations());
  const at::Tensor dt = dictionary.t();
  const double eps = x.scalar_type() == at::kDouble ? std::numeric_limits<double>::epsilon()
                                                    : std::numeric_limits<float>::epsilon();
  const double l_cap = o.backtracking() ? SparseCodingLipschitz(dictionary, o.power_iterations())
                                        : 0.0;
  at::Tensor r_z = Residual(x, dictionary, z);
  if (o.record_objective()) result.objective.push_back(MeanObjective(r_z, z, lambda));
  // y and its residual: aliases of z and r_z for ISTA, own buffers for FISTA.
  at::Tensor y = momentum ? z.clone() : z, r_y = momentum ? r_z.clone() : r_z;
  at::Tensor grad = at::empty_like(z), v = at::empty_like(z), z_next = at::empty_like(z);
  at::Tensor dz = at::empty_like(z), r_next = at::empty_like(r_z), dr = at::empty_like(r_z);
  double t = 1.0;    // FISTA's t_k, shared by all rows
  at::Tensor t_rows; // per-row t_k with restart
  if (momentum && o.restart()) t_rows = at::ones({z.size(0), 1}, z.options());
  const auto prox_step = [&](double l) {
    at::add_out(v, y, grad, -1.0 / l);
    if (nonneg) {
      at::sub_out(z_next, v, lambda / l);
      z_next.clamp_min_(0);
    } else {
      at::softshrink_out(z_next, v, lambda / l);
    }
    at::addmm_out(r_next, x, z_next, dt, /*beta=*/-1, /*alpha=*/1);
  };
  for (int64_t k = 1; k <= o.max_iter(); ++k) {
    at::mm_out(grad, r_y, dictionary);
    if (!o.backtracking()) {
      prox_step(lipschitz);
    } else {
      // Beck & Teboulle Sec. 4: the smallest L = eta^i L_{k-1} whose quadratic
      // model at y bounds f at the proximal point.
      // The test is exact in theory but compares sums that carry rounding (and
      // FISTA's r_y is a running combination of residuals), so it gets a slack
      // of a few ulps of f(y); and L_f itself always passes in theory, so the
      // search stops there: Beck & Teboulle's L_k <= eta L_f.
      const double f_y = 0.5 * r_y.pow(2).sum().item<double>();
      const double slack = 64 * eps * std::max(1.0, std::abs(f_y));
      for (;;) {
        prox_step(lipschitz);
        if (lipschitz >= l_cap) break;
        at::sub_out(dz, z_next, y);
        const double f_p = 0.5 * r_next.pow(2).sum().item<double>();
        const double model = f_y + (dz * grad).sum().item<double>() +
                             0.5 * lipschitz * dz.pow(2).sum().item<double>();
        if (f_p <= model + slack) break;
        lipschitz *= o.backtracking_eta();
        TORCH_CHECK(std::isfinite(lipschitz), "SparseEncode: backtracking diverged");
      }
    }
    if (o.record_objective()) result.objective.push_back(MeanObjective(r_next, z_next, lambda));
    at::sub_out(dz, z_next, z);
    const bool done =
        o.tol() > 0 && dz.norm().item<double>() <= o.tol() * z.norm().item<double>();
    if (momentum) {
      at::sub_out(dr, r_next, r_z);
      if (o.restart()) {
        // O'Donoghue & Candes: restart rows whose momentum points uphill.
        const at::Tensor uphill = ((y - z_next) * dz).sum(1, /*keepdim=*/true) > 0;
        t_rows.masked_fill_(uphill, 1.0);
        const at::Tensor t_next = (1 + at::sqrt(1 + 4 * t_rows * t_rows)) / 2;
        const at::Tensor beta = (t_rows - 1) / t_next;
        t_rows = t_next;
        at::addcmul_out(y, z_next, dz, beta);
        at::addcmul_out(r_y, r_next, dr, beta);
      } else {
        const double t_next = (1 + std::sqrt(1 + 4 * t * t)) / 2;
        const double beta = (t - 1) / t_next;
        t = t_next;
        at::add_out(y, z_next, dz, beta);
        at::add_out(r_y, r_next, dr, beta);
      }
    }
    std::swap(z, z_next);
    std::swap(r_z, r_next);
    if (!momentum) {
      y = z;
      r_y = r_z;
    }
    result.iterations = k;
    if (done) {
      result.converged = true;
      break;
    }
  }
  result.z = z;
  result.lipschitz = lipschitz;
  return result;
}

// Rozell et al. 2008: u' = b - u - (D^T D - I) a, a = T_lambda(u), with
// D^T x - D^T D a = -R D for the residual R = a D^T - X.
SparseCodeResult Lca(const at::Tensor& x, const at::Tensor& dictionary,
                     const SparseCodingOptions& o, const at::Tensor& z0) {
  SparseCodeResult result;
  const double lambda = o.lambda();
  const bool nonneg = o.non_negative();
  result.lipschitz = SparseCodingLipschitz(dictionary, o.power_iterations());
  const double eta = o.step() > 0 ? o.step() : 1.0 / result.lipschitz;
  // u with T(u) = z0 (u = z0 + lambda sign(z0) on the support).
  at::Tensor u = z0 + lambda * at::sign(z0);
  at::Tensor a = SoftThreshold(u, lambda, nonneg);
  at::Tensor r = Residual(x, dictionary, a);
  if (o.record_objective()) result.objective.push_back(MeanObjective(r, a, lambda));
  for (int64_t k = 1; k <= o.max_iter(); ++k) {
    const at::Tensor grad = r.mm(dictionary);
    u.add_(a - u - grad, eta);
    const at::Tensor a_next = SoftThreshold(u, lambda, nonneg);
    r = Residual(x, dictionary, a_next);
    if (o.record_objective()) result.objective.push_back(MeanObjective(r, a_next, lambda));
    const bool done = SmallChange(a_next, a, o.tol());
    a = a_next;
    result.iterations = k;
    if (done) {
      result.converged = true;
      break;
    }
  }
  result.z = a;
  return result;
}

}  // namespace

absl::StatusOr<SparseSolver> ParseSparseSolver(const std::string& name) {
  if (name == "ista") return SparseSolver::kIsta;
  if (name == "fista") return SparseSolver::kFista;
  if (name == "lca") return SparseSolver::kLca;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown sparse-coding solver '", name, "'; use ista, fista or lca"));
}

std::string SparseSolverName(SparseSolver solver) {
  switch (solver) {
    case SparseSolver::kIsta: return "ista";
    case SparseSolver::kFista: return "fista";
    case SparseSolver::kLca: return "lca";
  }
  return "?";
}

absl::Status ValidateSparseCodingInputs(const at::Tensor& x, const at::Tensor& dictionary,
                                        const SparseCodingOptions& o) {
  if (!x.defined() || x.dim() != 2 || x.size(0) == 0 || x.size(1) == 0) {
    return absl::InvalidArgumentError(
        "the inputs X must be a non-empty N x d matrix (one sample per row)");
  }
  if (!dictionary.defined() || dictionary.dim() != 2 || dictionary.size(0) == 0 ||
      dictionary.size(1) == 0) {
    return absl::InvalidArgumentError(
        "the dictionary D must be a non-empty d x K matrix (one atom per column)");
  }
  if (dictionary.size(0) != x.size(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "shape mismatch: X has d = ", x.size(1), " columns but D has ", dictionary.size(0),
        " rows; D must be d x K (one atom per column; transpose it if it is K x d)"));
  }
  if (!at::isFloatingType(x.scalar_type()) || x.scalar_type() != dictionary.scalar_type()) {
    return absl::InvalidArgumentError("X and D must have the same floating-point type");
  }
  for (const auto& [name, t] : {std::pair<const char*, const at::Tensor&>{"X", x},
                                std::pair<const char*, const at::Tensor&>{"D", dictionary}}) {
    const at::Tensor bad = at::logical_not(at::isfinite(t)).nonzero();
    if (bad.size(0) > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "non-finite value (NaN or infinity) in ", name, " at row ", bad[0][0].item<int64_t>(),
          ", column ", bad[0][1].item<int64_t>(), "; remove or replace it"));
    }
  }
  if (!(o.lambda() >= 0) || !std::isfinite(o.lambda())) {
    return absl::InvalidArgumentError(
        absl::StrCat("lambda must be a finite number >= 0, got ", o.lambda()));
  }
  if (o.max_iter() < 1) {
    return absl::InvalidArgumentError(absl::StrCat("max_iter must be >= 1, got ", o.max_iter()));
  }
  if (!(o.tol() >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat("tol must be >= 0, got ", o.tol()));
  }
  if (!(o.step() >= 0) || !std::isfinite(o.step())) {
    return absl::InvalidArgumentError(
        absl::StrCat("step must be >= 0 (0: 1/L), got ", o.step()));
  }
  if (o.backtracking() && (!(o.backtracking_l0() > 0) || !(o.backtracking_eta() > 1))) {
    return absl::InvalidArgumentError("backtracking needs backtracking_l0 > 0 and eta > 1");
  }
  if (o.power_iterations() < 1) {
    return absl::InvalidArgumentError("power_iterations must be >= 1");
  }
  return absl::OkStatus();
}

SparseCodeResult SparseEncode(const at::Tensor& x, const at::Tensor& dictionary,
                              const SparseCodingOptions& options, const at::Tensor& z0) {
  CheckOrThrow(ValidateSparseCodingInputs(x, dictionary, options));
  at::NoGradGuard no_grad;
  at::Tensor start;
  if (z0.defined()) {
    TORCH_CHECK(z0.dim() == 2 && z0.size(0) == x.size(0) && z0.size(1) == dictionary.size(1),
                "SparseEncode: z0 must be N x K = ", x.size(0), " x ", dictionary.size(1));
    start = z0.to(x.scalar_type()).clone();
    if (options.non_negative()) start.clamp_min_(0);
  } else {
    start = at::zeros({x.size(0), dictionary.size(1)}, x.options());
  }
  switch (options.solver()) {
    case SparseSolver::kIsta: return ProximalGradient(x, dictionary, options, start, false);
    case SparseSolver::kFista: return ProximalGradient(x, dictionary, options, start, true);
    case SparseSolver::kLca: return Lca(x, dictionary, options, start);
  }
  TORCH_CHECK(false, "SparseEncode: unknown solver");
}

at::Tensor SoftThreshold(const at::Tensor& v, double threshold, bool non_negative) {
  if (non_negative) return (v - threshold).clamp_min(0);
  return at::softshrink(v, threshold);
}

at::Tensor SparseCodingObjective(const at::Tensor& x, const at::Tensor& dictionary,
                                 const at::Tensor& z, double lambda) {
  const at::Tensor r = Residual(x, dictionary, z);
  return 0.5 * r.pow(2).sum(1) + lambda * z.abs().sum(1);
}

double SparseCodingLipschitz(const at::Tensor& dictionary, int64_t max_iterations) {
  at::NoGradGuard no_grad;
  const at::Tensor d = dictionary.to(at::kDouble);
  const int64_t k = d.size(1);
  // A fixed, generic start (not orthogonal to any coordinate direction).
  at::Tensor v = at::sin(at::arange(k, at::kDouble) * 0.7 + 0.3) + 1.5;
  v /= v.norm();
  double estimate = 0.0;
  for (int64_t i = 0; i < max_iterations; ++i) {
    const at::Tensor w = d.t().mv(d.mv(v));
    const double next = v.dot(w).item<double>();  // Rayleigh quotient, |v| = 1
    const double norm = w.norm().item<double>();
    if (norm == 0) return 1e-12;  // D = 0: any step is exact
    v = w / norm;
    const bool settled = std::abs(next - estimate) <= 1e-10 * next;
    estimate = next;
    if (settled) break;
  }
  return estimate * (1 + 1e-3);
}

at::Tensor& NormalizeColumns(at::Tensor& dictionary) {
  at::NoGradGuard no_grad;
  const at::Tensor norms = dictionary.norm(2, {0}, /*keepdim=*/true);
  dictionary.div_(norms.clamp_min(std::numeric_limits<float>::min()));
  return dictionary;
}

// ---------------------------------------------------------------------------
// SparseDictionary

SparseDictionaryImpl::SparseDictionaryImpl(SparseDictionaryOptions options)
    : options(std::move(options)) {
  reset();
}

void SparseDictionaryImpl::reset() {
  const auto& o = options;
  TORCH_CHECK(o.input_size() > 0 && o.atoms() > 0,
              "SparseDictionary: input_size and atoms must be positive, got ", o.input_size(),
              " and ", o.atoms());
  TORCH_CHECK(o.learning_rate() > 0, "SparseDictionary: learning_rate must be > 0, got ",
              o.learning_rate());
  TORCH_CHECK(o.target_activity() >= 0 && o.target_activity() < 1,
              "SparseDictionary: target_activity must be in [0, 1) (0: fixed lambda), got ",
              o.target_activity());
  TORCH_CHECK(o.coding().lambda() >= 0, "SparseDictionary: lambda must be >= 0");
  at::Tensor d = at::randn({o.input_size(), o.atoms()});
  NormalizeColumns(d);
  dictionary = register_buffer("dictionary", d);
  lambda_ = register_buffer("lambda", at::full({}, o.coding().lambda(), at::kDouble));
}

void SparseDictionaryImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::SparseDictionary(input_size=" << options.input_size()
         << ", atoms=" << options.atoms() << ", solver=" << SparseSolverName(options.coding().solver())
         << ", lambda=" << lambda() << ", learning_rate=" << options.learning_rate() << ")";
}

SparseCodeResult SparseDictionaryImpl::Encode(const at::Tensor& x) const {
  SparseCodingOptions coding = options.coding();
  coding.lambda(lambda());
  return SparseEncode(x.to(dictionary.scalar_type()), dictionary, coding);
}

DictionaryStepStats SparseDictionaryImpl::Step(const at::Tensor& x_in) {
  at::NoGradGuard no_grad;
  const at::Tensor x = x_in.to(dictionary.scalar_type());
  DictionaryStepStats stats;
  stats.lambda = lambda();
  const SparseCodeResult code = Encode(x);
  const at::Tensor& z = code.z;
  const at::Tensor r = x - z.mm(dictionary.t());
  stats.iterations = code.iterations;
  // Under data parallelism `x` is this process's shard of the global batch:
  // the gradient sum (x - D z) z^T, the objective's two sums and the count of
  // non-zeros are summed over every process, so each takes the same step as
  // one process with the whole batch (to the order of float summation).
  if (const DataParallelHooks* hooks = CurrentDataParallelHooks()) {
    at::Tensor gradient = r.t().mm(z);
    int64_t n = x.size(0);
    hooks->sum_counts(gradient, n);
    at::Tensor sums = at::tensor({0.5 * r.pow(2).sum().item<double>(), z.abs().sum().item<double>(),
                                  (z != 0).sum().item<double>()},
                                 at::kDouble);
    int64_t coefficients = z.numel();
    hooks->sum_counts(sums, coefficients);
    TORCH_CHECK(n > 0, "SparseDictionary::Step: the global batch is empty");
    const double n_global = static_cast<double>(n);
    stats.objective = (sums[0].item<double>() + stats.lambda * sums[1].item<double>()) / n_global;
    stats.active_fraction = sums[2].item<double>() / static_cast<double>(coefficients);
    dictionary.add_(gradient, options.learning_rate() / n_global);
  } else {
    const double n = static_cast<double>(x.size(0));
    stats.objective = (0.5 * r.pow(2).sum().item<double>() +
                       stats.lambda * z.abs().sum().item<double>()) / n;
    stats.active_fraction = (z != 0).to(at::kDouble).mean().item<double>();
    dictionary.addmm_(r.t(), z, /*beta=*/1, /*alpha=*/options.learning_rate() / n);
  }
  NormalizeColumns(dictionary);
  const double target = options.target_activity();
  if (target > 0) {
    const double factor =
        std::exp(options.lambda_adaptation() * (stats.active_fraction - target) / target);
    lambda_.fill_(stats.lambda * factor);
  }
  return stats;
}

}  // namespace sparselab
