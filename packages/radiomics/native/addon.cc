// Node-API entry points of the native kernels. Each takes typed arrays and plain numbers, checks
// them, and throws a TypeError/RangeError naming the argument rather than reading out of bounds.
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "discretisation.h"
#include "enclosingShapes.h"
#include "intensityStatistics.h"
#include "latticeHull.h"
#include "localIntensity.h"
#include "maskBox.h"
#include "mesh.h"
#include "pointSets.h"
#include "roiSummary.h"
#include "spatialAutocorrelation.h"

namespace {

struct ArgError {
  const char* code;
  std::string message;
};

napi_value fail(napi_env env, const ArgError& e) {
  if (std::string(e.code) == "ERR_OUT_OF_RANGE") napi_throw_range_error(env, e.code, e.message.c_str());
  else napi_throw_type_error(env, e.code, e.message.c_str());
  return nullptr;
}

struct TypedView {
  napi_typedarray_type type;
  void* data;
  std::size_t length;
};

TypedView typedArray(napi_env env, napi_value value, const char* name) {
  bool is = false;
  napi_is_typedarray(env, value, &is);
  if (!is) throw ArgError{"ERR_INVALID_ARG_TYPE", std::string(name) + " must be a typed array"};
  TypedView v{};
  napi_value buffer;
  std::size_t offset;
  napi_get_typedarray_info(env, value, &v.type, &v.length, &v.data, &buffer, &offset);
  return v;
}

double number(napi_env env, napi_value value, const char* name) {
  double out;
  if (napi_get_value_double(env, value, &out) != napi_ok) throw ArgError{"ERR_INVALID_ARG_TYPE", std::string(name) + " must be a number"};
  return out;
}

// A whole number from `minimum` (1 unless a kernel takes empty boxes) below 2^31 (box sides,
// iteration and face limits): the kernels index lattice coordinates 2x + 1 in int32, and the
// bound keeps every cast below defined.
std::size_t count(napi_env env, napi_value value, const char* name, int minimum = 1) {
  const double d = number(env, value, name);
  if (!(d >= minimum && d <= 2147483647.0) || d != std::floor(d)) {
    throw ArgError{"ERR_OUT_OF_RANGE", std::string(name) + " must be a whole number from " + std::to_string(minimum) + " to 2^31 - 1"};
  }
  return static_cast<std::size_t>(d);
}

// A voxel spacing or radius in mm: finite and positive (a zero or negative spacing would turn
// the sphere's half-widths into out-of-range indices).
double length(napi_env env, napi_value value, const char* name) {
  const double d = number(env, value, name);
  if (!(std::isfinite(d) && d > 0)) throw ArgError{"ERR_OUT_OF_RANGE", std::string(name) + " must be a finite number above 0"};
  return d;
}

// nx*ny*nz, refused when it overflows (then no typed array can hold it anyway).
std::size_t voxelCount(std::size_t nx, std::size_t ny, std::size_t nz) {
  std::size_t n;
  if (__builtin_mul_overflow(nx, ny, &n) || __builtin_mul_overflow(n, nz, &n)) throw ArgError{"ERR_OUT_OF_RANGE", "nx*ny*nz is too large"};
  return n;
}

// The arguments shared by the voxel kernels: (values: Float32Array | Float64Array,
// mask: Uint8Array, nx, ny, nz, sx, sy, sz), values and mask covering nx*ny*nz voxels.
struct VolumeArgs {
  TypedView values;
  const std::uint8_t* mask;
  std::size_t nx, ny, nz;
  double sx, sy, sz;
};

VolumeArgs volumeArgs(napi_env env, const napi_value* argv) {
  VolumeArgs a{typedArray(env, argv[0], "values"), nullptr, 0, 0, 0, 0, 0, 0};
  const TypedView mask = typedArray(env, argv[1], "mask");
  a.nx = count(env, argv[2], "nx");
  a.ny = count(env, argv[3], "ny");
  a.nz = count(env, argv[4], "nz");
  a.sx = length(env, argv[5], "sx");
  a.sy = length(env, argv[6], "sy");
  a.sz = length(env, argv[7], "sz");
  if (a.values.type != napi_float32_array && a.values.type != napi_float64_array) throw ArgError{"ERR_INVALID_ARG_TYPE", "values must be a Float32Array or Float64Array"};
  if (mask.type != napi_uint8_array) throw ArgError{"ERR_INVALID_ARG_TYPE", "mask must be a Uint8Array"};
  const std::size_t n = voxelCount(a.nx, a.ny, a.nz);
  if (a.values.length != n || mask.length != n) throw ArgError{"ERR_OUT_OF_RANGE", "values and mask must hold nx*ny*nz = " + std::to_string(n) + " voxels"};
  a.mask = static_cast<const std::uint8_t*>(mask.data);
  return a;
}

// Runs `kernel(values as float* or double*)` for the values' element type.
template <typename Kernel>
auto byValueType(const VolumeArgs& a, Kernel kernel) {
  return a.values.type == napi_float32_array ? kernel(static_cast<const float*>(a.values.data))
                                              : kernel(static_cast<const double*>(a.values.data));
}

napi_value pair(napi_env env, double first, double second) {
  napi_value out, a, b;
  napi_create_array_with_length(env, 2, &out);
  napi_create_double(env, first, &a);
  napi_create_double(env, second, &b);
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, b);
  return out;
}

