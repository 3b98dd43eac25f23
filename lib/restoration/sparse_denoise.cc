#include "lib/restoration/sparse_denoise.h"

#include <cmath>
#include <tuple>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/restoration/dct_dictionary.h"
#include "lib/restoration/patches.h"

namespace sparselab {
namespace {

absl::Status CheckUnitColumns(const char* what, const at::Tensor& d, int64_t rows) {
  if (!d.defined() || d.dim() != 2 || d.size(0) != rows || d.size(1) == 0 ||
      !at::isFloatingType(d.scalar_type())) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": the dictionary must be a floating (p^2, K) = (", rows, ", K) tensor, got ",
        d.defined() ? c10::str(d.sizes()) : std::string("undefined")));
  }
  if (!at::isfinite(d).all().item<bool>()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": the dictionary has NaN or infinity"));
  }
  const double worst = (d.to(at::kDouble).norm(2, {0}) - 1).abs().max().item<double>();
  if (worst > 1e-6) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the dictionary's columns must have unit norm (largest deviation ",
                     worst, "); normalise them, e.g. with NormalizeColumns"));
  }
  return absl::OkStatus();
}

// Mean-removed patch rows and their means (N, 1).
std::pair<at::Tensor, at::Tensor> RemoveMeans(const at::Tensor& patches) {
  const at::Tensor means = patches.mean(1, /*keepdim=*/true);
  return {patches - means, means};
}

// The codes (N, K) of `x` (N, d) over `d` by the options' coder.
absl::StatusOr<at::Tensor> Code(const at::Tensor& x, const at::Tensor& d, double sigma,
                                const SparseDenoiseOptions& o, double* mean_atoms) {
  if (o.coder() == DenoiseCoder::kOmp) {
    const int64_t p2 = o.patch_size() * o.patch_size();
    const int64_t cap = o.omp_max_atoms() > 0 ? o.omp_max_atoms() : std::max<int64_t>(1, p2 / 2);
    ASSIGN_OR_RETURN(OmpResult res,
                     BatchOmp(x, d,
                              OmpOptions()
                                  .epsilon(KsvdErrorTarget(o.patch_size(), sigma, o.omp_gain()))
                                  .max_atoms(std::min(cap, d.size(1)))));
    if (mean_atoms != nullptr) *mean_atoms = res.atoms.to(at::kDouble).mean().item<double>();
    return res.codes;
  }
  SparseCodingOptions coding = o.fista();
  coding.lambda(o.fista_lambda_factor() * sigma);
  RETURN_IF_ERROR(ValidateSparseCodingInputs(x, d, coding));
  if (mean_atoms != nullptr) *mean_atoms = 0;
  return SparseEncode(x, d, coding).z;
}

}  // namespace

absl::StatusOr<KsvdResult> Ksvd(const at::Tensor& patches, const at::Tensor& initial,
                                int64_t iterations, const OmpOptions& omp) {
  if (!patches.defined() || patches.dim() != 2 || patches.size(0) == 0 ||
      !at::isFloatingType(patches.scalar_type())) {
    return absl::InvalidArgumentError("Ksvd: patches must be a non-empty floating (N, d) tensor");
  }
  RETURN_IF_ERROR(CheckUnitColumns("Ksvd", initial, patches.size(1)));
  if (iterations < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ksvd: iterations must be >= 1, got ", iterations));
  }
  at::NoGradGuard no_grad;
  const at::Tensor x = patches.to(at::kDouble);
  at::Tensor d = initial.to(at::kDouble).clone();
  const int64_t k_atoms = d.size(1);
  KsvdResult result;
  for (int64_t it = 0; it < iterations; ++it) {
    ASSIGN_OR_RETURN(OmpResult coded, BatchOmp(x, d, omp));
    at::Tensor a = coded.codes;  // (N, K) double
    // The residual R = X - A D^T, kept up to date atom by atom.
    at::Tensor r = x - a.mm(d.t());
    KsvdIterationStats stats;
    stats.mean_atoms = coded.atoms.to(at::kDouble).mean().item<double>();
    stats.error_before = r.pow(2).sum().item<double>();
    for (int64_t j = 0; j < k_atoms; ++j) {
      const at::Tensor omega = a.select(1, j).nonzero().view({-1});
      if (omega.size(0) == 0) {
        // Unused: the worst-represented patch takes its place (its code on
        // atom j is 0, so the error does not change).
        const at::Tensor errors = r.pow(2).sum(1);
        const int64_t worst = errors.argmax().item<int64_t>();
        const double norm = x[worst].norm().item<double>();
        if (norm > 1e-12 && errors[worst].item<double>() > 1e-24) {
          d.select(1, j).copy_(x[worst] / norm);
          ++stats.replaced_atoms;
        }
        continue;
      }
      const at::Tensor aj = a.select(1, j).index_select(0, omega);  // (|omega|)
      const at::Tensor dj = d.select(1, j);
      // E = R[omega] + a_j d_j^T, approximated by its top singular pair.
      const at::Tensor e = r.index_select(0, omega) + at::outer(aj, dj);
      at::Tensor u, s, vh;
      std::tie(u, s, vh) = at::linalg_svd(e, /*full_matrices=*/false);
      const at::Tensor new_d = vh[0];
      const at::Tensor new_a = s[0] * u.select(1, 0);
      d.select(1, j).copy_(new_d);
      a.select(1, j).index_copy_(0, omega, new_a);
      r.index_copy_(0, omega, e - at::outer(new_a, new_d));
    }
    stats.error_after = (x - a.mm(d.t())).pow(2).sum().item<double>();
    result.stats.push_back(stats);
  }
  result.dictionary = d;
  return result;
}

