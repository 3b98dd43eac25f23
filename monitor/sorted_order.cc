#include "monitor/sorted_order.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace sparselab {
namespace monitor {
namespace {

// Four 11-bit digits on the top 44 bits of the key (sign, exponent and 32
// mantissa bits), then runs of equal top bits (values within a relative
// 2^-32 of each other: rare for continuous data, whole runs for repeated
// values) are put in full order by a comparison sort. Measured at N = 1e6:
// 20% faster than six passes over all 64 bits, which were faster than eight
// passes of 256 buckets and four of 65536.
constexpr int kDigitBits = 11;
constexpr int kDigits = 4;
constexpr int kLowBits = 64 - kDigitBits * kDigits;  // not sorted by the passes
constexpr uint64_t kBuckets = uint64_t{1} << kDigitBits;
// Below this size a comparison sort of (key, position) pairs is faster.
constexpr int64_t kRadixFrom = 1024;

// Unsigned integers in the order of the doubles (-0.0 as 0.0).
inline uint64_t OrderedBits(double v) {
  v += 0.0;  // -0.0 + 0.0 = +0.0
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);
}

struct Item {
  uint64_t key;
  int64_t position;
};

bool ByKeyThenPosition(const Item& a, const Item& b) {
  return a.key != b.key ? a.key < b.key : a.position < b.position;
}

}  // namespace

std::vector<int64_t> SortedOrder(const double* values, int64_t n, int64_t stride) {
  std::vector<Item> items(n);
  for (int64_t i = 0; i < n; ++i) items[i] = {OrderedBits(values[i * stride]), i};
  std::vector<int64_t> order(n);
  if (n < kRadixFrom) {
    std::sort(items.begin(), items.end(), ByKeyThenPosition);
  } else {
    std::vector<uint64_t> counts(kDigits * kBuckets, 0);
    for (const Item& item : items) {
      for (int g = 0; g < kDigits; ++g)
        ++counts[g * kBuckets + ((item.key >> (kLowBits + g * kDigitBits)) & (kBuckets - 1))];
    }
    std::vector<Item> out(n);
    for (int g = 0; g < kDigits; ++g) {
      uint64_t* count = counts.data() + g * kBuckets;
      const int shift = kLowBits + g * kDigitBits;
      // A digit that every key shares leaves the order unchanged.
      if (count[(items[0].key >> shift) & (kBuckets - 1)] == static_cast<uint64_t>(n)) continue;
      uint64_t next = 0;  // counts -> first slot of each bucket
      for (uint64_t b = 0; b < kBuckets; ++b) {
        const uint64_t c = count[b];
        count[b] = next;
        next += c;
      }
      for (const Item& item : items) out[count[(item.key >> shift) & (kBuckets - 1)]++] = item;
      items.swap(out);
    }
    // The passes were stable, so each run of equal top bits is in position
    // order: already final when its keys are all equal.
    for (int64_t begin = 0; begin < n;) {
      const uint64_t top = items[begin].key >> kLowBits;
      int64_t end = begin + 1;
      bool equal = true;
      for (; end < n && (items[end].key >> kLowBits) == top; ++end)
        equal = equal && items[end].key == items[begin].key;
      if (!equal) std::sort(items.begin() + begin, items.begin() + end, ByKeyThenPosition);
      begin = end;
    }
  }
  for (int64_t i = 0; i < n; ++i) order[i] = items[i].position;
  return order;
}

}  // namespace monitor
}  // namespace sparselab
