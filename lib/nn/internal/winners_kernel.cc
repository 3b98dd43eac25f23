#include "lib/nn/internal/winners_kernel.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <vector>

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <torch/autograd.h>

#include "lib/nn/internal/select_kth.h"

namespace sparselab::internal {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Samples per parallel task: about at::internal::GRAIN_SIZE elements.
int64_t Grain(int64_t units) {
  return std::max<int64_t>(1, at::internal::GRAIN_SIZE / std::max<int64_t>(1, units));
}

template <typename T>
bool HasNaN(const T* values, int64_t n) {
  int nan = 0;
#pragma omp simd reduction(| : nan)
  for (int64_t i = 0; i < n; ++i) nan |= values[i] != values[i];
  return nan != 0;
}

// ---------------------------------------------------------------------------
// k-winners

// The units that compete for k places: a whole sample (global) or the
// channels at one position of a sample (local).
struct Contest {
  int64_t sample;
  int64_t position;
};

template <typename T>
struct KWinnersJob {
  const T* x;
  const T* factor;
  T* out;
  uint8_t* mask;  // bool bytes; nullptr: not kept
  int64_t channels, positions;
  bool local;
  int64_t k;
  bool break_ties, relu;

  int64_t units() const { return channels * positions; }
  int64_t contestants() const { return local ? channels : units(); }
  // Offset of contestant j of contest c, and its channel.
  int64_t Unit(const Contest& c, int64_t j) const {
    return c.sample * units() + (local ? j * positions + c.position : j);
  }
  int64_t Channel(int64_t unit) const { return (unit % units()) / positions; }
};

// Output, mask and activity of len units that share a threshold (or, with
// kPerPosition, take threshold[i]). NaN thresholds keep nobody. Branch-free,
// so that it vectorises.
template <typename T, bool kPerPosition>
void Keep(const T* boosted, const T* x, const T* threshold, int64_t len, bool everyone,
          bool relu, T* out, uint8_t* mask, int32_t* active) {
  const int all = everyone, any_sign = !relu;
#pragma omp simd
  for (int64_t i = 0; i < len; ++i) {
    const T t = kPerPosition ? threshold[i] : threshold[0];
    const int keep = (all | (boosted[i] >= t)) & (any_sign | (boosted[i] > T(0)));
    out[i] = keep ? x[i] : T(0);
    mask[i] = keep;
    active[i] += keep & (x[i] > T(0));
  }
}

// The threshold of a contest from its k-th largest score and how many
// scores are >= it: NaN when topk must decide (recorded in *deferred) or
// nobody wins (a NaN score with break_ties = false: topk ranks NaN above
// everything, so the ATen path's threshold, the smallest of the top k, is NaN).
template <typename T>
T Decide(const KWinnersJob<T>& job, bool nan, T kth, int64_t at_least, const Contest& contest,
         std::vector<Contest>* deferred) {
  if (job.break_ties && (nan || at_least > job.k)) deferred->push_back(contest);
  return nan || (job.break_ties && at_least > job.k) ? std::numeric_limits<T>::quiet_NaN() : kth;
}

// The threshold of a contest whose scores are contiguous.
template <typename T>
T Threshold(const KWinnersJob<T>& job, KthSelector<T>& selector, const T* scores,
            const Contest& contest, std::vector<Contest>* deferred) {
  const int64_t n = job.contestants();
  if (HasNaN(scores, n)) return Decide<T>(job, true, T(0), 0, contest, deferred);
  const KthValue<T> kth = selector.Select(scores, n, job.k);
  return Decide(job, false, kth.value, kth.at_least, contest, deferred);
}

// Local mode with few winners: the k largest of the channels at every
// position at once, each channel pushed through a per-position list of the k
// largest so far (compare and swap, vectorised across positions). kth[p] is
// the k-th largest at p; at_least[p] counts the channels >= it; nan[p] flags a
// NaN. O(channels k positions), against a selection per position.
constexpr int64_t kMaxNetworkK = 16;

template <typename T>
struct TopKLists {
  std::vector<T> top;   // (k, positions): top[j * positions + p], descending in j
  std::vector<T> carry;  // (positions): the value being pushed down the list
  std::vector<int32_t> at_least;
  std::vector<uint8_t> nan;
};

template <typename T>
void LocalKth(const T* boosted, int64_t channels, int64_t positions, int64_t k,
              TopKLists<T>& lists) {
  lists.top.assign(k * positions, -std::numeric_limits<T>::infinity());
  lists.carry.resize(positions);
  lists.at_least.assign(positions, 0);
  lists.nan.assign(positions, 0);
  T* carry = lists.carry.data();
  uint8_t* nan = lists.nan.data();
  for (int64_t c = 0; c < channels; ++c) {
    const T* b = boosted + c * positions;
#pragma omp simd
    for (int64_t p = 0; p < positions; ++p) {
      carry[p] = b[p];
      nan[p] |= b[p] != b[p];
    }
    for (int64_t j = 0; j < k; ++j) {
      T* top = lists.top.data() + j * positions;
#pragma omp simd
      for (int64_t p = 0; p < positions; ++p) {
        const T v = carry[p], t = top[p];
        const T larger = v > t ? v : t;  // both before the stores, so that it vectorises
        const T smaller = v > t ? t : v;
        top[p] = larger;
        carry[p] = smaller;
      }
    }
  }
  const T* kth = lists.top.data() + (k - 1) * positions;
  int32_t* at_least = lists.at_least.data();
  for (int64_t c = 0; c < channels; ++c) {
    const T* b = boosted + c * positions;
#pragma omp simd
    for (int64_t p = 0; p < positions; ++p) at_least[p] += b[p] >= kth[p];
  }
}

// Samples [begin, end): outputs and mask; per-unit activity added to active.
template <typename T>
void KWinnersSamples(const KWinnersJob<T>& job, int64_t begin, int64_t end,
                     std::vector<int32_t>& active, std::vector<Contest>* deferred) {
  const int64_t channels = job.channels, positions = job.positions, units = job.units();
  const bool everyone = job.k == job.contestants();
  std::vector<T> boosted(units);
  std::vector<T> thresholds(job.local ? positions : 1, T(0));
  std::vector<T> fiber(job.local ? channels : 0);
  const bool network = job.local && job.k <= kMaxNetworkK;
  TopKLists<T> lists;
  std::vector<uint8_t> scratch_mask(job.mask == nullptr ? units : 0);
  KthSelector<T> selector;
  for (int64_t s = begin; s < end; ++s) {
    const T* x = job.x + s * units;
    T* b = boosted.data();
    if (positions == 1) {
#pragma omp simd
      for (int64_t c = 0; c < channels; ++c) b[c] = x[c] * job.factor[c];
    } else {
      for (int64_t c = 0; c < channels; ++c) {
        const T f = job.factor[c];
#pragma omp simd
        for (int64_t p = 0; p < positions; ++p) b[c * positions + p] = x[c * positions + p] * f;
      }
    }
    if (!everyone && !job.local) {
      thresholds[0] = Threshold(job, selector, b, {s, 0}, deferred);
    } else if (!everyone && network) {
      LocalKth(b, channels, positions, job.k, lists);
      const T* kth = lists.top.data() + (job.k - 1) * positions;
      for (int64_t p = 0; p < positions; ++p) {
        thresholds[p] = Decide(job, lists.nan[p], kth[p], lists.at_least[p], {s, p}, deferred);
      }
    } else if (!everyone) {
      for (int64_t p = 0; p < positions; ++p) {
        for (int64_t c = 0; c < channels; ++c) fiber[c] = b[c * positions + p];
        thresholds[p] = Threshold(job, selector, fiber.data(), {s, p}, deferred);
      }
    }
    T* out = job.out + s * units;
    uint8_t* mask = job.mask != nullptr ? job.mask + s * units : scratch_mask.data();
    if (!job.local) {
      Keep<T, false>(boosted.data(), x, thresholds.data(), units, everyone, job.relu, out, mask,
                     active.data());
      continue;
    }
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t o = c * positions;
      Keep<T, true>(boosted.data() + o, x + o, thresholds.data(), positions, everyone, job.relu,
                    out + o, mask + o, active.data() + o);
    }
  }
}

