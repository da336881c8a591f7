{
  "targets": [
    {
      "target_name": "fedrad_radiomics",
      "sources": ["native/addon.cc", "native/discretisation.cc", "native/enclosingShapes.cc", "native/fft.cc", "native/intensityStatistics.cc", "native/latticeHull.cc", "native/localIntensity.cc", "native/maskBox.cc", "native/mesh.cc", "native/pointSets.cc", "native/roiSummary.cc", "native/spatialAutocorrelation.cc"],
      "defines": ["NAPI_VERSION=8", "_USE_MATH_DEFINES"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-ffp-contract=off"],
      "cflags_cc!": ["-fno-exceptions"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/fp:precise"] }
      }
    }
  ]
}
