// IBSI weights every pair of intensity-mask voxels by the inverse distance of their centres,
// w = 1/|x1 - x2|. Every pair sum then has the form sum_k f_k (w * g)_k, which the convolution
// theorem turns into (1/L) sum_omega conj(F) W G on a grid padded to >= 2n - 1 per axis (no
// wrap-around): exact, O(N log N). See src/morphology/spatialAutocorrelation.ts for the
// derivation; this file follows it step for step, except that the z pass and the spectrum sums
// run one pillar row at a time (so the sums are added in another order: equal to rounding).
//
//   Moran  I = N/W * sum w a1 a2 / sum a^2,  a = X - mu
//   Geary  C = (N - 1)/(2W) * sum w (X1 - X2)^2 / sum a^2,
//          sum w (a1 - a2)^2 = 2 sum a^2 (w * m) - 2 sum a (w * a)
#include "spatialAutocorrelation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "fft.h"

namespace fedrad {
namespace {

using Buffer = std::vector<double>;

// Work arrays kept per thread between cases, so a cohort does not fault in memory case after case.
double* scratch(int slot, std::size_t size) {
  thread_local std::vector<Buffer> pool(21);
  Buffer& b = pool[slot];
  if (b.size() < size) b.resize(size);
  return b.data();
}

// Splits the batched x transforms of two real signals packed as f + i g (line y at t[k*ny + y])
// into their half spectra F = (Z(k) + conj Z(-k))/2 and G = (Z(k) - conj Z(-k))/(2i).
void unpackTwoReal(const double* tr, const double* ti, std::size_t lx, std::size_t ny, std::size_t hx, double* fr,
                   double* fi, double* gr, double* gi) {
  for (std::size_t y = 0; y < ny; y++) {
    const std::size_t o = hx * y;
    for (std::size_t k = 0; k < hx; k++) {
      const std::size_t p = k * ny + y, q = ((lx - k) % lx) * ny + y;
      const double zr = tr[p], zi = ti[p], cr = tr[q], ci = -ti[q];
      fr[o + k] = (zr + cr) / 2;
      fi[o + k] = (zi + ci) / 2;
      gr[o + k] = (zi - ci) / 2;
      gi[o + k] = -(zr - cr) / 2;
    }
  }
}

// The DFT of w(d) = 1/|d| (|d_i| < n_i, w(0) = 0) on the lx*ly*lz grid: real and even in each
// axis, so only its octant kx < hx, ky < hy, kz < hz is built, axis by axis from the octant
// d >= 0 of w, two real lines per complex transform. Returns out[kx + hx*(ky + hy*kz)].
const double* kernelOctant(std::size_t nx, std::size_t ny, std::size_t nz, double sx, double sy, double sz,
                           std::size_t lx, std::size_t ly, std::size_t lz) {
  const std::size_t hx = lx / 2 + 1, hy = ly / 2 + 1, hz = lz / 2 + 1;
  const std::size_t plane = hx * hy, half = (plane + 1) / 2;
  const std::size_t work = std::max({lx * ny, ly * hx, lz * half});
  double* tr = scratch(8, work);
  double* ti = scratch(9, work);
  double* sr = scratch(10, work);
  double* si = scratch(11, work);
  // x: rows (dy, dz) mirrored to +-dx; k1[kx + hx*(dy + ny*dz)].
  double* k1 = scratch(12, hx * ny * nz);
  for (std::size_t dz = 0; dz < nz; dz += 2) {
    std::fill(tr, tr + lx * ny, 0.0);
    std::fill(ti, ti + lx * ny, 0.0);
    for (std::size_t j = 0; j < 2 && dz + j < nz; j++) {
      double* t = j == 0 ? tr : ti;
      for (std::size_t dy = 0; dy < ny; dy++) {
        const double yz2 = std::pow(double(dy) * sy, 2) + std::pow(double(dz + j) * sz, 2);
        for (std::size_t dx = 0; dx < nx; dx++) {
          const double r2 = std::pow(double(dx) * sx, 2) + yz2;
          const double v = r2 > 0 ? 1 / std::sqrt(r2) : 0;
          t[dx * ny + dy] = v;
          if (dx > 0) t[(lx - dx) * ny + dy] = v;
        }
      }
    }
    fftBatch(tr, ti, lx, ny, sr, si);
    for (std::size_t dy = 0; dy < ny; dy++) {
      for (std::size_t k = 0; k < hx; k++) {
        k1[k + hx * (dy + ny * dz)] = tr[k * ny + dy];
        if (dz + 1 < nz) k1[k + hx * (dy + ny * (dz + 1))] = ti[k * ny + dy];
      }
    }
  }
  // y: per dz, the hx columns mirrored to +-dy; k2[kx + hx*(ky + hy*dz)].
  double* k2 = scratch(13, hx * hy * nz);
  for (std::size_t dz = 0; dz < nz; dz += 2) {
    std::fill(tr, tr + ly * hx, 0.0);
    std::fill(ti, ti + ly * hx, 0.0);
    for (std::size_t dy = 0; dy < ny; dy++) {
      for (std::size_t k = 0; k < hx; k++) {
        const double a = k1[k + hx * (dy + ny * dz)];
        tr[dy * hx + k] = a;
        if (dy > 0) tr[(ly - dy) * hx + k] = a;
        if (dz + 1 < nz) {
          const double b = k1[k + hx * (dy + ny * (dz + 1))];
          ti[dy * hx + k] = b;
          if (dy > 0) ti[(ly - dy) * hx + k] = b;
        }
      }
    }
    fftBatch(tr, ti, ly, hx, sr, si);
    for (std::size_t ky = 0; ky < hy; ky++) {
      for (std::size_t k = 0; k < hx; k++) {
        k2[k + hx * (ky + hy * dz)] = tr[ky * hx + k];
        if (dz + 1 < nz) k2[k + hx * (ky + hy * (dz + 1))] = ti[ky * hx + k];
      }
    }
  }
  // z: the hx*hy pillars mirrored to +-dz, the first half of them in re, the rest in im.
  std::fill(tr, tr + lz * half, 0.0);
  std::fill(ti, ti + lz * half, 0.0);
  for (std::size_t dz = 0; dz < nz; dz++) {
    for (std::size_t b = 0; b < plane; b++) {
      const double v = k2[b + plane * dz];
      double* t = b < half ? tr : ti;
      const std::size_t j = b < half ? b : b - half;
      t[dz * half + j] = v;
      if (dz > 0) t[(lz - dz) * half + j] = v;
    }
  }
  fftBatch(tr, ti, lz, half, sr, si);
  double* out = scratch(14, plane * hz);
  for (std::size_t kz = 0; kz < hz; kz++) {
    for (std::size_t b = 0; b < plane; b++) out[b + plane * kz] = b < half ? tr[kz * half + b] : ti[kz * half + b - half];
  }
  return out;
}

}  // namespace

template <typename T>
SpatialAutocorrelation spatialAutocorrelation(const T* values, const std::uint8_t* mask, std::size_t nx, std::size_t ny,
                                              std::size_t nz, double sx, double sy, double sz) {
  const std::size_t n = nx * ny * nz;
  double count = 0, sum = 0;
  for (std::size_t i = 0; i < n; i++) if (mask[i]) { count++; sum += values[i]; }
  const double mean = sum / count;
  double ss = 0;
  for (std::size_t i = 0; i < n; i++) if (mask[i]) ss += (values[i] - mean) * (values[i] - mean);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (count < 2 || ss == 0) return {nan, nan};

  const std::size_t lx = fastLength(2 * nx - 1), ly = fastLength(2 * ny - 1), lz = fastLength(2 * nz - 1);
  const std::size_t hx = lx / 2 + 1, hy = ly / 2 + 1, slice = hx * ly;
  // Half spectra (kx < hx) of m, a and a^2 after the x and y passes: only the nz slices that
  // hold data exist yet (the padding slices are zero), layout kx + hx*(ky + ly*z). The z pass
  // then runs one ky row of pillars at a time and its sums are taken there and then, so the
  // padded 3D spectra (three times the memory, ~35 MB for a 50,000-voxel ROI) are never stored.
  const std::size_t size = slice * nz;
  double* spectra[6];
  for (int k = 0; k < 6; k++) {
    spectra[k] = scratch(k, size);
    std::fill(spectra[k], spectra[k] + size, 0.0);
  }
  double *mr = spectra[0], *mi = spectra[1], *ar = spectra[2], *ai = spectra[3], *br = spectra[4], *bi = spectra[5];
  const std::size_t work = std::max({lx * ny, ly * hx, lz * hx});
  double* sr = scratch(6, work);
  double* si = scratch(7, work);
  Buffer tr(lx * ny), ti(lx * ny), dropR(slice), dropI(slice);

  // x pass, one slice at a time, lines batched: t[x*ny + y]. First m + i a of slice z.
  for (std::size_t z = 0; z < nz; z++) {
    std::fill(tr.begin(), tr.end(), 0.0);
    std::fill(ti.begin(), ti.end(), 0.0);
    for (std::size_t y = 0, s = nx * ny * z; y < ny; y++) {
      for (std::size_t x = 0; x < nx; x++, s++) {
        if (!mask[s]) continue;
        tr[x * ny + y] = 1;
        ti[x * ny + y] = values[s] - mean;
      }
    }
    fftBatch(tr.data(), ti.data(), lx, ny, sr, si);
    unpackTwoReal(tr.data(), ti.data(), lx, ny, hx, mr + slice * z, mi + slice * z, ar + slice * z, ai + slice * z);
  }
  // Then a^2 of slices z and z + 1 (a lone last slice pairs with zeros, whose spectrum is dropped).
  for (std::size_t z = 0; z < nz; z += 2) {
    std::fill(tr.begin(), tr.end(), 0.0);
    std::fill(ti.begin(), ti.end(), 0.0);
    for (std::size_t j = 0; j < 2 && z + j < nz; j++) {
      Buffer& t = j == 0 ? tr : ti;
      for (std::size_t y = 0, s = nx * ny * (z + j); y < ny; y++) {
        for (std::size_t x = 0; x < nx; x++, s++) if (mask[s]) t[x * ny + y] = (values[s] - mean) * (values[s] - mean);
      }
    }
    fftBatch(tr.data(), ti.data(), lx, ny, sr, si);
    const bool pair = z + 1 < nz;
    unpackTwoReal(tr.data(), ti.data(), lx, ny, hx, br + slice * z, bi + slice * z, pair ? br + slice * (z + 1) : dropR.data(),
                  pair ? bi + slice * (z + 1) : dropI.data());
  }
  // y pass, slice by slice.
  for (int k = 0; k < 6; k += 2) {
    for (std::size_t z = 0; z < nz; z++) fftBatch(spectra[k] + slice * z, spectra[k + 1] + slice * z, ly, hx, sr, si);
  }

  const double* w = kernelOctant(nx, ny, nz, sx, sy, sz, lx, ly, lz);
  // z pass and sums, one ky row of hx pillars at a time: pillars[k][kz*hx + kx], zero-padded
  // from z = nz. Every kx column counts twice except kx = 0 and the Nyquist column (their own
  // mirror images in the half spectrum).
  double* pillars[6];
  for (int k = 0; k < 6; k++) pillars[k] = scratch(15 + k, lz * hx);
  const std::size_t nyq = lx % 2 == 0 ? lx / 2 : std::size_t(-1);
  double sumMM = 0, sumAA = 0, sumA2M = 0;
  for (std::size_t y = 0; y < ly; y++) {
    for (int k = 0; k < 6; k++) {
      for (std::size_t z = 0; z < nz; z++) std::copy_n(spectra[k] + hx * y + slice * z, hx, pillars[k] + hx * z);
      std::fill(pillars[k] + hx * nz, pillars[k] + hx * lz, 0.0);
    }
    for (int k = 0; k < 6; k += 2) fftBatch(pillars[k], pillars[k + 1], lz, hx, sr, si);
    const double *Mr = pillars[0], *Mi = pillars[1], *Ar = pillars[2], *Ai = pillars[3], *Br = pillars[4], *Bi = pillars[5];
    for (std::size_t kz = 0; kz < lz; kz++) {
      const std::size_t wy = hx * (std::min(y, ly - y) + hy * std::min(kz, lz - kz)), row = hx * kz;
      double rowMM = 0, rowAA = 0, rowA2M = 0;
      for (std::size_t x = 0; x < hx; x++) {
        const std::size_t k = row + x;
        const double c = x == 0 || x == nyq ? w[wy + x] : 2 * w[wy + x];
        rowMM += c * (Mr[k] * Mr[k] + Mi[k] * Mi[k]);
        rowAA += c * (Ar[k] * Ar[k] + Ai[k] * Ai[k]);
        rowA2M += c * (Br[k] * Mr[k] + Bi[k] * Mi[k]);
      }
      sumMM += rowMM;
      sumAA += rowAA;
      sumA2M += rowA2M;
    }
  }
  const double L = double(lx) * double(ly) * double(lz);
  const double weightTotal = sumMM / L, moranNumerator = sumAA / L;
  const double gearyNumerator = 2 * (sumA2M / L) - 2 * moranNumerator;
  return {(count / weightTotal) * (moranNumerator / ss), ((count - 1) / (2 * weightTotal)) * (gearyNumerator / ss)};
}

template SpatialAutocorrelation spatialAutocorrelation<float>(const float*, const std::uint8_t*, std::size_t, std::size_t,
                                                             std::size_t, double, double, double);
template SpatialAutocorrelation spatialAutocorrelation<double>(const double*, const std::uint8_t*, std::size_t, std::size_t,
                                                              std::size_t, double, double, double);

}  // namespace fedrad
