import type { CountMatrix } from './countMatrix.js';

/**
 * Coefficients and feature functions shared by GLRLM (IBSI 1 §3.7), GLSZM (§3.8), GLDZM
 * (§3.9) and NGLDM (§3.11). IBSI defines these four families with the same sixteen formulas
 * over a matrix m_ij (grey level i, run length / zone size / distance / dependence count j);
 * only names and codes differ, so each formula is written once here and every family's table
 * names it with its own IBSI code (see glrlm.ts, glszm.ts, gldzm.ts, ngldm.ts).
 *
 * Notation (IBSI): N_s = Σ_ij m_ij, N_v voxel count, m_i. = Σ_j m_ij, m_.j = Σ_i m_ij,
 * p_ij = m_ij / N_s.
 */
export interface CountCoefficients {
  /** N_s, total count (runs, zones, neighbourhoods). */
  readonly ns: number;
  /** N_v, voxels (summed over merged matrices). */
  readonly nv: number;
  /** Non-zero cells: grey level i, column j, probability p_ij. */
  readonly level: Int32Array;
  readonly column: Int32Array;
  readonly p: Float64Array;
  /** m_i. / N_s at index i (1..Ng). */
  readonly rowP: Float64Array;
  /** Distinct column values j and m_.j / N_s for each. */
  readonly columnValues: Int32Array;
  readonly columnP: Float64Array;
}

export function countCoefficients(m: CountMatrix): CountCoefficients | null {
  let ns = 0;
  for (let c = 0; c < m.count.length; c++) ns += m.count[c];
  if (ns === 0) return null;
  const p = new Float64Array(m.count.length);
  const rowP = new Float64Array(m.nLevels + 1);
  let maxColumn = 0;
  for (let c = 0; c < p.length; c++) {
    p[c] = m.count[c] / ns;
    rowP[m.level[c]] += p[c];
    if (m.column[c] > maxColumn) maxColumn = m.column[c];
  }
  // Column marginal through a dense scratch array: columns are bounded by the voxel count.
  const dense = new Float64Array(maxColumn + 1);
  for (let c = 0; c < p.length; c++) dense[m.column[c]] += p[c];
  let distinct = 0;
  for (let j = 1; j <= maxColumn; j++) if (dense[j] !== 0) distinct++;
  const columnValues = new Int32Array(distinct);
  const columnP = new Float64Array(distinct);
  for (let j = 1, k = 0; j <= maxColumn; j++) {
    if (dense[j] === 0) continue;
    columnValues[k] = j;
    columnP[k++] = dense[j];
  }
  return { ns, nv: m.nVoxels, level: m.level, column: m.column, p, rowP, columnValues, columnP };
}

/** Small j emphasis: (1/N_s) Σ_j m_.j / j². GLRLM sre 22OV, GLSZM sze 5QRC, GLDZM sde 0GBI, NGLDM lde SODN. */
export function lowColumnEmphasis(c: CountCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.columnP.length; k++) s += c.columnP[k] / (c.columnValues[k] * c.columnValues[k]);
  return s;
}

/** Large j emphasis: (1/N_s) Σ_j j² m_.j. GLRLM lre W4KF, GLSZM lze 48P8, GLDZM lde MB4I, NGLDM hde IMOQ. */
export function highColumnEmphasis(c: CountCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.columnP.length; k++) s += c.columnP[k] * c.columnValues[k] * c.columnValues[k];
  return s;
}

/** Low grey level emphasis: (1/N_s) Σ_i m_i. / i². GLRLM lgre V3SW, GLSZM lgze XMSY, GLDZM lgze S1RA, NGLDM lgce TL9H. */
export function lowLevelEmphasis(c: CountCoefficients): number {
  let s = 0;
  for (let i = 1; i < c.rowP.length; i++) s += c.rowP[i] / (i * i);
  return s;
}

/** High grey level emphasis: (1/N_s) Σ_i i² m_i.. GLRLM hgre G3QZ, GLSZM hgze 5GN9, GLDZM hgze K26C, NGLDM hgce OAE7. */
export function highLevelEmphasis(c: CountCoefficients): number {
  let s = 0;
  for (let i = 1; i < c.rowP.length; i++) s += c.rowP[i] * i * i;
  return s;
}

/** Small j, low grey level emphasis: (1/N_s) Σ_ij m_ij / (i² j²). GLRLM srlge HTZT, GLSZM szlge 5RAI, GLDZM sdlge RUVG, NGLDM ldlge EQ3F. */
export function lowColumnLowLevelEmphasis(c: CountCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.p.length; k++) {
    const i = c.level[k];
    const j = c.column[k];
    s += c.p[k] / (i * i * j * j);
  }
  return s;
}

