// ISTA, FISTA (plain, with restart, with backtracking) and LCA on the same
// held-out patches and dictionary: the relative objective gap
// (F(z_k) - F*) / F* after every iteration beside Beck & Teboulle's bounds, and
// the iterations and milliseconds each needs to reach a target gap.
#ifndef SPARSELAB_EXPERIMENTS_SPARSE_CODING_SOLVER_RACE_H_
#define SPARSELAB_EXPERIMENTS_SPARSE_CODING_SOLVER_RACE_H_

#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "lib/nn/sparse_coding.h"

namespace sparselab::sparse_coding {

struct RaceEntry {
  std::string name;             // "ista", "fista", "fista_restart", ...
  std::vector<double> gap;      // relative gap after iterations 0..n
  int64_t iterations_to_target = -1;  // -1: not reached
  double ms_to_target = 0;      // wall time of a run of that many iterations (best of repeats)
  double ms_per_iteration = 0;
};

struct RaceResult {
  double f_star = 0;          // mean objective of the reference solution
  double lipschitz = 0;       // L of the dictionary
  double distance_sq = 0;     // mean over rows of ||z0 - z*||^2 (z0 = 0)
  std::vector<RaceEntry> entries;
};

// Every solver from z = 0 for `iterations` iterations at `lambda`; F* from a
// FISTA run of `reference_iterations` (tolerance 0). Timings: `repeats` runs
// of iterations_to_target iterations, the fastest kept.
RaceResult RaceSolvers(const at::Tensor& x, const at::Tensor& dictionary, double lambda,
                       int64_t iterations, int64_t reference_iterations, double target_gap,
                       int repeats);

}  // namespace sparselab::sparse_coding

#endif  // SPARSELAB_EXPERIMENTS_SPARSE_CODING_SOLVER_RACE_H_
