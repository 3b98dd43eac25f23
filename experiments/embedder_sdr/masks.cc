#include "experiments/embedder_sdr/masks.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"

namespace sparselab::embedder_sdr {

absl::StatusOr<MaskStudy> StudyMasks(ShallowEmbedder& model, const Dataset& test,
                                     const InputTransform& normalize, const MaskStudyOptions& o) {
  if (o.images < 1 || o.images > test.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("StudyMasks: images must be in [1, ", test.size(), "], got ", o.images));
  }
  const bool was_training = model->is_training();
  model->eval();  // batch norm with running statistics, the test-time code
  const bool softmax = model->options.head == Head::kSoftmax;
  std::map<std::string, double> sums;
  std::vector<at::Tensor> originals, masks, masked;
  for (int64_t i = 0; i < o.images; ++i) {
    const at::Tensor image = test.inputs[i];  // (1, 28, 28) in [0, 1]
    const int64_t label = test.targets[i].item<int64_t>();
    // The kWTA head's unit: the strongest pre-activation on the clean image.
    int64_t unit = 0;
    double scale = 1;
    if (!softmax) {
      at::NoGradGuard no_grad;
      const at::Tensor z =
          model->fc_out->forward(model->Forward(normalize(image.unsqueeze(0))).hidden)[0];
      unit = z.argmax().item<int64_t>();
      scale = std::max(1e-6, std::abs(z[unit].item<double>()));
    }
    const ImageScoreFunction score = [&](const at::Tensor& x) -> at::Tensor {
      const LayerOutputs out = model->Forward(normalize(x));
      if (softmax) return out.output.select(1, label).exp();  // log-probabilities
      return model->fc_out->forward(out.hidden).select(1, unit) / scale;
    };
    ASSIGN_OR_RETURN(const MaskResult r, OptimizeMask(score, image, o.mask));
    const at::Tensor baseline = PerturbImage(image, o.mask);
    const at::Tensor mask_order = OrderingFromMask(r.mask);
    const at::Tensor random_order = RandomOrdering(image.size(1) * image.size(2), 1000 + i);
    ASSIGN_OR_RETURN(const at::Tensor saliency_order, SaliencyOrdering(score, image));
    const std::pair<const char*, at::Tensor> orders[] = {
        {"mask", mask_order}, {"random", random_order}, {"saliency", saliency_order}};
    for (const auto& [name, order] : orders) {
      ASSIGN_OR_RETURN(const PerturbationCurve del,
                       DeletionCurve(score, image, order, baseline, o.curve_steps));
      ASSIGN_OR_RETURN(const PerturbationCurve ins,
                       InsertionCurve(score, image, order, baseline, o.curve_steps));
      sums[absl::StrCat("deletion_auc_", name)] += CurveArea(del);
      sums[absl::StrCat("insertion_auc_", name)] += CurveArea(ins);
    }
    sums["mask_deleted_area"] += (1 - r.mask).mean().item<double>();
    sums["mask_original_score"] += r.original_score;
    sums["mask_final_score"] += r.final_score;
    sums["mask_blurred_score"] += r.perturbed_score;
    originals.push_back(image);
    masks.push_back(r.mask.unsqueeze(0).to(image.dtype()));
    at::NoGradGuard no_grad;
    const at::Tensor m = r.mask.unsqueeze(0).to(image.dtype());
    masked.push_back(m * image + (1 - m) * baseline);
  }
  model->train(was_training);
  MaskStudy out;
  for (const auto& [name, sum] : sums) {
    out.metrics.emplace_back(name, sum / static_cast<double>(o.images));
  }
  out.grid = at::cat({at::stack(originals), at::stack(masks), at::stack(masked)}, 0)
                 .clamp(0, 1)
                 .to(at::kFloat);
  return out;
}

}  // namespace sparselab::embedder_sdr
