// See src/morphology/mesh.ts for the method (Lorensen & Cline 1987 at level 0.5 on the zero-padded
// mask; hull candidates as the ends of every axis-parallel line of mesh vertices, filtered by the
// 2D hull of their own z-plane).
#include "mesh.h"

#include <array>
#include <cmath>
#include <string>

#include "marchingCubesTriangles.generated.h"

namespace fedrad {
namespace {

// Edge e of a cube joins corners a < b with a | bit = b; corner c sits at (c & 1, c >> 1 & 1, c >> 2 & 1).
struct Tables {
  std::array<std::array<double, 3>, 12> midpoint;
  std::array<std::vector<std::int8_t>, 256> triangles;
};

const Tables& tables() {
  static const Tables t = [] {
    Tables out{};
    int e = 0;
    for (int c = 0; c < 8; c++) {
      for (int bit : {1, 2, 4}) {
        if (c & bit) continue;
        const int b = c | bit;
        out.midpoint[e++] = {((c & 1) + (b & 1)) / 2.0, (((c >> 1) & 1) + ((b >> 1) & 1)) / 2.0, (((c >> 2) & 1) + ((b >> 2) & 1)) / 2.0};
      }
    }
    int config = 0;
    for (const char* p = kTriangleCodes; *p; p++) {
      if (*p == ',') { config++; continue; }
      out.triangles[config].push_back(std::int8_t(std::stoi(std::string(1, *p), nullptr, 16)));
    }
    return out;
  }();
  return t;
}

// The mask as 0/1 with one voxel of zero padding on every side.
std::vector<std::uint8_t> padded(const std::uint8_t* mask, std::size_t nx, std::size_t ny, std::size_t nz) {
  const std::size_t px = nx + 2, pxy = (nx + 2) * (ny + 2);
  std::vector<std::uint8_t> out(pxy * (nz + 2), 0);
  for (std::size_t z = 0, i = 0; z < nz; z++) {
    for (std::size_t y = 0; y < ny; y++) {
      std::size_t o = (z + 1) * pxy + (y + 1) * px + 1;
      for (std::size_t x = 0; x < nx; x++, i++, o++) out[o] = mask[i] ? 1 : 0;
    }
  }
  return out;
}

}  // namespace

MeshSums meshSums(const std::uint8_t* mask, std::size_t nx, std::size_t ny, std::size_t nz, double sx, double sy, double sz) {
  const Tables& t = tables();
  const std::vector<std::uint8_t> p = padded(mask, nx, ny, nz);
  const std::ptrdiff_t px = std::ptrdiff_t(nx) + 2, pxy = px * (std::ptrdiff_t(ny) + 2);
  const std::ptrdiff_t NX = nx, NY = ny, NZ = nz;
  MeshSums acc{0, 0, 0};
  double ex[12], ey[12], ez[12];
  // Cube (x, y, z) spans voxels x..x+1 etc.; x = -1 and x = nx - 1 cover the zero padding. In the
  // padded array voxel x sits at x + 1.
  for (std::ptrdiff_t z = -1; z < NZ; z++) {
    for (std::ptrdiff_t y = -1; y < NY; y++) {
      std::ptrdiff_t i = (z + 1) * pxy + (y + 1) * px;
      for (std::ptrdiff_t x = -1; x < NX; x++, i++) {
        const int config = p[i] | (p[i + 1] << 1) | (p[i + px] << 2) | (p[i + px + 1] << 3) | (p[i + pxy] << 4) |
                           (p[i + pxy + 1] << 5) | (p[i + pxy + px] << 6) | (p[i + pxy + px + 1] << 7);
        if (config == 0 || config == 255) continue;
        for (int e = 0; e < 12; e++) {
          ex[e] = (double(x) + t.midpoint[e][0]) * sx;
          ey[e] = (double(y) + t.midpoint[e][1]) * sy;
          ez[e] = (double(z) + t.midpoint[e][2]) * sz;
        }
        const std::vector<std::int8_t>& tris = t.triangles[config];
        for (std::size_t k = 0; k < tris.size(); k += 3) {
          const int a = tris[k], b = tris[k + 1], c = tris[k + 2];
          const double ax = ex[a], ay = ey[a], az = ez[a];
          const double bx = ex[b], by = ey[b], bz = ez[b];
          const double cx = ex[c], cy = ey[c], cz = ez[c];
          // a . (b x c): signed tetrahedron volume x 6 (IBSI RNU0, after Zhang & Chen 2001).
          acc.tripleSum += ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx);
          const double ux = bx - ax, uy = by - ay, uz = bz - az;
          const double vx = cx - ax, vy = cy - ay, vz = cz - az;
          const double nx_ = uy * vz - uz * vy, ny_ = uz * vx - ux * vz, nz_ = ux * vy - uy * vx;
          acc.crossSum += std::sqrt(nx_ * nx_ + ny_ * ny_ + nz_ * nz_);
          acc.faceCount++;
        }
      }
    }
  }
  return acc;
}

