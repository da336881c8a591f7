import { MethodConfigError } from '../errors.js';

/**
 * The part of `fedrad reproducibility`'s report (icc.json) selection reads: per feature, each ICC
 * form's estimate and confidence limits —
 *   { "type": "fedrad-reproducibility", "features": [ { "feature": "f1", "ICC(2,1)": { "estimate", "lower", "upper" }, … }, … ] }.
 */
export interface ReproducibilityReport {
  type: 'fedrad-reproducibility';
  features: Array<{ feature: string } & Record<string, unknown>>;
}

export interface ReproducibilityChoice {
  /** The ICC form compared, e.g. "ICC(2,1)" (two-way random, absolute agreement, single measure). */
  form: string;
  /** Compare the estimate or the lower confidence limit (the stricter Koo & Li 2016 reading). */
  on: 'estimate' | 'lower';
}

/** Each feature's ICC value of the chosen form; refuses a document that is not such a report, or lacks the form. */
export function reproducibilityValues(report: unknown, choice: ReproducibilityChoice, source: string): Map<string, number> {
  const r = report as Partial<ReproducibilityReport>;
  if (r?.type !== 'fedrad-reproducibility' || !Array.isArray(r.features)) {
    throw new MethodConfigError(`${source} is not a reproducibility report (fedrad reproducibility's output: "type": "fedrad-reproducibility" with a "features" list).`, { field: 'reproducibility' });
  }
  const values = new Map<string, number>();
  for (const f of r.features) {
    const form = f[choice.form] as { estimate?: unknown; lower?: unknown } | undefined;
    const v = form?.[choice.on];
    if (typeof v !== 'number') throw new MethodConfigError(`${source}: feature "${f.feature}" has no ${choice.form} ${choice.on}.`, { field: 'reproducibility.form' });
    values.set(f.feature, v);
  }
  return values;
}
