// Node-API entry points of the native kernels. Each takes typed arrays and plain numbers, checks
// them, and throws a TypeError/RangeError naming the argument rather than reading out of bounds.
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <vector>
#include <string>

#include "latticeHull.h"
#include "spatialAutocorrelation.h"

namespace {

struct ArgError {
  const char* code;
  std::string message;
};

napi_value fail(napi_env env, const ArgError& e) {
  napi_throw_type_error(env, e.code, e.message.c_str());
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

std::size_t count(napi_env env, napi_value value, const char* name) {
  const double d = number(env, value, name);
  if (!(d >= 1) || d != static_cast<double>(static_cast<std::size_t>(d))) throw ArgError{"ERR_OUT_OF_RANGE", std::string(name) + " must be a positive integer"};
  return static_cast<std::size_t>(d);
}

// spatialAutocorrelation(values: Float32Array | Float64Array, mask: Uint8Array,
//                        nx, ny, nz, sx, sy, sz) -> [moranI, gearyC]
napi_value SpatialAutocorrelation(napi_env env, napi_callback_info info) {
  std::size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  try {
    if (argc != 8) throw ArgError{"ERR_MISSING_ARGS", "spatialAutocorrelation takes 8 arguments"};
    const TypedView values = typedArray(env, argv[0], "values");
    const TypedView mask = typedArray(env, argv[1], "mask");
    const std::size_t nx = count(env, argv[2], "nx"), ny = count(env, argv[3], "ny"), nz = count(env, argv[4], "nz");
    const double sx = number(env, argv[5], "sx"), sy = number(env, argv[6], "sy"), sz = number(env, argv[7], "sz");
    if (values.type != napi_float32_array && values.type != napi_float64_array) throw ArgError{"ERR_INVALID_ARG_TYPE", "values must be a Float32Array or Float64Array"};
    if (mask.type != napi_uint8_array) throw ArgError{"ERR_INVALID_ARG_TYPE", "mask must be a Uint8Array"};
    const std::size_t n = nx * ny * nz;
    if (values.length != n || mask.length != n) throw ArgError{"ERR_OUT_OF_RANGE", "values and mask must hold nx*ny*nz = " + std::to_string(n) + " voxels"};
    const auto* m = static_cast<const std::uint8_t*>(mask.data);
    const fedrad::SpatialAutocorrelation r = values.type == napi_float32_array
        ? fedrad::spatialAutocorrelation(static_cast<const float*>(values.data), m, nx, ny, nz, sx, sy, sz)
        : fedrad::spatialAutocorrelation(static_cast<const double*>(values.data), m, nx, ny, nz, sx, sy, sz);
    napi_value out, a, b;
    napi_create_array_with_length(env, 2, &out);
    napi_create_double(env, r.moranI, &a);
    napi_create_double(env, r.gearyC, &b);
    napi_set_element(env, out, 0, a);
    napi_set_element(env, out, 1, b);
    return out;
  } catch (const ArgError& e) {
    return fail(env, e);
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_FEDRAD_NATIVE", e.what());
    return nullptr;
  }
}

napi_value float64Array(napi_env env, const std::vector<double>& values) {
  void* data = nullptr;
  napi_value buffer, out;
  napi_create_arraybuffer(env, values.size() * sizeof(double), &data, &buffer);
  if (!values.empty()) std::memcpy(data, values.data(), values.size() * sizeof(double));
  napi_create_typedarray(env, napi_float64_array, values.size(), buffer, 0, &out);
  return out;
}

void setNumber(napi_env env, napi_value object, const char* name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, object, name, v);
}

// latticeConvexHull(lattice: Int32Array, sx, sy, sz)
//   -> { volume, area, vertices, normals, faceAreas } | null (the points span no volume)
napi_value LatticeConvexHull(napi_env env, napi_callback_info info) {
  std::size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  try {
    if (argc != 4) throw ArgError{"ERR_MISSING_ARGS", "latticeConvexHull takes 4 arguments"};
    const TypedView lattice = typedArray(env, argv[0], "lattice");
    if (lattice.type != napi_int32_array) throw ArgError{"ERR_INVALID_ARG_TYPE", "lattice must be an Int32Array"};
    if (lattice.length % 3 != 0) throw ArgError{"ERR_OUT_OF_RANGE", "lattice must hold x, y, z triples"};
    const double sx = number(env, argv[1], "sx"), sy = number(env, argv[2], "sy"), sz = number(env, argv[3], "sz");
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
  } catch (const ArgError& e) {
    return fail(env, e);
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_FEDRAD_NATIVE", e.what());
    return nullptr;
  }
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor kernels[] = {
      {"spatialAutocorrelation", nullptr, SpatialAutocorrelation, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"latticeConvexHull", nullptr, LatticeConvexHull, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(kernels) / sizeof(kernels[0]), kernels);
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return Init(env, exports); }
