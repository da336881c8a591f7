// The oriented minimum bounding box and the minimum-volume enclosing ellipsoid of the hull
// vertices (IBSI 1 ZH1A/IQYR, SWZ1/BRI8): native twins of src/morphology/orientedBoundingBox.ts
// and the Khachiyan descent of src/morphology/enclosingEllipsoid.ts, step for step.
#pragma once
#include <array>
#include <cstddef>

namespace fedrad {

struct Box {
  double volume;
  double area;
};

/** vertices: flat x, y, z (n points); normals and faceAreas: the hull's polygon faces. */
Box orientedMinimumBoundingBox(const double* vertices, std::size_t n, const double* normals, const double* faceAreas, std::size_t faces,
                               std::size_t maxFaces);

/**
 * Khachiyan's barycentric descent to tolerance tau; returns the weighted scatter
 * S = sum u_i (x_i - c)(x_i - c)^T (row-major 3x3) whose eigenvalues give the semi-axes sqrt(3 lambda).
 */
std::array<double, 9> enclosingEllipsoidScatter(const double* vertices, std::size_t n, double tolerance, std::size_t maxIterations);

}  // namespace fedrad
