#include "pointSets.h"

#include <cmath>

namespace fedrad {

template <typename T>
VoxelMoments voxelMoments(const std::uint8_t* morph, const std::uint8_t* intensityMask, const T* intensities, std::size_t nx,
                          std::size_t ny, std::size_t nz) {
  VoxelMoments a{};
  a[10] = INFINITY; a[11] = -INFINITY; a[12] = INFINITY; a[13] = -INFINITY; a[14] = INFINITY; a[15] = -INFINITY;
  for (std::size_t zi = 0, i = 0; zi < nz; zi++) {
    for (std::size_t yi = 0; yi < ny; yi++) {
      const double y = double(yi), z = double(zi);
      for (std::size_t xi = 0; xi < nx; xi++, i++) {
        const double x = double(xi);
        if (morph[i]) {
          a[0]++;
          a[1] += x; a[2] += y; a[3] += z;
          a[4] += x * x; a[5] += x * y; a[6] += x * z; a[7] += y * y; a[8] += y * z; a[9] += z * z;
          if (x < a[10]) a[10] = x;
          if (x > a[11]) a[11] = x;
          if (y < a[12]) a[12] = y;
          if (y > a[13]) a[13] = y;
          if (z < a[14]) a[14] = z;
          if (z > a[15]) a[15] = z;
        }
        if (intensityMask[i]) {
          const double v = intensities[i];
          a[16]++;
          a[17] += v; a[18] += v * x; a[19] += v * y; a[20] += v * z;
        }
      }
    }
  }
  return a;
}

template VoxelMoments voxelMoments<float>(const std::uint8_t*, const std::uint8_t*, const float*, std::size_t, std::size_t, std::size_t);
template VoxelMoments voxelMoments<double>(const std::uint8_t*, const std::uint8_t*, const double*, std::size_t, std::size_t, std::size_t);

double maxPairDistance(const double* p, std::size_t n) {
  double best = 0;
  for (std::size_t i = 0; i < n; i++) {
    const double x = p[3 * i], y = p[3 * i + 1], z = p[3 * i + 2];
    for (std::size_t j = i + 1; j < n; j++) {
      const double dx = p[3 * j] - x, dy = p[3 * j + 1] - y, dz = p[3 * j + 2] - z;
      const double d = dx * dx + dy * dy + dz * dz;
      if (d > best) best = d;
    }
  }
  return std::sqrt(best);
}

}  // namespace fedrad