// Calls body() and turns its errors into JavaScript exceptions.
template <typename Body>
napi_value guarded(napi_env env, Body body) {
  try {
    return body();
  } catch (const ArgError& e) {
    return fail(env, e);
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_FEDRAD_NATIVE", e.what());
    return nullptr;
  }
}

// Fills argv, and checks that exactly `expected` arguments came.
void args(napi_env env, napi_callback_info info, std::size_t expected, napi_value* argv, const char* name) {
  std::size_t argc = expected;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != expected) throw ArgError{"ERR_MISSING_ARGS", std::string(name) + " takes " + std::to_string(expected) + " arguments"};
}

// spatialAutocorrelation(values, mask, nx, ny, nz, sx, sy, sz) -> [moranI, gearyC]
napi_value SpatialAutocorrelation(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[8];
    args(env, info, 8, argv, "spatialAutocorrelation");
    const VolumeArgs a = volumeArgs(env, argv);
    const auto r = byValueType(a, [&](auto values) { return fedrad::spatialAutocorrelation(values, a.mask, a.nx, a.ny, a.nz, a.sx, a.sy, a.sz); });
    return pair(env, r.moranI, r.gearyC);
  });
}

// localIntensityPeaks(image, mask, nx, ny, nz, sx, sy, sz, radius) -> [localPeak, globalPeak]
napi_value LocalIntensityPeaks(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[9];
    args(env, info, 9, argv, "localIntensityPeaks");
    const VolumeArgs a = volumeArgs(env, argv);
    const double radius = length(env, argv[8], "radius");
    const auto r = byValueType(a, [&](auto image) { return fedrad::localIntensityPeaks(image, a.mask, a.nx, a.ny, a.nz, a.sx, a.sy, a.sz, radius); });
    return pair(env, r.localPeak, r.globalPeak);
  });
}

// A new Float64Array holding `count` values.
napi_value float64Array(napi_env env, const double* values, std::size_t count) {
  void* data = nullptr;
  napi_value buffer, out;
  if (napi_create_arraybuffer(env, count * sizeof(double), &data, &buffer) != napi_ok) throw std::bad_alloc();
  if (count) std::memcpy(data, values, count * sizeof(double));
  napi_create_typedarray(env, napi_float64_array, count, buffer, 0, &out);
  return out;
}

template <typename Values>  // std::vector<double> or std::array<double, N>
napi_value float64Array(napi_env env, const Values& values) {
  return float64Array(env, values.data(), values.size());
}

void setNumber(napi_env env, napi_value object, const char* name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, object, name, v);
}

// latticeConvexHull(lattice: Int32Array, sx, sy, sz)
//   -> { volume, area, vertices, normals, faceAreas } | null (the points span no volume)
napi_value LatticeConvexHull(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[4];
    args(env, info, 4, argv, "latticeConvexHull");
    const TypedView lattice = typedArray(env, argv[0], "lattice");
    if (lattice.type != napi_int32_array) throw ArgError{"ERR_INVALID_ARG_TYPE", "lattice must be an Int32Array"};
    if (lattice.length % 3 != 0) throw ArgError{"ERR_OUT_OF_RANGE", "lattice must hold x, y, z triples"};
    const double sx = length(env, argv[1], "sx"), sy = length(env, argv[2], "sy"), sz = length(env, argv[3], "sz");
    const auto hull = fedrad::latticeConvexHull(static_cast<const std::int32_t*>(lattice.data), lattice.length / 3, sx, sy, sz);
    napi_value out;
    if (!hull) {
      napi_get_null(env, &out);
      return out;
    }
    napi_create_object(env, &out);
    setNumber(env, out, "volume", hull->volume);
    setNumber(env, out, "area", hull->area);
    napi_set_named_property(env, out, "vertices", float64Array(env, hull->vertices));
    napi_set_named_property(env, out, "normals", float64Array(env, hull->normals));
    napi_set_named_property(env, out, "faceAreas", float64Array(env, hull->faceAreas));
    return out;
  });
}

