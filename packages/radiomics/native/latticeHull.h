// Exact convex hull of points on the half-voxel lattice: the native twin of
// src/morphology/latticeHull.ts (same Quickhull steps in the same order, so the same faces,
// facets and vertices come out).
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

namespace fedrad {

struct LatticeHull {
  double volume;                  // mm^3
  double area;                    // mm^2
  std::vector<double> vertices;   // extreme vertices, flat x, y, z in mm, ascending point index
  std::vector<double> normals;    // unit outward normal of each polygon face, flat
  std::vector<double> faceAreas;  // area of each polygon face, mm^2
};

/** lattice: flat integer X, Y, Z (mm position ((X - 1)/2)*s). Empty when the points span no volume. */
std::optional<LatticeHull> latticeConvexHull(const std::int32_t* lattice, std::size_t n, double sx, double sy, double sz);

}  // namespace fedrad
