import type { FederatedMethod, MethodOutcome, SiteFailure } from '@fedrad/federation';
import { MethodConfigError } from '../errors.js';
import type { TrainingRows } from '../training/trainingRows.js';
import { pooledMoments, type PooledMoments } from './pooledMoments.js';
import { selectionSiteSummary, type SelectionSummary, type SelectionSummaryParams } from './selectionSummary.js';
import { selectionSteps, type FeatureStatistics, type SelectionOptions, type SelectionStep } from './selectionSteps.js';

export interface SelectionState {
  moments?: PooledMoments;
  kept?: string[];
  steps?: SelectionStep[];
  statistics?: Record<string, FeatureStatistics>;
}

export type SelectionMethod = FederatedMethod<SelectionState, SelectionSummaryParams, SelectionSummary, TrainingRows>;

/**
 * Federated feature selection (filters): one site step (selectionSiteSummary: sums and
 * cross-products of the site's rows), the coordinator's selectionSteps on the pooled moments, and
 * the site's `apply`, which keeps only the selected columns of its rows. The LASSO step follows as
 * a regularisation path over the features kept here (lassoStep.ts).
 */
export function selectionMethod(settings: { features: string[]; minCohortSize: number } & SelectionOptions): SelectionMethod {
  const p = settings.features.length;
  if (p === 0) throw new MethodConfigError('Selection needs at least one feature.', { field: 'features' });
  const survival = settings.survival;
  const tensors = { 'feature-sum': [p], 'feature-sumsq': [p], 'feature-sumy': [p], 'cross-products': [p, p], ...(survival ? { 'cox-score': [p], 'cox-information': [p] } : {}) };
  return {
    name: 'select',
    initialState: () => ({}),
    configure: (_state, sites) =>
      Object.fromEntries(sites.map((s) => [s, { kind: 'select-summary' as const, features: settings.features, minCohortSize: settings.minCohortSize, ...(survival ? { survival } : {}) }])),
    siteStep: (params, rows, site) => selectionSiteSummary(params, rows, site),
    aggregate(_state, results, failures: readonly SiteFailure[]): MethodOutcome<SelectionState> {
      if (failures.length > 0) throw new MethodConfigError(`Site ${failures[0].siteId} did not send its selection sums (${failures[0].message}); the selection needs every site's rows.`, { field: 'trainingSites' });
      const moments = pooledMoments(settings.features, results);
      const { kept, steps, statistics } = selectionSteps(moments, settings);
      return { state: { moments, kept, steps, statistics }, converged: true, done: true, sites: results.map((r) => r.siteId).sort(), sampleCount: moments.n };
    },
    apply: async (state, rows) => applySelection(state.kept ?? [], rows),
    layout: () => tensors,
    egress: () => ({
      tensors,
      counts: ['sampleCount', 'eventCount'],
      scalars: [],
      minCohortSize: settings.minCohortSize,
      summary:
        "Per-feature sums, sums of squares, sums of feature × outcome and the feature cross-products over the site's patients" +
        (survival ? "; and each feature's Cox score and information at β = 0 over the site's own risk sets." : '.'),
    }),
  };
}

/** The site applies a selection: its rows with only the selected columns, in the selection's order. */
export function applySelection(selected: readonly string[], rows: TrainingRows): TrainingRows {
  const p = rows.featureNames.length;
  const columns = selected.map((f) => {
    const j = rows.featureNames.indexOf(f);
    if (j < 0) throw new MethodConfigError(`The selection keeps "${f}", which the site's rows do not have.`, { field: 'features' });
    return j;
  });
  const n = p > 0 ? rows.x.length / p : rows.label.length;
  const x = new Float64Array(n * columns.length);
  for (let i = 0; i < n; i++) columns.forEach((j, c) => (x[i * columns.length + c] = rows.x[i * p + j]));
  return { ...rows, featureNames: [...selected], x };
}
