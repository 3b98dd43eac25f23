#include "experiments/sparse_autoencoder/cs294a.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/optim/lbfgs.h>

#include "absl/strings/str_cat.h"
#include "experiments/sparse_autoencoder/code_stats.h"
#include "lib/base/plot.h"
#include "lib/base/status_macros.h"
#include "lib/data/image_patches.h"
#include "lib/nn/gabor_fit.h"
#include "lib/nn/sparse_autoencoder.h"

namespace sparselab::sparse_autoencoder {
namespace {

// The assignment's sampleIMAGES normalisation: patches truncated to +/- 3
// standard deviations (of all patch pixels) and mapped to [0.1, 0.9], the
// range of the sigmoid outputs.
at::Tensor Cs294aNormalize(const at::Tensor& patches) {
  const at::Tensor centred = patches - patches.mean(1, true);
  const double s = 3 * centred.std().item<double>();
  return (centred.clamp(-s, s) / s + 1) * 0.4 + 0.1;
}

}  // namespace

absl::Status RunCs294a(Experiment& ex, const Cs294aOptions& o, int64_t seed, bool first_seed) {
  ASSIGN_OR_RETURN(const std::vector<at::Tensor> raw, LoadGrayImages(o.images));
  std::vector<at::Tensor> white;
  for (const at::Tensor& x : raw) white.push_back(ScaleToVariance(OlshausenWhiten(x, o.whiten_f0), 0.1));
  const std::string row = kCs294aRow;
  {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed) * 31 + 7);
    PatchOptions po;
    po.size = o.patch_size;
    po.subtract_mean = false;
    const int64_t per_image = (o.patches + static_cast<int64_t>(white.size()) - 1) /
                              static_cast<int64_t>(white.size());
    ASSIGN_OR_RETURN(at::Tensor patches, PatchesPerImage(white, per_image, po, gen));
    patches = patches.index_select(0, at::randperm(patches.size(0), gen, at::kLong).narrow(0, 0, o.patches));
    const at::Tensor x = Cs294aNormalize(patches.to(at::kDouble));
    SparseAutoencoder model(SparseAutoencoderOptions({o.patch_size * o.patch_size, o.hidden})
                                .sparsity(SparsityMechanism::kKL)
                                .rho(o.rho)
                                .beta(o.beta)
                                .weight_decay(o.lambda)
                                .reconstruction_loss(ReconstructionLoss::kHalfSumPerSample));
    model->to(at::kDouble);
    // The assignment's initialisation: W ~ U(-r, r), r = sqrt(6 / (in + out + 1)), b = 0.
    {
      at::NoGradGuard no_grad;
      const double r = std::sqrt(6.0 / (o.patch_size * o.patch_size + o.hidden + 1));
      for (auto& p : model->named_parameters()) {
        if (p.key().find("weight") != std::string::npos) {
          p.value().uniform_(-r, r, gen);
        } else {
          p.value().zero_();
        }
      }
    }
    torch::optim::LBFGS lbfgs(model->parameters(), torch::optim::LBFGSOptions(1)
                                                       .max_iter(o.iterations)
                                                       .max_eval(o.iterations * 5 / 4)
                                                       .tolerance_grad(1e-9)
                                                       .tolerance_change(1e-12)
                                                       .history_size(100)
                                                       .line_search_fn("strong_wolfe"));
    lbfgs.step([&] {
      lbfgs.zero_grad();
      at::Tensor loss = model->Loss(x).total;
      loss.backward();
      return loss;
    });
    const AutoencoderLoss final_loss = model->Loss(x);
    const at::Tensor code = final_loss.code.detach();
    const RhoDeviation dev = MeasureRhoDeviation(code, o.rho);
    ex.table().Add(row, "objective", seed, final_loss.total.item<double>());
    ex.table().Add(row, "reconstruction_term", seed, final_loss.reconstruction.item<double>());
    ex.table().Add(row, "sparsity_term", seed, final_loss.sparsity.item<double>());
    ex.table().Add(row, "weight_decay_term", seed, final_loss.weight_decay.item<double>());
    ex.table().Add(row, "mean_activation", seed, code.mean().item<double>());
    ex.table().Add(row, "rho_abs_dev_mean", seed, dev.mean_abs);
    ex.table().Add(row, "rho_abs_dev_max", seed, dev.max_abs);
    // The filters the notes show: each hidden unit's input weights W1 row.
    const at::Tensor w = model->encoder_linears[0]->weight.detach();
    const at::Tensor filters = w.reshape({o.hidden, o.patch_size, o.patch_size});
    const std::vector<GaborFit> fits = FitGabors(filters);
    std::vector<double> r2;
    for (const GaborFit& f : fits) r2.push_back(f.r2);
    std::sort(r2.begin(), r2.end());
    double mean = 0;
    for (double v : r2) mean += v / static_cast<double>(r2.size());
    ex.table().Add(row, "gabor_r2_mean", seed, mean);
    ex.table().Add(row, "gabor_r2_median", seed, r2[r2.size() / 2]);
    ex.table().Add(row, "gabor_r2_min", seed, r2.front());
    ex.table().Add(row, "gabor_r2_above_0_8", seed,
                   static_cast<double>(std::count_if(r2.begin(), r2.end(), [](double v) { return v > 0.8; })));
    if (first_seed) {
      nlohmann::json per_filter = nlohmann::json::array();
      for (const GaborFit& f : fits) per_filter.push_back(f.r2);
      ex.extra()["cs294a_gabor_r2"] = per_filter;
      const at::Tensor lo = std::get<0>(w.min(1, true)), hi = std::get<0>(w.max(1, true));
      const at::Tensor img = ((w - lo) / (hi - lo).clamp_min(1e-12))
                                 .reshape({o.hidden, 1, o.patch_size, o.patch_size});
      RETURN_IF_ERROR(WriteImageGrid(ex.OutputPath("filters_cs294a.png"), img.to(at::kFloat),
                                     static_cast<int>(std::lround(std::sqrt(o.hidden))), 6));
    }
  }
  ex.table().SetPaper(row, "mean_activation", o.rho);
  return absl::OkStatus();
}

}  // namespace sparselab::sparse_autoencoder
