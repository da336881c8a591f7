// Fixed bin number and fixed bin size discretisation (IBSI 1 section 2.7): the native twins of
// maskedRange, binFixedNumber and binFixedSize in src/preprocess/discretisation.ts.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace fedrad {

/** [min, max] of the masked values (+inf, -inf when the mask is empty). */
std::array<double, 2> maskedRange(const double* values, const std::uint8_t* mask, std::size_t n);

/** FBN: floor(bins (X - min)/(max - min)) + 1, bins at X >= max, 1 when max = min; masked voxels only. */
void binFixedNumber(const double* values, const std::uint8_t* mask, std::int32_t* levels, std::size_t n, double min, double max, double bins);

/** FBS: floor((X - lowerBound)/binWidth) + 1 on masked voxels; returns the highest level (0 if none). */
double binFixedSize(const double* values, const std::uint8_t* mask, std::int32_t* levels, std::size_t n, double lowerBound, double binWidth);

}  // namespace fedrad
