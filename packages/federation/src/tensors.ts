import type { Tensor } from '@fedrad/protocol';
import { AggregationError } from './errors.js';
import type { SiteResult, TensorView } from './types.js';

/** Concatenates tensors into one Float64 vector (row-major, in list order). */
export function flatten(tensors: readonly TensorView[]): Float64Array {
  const total = tensors.reduce((n, t) => n + t.data.length, 0);
  const out = new Float64Array(total);
  let offset = 0;
  for (const t of tensors) {
    out.set(t.data, offset);
    offset += t.data.length;
  }
  return out;
}

/** Splits a vector back into tensors shaped like `layout`. */
export function unflatten(layout: readonly TensorView[], vector: ArrayLike<number>): Tensor[] {
  let offset = 0;
  return layout.map((t) => {
    const data = Array.from({ length: t.data.length }, (_, i) => vector[offset + i]);
    offset += t.data.length;
    return { name: t.name, shape: [...t.shape], data };
  });
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Throws unless `tensors` has the same names and shapes, in order, as `layout`. */
export function assertSameLayout(layout: readonly TensorView[], tensors: readonly TensorView[], siteId: string, strategy: string): void {
  const describe = (ts: readonly TensorView[]) => ts.map((t) => `${t.name}[${t.shape.join('x')}]`).join(', ');
  const same =
    layout.length === tensors.length &&
    layout.every(
      (t, i) =>
        t.name === tensors[i].name &&
        t.shape.length === tensors[i].shape.length &&
        t.shape.every((d, k) => d === tensors[i].shape[k]) &&
        tensors[i].data.length === elementCount(tensors[i].shape),
    );
  if (!same) {
    throw new AggregationError(
      'LAYOUT_MISMATCH',
      `Site ${siteId} returned tensors ${describe(tensors)} but the global model has ${describe(layout)}; the site runs a different model version`,
      { strategy, siteId },
    );
  }
}

/** Results sorted by site id, so every aggregate is independent of arrival order (and so reproducible). */
export function sortedBySite<T extends { siteId: string }>(results: readonly T[]): T[] {
  return [...results].sort((a, b) => (a.siteId < b.siteId ? -1 : a.siteId > b.siteId ? 1 : 0));
}

/** A named tensor of an update, or an error naming the site and what is missing. */
export function tensorNamed(result: SiteResult, name: string, strategy: string): TensorView {
  const t = result.update.tensors.find((x) => x.name === name);
  if (!t) {
    throw new AggregationError(
      'WRONG_CONTENTS',
      `Site ${result.siteId} sent no "${name}" tensor (got ${result.update.tensors.map((x) => x.name).join(', ')}); strategy ${strategy} needs it`,
      { strategy, siteId: result.siteId, tensor: name },
    );
  }
  return t;
}

export function requireResults(results: readonly SiteResult[], strategy: string, round: number): void {
  if (results.length === 0) {
    throw new AggregationError('NO_RESULTS', `No site returned an update in round ${round}; nothing to aggregate`, { strategy, round });
  }
}
