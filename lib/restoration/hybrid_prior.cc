#include "lib/restoration/hybrid_prior.h"

#include <cmath>
#include <limits>
#include <vector>

#include <ATen/core/grad_mode.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/restoration/dct_dictionary.h"

namespace sparselab {
namespace {

bool IsOrthonormal(const at::Tensor& d) {
  if (d.size(0) != d.size(1)) return false;
  return (d.t().mm(d) - at::eye(d.size(1), d.options())).abs().max().item<double>() <= 1e-10;
}

absl::Status CheckFinite(const char* what, const at::Tensor& t) {
  if (!at::isfinite(t).all().item<bool>()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " has NaN or infinite values"));
  }
  return absl::OkStatus();
}

}  // namespace

at::Tensor SoftThresholdAround(const at::Tensor& v, const at::Tensor& mu,
                               const at::Tensor& threshold) {
  const at::Tensor dev = v - mu;
  return mu + at::sign(dev) * at::clamp_min(dev.abs() - threshold, 0);
}

absl::StatusOr<at::Tensor> CodesAroundPrior(const at::Tensor& y, const at::Tensor& dictionary,
                                            const at::Tensor& mu, const at::Tensor& lambdas,
                                            const PriorCodingOptions& options) {
  for (const auto& [name, t] : {std::pair<const char*, const at::Tensor&>{"y", y},
                                {"the dictionary", dictionary},
                                {"mu", mu}}) {
    if (!t.defined() || t.dim() != 2 || t.numel() == 0 || !at::isFloatingType(t.scalar_type())) {
      return absl::InvalidArgumentError(
          absl::StrCat("CodesAroundPrior: ", name, " must be a non-empty floating 2-D tensor"));
    }
  }
  const int64_t n = y.size(0), d = y.size(1), k = dictionary.size(1);
  if (dictionary.size(0) != d || mu.size(0) != n || mu.size(1) != k) {
    return absl::InvalidArgumentError(
        absl::StrCat("CodesAroundPrior: shapes disagree: y ", c10::str(y.sizes()), ", dictionary ",
                     c10::str(dictionary.sizes()), ", mu ", c10::str(mu.sizes()),
                     "; expected y (N, d), dictionary (d, K), mu (N, K)"));
  }
  if (!lambdas.defined() || lambdas.dim() != 1 || lambdas.size(0) != k) {
    return absl::InvalidArgumentError(
        absl::StrCat("CodesAroundPrior: lambdas must be a (K) = (", k, ") tensor"));
  }
  RETURN_IF_ERROR(CheckFinite("CodesAroundPrior: y", y));
  RETURN_IF_ERROR(CheckFinite("CodesAroundPrior: the dictionary", dictionary));
  RETURN_IF_ERROR(CheckFinite("CodesAroundPrior: mu", mu));
  RETURN_IF_ERROR(CheckFinite("CodesAroundPrior: lambdas", lambdas));
  if (!(lambdas > 0).all().item<bool>()) {
    return absl::InvalidArgumentError("CodesAroundPrior: every lambda_k must be > 0");
  }
  at::NoGradGuard no_grad;
  const at::Tensor yd = y.to(at::kDouble), dd = dictionary.to(at::kDouble), md = mu.to(at::kDouble);
  const at::Tensor lam = lambdas.to(at::kDouble);
  if (!options.force_iterative() && IsOrthonormal(dd)) {
    // ||y - D a||^2 = ||D^T y - a||^2: per coefficient (v - a)^2 + lambda |a - mu|.
    return SoftThresholdAround(yd.mm(dd), md, lam / 2);
  }
  // z = Lambda (a - mu): 1/2 ||(y - D mu) - D Lambda^{-1} z||^2 + 1/2 ||z||_1.
  const at::Tensor scaled = dd / lam.view({1, k});
  const at::Tensor target = yd - md.mm(dd.t());
  SparseCodingOptions coding = options.fista();
  coding.lambda(0.5);
  RETURN_IF_ERROR(ValidateSparseCodingInputs(target, scaled, coding));
  const at::Tensor z = SparseEncode(target, scaled, coding).z;
  return md + z / lam.view({1, k});
}