TypedView float64Arg(napi_env env, napi_value value, const char* name) {
  const TypedView v = typedArray(env, value, name);
  if (v.type != napi_float64_array) throw ArgError{"ERR_INVALID_ARG_TYPE", std::string(name) + " must be a Float64Array"};
  return v;
}

// orientedMinimumBoundingBox(vertices, normals, faceAreas, maxFaces) -> [volume, area]
napi_value OrientedMinimumBoundingBox(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[4];
    args(env, info, 4, argv, "orientedMinimumBoundingBox");
    const TypedView vertices = float64Arg(env, argv[0], "vertices");
    const TypedView normals = float64Arg(env, argv[1], "normals");
    const TypedView faceAreas = float64Arg(env, argv[2], "faceAreas");
    const std::size_t maxFaces = count(env, argv[3], "maxFaces");
    if (vertices.length % 3 != 0) throw ArgError{"ERR_OUT_OF_RANGE", "vertices must hold x, y, z triples"};
    if (normals.length != 3 * faceAreas.length) throw ArgError{"ERR_OUT_OF_RANGE", "normals must hold one x, y, z triple per face area"};
    const auto box = fedrad::orientedMinimumBoundingBox(static_cast<const double*>(vertices.data), vertices.length / 3,
                                                        static_cast<const double*>(normals.data), static_cast<const double*>(faceAreas.data),
                                                        faceAreas.length, maxFaces);
    return pair(env, box.volume, box.area);
  });
}

// enclosingEllipsoidScatter(vertices, tolerance, maxIterations) -> Float64Array(9)
napi_value EnclosingEllipsoidScatter(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[3];
    args(env, info, 3, argv, "enclosingEllipsoidScatter");
    const TypedView vertices = float64Arg(env, argv[0], "vertices");
    const double tolerance = length(env, argv[1], "tolerance");
    const std::size_t maxIterations = count(env, argv[2], "maxIterations");
    if (vertices.length % 3 != 0) throw ArgError{"ERR_OUT_OF_RANGE", "vertices must hold x, y, z triples"};
    const auto S = fedrad::enclosingEllipsoidScatter(static_cast<const double*>(vertices.data), vertices.length / 3, tolerance, maxIterations);
    return float64Array(env, S);
  });
}

// A mask argument and its box: (mask: Uint8Array, nx, ny, nz) from argv[0..3].
struct MaskArgs {
  const std::uint8_t* mask;
  std::size_t nx, ny, nz;
};

// minSide 0 for the scans that take an empty box (an axis interpolated to no points) as empty.
MaskArgs maskArgs(napi_env env, const napi_value* argv, int minSide = 1) {
  const TypedView mask = typedArray(env, argv[0], "mask");
  if (mask.type != napi_uint8_array) throw ArgError{"ERR_INVALID_ARG_TYPE", "mask must be a Uint8Array"};
  MaskArgs a{static_cast<const std::uint8_t*>(mask.data), count(env, argv[1], "nx", minSide), count(env, argv[2], "ny", minSide), count(env, argv[3], "nz", minSide)};
  const std::size_t n = voxelCount(a.nx, a.ny, a.nz);
  if (mask.length != n) throw ArgError{"ERR_OUT_OF_RANGE", "mask must hold nx*ny*nz = " + std::to_string(n) + " voxels"};
  return a;
}

// meshSums(mask, nx, ny, nz, sx, sy, sz) -> [sum a.(b x c), sum |ab x ac|, face count]
napi_value MeshSums(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[7];
    args(env, info, 7, argv, "meshSums");
    const MaskArgs a = maskArgs(env, argv);
    const double sx = length(env, argv[4], "sx"), sy = length(env, argv[5], "sy"), sz = length(env, argv[6], "sz");
    const fedrad::MeshSums m = fedrad::meshSums(a.mask, a.nx, a.ny, a.nz, sx, sy, sz);
    napi_value out = pair(env, m.tripleSum, m.crossSum), faces;
    napi_create_double(env, m.faceCount, &faces);
    napi_set_element(env, out, 2, faces);
    return out;
  });
}

