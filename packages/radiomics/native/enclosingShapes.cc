// See the TypeScript twins for the methods and their sources (Chan & Tan 2001 and Freeman &
// Shapira 1975 for the box; Khachiyan 1996 and Todd & Yildirim 2007 for the ellipsoid). The
// arithmetic is written in the same order, so both give the same numbers.
#include "enclosingShapes.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <set>
#include <vector>

namespace fedrad {
namespace {

// Andrew's monotone chain (counter-clockwise, collinear points dropped) of (u[i], v[i]): indices
// into out, returns their count.
std::size_t hull2d(const std::vector<double>& u, const std::vector<double>& v, std::size_t n, std::vector<std::uint32_t>& order,
                   std::vector<std::uint32_t>& out) {
  for (std::size_t i = 0; i < n; i++) order[i] = std::uint32_t(i);
  // The twin's comparator is `du || dv`: a zero or NaN du falls through to dv.
  std::stable_sort(order.begin(), order.begin() + n, [&](std::uint32_t a, std::uint32_t b) {
    const double du = u[a] - u[b];
    return du != 0 && du == du ? du < 0 : v[a] - v[b] < 0;
  });
  if (n < 3) {
    std::copy(order.begin(), order.begin() + n, out.begin());
    return n;
  }
  auto cross = [&](std::uint32_t o, std::uint32_t a, std::uint32_t b) {
    return (u[a] - u[o]) * (v[b] - v[o]) - (v[a] - v[o]) * (u[b] - u[o]);
  };
  std::size_t k = 0;
  for (std::size_t i = 0; i < n; i++) {
    const std::uint32_t q = order[i];
    while (k >= 2 && cross(out[k - 2], out[k - 1], q) <= 1e-12) k--;
    out[k++] = q;
  }
  const std::size_t lowerEnd = k + 1;
  for (std::size_t i = n - 1; i-- > 0;) {
    const std::uint32_t q = order[i];
    while (k >= lowerEnd && cross(out[k - 2], out[k - 1], q) <= 1e-12) k--;
    out[k++] = q;
  }
  return k - 1;
}

// JavaScript's Math.round: the nearest whole number, halves towards +infinity (as V8 computes it).
double jsRound(double v) {
  const double up = std::ceil(v);
  return up - 0.5 > v ? up - 1 : up;
}

// The key under which a face's normal was seen: its components in millionths, rounded as the
// twin rounds them (-0 and 0 compare equal in the set, as they print alike in the twin's key).
std::array<double, 3> normalKey(double x, double y, double z) {
  return {jsRound(x * 1e6), jsRound(y * 1e6), jsRound(z * 1e6)};
}

}  // namespace

Box orientedMinimumBoundingBox(const double* vertices, std::size_t n, const double* normals, const double* faceAreas, std::size_t faces,
                               std::size_t maxFaces) {
  Box best{INFINITY, INFINITY};
  std::vector<std::size_t> order(faces);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return faceAreas[b] - faceAreas[a] < 0; });
  if (order.size() > maxFaces) order.resize(maxFaces);
  std::set<std::array<double, 3>> seen;
  std::vector<double> pu(n), pv(n);
  std::vector<std::uint32_t> order2d(n), hullIdx(2 * n + 2);
  for (std::size_t face : order) {
    const double nx = normals[3 * face], ny = normals[3 * face + 1], nz = normals[3 * face + 2];
    if (!(faceAreas[face] > 0 && std::isfinite(nx + ny + nz))) continue;  // a degenerate face has no plane
    if (!seen.insert(normalKey(nx, ny, nz)).second) continue;
    // Orthonormal basis (u, v) of the plane perpendicular to n.
    double ux, uy, uz;
    if (std::fabs(nx) < 0.9) { ux = 0; uy = nz; uz = -ny; } else { ux = -nz; uy = 0; uz = nx; }
    const double ul = std::sqrt(ux * ux + uy * uy + uz * uz);
    ux /= ul; uy /= ul; uz /= ul;
    const double vx = ny * uz - nz * uy, vy = nz * ux - nx * uz, vz = nx * uy - ny * ux;
    double hMin = INFINITY, hMax = -INFINITY;
    for (std::size_t i = 0; i < n; i++) {
      const double x = vertices[3 * i], y = vertices[3 * i + 1], z = vertices[3 * i + 2];
      const double h = x * nx + y * ny + z * nz;
      if (h < hMin) hMin = h;
      if (h > hMax) hMax = h;
      pu[i] = x * ux + y * uy + z * uz;
      pv[i] = x * vx + y * vy + z * vz;
    }
    const double height = hMax - hMin;
    const std::size_t hull = hull2d(pu, pv, n, order2d, hullIdx);
    for (std::size_t e = 0; e < hull; e++) {
      const std::uint32_t a = hullIdx[e], b = hullIdx[(e + 1) % hull];
      const double ex = pu[b] - pu[a], ey = pv[b] - pv[a];
      const double el = std::sqrt(ex * ex + ey * ey);
      if (el == 0) continue;
      const double dx = ex / el, dy = ey / el;
      double sMin = INFINITY, sMax = -INFINITY, tMin = INFINITY, tMax = -INFINITY;
      for (std::size_t k = 0; k < hull; k++) {
        const std::uint32_t q = hullIdx[k];
        const double s = pu[q] * dx + pv[q] * dy, t = -pu[q] * dy + pv[q] * dx;
        if (s < sMin) sMin = s;
        if (s > sMax) sMax = s;
        if (t < tMin) tMin = t;
        if (t > tMax) tMax = t;
      }
      const double w = sMax - sMin, d = tMax - tMin;
      const double volume = w * d * height;
      if (volume < best.volume) best = {volume, 2 * (w * d + w * height + d * height)};
    }
  }
  return best;
}

