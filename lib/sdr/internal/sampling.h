// The random-trial machinery behind the samplers of sdr_math.h and
// sdr_theory.h: unbiased bounded integers, uniform doubles, and trials run in
// fixed chunks whose generators are seeded from (seed, chunk), so a count does
// not depend on the number of threads. Not for users of lib/sdr.
#ifndef SPARSELAB_LIB_SDR_INTERNAL_SAMPLING_H_
#define SPARSELAB_LIB_SDR_INTERNAL_SAMPLING_H_

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include <ATen/Parallel.h>

namespace sparselab::sdr_internal {

// 32-bit Mersenne Twister (the same type as sparselab::Rng).
using Rng = std::mt19937;

// Trials per chunk: small enough to balance threads, large enough that seeding
// a generator per chunk costs nothing.
constexpr int64_t kChunk = 1 << 20;

inline uint64_t ChunkSeed(uint64_t seed, int64_t chunk) {
  // splitmix64 finaliser: decorrelates nearby (seed, chunk) pairs.
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(chunk) + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uniform integer in [0, range), exactly unbiased: Lemire's multiply-shift
// with rejection ("Fast random integer generation in an interval", 2019).
inline uint32_t Below(Rng& rng, uint32_t range) {
  uint64_t m = static_cast<uint64_t>(rng()) * range;
  uint32_t low = static_cast<uint32_t>(m);
  if (low < range) {
    const uint32_t threshold = -range % range;
    while (low < threshold) {
      m = static_cast<uint64_t>(rng()) * range;
      low = static_cast<uint32_t>(m);
    }
  }
  return static_cast<uint32_t>(m >> 32);
}

inline double Uniform01(Rng& rng) {
  return (static_cast<double>(rng() >> 5) * 67108864.0 + (rng() >> 6)) * 0x1.0p-53;
}

// Runs `run(rng, trials_in_chunk)` for every chunk of `trials`, in parallel,
// and returns the chunks' results in chunk order.
template <typename Result, typename RunFn>
std::vector<Result> RunChunks(int64_t trials, uint64_t seed, RunFn run) {
  const int64_t chunks = (trials + kChunk - 1) / kChunk;
  std::vector<Result> results(chunks);
  at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const uint64_t s = ChunkSeed(seed, c);
      std::seed_seq seq{static_cast<uint32_t>(s), static_cast<uint32_t>(s >> 32)};
      Rng rng(seq);
      results[c] = run(rng, std::min(kChunk, trials - c * kChunk));
    }
  });
  return results;
}

}  // namespace sparselab::sdr_internal

#endif  // SPARSELAB_LIB_SDR_INTERNAL_SAMPLING_H_
