#include "lib/nn/internal/select_kth.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <utility>

namespace sparselab::internal {
namespace {

constexpr int kMaxDigitBits = 11;  // at most 2048 bins: 8 KB of counts, in L1
constexpr int64_t kSmall = 48;     // at most this many keys: std::nth_element
constexpr int64_t kBlock = 8;      // window flags tested 8 bytes at a time

template <typename K>
int BitWidth(K v) {
  return v == 0 ? 0 : 64 - __builtin_clzll(static_cast<unsigned long long>(v));
}

template <typename K>
void Range(const K* keys, int64_t n, K* low, K* high) {
  K lo = ~K{0};
  K hi = 0;
  for (int64_t i = 0; i < n; ++i) {
    lo = keys[i] < lo ? keys[i] : lo;
    hi = keys[i] > hi ? keys[i] : hi;
  }
  *low = lo;
  *high = hi;
}

// Copies the keys whose flag is set to dst and returns how many. Blocks of
// kBlock flags that are all 0 are skipped: most of them when the window is
// narrow.
template <typename K>
int64_t KeepFlagged(const K* keys, const uint8_t* flags, int64_t n, K* dst) {
  int64_t m = 0;
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    uint64_t any;
    std::memcpy(&any, flags + i, sizeof any);
    if (any == 0) continue;
    for (int64_t j = i; j < i + kBlock; ++j) {
      dst[m] = keys[j];
      m += flags[j];
    }
  }
  for (; i < n; ++i) {
    dst[m] = keys[i];
    m += flags[i];
  }
  return m;
}

}  // namespace

template <typename T>
KthValue<T> KthSelector<T>::Select(const T* values, int64_t n, int64_t k) {
  keys_.resize(n);
  next_.resize(n);
  flags_.resize(n);
  histogram_.resize(int64_t{1} << kMaxDigitBits);
  Key* keys = keys_.data();
  uint8_t* flags = flags_.data();
  // One pass: the keys, their range, and the previous call's window: how many
  // keys lie above it and which lie inside.
  const bool windowed = radius_ > 0 && n > kSmall;
  const Key window_low = center_ - std::min(center_, radius_);
  const Key window_high = center_ + std::min<Key>(~center_, radius_);
  const Key span = window_high - window_low;
  T smallest = values[0];
  T largest = values[0];
  int64_t above = 0;
#pragma omp simd reduction(min : smallest) reduction(max : largest) reduction(+ : above)
  for (int64_t i = 0; i < n; ++i) {
    const Key key = ToSortKey(values[i]);
    keys[i] = key;
    smallest = values[i] < smallest ? values[i] : smallest;
    largest = values[i] > largest ? values[i] : largest;
    above += key > window_high;
    flags[i] = static_cast<Key>(key - window_low) <= span;
  }
  int64_t at_least = 0;
  Key kth;
  int64_t m = windowed ? KeepFlagged(keys, flags, n, next_.data()) : 0;
  if (windowed && above < k && above + m >= k) {
    Key kept_low, kept_high;
    Range(next_.data(), m, &kept_low, &kept_high);
    kth = Radix(next_.data(), m, k - above, above, kept_low, kept_high, &at_least);
    if (m > 2 * kSmall) radius_ = std::max<Key>(1, radius_ / 2);
  } else {
    kth = Radix(keys, n, k, 0, ToSortKey(smallest), ToSortKey(largest), &at_least);
    if (windowed) {
      radius_ = radius_ > ~Key{0} / 4 ? ~Key{0} : radius_ * 4;  // missed: widen
    } else {
      // Start with a window of a 1/64th of the row's key range.
      radius_ = std::max<Key>(1, (ToSortKey(largest) - ToSortKey(smallest)) / 128);
    }
  }
  center_ = kth;
  return {FromSortKey<T>(kth), at_least};
}

template <typename T>
typename KthSelector<T>::Key KthSelector<T>::Radix(Key* src, int64_t n, int64_t k,
                                                   int64_t above, Key low, Key high,
                                                   int64_t* at_least) {
  Key* dst = src == keys_.data() ? next_.data() : keys_.data();
  while (true) {
    if (low == high) {
      *at_least = above + n;
      return low;
    }
    if (n <= kSmall) {
      std::nth_element(src, src + k - 1, src + n, std::greater<Key>());
      const Key kth = src[k - 1];
      int64_t ties = 0;
      for (int64_t i = k; i < n; ++i) ties += src[i] == kth;
      *at_least = above + k + ties;
      return kth;
    }
    // The keys share every bit above the highest one where low and high
    // differ; the bits below it, about twice as many bins as keys, are this
    // level's digit.
    const int digit_bits = std::min<int>(kMaxDigitBits, BitWidth(n) + 1);
    const int shift = std::max(0, BitWidth(low ^ high) - digit_bits);
    const Key base = low >> shift;
    const int64_t bins = static_cast<int64_t>((high >> shift) - base) + 1;
    uint32_t* histogram = histogram_.data();
    std::fill(histogram, histogram + bins, 0u);
    for (int64_t i = 0; i < n; ++i) ++histogram[(src[i] >> shift) - base];
    // The bin, counting down, that holds the k-th largest key.
    int64_t bin = bins - 1;
    int64_t greater = 0;
    while (greater + histogram[bin] < k) greater += histogram[bin--];
    // Keep that bin's keys (branch-free).
    const Key digit = base + static_cast<Key>(bin);
    int64_t m = 0;
    for (int64_t i = 0; i < n; ++i) {
      dst[m] = src[i];
      m += (src[i] >> shift) == digit;
    }
    above += greater;
    k -= greater;
    n = m;
    std::swap(src, dst);
    Range(src, n, &low, &high);
  }
}

template class KthSelector<float>;
template class KthSelector<double>;

}  // namespace sparselab::internal
