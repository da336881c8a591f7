// Local and global intensity peaks (IBSI 1 section 3.2, VJGA and 0F91): the native twin of
// src/intensity/localIntensity.ts, the same prefix sums added in the same order.
#pragma once
#include <cstddef>
#include <cstdint>

namespace fedrad {

struct IntensityPeaks {
  double localPeak;
  double globalPeak;
};

/** image and mask: the whole nx*ny*nz grid (x fastest); spacing in mm; radius of the sphere in mm. */
template <typename T>
IntensityPeaks localIntensityPeaks(const T* image, const std::uint8_t* mask, std::size_t nx, std::size_t ny, std::size_t nz,
                                   double sx, double sy, double sz, double radius);

}  // namespace fedrad
