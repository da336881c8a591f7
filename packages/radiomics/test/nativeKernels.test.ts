import { describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { selectKernels } from '../src/kernels/selectKernels.js';
import { nativeKernels, type NativeAddon } from '../src/native/nativeKernels.js';
import { spatialAutocorrelationTs } from '../src/morphology/spatialAutocorrelation.js';
import { LATTICE_EXACT_RANGE, latticeConvexHullTs } from '../src/morphology/latticeHull.js';
import { hullCandidateLatticeTs, meshMeasuresTs } from '../src/morphology/mesh.js';
import { orientedMinimumBoundingBoxTs } from '../src/morphology/orientedBoundingBox.js';
import { enclosingEllipsoidScatterTs } from '../src/morphology/enclosingEllipsoid.js';
import { voxelMomentsTs } from '../src/morphology/morphologyCoefficients.js';
import { maxPairDistanceTs } from '../src/morphology/convexHull.js';
import { roiSummaryTs } from '../src/pipeline/roiSummary.js';
import { boundingBox } from '../src/preprocess/roiBox.js';
import { binFixedNumber, binFixedSize, maskedRange } from '../src/preprocess/discretisation.js';
import { statisticsSumsTs } from '../src/intensity/intensityStatistics.js';
import { percentileSorted } from '../src/intensity/percentile.js';
import { localIntensityCoefficientsTs, PEAK_SPHERE_RADIUS_MM } from '../src/intensity/localIntensity.js';

// The native kernels are built with the package (`npm run build`, which `npm test` runs first),
// so a missing addon here is a broken build, not a reason to skip. It is loaded directly, so the
// twins are compared even when FEDRAD_NATIVE=0 sends the rest of the suite through TypeScript.
const native: NativeAddon | null = createRequire(import.meta.url)('../build/Release/fedrad_radiomics.node');

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** 1–3 random ellipsoids in a random box with random spacing, and their hull candidates (TypeScript). */
function randomBlobs(k: number): { mask: Uint8Array; dims: [number, number, number]; lattice: Int32Array; spacing: [number, number, number] } {
  const rnd = seeded(1000 + k);
  const dims: [number, number, number] = [6 + Math.floor(rnd() * 30), 6 + Math.floor(rnd() * 30), 2 + Math.floor(rnd() * 14)];
  const spacing: [number, number, number] = [0.4 + rnd(), 0.4 + rnd(), 0.8 + 4 * rnd()];
  const mask = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let blob = 0; blob < 1 + k % 3; blob++) {
    const c = dims.map((d) => rnd() * d), r = dims.map((d) => 1 + rnd() * d * 0.4);
    for (let z = 0, i = 0; z < dims[2]; z++) for (let y = 0; y < dims[1]; y++) for (let x = 0; x < dims[0]; x++, i++) {
      if (((x - c[0]) / r[0]) ** 2 + ((y - c[1]) / r[1]) ** 2 + ((z - c[2]) / r[2]) ** 2 <= 1) mask[i] = 1;
    }
  }
  mask[0] = 1;
  return { mask, dims, lattice: hullCandidateLatticeTs(mask, dims), spacing };
}

