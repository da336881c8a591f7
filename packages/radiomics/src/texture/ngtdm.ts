import type { ZoneAggregation } from '../textureContract.js';
import { aggregateBySlice } from './aggregation.js';
import { chebyshevNeighbourhood } from './directions.js';
import type { FeatureDefinition } from '../featureDefinition.js';
import type { TextureFamily } from './featureTable.js';
import { offsetOf, slicesWithRoi, type RoiGrid } from './roiGrid.js';
import type { TextureFeatureFamily } from '../featureFamily.js';

/**
 * Neighbourhood grey tone difference matrix (IBSI 1 §3.10, family IPET). For each ROI voxel k
 * with grey level i, X̄_k is the mean grey level of the ROI voxels within Chebyshev distance δ
 * (centre excluded; in 2D within the slice). IBSI's deviation from Amadasun & King: a voxel
 * counts when at least one neighbour lies in the ROI (W_k > 0), rather than requiring a
 * complete neighbourhood. Then s_i = Σ |i − X̄_k| and n_i = number of such voxels.
 */
export interface NgtdmMatrix {
  readonly nLevels: number;
  /** s_i at index i (1..Ng). */
  readonly s: Float64Array;
  /** n_i at index i (1..Ng). */
  readonly n: Float64Array;
}

/**
 * One pass over the ROI: with `planar`, a matrix per slice of the cropped box (neighbours
 * restricted to the slice); otherwise one 3D matrix (returned as the only element).
 */
export function buildNgtdm(grid: RoiGrid, distance: number, planar: boolean): NgtdmMatrix[] {
  const ng = grid.nLevels;
  const offsets = Int32Array.from(chebyshevNeighbourhood(distance, planar), ([dx, dy, dz]) => offsetOf(grid, dx, dy, dz));
  const nMatrices = planar ? grid.nSlices : 1;
  const s = new Float64Array(nMatrices * (ng + 1));
  const n = new Float64Array(nMatrices * (ng + 1));
  const { levels, roi } = grid;
  for (let z = 0; z < grid.nSlices; z++) {
    addDifferences(s, n, levels, roi, offsets, grid.sliceStart[z], grid.sliceStart[z + 1], planar ? z * (ng + 1) : 0);
  }
  const out: NgtdmMatrix[] = [];
  for (let m = 0; m < nMatrices; m++) {
    out.push({ nLevels: ng, s: s.slice(m * (ng + 1), (m + 1) * (ng + 1)), n: n.slice(m * (ng + 1), (m + 1) * (ng + 1)) });
  }
  return out;
}

/**
 * s_i += |i − mean neighbour level| and n_i += 1 for ROI voxels from..to with a neighbour. A
 * function of its own with nothing after the loop: compiled on-stack inside buildNgtdm it
 * deoptimised at the code that follows, in every case of a cohort.
 */
function addDifferences(s: Float64Array, n: Float64Array, levels: Int32Array, roi: Int32Array, offsets: Int32Array, from: number, to: number, base: number): void {
  for (let k = from; k < to; k++) {
    const p = roi[k];
    let sum = 0;
    let w = 0;
    for (let o = 0; o < offsets.length; o++) {
      const g = levels[p + offsets[o]];
      if (g !== 0) {
        sum += g;
        w++;
      }
    }
    if (w === 0) continue;
    const i = levels[p];
    s[base + i] += Math.abs(i - sum / w);
    n[base + i] += 1;
  }
}

/** Merging sums s_i and n_i (IBSI 1 §3.10.1); p_i and N_v,c follow from the merged matrix. */
export function mergeNgtdm(matrices: readonly NgtdmMatrix[]): NgtdmMatrix {
  if (matrices.length === 1) return matrices[0];
  const ng = matrices[0].nLevels;
  const s = new Float64Array(ng + 1);
  const n = new Float64Array(ng + 1);
  for (const m of matrices) {
    for (let i = 1; i <= ng; i++) {
      s[i] += m.s[i];
      n[i] += m.n[i];
    }
  }
  return { nLevels: ng, s, n };
}

/** p_i = n_i / N_v,c and the grey levels with p_i > 0 (N_g,p of them). */
export interface NgtdmCoefficients {
  /** N_v,c = Σ n_i, voxels with at least one neighbour. */
  readonly nvc: number;
  /** Grey levels present (p_i > 0), with their p_i and s_i. */
  readonly levels: Int32Array;
  readonly p: Float64Array;
  readonly s: Float64Array;
  /** Σ_i s_i. */
  readonly sumS: number;
  /** Σ_i p_i s_i. */
  readonly sumPS: number;
}

export function ngtdmCoefficients(m: NgtdmMatrix): NgtdmCoefficients | null {
  let nvc = 0;
  let present = 0;
  for (let i = 1; i <= m.nLevels; i++) {
    nvc += m.n[i];
    if (m.n[i] > 0) present++;
  }
  if (nvc === 0) return null;
  const levels = new Int32Array(present);
  const p = new Float64Array(present);
  const s = new Float64Array(present);
  let sumS = 0;
  let sumPS = 0;
  for (let i = 1, k = 0; i <= m.nLevels; i++) {
    if (m.n[i] === 0) continue;
    levels[k] = i;
    p[k] = m.n[i] / nvc;
    s[k] = m.s[i];
    sumS += s[k];
    sumPS += p[k] * s[k];
    k++;
  }
  return { nvc, levels, p, s, sumS, sumPS };
}

