// Quickhull (Barber, Dobkin & Huhdanpaa 1996) with exact integer orientation tests: see
// src/morphology/latticeHull.ts for the method. Plane coefficients are kept as doubles holding
// integers (exact far below 2^53), as the TypeScript twin keeps them, so both take the same
// branches on the same input.
#include "latticeHull.h"

#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace fedrad {
namespace {

// det[b - a, c - a, p - a]: positive when p is on the side the normal (b - a) x (c - a) points to.
double orient(const std::int32_t* L, std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t p) {
  auto at = [L](std::int64_t q, int k) { return double(L[3 * q + k]); };
  const double ux = at(b, 0) - at(a, 0), uy = at(b, 1) - at(a, 1), uz = at(b, 2) - at(a, 2);
  const double vx = at(c, 0) - at(a, 0), vy = at(c, 1) - at(a, 1), vz = at(c, 2) - at(a, 2);
  const double wx = at(p, 0) - at(a, 0), wy = at(p, 1) - at(a, 1), wz = at(p, 2) - at(a, 2);
  return wx * (uy * vz - uz * vy) + wy * (uz * vx - ux * vz) + wz * (ux * vy - uy * vx);
}

class HullBuilder {
 public:
  HullBuilder(const std::int32_t* L, std::size_t n) : L_(L), n_(n) {}

  void start(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d) {
    if (orient(L_, a, b, c, d) > 0) std::swap(b, c);  // first face turned away from d
    addFace(a, b, c);
    addFace(a, d, b);
    addFace(b, d, c);
    addFace(c, d, a);
  }

  void run() {
    const std::unordered_set<std::int64_t> seed{fa_[0], fb_[0], fc_[0], fb_[1]};
    std::vector<std::int64_t> all;
    all.reserve(n_);
    for (std::size_t p = 0; p < n_; p++) if (!seed.count(std::int64_t(p))) all.push_back(std::int64_t(p));
    assign(all, 0);
    for (std::size_t f = 0; f < fa_.size(); f++) {
      if (alive_[f] && !outside_[f].empty()) {
        std::vector<std::int64_t> set = outside_[f];
        addEye(f, set);
      }
    }
  }

  LatticeHull measure(double sx, double sy, double sz) const {
    const double scaleX = sy * sz / 4, scaleY = sx * sz / 4, scaleZ = sx * sy / 4;
    double cx = 0, cy = 0, cz = 0;
    volumeApex(cx, cy, cz);
    const std::vector<std::int32_t> facetOf = labelFacets();
    std::size_t facetCount = 0;
    for (std::size_t f = 0; f < fa_.size(); f++) if (facetOf[f] >= 0 && std::size_t(facetOf[f]) >= facetCount) facetCount = facetOf[f] + 1;
    LatticeHull out;
    out.normals.assign(3 * facetCount, 0.0);
    out.faceAreas.assign(facetCount, 0.0);
    double volume6 = 0, area2 = 0;
    std::size_t seen = 0;
    for (std::size_t f = 0; f < fa_.size(); f++) {
      if (!alive_[f]) continue;
      const std::int64_t a = fa_[f];
      const double Nx = pnx_[f], Ny = pny_[f], Nz = pnz_[f];
      // Tetrahedron (apex, a, b, c), signed: N . (a - apex)/6 with N pointing outwards.
      volume6 += Nx * (X(a) - cx) + Ny * (Y(a) - cy) + Nz * (Z(a) - cz);
      const double mx = Nx * scaleX, my = Ny * scaleY, mz = Nz * scaleZ;
      const double twiceArea = std::sqrt(mx * mx + my * my + mz * mz);
      area2 += twiceArea;
      const std::size_t k = facetOf[f];
      if (k == seen) {  // the facet's first (lowest) face gives its unit normal
        out.normals[3 * k] = mx / twiceArea;
        out.normals[3 * k + 1] = my / twiceArea;
        out.normals[3 * k + 2] = mz / twiceArea;
        seen++;
      }
      out.faceAreas[k] += twiceArea;
    }
    for (double& a : out.faceAreas) a /= 2;
    for (std::int64_t v : extremeVertices(facetOf)) {
      out.vertices.push_back((X(v) - 1) / 2 * sx);
      out.vertices.push_back((Y(v) - 1) / 2 * sy);
      out.vertices.push_back((Z(v) - 1) / 2 * sz);
    }
    out.volume = volume6 / 6 * (sx * sy * sz / 8);
    out.area = area2 / 2;
    return out;
  }

 private:
  double X(std::int64_t p) const { return L_[3 * p]; }
  double Y(std::int64_t p) const { return L_[3 * p + 1]; }
  double Z(std::int64_t p) const { return L_[3 * p + 2]; }
  std::int64_t key(std::int64_t u, std::int64_t v) const { return u * std::int64_t(n_) + v; }

