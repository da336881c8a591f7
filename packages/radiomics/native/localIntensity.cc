// The mean intensity in a sphere of radius r around each intensity-mask voxel, drawing on every
// image voxel whose centre lies within r. The sphere is a stack of x-runs, so each mean is a sum
// of prefix-sum differences along x: O(N * rows), exact. See src/intensity/localIntensity.ts.
#include "localIntensity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace fedrad {

template <typename T>
IntensityPeaks localIntensityPeaks(const T* image, const std::uint8_t* mask, std::size_t nx, std::size_t ny, std::size_t nz,
                                   double sx, double sy, double sz, double r) {
  using Index = std::int64_t;
  const Index NX = Index(nx), NY = Index(ny), NZ = Index(nz);
  // Half-widths in voxels; a sphere wider than any image (a spacing of 1e-300 mm, say) is refused
  // before its size is cast to an index.
  const double reach[3] = {std::floor(r / sx + 1e-9), std::floor(r / sy + 1e-9), std::floor(r / sz + 1e-9)};
  for (double d : reach) if (!(d < 65536)) throw std::length_error("the intensity-peak sphere spans more than 65,536 voxels along an axis");
  const Index rx = Index(reach[0]), ry = Index(reach[1]), rz = Index(reach[2]);
  // The sphere as x-runs: for each (dy, dz) within r, the half-width in x of the centres inside.
  std::vector<Index> rowDy, rowDz, rowHw;
  for (Index z = -rz; z <= rz; z++) {
    for (Index y = -ry; y <= ry; y++) {
      const double rest = r * r - (double(y) * sy) * (double(y) * sy) - (double(z) * sz) * (double(z) * sz);
      if (rest < -1e-9) continue;
      rowDy.push_back(y);
      rowDz.push_back(z);
      rowHw.push_back(Index(std::floor(std::sqrt(std::max(0.0, rest)) / sx + 1e-9)));
    }
  }
  // Intensity-mask bounding box.
  Index x0 = NX, x1 = -1, y0 = NY, y1 = -1, z0 = NZ, z1 = -1;
  for (Index z = 0, i = 0; z < NZ; z++) {
    for (Index y = 0; y < NY; y++) {
      for (Index x = 0; x < NX; x++, i++) {
        if (!mask[i]) continue;
        x0 = std::min(x0, x); x1 = std::max(x1, x);
        y0 = std::min(y0, y); y1 = std::max(y1, y);
        z0 = std::min(z0, z); z1 = z;
      }
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (x1 < 0) return {nan, nan};  // no voxel in the intensity mask
  double maxValue = -INFINITY;
  for (Index z = z0; z <= z1; z++) {
    for (Index y = y0; y <= y1; y++) {
      for (Index i = NX * (y + NY * z) + x0; i <= NX * (y + NY * z) + x1; i++) if (mask[i] && double(image[i]) > maxValue) maxValue = image[i];
    }
  }
  // The ROI box widened by the sphere, clipped to the image; prefix[line + x - bx0 + 1] = running
  // sum along x (slot 0 of a line is 0). Voxels without a value (NaN) are left out of both the sum
  // and the count: `missing` counts them in the same layout, when there are any.
  const Index bx0 = std::max<Index>(0, x0 - rx), bx1 = std::min(NX - 1, x1 + rx);
  const Index by0 = std::max<Index>(0, y0 - ry), by1 = std::min(NY - 1, y1 + ry);
  const Index bz0 = std::max<Index>(0, z0 - rz), bz1 = std::min(NZ - 1, z1 + rz);
  const Index bw = bx1 - bx0 + 2, bh = by1 - by0 + 1;
  std::vector<double> prefix(std::size_t(bw * bh * (bz1 - bz0 + 1)), 0.0), missing;
  for (Index z = bz0; z <= bz1; z++) {
    for (Index y = by0; y <= by1; y++) {
      const Index base = bw * (y - by0 + bh * (z - bz0)), src = NX * (y + NY * z);
      double s = 0;
      for (Index x = bx0; x <= bx1; x++) {
        const double v = image[src + x];
        if (v == v) s += v;
        else {
          if (missing.empty()) missing.assign(prefix.size(), 0.0);
          missing[base + x - bx0 + 1] = 1;
        }
        prefix[base + x - bx0 + 1] = s;
      }
    }
  }
  if (!missing.empty()) {
    for (std::size_t line = 0; line < missing.size(); line += bw) {
      for (Index k = 1; k < bw; k++) missing[line + k] += missing[line + k - 1];
    }
  }
  const std::size_t nRows = rowDy.size();
  std::vector<Index> rowOffset(nRows);
  for (std::size_t k = 0; k < nRows; k++) rowOffset[k] = bw * (rowDy[k] + bh * rowDz[k]);

  double localPeak = -INFINITY, globalPeak = -INFINITY;
  for (Index z = z0; z <= z1; z++) {
    for (Index y = y0; y <= y1; y++) {
      // The whole sphere stays inside the image in y and z for most lines: skip the checks there.
      const bool inside = y - ry >= 0 && y + ry < NY && z - rz >= 0 && z + rz < NZ;
      const Index lineBase = bw * (y - by0 + bh * (z - bz0)) - bx0 + 1;
      for (Index x = x0; x <= x1; x++) {
        const Index i = x + NX * (y + NY * z);
        if (!mask[i]) continue;
        double sum = 0, count = 0;
        for (std::size_t k = 0; k < nRows; k++) {
          if (!inside) {
            const Index yy = y + rowDy[k], zz = z + rowDz[k];
            if (yy < 0 || yy >= NY || zz < 0 || zz >= NZ) continue;
          }
          const Index hw = rowHw[k];
          const Index xa = x - hw < 0 ? 0 : x - hw;
          const Index xb = x + hw >= NX ? NX - 1 : x + hw;
          const Index base = lineBase + rowOffset[k];
          sum += prefix[base + xb] - prefix[base + xa - 1];
          count += double(xb - xa + 1);
          if (!missing.empty()) count -= missing[base + xb] - missing[base + xa - 1];
        }
        const double m = sum / count;
        if (m > globalPeak) globalPeak = m;
        if (double(image[i]) == maxValue && m > localPeak) localPeak = m;
      }
    }
  }
  return {localPeak, globalPeak};
}

template IntensityPeaks localIntensityPeaks<float>(const float*, const std::uint8_t*, std::size_t, std::size_t, std::size_t, double,
                                                  double, double, double);
template IntensityPeaks localIntensityPeaks<double>(const double*, const std::uint8_t*, std::size_t, std::size_t, std::size_t, double,
                                                   double, double, double);

}  // namespace fedrad
