/**
 * The matrix shape shared by GLRLM, GLSZM, GLDZM and NGLDM: counts indexed by a grey level
 * i (1..Ng) and a positive integer j (run length, zone size, zone distance or dependence
 * count), stored sparsely because j can reach the ROI voxel count (GLSZM) while only a few
 * hundred cells are non-zero. Each matrix remembers the voxel count N_v it was built from,
 * since IBSI sums N_v when matrices are merged (IBSI 1 §3.7.1, §3.8.1, §3.9.1, §3.11.1).
 */
export interface CountMatrix {
  readonly nLevels: number;
  /** Grey level i of each non-zero cell. */
  readonly level: Int32Array;
  /** Column value j of each non-zero cell. */
  readonly column: Int32Array;
  /** Count in each non-zero cell. */
  readonly count: Float64Array;
  /** Voxels the matrix describes (N_v), summed on merge. */
  readonly nVoxels: number;
}

/**
 * Sparse matrix from a dense row-major block `dense[(i-1)*nColumns + (j-1)]` (used when j is
 * small and bounded: run lengths, distances, dependence counts).
 */
export function countMatrixFromDense(dense: Float64Array, nLevels: number, nColumns: number, nVoxels: number, offset = 0): CountMatrix {
  let cells = 0;
  const end = offset + nLevels * nColumns;
  for (let k = offset; k < end; k++) if (dense[k] !== 0) cells++;
  const level = new Int32Array(cells);
  const column = new Int32Array(cells);
  const count = new Float64Array(cells);
  let c = 0;
  for (let i = 0; i < nLevels; i++) {
    const row = offset + i * nColumns;
    for (let j = 0; j < nColumns; j++) {
      const v = dense[row + j];
      if (v === 0) continue;
      level[c] = i + 1;
      column[c] = j + 1;
      count[c++] = v;
    }
  }
  return { nLevels, level, column, count, nVoxels };
}

/** Sparse matrix from a list of (level, column) observations, each counted once. */
export function countMatrixFromPairs(levels: ArrayLike<number>, columns: ArrayLike<number>, n: number, nLevels: number, nVoxels: number): CountMatrix {
  const cells = new Map<number, number>();
  const stride = nLevels + 1;
  for (let k = 0; k < n; k++) {
    const key = columns[k] * stride + levels[k];
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  return fromCellMap(cells, nLevels, nVoxels);
}

/** Merge (sum) matrices of the same family, cell by cell, and their voxel counts. */
export function mergeCountMatrices(matrices: readonly CountMatrix[]): CountMatrix {
  if (matrices.length === 0) throw new Error('mergeCountMatrices: nothing to merge');
  if (matrices.length === 1) return matrices[0];
  const nLevels = matrices[0].nLevels;
  const stride = nLevels + 1;
  const cells = new Map<number, number>();
  let nVoxels = 0;
  for (const m of matrices) {
    nVoxels += m.nVoxels;
    for (let c = 0; c < m.count.length; c++) {
      const key = m.column[c] * stride + m.level[c];
      cells.set(key, (cells.get(key) ?? 0) + m.count[c]);
    }
  }
  return fromCellMap(cells, nLevels, nVoxels);
}

/** Cells in a fixed order (by column, then level) so that sums are reproducible bit for bit. */
function fromCellMap(cells: Map<number, number>, nLevels: number, nVoxels: number): CountMatrix {
  const keys = Float64Array.from(cells.keys()).sort();
  const stride = nLevels + 1;
  const level = new Int32Array(keys.length);
  const column = new Int32Array(keys.length);
  const count = new Float64Array(keys.length);
  for (let c = 0; c < keys.length; c++) {
    const key = keys[c];
    column[c] = Math.floor(key / stride);
    level[c] = key - column[c] * stride;
    count[c] = cells.get(key)!;
  }
  return { nLevels, level, column, count, nVoxels };
}