  bool beyond(std::size_t f, std::int64_t p) const { return pnx_[f] * X(p) + pny_[f] * Y(p) + pnz_[f] * Z(p) > pd_[f]; }

  // Each point into the outside set of the first live face from firstFace that it lies beyond.
  void assign(const std::vector<std::int64_t>& points, std::size_t firstFace) {
    for (std::int64_t p : points) {
      for (std::size_t f = firstFace; f < fa_.size(); f++) {
        if (alive_[f] && beyond(f, p)) {
          outside_[f].push_back(p);
          break;
        }
      }
    }
  }

  void addEye(std::size_t f, const std::vector<std::int64_t>& set) {
    std::int64_t eye = set[0];
    double far = -INFINITY;
    for (std::int64_t p : set) {
      const double h = pnx_[f] * X(p) + pny_[f] * Y(p) + pnz_[f] * Z(p) - pd_[f];
      if (h > far) { far = h; eye = p; }
    }
    const std::int64_t stamp = ++stamp_;
    std::vector<std::size_t> stack{f}, visible;
    std::vector<std::int64_t> horizon;
    visibleMark_[f] = stamp;
    while (!stack.empty()) {
      const std::size_t g = stack.back();
      stack.pop_back();
      visible.push_back(g);
      const std::int64_t corners[3] = {fa_[g], fb_[g], fc_[g]};
      for (int e = 0; e < 3; e++) {
        const std::int64_t u = corners[e], v = corners[(e + 1) % 3];
        const std::size_t h = edgeFace_.at(key(v, u));  // the neighbour across edge u->v has v->u
        if (visibleMark_[h] == stamp) continue;
        if (beyond(h, eye)) {
          visibleMark_[h] = stamp;
          stack.push_back(h);
        } else {
          horizon.push_back(u);
          horizon.push_back(v);
        }
      }
    }
    std::vector<std::int64_t> waiting;
    for (std::size_t g : visible) {
      for (std::int64_t p : outside_[g]) if (p != eye) waiting.push_back(p);
      outside_[g].clear();
      outside_[g].shrink_to_fit();
      removeFace(g);
    }
    const std::size_t firstNew = fa_.size();
    for (std::size_t k = 0; k < horizon.size(); k += 2) addFace(horizon[k], horizon[k + 1], eye);
    assign(waiting, firstNew);
  }

  void addFace(std::int64_t a, std::int64_t b, std::int64_t c) {
    const std::size_t f = fa_.size();
    fa_.push_back(a); fb_.push_back(b); fc_.push_back(c);
    alive_.push_back(1);
    visibleMark_.push_back(0);
    outside_.emplace_back();
    const double ux = X(b) - X(a), uy = Y(b) - Y(a), uz = Z(b) - Z(a);
    const double vx = X(c) - X(a), vy = Y(c) - Y(a), vz = Z(c) - Z(a);
    const double nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    pnx_.push_back(nx); pny_.push_back(ny); pnz_.push_back(nz);
    pd_.push_back(nx * X(a) + ny * Y(a) + nz * Z(a));
    edgeFace_[key(a, b)] = f;
    edgeFace_[key(b, c)] = f;
    edgeFace_[key(c, a)] = f;
  }

  void removeFace(std::size_t f) {
    alive_[f] = 0;
    const std::int64_t a = fa_[f], b = fb_[f], c = fc_[f];
    // An edge may already belong to a new face; delete only this face's own entries.
    for (std::int64_t k : {key(a, b), key(b, c), key(c, a)}) {
      auto it = edgeFace_.find(k);
      if (it != edgeFace_.end() && it->second == f) edgeFace_.erase(it);
    }
  }

  // The mean of the first live faces' corners (4 corners at least): over a closed surface any
  // apex gives the same volume; one on the hull keeps the terms small.
  void volumeApex(double& cx, double& cy, double& cz) const {
    int m = 0;
    for (std::size_t f = 0; f < fa_.size() && m < 4; f++) {
      if (!alive_[f]) continue;
      for (std::int64_t v : {fa_[f], fb_[f], fc_[f]}) {
        cx += X(v); cy += Y(v); cz += Z(v);
        m++;
      }
    }
    cx /= m; cy /= m; cz /= m;
  }

