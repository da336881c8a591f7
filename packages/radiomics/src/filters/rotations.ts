import type { FilterDimensionality } from './grid.js';

/**
 * The right-angle rotations a rotation-invariant filter is pooled over (IBSI 2 manual, section
 * 2.4, "rotation invariance"): the 24 rotations of the cube in 3D and the 4 in-plane rotations in
 * 2D. Each maps filter axis a to image axis `axisOf[a]` with direction `sign[a]` (a signed
 * permutation matrix of determinant +1, so no reflection is included).
 */
export interface RightAngleRotation {
  axisOf: number[];
  sign: number[];
}

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

function parity(p: number[]): number {
  let s = 1;
  for (let i = 0; i < p.length; i++) for (let j = i + 1; j < p.length; j++) if (p[i] > p[j]) s = -s;
  return s;
}

function rotationsOf(n: number): RightAngleRotation[] {
  const out: RightAngleRotation[] = [];
  for (const axisOf of permutations([...Array(n).keys()])) {
    for (let bits = 0; bits < 1 << n; bits++) {
      const sign = axisOf.map((_, a): number => ((bits >> a) & 1 ? -1 : 1));
      if (parity(axisOf) * sign.reduce((x, y) => x * y, 1) === 1) out.push({ axisOf, sign });
    }
  }
  // the identity first, so that a non-invariant filter is the first element of the set
  out.sort((a, b) => Number(isIdentity(b)) - Number(isIdentity(a)));
  return out;
}

function isIdentity(r: RightAngleRotation): boolean {
  return r.axisOf.every((ax, a) => ax === a) && r.sign.every((s) => s === 1);
}

const ROTATIONS_3D = rotationsOf(3);
const ROTATIONS_2D = rotationsOf(2);
export const IDENTITY_ROTATION_3D = ROTATIONS_3D[0];
export const IDENTITY_ROTATION_2D = ROTATIONS_2D[0];

export function rightAngleRotations(dimensionality: FilterDimensionality): readonly RightAngleRotation[] {
  return dimensionality === '2D' ? ROTATIONS_2D : ROTATIONS_3D;
}

/** How the responses to the rotated filters are combined into one (IBSI 2 manual, section 2.4). */
export type Pooling = 'max' | 'average' | 'min';

/** Told how many of a filter's `total` passes (rotations, orientations) are done. */
export type FilterProgress = (done: number, total: number) => void;

/** Accumulates responses one rotation at a time, so only two maps are held at once. */
export class ResponsePool {
  private acc: Float64Array | null = null;
  private count = 0;
  constructor(private readonly pooling: Pooling, private readonly progress?: { total: number; report: FilterProgress }) {}

  add(response: Float64Array): void {
    this.count++;
    this.progress?.report(this.count, this.progress.total);
    if (!this.acc) {
      this.acc = Float64Array.from(response);
      return;
    }
    const a = this.acc;
    if (this.pooling === 'average') for (let i = 0; i < a.length; i++) a[i] += response[i];
    else if (this.pooling === 'max') for (let i = 0; i < a.length; i++) a[i] = Math.max(a[i], response[i]);
    else for (let i = 0; i < a.length; i++) a[i] = Math.min(a[i], response[i]);
  }

  result(): Float64Array {
    if (!this.acc) throw new RangeError('no response was pooled');
    if (this.pooling === 'average') for (let i = 0; i < this.acc.length; i++) this.acc[i] /= this.count;
    return this.acc;
  }
}