absl::StatusOr<at::Tensor> NonLocalCodeMean(const ImagePatches& patches, const at::Tensor& codes,
                                            const NonLocalMeanOptions& options) {
  const int64_t nr = static_cast<int64_t>(patches.grid_rows.size());
  const int64_t nc = static_cast<int64_t>(patches.grid_cols.size());
  if (!patches.values.defined() || patches.values.dim() != 2 || patches.values.size(0) != nr * nc ||
      nr * nc == 0) {
    return absl::InvalidArgumentError(
        "NonLocalCodeMean: patches must come from ExtractPatches (values (N, p^2) on its grid)");
  }
  const int64_t n = nr * nc;
  if (!codes.defined() || codes.dim() != 2 || codes.size(0) != n ||
      !at::isFloatingType(codes.scalar_type())) {
    return absl::InvalidArgumentError(
        absl::StrCat("NonLocalCodeMean: codes must be a floating (N, K) tensor with N = ", n,
                     " (one per patch)"));
  }
  if (options.search_radius() < 0 || options.min_offset() < 0 || options.neighbours() < 1 ||
      !(options.h() > 0) || !std::isfinite(options.h())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "NonLocalCodeMean: needs search_radius >= 0, min_offset >= 0, neighbours >= 1 and a finite "
        "h > 0, got ",
        options.search_radius(), ", ", options.min_offset(), ", ", options.neighbours(), " and ",
        options.h()));
  }
  RETURN_IF_ERROR(CheckFinite("NonLocalCodeMean: the codes", codes));
  RETURN_IF_ERROR(CheckFinite("NonLocalCodeMean: the patches", patches.values));
  at::NoGradGuard no_grad;
  const at::Tensor p = patches.values.to(at::kDouble);
  const at::Tensor c = codes.to(at::kDouble);
  const int64_t m = options.neighbours(), radius = options.search_radius();
  const int64_t min_offset = options.min_offset();
  const double inf = std::numeric_limits<double>::infinity();
  // Grid coordinates of every patch and the pixel coordinates of the grid.
  const at::Tensor ga = at::arange(n, at::kLong).floor_divide(nc);
  const at::Tensor gb = at::arange(n, at::kLong).remainder(nc);
  const at::Tensor rows = at::tensor(patches.grid_rows, at::kLong);
  const at::Tensor cols = at::tensor(patches.grid_cols, at::kLong);
  // Grid offsets worth visiting: some pair of coordinates within the radius.
  auto offsets = [&](const std::vector<int64_t>& coords) {
    std::vector<int64_t> out;
    const int64_t len = static_cast<int64_t>(coords.size());
    for (int64_t o = -(len - 1); o <= len - 1; ++o) {
      for (int64_t i = std::max<int64_t>(0, -o); i < std::min(len, len - o); ++i) {
        if (std::abs(coords[i + o] - coords[i]) <= radius) {
          out.push_back(o);
          break;
        }
      }
    }
    return out;
  };
  at::Tensor best_d = at::full({n, m}, inf, at::kDouble);
  at::Tensor best_i = at::zeros({n, m}, at::kLong);
  for (int64_t da : offsets(patches.grid_rows)) {
    const at::Tensor na = ga + da;
    const at::Tensor row_ok = (na >= 0) & (na < nr);
    const at::Tensor na_c = na.clamp(0, nr - 1);
    const at::Tensor dr = (rows.index_select(0, na_c) - rows.index_select(0, ga)).abs();
    const at::Tensor row_near = dr <= radius;
    const at::Tensor row_far = dr >= min_offset;
    for (int64_t db : offsets(patches.grid_cols)) {
      const at::Tensor nb = gb + db;
      const at::Tensor nb_c = nb.clamp(0, nc - 1);
      const at::Tensor dc = (cols.index_select(0, nb_c) - cols.index_select(0, gb)).abs();
      const at::Tensor ok = row_ok & row_near & (nb >= 0) & (nb < nc) & (dc <= radius) &
                            (row_far | (dc >= min_offset));
      const at::Tensor j = na_c * nc + nb_c;
      const at::Tensor dist =
          at::where(ok, (p - p.index_select(0, j)).pow(2).sum(1), at::full({}, inf, at::kDouble));
      const at::Tensor all_d = at::cat({best_d, dist.view({n, 1})}, 1);
      const at::Tensor all_i = at::cat({best_i, j.view({n, 1})}, 1);
      auto [top, where] = at::topk(all_d, m, 1, /*largest=*/false, /*sorted=*/false);
      best_d = top;
      best_i = all_i.gather(1, where);
    }
  }
  // Weights relative to the nearest candidate (the same ratios, no
  // underflow); exp(-inf) = 0 for unfilled slots. A patch without any
  // candidate keeps its own code.
  const at::Tensor nearest = std::get<0>(best_d.min(1, /*keepdim=*/true));
  const at::Tensor none = at::isinf(nearest).view({-1});
  const at::Tensor w =
      at::exp(-(best_d - at::where(at::isinf(nearest), at::zeros_like(nearest), nearest)) /
              options.h());  // (N, m)
  const at::Tensor neighbour_codes = c.index_select(0, best_i.view({-1})).view({n, m, -1});
  const at::Tensor mean = (w.unsqueeze(2) * neighbour_codes).sum(1) / w.sum(1, /*keepdim=*/true);
  return at::where(none.view({n, 1}), c, mean);
}

