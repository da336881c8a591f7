import type { LocalIntensityCoefficients, LocalIntensityInput } from '../intensity/localIntensityTypes.js';
import type { ConvexHull } from '../morphology/convexHullTypes.js';
import type { MeshMeasures } from '../morphology/mesh.js';
import type { SpatialAutocorrelation } from '../morphology/spatialAutocorrelation.js';
import type { VoxelBox } from '../preprocess/voxelBox.js';

type Dims = readonly [number, number, number];
type Spacing = readonly [number, number, number];

/**
 * The pipeline's hottest loops, as one set. Two implementations exist: the C++ addon of
 * `native/` (kernels/nativeRadiomicsKernels.ts wraps it) and the TypeScript twins
 * (kernels/typescriptKernels.ts), which compute the same quantities by the same method, bit for
 * bit except Moran's I and Geary's C (equal to rounding). Both are typed against this interface,
 * so the compiler holds their signatures together; kernels/selectKernels.ts picks one per
 * process and the pipeline passes it down to every call site.
 */
export interface RadiomicsKernels {
  /** Which implementation this is, for tests and warnings. */
  readonly kind: 'native' | 'typescript';
  /** Moran's I and Geary's C of the masked voxels of a box (x fastest), spacing in mm. */
  spatialAutocorrelation(values: Float32Array | Float64Array, mask: Uint8Array, dims: Dims, spacing: Spacing): SpatialAutocorrelation;
  /** Exact hull of half-voxel lattice points (flat X, Y, Z), or null when they span no volume. */
  latticeConvexHull(lattice: Int32Array, spacing: Spacing): ConvexHull | null;
  /** Local and global intensity peak: 1 cm³ sphere means over the whole image around the mask's voxels. */
  localIntensityPeaks(input: LocalIntensityInput): LocalIntensityCoefficients;
  /** Volume and area of the oriented minimum bounding box of hull vertices, one side on one of the maxFaces largest faces. */
  orientedMinimumBoundingBox(vertices: Float64Array, normals: Float64Array, faceAreas: Float64Array, maxFaces: number): { volume: number; area: number };
  /** Khachiyan's descent to `tolerance`: the weighted scatter S (row-major 3×3) of the enclosing ellipsoid. */
  enclosingEllipsoidScatter(vertices: Float64Array, tolerance: number, maxIterations: number): Float64Array;
  /** Marching-cubes volume, area and face count of the zero-padded mask. */
  meshMeasures(mask: Uint8Array, dims: Dims, spacing: Spacing): MeshMeasures;
  /** The mesh vertices that can lie on the convex hull, on the half-voxel lattice (flat X, Y, Z). */
  hullCandidateLattice(mask: Uint8Array, dims: Dims): Int32Array;
  /** The one-pass voxel sums of morphologyCoefficients (slots N … WZ there), in voxel order. */
  voxelMoments(morph: Uint8Array, intensityMask: Uint8Array, intensities: Float32Array | Float64Array, dims: Dims): Float64Array;
  /** Largest distance between two points (flat x, y, z). */
  maxPairDistance(points: Float64Array): number;
  /** Counts, intensity sum/min/max and both masks' boxes of one ROI stage (slots: pipeline/roiSummary.ts). */
  roiSummary(values: Float64Array, morph: Uint8Array, intensity: Uint8Array, dims: Dims): Float64Array;
  /** The intensity-statistics sums over sorted values (slots: intensity/intensityStatistics.ts statisticsSumsTs). */
  statisticsSums(sorted: Float64Array, median: number, p10: number, p90: number): Float64Array;
  /** Bounding box of a byte mask's non-zero voxels, or null when it is empty. */
  maskBox(mask: Uint8Array, dims: Dims): VoxelBox | null;
  /** [min, max] of the masked values. */
  maskedRange(values: Float64Array, mask: Uint8Array): ArrayLike<number>;
  /** Fixed bin number levels of the masked voxels, written into `levels`. */
  binFixedNumber(values: Float64Array, mask: Uint8Array, levels: Int32Array, min: number, max: number, bins: number): void;
  /** Fixed bin size levels of the masked voxels, written into `levels`; returns the highest level. */
  binFixedSize(values: Float64Array, mask: Uint8Array, levels: Int32Array, lowerBound: number, binWidth: number): number;
}
