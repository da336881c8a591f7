import type { FeatureDefinition } from '../featureDefinition.js';
import type { GlcmMatrix } from './glcmMatrix.js';

/**
 * GLCM coefficients and features (IBSI 1 §3.6). Notation: p_ij = M_ij / Σ M; p_i. the row
 * marginal (equal to the column marginal p_.j since the matrix is symmetric); p_{i-j,k} the
 * diagonal probabilities (k = |i−j|, 0..Ng−1); p_{i+j,k} the cross-diagonal ones
 * (k = i+j, 2..2Ng). Ng is the number of discretised grey levels of the discretisation
 * (IBSI: grey levels absent from the ROI still count, as in the digital phantom).
 */
export interface GlcmCoefficients {
  readonly ng: number;
  /**
   * Non-zero cells only (grey levels i, j and p_ij): every Σ_ij runs over these, so a fine
   * discretisation (large Ng, sparse matrix) costs what the ROI holds, not Ng².
   */
  readonly cellI: Int32Array;
  readonly cellJ: Int32Array;
  readonly cellP: Float64Array;
  /** p_i. at index i-1. */
  readonly pRow: Float64Array;
  /** μ_i. = Σ_i i p_i. (= μ_.j). */
  readonly muRow: number;
  /** σ²_i. = Σ_i (i − μ_i.)² p_i.. */
  readonly varRow: number;
  /** p_{i-j,k} at index k = 0..Ng−1. */
  readonly pDiff: Float64Array;
  /** p_{i+j,k} at index k = 0..2Ng (entries 0 and 1 stay zero). */
  readonly pSum: Float64Array;
  /** HXY = −Σ p_ij log2 p_ij. */
  readonly hxy: number;
  /** HX = −Σ p_i. log2 p_i.. */
  readonly hx: number;
  /** HXY1 = −Σ p_ij log2(p_i. p_.j). */
  readonly hxy1: number;
  /** HXY2 = −Σ p_i. p_.j log2(p_i. p_.j). */
  readonly hxy2: number;
}

export function glcmCoefficients(m: GlcmMatrix): GlcmCoefficients | null {
  const ng = m.nLevels;
  let total = 0;
  for (let k = 0; k < m.counts.length; k++) total += m.counts[k];
  if (total === 0) return null;
  let cells = 0;
  for (let k = 0; k < m.counts.length; k++) if (m.counts[k] !== 0) cells++;
  const cellI = new Int32Array(cells);
  const cellJ = new Int32Array(cells);
  const cellP = new Float64Array(cells);
  const pRow = new Float64Array(ng);
  const pDiff = new Float64Array(ng);
  const pSum = new Float64Array(2 * ng + 1);
  let hxy = 0;
  for (let i = 1, c = 0; i <= ng; i++) {
    for (let j = 1; j <= ng; j++) {
      const n = m.counts[(i - 1) * ng + (j - 1)];
      if (n === 0) continue;
      const v = n / total;
      cellI[c] = i;
      cellJ[c] = j;
      cellP[c++] = v;
      pRow[i - 1] += v;
      pDiff[Math.abs(i - j)] += v;
      pSum[i + j] += v;
      hxy -= v * Math.log2(v);
    }
  }
  let muRow = 0;
  let hx = 0;
  for (let i = 1; i <= ng; i++) {
    const v = pRow[i - 1];
    muRow += i * v;
    if (v > 0) hx -= v * Math.log2(v);
  }
  let varRow = 0;
  for (let i = 1; i <= ng; i++) varRow += (i - muRow) * (i - muRow) * pRow[i - 1];
  // HXY1 needs only the non-zero cells. HXY2 = −Σ_ij p_i. p_.j log2(p_i. p_.j) splits into
  // HX + HY = 2 HX (marginals sum to 1, and p_.j = p_i. by symmetry): O(Ng), not O(Ng²).
  let hxy1 = 0;
  for (let c = 0; c < cells; c++) hxy1 -= cellP[c] * Math.log2(pRow[cellI[c] - 1] * pRow[cellJ[c] - 1]);
  const hxy2 = 2 * hx;
  return { ng, cellI, cellJ, cellP, pRow, muRow, varRow, pDiff, pSum, hxy, hx, hxy1, hxy2 };
}

/** Σ_ij w(i, j) p_ij over the non-zero cells (i, j are 1-based grey levels). */
function sumOverCells(c: GlcmCoefficients, w: (i: number, j: number) => number): number {
  let s = 0;
  for (let k = 0; k < c.cellP.length; k++) s += w(c.cellI[k], c.cellJ[k]) * c.cellP[k];
  return s;
}

/** Joint maximum (GYBY): max p_ij. */
export function jointMaximum(c: GlcmCoefficients): number {
  let mx = 0;
  for (let k = 0; k < c.cellP.length; k++) if (c.cellP[k] > mx) mx = c.cellP[k];
  return mx;
}

/** Joint average (60VM): μ = Σ_ij i p_ij. */
export function jointAverage(c: GlcmCoefficients): number {
  return sumOverCells(c, (i) => i);
}

