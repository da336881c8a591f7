import type { EvaluationReport, Interval } from '@fedrad/protocol';
import { UndefinedEstimateError } from './errors.js';

/**
 * Builds a protocol Interval, leaving out bounds that are not finite numbers (JSON has no
 * NaN); returns undefined when the estimate itself is undefined (e.g. PPV with nobody called
 * positive), so the report omits the field instead of carrying null.
 */
export function interval(estimate: number, lower: number | undefined, upper: number | undefined, level: number, method: string): Interval | undefined {
  if (!Number.isFinite(estimate)) return undefined;
  const out: Interval = { estimate, level, method };
  if (lower !== undefined && Number.isFinite(lower)) out.lower = lower;
  if (upper !== undefined && Number.isFinite(upper)) out.upper = upper;
  return out;
}

/** Same, for values that are defined by construction; a NaN here is refused, never reported as a number. */
export function requiredInterval(estimate: number, lower: number | undefined, upper: number | undefined, level: number, method: string): Interval {
  const out = interval(estimate, lower, upper, level, method);
  if (!out) throw new UndefinedEstimateError(`${method} estimate`);
  return out;
}

/**
 * Array lengths a report must not use: the egress guard reads an array as long as a local
 * cohort as a per-patient row, so grids and group lists steer clear of the patient counts.
 */
export function avoidLengths<T>(items: T[], forbidden: ReadonlySet<number>): T[] {
  let out = items;
  while (out.length >= 2 && forbidden.has(out.length)) out = out.slice(0, -1);
  return out;
}

/** The fields every evaluation report starts with: what was evaluated, where, on how many patients. */
export function reportHeader(
  outcome: EvaluationReport['outcome'],
  site: { siteId?: string; modelSha256?: string },
  level: number,
  patientCount: number,
  eventCount: number,
): EvaluationReport {
  return {
    type: 'evaluation-report',
    reportVersion: 1,
    outcome,
    ...(site.siteId ? { siteId: site.siteId } : {}),
    ...(site.modelSha256 ? { modelSha256: site.modelSha256 } : {}),
    level,
    patientCount,
    eventCount,
  };
}

/** Options every evaluation report takes (evaluateBinary, evaluateSurvival). */
export interface ReportOptions {
  siteId?: string;
  modelSha256?: string;
  level?: number;
  /** Bootstrap replicates for the bootstrap intervals (default 2000; 0 = none). */
  bootstrapReplicates?: number;
  seed?: number;
  /** Default BCa up to BCA_DEFAULT_MAX_PATIENTS patients, percentile above. */
  bootstrapMethod?: 'percentile' | 'bca';
}
