import type { DirectionalAggregation, ZoneAggregation } from '../textureContract.js';
import { DIRECTIONS_2D, DIRECTIONS_3D, IN_PLANE_COUNT } from './directions.js';
import { evaluateMatrix, type TextureFamily } from './featureTable.js';

/**
 * IBSI feature aggregation (IBSI 1 §3.6.1 / §3.7.1 for GLCM and GLRLM, §3.8.1–§3.11.1 for the
 * zone and neighbourhood families): which matrices are merged (summed) and which feature
 * values are averaged. The families know nothing of this; they only build one matrix for a
 * direction and/or slice, merge matrices and evaluate features of one matrix.
 *
 * Averages skip empty matrices (e.g. a one-voxel slice has no co-occurring pair), since a
 * feature of an empty matrix is undefined rather than zero (see FeatureMean).
 */

/** Matrices of a directional family (GLCM, GLRLM), built lazily by the aggregation step. */
export interface DirectionalSource<M> {
  /** Slices (z of the cropped box) that hold ROI voxels. */
  readonly slices: readonly number[];
  /** Matrix of in-plane direction `d` (index into DIRECTIONS_2D) within slice `z`. */
  inPlane(d: number, z: number): M;
  /** Matrix of 3D direction `d` (index into DIRECTIONS_3D) over the whole ROI. */
  volume(d: number): M;
}

/** Matrices of a zone / neighbourhood family (GLSZM, GLDZM, NGTDM, NGLDM). */
export interface SliceSource<M> {
  /** 2D matrices, one per slice holding ROI voxels. */
  perSlice(): M[];
  /** One 3D matrix over the whole ROI. */
  volume(): M;
}

/**
 * Running mean of feature vectors. Empty matrices are skipped, and so is a feature value that
 * is undefined for one matrix (e.g. a 0/0 in a two-voxel slice) rather than letting it turn
 * the whole aggregate into NaN; this matches the IBSI lead's reference implementation (MIRP),
 * which averages with missing values skipped.
 */
class FeatureMean {
  private readonly sum: Float64Array;
  private readonly n: Float64Array;
  constructor(size: number) {
    this.sum = new Float64Array(size);
    this.n = new Float64Array(size);
  }
  add(values: Float64Array | null): void {
    if (values === null) return;
    for (let f = 0; f < values.length; f++) {
      if (!Number.isFinite(values[f])) continue;
      this.sum[f] += values[f];
      this.n[f]++;
    }
  }
  mean(): Float64Array {
    const out = new Float64Array(this.sum.length);
    for (let f = 0; f < out.length; f++) out[f] = this.n[f] === 0 ? Number.NaN : this.sum[f] / this.n[f];
    return out;
  }
}

function emit<M, C>(family: TextureFamily<M, C>, suffix: string, values: Float64Array | null, out: Record<string, number>): void {
  family.features.forEach((f, k) => {
    out[`${f.tag}_${suffix}`] = values === null ? Number.NaN : values[k];
  });
}

/**
 * The six GLCM/GLRLM aggregations:
 *  2D_avg    (BTW3) features of every (slice, direction) matrix, averaged;
 *  2D_comb   (SUJT) per slice the 4 direction matrices merged, features averaged over slices;
 *  2_5D_avg  (JJUI) per direction the slice matrices merged, features averaged over directions;
 *  2_5D_comb (ZW7Z) all slice and direction matrices merged;
 *  3D_avg    (ITBB) features of each of the 13 3D direction matrices, averaged;
 *  3D_comb   (IAZD) the 13 3D direction matrices merged.
 */
export function aggregateDirectional<M, C>(
  family: TextureFamily<M, C>,
  source: DirectionalSource<M>,
  aggregations: readonly DirectionalAggregation[],
): Record<string, number> {
  const want = new Set(aggregations);
  const out: Record<string, number> = {};
  const nf = family.features.length;
  const needSlices = want.has('2D_avg') || want.has('2D_comb') || want.has('2_5D_avg') || want.has('2_5D_comb');
  const need3D = want.has('3D_avg') || want.has('3D_comb');

  // Per in-plane direction, its matrices summed over slices: the 2.5D matrices, and also the
  // 3D matrices of the in-plane directions (in-plane pairs and runs never leave their slice).
  let byDirection: M[] | null = null;
  if (needSlices) {
    const perMatrix = new FeatureMean(nf);
    const perSlice = new FeatureMean(nf);
    const sums: (M | null)[] = DIRECTIONS_2D.map(() => null);
    for (const z of source.slices) {
      const ms = DIRECTIONS_2D.map((_, d) => source.inPlane(d, z));
      if (want.has('2D_avg')) for (const m of ms) perMatrix.add(evaluateMatrix(family, m));
      if (want.has('2D_comb')) perSlice.add(evaluateMatrix(family, family.merge(ms)));
      ms.forEach((m, d) => {
        const prev = sums[d];
        sums[d] = prev === null ? m : family.merge([prev, m]);
      });
    }
    if (sums.some((m) => m === null)) throw new Error('aggregateDirectional: ROI without slices');
    byDirection = sums as M[];
    if (want.has('2D_avg')) emit(family, '2D_avg', perMatrix.mean(), out);
    if (want.has('2D_comb')) emit(family, '2D_comb', perSlice.mean(), out);
    if (want.has('2_5D_avg')) {
      const perDirection = new FeatureMean(nf);
      for (const m of byDirection) perDirection.add(evaluateMatrix(family, m));
      emit(family, '2_5D_avg', perDirection.mean(), out);
    }
    if (want.has('2_5D_comb')) emit(family, '2_5D_comb', evaluateMatrix(family, family.merge(byDirection)), out);
  }

  if (need3D) {
    const volume = DIRECTIONS_3D.map((_, d) => (byDirection !== null && d < IN_PLANE_COUNT ? byDirection[d] : source.volume(d)));
    if (want.has('3D_avg')) {
      const perDirection = new FeatureMean(nf);
      for (const m of volume) perDirection.add(evaluateMatrix(family, m));
      emit(family, '3D_avg', perDirection.mean(), out);
    }
    if (want.has('3D_comb')) emit(family, '3D_comb', evaluateMatrix(family, family.merge(volume)), out);
  }
  return out;
}

/**
 * The three zone / neighbourhood aggregations: `2D` (8QNN) features per slice averaged,
 * `2_5D` (62GR) slice matrices merged, `3D` (KOBO) one 3D matrix.
 */
export function aggregateBySlice<M, C>(
  family: TextureFamily<M, C>,
  source: SliceSource<M>,
  aggregations: readonly ZoneAggregation[],
): Record<string, number> {
  const want = new Set(aggregations);
  const out: Record<string, number> = {};
  if (want.has('2D') || want.has('2_5D')) {
    const slices = source.perSlice();
    if (want.has('2D')) {
      const mean = new FeatureMean(family.features.length);
      for (const m of slices) mean.add(evaluateMatrix(family, m));
      emit(family, '2D', mean.mean(), out);
    }
    if (want.has('2_5D')) emit(family, '2_5D', evaluateMatrix(family, family.merge(slices)), out);
  }
  if (want.has('3D')) emit(family, '3D', evaluateMatrix(family, source.volume()), out);
  return out;
}
