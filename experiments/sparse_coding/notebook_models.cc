#include "experiments/sparse_coding/notebook_models.h"

#include <chrono>
#include <cmath>

#include <c10/util/Exception.h>

#include "absl/strings/str_format.h"
#include "experiments/sparse_coding/filter_analysis.h"
#include "lib/nn/foldiak.h"
#include "lib/nn/sparse_coding.h"

namespace sparselab::sparse_coding {
namespace {

at::Tensor Batch(const at::Tensor& pool, int64_t batch, at::Generator& gen) {
  return pool.index_select(0, at::randint(pool.size(0), {batch}, gen));
}

// Codes of `x` in chunks (settling a whole test set at once would wait for its slowest row).
template <typename F>
at::Tensor CodeInChunks(const at::Tensor& x, int64_t chunk, F code) {
  std::vector<at::Tensor> parts;
  for (int64_t i = 0; i < x.size(0); i += chunk) {
    parts.push_back(code(x.narrow(0, i, std::min(chunk, x.size(0) - i))));
  }
  return at::cat(parts, 0);
}

}  // namespace

ModelResult TrainNotebookModel(const std::string& model, const NotebookOptions& o,
                               const at::Tensor& pool, const at::Tensor& decoder_train,
                               const at::Tensor& test, at::Generator generator,
                               Progress& progress, int64_t& done) {
  const auto start = std::chrono::steady_clock::now();
  ModelResult r;
  r.model = model;
  const int64_t d = pool.size(1);
  if (model == "foldiak" || model == "sailnet") {
    FoldiakOptions fo = model == "sailnet"
                            ? SailnetOptions(d, o.units)
                            : FoldiakOptions(d, o.units)
                                  .lambda(o.foldiak_lambda)
                                  .max_steps(o.foldiak_max_steps)
                                  .feedforward_init(WeightInit::kGaussian);
    fo.alpha(o.alpha).beta(o.beta).gamma(o.gamma).p(o.p);
    Foldiak net(fo);
    for (int64_t t = 1; t <= o.trials; ++t) {
      const SettleResult s = net->Learn(Batch(pool, o.batch, generator));
      if (t % 50 == 0) {
        progress.Update(done + t, absl::StrFormat("%s: activity %.3f", model,
                                                  (s.y > 0).to(at::kDouble).mean().item<double>()));
      }
    }
    const auto code = [&](const at::Tensor& x) { return net->Settle(x).y; };
    r.train_codes = CodeInChunks(decoder_train, 500, code);
    r.test_codes = CodeInChunks(test, 500, code);
    r.filters = net->q.clone();
    r.unconverged = net->unconverged_settlings();
  } else if (model == "sparse_coding") {
    SparseDictionary dict(SparseDictionaryOptions(d, o.units)
                              .learning_rate(o.sc_learning_rate)
                              .target_activity(o.p)
                              .lambda_adaptation(o.sc_lambda_adaptation)
                              .coding(SparseCodingOptions().lambda(o.sc_lambda).tol(1e-3).max_iter(500)));
    for (int64_t t = 1; t <= o.trials; ++t) {
      const DictionaryStepStats s = dict->Step(Batch(pool, o.batch, generator));
      if (t % 50 == 0) {
        progress.Update(done + t, absl::StrFormat("sparse coding: activity %.3f lambda %.4f",
                                                  s.active_fraction, s.lambda));
      }
    }
    SparseDictionaryImpl& impl = *dict;
    const auto code = [&](const at::Tensor& x) {
      SparseCodingOptions c = impl.options.coding();
      c.lambda(impl.lambda()).tol(1e-6).max_iter(5000);
      return SparseEncode(x.to(at::kFloat), impl.dictionary, c).z;
    };
    r.train_codes = CodeInChunks(decoder_train, 2000, code);
    r.test_codes = CodeInChunks(test, 2000, code);
    r.filters = dict->dictionary.t().clone();
    r.lambda = dict->lambda();
    r.reconstruction_snr_db = SnrDb(test, r.test_codes.mm(dict->dictionary.t()));
  } else {
    TORCH_CHECK(false, "unknown notebook model '", model, "'");
  }
  done += o.trials;
  r.activity = (r.test_codes != 0).to(at::kDouble).mean().item<double>();
  r.mean_code = r.test_codes.to(at::kDouble).mean().item<double>();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace sparselab::sparse_coding