describe('native kernels (native/*.cc)', () => {
  it('are built, and the pipeline uses them unless FEDRAD_NATIVE=0', () => {
    expect(typeof native!.spatialAutocorrelation).toBe('function');
    expect(nativeKernels() === null).toBe(process.env.FEDRAD_NATIVE === '0');
    expect(selectKernels().kind).toBe(process.env.FEDRAD_NATIVE === '0' ? 'typescript' : 'native');
  });

  // The TypeScript twin is an independent implementation of the same sums, itself checked
  // against the O(N²) pair sums of scipy in preprocessing.test.ts.
  type Case = [dims: [number, number, number], spacing: [number, number, number], type: 'float32' | 'float64'];
  it.each<Case>([
    [[7, 5, 3], [1, 1, 1], 'float32'],
    [[17, 13, 6], [0.8, 0.8, 3], 'float64'],
    [[30, 9, 11], [0.98, 0.98, 2.5], 'float32'],
    [[1, 12, 9], [2, 2, 2], 'float64'],
    [[25, 25, 1], [0.5, 0.7, 5], 'float32'],
  ])("Moran's I and Geary's C equal the TypeScript kernel's, box %j, spacing %j, %s", (dims, spacing, type) => {
    const rnd = seeded(dims[0] * 131 + dims[1] * 17 + dims[2]);
    const n = dims[0] * dims[1] * dims[2];
    const values = type === 'float32' ? new Float32Array(n) : new Float64Array(n);
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      mask[i] = rnd() < 0.7 ? 1 : 0;
      values[i] = Math.round(200 * rnd() - 100) + (i % dims[0]);
    }
    const [moranI, gearyC] = native!.spatialAutocorrelation(values, mask, dims[0], dims[1], dims[2], spacing[0], spacing[1], spacing[2]);
    const ts = spatialAutocorrelationTs(values, mask, dims, spacing);
    expect(moranI).toBeCloseTo(ts.moranI, 12);
    expect(gearyC).toBeCloseTo(ts.gearyC, 12);
    expect(Number.isFinite(moranI) && Number.isFinite(gearyC)).toBe(true);
  });

  // Elongated single-slice boxes: the x pass's lx·ny work array is then larger than the padded
  // half spectrum (the TypeScript kernel once sized its scratch by the latter and gave NaN).
  it.each<[number, number, number]>([[7, 1, 1], [4, 2, 1], [19, 3, 1], [9, 2, 2], [1, 1, 6]])('both kernels equal the direct pair sums on box %j', (...dims) => {
    const rnd = seeded(dims[0] * 5 + dims[1] * 3 + dims[2]);
    const n = dims[0] * dims[1] * dims[2];
    const spacing: [number, number, number] = [0.7, 1.1, 2.5];
    const values = Float64Array.from({ length: n }, () => Math.round(50 * rnd()));
    const mask = new Uint8Array(n).fill(1);
    // IBSI N365 / NPT7 by definition: w = 1/‖x₁ − x₂‖ over all ordered pairs of distinct voxels.
    const pos = (i: number) => [i % dims[0], Math.floor(i / dims[0]) % dims[1], Math.floor(i / (dims[0] * dims[1]))].map((c, k) => c * spacing[k]);
    const mean = values.reduce((a, b) => a + b, 0) / n;
    let W = 0, moranSum = 0, gearySum = 0, ss = 0;
    for (let i = 0; i < n; i++) {
      ss += (values[i] - mean) ** 2;
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const [a, b] = [pos(i), pos(j)];
        const w = 1 / Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
        W += w;
        moranSum += w * (values[i] - mean) * (values[j] - mean);
        gearySum += w * (values[i] - values[j]) ** 2;
      }
    }
    const moranI = (n / W) * (moranSum / ss), gearyC = ((n - 1) / (2 * W)) * (gearySum / ss);
    const [nativeI, nativeC] = native!.spatialAutocorrelation(values, mask, ...dims, ...spacing);
    const ts = spatialAutocorrelationTs(values, mask, dims, spacing);
    for (const [i, c] of [[nativeI, nativeC], [ts.moranI, ts.gearyC]]) {
      expect(i).toBeCloseTo(moranI, 10);
      expect(c).toBeCloseTo(gearyC, 10);
    }
  });

  it('gives NaN, like the TypeScript kernel, for one voxel or a constant ROI', () => {
    const one = Uint8Array.of(0, 1, 0, 0), all = new Uint8Array(4).fill(1);
    expect(native!.spatialAutocorrelation(Float32Array.of(1, 2, 3, 4), one, 2, 2, 1, 1, 1, 1).every(Number.isNaN)).toBe(true);
    expect(native!.spatialAutocorrelation(Float32Array.of(5, 5, 5, 5), all, 2, 2, 1, 1, 1, 1).every(Number.isNaN)).toBe(true);
    for (const [values, mask] of [[Float32Array.of(1, 2, 3, 4), one], [Float32Array.of(5, 5, 5, 5), all]] as const) {
      const ts = spatialAutocorrelationTs(values, mask, [2, 2, 1], [1, 1, 1]);
      expect([ts.moranI, ts.gearyC].every(Number.isNaN)).toBe(true);
    }
  });

  it('refuses arrays that do not match the box, naming the argument', () => {
    expect(() => native!.spatialAutocorrelation(new Float32Array(5), new Uint8Array(6), 3, 2, 1, 1, 1, 1)).toThrow(/values and mask must hold nx\*ny\*nz = 6 voxels/);
    expect(() => native!.spatialAutocorrelation(new Int16Array(6) as unknown as Float32Array, new Uint8Array(6), 3, 2, 1, 1, 1, 1)).toThrow(/values must be a Float32Array or Float64Array/);
    expect(() => native!.spatialAutocorrelation(new Float32Array(6), new Uint8Array(6), 3, 2, 0, 1, 1, 1)).toThrow(/nz must be a whole number from 1 to 2\^31 - 1/);
    // Sides whose product wraps around, or beyond int32, never reach the kernels (they read out of bounds once).
    expect(() => native!.localIntensityPeaks(new Float64Array(0), new Uint8Array(0), 2 ** 32, 2 ** 32, 1, 1, 1, 1, 6)).toThrow(/nx must be a whole number/);
    expect(() => native!.spatialAutocorrelation(new Float64Array(2), new Uint8Array(2), 548354, 67280421310721, 1, 1, 1, 1)).toThrow(/ny must be a whole number/);
    // Spacings and radii must be finite and positive (a negative spacing indexed before the prefix sums).
    const cube = new Uint8Array(125).fill(1), ones = new Float64Array(125).fill(1);
    for (const bad of [0, -100, NaN, Infinity]) expect(() => native!.localIntensityPeaks(ones, cube, 5, 5, 5, bad, 1, 1, 6)).toThrow(/sx must be a finite number above 0/);
    expect(() => native!.localIntensityPeaks(ones, cube, 5, 5, 5, 1, 1, 1, NaN)).toThrow(/radius must be a finite number above 0/);
    expect(() => native!.localIntensityPeaks(ones, cube, 5, 5, 5, 1e-300, 1, 1, 6)).toThrow(/spans more than 65,536 voxels/);
  });

  it.each([0, 1, 2, 3, 4, 5, 6, 7])('the lattice hull of random blobs %i is the TypeScript twin\'s, face for face', (k) => {
    const { lattice, spacing } = randomBlobs(k);
    const n = native!.latticeConvexHull(lattice, ...spacing)!;
    const ts = latticeConvexHullTs(lattice, spacing)!;
    expect(n.volume).toBe(ts.volume);
    expect(n.area).toBe(ts.area);
    expect(n.vertices).toEqual(ts.vertices);
    expect(n.normals).toEqual(ts.normals);
    expect(n.faceAreas).toEqual(ts.faceAreas);
    expect(n.vertices).toBeInstanceOf(Float64Array);
  });

  it('the lattice hull is null for flat or too few points, as the TypeScript twin says', () => {
    const flat = Int32Array.from([1, 1, 1, 3, 1, 1, 1, 3, 1, 3, 3, 1, 5, 5, 1]);
    expect(native!.latticeConvexHull(flat, 1, 1, 1)).toBeNull();
    expect(latticeConvexHullTs(flat, [1, 1, 1])).toBeNull();
    expect(native!.latticeConvexHull(Int32Array.from([1, 1, 1, 3, 3, 3]), 1, 1, 1)).toBeNull();
    expect(() => native!.latticeConvexHull(Int32Array.of(1, 2), 1, 1, 1)).toThrow(/x, y, z triples/);
  });

  it.each<[dims: [number, number, number], spacing: [number, number, number], type: 'float32' | 'float64', nanShare: number]>([
    [[20, 18, 9], [1, 1, 2], 'float32', 0],
    [[33, 21, 7], [0.8, 0.8, 3], 'float64', 0],
    [[16, 16, 16], [2, 2, 2], 'float32', 0.05],
    [[40, 9, 3], [0.5, 0.6, 5], 'float64', 0.1],
  ])('local and global peaks equal the TypeScript kernel\'s, box %j, spacing %j, %s, NaN share %d', (dims, spacing, type, nanShare) => {
    const rnd = seeded(dims[0] * 7 + dims[2]);
    const n = dims[0] * dims[1] * dims[2];
    const image = type === 'float32' ? new Float32Array(n) : new Float64Array(n);
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      image[i] = rnd() < nanShare ? NaN : Math.round(1000 * rnd() - 500);
      // ROI away from the image border on one side, touching it on the other.
      const x = i % dims[0];
      mask[i] = x > dims[0] / 3 && rnd() < 0.6 && image[i] === image[i] ? 1 : 0;
    }
    const [localPeak, globalPeak] = native!.localIntensityPeaks(image, mask, ...dims, ...spacing, PEAK_SPHERE_RADIUS_MM);
    const ts = localIntensityCoefficientsTs({ image, dims, spacing, intensityMask: mask });
    expect(localPeak).toBe(ts.localPeak);
    expect(globalPeak).toBe(ts.globalPeak);
    expect(Number.isFinite(localPeak) && Number.isFinite(globalPeak)).toBe(true);
  });

  it.each([0, 1, 2, 3, 4, 5, 6, 7])('the oriented box and the ellipsoid scatter of random hull %i are the TypeScript twins\'', (k) => {
    const { lattice, spacing } = randomBlobs(k);
    const hull = native!.latticeConvexHull(lattice, ...spacing)!;
    const [volume, area] = native!.orientedMinimumBoundingBox(hull.vertices, hull.normals, hull.faceAreas, 32);
    const ts = orientedMinimumBoundingBoxTs(hull.vertices, hull.normals, hull.faceAreas, 32);
    expect(volume).toBe(ts.volume);
    expect(area).toBe(ts.area);
    expect(volume).toBeGreaterThanOrEqual(hull.volume * (1 - 1e-12));
    expect(native!.enclosingEllipsoidScatter(hull.vertices, 0.001, 10000)).toEqual(enclosingEllipsoidScatterTs(hull.vertices, 0.001, 10000));
  });

  it('checks the shape kernels\' arguments', () => {
    expect(() => native!.orientedMinimumBoundingBox(new Float64Array(6), new Float64Array(3), new Float64Array(2), 32)).toThrow(/one x, y, z triple per face area/);
    expect(() => native!.orientedMinimumBoundingBox(new Float64Array(6), new Float32Array(3) as unknown as Float64Array, new Float64Array(1), 32)).toThrow(/normals must be a Float64Array/);
    expect(() => native!.enclosingEllipsoidScatter(new Float64Array(4), 0.001, 10)).toThrow(/x, y, z triples/);
    expect(native!.enclosingEllipsoidScatter(new Float64Array(0), 0.001, 10)).toEqual(enclosingEllipsoidScatterTs(new Float64Array(0), 0.001, 10));
  });

  it.each([0, 1, 2, 3, 4, 5, 6, 7])('the mesh sums and hull candidates of random blobs %i are the TypeScript twins\'', (k) => {
    const { mask, dims, lattice, spacing } = randomBlobs(k);
    const [triple, cross, faceCount] = native!.meshSums(mask, ...dims, ...spacing);
    const ts = meshMeasuresTs(mask, dims, spacing);
    expect(Math.abs(triple) / 6).toBe(ts.volume);
    expect(cross / 2).toBe(ts.area);
    expect(faceCount).toBe(ts.faceCount);
    expect(native!.hullCandidateLattice(mask, ...dims)).toEqual(lattice);
  });

  it('checks the mask kernels\' arguments', () => {
    expect(() => native!.meshSums(new Uint8Array(5), 2, 3, 1, 1, 1, 1)).toThrow(/mask must hold nx\*ny\*nz = 6 voxels/);
    expect(() => native!.hullCandidateLattice(new Int8Array(6) as unknown as Uint8Array, 2, 3, 1)).toThrow(/mask must be a Uint8Array/);
    expect(native!.hullCandidateLattice(new Uint8Array(6), 2, 3, 1)).toEqual(new Int32Array(0));
  });

  it.each([0, 1, 2, 3, 4, 5])('the voxel moments and the largest hull diameter of random blobs %i are the TypeScript twins\'', (k) => {
    const { mask, dims, lattice, spacing } = randomBlobs(k);
    const rnd = seeded(77 + k);
    const intensityMask = mask.map((v) => (v && rnd() < 0.8 ? 1 : 0));
    const intensities = Float64Array.from(mask, () => Math.round(400 * rnd() - 200));
    expect(native!.voxelMoments(mask, intensityMask, intensities, ...dims)).toEqual(voxelMomentsTs(mask, intensityMask, intensities, dims));
    const f32 = Float32Array.from(intensities);
    expect(native!.voxelMoments(mask, intensityMask, f32, ...dims)).toEqual(voxelMomentsTs(mask, intensityMask, f32, dims));
    const hull = native!.latticeConvexHull(lattice, ...spacing)!;
    expect(native!.maxPairDistance(hull.vertices)).toBe(maxPairDistanceTs(hull.vertices));
  });

  it('checks the point-set kernels\' arguments', () => {
    expect(() => native!.voxelMoments(new Uint8Array(6), new Uint8Array(5), new Float32Array(6), 3, 2, 1)).toThrow(/intensityMask must hold nx\*ny\*nz = 6 voxels/);
    expect(() => native!.maxPairDistance(new Float64Array(4))).toThrow(/x, y, z triples/);
    expect(native!.maxPairDistance(new Float64Array(0))).toBe(0);
  });

  it('both lattice hulls give way (null) beyond the coordinates where their integer tests stay exact', () => {
    const big = LATTICE_EXACT_RANGE + 1;
    const tetra = Int32Array.from([0, 0, 0, big, 0, 0, 0, 9, 0, 0, 0, 9, 1, 1, 1]);
    expect(native!.latticeConvexHull(tetra, 1, 1, 1)).toBeNull();
    expect(latticeConvexHullTs(tetra, [1, 1, 1])).toBeNull();
    tetra[3] = LATTICE_EXACT_RANGE;
    // The tetrahedron (0,0,0), (B,0,0), (0,9,0), (0,0,9) holds (1,1,1): volume B·81/6 lattice units³,
    // each lattice unit half a voxel (1 mm spacing: × 1/8 mm³).
    const closedForm = (LATTICE_EXACT_RANGE * 81) / 6 / 8;
    expect(native!.latticeConvexHull(tetra, 1, 1, 1)!.volume).toBeCloseTo(closedForm, 9);
    expect(latticeConvexHullTs(tetra, [1, 1, 1])!.volume).toBeCloseTo(closedForm, 9);
  });

  it('both oriented boxes pass over a degenerate face (zero area, no normal) instead of letting it win', () => {
    const { lattice, spacing } = randomBlobs(3);
    const hull = native!.latticeConvexHull(lattice, ...spacing)!;
    const normals = Float64Array.from([...hull.normals, NaN, NaN, NaN]), faceAreas = Float64Array.from([...hull.faceAreas, 0]);
    const clean = orientedMinimumBoundingBoxTs(hull.vertices, hull.normals, hull.faceAreas, 64);
    expect(orientedMinimumBoundingBoxTs(hull.vertices, normals, faceAreas, 64)).toEqual(clean);
    expect(native!.orientedMinimumBoundingBox(hull.vertices, normals, faceAreas, 64)).toEqual([clean.volume, clean.area]);
  });

  it.each([0, 1, 2, 3])('the ROI summary of random blobs %i is the TypeScript twin\'s, and empty masks give -1 boxes in both', (k) => {
    const { mask, dims } = randomBlobs(k);
    const rnd = seeded(500 + k);
    const values = Float64Array.from(mask, () => Math.round(1000 * rnd() - 500) / 4);
    const intensity = k === 3 ? new Uint8Array(mask.length) : mask.map((v) => (v && rnd() < 0.7 ? 1 : 0));
    const summary = native!.roiSummary(values, mask, intensity, ...dims);
    expect(summary).toEqual(roiSummaryTs(values, mask, intensity, dims));
    if (k === 3) expect(Array.from(summary.subarray(11))).toEqual([-1, -1, -1, -1, -1, -1]);
  });

  it.each([1, 2, 7, 1000, 50000])('the intensity-statistics sums of %i sorted values are the TypeScript twin\'s', (n) => {
    const rnd = seeded(n);
    const sorted = Float64Array.from({ length: n }, () => Math.round(2000 * rnd() - 1000) / 8).sort();
    const [median, p10, p90] = [0.5, 0.1, 0.9].map((q) => percentileSorted(sorted, q));
    expect(native!.statisticsSums(sorted, median, p10, p90)).toEqual(statisticsSumsTs(sorted, median, p10, p90));
  });

  it.each([0, 1, 2, 3, 4])('the bounding box of random blobs %i is the TypeScript one, and an empty mask has none', (k) => {
    const { mask, dims } = randomBlobs(k);
    mask[0] = 0; // randomBlobs sets the corner voxel; without it the box starts inside the grid
    if (k === 4) mask.fill(0);
    const b = native!.maskBox(mask, ...dims);
    const ts = boundingBox(mask, dims);
    expect(b === null ? null : { lo: Array.from(b.subarray(0, 3)), hi: Array.from(b.subarray(3)) }).toEqual(ts);
    if (k === 4) expect(b).toBeNull();
  });

  it.each([0, 1, 2])('fixed bin number and fixed bin size levels of random blobs %i are the TypeScript twins\'', (k) => {
    const { mask, dims } = randomBlobs(k);
    const rnd = seeded(900 + k);
    const n = dims[0] * dims[1] * dims[2];
    const values = Float64Array.from({ length: n }, () => Math.round(3000 * rnd() - 1000) / 3);
    const range = maskedRange(values, mask);
    expect(native!.maskedRange(values, mask)).toEqual(Array.from(range));
    const a = new Int32Array(n), b = new Int32Array(n);
    native!.binFixedNumber(values, mask, a, range[0], range[1], 32);
    binFixedNumber(values, mask, b, range[0], range[1], 32);
    expect(a).toEqual(b);
    const c = new Int32Array(n), d = new Int32Array(n);
    expect(native!.binFixedSize(values, mask, c, -1000, 25)).toBe(binFixedSize(values, mask, d, -1000, 25));
    expect(c).toEqual(d);
  });

  it('binning stores NaN, infinite and huge levels as an Int32Array would (the twin), and refuses levels sharing memory', () => {
    const values = Float64Array.of(1, NaN, 3, 2, Infinity, 5e9), mask = new Uint8Array(6).fill(1);
    const a = new Int32Array(6), b = new Int32Array(6);
    native!.binFixedNumber(values, mask, a, 1, 3, 4);
    binFixedNumber(values, mask, b, 1, 3, 4);
    expect(a).toEqual(b);
    const c = new Int32Array(6), d = new Int32Array(6);
    expect(native!.binFixedSize(values, mask, c, 0, 1)).toBe(binFixedSize(values, mask, d, 0, 1));
    expect(c).toEqual(d);
    expect(Array.from(c)).toEqual([2, 0, 4, 3, 0, 705032705]); // 5e9 + 1 modulo 2^32
    const shared = new ArrayBuffer(64);
    expect(() => native!.binFixedNumber(new Float64Array(shared, 0, 4), new Uint8Array(4).fill(1), new Int32Array(shared, 16, 4), 0, 1, 4)).toThrow(/levels must not share memory/);
    expect(() => native!.maskedRange(new Float64Array(3), new Uint8Array(2))).toThrow(/mask must hold as many voxels as values: 3 voxels/);
  });

  it('the scans take an empty box (an axis interpolated to no points) as an empty mask', () => {
    expect(native!.maskBox(new Uint8Array(0), 0, 4, 3)).toBeNull();
    expect(native!.roiSummary(new Float64Array(0), new Uint8Array(0), new Uint8Array(0), 5, 0, 2)).toEqual(roiSummaryTs(new Float64Array(0), new Uint8Array(0), new Uint8Array(0), [5, 0, 2]));
    expect(() => native!.meshSums(new Uint8Array(0), 0, 4, 3, 1, 1, 1)).toThrow(/nx must be a whole number from 1/);
  });
});
