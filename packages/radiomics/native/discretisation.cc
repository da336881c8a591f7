#include "discretisation.h"

#include <cmath>

namespace {
// A level stored as JavaScript stores a number in an Int32Array (ECMAScript ToInt32: NaN and
// infinities to 0, else truncated modulo 2^32), so both twins keep the same levels even for
// values the caller then refuses, and no out-of-range cast is undefined behaviour.
std::int32_t levelOf(double level) {
  if (!std::isfinite(level)) return 0;
  double m = std::fmod(std::trunc(level), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  if (m >= 2147483648.0) m -= 4294967296.0;
  return std::int32_t(m);
}
}  // namespace

namespace fedrad {

std::array<double, 2> maskedRange(const double* values, const std::uint8_t* mask, std::size_t n) {
  double min = INFINITY, max = -INFINITY;
  for (std::size_t i = 0; i < n; i++) {
    if (!mask[i]) continue;
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  return {min, max};
}

void binFixedNumber(const double* values, const std::uint8_t* mask, std::int32_t* levels, std::size_t n, double min, double max, double bins) {
  const double width = max - min;
  for (std::size_t i = 0; i < n; i++) {
    if (!mask[i]) continue;
    const double v = values[i];
    levels[i] = levelOf(width == 0 ? 1 : v >= max ? bins : std::floor((bins * (v - min)) / width) + 1);
  }
}

double binFixedSize(const double* values, const std::uint8_t* mask, std::int32_t* levels, std::size_t n, double lowerBound, double binWidth) {
  double nLevels = 0;
  for (std::size_t i = 0; i < n; i++) {
    if (!mask[i]) continue;
    const double level = std::floor((values[i] - lowerBound) / binWidth) + 1;
    levels[i] = levelOf(level);
    if (level > nLevels) nLevels = level;
  }
  return nLevels;
}

}  // namespace fedrad