/** Coarseness (QCDE): 1 / Σ_i p_i s_i, capped at 10⁶ when the sum is 0 (IBSI convention). */
export function coarseness(c: NgtdmCoefficients): number {
  return c.sumPS === 0 ? 1e6 : 1 / c.sumPS;
}

/**
 * Contrast (65HE): [1/(N_g,p(N_g,p − 1)) Σ_i1 Σ_i2 p_i1 p_i2 (i1 − i2)²] · [(1/N_v,c) Σ_i s_i];
 * 0 when N_g,p = 1.
 */
export function ngtdmContrast(c: NgtdmCoefficients): number {
  const ngp = c.levels.length;
  if (ngp <= 1) return 0;
  let range = 0;
  for (let a = 0; a < ngp; a++) {
    for (let b = 0; b < ngp; b++) {
      const d = c.levels[a] - c.levels[b];
      range += c.p[a] * c.p[b] * d * d;
    }
  }
  return (range / (ngp * (ngp - 1))) * (c.sumS / c.nvc);
}

/** Busyness (NQ30): Σ_i p_i s_i / Σ_i1 Σ_i2 |i1 p_i1 − i2 p_i2| over present levels; 0 when N_g,p = 1. */
export function busyness(c: NgtdmCoefficients): number {
  const ngp = c.levels.length;
  if (ngp <= 1) return 0;
  let denominator = 0;
  for (let a = 0; a < ngp; a++) {
    for (let b = 0; b < ngp; b++) denominator += Math.abs(c.levels[a] * c.p[a] - c.levels[b] * c.p[b]);
  }
  return c.sumPS / denominator;
}

/** Complexity (HDEZ): (1/N_v,c) Σ_i1 Σ_i2 |i1 − i2| (p_i1 s_i1 + p_i2 s_i2) / (p_i1 + p_i2) over present levels. */
export function complexity(c: NgtdmCoefficients): number {
  const ngp = c.levels.length;
  let sum = 0;
  for (let a = 0; a < ngp; a++) {
    for (let b = 0; b < ngp; b++) {
      sum += (Math.abs(c.levels[a] - c.levels[b]) * (c.p[a] * c.s[a] + c.p[b] * c.s[b])) / (c.p[a] + c.p[b]);
    }
  }
  return sum / c.nvc;
}

/** Strength (1X9X): Σ_i1 Σ_i2 (p_i1 + p_i2)(i1 − i2)² / Σ_i s_i over present levels; 0 when Σ s_i = 0. */
export function strength(c: NgtdmCoefficients): number {
  if (c.sumS === 0) return 0;
  const ngp = c.levels.length;
  let sum = 0;
  for (let a = 0; a < ngp; a++) {
    for (let b = 0; b < ngp; b++) {
      const d = c.levels[a] - c.levels[b];
      sum += (c.p[a] + c.p[b]) * d * d;
    }
  }
  return sum / c.sumS;
}

/** The 5 NGTDM features of IBSI 1 §3.10. */
export const NGTDM_FEATURES: readonly FeatureDefinition<NgtdmCoefficients>[] = [
  { tag: 'ngt_coarseness', code: 'QCDE', name: 'Coarseness', compute: coarseness },
  { tag: 'ngt_contrast', code: '65HE', name: 'Contrast', compute: ngtdmContrast },
  { tag: 'ngt_busyness', code: 'NQ30', name: 'Busyness', compute: busyness },
  { tag: 'ngt_complexity', code: 'HDEZ', name: 'Complexity', compute: complexity },
  { tag: 'ngt_strength', code: '1X9X', name: 'Strength', compute: strength },
];

export const ngtdmFamily: TextureFamily<NgtdmMatrix, NgtdmCoefficients> = {
  coefficients: ngtdmCoefficients,
  merge: mergeNgtdm,
  features: NGTDM_FEATURES,
};

/** NGTDM features for the requested aggregations, keyed by IBSI tag (e.g. `ngt_coarseness_3D`). */
export function ngtdmFeatures(grid: RoiGrid, aggregations: readonly ZoneAggregation[], distance: number): Record<string, number> {
  return aggregateBySlice(ngtdmFamily, {
    perSlice: () => {
      const all = buildNgtdm(grid, distance, true);
      return slicesWithRoi(grid).map((z) => all[z]);
    },
    volume: () => buildNgtdm(grid, distance, false)[0],
  }, aggregations);
}

/** The NGTDM family (IBSI 1 §3.10, IPET) for the registry: its settings from the config, and its aggregations. */
export const NGTDM_FAMILY: TextureFeatureFamily<'ngtdm', NgtdmCoefficients> = {
  kind: 'texture',
  name: 'ngtdm',
  ibsiCode: 'IPET',
  features: NGTDM_FEATURES,
  settings: ({ texture: { ngtdm } }) => ({ aggregations: ngtdm.aggregations, distance: ngtdm.distance }),
  compute: (grid, _zones, s) => ngtdmFeatures(grid, s.aggregations, s.distance),
};
