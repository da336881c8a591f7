// Marching-cubes mesh measures and convex-hull candidates of a binary mask (IBSI 1 mesh-based
// representation): native twins of meshMeasures and hullCandidateLattice in
// src/morphology/mesh.ts, the same cubes, vertices and sums in the same order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace fedrad {

struct MeshSums {
  double tripleSum;  // sum of a . (b x c) over the faces (6 x signed volume)
  double crossSum;   // sum of |ab x ac| (2 x area)
  double faceCount;
};

MeshSums meshSums(const std::uint8_t* mask, std::size_t nx, std::size_t ny, std::size_t nz, double sx, double sy, double sz);

/** Half-voxel lattice points (X, Y, Z flat, X = 2x + 1 at voxel centre x) that can lie on the hull. */
std::vector<std::int32_t> hullCandidateLattice(const std::uint8_t* mask, std::size_t nx, std::size_t ny, std::size_t nz);

}  // namespace fedrad