// The deferred contests, decided by at::topk on their boosted scores (the
// call the ATen path makes, so its choice among ties is kept).
template <typename T>
void DecideByTopk(const KWinnersJob<T>& job, const std::vector<Contest>& deferred,
                  int64_t* active) {
  const int64_t rows = static_cast<int64_t>(deferred.size());
  const int64_t n = job.contestants();
  at::Tensor scores = at::empty({rows, n}, c10::CppTypeToScalarType<T>::value);
  T* s = scores.data_ptr<T>();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < n; ++j) {
      const int64_t unit = job.Unit(deferred[r], j);
      s[r * n + j] = job.x[unit] * job.factor[job.Channel(unit)];
    }
  }
  const at::Tensor indices =
      std::get<1>(scores.topk(job.k, /*dim=*/1, /*largest=*/true, /*sorted=*/false)).contiguous();
  const int64_t* index = indices.data_ptr<int64_t>();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < job.k; ++j) {
      const int64_t unit = job.Unit(deferred[r], index[r * job.k + j]);
      const int64_t channel = job.Channel(unit);
      const T x = job.x[unit];
      const bool keep = !job.relu || x * job.factor[channel] > T(0);
      job.out[unit] = keep ? x : T(0);
      if (job.mask != nullptr) job.mask[unit] = keep;
      active[channel] += keep && x > T(0);
    }
  }
}

