#include "monitor/information_plane.h"

#include <cstdio>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "lib/base/plot.h"
#include "lib/base/status_macros.h"
#include "monitor/discrete.h"
#include "monitor/gcmi.h"
#include "monitor/ksg.h"
#include "monitor/validate.h"

namespace sparselab {
namespace monitor {
namespace {

bool IsBinary(const Samples& s) {
  return std::all_of(s.values.begin(), s.values.end(), [](double v) { return v == 0.0 || v == 1.0; });
}

// Labels relabelled 0 .. C-1 (gcmi needs contiguous classes).
std::vector<int64_t> Contiguous(const std::vector<int64_t>& labels, int* num_classes) {
  std::map<int64_t, int64_t> ids;
  for (int64_t l : labels) ids.emplace(l, 0);
  int64_t next = 0;
  for (auto& [label, id] : ids) id = next++;
  std::vector<int64_t> out(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) out[i] = ids[labels[i]];
  *num_classes = static_cast<int>(next);
  return out;
}

Samples OneHot(const std::vector<int64_t>& contiguous, int num_classes) {
  Samples s(static_cast<int64_t>(contiguous.size()), num_classes);
  for (size_t i = 0; i < contiguous.size(); ++i) s(i, contiguous[i]) = 1.0;
  return s;
}

}  // namespace

// The estimator settings of the plane's options.
EstimateOptions EstimateOptionsFor(const InformationPlaneOptions& options) {
  EstimateOptions estimate;
  estimate.k = options.k;
  estimate.seed = options.seed;
  estimate.num_threads = options.num_threads;
  estimate.mine = options.mine;
  return estimate;
}

Samples SamplesFromTensor(const at::Tensor& t) {
  const at::Tensor flat =
      t.detach().to(at::kCPU).to(at::kDouble).reshape({t.size(0), -1}).contiguous();
  Samples s(flat.size(0), flat.size(1));
  std::copy(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel(), s.values.begin());
  return s;
}

Samples DropConstantColumns(const Samples& x) {
  std::vector<int64_t> keep;
  for (int64_t j = 0; j < x.dim; ++j) {
    for (int64_t i = 1; i < x.n; ++i) {
      if (x(i, j) != x(0, j)) {
        keep.push_back(j);
        break;
      }
    }
  }
  Samples out(x.n, static_cast<int64_t>(keep.size()));
  for (int64_t i = 0; i < x.n; ++i)
    for (size_t c = 0; c < keep.size(); ++c) out(i, c) = x(i, keep[c]);
  return out;
}

Samples PrincipalComponents(const Samples& x, int dim) {
  at::Tensor t = at::from_blob(const_cast<double*>(x.values.data()), {x.n, x.dim}, at::kDouble);
  t = t - t.mean(0, true);
  const at::Tensor cov = t.t().matmul(t) / static_cast<double>(std::max<int64_t>(1, x.n - 1));
  auto [eigenvalues, eigenvectors] = at::linalg_eigh(cov);  // ascending
  const double largest = eigenvalues[-1].item<double>();
  int keep = 0;
  while (keep < dim && keep < x.dim &&
         eigenvalues[x.dim - 1 - keep].item<double>() > 1e-12 * largest) {
    ++keep;
  }
  const at::Tensor basis = eigenvectors.narrow(1, x.dim - keep, keep).flip({1});
  return SamplesFromTensor(t.matmul(basis));
}

InformationPlane::InformationPlane(InformationPlaneOptions options) : options_(options) {}

InformationPlane::LayerCurve& InformationPlane::CurveFor(const std::string& name) {
  for (LayerCurve& s : curves_)
    if (s.name == name) return s;
  curves_.push_back(LayerCurve{name, "", {}, {}, {}});
  return curves_.back();
}

namespace {

// What every layer of one Record call is measured against.
struct RecordInputs {
  Samples x_raw;                   // the inputs as given
  Samples x;                       // non-constant columns, PCA-reduced when configured
  std::vector<int64_t> x_symbols;  // one symbol per distinct input row
  std::vector<int64_t> classes;    // labels as 0 .. num_classes - 1
  int num_classes = 0;
};

absl::StatusOr<RecordInputs> PrepareInputs(const at::Tensor& inputs, const at::Tensor& labels_tensor,
                                           int pca_dim) {
  if (!inputs.defined() || inputs.dim() < 1 || !labels_tensor.defined()) {
    return absl::InvalidArgumentError("InformationPlane::Record needs inputs (N, ...) and labels (N)");
  }
  RecordInputs in;
  in.x_raw = SamplesFromTensor(inputs);
  RETURN_IF_ERROR(CheckSamples(in.x_raw, "inputs", SampleChecks{true}));
  const at::Tensor labels_cpu = labels_tensor.detach().to(at::kCPU).to(at::kLong).reshape({-1});
  const std::vector<int64_t> labels(labels_cpu.data_ptr<int64_t>(),
                                    labels_cpu.data_ptr<int64_t>() + labels_cpu.numel());
  RETURN_IF_ERROR(
      CheckSameCount(in.x_raw.n, "inputs", static_cast<int64_t>(labels.size()), "labels"));
  in.classes = Contiguous(labels, &in.num_classes);
  in.x = DropConstantColumns(in.x_raw);
  if (in.x.dim == 0) return absl::InvalidArgumentError("every input column is constant");
  if (pca_dim > 0 && in.x.dim > pca_dim) in.x = PrincipalComponents(in.x, pca_dim);
  in.x_symbols = SymbolsFromRows(in.x_raw);
  return in;
}

// One layer's point of the plane, in nats, and the method that measured it.
struct PlanePoint {
  double i_xt = 0.0;
  double i_ty = 0.0;
  std::string method;
};

// I(T;Y) of a continuous layer with the estimator's counterpart for a
// discrete Y: KSG's mixed estimator (Ross), GCMI's model of a Gaussian per
// class, MINE on one-hot labels, or plug-in counts.
absl::StatusOr<double> LabelInformation(const InformationPlaneOptions& options, const Samples& t,
                                        const RecordInputs& in) {
  switch (options.estimator) {
    case Estimator::kKsg:
    case Estimator::kKsg2: {
      KsgOptions ksg;
      ksg.k = options.k;
      ksg.seed = options.seed;
      ksg.num_threads = options.num_threads;
      return MixedMutualInformation(t, in.classes, ksg);
    }
    case Estimator::kGcmi:
      return GcmiModelCd(t, in.classes, in.num_classes);
    case Estimator::kMine: {
      ASSIGN_OR_RETURN(const MiEstimate ty,
                       EstimateMutualInformation(Estimator::kMine, t,
                                                 OneHot(in.classes, in.num_classes),
                                                 EstimateOptionsFor(options)));
      return ty.nats;
    }
    case Estimator::kDiscrete:
      return DiscreteMutualInformation(SymbolsFromRows(t), in.classes);
  }
  return absl::InternalError("unknown estimator");
}

absl::StatusOr<PlanePoint> MeasureLayer(const InformationPlaneOptions& options,
                                        const RecordInputs& in, const Samples& t_raw) {
  PlanePoint p;
  if (options.binary_codes_as_discrete && IsBinary(t_raw)) {
    p.method = "discrete (binary codes)";
    const std::vector<int64_t> t_symbols = SymbolsFromRows(t_raw);
    ASSIGN_OR_RETURN(p.i_xt, DiscreteMutualInformation(in.x_symbols, t_symbols));
    ASSIGN_OR_RETURN(p.i_ty, DiscreteMutualInformation(t_symbols, in.classes));
    return p;
  }
  Samples t = DropConstantColumns(t_raw);
  if (t.dim == 0) {
    p.method = "constant layer";
    return p;
  }
  if (options.pca_dim > 0 && t.dim > options.pca_dim) t = PrincipalComponents(t, options.pca_dim);
  p.method = EstimatorName(options.estimator);
  ASSIGN_OR_RETURN(const MiEstimate xt, EstimateMutualInformation(options.estimator, in.x, t,
                                                                  EstimateOptionsFor(options)));
  p.i_xt = xt.nats;
  ASSIGN_OR_RETURN(p.i_ty, LabelInformation(options, t, in));
  return p;
}

}  // namespace

std::vector<LayerActivations> LayersFromTaps(const TapRecorder& taps) {
  std::vector<LayerActivations> layers;
  for (const auto& [name, tensor] : taps.entries()) layers.push_back({name, tensor.detach()});
  return layers;
}

absl::Status InformationPlane::Record(int64_t epoch, const at::Tensor& inputs,
                                      const at::Tensor& labels, const TapRecorder& taps) {
  if (taps.entries().empty()) {
    return absl::InvalidArgumentError(
        "InformationPlane::Record: the tap recorder holds no layers; enable it (TapScope) and "
        "run the model's forward on the evaluation inputs first");
  }
  return Record(epoch, inputs, labels, LayersFromTaps(taps));
}

absl::Status InformationPlane::Record(int64_t epoch, const at::Tensor& inputs,
                                      const at::Tensor& labels_tensor,
                                      const std::vector<LayerActivations>& layers) {
  ASSIGN_OR_RETURN(const RecordInputs in, PrepareInputs(inputs, labels_tensor, options_.pca_dim));
  // Miller-Madow, like the discrete estimator, whose I(T;Y) for a code that
  // determines Y equals exactly this.
  ASSIGN_OR_RETURN(label_entropy_nats_, DiscreteEntropy(in.classes, /*miller_madow=*/true));
  for (const LayerActivations& layer : layers) {
    if (!layer.activations.defined()) {
      return absl::InvalidArgumentError(absl::StrCat("layer '", layer.name, "' has no activations"));
    }
    const Samples t_raw = SamplesFromTensor(layer.activations);
    RETURN_IF_ERROR(CheckSamples(t_raw, layer.name, SampleChecks{true}));
    RETURN_IF_ERROR(CheckSameCount(t_raw.n, layer.name, in.x_raw.n, "inputs"));
    ASSIGN_OR_RETURN(const PlanePoint p, MeasureLayer(options_, in, t_raw));
    AddPoint(layer.name, epoch, p.i_xt, p.i_ty, p.method);
  }
  return absl::OkStatus();
}

void InformationPlane::AddPoint(const std::string& layer, int64_t epoch, double i_xt_nats,
                                double i_ty_nats, const std::string& method) {
  LayerCurve& curve = CurveFor(layer);
  curve.method = method;
  curve.epoch.push_back(epoch);
  curve.i_xt.push_back(FromNats(i_xt_nats, options_.units));
  curve.i_ty.push_back(FromNats(i_ty_nats, options_.units));
  // A margin of 2 % + 0.01 nats: estimators at the bound (a code that fully
  // determines Y) scatter around it by finite-sample terms; the flag is for
  // estimates that are plainly impossible.
  const bool above = i_ty_nats > label_entropy_nats_ * 1.02 + 0.01;
  curve.i_ty_above_label_entropy.push_back(above);
  if (above) {
    std::fprintf(stderr,
                 "warning: layer '%s', epoch %lld: %s estimates I(T;Y) = %.3f nats, above H(Y) = "
                 "%.3f nats, which no true MI can exceed; treat this point as unreliable\n",
                 layer.c_str(), static_cast<long long>(epoch), method.c_str(), i_ty_nats,
                 label_entropy_nats_);
  }
}

nlohmann::json InformationPlane::ToJson() const {
  nlohmann::json out;
  out["estimator"] = EstimatorName(options_.estimator);
  out["units"] = UnitsName(options_.units);
  out["k"] = options_.k;
  out["pca_dim"] = options_.pca_dim;
  out["label_entropy"] = FromNats(label_entropy_nats_, options_.units);
  out["layers"] = nlohmann::json::array();
  for (const LayerCurve& s : curves_) {
    out["layers"].push_back(
        {{"name", s.name},
         {"method", s.method},
         {"epoch", s.epoch},
         {"i_xt", s.i_xt},
         {"i_ty", s.i_ty},
         {"i_ty_above_label_entropy", s.i_ty_above_label_entropy}});
  }
  return out;
}

absl::Status InformationPlane::WritePng(const std::string& path, const std::string& title) const {
  return WritePng(ToJson(), path,
                  title.empty() ? absl::StrCat("Information plane (", EstimatorName(options_.estimator), ")")
                                : title);
}

absl::Status InformationPlane::WritePng(const nlohmann::json& plane, const std::string& path,
                                        const std::string& title) {
  if (!plane.is_object() || !plane.contains("layers") || !plane["layers"].is_array()) {
    return absl::InvalidArgumentError("an information plane needs a \"layers\" array");
  }
  std::vector<sparselab::Series> lines;
  for (const nlohmann::json& layer : plane["layers"]) {
    lines.push_back({layer.value("name", "?"), layer.value("i_xt", std::vector<double>()),
                     layer.value("i_ty", std::vector<double>()), "linespoints"});
  }
  const std::string units = plane.value("units", "bits");
  PlotOptions plot;
  plot.title = title;
  plot.xlabel = absl::StrCat("I(X;T) [", units, "]");
  plot.ylabel = absl::StrCat("I(T;Y) [", units, "]");
  return PlotLines(path, lines, plot);
}

}  // namespace monitor
}  // namespace sparselab