HybridPriorPredictorImpl::HybridPriorPredictorImpl(HybridPriorPredictorOptions options_)
    : options(options_) {
  reset();
}

void HybridPriorPredictorImpl::reset() {
  const HybridPriorPredictorOptions& o = options;
  TORCH_CHECK(o.channels() >= 1 && o.width() >= 1,
              "HybridPriorPredictor: channels and width must be >= 1");
  TORCH_CHECK(o.depth() >= 2, "HybridPriorPredictor: depth must be >= 2 convolutions, got ",
              o.depth());
  TORCH_CHECK(o.kernel_size() >= 1 && o.kernel_size() % 2 == 1,
              "HybridPriorPredictor: kernel_size must be odd and >= 1, got ", o.kernel_size());
  body = register_module("body", torch::nn::Sequential());
  const int64_t k = o.kernel_size();
  for (int64_t l = 0; l < o.depth(); ++l) {
    const int64_t in = l == 0 ? o.channels() : o.width();
    const int64_t out = l == o.depth() - 1 ? o.channels() : o.width();
    body->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).padding(k / 2)));
    if (l != o.depth() - 1) body->push_back(torch::nn::ReLU());
  }
}

void HybridPriorPredictorImpl::pretty_print(std::ostream& stream) const {
  stream << "sparselab::HybridPriorPredictor(channels=" << options.channels()
         << ", width=" << options.width() << ", depth=" << options.depth()
         << ", kernel_size=" << options.kernel_size() << ")";
}

at::Tensor HybridPriorPredictorImpl::forward(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == options.channels(),
              "HybridPriorPredictor: x must be (N, ", options.channels(), ", H, W), got ",
              x.sizes());
  return x - body->forward(x);
}

absl::StatusOr<at::Tensor> HybridPredictorLoss(HybridPriorPredictor& predictor,
                                               const at::Tensor& noisy, const at::Tensor& clean) {
  if (predictor.is_empty()) {
    return absl::InvalidArgumentError("HybridPredictorLoss: the predictor is empty");
  }
  const int64_t c = predictor->options.channels();
  if (!noisy.defined() || !clean.defined() || noisy.dim() != 4 || noisy.size(1) != c ||
      noisy.sizes() != clean.sizes() || noisy.numel() == 0 ||
      !at::isFloatingType(noisy.scalar_type()) || !at::isFloatingType(clean.scalar_type())) {
    return absl::InvalidArgumentError(
        absl::StrCat("HybridPredictorLoss: noisy and clean must be floating (N, ", c,
                     ", H, W) tensors of the same shape, got ",
                     noisy.defined() ? c10::str(noisy.sizes()) : std::string("undefined"), " and ",
                     clean.defined() ? c10::str(clean.sizes()) : std::string("undefined")));
  }
  const at::ScalarType dtype = predictor->parameters().front().scalar_type();
  const at::Tensor estimate = predictor->forward(noisy.to(dtype));
  return (estimate - clean.to(dtype)).pow(2).mean();
}

