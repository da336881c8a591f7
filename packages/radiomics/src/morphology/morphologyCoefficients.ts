import { symmetricEigen3 } from '../math/symmetricEigen3.js';
import type { RadiomicsKernels } from '../kernels/radiomicsKernels.js';
import { convexHull } from './convexHull.js';
import { minimumVolumeEnclosingEllipsoid } from './enclosingEllipsoid.js';
import { latticeToMillimetres } from './mesh.js';
import { OMBB_CANDIDATE_FACES } from './orientedBoundingBox.js';

/** The ROI as the morphology family needs it: both masks and the intensities on one box grid. */
export interface MorphologyInput {
  /** Morphological mask (not re-segmented), x fastest. */
  morphologicalMask: Uint8Array;
  /** Intensity mask (re-segmented). */
  intensityMask: Uint8Array;
  /** Intensities on the same grid. */
  intensities: Float32Array | Float64Array;
  dims: [number, number, number];
  spacing: [number, number, number];
}

/** Everything the 29 morphological features are computed from, derived once (IBSI 1 §3.1). */
export interface MorphologyCoefficients {
  meshVolume: number;
  meshArea: number;
  voxelVolume: number;
  centreOfMassShift: number;
  maxDiameter: number;
  /** PCA eigenvalues of the morphological voxel centres, λ_major ≥ λ_minor ≥ λ_least. */
  eigenvalues: [number, number, number];
  aabbVolume: number;
  aabbArea: number;
  ombbVolume: number;
  ombbArea: number;
  mveeSemiAxes: [number, number, number];
  hullVolume: number;
  hullArea: number;
  meanIntensity: number;
  moranI: number;
  gearyC: number;
}

// Slots of the one-pass voxel sums (see voxelRow).
const N = 0, MX = 1, MY = 2, MZ = 3, SXX = 4, SXY = 5, SXZ = 6, SYY = 7, SYZ = 8, SZZ = 9, XMIN = 10;
const NGL = 16, WSUM = 17, WX = 18, WY = 19, WZ = 20, ACC_SIZE = 21;

/**
 * One x-row (y, z) of the one-pass sums, starting at index i: count, index sums and products and
 * extent of the morphological mask; count and intensity-weighted index sums of the intensity
 * mask. Sums continue from `acc` in voxel order. A function per row rather than a loop nest in
 * the once-per-case caller, so the JIT optimises it within the first case.
 */
function voxelRow(acc: Float64Array, morph: Uint8Array, intensityMask: Uint8Array, intensities: Float32Array | Float64Array, i: number, nx: number, y: number, z: number): void {
  let n = acc[N], mx = acc[MX], my = acc[MY], mz = acc[MZ];
  let sxx = acc[SXX], sxy = acc[SXY], sxz = acc[SXZ], syy = acc[SYY], syz = acc[SYZ], szz = acc[SZZ];
  let xmin = acc[XMIN], xmax = acc[XMIN + 1], ymin = acc[XMIN + 2], ymax = acc[XMIN + 3], zmin = acc[XMIN + 4], zmax = acc[XMIN + 5];
  let nGl = acc[NGL], wSum = acc[WSUM], wx = acc[WX], wy = acc[WY], wz = acc[WZ];
  for (let x = 0; x < nx; x++, i++) {
    if (morph[i]) {
      n++;
      mx += x; my += y; mz += z;
      sxx += x * x; sxy += x * y; sxz += x * z; syy += y * y; syz += y * z; szz += z * z;
      if (x < xmin) xmin = x;
      if (x > xmax) xmax = x;
      if (y < ymin) ymin = y;
      if (y > ymax) ymax = y;
      if (z < zmin) zmin = z;
      if (z > zmax) zmax = z;
    }
    if (intensityMask[i]) {
      const v = intensities[i];
      nGl++;
      wSum += v; wx += v * x; wy += v * y; wz += v * z;
    }
  }
  acc[N] = n; acc[MX] = mx; acc[MY] = my; acc[MZ] = mz;
  acc[SXX] = sxx; acc[SXY] = sxy; acc[SXZ] = sxz; acc[SYY] = syy; acc[SYZ] = syz; acc[SZZ] = szz;
  acc[XMIN] = xmin; acc[XMIN + 1] = xmax; acc[XMIN + 2] = ymin; acc[XMIN + 3] = ymax; acc[XMIN + 4] = zmin; acc[XMIN + 5] = zmax;
  acc[NGL] = nGl; acc[WSUM] = wSum; acc[WX] = wx; acc[WY] = wy; acc[WZ] = wz;
}