std::vector<std::int32_t> hullCandidateLattice(const std::uint8_t* mask, std::size_t nx, std::size_t ny, std::size_t nz) {
  using I = std::int32_t;
  // First and last vertex coordinate of every x-line (Y + gy Z), y-line (X + gx Z), z-line (X + gx Y).
  const I gx = I(2 * nx + 1), gy = I(2 * ny + 1), gz = I(2 * nz + 1);
  std::vector<I> xFirst(std::size_t(gy) * gz, -1), xLast(std::size_t(gy) * gz, -1);
  std::vector<I> yFirst(std::size_t(gx) * gz, -1), yLast(std::size_t(gx) * gz, -1);
  std::vector<I> zFirst(std::size_t(gx) * gy, -1), zLast(std::size_t(gx) * gy, -1);
  auto addVertex = [&](I X, I Y, I Z) {
    const std::size_t a = std::size_t(Y) + std::size_t(gy) * Z, b = std::size_t(X) + std::size_t(gx) * Z, c = std::size_t(X) + std::size_t(gx) * Y;
    if (xFirst[a] < 0 || X < xFirst[a]) xFirst[a] = X;
    if (X > xLast[a]) xLast[a] = X;
    if (yFirst[b] < 0 || Y < yFirst[b]) yFirst[b] = Y;
    if (Y > yLast[b]) yLast[b] = Y;
    if (zFirst[c] < 0 || Z < zFirst[c]) zFirst[c] = Z;
    if (Z > zLast[c]) zLast[c] = Z;
  };
  const std::vector<std::uint8_t> p = padded(mask, nx, ny, nz);
  const std::ptrdiff_t px = std::ptrdiff_t(nx) + 2, pxy = px * (std::ptrdiff_t(ny) + 2);
  // A mesh vertex on each face-adjacent pair of voxels that differ; the doubled coordinate of
  // voxel x is 2x + 1 (the padding voxel -1 maps to -1, so the edge between them is at 0).
  for (I z = -1; z < I(nz); z++) {
    for (I y = -1; y < I(ny); y++) {
      std::ptrdiff_t i = (z + 1) * pxy + (y + 1) * px;
      for (I x = -1; x < I(nx); x++, i++) {
        const std::uint8_t v = p[i];
        if (v != p[i + 1] && y >= 0 && z >= 0) addVertex(2 * x + 2, 2 * y + 1, 2 * z + 1);
        if (v != p[i + px] && x >= 0 && z >= 0) addVertex(2 * x + 1, 2 * y + 2, 2 * z + 1);
        if (v != p[i + pxy] && x >= 0 && y >= 0) addVertex(2 * x + 1, 2 * y + 1, 2 * z + 2);
      }
    }
  }
  // Keep the x-line ends that are extreme along their y- and z-lines and on the 2D hull of their
  // own z-plane (Andrew's monotone chain over the ends, sorted by (Y, X); exact integer turns,
  // collinear points dropped), in (Z, Y, X) order.
  std::vector<I> out;
  std::vector<std::uint8_t> onFirst(gy), onLast(gy), isLast(2 * std::size_t(gy));
  std::vector<I> ys(2 * std::size_t(gy)), xs(2 * std::size_t(gy)), chain(4 * std::size_t(gy) + 2);
  auto keepIfExtreme = [&](I X, I Y, I Z) {
    const std::size_t b = std::size_t(X) + std::size_t(gx) * Z, c = std::size_t(X) + std::size_t(gx) * Y;
    if ((yFirst[b] == Y || yLast[b] == Y) && (zFirst[c] == Z || zLast[c] == Z)) {
      out.push_back(X);
      out.push_back(Y);
      out.push_back(Z);
    }
  };
  auto pushHull = [&](std::size_t h, std::size_t min, std::size_t i) {
    while (h >= min) {
      const I o = chain[h - 2], a = chain[h - 1];
      if (std::int64_t(ys[a] - ys[o]) * (xs[i] - xs[o]) - std::int64_t(xs[a] - xs[o]) * (ys[i] - ys[o]) > 0) break;
      h--;
    }
    chain[h] = I(i);
    return h + 1;
  };
  for (I Z = 0; Z < gz; Z++) {
    std::fill(onFirst.begin(), onFirst.end(), 0);
    std::fill(onLast.begin(), onLast.end(), 0);
    std::size_t n = 0;
    for (I Y = 0; Y < gy; Y++) {
      const std::size_t a = std::size_t(Y) + std::size_t(gy) * Z;
      if (xFirst[a] < 0) continue;
      ys[n] = Y; xs[n] = xFirst[a]; isLast[n++] = 0;
      if (xLast[a] != xFirst[a]) { ys[n] = Y; xs[n] = xLast[a]; isLast[n++] = 1; }
    }
    if (n <= 2) {
      for (std::size_t k = 0; k < n; k++) (isLast[k] ? onLast : onFirst)[ys[k]] = 1;
    } else {
      std::size_t h = 0;
      for (std::size_t i = 0; i < n; i++) h = pushHull(h, 2, i);
      const std::size_t lower = h + 1;
      for (std::size_t i = n - 1; i-- > 0;) h = pushHull(h, lower, i);
      for (std::size_t i = 0; i + 1 < h; i++) (isLast[chain[i]] ? onLast : onFirst)[ys[chain[i]]] = 1;
    }
    for (I Y = 0; Y < gy; Y++) {
      const std::size_t a = std::size_t(Y) + std::size_t(gy) * Z;
      if (xFirst[a] < 0) continue;
      if (onFirst[Y]) keepIfExtreme(xFirst[a], Y, Z);
      if (xLast[a] != xFirst[a] && onLast[Y]) keepIfExtreme(xLast[a], Y, Z);
    }
  }
  return out;
}

}  // namespace fedrad