// hullCandidateLattice(mask, nx, ny, nz) -> Int32Array of X, Y, Z triples
napi_value HullCandidateLattice(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[4];
    args(env, info, 4, argv, "hullCandidateLattice");
    const MaskArgs a = maskArgs(env, argv);
    const std::vector<std::int32_t> points = fedrad::hullCandidateLattice(a.mask, a.nx, a.ny, a.nz);
    void* data = nullptr;
    napi_value buffer, out;
    if (napi_create_arraybuffer(env, points.size() * sizeof(std::int32_t), &data, &buffer) != napi_ok) throw std::bad_alloc();
    if (!points.empty()) std::memcpy(data, points.data(), points.size() * sizeof(std::int32_t));
    napi_create_typedarray(env, napi_int32_array, points.size(), buffer, 0, &out);
    return out;
  });
}

// A Uint8Array of `length` voxels; `expected` says where that length comes from, for the message.
const std::uint8_t* uint8Arg(napi_env env, napi_value value, const char* name, std::size_t length, const char* expected = "nx*ny*nz = ") {
  const TypedView v = typedArray(env, value, name);
  if (v.type != napi_uint8_array) throw ArgError{"ERR_INVALID_ARG_TYPE", std::string(name) + " must be a Uint8Array"};
  if (v.length != length) throw ArgError{"ERR_OUT_OF_RANGE", std::string(name) + " must hold " + expected + std::to_string(length) + " voxels"};
  return static_cast<const std::uint8_t*>(v.data);
}

// voxelMoments(morph, intensityMask, intensities, nx, ny, nz) -> Float64Array(21) (slots: pointSets.h)
napi_value VoxelMoments(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[6];
    args(env, info, 6, argv, "voxelMoments");
    const std::size_t nx = count(env, argv[3], "nx"), ny = count(env, argv[4], "ny"), nz = count(env, argv[5], "nz");
    const std::size_t n = voxelCount(nx, ny, nz);
    const std::uint8_t* morph = uint8Arg(env, argv[0], "morph", n);
    const std::uint8_t* intensityMask = uint8Arg(env, argv[1], "intensityMask", n);
    const TypedView intensities = typedArray(env, argv[2], "intensities");
    if (intensities.type != napi_float32_array && intensities.type != napi_float64_array) throw ArgError{"ERR_INVALID_ARG_TYPE", "intensities must be a Float32Array or Float64Array"};
    if (intensities.length != n) throw ArgError{"ERR_OUT_OF_RANGE", "intensities must hold nx*ny*nz = " + std::to_string(n) + " voxels"};
    const fedrad::VoxelMoments m = intensities.type == napi_float32_array
        ? fedrad::voxelMoments(morph, intensityMask, static_cast<const float*>(intensities.data), nx, ny, nz)
        : fedrad::voxelMoments(morph, intensityMask, static_cast<const double*>(intensities.data), nx, ny, nz);
    return float64Array(env, m);
  });
}

// maxPairDistance(points: Float64Array) -> number
napi_value MaxPairDistance(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[1];
    args(env, info, 1, argv, "maxPairDistance");
    const TypedView points = float64Arg(env, argv[0], "points");
    if (points.length % 3 != 0) throw ArgError{"ERR_OUT_OF_RANGE", "points must hold x, y, z triples"};
    napi_value out;
    napi_create_double(env, fedrad::maxPairDistance(static_cast<const double*>(points.data), points.length / 3), &out);
    return out;
  });
}

// roiSummary(values: Float64Array, morph, intensity, nx, ny, nz) -> Float64Array(17) (slots: roiSummary.h)
napi_value RoiSummary(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[6];
    args(env, info, 6, argv, "roiSummary");
    const std::size_t nx = count(env, argv[3], "nx", 0), ny = count(env, argv[4], "ny", 0), nz = count(env, argv[5], "nz", 0);
    const std::size_t n = voxelCount(nx, ny, nz);
    const TypedView values = float64Arg(env, argv[0], "values");
    if (values.length != n) throw ArgError{"ERR_OUT_OF_RANGE", "values must hold nx*ny*nz = " + std::to_string(n) + " voxels"};
    const auto s = fedrad::roiSummary(static_cast<const double*>(values.data), uint8Arg(env, argv[1], "morph", n), uint8Arg(env, argv[2], "intensity", n), nx, ny, nz);
    return float64Array(env, s);
  });
}

// statisticsSums(sorted: Float64Array, median, p10, p90) -> Float64Array(8) (slots: intensityStatistics.h)
napi_value StatisticsSums(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[4];
    args(env, info, 4, argv, "statisticsSums");
    const TypedView sorted = float64Arg(env, argv[0], "sorted");
    const double median = number(env, argv[1], "median"), p10 = number(env, argv[2], "p10"), p90 = number(env, argv[3], "p90");
    const auto s = fedrad::statisticsSums(static_cast<const double*>(sorted.data), sorted.length, median, p10, p90);
    return float64Array(env, s);
  });
}

