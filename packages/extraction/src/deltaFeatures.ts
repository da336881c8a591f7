import type { ExtractOutcome, ExtractTask } from './extractCase.js';

type Extracted = Extract<ExtractOutcome, { ok: true }>;

/** The delta features of a cohort with time points: one outcome per patient, and what could not be made. */
export interface DeltaTable {
  /** Time points in the order the manifest first lists them; the first is the baseline. */
  timepoints: string[];
  /** One per patient with every time point extracted, in manifest order; failed ones name the time points missing. */
  outcomes: ExtractOutcome[];
  /** Features whose relative change is left out, because some patient's baseline value is 0. */
  noRelativeChange: string[];
}

/**
 * Delta-radiomics (Fave et al. 2017, Sci Rep 7:588): for each patient, the baseline value of each
 * feature and its change at every later time point, absolute (x_t − x_0) and relative
 * ((x_t − x_0) / |x_0|), as one row of features:
 *
 *   <feature>.<t0>          baseline value
 *   <feature>.delta.<t>     absolute change at time point t
 *   <feature>.rel.<t>       relative change at time point t (left out when some baseline is 0)
 *
 * Every case of a cohort extraction runs with the one config, so the IBSI settings are identical
 * across time points by construction. A patient missing a time point, or whose extraction failed
 * at one, has no row: it comes back as a failed outcome naming the time points, never dropped silently.
 */
export function deltaFeatures(tasks: readonly ExtractTask[], outcomes: readonly ExtractOutcome[]): DeltaTable {
  const timepoints = [...new Set(tasks.map((t) => t.timepoint!))];
  const [baseline, ...later] = timepoints;
  const byPatient = new Map<string, Map<string, ExtractOutcome>>();
  tasks.forEach((t, i) => {
    const patient = t.patientId ?? t.id;
    if (!byPatient.has(patient)) byPatient.set(patient, new Map());
    byPatient.get(patient)!.set(t.timepoint!, outcomes[i]);
  });
  const complete: Array<{ row: Extracted; at: Map<string, Extracted> }> = [];
  const result: ExtractOutcome[] = [];
  for (const [id, at] of byPatient) {
    const missing = timepoints.filter((tp) => !at.has(tp));
    const failed = timepoints.filter((tp) => at.has(tp) && !at.get(tp)!.ok);
    if (missing.length > 0 || failed.length > 0) {
      const parts = [
        ...(missing.length ? [`no case at time point(s) ${missing.join(', ')}`] : []),
        ...failed.map((tp) => {
          const o = at.get(tp) as Extract<ExtractOutcome, { ok: false }>;
          return `time point ${tp} failed (${o.code}: ${o.message})`;
        }),
      ];
      result.push({ id, ok: false, code: 'DELTA_INCOMPLETE', message: `patient ${id}: ${parts.join('; ')}` });
      continue;
    }
    const row: Extracted = { id, ok: true, features: {}, diagnostics: {} };
    complete.push({ row, at: at as Map<string, Extracted> });
    result.push(row);
  }
  const names = complete.length > 0 ? Object.keys(complete[0].at.get(baseline)!.features) : [];
  const noRelativeChange = names.filter((f) => complete.some((p) => p.at.get(baseline)!.features[f] === 0));
  for (const { row, at } of complete) {
    const x0 = at.get(baseline)!.features;
    for (const f of names) row.features[`${f}.${baseline}`] = x0[f];
    for (const t of later) {
      const xt = at.get(t)!.features;
      for (const f of names) {
        row.features[`${f}.delta.${t}`] = xt[f] - x0[f];
        if (!noRelativeChange.includes(f)) row.features[`${f}.rel.${t}`] = (xt[f] - x0[f]) / Math.abs(x0[f]);
      }
    }
    row.diagnostics = at.get(baseline)!.diagnostics;
  }
  return { timepoints, outcomes: result, noRelativeChange };
}

/** Whether a manifest's cases carry time points (a delta-radiomics cohort). */
export function hasTimepoints(tasks: readonly ExtractTask[]): boolean {
  return tasks.length > 0 && tasks[0].timepoint !== undefined;
}
