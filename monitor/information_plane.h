// The information plane (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018): once
// per epoch an experiment hands over the activations T of named layers on a
// fixed evaluation subset, with the inputs X and labels Y of that subset; the
// monitor estimates I(X;T) and I(T;Y) and keeps the series for result.json and
// a PNG of the plane.
//
//   monitor::InformationPlane plane({.estimator = monitor::Estimator::kKsg, .pca_dim = 10});
//   for (epoch ...) {
//     ... forward the evaluation subset, keeping hidden activations h1, h2 ...
//     RETURN_IF_ERROR(plane.Record(epoch, inputs, labels, {{"h1", h1}, {"h2", h2}}));
//   }
//   ex.extra()["information_plane"] = plane.ToJson();
//   RETURN_IF_ERROR(plane.WritePng(out_dir + "/information_plane.png"));
//
// How each pair is estimated:
//  - continuous layers: constant (dead) units are dropped, then, when wider
//    than pca_dim > 0, the layer (and likewise X) is projected on its leading
//    principal components; I(X;T) with the chosen estimator; I(T;Y) with its
//    continuous-discrete form (KSG: Ross 2014; GCMI: gcmi_model_cd; MINE: T
//    against one-hot Y; discrete: rows as symbols);
//  - binary layers (all values 0 or 1), when binary_codes_as_discrete: each
//    code is a symbol and both quantities use the discrete estimator, with X's
//    rows as symbols (so I(X;T) = H(T) + Miller-Madow terms when inputs differ);
//  - a layer whose units are all constant carries no information: 0, 0.
#ifndef SPARSELAB_MONITOR_INFORMATION_PLANE_H_
#define SPARSELAB_MONITOR_INFORMATION_PLANE_H_

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/nn/tap.h"
#include "monitor/estimator.h"
#include "monitor/samples.h"
#include "monitor/units.h"
#include "nlohmann/json.hpp"

namespace sparselab {
namespace monitor {

struct InformationPlaneOptions {
  Estimator estimator = Estimator::kKsg;
  int k = 3;                       // KSG neighbours
  int pca_dim = 0;                 // 0: no projection
  bool binary_codes_as_discrete = true;
  Units units = Units::kBits;      // of the reported series
  uint64_t seed = 0;
  int num_threads = 0;
  MineOptions mine;
};

struct LayerActivations {
  std::string name;
  at::Tensor activations;  // (N, ...) on any device, any float dtype
};

// The layers a TapRecorder holds (every tap's record, in recording order).
std::vector<LayerActivations> LayersFromTaps(const TapRecorder& taps);

// Flattens a (N, ...) tensor to N x D double samples.
Samples SamplesFromTensor(const at::Tensor& t);
// Projection of x on its `dim` leading principal components (centred).
Samples PrincipalComponents(const Samples& x, int dim);
// x without its constant columns.
Samples DropConstantColumns(const Samples& x);

class InformationPlane {
 public:
  explicit InformationPlane(InformationPlaneOptions options = {});

  // Estimates I(X;T) and I(T;Y) for every layer at `epoch`. inputs: (N, ...);
  // labels: (N) integers; every layer's activations: (N, ...).
  absl::Status Record(int64_t epoch, const at::Tensor& inputs, const at::Tensor& labels,
                      const std::vector<LayerActivations>& layers);
  // The same with the layers read through taps (lib/nn/tap.h): forward the
  // evaluation subset with the model's recorder enabled, then hand it over.
  //   { TapScope scope(*recorder, /*detach=*/true); model->forward(inputs); }
  //   RETURN_IF_ERROR(plane.Record(epoch, inputs, labels, *recorder));
  // A recorder with nothing recorded is an error.
  absl::Status Record(int64_t epoch, const at::Tensor& inputs, const at::Tensor& labels,
                      const TapRecorder& taps);

  // {"estimator", "units", "k", "pca_dim", "layers": [{"name", "method",
  //  "epoch": [...], "i_xt": [...], "i_ty": [...]}]}
  nlohmann::json ToJson() const;
  // I(T;Y) against I(X;T), one line per layer through the epochs (gnuplot).
  absl::Status WritePng(const std::string& path, const std::string& title = "") const;
  // The same from a ToJson() document (e.g. one read back from result.json).
  static absl::Status WritePng(const nlohmann::json& plane, const std::string& path,
                               const std::string& title);

 private:
  struct LayerCurve {
    std::string name;
    std::string method;
    std::vector<int64_t> epoch;
    std::vector<double> i_xt, i_ty;
    // I(T;Y) can never exceed H(Y); an estimate above it (GCMI's model
    // comparison does this on well-separated class clusters) is flagged.
    std::vector<bool> i_ty_above_label_entropy;
  };
  LayerCurve& CurveFor(const std::string& name);
  // Appends one point to `layer`'s curve (in the plane's units) and flags and
  // warns when I(T;Y) exceeds H(Y).
  void AddPoint(const std::string& layer, int64_t epoch, double i_xt_nats, double i_ty_nats,
                const std::string& method);

  InformationPlaneOptions options_;
  std::vector<LayerCurve> curves_;
  double label_entropy_nats_ = 0.0;  // H(Y) (Miller-Madow) of the last Record's labels
};

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_INFORMATION_PLANE_H_
