{
  "targets": [
    {
      "target_name": "fedrad_radiomics",
      "sources": ["native/addon.cc", "native/enclosingShapes.cc", "native/fft.cc", "native/latticeHull.cc", "native/localIntensity.cc", "native/mesh.cc", "native/pointSets.cc", "native/spatialAutocorrelation.cc"],
      "cflags_cc": ["-std=c++17", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
