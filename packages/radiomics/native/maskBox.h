// Bounding box of a byte mask's non-zero voxels: the native twin of boundingBox in
// src/preprocess/roiBox.ts (used on whole-image masks, 4 million voxels for a CT).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace fedrad {

/** [lo x, y, z, hi x, y, z], or nothing for an empty mask. */
std::optional<std::array<double, 6>> maskBox(const std::uint8_t* mask, std::size_t nx, std::size_t ny, std::size_t nz);

}  // namespace fedrad