template <typename T>
void RunKWinners(KWinnersJob<T> job, int64_t batch, int64_t* active) {
  std::mutex merge;
  std::vector<Contest> deferred;
  at::parallel_for(0, batch, Grain(job.units()), [&](int64_t begin, int64_t end) {
    std::vector<int32_t> unit_active(job.units(), 0);
    std::vector<Contest> mine;
    KWinnersSamples(job, begin, end, unit_active, &mine);
    std::lock_guard<std::mutex> lock(merge);
    for (int64_t u = 0; u < job.units(); ++u) active[u / job.positions] += unit_active[u];
    deferred.insert(deferred.end(), mine.begin(), mine.end());
  });
  if (!deferred.empty()) DecideByTopk(job, deferred, active);
}

// out (and the mask, if asked for) of the k-winners of x.
at::Tensor KWinnersOutputs(const at::Tensor& x_in, const at::Tensor& factor_in,
                           const WinnerGroups& groups, int64_t k, bool break_ties, bool relu,
                           at::Tensor* mask, at::Tensor* active) {
  const at::Tensor x = x_in.contiguous();
  const at::Tensor factor = factor_in.contiguous();
  const int64_t batch = x.size(0);
  TORCH_CHECK(x.numel() == batch * groups.channels * groups.positions,
              "KWinnersForward: input of shape ", x.sizes(), " does not have ", groups.channels,
              " x ", groups.positions, " units per sample");
  TORCH_CHECK(factor.numel() == groups.channels, "KWinnersForward: ", factor.numel(),
              " boost factors for ", groups.channels, " channels");
  TORCH_CHECK(batch <= std::numeric_limits<int32_t>::max(),
              "KWinnersForward: batch of ", batch, " samples is too large; split it");
  at::Tensor out = at::empty_like(x);
  if (mask != nullptr) *mask = at::empty(x.sizes(), x.options().dtype(at::kBool));
  *active = at::zeros({groups.channels}, x.options().dtype(at::kLong));
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "KWinnersForward", [&] {
    KWinnersJob<scalar_t> job{x.data_ptr<scalar_t>(),
                              factor.data_ptr<scalar_t>(),
                              out.data_ptr<scalar_t>(),
                              mask != nullptr
                                  ? reinterpret_cast<uint8_t*>(mask->data_ptr<bool>())
                                  : nullptr,
                              groups.channels,
                              groups.positions,
                              groups.local,
                              k,
                              break_ties,
                              relu};
    RunKWinners(job, batch, active->data_ptr<int64_t>());
  });
  return out;
}

