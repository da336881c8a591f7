#include "roiSummary.h"

#include <algorithm>
#include <cmath>

namespace fedrad {

RoiSummary roiSummary(const double* values, const std::uint8_t* morph, const std::uint8_t* intensity, std::size_t nx, std::size_t ny,
                      std::size_t nz) {
  RoiSummary s;
  s.fill(-1);
  double nMorph = 0, nInt = 0, sum = 0, min = INFINITY, max = -INFINITY;
  // Boxes as [lo x, y, z, hi x, y, z], grown from an empty box.
  double mb[6] = {double(nx), double(ny), double(nz), -1, -1, -1}, ib[6] = {double(nx), double(ny), double(nz), -1, -1, -1};
  auto grow = [](double* b, double x, double y, double z) {
    b[0] = std::min(b[0], x); b[1] = std::min(b[1], y); b[2] = std::min(b[2], z);
    b[3] = std::max(b[3], x); b[4] = std::max(b[4], y); b[5] = std::max(b[5], z);
  };
  for (std::size_t z = 0, i = 0; z < nz; z++) {
    for (std::size_t y = 0; y < ny; y++) {
      for (std::size_t x = 0; x < nx; x++, i++) {
        if (morph[i]) {
          nMorph++;
          grow(mb, double(x), double(y), double(z));
        }
        if (!intensity[i]) continue;
        nInt++;
        grow(ib, double(x), double(y), double(z));
        sum += values[i];
        if (values[i] < min) min = values[i];
        if (values[i] > max) max = values[i];
      }
    }
  }
  s[0] = nMorph; s[1] = nInt; s[2] = sum; s[3] = min; s[4] = max;
  if (nMorph > 0) std::copy(mb, mb + 6, s.begin() + 5);
  if (nInt > 0) std::copy(ib, ib + 6, s.begin() + 11);
  return s;
}

}  // namespace fedrad