absl::StatusOr<HybridPriorResult> HybridPriorDenoiseWithEstimate(const at::Tensor& noisy,
                                                                 double sigma_255,
                                                                 const at::Tensor& external,
                                                                 const HybridPriorOptions& o) {
  if (!std::isfinite(sigma_255) || !(sigma_255 > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HybridPriorDenoise: sigma (the noise standard deviation on the 0-255 scale) must be "
        "finite and > 0, got ",
        sigma_255));
  }
  if (o.iterations() < 1 || !(o.external_weight() >= 0 && o.external_weight() <= 1) ||
      !(o.h_factor() > 0) || !std::isfinite(o.h_factor()) || !(o.min_deviation_factor() > 0) ||
      !std::isfinite(o.min_deviation_factor()) || !(o.estimate_lambda_factor() >= 0) ||
      !std::isfinite(o.estimate_lambda_factor()) || std::isnan(o.averaging_lambda())) {
    return absl::InvalidArgumentError(
        "HybridPriorDenoise: needs iterations >= 1, external_weight in [0, 1], finite h_factor > 0 "
        "and min_deviation_factor > 0, finite estimate_lambda_factor >= 0, averaging_lambda not "
        "NaN");
  }
  const double sigma = sigma_255 / 255.0;
  ASSIGN_OR_RETURN(const ImagePatches py, ExtractPatches(noisy, o.patch_size(), o.stride()));
  const int64_t p2 = o.patch_size() * o.patch_size();
  at::Tensor d;
  if (o.dictionary().defined()) {
    const at::Tensor& g = o.dictionary();
    if (g.dim() != 2 || g.size(0) != p2 || g.size(1) == 0 || !at::isFloatingType(g.scalar_type())) {
      return absl::InvalidArgumentError(
          absl::StrCat("HybridPriorDenoise: the dictionary must be a floating (p^2, K) = (", p2,
                       ", K) tensor, got ", c10::str(g.sizes())));
    }
    RETURN_IF_ERROR(CheckFinite("HybridPriorDenoise: the dictionary", g));
    d = g.to(at::kDouble);
    const double worst = (d.norm(2, {0}) - 1).abs().max().item<double>();
    if (worst > 1e-6) {
      return absl::InvalidArgumentError(absl::StrCat(
          "HybridPriorDenoise: the dictionary's columns must have unit norm (largest deviation ",
          worst, "); normalise them, e.g. with NormalizeColumns"));
    }
  } else {
    ASSIGN_OR_RETURN(d, OvercompleteDctDictionary(o.patch_size(), p2));
  }
  const int64_t k = d.size(1);
  const bool orthonormal = IsOrthonormal(d);
  at::NoGradGuard no_grad;
  // CHOICE: codes of an estimate's patches.
  auto codes_of = [&](const at::Tensor& values) -> absl::StatusOr<at::Tensor> {
    const at::Tensor v = values.to(at::kDouble);
    if (orthonormal) return v.mm(d);
    SparseCodingOptions coding = o.coding().fista();
    coding.lambda(o.estimate_lambda_factor() * sigma);
    RETURN_IF_ERROR(ValidateSparseCodingInputs(v, d, coding));
    return SparseEncode(v, d, coding).z;
  };
  at::Tensor external_codes;
  at::Tensor estimate = noisy.to(at::kDouble).reshape({py.height, py.width});
  if (external.defined()) {
    const bool gray = external.dim() == 2 ||
                      (external.dim() == 4 && external.size(0) == 1 && external.size(1) == 1);
    if (!gray || external.size(-2) != py.height || external.size(-1) != py.width) {
      return absl::InvalidArgumentError(
          absl::StrCat("HybridPriorDenoise: the external estimate is ", c10::str(external.sizes()),
                       ", the noisy image ", c10::str(noisy.sizes()),
                       "; it must be (H, W) or (1, 1, H, W) with the same H and W"));
    }
    auto pe = ExtractPatches(external.reshape({py.height, py.width}), o.patch_size(), o.stride());
    if (!pe.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("HybridPriorDenoise (external estimate): ", pe.status().message()));
    }
    ASSIGN_OR_RETURN(external_codes, codes_of(pe->values));
    estimate = external.to(at::kDouble).reshape({py.height, py.width});
  }
  ASSIGN_OR_RETURN(const at::Tensor noisy_codes, codes_of(py.values));
  const double lambda_avg = o.averaging_lambda() >= 0 ? o.averaging_lambda() : 30.0 / sigma_255;
  const NonLocalMeanOptions nl = NonLocalMeanOptions()
                                     .search_radius(o.search_radius())
                                     .min_offset(o.exclude_overlapping() ? o.patch_size() : 0)
                                     .neighbours(o.neighbours())
                                     .h(o.h_factor() * p2 * sigma * sigma);
  const double w = external_codes.defined() ? o.external_weight() : 0.0;
  HybridPriorResult result;
  for (int64_t it = 0; it < o.iterations(); ++it) {
    at::Tensor mu = at::zeros({py.values.size(0), k}, at::kDouble);
    if (o.use_internal() && w < 1) {
      ASSIGN_OR_RETURN(const ImagePatches pe, ExtractPatches(estimate, o.patch_size(), o.stride()));
      at::Tensor estimate_codes;
      if (it == 0 && !external.defined()) {
        estimate_codes = noisy_codes;
      } else {
        ASSIGN_OR_RETURN(estimate_codes, codes_of(pe.values));
      }
      ASSIGN_OR_RETURN(const at::Tensor internal, NonLocalCodeMean(pe, estimate_codes, nl));
      mu = (1 - w) * internal;
    }
    if (external_codes.defined() && (w > 0 || !o.use_internal())) {
      mu = mu + (o.use_internal() ? w : 1.0) * external_codes;
    }
    // CHOICE: lambda_k = 2 sqrt(2) sigma^2 / sigma_k, sigma_k from the noisy codes.
    const at::Tensor spread = ((noisy_codes - mu).pow(2).mean(0) - sigma * sigma)
                                  .clamp_min(std::pow(o.min_deviation_factor() * sigma, 2))
                                  .sqrt();
    const at::Tensor lambdas = 2 * std::sqrt(2.0) * sigma * sigma / spread;
    ASSIGN_OR_RETURN(const at::Tensor a,
                     CodesAroundPrior(py.values.to(at::kDouble), d, mu, lambdas, o.coding()));
    ASSIGN_OR_RETURN(estimate, AveragePatches(a.mm(d.t()), py.positions, py.height, py.width,
                                              noisy.to(at::kDouble), lambda_avg));
    result.lambdas = lambdas;
  }
  result.image = estimate.reshape(noisy.sizes()).to(noisy.scalar_type());
  return result;
}