// (The masks are bool tensors read as bytes: GCC does not vectorise bool loads.)
template <typename T>
void ApplyMaskTo(const T* grad, const uint8_t* mask, int64_t n, T* result) {
  at::parallel_for(0, n, at::internal::GRAIN_SIZE, [&](int64_t begin, int64_t end) {
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) {
      const T g = grad[i];  // read unconditionally, so that the select vectorises
      result[i] = mask[i] ? g : T(0);
    }
  });
}

// The gradient of x.masked_fill(~mask, 0): the winners' gradient, 0 elsewhere.
at::Tensor ApplyMask(const at::Tensor& grad, const at::Tensor& mask) {
  if (at::GradMode::is_enabled() || !FusedWinnersApply(grad) || grad.sizes() != mask.sizes()) {
    return grad.masked_fill(mask.logical_not(), 0);  // differentiable, any device
  }
  const at::Tensor g = grad.contiguous();
  at::Tensor result = at::empty_like(g);
  AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "ApplyMask", [&] {
    ApplyMaskTo(g.data_ptr<scalar_t>(), reinterpret_cast<const uint8_t*>(mask.data_ptr<bool>()),
                g.numel(),
                result.data_ptr<scalar_t>());
  });
  return result;
}

class KWinnersFunction : public torch::autograd::Function<KWinnersFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& factor,
                            WinnerGroups groups, int64_t k, bool break_ties, bool relu,
                            at::Tensor* active) {
    at::Tensor mask;
    at::Tensor out = KWinnersOutputs(x, factor, groups, k, break_ties, relu, &mask, active);
    ctx->save_for_backward({mask});
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const at::Tensor mask = ctx->get_saved_variables()[0];
    return {ApplyMask(grads[0], mask), at::Tensor(), at::Tensor(), at::Tensor(),
            at::Tensor(),           at::Tensor(), at::Tensor()};
  }
};

// ---------------------------------------------------------------------------
// kWTA

// A row's k-th and (k+1)-th largest values and how many values are >= each
// (NaN values: both NaN).
template <typename T>
struct KthAndNext {
  T kth, next;
  int64_t at_least_kth, at_least_next;
  bool nan;
};

template <typename T>
KthAndNext<T> SelectKthAndNext(KthSelector<T>& selector, const T* v, int64_t n, int64_t k) {
  constexpr T kNaN = std::numeric_limits<T>::quiet_NaN();
  if (HasNaN(v, n)) return {kNaN, kNaN, 0, 0, true};
  const KthValue<T> kth = selector.Select(v, n, k);
  if (kth.at_least > k) return {kth.value, kth.value, kth.at_least, kth.at_least, false};
  T next = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : next)
  for (int64_t i = 0; i < n; ++i) next = v[i] < kth.value && v[i] > next ? v[i] : next;
  int64_t at_least_next = 0;
#pragma omp simd reduction(+ : at_least_next)
  for (int64_t i = 0; i < n; ++i) at_least_next += v[i] >= next;
  return {kth.value, next, k, at_least_next, false};
}

// The midpoint as winners.h computes it: 0.5 * (kth + next) in T.
template <typename T>
T Midpoint(const KthAndNext<T>& v) {
  return T(0.5) * (v.kth + v.next);
}

