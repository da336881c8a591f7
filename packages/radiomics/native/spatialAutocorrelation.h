// Moran's I and Geary's C (IBSI 1 N365, NPT7): the native twin of
// src/morphology/spatialAutocorrelation.ts: the same algorithm with less memory; its sums are
// added in another order (equal to rounding).
#pragma once
#include <cstddef>
#include <cstdint>

namespace fedrad {

struct SpatialAutocorrelation {
  double moranI;
  double gearyC;
};

/** `values` and `mask` cover a box of nx*ny*nz voxels (x fastest); spacing in mm. */
template <typename T>
SpatialAutocorrelation spatialAutocorrelation(const T* values, const std::uint8_t* mask, std::size_t nx, std::size_t ny,
                                              std::size_t nz, double sx, double sy, double sz);

}  // namespace fedrad