  // Polygon face of each live triangle: edge-connected triangles with parallel integer normals.
  std::vector<std::int32_t> labelFacets() const {
    std::vector<std::int32_t> facetOf(fa_.size(), -1);
    std::vector<std::size_t> queue;
    std::int32_t next = 0;
    for (std::size_t f = 0; f < fa_.size(); f++) {
      if (!alive_[f] || facetOf[f] >= 0) continue;
      const std::int32_t k = next++;
      facetOf[f] = k;
      queue.assign(1, f);
      while (!queue.empty()) {
        const std::size_t g = queue.back();
        queue.pop_back();
        const std::int64_t corners[3] = {fa_[g], fb_[g], fc_[g]};
        for (int e = 0; e < 3; e++) {
          const std::size_t h = edgeFace_.at(key(corners[(e + 1) % 3], corners[e]));
          if (facetOf[h] >= 0) continue;
          const bool parallel = pny_[f] * pnz_[h] - pnz_[f] * pny_[h] == 0 && pnz_[f] * pnx_[h] - pnx_[f] * pnz_[h] == 0 &&
                                pnx_[f] * pny_[h] - pny_[f] * pnx_[h] == 0;
          if (!parallel || pnx_[f] * pnx_[h] + pny_[f] * pny_[h] + pnz_[f] * pnz_[h] <= 0) continue;
          facetOf[h] = k;
          queue.push_back(h);
        }
      }
    }
    return facetOf;
  }

  // Vertices where live triangles of at least three facets meet, ascending.
  std::vector<std::int64_t> extremeVertices(const std::vector<std::int32_t>& facetOf) const {
    std::vector<std::int32_t> first(n_, -1), second(n_, -1);
    std::vector<std::uint8_t> corner(n_, 0);
    for (std::size_t f = 0; f < fa_.size(); f++) {
      if (!alive_[f]) continue;
      const std::int32_t k = facetOf[f];
      for (std::int64_t v : {fa_[f], fb_[f], fc_[f]}) {
        if (first[v] < 0) first[v] = k;
        else if (first[v] != k && second[v] < 0) second[v] = k;
        else if (first[v] != k && second[v] != k) corner[v] = 1;
      }
    }
    std::vector<std::int64_t> out;
    for (std::size_t v = 0; v < n_; v++) if (corner[v]) out.push_back(std::int64_t(v));
    return out;
  }

  const std::int32_t* L_;
  std::size_t n_;
  std::vector<std::int64_t> fa_, fb_, fc_;
  std::vector<std::uint8_t> alive_;
  std::vector<std::int64_t> visibleMark_;
  std::vector<double> pnx_, pny_, pnz_, pd_;
  std::vector<std::vector<std::int64_t>> outside_;
  std::unordered_map<std::int64_t, std::size_t> edgeFace_;
  std::int64_t stamp_ = 0;
};

double squared(double v) { return v * v; }

// Four points spanning a tetrahedron (extremes first, so most later points fall inside).
bool initialSimplex(const std::int32_t* L, std::size_t n, std::int64_t out[4]) {
  std::size_t a = 0;
  for (std::size_t i = 1; i < n; i++) if (L[3 * i] < L[3 * a]) a = i;
  std::int64_t b = -1;
  double best = 0;
  // Differences in double, as the twin takes them: int32 coordinates may span more than 2^31.
  auto at = [L](std::size_t p, int k) { return double(L[3 * p + k]); };
  for (std::size_t i = 0; i < n; i++) {
    const double d = squared(at(i, 0) - at(a, 0)) + squared(at(i, 1) - at(a, 1)) + squared(at(i, 2) - at(a, 2));
    if (d > best) { best = d; b = std::int64_t(i); }
  }
  if (b < 0) return false;
  std::int64_t c = -1;
  best = 0;
  const double ux = at(b, 0) - at(a, 0), uy = at(b, 1) - at(a, 1), uz = at(b, 2) - at(a, 2);
  for (std::size_t i = 0; i < n; i++) {
    const double vx = at(i, 0) - at(a, 0), vy = at(i, 1) - at(a, 1), vz = at(i, 2) - at(a, 2);
    const double d = squared(uy * vz - uz * vy) + squared(uz * vx - ux * vz) + squared(ux * vy - uy * vx);
    if (d > best) { best = d; c = std::int64_t(i); }
  }
  if (c < 0) return false;
  std::int64_t d = -1;
  best = 0;
  for (std::size_t i = 0; i < n; i++) {
    const double o = std::fabs(orient(L, std::int64_t(a), b, c, std::int64_t(i)));
    if (o > best) { best = o; d = std::int64_t(i); }
  }
  if (d < 0) return false;
  out[0] = std::int64_t(a); out[1] = b; out[2] = c; out[3] = d;
  return true;
}

}  // namespace

std::optional<LatticeHull> latticeConvexHull(const std::int32_t* lattice, std::size_t n, double sx, double sy, double sz) {
  if (n < 4) return std::nullopt;
  // Exact in doubles only while |X| <= 2^15 (triple products below 48 * 2^45 < 2^53): beyond it,
  // as in the twin, the caller takes the general hull.
  for (std::size_t i = 0; i < 3 * n; i++) if (lattice[i] > 32768 || lattice[i] < -32768) return std::nullopt;
  std::int64_t seed[4];
  if (!initialSimplex(lattice, n, seed)) return std::nullopt;
  HullBuilder h(lattice, n);
  h.start(seed[0], seed[1], seed[2], seed[3]);
  h.run();
  return h.measure(sx, sy, sz);
}

}  // namespace fedrad