template <typename T>
void CodeRows(const T* x, int64_t batch, int64_t n, int64_t k, bool straight_through, T* out) {
  at::parallel_for(0, batch, Grain(n), [&](int64_t begin, int64_t end) {
    KthSelector<T> selector;
    for (int64_t r = begin; r < end; ++r) {
      const T* v = x + r * n;
      T* code = out + r * n;
      const T t = Midpoint(SelectKthAndNext(selector, v, n, k));
      if (straight_through) {
        // KWTABinary's value: code + (x - x), NaN where x is infinite or NaN.
#pragma omp simd
        for (int64_t i = 0; i < n; ++i) code[i] = T(v[i] > t) + (v[i] - v[i]);
      } else {
#pragma omp simd
        for (int64_t i = 0; i < n; ++i) code[i] = T(v[i] > t);
      }
    }
  });
}

at::Tensor CodeOf(const at::Tensor& flat_in, int64_t k, bool straight_through) {
  const at::Tensor flat = flat_in.contiguous();
  at::Tensor out = at::empty_like(flat);
  AT_DISPATCH_FLOATING_TYPES(flat.scalar_type(), "KWTACode", [&] {
    CodeRows(flat.data_ptr<scalar_t>(), flat.size(0), flat.size(1), k, straight_through,
             out.data_ptr<scalar_t>());
  });
  return out;
}

// Per row of x: the k-th and (k+1)-th largest values, and whether topk's
// choice among ties (or a NaN) matters for either.
template <typename T>
void ThresholdRows(const T* x, int64_t batch, int64_t n, int64_t k, T* kth, T* next,
                   uint8_t* tie_kth, uint8_t* tie_next) {
  at::parallel_for(0, batch, Grain(n), [&](int64_t begin, int64_t end) {
    KthSelector<T> selector;
    for (int64_t r = begin; r < end; ++r) {
      const KthAndNext<T> v = SelectKthAndNext(selector, x + r * n, n, k);
      kth[r] = v.kth;
      next[r] = v.next;
      tie_kth[r] = v.nan || v.at_least_kth > k;
      tie_next[r] = v.nan || v.at_least_next > k + 1;
    }
  });
}

class StraightThrough : public torch::autograd::Function<StraightThrough> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& flat, int64_t k) {
    return CodeOf(flat, k, /*straight_through=*/true);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    return {grads[0], at::Tensor()};
  }
};

// The gradient of topk(flat, k).values.amin(1, keepdim) for row r: amin
// shares grad[r] equally among the chosen values equal to the minimum
// value[r] (q = grad / count, times 1 or 0), topk scatters that back to the
// chosen units, the rest get 0. chosen: topk's choice for the row, or nullptr
// when no value ties with the k-th, so that the chosen are those >= it.
template <typename T>
void KthGradientRow(const T* x, int64_t n, T value, T grad, const uint8_t* chosen, T* out) {
  int64_t count = 0;
  if (chosen != nullptr) {
#pragma omp simd reduction(+ : count)
    for (int64_t i = 0; i < n; ++i) count += chosen[i] & (x[i] == value);
  } else {
#pragma omp simd reduction(+ : count)
    for (int64_t i = 0; i < n; ++i) count += x[i] == value;
  }
  // share * 1 and share * 0 (NaN when share is not finite), as ATen computes
  // them; selects instead of products inside the loops, so that they vectorise.
  const T share = grad / static_cast<T>(count);
  const T share_times_zero = share * T(0);
  if (chosen != nullptr) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      const T s = x[i] == value ? share : share_times_zero;
      out[i] = chosen[i] ? s : T(0);
    }
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      const T s = x[i] == value ? share : share_times_zero;
      out[i] = x[i] >= value ? s : T(0);
    }
  }
}

