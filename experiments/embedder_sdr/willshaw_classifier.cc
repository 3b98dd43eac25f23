#include "experiments/embedder_sdr/willshaw_classifier.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/sdr/willshaw.h"

namespace sparselab::embedder_sdr {
namespace {

std::vector<int64_t> ActiveUnits(const at::Tensor& row) {
  const at::Tensor idx = row.nonzero().reshape({-1}).to(at::kLong).contiguous();
  return std::vector<int64_t>(idx.data_ptr<int64_t>(), idx.data_ptr<int64_t>() + idx.numel());
}

}  // namespace

absl::StatusOr<std::vector<WillshawPoint>> WillshawAccuracy(
    const at::Tensor& train_codes, const at::Tensor& train_labels, const at::Tensor& test_codes,
    const at::Tensor& test_labels, int64_t classes, const WillshawClassifierOptions& o) {
  if (train_codes.dim() != 2 || test_codes.dim() != 2 ||
      train_codes.size(1) != test_codes.size(1) || train_labels.numel() != train_codes.size(0) ||
      test_labels.numel() != test_codes.size(0)) {
    return absl::InvalidArgumentError(
        "WillshawAccuracy: codes must be (samples, units) with the same units and one label "
        "per code");
  }
  if (classes < 1 || o.label_units < 1 || o.label_active < 1 || o.label_active > o.label_units) {
    return absl::InvalidArgumentError(
        absl::StrCat("WillshawAccuracy: label codes need 1 <= label_active <= label_units, got ",
                     o.label_active, " of ", o.label_units));
  }
  for (size_t i = 0; i < o.stored_pairs.size(); ++i) {
    const int64_t n = o.stored_pairs[i];
    if (n < 1 || n > train_codes.size(0) || (i > 0 && n <= o.stored_pairs[i - 1])) {
      return absl::InvalidArgumentError(
          absl::StrCat("WillshawAccuracy: stored pair counts must ascend within [1, ",
                       train_codes.size(0), "] (the training codes), got ", n));
    }
  }
  // One random ky-of-ny label code per class.
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  std::vector<std::vector<int64_t>> label_codes(classes);
  for (int64_t c = 0; c < classes; ++c) {
    at::Tensor pick = at::randperm(o.label_units, gen, at::kLong).narrow(0, 0, o.label_active);
    label_codes[c] = ActiveUnits(at::zeros({o.label_units}).index_fill_(0, pick, 1));
  }
  ASSIGN_OR_RETURN(WillshawMemory memory,
                   WillshawMemory::Create({train_codes.size(1), o.label_units}));
  const at::Tensor train = train_codes.ne(0).cpu();
  const at::Tensor test = test_codes.ne(0).cpu();
  const at::Tensor train_y = train_labels.to(at::kLong).cpu().contiguous();
  const at::Tensor test_y = test_labels.to(at::kLong).cpu().contiguous();
  std::vector<std::vector<int64_t>> test_active(test.size(0));
  for (int64_t t = 0; t < test.size(0); ++t) test_active[t] = ActiveUnits(test[t]);

  std::vector<WillshawPoint> out;
  int64_t stored = 0;
  for (const int64_t n : o.stored_pairs) {
    for (; stored < n; ++stored) {
      const std::vector<int64_t> x = ActiveUnits(train[stored]);
      const int64_t y = train_y[stored].item<int64_t>();
      if (x.empty() || y < 0 || y >= classes) continue;
      RETURN_IF_ERROR(memory.Store(x, label_codes[y]));
    }
    int64_t correct = 0, counted = 0;
    for (int64_t t = 0; t < test.size(0); ++t) {
      if (test_active[t].empty()) continue;
      ASSIGN_OR_RETURN(const std::vector<int64_t> counts, memory.Dendrites(test_active[t]));
      const int64_t top = *std::max_element(counts.begin(), counts.end());
      int64_t best = 0, best_overlap = -1, best_sum = -1;
      for (int64_t c = 0; c < classes; ++c) {
        int64_t overlap = 0, sum = 0;
        for (int64_t j : label_codes[c]) {
          overlap += (top > 0 && counts[j] == top) ? 1 : 0;  // recalled: count at the top
          sum += counts[j];
        }
        if (overlap > best_overlap || (overlap == best_overlap && sum > best_sum)) {
          best = c;
          best_overlap = overlap;
          best_sum = sum;
        }
      }
      correct += best == test_y[t].item<int64_t>() ? 1 : 0;
      ++counted;
    }
    WillshawPoint p;
    p.stored_pairs = n;
    p.accuracy = counted > 0 ? static_cast<double>(correct) / static_cast<double>(counted) : 0.0;
    p.synapse_fill = static_cast<double>(memory.SetSynapses()) /
                     static_cast<double>(memory.input_size() * memory.output_size());
    out.push_back(p);
  }
  return out;
}

}  // namespace sparselab::embedder_sdr
