// Counts, intensity sum/min/max and bounding boxes of one ROI stage: the native twin of
// src/pipeline/roiSummary.ts (same sums in voxel order, same boxes).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace fedrad {

/** Slots as in roiSummary.ts: counts, sum, min, max, morphological box, intensity box (-1 when empty). */
using RoiSummary = std::array<double, 17>;

RoiSummary roiSummary(const double* values, const std::uint8_t* morph, const std::uint8_t* intensity, std::size_t nx, std::size_t ny,
                      std::size_t nz);

}  // namespace fedrad
