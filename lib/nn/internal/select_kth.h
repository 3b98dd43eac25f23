// The k-th largest of n floating-point values by radix selection on their
// bits, for the fused k-winners kernels (winners_kernel.h): each value becomes
// an unsigned key that orders like the value (sign flipped for positives, all
// bits flipped for negatives, -0 folded onto +0), a histogram of the top 11
// key bits finds the bin that holds the k-th key, and the keys of that bin go
// on to the next 11 bits, until few are left for std::nth_element. About two
// passes over the values where std::nth_element needs several.
#ifndef SPARSELAB_LIB_NN_INTERNAL_SELECT_KTH_H_
#define SPARSELAB_LIB_NN_INTERNAL_SELECT_KTH_H_

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace sparselab::internal {

template <typename T>
using SortKey = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;

// Order-preserving key of a non-NaN value: a < b iff key(a) < key(b), and
// key(-0) == key(+0).
template <typename T>
inline SortKey<T> ToSortKey(T value) {
  using K = SortKey<T>;
  using S = std::make_signed_t<K>;
  constexpr int kTop = 8 * sizeof(K) - 1;
  const T folded = value + T(0);  // -0 + 0 = +0; every other value unchanged
  K bits;
  std::memcpy(&bits, &folded, sizeof bits);
  // Negative: flip every bit; otherwise flip the sign bit (branch-free).
  const K flip = static_cast<K>(static_cast<S>(bits) >> kTop) | (K{1} << kTop);
  return bits ^ flip;
}

template <typename T>
inline T FromSortKey(SortKey<T> key) {
  using K = SortKey<T>;
  constexpr K kSign = K{1} << (8 * sizeof(K) - 1);
  const K bits = (key & kSign) ? (key ^ kSign) : ~key;
  T value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

template <typename T>
struct KthValue {
  T value;            // the k-th largest
  int64_t at_least;   // how many values are >= it (k, or more when some tie with it)
};

// Reusable scratch for one thread; T is float or double. Successive rows of a
// batch have similar k-th values, so Select first tries a window of keys
// around the previous call's k-th key: one pass that counts the keys above
// the window and keeps those inside it skips the histogram when the window
// holds the k-th key. The window widens after a miss and narrows when it kept
// too many keys. The result never depends on it.
template <typename T>
class KthSelector {
 public:
  // The k-th largest of values[0, n), 1 <= k <= n, none of them NaN.
  KthValue<T> Select(const T* values, int64_t n, int64_t k);

 private:
  using Key = SortKey<T>;
  // The k-th largest key of src[0, n) (keys_ or next_), whose keys lie in
  // [low, high]; `above` keys already set aside are larger.
  Key Radix(Key* src, int64_t n, int64_t k, int64_t above, Key low, Key high,
            int64_t* at_least);

  std::vector<Key> keys_, next_;
  std::vector<uint8_t> flags_;
  std::vector<uint32_t> histogram_;
  Key center_ = 0, radius_ = 0;  // the window; radius_ = 0: none yet
};

extern template class KthSelector<float>;
extern template class KthSelector<double>;

}  // namespace sparselab::internal

#endif  // SPARSELAB_LIB_NN_INTERNAL_SELECT_KTH_H_
