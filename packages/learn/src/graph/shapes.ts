import { LearnError } from '../errors.js';
import type { Dim, Shape } from './dtype.js';

/** Thrown when a graph is assembled with incompatible shapes: a programming error in a model builder. */
export class GraphShapeError extends LearnError {
  constructor(message: string, readonly shapes: Shape[]) {
    super('LEARN_GRAPH_SHAPE', message, { kind: 'internal' });
  }
}

/** Numpy-style multidirectional broadcasting (ONNX Broadcasting.md), on symbolic dims. */
export function broadcastShapes(a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else throw new GraphShapeError(`cannot broadcast [${a}] with [${b}]`, [a, b]);
  }
  return out;
}

/**
 * Axes of `full` that were produced by broadcasting `small` (right-aligned): the axes a gradient
 * must be summed over to return to `small`'s shape.
 */
export function broadcastAxes(small: Shape, full: Shape): number[] {
  const axes: number[] = [];
  const offset = full.length - small.length;
  for (let i = 0; i < full.length; i++) {
    const ds = i < offset ? undefined : small[i - offset];
    if (ds === undefined || (ds === 1 && full[i] !== 1)) axes.push(i);
  }
  return axes;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