// maskBox(mask, nx, ny, nz) -> Float64Array [lo x, y, z, hi x, y, z] | null (empty mask)
napi_value MaskBox(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[4];
    args(env, info, 4, argv, "maskBox");
    const MaskArgs a = maskArgs(env, argv, 0);
    const auto box = fedrad::maskBox(a.mask, a.nx, a.ny, a.nz);
    napi_value out;
    if (!box) {
      napi_get_null(env, &out);
      return out;
    }
    return float64Array(env, *box);
  });
}

// The masked values and their levels: (values: Float64Array, mask: Uint8Array[, levels: Int32Array]), one length.
struct BinArgs {
  const double* values;
  const std::uint8_t* mask;
  std::int32_t* levels;
  std::size_t n;
};

// Whether two byte ranges share memory.
bool overlap(const void* a, std::size_t aBytes, const void* b, std::size_t bBytes) {
  const auto* p = static_cast<const char*>(a);
  const auto* q = static_cast<const char*>(b);
  return aBytes && bBytes && p < q + bBytes && q < p + aBytes;
}

BinArgs binArgs(napi_env env, const napi_value* argv, bool withLevels) {
  const TypedView values = float64Arg(env, argv[0], "values");
  BinArgs a{static_cast<const double*>(values.data), uint8Arg(env, argv[1], "mask", values.length, "as many voxels as values: "), nullptr, values.length};
  if (withLevels) {
    const TypedView levels = typedArray(env, argv[2], "levels");
    if (levels.type != napi_int32_array) throw ArgError{"ERR_INVALID_ARG_TYPE", "levels must be an Int32Array"};
    if (levels.length != a.n) throw ArgError{"ERR_OUT_OF_RANGE", "levels must hold as many voxels as values"};
    a.levels = static_cast<std::int32_t*>(levels.data);
    // The levels are written while values and mask are read: they may not share memory.
    if (overlap(a.levels, a.n * 4, a.values, a.n * 8) || overlap(a.levels, a.n * 4, a.mask, a.n)) throw ArgError{"ERR_INVALID_ARG_VALUE", "levels must not share memory with values or mask"};
  }
  return a;
}

// maskedRange(values, mask) -> [min, max]
napi_value MaskedRange(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[2];
    args(env, info, 2, argv, "maskedRange");
    const BinArgs a = binArgs(env, argv, false);
    const auto r = fedrad::maskedRange(a.values, a.mask, a.n);
    return pair(env, r[0], r[1]);
  });
}

// binFixedNumber(values, mask, levels, min, max, bins): writes the masked voxels' levels
napi_value BinFixedNumber(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[6];
    args(env, info, 6, argv, "binFixedNumber");
    const BinArgs a = binArgs(env, argv, true);
    fedrad::binFixedNumber(a.values, a.mask, a.levels, a.n, number(env, argv[3], "min"), number(env, argv[4], "max"), static_cast<double>(count(env, argv[5], "bins")));
    napi_value out;
    napi_get_undefined(env, &out);
    return out;
  });
}

// binFixedSize(values, mask, levels, lowerBound, binWidth) -> highest level
napi_value BinFixedSize(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[5];
    args(env, info, 5, argv, "binFixedSize");
    const BinArgs a = binArgs(env, argv, true);
    napi_value out;
    napi_create_double(env, fedrad::binFixedSize(a.values, a.mask, a.levels, a.n, number(env, argv[3], "lowerBound"), length(env, argv[4], "binWidth")), &out);
    return out;
  });
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor kernels[] = {
      {"spatialAutocorrelation", nullptr, SpatialAutocorrelation, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"latticeConvexHull", nullptr, LatticeConvexHull, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"localIntensityPeaks", nullptr, LocalIntensityPeaks, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"orientedMinimumBoundingBox", nullptr, OrientedMinimumBoundingBox, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"enclosingEllipsoidScatter", nullptr, EnclosingEllipsoidScatter, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"meshSums", nullptr, MeshSums, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"hullCandidateLattice", nullptr, HullCandidateLattice, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"voxelMoments", nullptr, VoxelMoments, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"maxPairDistance", nullptr, MaxPairDistance, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"roiSummary", nullptr, RoiSummary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"statisticsSums", nullptr, StatisticsSums, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"maskBox", nullptr, MaskBox, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"maskedRange", nullptr, MaskedRange, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"binFixedNumber", nullptr, BinFixedNumber, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"binFixedSize", nullptr, BinFixedSize, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(kernels) / sizeof(kernels[0]), kernels);
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return Init(env, exports); }
