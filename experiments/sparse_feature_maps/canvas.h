// Digits (or Fashion-MNIST items) placed at random positions on a larger
// blank canvas, so that a class plane's activity can say where the object is.
#ifndef SPARSELAB_EXPERIMENTS_SPARSE_FEATURE_MAPS_CANVAS_H_
#define SPARSELAB_EXPERIMENTS_SPARSE_FEATURE_MAPS_CANVAS_H_

#include <cstdint>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"
#include "lib/data/dataset.h"

namespace sparselab::sparse_feature_maps {

struct CanvasData {
  Dataset data;       // inputs (N, 1, canvas, canvas) in [0, 1], the items' labels
  at::Tensor centre;  // (N, 2) float: (row, column) of each item's centre of mass
};

// The first n items of `items` ((N, 1, h, w)), each pasted with its top-left
// corner uniform in [0, canvas - h] x [0, canvas - w] (a generator seeded by
// `seed`) onto a zero canvas. Errors: n larger than the set, a canvas smaller
// than an item.
absl::StatusOr<CanvasData> PlaceOnCanvas(const Dataset& items, int64_t n, int64_t canvas,
                                         uint64_t seed);

// (row, column) centre of mass of a non-negative (H, W) image's mass; the
// image centre when it has none.
at::Tensor CentreOfMass(const at::Tensor& image);

}  // namespace sparselab::sparse_feature_maps

#endif  // SPARSELAB_EXPERIMENTS_SPARSE_FEATURE_MAPS_CANVAS_H_