/** The one-pass voxel sums (slots above), the TypeScript twin of the native kernel (RadiomicsKernels.voxelMoments). */
export function voxelMomentsTs(morph: Uint8Array, intensityMask: Uint8Array, intensities: Float32Array | Float64Array, dims: readonly [number, number, number]): Float64Array {
  const [nx, ny, nz] = dims;
  const acc = new Float64Array(ACC_SIZE);
  acc.set([Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity], XMIN);
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++, i += nx) voxelRow(acc, morph, intensityMask, intensities, i, nx, y, z);
  }
  return acc;
}

export function morphologyCoefficients(input: MorphologyInput, kernels: RadiomicsKernels): MorphologyCoefficients {
  const { morphologicalMask: morph, intensityMask, intensities, dims, spacing } = input;
  const [sx, sy, sz] = spacing;
  const mesh = kernels.meshMeasures(morph, dims, spacing);

  // Voxel point sets, one pass: centroid and covariance of the morphological mask (X_c),
  // intensity-weighted centroid and mean of the intensity mask (X_c,gl).
  const acc = kernels.voxelMoments(morph, intensityMask, intensities, dims);
  const n = acc[N], sxx = acc[SXX], sxy = acc[SXY], sxz = acc[SXZ], syy = acc[SYY], syz = acc[SYZ], szz = acc[SZZ];
  let mx = acc[MX], my = acc[MY], mz = acc[MZ];
  const xmin = acc[XMIN], xmax = acc[XMIN + 1], ymin = acc[XMIN + 2], ymax = acc[XMIN + 3], zmin = acc[XMIN + 4], zmax = acc[XMIN + 5];
  const nGl = acc[NGL], wSum = acc[WSUM], wx = acc[WX], wy = acc[WY], wz = acc[WZ];
  // Sample covariance (n − 1): the normalisation behind IBSI's PCA reference values (TDIC).
  // Index sums stay small integers, so the one-pass form loses nothing here.
  const dn = Math.max(1, n - 1);
  const cov = new Float64Array([
    ((sxx - (mx * mx) / n) * sx * sx) / dn, ((sxy - (mx * my) / n) * sx * sy) / dn, ((sxz - (mx * mz) / n) * sx * sz) / dn,
    0, ((syy - (my * my) / n) * sy * sy) / dn, ((syz - (my * mz) / n) * sy * sz) / dn,
    0, 0, ((szz - (mz * mz) / n) * sz * sz) / dn,
  ]);
  cov[3] = cov[1]; cov[6] = cov[2]; cov[7] = cov[5];
  mx /= n; my /= n; mz /= n;
  const { values } = symmetricEigen3(cov);
  const eigenvalues: [number, number, number] = [values[0], values[1], Math.max(0, values[2])];

  const comShift = Math.hypot((wx / wSum - mx) * sx, (wy / wSum - my) * sy, (wz / wSum - mz) * sz);

  // Mesh vertices sit half a voxel outside the outermost ROI voxel centres, so the AABB of
  // X_vx spans whole voxels.
  const ax = (xmax - xmin + 1) * sx, ay = (ymax - ymin + 1) * sy, az = (zmax - zmin + 1) * sz;

  // Exact hull on the half-voxel lattice; the general (floating-point) one only for flat ROIs.
  const lattice = kernels.hullCandidateLattice(morph, dims);
  const hull = kernels.latticeConvexHull(lattice, spacing) ?? convexHull(latticeToMillimetres(lattice, spacing));
  const ombb = kernels.orientedMinimumBoundingBox(hull.vertices, hull.normals, hull.faceAreas, OMBB_CANDIDATE_FACES);
  const auto = kernels.spatialAutocorrelation(intensities, intensityMask, dims, spacing);

  return {
    meshVolume: mesh.volume,
    meshArea: mesh.area,
    voxelVolume: n * sx * sy * sz,
    centreOfMassShift: comShift,
    maxDiameter: kernels.maxPairDistance(hull.vertices),
    eigenvalues,
    aabbVolume: ax * ay * az,
    aabbArea: 2 * (ax * ay + ax * az + ay * az),
    ombbVolume: ombb.volume,
    ombbArea: ombb.area,
    mveeSemiAxes: minimumVolumeEnclosingEllipsoid(kernels, hull.vertices),
    hullVolume: hull.volume,
    hullArea: hull.area,
    meanIntensity: wSum / nGl,
    moranI: auto.moranI,
    gearyC: auto.gearyC,
  };
}
