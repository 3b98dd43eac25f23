#include "lib/base/progress.h"

#include <cstdio>

#include "absl/strings/str_format.h"

namespace sparselab {

Progress::Progress(std::string label, int64_t total, double min_interval_seconds)
    : label_(std::move(label)),
      total_(total),
      min_interval_(min_interval_seconds),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

double Progress::ElapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string Progress::FormatDuration(double seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 60) return absl::StrFormat("%.1fs", seconds);
  int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
}

void Progress::Update(int64_t done, const std::string& note) {
  auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_print_).count() < min_interval_) return;
  last_print_ = now;
  Print(done, note, /*final_line=*/false);
}

void Progress::Finish(const std::string& note) { Print(total_, note, /*final_line=*/true); }

void Progress::Print(int64_t done, const std::string& note, bool final_line) {
  const double elapsed = ElapsedSeconds();
  const double rate = elapsed > 0 ? done / elapsed : 0.0;
  std::string line = absl::StrFormat("[%s] ", label_);
  if (total_ > 0) {
    line += absl::StrFormat("%d/%d (%.0f%%)", done, total_, 100.0 * done / total_);
  } else {
    line += absl::StrFormat("%d", done);
  }
  line += absl::StrFormat(" %.1f/s", rate);
  if (final_line) {
    line += " done in " + FormatDuration(elapsed);
  } else if (total_ > 0 && rate > 0) {
    line += " ETA " + FormatDuration((total_ - done) / rate);
  }
  if (!note.empty()) line += " " + note;
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
  printed_ = true;
}

}  // namespace sparselab