/** Small j, high grey level emphasis: (1/N_s) Σ_ij i² m_ij / j². GLRLM srhge GD3A, GLSZM szhge HW1V, GLDZM sdhge DKNJ, NGLDM ldhge JA6D. */
export function lowColumnHighLevelEmphasis(c: CountCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.p.length; k++) {
    const i = c.level[k];
    const j = c.column[k];
    s += (c.p[k] * i * i) / (j * j);
  }
  return s;
}

/** Large j, low grey level emphasis: (1/N_s) Σ_ij j² m_ij / i². GLRLM lrlge IVPO, GLSZM lzlge YH51, GLDZM ldlge A7WM, NGLDM hdlge NBZI. */
export function highColumnLowLevelEmphasis(c: CountCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.p.length; k++) {
    const i = c.level[k];
    const j = c.column[k];
    s += (c.p[k] * j * j) / (i * i);
  }
  return s;
}

/** Large j, high grey level emphasis: (1/N_s) Σ_ij i² j² m_ij. GLRLM lrhge 3KUM, GLSZM lzhge J17V, GLDZM ldhge KLTH, NGLDM hdhge 9QMG. */
export function highColumnHighLevelEmphasis(c: CountCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.p.length; k++) {
    const i = c.level[k];
    const j = c.column[k];
    s += c.p[k] * i * i * j * j;
  }
  return s;
}

/** Grey level non-uniformity: (1/N_s) Σ_i m_i.². GLRLM R5YN, GLSZM JNSA, GLDZM VFT7, NGLDM FP8K. */
export function levelNonUniformity(c: CountCoefficients): number {
  return levelNonUniformityNormalised(c) * c.ns;
}

/** Normalised grey level non-uniformity: (1/N_s²) Σ_i m_i.². GLRLM OVBL, GLSZM Y1RO, GLDZM 7HP3, NGLDM 5SPA. */
export function levelNonUniformityNormalised(c: CountCoefficients): number {
  let s = 0;
  for (let i = 1; i < c.rowP.length; i++) s += c.rowP[i] * c.rowP[i];
  return s;
}

/** j non-uniformity: (1/N_s) Σ_j m_.j². GLRLM rlnu W92Y, GLSZM zsnu 4JP3, GLDZM zdnu V294, NGLDM dcnu Z87G. */
export function columnNonUniformity(c: CountCoefficients): number {
  return columnNonUniformityNormalised(c) * c.ns;
}

/** Normalised j non-uniformity: (1/N_s²) Σ_j m_.j². GLRLM IC23, GLSZM VB3A, GLDZM IATH, NGLDM OKJI. */
export function columnNonUniformityNormalised(c: CountCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.columnP.length; k++) s += c.columnP[k] * c.columnP[k];
  return s;
}

/** Percentage: N_s / N_v. GLRLM run percentage 9ZK5, GLSZM zone percentage P30P, GLDZM VIWW, NGLDM dependence count percentage 6XV8. */
export function countPercentage(c: CountCoefficients): number {
  return c.ns / c.nv;
}

/** Grey level variance: Σ_ij (i − μ)² p_ij with μ = Σ_ij i p_ij. GLRLM 8CE5, GLSZM BYLV, GLDZM QK93, NGLDM 1PFV. */
export function levelVariance(c: CountCoefficients): number {
  let mu = 0;
  for (let i = 1; i < c.rowP.length; i++) mu += i * c.rowP[i];
  let s = 0;
  for (let i = 1; i < c.rowP.length; i++) s += (i - mu) * (i - mu) * c.rowP[i];
  return s;
}

/** j variance: Σ_ij (j − μ)² p_ij with μ = Σ_ij j p_ij. GLRLM rl_var SXLW, GLSZM zs_var 3NSA, GLDZM zd_var 7WT1, NGLDM dc_var DNX2. */
export function columnVariance(c: CountCoefficients): number {
  let mu = 0;
  for (let k = 0; k < c.columnP.length; k++) mu += c.columnValues[k] * c.columnP[k];
  let s = 0;
  for (let k = 0; k < c.columnP.length; k++) s += (c.columnValues[k] - mu) * (c.columnValues[k] - mu) * c.columnP[k];
  return s;
}

/** Entropy: −Σ_ij p_ij log2 p_ij. GLRLM rl_entr HJ9O, GLSZM zs_entr GU8N, GLDZM zd_entr GBDU, NGLDM dc_entr FCBV. */
export function countEntropy(c: CountCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.p.length; k++) s -= c.p[k] * Math.log2(c.p[k]);
  return s;
}

/** Energy: Σ_ij p_ij². NGLDM dependence count energy CAS9 (the only family of the four that defines it). */
export function countEnergy(c: CountCoefficients): number {
  let s = 0;
  for (let k = 0; k < c.p.length; k++) s += c.p[k] * c.p[k];
  return s;
}