absl::StatusOr<HybridPriorResult> HybridPriorDenoise(const at::Tensor& noisy, double sigma_255,
                                                     HybridPriorPredictor predictor,
                                                     const HybridPriorOptions& options) {
  if (predictor.is_empty()) {
    return HybridPriorDenoiseWithEstimate(noisy, sigma_255, at::Tensor(), options);
  }
  if (predictor->options.channels() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("HybridPriorDenoise: the predictor must have 1 channel (gray images), it has ",
                     predictor->options.channels()));
  }
  if (!noisy.defined() || !at::isFloatingType(noisy.scalar_type()) ||
      (noisy.dim() != 2 && !(noisy.dim() == 4 && noisy.size(0) == 1 && noisy.size(1) == 1))) {
    return absl::InvalidArgumentError(
        "HybridPriorDenoise: the noisy image must be a floating (H, W) or (1, 1, H, W) tensor");
  }
  at::NoGradGuard no_grad;
  const at::ScalarType dtype = predictor->parameters().front().scalar_type();
  const int64_t h = noisy.size(-2), w = noisy.size(-1);
  const at::Tensor external = predictor->forward(noisy.reshape({1, 1, h, w}).to(dtype));
  return HybridPriorDenoiseWithEstimate(noisy, sigma_255, external.reshape(noisy.sizes()), options);
}

}  // namespace sparselab
