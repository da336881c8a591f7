/** What the local intensity peaks (IBSI 1 §3.2) read, and what they give; shared by both kernels. */
export interface LocalIntensityInput {
  /** Whole image (all voxels can fall in a sphere), x fastest. */
  image: Float32Array | Float64Array;
  dims: [number, number, number];
  spacing: [number, number, number];
  /** Intensity mask on the same grid. */
  intensityMask: Uint8Array;
}

export interface LocalIntensityCoefficients {
  localPeak: number;
  globalPeak: number;
}
