/**
 * One row of a family's feature table: the IBSI tag used as output key (the tag column of the
 * IBSI reference table), the IBSI permanent code, the IBSI name and a pure function of the
 * family's precomputed coefficients. Output keys, docs and tests all come from these tables.
 */
export interface FeatureDefinition<C> {
  tag: string;
  code: string;
  name: string;
  compute: (c: C) => number;
}

export function evaluateFeatures<C>(table: ReadonlyArray<FeatureDefinition<C>>, coefficients: C): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of table) out[f.tag] = f.compute(coefficients);
  return out;
}