template <typename T>
void KthGradient(const T* x, int64_t batch, int64_t n, const T* value, const T* grad,
                 const std::vector<int64_t>& tie_of_row, const uint8_t* chosen, T* out) {
  at::parallel_for(0, batch, Grain(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const uint8_t* row = tie_of_row[r] < 0 ? nullptr : chosen + tie_of_row[r] * n;
      KthGradientRow(x + r * n, n, value[r], grad[r], row, out + r * n);
    }
  });
}

// One of MidpointThreshold's two order statistics as a node of the graph:
// value = the k-th largest of each row of flat, with the gradient of
// topk(flat, k).values.amin(1, keepdim).
class KthValueFunction : public torch::autograd::Function<KthValueFunction> {
 public:
  // value: (batch, 1); rows: int64 rows whose choice topk must make.
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& flat,
                            const at::Tensor& value, int64_t k, const at::Tensor& rows) {
    at::Tensor chosen = at::zeros({rows.numel(), flat.size(1)}, flat.options().dtype(at::kBool));
    if (rows.numel() > 0) {
      const at::Tensor indices =
          std::get<1>(flat.index_select(0, rows).topk(k, 1, /*largest=*/true, /*sorted=*/false));
      chosen.scatter_(1, indices, true);
    }
    ctx->save_for_backward({flat, value});
    ctx->saved_data["rows"] = rows;
    ctx->saved_data["chosen"] = chosen;
    return value.clone();
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor& flat = saved[0];
    const at::Tensor& value = saved[1];
    const at::Tensor rows = ctx->saved_data["rows"].toTensor();
    const at::Tensor chosen = ctx->saved_data["chosen"].toTensor();
    if (at::GradMode::is_enabled() || !FusedWinnersApply(grads[0], flat)) {
      // The same in ATen operations, differentiable (a second derivative).
      at::Tensor all_chosen = flat >= value;
      if (rows.numel() > 0) all_chosen.index_put_({rows}, chosen);
      const at::Tensor equal = flat == value;
      const at::Tensor count = all_chosen.logical_and(equal).sum(1, /*keepdim=*/true);
      const at::Tensor share = (grads[0] / count) * equal;
      return {at::where(all_chosen, share, at::zeros({}, share.options())), at::Tensor(),
              at::Tensor(), at::Tensor()};
    }
    const at::Tensor x = flat.contiguous();
    const at::Tensor g = grads[0].contiguous();
    at::Tensor out = at::empty_like(x);
    std::vector<int64_t> tie_of_row(x.size(0), -1);
    const int64_t* row = rows.data_ptr<int64_t>();
    for (int64_t t = 0; t < rows.numel(); ++t) tie_of_row[row[t]] = t;
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "KthValueBackward", [&] {
      KthGradient(x.data_ptr<scalar_t>(), x.size(0), x.size(1), value.data_ptr<scalar_t>(),
                  g.data_ptr<scalar_t>(), tie_of_row,
                  reinterpret_cast<const uint8_t*>(chosen.data_ptr<bool>()),
                  out.data_ptr<scalar_t>());
    });
    return {out, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

thread_local bool fused_winners_enabled = true;

}  // namespace

bool FusedWinnersEnabled() { return fused_winners_enabled; }

bool UseFusedWinners(const at::Tensor& x, const at::Tensor& factor) {
  return fused_winners_enabled && FusedWinnersApply(x, factor);
}

AtenWinnersScope::AtenWinnersScope() : previous_(fused_winners_enabled) {
  fused_winners_enabled = false;
}

AtenWinnersScope::~AtenWinnersScope() { fused_winners_enabled = previous_; }

bool FusedWinnersApply(const at::Tensor& x, const at::Tensor& factor) {
  const bool type_ok = x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble;
  const bool factor_ok = !factor.defined() || (factor.device() == x.device() &&
                                               factor.scalar_type() == x.scalar_type());
  return x.defined() && x.device().is_cpu() && x.layout() == at::kStrided && type_ok &&
         factor_ok && x.dim() >= 1 && x.numel() > 0;
}

