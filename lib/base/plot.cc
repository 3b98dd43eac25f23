#include "lib/base/plot.h"

#include <png.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "lib/base/file_io.h"
#include "lib/base/status_macros.h"

namespace sparselab {
namespace {

std::string Quote(const std::string& s) {
  return absl::StrCat("\"", absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\"");
}

// The script names its data and output by file name only and gnuplot runs in
// their folder, so the committed .gp files hold no path of the machine that
// wrote them and a rerun elsewhere writes the same bytes.
std::string Header(const std::string& png_path, const PlotOptions& o) {
  std::string gp = absl::StrFormat(
      "set terminal pngcairo size %d,%d noenhanced font 'sans,11'\n"
      "set output %s\n"
      "set title %s\nset xlabel %s\nset ylabel %s\nset grid\nset key outside right\n",
      o.width, o.height, Quote(Basename(png_path)), Quote(o.title), Quote(o.xlabel), Quote(o.ylabel));
  if (o.log_y) gp += "set logscale y\nset format y '%.0e'\n";
  if (o.log_x) gp += "set logscale x\n";
  if (!o.extra.empty()) gp += o.extra + "\n";
  return gp;
}

absl::Status RunGnuplot(const std::string& script_path, const std::string& png_path) {
  std::remove(png_path.c_str());
  const std::string cmd =
      absl::StrCat("cd ", Quote(Dirname(script_path)), " && gnuplot ", Quote(Basename(script_path)),
                   " 2>", Quote(Basename(script_path) + ".log"));
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "gnuplot failed (exit ", rc, ") on ", script_path, "; see ", script_path,
        ".log. Is gnuplot-nox installed? ./setup.sh installs it"));
  }
  std::remove((script_path + ".log").c_str());
  std::ifstream check(png_path);
  if (!check) return absl::InternalError(absl::StrCat("gnuplot wrote no ", png_path));
  return absl::OkStatus();
}

}  // namespace

absl::Status PlotLines(const std::string& png_path, const std::vector<Series>& series,
                       const PlotOptions& options) {
  if (series.empty()) return absl::InvalidArgumentError("PlotLines: no series to plot");
  std::string data;
  std::string plot = "plot ";
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    if (s.x.size() != s.y.size()) {
      return absl::InvalidArgumentError(absl::StrCat("series '", s.title, "' has ", s.x.size(),
                                                     " x values but ", s.y.size(), " y values"));
    }
    data += absl::StrCat("# ", s.title, "\n");
    for (size_t j = 0; j < s.x.size(); ++j) {
      // Non-positive values cannot sit on a log axis; gnuplot skips "NaN".
      const bool skip = !std::isfinite(s.y[j]) || (options.log_y && s.y[j] <= 0);
      data += skip ? absl::StrFormat("%.10g NaN\n", s.x[j])
                   : absl::StrFormat("%.10g %.10g\n", s.x[j], s.y[j]);
    }
    data += "\n\n";  // gnuplot data blocks are separated by two blank lines
    plot += absl::StrFormat("%s%s index %d using 1:2 with %s title %s", i ? ", " : "",
                            Quote(Basename(png_path) + ".dat"), i, s.style, Quote(s.title));
  }
  RETURN_IF_ERROR(WriteFileAtomically(png_path + ".dat", data));
  const std::string script = png_path + ".gp";
  RETURN_IF_ERROR(WriteFileAtomically(script, Header(png_path, options) + plot + "\n"));
  return RunGnuplot(script, png_path);
}

absl::Status PlotHeatmap(const std::string& png_path, const at::Tensor& matrix,
                         const PlotOptions& options) {
  if (matrix.dim() != 2 || matrix.numel() == 0) {
    return absl::InvalidArgumentError("PlotHeatmap needs a non-empty 2-D tensor");
  }
  at::Tensor m = matrix.to(at::kDouble).cpu().contiguous();
  std::string data;
  const double* p = m.data_ptr<double>();
  for (int64_t r = 0; r < m.size(0); ++r) {
    for (int64_t c = 0; c < m.size(1); ++c) {
      data += absl::StrFormat("%s%.6g", c ? " " : "", p[r * m.size(1) + c]);
    }
    data += "\n";
  }
  RETURN_IF_ERROR(WriteFileAtomically(png_path + ".dat", data));
  const std::string script = png_path + ".gp";
  const std::string gp = Header(png_path, options) +
                         "unset grid\nset palette grey negative\n"
                         "set yrange [] reverse\n" +
                         absl::StrCat("plot ", Quote(Basename(png_path) + ".dat"),
                                      " matrix with image notitle\n");
  RETURN_IF_ERROR(WriteFileAtomically(script, gp));
  return RunGnuplot(script, png_path);
}

absl::Status WriteImageGrid(const std::string& png_path, const at::Tensor& images,
                            int columns, int zoom) {
  if (images.dim() != 4 || (images.size(1) != 1 && images.size(1) != 3) || images.size(0) == 0) {
    return absl::InvalidArgumentError("WriteImageGrid needs images of shape (N, 1 or 3, H, W)");
  }
  if (columns <= 0 || zoom <= 0) {
    return absl::InvalidArgumentError("WriteImageGrid: columns and zoom must be positive");
  }
  at::Tensor img = images.to(at::kFloat).cpu().clamp(0.0, 1.0).contiguous();
  const int64_t n = img.size(0), c = img.size(1), h = img.size(2), w = img.size(3);
  const int64_t rows = (n + columns - 1) / columns;
  const int64_t width = columns * (w * zoom + 1) + 1;
  const int64_t height = rows * (h * zoom + 1) + 1;
  std::vector<uint8_t> rgb(width * height * 3, 255);  // white gaps
  const float* px = img.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t x0 = 1 + (i % columns) * (w * zoom + 1);
    const int64_t y0 = 1 + (i / columns) * (h * zoom + 1);
    for (int64_t y = 0; y < h * zoom; ++y) {
      for (int64_t x = 0; x < w * zoom; ++x) {
        for (int64_t ch = 0; ch < 3; ++ch) {
          const int64_t src_ch = c == 1 ? 0 : ch;
          const float v = px[((i * c + src_ch) * h + y / zoom) * w + x / zoom];
          rgb[((y0 + y) * width + (x0 + x)) * 3 + ch] = static_cast<uint8_t>(std::lround(v * 255));
        }
      }
    }
  }
  FILE* fp = std::fopen(png_path.c_str(), "wb");
  if (fp == nullptr) return absl::PermissionDeniedError(absl::StrCat("cannot write ", png_path));
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (png == nullptr || info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(fp);
    return absl::InternalError(absl::StrCat("libpng failed writing ", png_path));
  }
  png_init_io(png, fp);
  png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int64_t y = 0; y < height; ++y) png_write_row(png, rgb.data() + y * width * 3);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  if (std::fclose(fp) != 0) return absl::InternalError(absl::StrCat("closing ", png_path));
  return absl::OkStatus();
}

}  // namespace sparselab