/** Joint variance (UR99): Σ_ij (i − μ)² p_ij, μ the joint average. */
export function jointVariance(c: GlcmCoefficients): number {
  const mu = jointAverage(c);
  return sumOverCells(c, (i) => (i - mu) * (i - mu));
}

/** Joint entropy (TU9B): −Σ_ij p_ij log2 p_ij. */
export function jointEntropy(c: GlcmCoefficients): number {
  return c.hxy;
}

/** Difference average (TF7R): Σ_k k p_{i-j,k}. */
export function differenceAverage(c: GlcmCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.pDiff.length; k++) s += k * c.pDiff[k];
  return s;
}

/** Difference variance (D3YU): Σ_k (k − μ)² p_{i-j,k}, μ the difference average. */
export function differenceVariance(c: GlcmCoefficients): number {
  const mu = differenceAverage(c);
  let s = 0;
  for (let k = 0; k < c.pDiff.length; k++) s += (k - mu) * (k - mu) * c.pDiff[k];
  return s;
}

/** Difference entropy (NTRS): −Σ_k p_{i-j,k} log2 p_{i-j,k}. */
export function differenceEntropy(c: GlcmCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.pDiff.length; k++) if (c.pDiff[k] > 0) s -= c.pDiff[k] * Math.log2(c.pDiff[k]);
  return s;
}

/** Sum average (ZGXS): Σ_k k p_{i+j,k}, k = 2..2Ng. */
export function sumAverage(c: GlcmCoefficients): number {
  let s = 0;
  for (let k = 2; k < c.pSum.length; k++) s += k * c.pSum[k];
  return s;
}

/** Sum variance (OEEB): Σ_k (k − μ)² p_{i+j,k}, μ the sum average. */
export function sumVariance(c: GlcmCoefficients): number {
  const mu = sumAverage(c);
  let s = 0;
  for (let k = 2; k < c.pSum.length; k++) s += (k - mu) * (k - mu) * c.pSum[k];
  return s;
}

/** Sum entropy (P6QZ): −Σ_k p_{i+j,k} log2 p_{i+j,k}. */
export function sumEntropy(c: GlcmCoefficients): number {
  let s = 0;
  for (let k = 2; k < c.pSum.length; k++) if (c.pSum[k] > 0) s -= c.pSum[k] * Math.log2(c.pSum[k]);
  return s;
}

/** Angular second moment / energy (8ZQL): Σ_ij p_ij². */
export function angularSecondMoment(c: GlcmCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.cellP.length; k++) s += c.cellP[k] * c.cellP[k];
  return s;
}

/** Contrast (ACUI): Σ_ij (i − j)² p_ij. */
export function contrast(c: GlcmCoefficients): number {
  let s = 0;
  for (let k = 1; k < c.pDiff.length; k++) s += k * k * c.pDiff[k];
  return s;
}

/** Dissimilarity (8S9J): Σ_ij |i − j| p_ij. */
export function dissimilarity(c: GlcmCoefficients): number {
  return differenceAverage(c);
}

/** Inverse difference (IB1Z): Σ_k p_{i-j,k} / (1 + k). */
export function inverseDifference(c: GlcmCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.pDiff.length; k++) s += c.pDiff[k] / (1 + k);
  return s;
}

/** Normalised inverse difference (NDRX): Σ_k p_{i-j,k} / (1 + k/Ng). */
export function normalisedInverseDifference(c: GlcmCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.pDiff.length; k++) s += c.pDiff[k] / (1 + k / c.ng);
  return s;
}

/** Inverse difference moment (WF0Z): Σ_k p_{i-j,k} / (1 + k²). */
export function inverseDifferenceMoment(c: GlcmCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.pDiff.length; k++) s += c.pDiff[k] / (1 + k * k);
  return s;
}

/** Normalised inverse difference moment (1QCO): Σ_k p_{i-j,k} / (1 + (k/Ng)²). */
export function normalisedInverseDifferenceMoment(c: GlcmCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.pDiff.length; k++) s += c.pDiff[k] / (1 + (k / c.ng) * (k / c.ng));
  return s;
}

/** Inverse variance (E8JP): Σ_{k≥1} p_{i-j,k} / k². */
export function inverseVariance(c: GlcmCoefficients): number {
  let s = 0;
  for (let k = 1; k < c.pDiff.length; k++) s += c.pDiff[k] / (k * k);
  return s;
}

/**
 * Correlation (NI2N): (Σ_ij i j p_ij − μ_i.²) / σ²_i. (symmetric matrix). IBSI leaves the
 * single-grey-level case (σ²_i. = 0, so 0/0) open; like MIRP and PyRadiomics we return 1.
 */
export function correlation(c: GlcmCoefficients): number {
  if (c.varRow === 0) return 1;
  return (autocorrelation(c) - c.muRow * c.muRow) / c.varRow;
}

/** Autocorrelation (QWB0): Σ_ij i j p_ij. */
export function autocorrelation(c: GlcmCoefficients): number {
  return sumOverCells(c, (i, j) => i * j);
}

