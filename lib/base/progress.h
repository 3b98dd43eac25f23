// Progress of a long loop on stderr: step, rate, ETA, and a caller's note
// (loss, accuracy). Throttled so that it costs nothing on a hot loop.
#ifndef SPARSELAB_LIB_BASE_PROGRESS_H_
#define SPARSELAB_LIB_BASE_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace sparselab {

class Progress {
 public:
  // `label` names the loop ("sparseCNN2 seed 42 epoch 3/10"); `total` is the
  // number of steps (0 when unknown: no ETA then).
  Progress(std::string label, int64_t total, double min_interval_seconds = 2.0);

  // Reports that `done` steps are finished. Prints at most once per interval.
  void Update(int64_t done, const std::string& note = "");
  // Prints the final line (always), with the elapsed time.
  void Finish(const std::string& note = "");

  double ElapsedSeconds() const;
  // Formats seconds as "1h02m", "3m07s" or "12.3s".
  static std::string FormatDuration(double seconds);

 private:
  void Print(int64_t done, const std::string& note, bool final_line);

  std::string label_;
  int64_t total_;
  double min_interval_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  bool printed_ = false;
};

}  // namespace sparselab

#endif  // SPARSELAB_LIB_BASE_PROGRESS_H_
