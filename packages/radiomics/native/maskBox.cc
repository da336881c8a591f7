#include "maskBox.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace fedrad {

std::optional<std::array<double, 6>> maskBox(const std::uint8_t* mask, std::size_t nx, std::size_t ny, std::size_t nz) {
  std::size_t x0 = nx, x1 = 0, y0 = ny, y1 = 0, z0 = nz, z1 = 0;
  bool any = false;
  std::vector<std::uint8_t> zeros(nx, 0);
  for (std::size_t z = 0; z < nz; z++) {
    for (std::size_t y = 0; y < ny; y++) {
      const std::uint8_t* row = mask + nx * (y + ny * z);
      if (std::memcmp(row, zeros.data(), nx) == 0) continue;  // most rows of a whole-image mask
      std::size_t a = 0, b = nx - 1;
      while (!row[a]) a++;
      while (!row[b]) b--;
      x0 = std::min(x0, a); x1 = std::max(x1, b);
      y0 = std::min(y0, y); y1 = std::max(y1, y);
      z0 = std::min(z0, z); z1 = z;
      any = true;
    }
  }
  if (!any) return std::nullopt;
  return std::array<double, 6>{double(x0), double(y0), double(z0), double(x1), double(y1), double(z1)};
}

}  // namespace fedrad