/** Cluster tendency (DG8W): Σ_ij (i + j − 2μ_i.)² p_ij. */
export function clusterTendency(c: GlcmCoefficients): number {
  const m2 = 2 * c.muRow;
  return sumOverCells(c, (i, j) => (i + j - m2) ** 2);
}

/** Cluster shade (7NFM): Σ_ij (i + j − 2μ_i.)³ p_ij. */
export function clusterShade(c: GlcmCoefficients): number {
  const m2 = 2 * c.muRow;
  return sumOverCells(c, (i, j) => (i + j - m2) ** 3);
}

/** Cluster prominence (AE86): Σ_ij (i + j − 2μ_i.)⁴ p_ij. */
export function clusterProminence(c: GlcmCoefficients): number {
  const m2 = 2 * c.muRow;
  return sumOverCells(c, (i, j) => (i + j - m2) ** 4);
}

/**
 * Information correlation 1 (R8DG): (HXY − HXY1) / HX. IBSI leaves HX = 0 (one grey level,
 * 0/0) open; we follow the IBSI lead's reference implementation (MIRP), which returns 1.
 */
export function informationCorrelation1(c: GlcmCoefficients): number {
  if (c.hx === 0) return 1;
  return (c.hxy - c.hxy1) / c.hx;
}

/**
 * Information correlation 2 (JN9H): √(1 − exp(−2 (HXY2 − HXY))). HXY2 ≥ HXY holds exactly
 * (joint entropy never exceeds the entropy of the product of the marginals), so a negative
 * difference is rounding and is clamped to 0.
 */
export function informationCorrelation2(c: GlcmCoefficients): number {
  return Math.sqrt(1 - Math.exp(-2 * Math.max(0, c.hxy2 - c.hxy)));
}

/** The 25 GLCM features of IBSI 1 §3.6, in the manual's order. */
export const GLCM_FEATURES: readonly FeatureDefinition<GlcmCoefficients>[] = [
  { tag: 'cm_joint_max', code: 'GYBY', name: 'Joint maximum', compute: jointMaximum },
  { tag: 'cm_joint_avg', code: '60VM', name: 'Joint average', compute: jointAverage },
  { tag: 'cm_joint_var', code: 'UR99', name: 'Joint variance', compute: jointVariance },
  { tag: 'cm_joint_entr', code: 'TU9B', name: 'Joint entropy', compute: jointEntropy },
  { tag: 'cm_diff_avg', code: 'TF7R', name: 'Difference average', compute: differenceAverage },
  { tag: 'cm_diff_var', code: 'D3YU', name: 'Difference variance', compute: differenceVariance },
  { tag: 'cm_diff_entr', code: 'NTRS', name: 'Difference entropy', compute: differenceEntropy },
  { tag: 'cm_sum_avg', code: 'ZGXS', name: 'Sum average', compute: sumAverage },
  { tag: 'cm_sum_var', code: 'OEEB', name: 'Sum variance', compute: sumVariance },
  { tag: 'cm_sum_entr', code: 'P6QZ', name: 'Sum entropy', compute: sumEntropy },
  { tag: 'cm_energy', code: '8ZQL', name: 'Angular second moment', compute: angularSecondMoment },
  { tag: 'cm_contrast', code: 'ACUI', name: 'Contrast', compute: contrast },
  { tag: 'cm_dissimilarity', code: '8S9J', name: 'Dissimilarity', compute: dissimilarity },
  { tag: 'cm_inv_diff', code: 'IB1Z', name: 'Inverse difference', compute: inverseDifference },
  { tag: 'cm_inv_diff_norm', code: 'NDRX', name: 'Normalised inverse difference', compute: normalisedInverseDifference },
  { tag: 'cm_inv_diff_mom', code: 'WF0Z', name: 'Inverse difference moment', compute: inverseDifferenceMoment },
  { tag: 'cm_inv_diff_mom_norm', code: '1QCO', name: 'Normalised inverse difference moment', compute: normalisedInverseDifferenceMoment },
  { tag: 'cm_inv_var', code: 'E8JP', name: 'Inverse variance', compute: inverseVariance },
  { tag: 'cm_corr', code: 'NI2N', name: 'Correlation', compute: correlation },
  { tag: 'cm_auto_corr', code: 'QWB0', name: 'Autocorrelation', compute: autocorrelation },
  { tag: 'cm_clust_tend', code: 'DG8W', name: 'Cluster tendency', compute: clusterTendency },
  { tag: 'cm_clust_shade', code: '7NFM', name: 'Cluster shade', compute: clusterShade },
  { tag: 'cm_clust_prom', code: 'AE86', name: 'Cluster prominence', compute: clusterProminence },
  { tag: 'cm_info_corr1', code: 'R8DG', name: 'Information correlation 1', compute: informationCorrelation1 },
  { tag: 'cm_info_corr2', code: 'JN9H', name: 'Information correlation 2', compute: informationCorrelation2 },
];
