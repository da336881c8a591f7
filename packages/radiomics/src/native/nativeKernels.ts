import { createRequire } from 'node:module';
import type { ConvexHull } from '../morphology/convexHullTypes.js';

/**
 * The C++ kernels of `native/` (built by node-gyp with the package, like better-sqlite3): the
 * hottest loops of the pipeline, compiled ahead of time, so that a process's first case runs at
 * full speed instead of waiting for V8 to optimise them. Each kernel has a TypeScript twin
 * computing the same quantities by the same method; tests hold the two to each other. This is the
 * addon's own flat signature; kernels/nativeRadiomicsKernels.ts wraps it as RadiomicsKernels.
 */
export interface NativeAddon {
  /** [Moran's I, Geary's C] of the masked voxels of an nx·ny·nz box (x fastest), spacing in mm. */
  spatialAutocorrelation(values: Float32Array | Float64Array, mask: Uint8Array, nx: number, ny: number, nz: number, sx: number, sy: number, sz: number): [number, number];
  /** Exact hull of half-voxel lattice points (flat X, Y, Z), or null when they span no volume. */
  latticeConvexHull(lattice: Int32Array, sx: number, sy: number, sz: number): ConvexHull | null;
  /** [local, global] intensity peak: sphere means of radius `radius` mm over the whole image around the mask's voxels. */
  localIntensityPeaks(image: Float32Array | Float64Array, mask: Uint8Array, nx: number, ny: number, nz: number, sx: number, sy: number, sz: number, radius: number): [number, number];
  /** [volume, area] of the oriented minimum bounding box of hull vertices, one side on one of the maxFaces largest faces. */
  orientedMinimumBoundingBox(vertices: Float64Array, normals: Float64Array, faceAreas: Float64Array, maxFaces: number): [number, number];
  /** Khachiyan's descent to `tolerance`: the weighted scatter S (row-major 3×3) of the enclosing ellipsoid. */
  enclosingEllipsoidScatter(vertices: Float64Array, tolerance: number, maxIterations: number): Float64Array;
  /** Marching cubes on the zero-padded mask: [Σ a·(b×c), Σ |ab × ac|, face count]. */
  meshSums(mask: Uint8Array, nx: number, ny: number, nz: number, sx: number, sy: number, sz: number): [number, number, number];
  /** The mesh vertices that can lie on the convex hull, on the half-voxel lattice (flat X, Y, Z). */
  hullCandidateLattice(mask: Uint8Array, nx: number, ny: number, nz: number): Int32Array;
  /** The one-pass voxel sums of morphologyCoefficients (slots N … WZ there), in voxel order. */
  voxelMoments(morph: Uint8Array, intensityMask: Uint8Array, intensities: Float32Array | Float64Array, nx: number, ny: number, nz: number): Float64Array;
  /** Largest distance between two points (flat x, y, z). */
  maxPairDistance(points: Float64Array): number;
  /** Counts, intensity sum/min/max and both masks' boxes of one ROI stage (slots: pipeline/roiSummary.ts). */
  roiSummary(values: Float64Array, morph: Uint8Array, intensity: Uint8Array, nx: number, ny: number, nz: number): Float64Array;
  /** The intensity-statistics sums over sorted values (slots: intensity/intensityStatistics.ts statisticsSumsTs). */
  statisticsSums(sorted: Float64Array, median: number, p10: number, p90: number): Float64Array;
  /** Bounding box of a byte mask's non-zero voxels, [lo x, y, z, hi x, y, z], or null when it is empty. */
  maskBox(mask: Uint8Array, nx: number, ny: number, nz: number): Float64Array | null;
  /** [min, max] of the masked values. */
  maskedRange(values: Float64Array, mask: Uint8Array): [number, number];
  /** Fixed bin number levels of the masked voxels, written into `levels`. */
  binFixedNumber(values: Float64Array, mask: Uint8Array, levels: Int32Array, min: number, max: number, bins: number): void;
  /** Fixed bin size levels of the masked voxels, written into `levels`; returns the highest level. */
  binFixedSize(values: Float64Array, mask: Uint8Array, levels: Int32Array, lowerBound: number, binWidth: number): number;
}

const ADDON = '../../build/Release/fedrad_radiomics.node'; // from src/native and dist/native alike

let loaded: NativeAddon | null | undefined;

/**
 * The native addon, or null when they are switched off (FEDRAD_NATIVE=0) or were not built
 * (then a one-time warning says so and the TypeScript kernels run: same results, slower first
 * cases). Any other load failure (a broken or foreign binary) is thrown, not hidden.
 */
export function nativeKernels(): NativeAddon | null {
  if (loaded !== undefined) return loaded;
  if (process.env.FEDRAD_NATIVE === '0') return (loaded = null);
  try {
    loaded = createRequire(import.meta.url)(ADDON) as NativeAddon;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    process.emitWarning("FedRad native kernels are not built (run `npm run build`); using the TypeScript kernels: the same results (Moran's I and Geary's C to rounding), more slowly", { code: 'FEDRAD_NO_NATIVE' });
    loaded = null;
  }
  return loaded;
}