KWinnersResult KWinnersForward(const at::Tensor& x, const at::Tensor& factor,
                               const WinnerGroups& groups, int64_t k, bool break_ties,
                               bool relu) {
  TORCH_CHECK(FusedWinnersApply(x, factor),
              "KWinnersForward: needs CPU float or double tensors of one dtype");
  const int64_t contestants = groups.local ? groups.channels : groups.channels * groups.positions;
  TORCH_CHECK(k >= 1 && k <= contestants, "KWinnersForward: k = ", k, " is outside [1, ",
              contestants, "]");
  KWinnersResult result;
  if (at::GradMode::is_enabled() && x.requires_grad()) {
    result.out = KWinnersFunction::apply(x, factor.detach(), groups, k, break_ties, relu,
                                         &result.active);
  } else {
    result.out = KWinnersOutputs(x, factor, groups, k, break_ties, relu, nullptr, &result.active);
  }
  return result;
}

at::Tensor KWTACode(const at::Tensor& flat, int64_t k, bool straight_through) {
  TORCH_CHECK(FusedWinnersApply(flat) && flat.dim() == 2, "KWTACode: needs a CPU float or "
              "double (batch, units) tensor, got ", flat.sizes());
  TORCH_CHECK(k >= 1 && k < flat.size(1), "KWTACode: k = ", k, " needs 1 <= k < ", flat.size(1));
  if (straight_through && at::GradMode::is_enabled() && flat.requires_grad()) {
    return StraightThrough::apply(flat, k);
  }
  at::NoGradGuard no_grad;
  return CodeOf(flat, k, straight_through);
}

at::Tensor MidpointThreshold(const at::Tensor& flat_in, int64_t k) {
  TORCH_CHECK(FusedWinnersApply(flat_in) && flat_in.dim() == 2, "MidpointThreshold: needs a CPU "
              "float or double (batch, units) tensor, got ", flat_in.sizes());
  TORCH_CHECK(k >= 1 && k < flat_in.size(1), "MidpointThreshold: k = ", k,
              " needs a (k+1)-th value; choose 1 <= k < ", flat_in.size(1));
  const int64_t batch = flat_in.size(0), n = flat_in.size(1);
  at::Tensor kth = at::empty({batch, 1}, flat_in.options());
  at::Tensor next = at::empty_like(kth);
  // Rows where topk's choice among ties decides the gradient.
  std::vector<uint8_t> tie_kth(batch), tie_next(batch);
  {
    at::NoGradGuard no_grad;
    const at::Tensor flat = flat_in.contiguous();
    AT_DISPATCH_FLOATING_TYPES(flat.scalar_type(), "MidpointThreshold", [&] {
      ThresholdRows(flat.data_ptr<scalar_t>(), batch, n, k, kth.data_ptr<scalar_t>(),
                    next.data_ptr<scalar_t>(), tie_kth.data(), tie_next.data());
    });
  }
  if (!at::GradMode::is_enabled() || !flat_in.requires_grad()) return 0.5 * (kth + next);
  auto rows_of = [&](const std::vector<uint8_t>& tie) {
    std::vector<int64_t> rows;
    for (int64_t r = 0; r < batch; ++r) {
      if (tie[r]) rows.push_back(r);
    }
    return at::tensor(rows, at::kLong);
  };
  const at::Tensor rows_kth = rows_of(tie_kth);
  const at::Tensor rows_next = rows_of(tie_next);
  // One expression shaped like winners.h's MidpointThreshold: C++ leaves the
  // order of the two operands to the compiler, and this way the two nodes are
  // made in the same order as there, so that autograd adds their gradients of
  // flat in the same order (floating-point addition is not associative).
  return 0.5 * (KthValueFunction::apply(flat_in, kth, k, rows_kth) +
                KthValueFunction::apply(flat_in, next, k + 1, rows_next));
}

}  // namespace sparselab::internal