namespace {

// Gauss-Jordan inverse of a 4x4 matrix (row-major), partial pivoting.
std::array<double, 16> invert4(std::array<double, 16> a) {
  const int n = 4;
  std::array<double, 16> inv{};
  for (int i = 0; i < n; i++) inv[i * n + i] = 1;
  for (int col = 0; col < n; col++) {
    int pivot = col;
    for (int r = col + 1; r < n; r++) if (std::fabs(a[r * n + col]) > std::fabs(a[pivot * n + col])) pivot = r;
    for (int k = 0; k < n; k++) {
      std::swap(a[col * n + k], a[pivot * n + k]);
      std::swap(inv[col * n + k], inv[pivot * n + k]);
    }
    const double p = a[col * n + col];
    for (int k = 0; k < n; k++) { a[col * n + k] /= p; inv[col * n + k] /= p; }
    for (int r = 0; r < n; r++) {
      if (r == col) continue;
      const double f = a[r * n + col];
      if (f == 0) continue;
      for (int k = 0; k < n; k++) { a[r * n + k] -= f * a[col * n + k]; inv[r * n + k] -= f * inv[col * n + k]; }
    }
  }
  return inv;
}

}  // namespace

std::array<double, 9> enclosingEllipsoidScatter(const double* vertices, std::size_t n, double tolerance, std::size_t maxIterations) {
  const double d = 3;
  if (n == 0) return {};  // no points: a zero scatter, as the twin's loops give
  std::vector<double> u(n, 1.0 / double(n)), M(n);
  // X = sum u_i q_i q_i^T with q_i = (x_i, 1), its inverse, and M_i = q_i^T X^-1 q_i.
  std::array<double, 16> X{};
  for (std::size_t i = 0; i < n; i++) {
    const double q[4] = {vertices[3 * i], vertices[3 * i + 1], vertices[3 * i + 2], 1};
    for (int r = 0; r < 4; r++) for (int c = 0; c < 4; c++) X[4 * r + c] += u[i] * q[r] * q[c];
  }
  std::array<double, 16> Xi = invert4(X);
  for (std::size_t i = 0; i < n; i++) {
    const double q[4] = {vertices[3 * i], vertices[3 * i + 1], vertices[3 * i + 2], 1};
    double m = 0;
    for (int r = 0; r < 4; r++) for (int c = 0; c < 4; c++) m += q[r] * Xi[4 * r + c] * q[c];
    M[i] = m;
  }
  for (std::size_t iter = 0; iter < maxIterations; iter++) {
    // Move weight beta to the point j with the largest M_j; ||delta u||^2 decides convergence.
    std::size_t j = 0;
    for (std::size_t i = 1; i < n; i++) if (M[i] > M[j]) j = i;
    const double mj = M[j];
    const double step = (mj - d - 1) / ((d + 1) * (mj - 1));
    double change = 0;
    for (std::size_t i = 0; i < n; i++) {
      const double next = (1 - step) * u[i] + (i == j ? step : 0);
      change += (next - u[i]) * (next - u[i]);
      u[i] = next;
    }
    // X <- (1 - beta) X + beta q_j q_j^T, so (Sherman-Morrison)
    // M_i <- [M_i - beta (q_i^T X^-1 q_j)^2 / ((1 - beta) + beta M_j)] / (1 - beta).
    const double qx = vertices[3 * j], qy = vertices[3 * j + 1], qz = vertices[3 * j + 2];
    double v[4];
    for (int r = 0; r < 4; r++) v[r] = Xi[4 * r] * qx + Xi[4 * r + 1] * qy + Xi[4 * r + 2] * qz + Xi[4 * r + 3];
    const double denom = 1 - step + step * mj;
    for (std::size_t i = 0; i < n; i++) {
      const double t = vertices[3 * i] * v[0] + vertices[3 * i + 1] * v[1] + vertices[3 * i + 2] * v[2] + v[3];
      M[i] = (M[i] - (step * t * t) / denom) / (1 - step);
    }
    for (int r = 0; r < 4; r++) for (int c = 0; c < 4; c++) Xi[4 * r + c] = (Xi[4 * r + c] - (step * v[r] * v[c]) / denom) / (1 - step);
    if (std::sqrt(change) < tolerance) break;
  }
  // Centre c = sum u_i x_i, then S = sum u_i (x_i - c)(x_i - c)^T.
  double c[3] = {0, 0, 0};
  for (std::size_t i = 0; i < n; i++) for (int r = 0; r < 3; r++) c[r] += u[i] * vertices[3 * i + r];
  std::array<double, 9> S{};
  for (std::size_t i = 0; i < n; i++) {
    for (int r = 0; r < 3; r++) for (int k = 0; k < 3; k++) S[3 * r + k] += u[i] * (vertices[3 * i + r] - c[r]) * (vertices[3 * i + k] - c[k]);
  }
  return S;
}

}  // namespace fedrad
