// Sums over the ROI's point sets for the morphology family: the one-pass voxel moments of
// src/morphology/morphologyCoefficients.ts (voxelRow) and maxPairDistance of
// src/morphology/convexHull.ts, the same sums in the same order as those TypeScript twins.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace fedrad {

/**
 * Slots as in morphologyCoefficients.ts: 0 N, 1-3 index sums x y z, 4-9 products xx xy xz yy yz zz,
 * 10-15 x min max, y min max, z min max (morphological mask); 16 N, 17 sum of intensities,
 * 18-20 intensity-weighted x y z sums (intensity mask).
 */
using VoxelMoments = std::array<double, 21>;

template <typename T>
VoxelMoments voxelMoments(const std::uint8_t* morph, const std::uint8_t* intensityMask, const T* intensities, std::size_t nx,
                          std::size_t ny, std::size_t nz);

/** Largest distance between two of n points (flat x, y, z), by the exhaustive pair loop. */
double maxPairDistance(const double* points, std::size_t n);

}  // namespace fedrad