absl::StatusOr<SparseDenoiseResult> SparseCodingDenoise(const at::Tensor& noisy, double sigma_255,
                                                        const SparseDenoiseOptions& o) {
  if (!std::isfinite(sigma_255) || !(sigma_255 > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SparseCodingDenoise: sigma (the noise standard deviation on the 0-255 scale) must be "
        "finite and > 0, got ",
        sigma_255));
  }
  const double sigma = sigma_255 / 255.0;
  ASSIGN_OR_RETURN(ImagePatches ps, ExtractPatches(noisy, o.patch_size(), o.stride()));
  const int64_t p2 = o.patch_size() * o.patch_size();
  if (o.omp_max_atoms() < 0) {
    return absl::InvalidArgumentError("SparseCodingDenoise: omp_max_atoms must be >= 0");
  }
  if (!(o.omp_gain() > 0) || !std::isfinite(o.omp_gain()) || !(o.fista_lambda_factor() >= 0) ||
      !std::isfinite(o.fista_lambda_factor()) || std::isnan(o.averaging_lambda())) {
    return absl::InvalidArgumentError(
        "SparseCodingDenoise: omp_gain must be finite and > 0, fista_lambda_factor finite and >= "
        "0, averaging_lambda not NaN");
  }
  at::NoGradGuard no_grad;
  const at::Tensor values = ps.values.to(at::kDouble);
  auto [centred, means] = RemoveMeans(values);
  SparseDenoiseResult result;
  at::Tensor d;
  switch (o.dictionary_kind()) {
    case DenoiseDictionary::kGiven:
      RETURN_IF_ERROR(CheckUnitColumns("SparseCodingDenoise", o.dictionary(), p2));
      d = o.dictionary().to(at::kDouble);
      break;
    case DenoiseDictionary::kDct:
    case DenoiseDictionary::kKsvd: {
      auto dct = OvercompleteDctDictionary(o.patch_size(), o.atoms());
      if (!dct.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("SparseCodingDenoise: ", dct.status().message()));
      }
      d = *dct;
      break;
    }
  }
  if (o.dictionary_kind() == DenoiseDictionary::kKsvd) {
    if (o.ksvd_iterations() < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SparseCodingDenoise: ksvd_iterations must be >= 1, got ", o.ksvd_iterations()));
    }
    const int64_t cap = o.omp_max_atoms() > 0 ? o.omp_max_atoms() : std::max<int64_t>(1, p2 / 2);
    ASSIGN_OR_RETURN(KsvdResult learned,
                     Ksvd(centred, d, o.ksvd_iterations(),
                          OmpOptions()
                              .epsilon(KsvdErrorTarget(o.patch_size(), sigma, o.omp_gain()))
                              .max_atoms(std::min(cap, d.size(1)))));
    d = learned.dictionary;
    result.ksvd = learned.stats;
  }
  ASSIGN_OR_RETURN(const at::Tensor codes, Code(centred, d, sigma, o, &result.mean_atoms));
  const at::Tensor restored = codes.mm(d.t()) + means;
  const double lambda = o.averaging_lambda() >= 0 ? o.averaging_lambda() : 30.0 / sigma_255;
  ASSIGN_OR_RETURN(const at::Tensor image, AveragePatches(restored, ps.positions, ps.height,
                                                          ps.width, noisy.to(at::kDouble), lambda));
  result.image = image.reshape(noisy.sizes()).to(noisy.scalar_type());
  result.dictionary = d;
  return result;
}

absl::StatusOr<at::Tensor> LearnPatchDictionary(const std::vector<at::Tensor>& clean_images,
                                                const PatchDictionaryOptions& o,
                                                at::Generator generator) {
  if (clean_images.empty()) {
    return absl::InvalidArgumentError("LearnPatchDictionary: no training image given");
  }
  if (o.steps() < 1 || o.batch_size() < 1 || o.atoms() < 1 || !(o.learning_rate() > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "LearnPatchDictionary: steps, batch_size and atoms must be >= 1 and learning_rate > 0, "
        "got ",
        o.steps(), ", ", o.batch_size(), ", ", o.atoms(), " and ", o.learning_rate()));
  }
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> all;
  for (size_t i = 0; i < clean_images.size(); ++i) {
    auto ps = ExtractPatches(clean_images[i], o.patch_size(), o.stride());
    if (!ps.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("LearnPatchDictionary: image ", i, ": ", ps.status().message()));
    }
    all.push_back(RemoveMeans(ps->values.to(at::kDouble)).first);
  }
  const at::Tensor x = at::cat(all, 0);
  const int64_t p2 = o.patch_size() * o.patch_size();
  at::Tensor init;
  if (o.dct_init()) {
    auto dct = OvercompleteDctDictionary(o.patch_size(), o.atoms());
    if (!dct.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("LearnPatchDictionary (dct_init): ", dct.status().message()));
    }
    init = *dct;
  } else {
    init = at::randn({p2, o.atoms()}, generator, at::kDouble);
    init = init / init.norm(2, {0}, true);
  }
  RETURN_IF_ERROR(ValidateSparseCodingInputs(x.narrow(0, 0, 1), init, o.coding()));
  SparseDictionary model(
      SparseDictionaryOptions(p2, o.atoms()).learning_rate(o.learning_rate()).coding(o.coding()));
  model->to(at::kDouble);
  model->dictionary.copy_(init);
  for (int64_t step = 0; step < o.steps(); ++step) {
    const at::Tensor batch = x.index_select(
        0, at::randint(x.size(0), {o.batch_size()}, generator, at::TensorOptions(at::kLong)));
    model->Step(batch);
  }
  return model->dictionary.clone();
}

}  // namespace sparselab
