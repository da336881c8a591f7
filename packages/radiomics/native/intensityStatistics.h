// The sums behind the intensity-statistics family (IBSI 1 section 3.3): the native twin of
// statisticsSumsTs in src/intensity/intensityStatistics.ts, the same loops in the same order.
#pragma once
#include <array>
#include <cstddef>

namespace fedrad {

/** [mean, m2, m3, m4, sum of squares, MAD about the mean, MAD about the median, robust MAD in [p10, p90]]. */
std::array<double, 8> statisticsSums(const double* sorted, std::size_t n, double median, double p10, double p90);

}  // namespace fedrad
