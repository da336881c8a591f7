#include "intensityStatistics.h"

#include <cmath>

namespace fedrad {

namespace {

// Mean of |x - centre| (IBSI 4FUA about the mean, N72L about the median).
double meanAbsoluteDeviation(const double* x, std::size_t n, double centre) {
  double s = 0;
  for (std::size_t i = 0; i < n; i++) s += std::fabs(x[i] - centre);
  return s / double(n);
}

// IBSI 1128: the mean absolute deviation of the values within [p10, p90] about their own mean.
double robustMeanAbsoluteDeviation(const double* x, std::size_t n, double p10, double p90) {
  double s = 0, k = 0;
  for (std::size_t i = 0; i < n; i++) {
    if (x[i] >= p10 && x[i] <= p90) { s += x[i]; k++; }
  }
  const double m = s / k;
  double d = 0;
  for (std::size_t i = 0; i < n; i++) if (x[i] >= p10 && x[i] <= p90) d += std::fabs(x[i] - m);
  return d / k;
}

}  // namespace

std::array<double, 8> statisticsSums(const double* x, std::size_t n, double median, double p10, double p90) {
  double sum = 0, sumSquares = 0;
  for (std::size_t i = 0; i < n; i++) { sum += x[i]; sumSquares += x[i] * x[i]; }
  const double mean = sum / double(n);
  double m2 = 0, m3 = 0, m4 = 0;
  for (std::size_t i = 0; i < n; i++) {
    const double d = x[i] - mean, d2 = d * d;
    m2 += d2; m3 += d2 * d; m4 += d2 * d2;
  }
  return {mean, m2 / double(n), m3 / double(n), m4 / double(n), sumSquares, meanAbsoluteDeviation(x, n, mean),
          meanAbsoluteDeviation(x, n, median), robustMeanAbsoluteDeviation(x, n, p10, p90)};
}

}  // namespace fedrad
