import { alignOutcome, identityStandardization, readFeatureTable, readOutcomeTable, resolveSpec, type TrainedModel } from '@fedrad/learn';
import { runCoxTwin, type SurvivalRows } from '@fedrad/methods';
import { readSiteTable } from '@fedrad/protocol';
import { CliUsageError } from '../errors.js';
import { checkOutputPath, readInputText } from '../commandFiles.js';
import { partitionBySite } from '../sitePartition.js';
import { writeFederatedModel, type FederatedRunOptions, type FederatedTrainResult } from './federatedTrain.js';

export interface FederatedCoxTrainOptions extends FederatedRunOptions {
  /** A baseline hazard per site (coxph's strata(site)); otherwise one pooled baseline hazard. */
  stratifyBySite: boolean;
  ties: 'breslow' | 'efron';
  /** Pooled only: the fewest events (and patients leaving the risk set) per time bin at each site; default the minimum cohort; 1 keeps exact times. */
  minEventsPerTimeBin?: number;
  /** Pooled only: the bins' lower edges, fixed (a campaign's model.timeGridDays); otherwise found from the event times. */
  timeGrid?: number[];
}

/** What the federated Cox fit was, for the provenance: variant, ties, strata and the time bins of a pooled fit. */
export interface CoxFederation {
  variant: 'stratified' | 'pooled';
  ties: 'breslow' | 'efron';
  strata: 'site' | 'none';
  minEventsPerTimeBin?: number;
  timeEdges?: number[];
}

/**
 * `fedrad train --model cox --sites S.csv`: the local twin of a federated Cox campaign. The cases
 * are split into the sites of S.csv and @fedrad/methods' Cox method runs over them (each site's
 * step on its own rows, the coordinator's Newton step on the sums), stratified by site with
 * `--stratify-by-site`, else pooled in the time bins of `--time-grid` (a campaign's
 * model.timeGridDays) or, without it, in bins found to hold at least `--min-events-per-time-bin`
 * events at every site. Writes the ONNX model (linear predictor out) and its card.
 */
export async function runFederatedCoxTrain(o: FederatedCoxTrainOptions): Promise<FederatedTrainResult & { federation: CoxFederation }> {
  const features = readFeatureTable(readInputText(o.features, 'features'), o.features);
  const outcome = alignOutcome(features, readOutcomeTable(readInputText(o.outcome, 'outcome'), o.outcome), o.outcome);
  if (outcome.kind !== 'survival') throw new CliUsageError(`${o.outcome} has no time and event columns; a Cox model needs id,time,event`);
  if (outcome.stratum) throw new CliUsageError(`${o.outcome} has a stratum column; with --sites the strata are the sites (--stratify-by-site), so remove the column or train without --sites`);
  if (o.stratifyBySite && o.minEventsPerTimeBin !== undefined) throw new CliUsageError('--min-events-per-time-bin bins the event times of a pooled Cox fit; a fit stratified by site sends no times');
  if (o.stratifyBySite && o.timeGrid !== undefined) throw new CliUsageError('--time-grid bins the event times of a pooled Cox fit; a fit stratified by site sends no times');
  const grid = o.timeGrid;
  const unordered = grid?.findIndex((e, k) => k > 0 && !(e > grid[k - 1])) ?? -1;
  if (grid && unordered > 0) throw new CliUsageError(`--time-grid takes the bins' lower edges in ascending order; ${grid[unordered]} follows ${grid[unordered - 1]}`);
  const siteTable = readSiteTable(readInputText(o.sites, 'sites'), o.sites);
  checkOutputPath(o.out, 'model');
  const q = features.featureNames.length;
  const partitions = new Map<string, SurvivalRows>();
  for (const [site, rows] of partitionBySite(features.ids, siteTable, { table: o.features, sites: o.sites })) {
    const x = new Float64Array(rows.length * q);
    rows.forEach((i, r) => x.set(features.values.subarray(i * q, (i + 1) * q), r * q));
    partitions.set(site, { featureNames: features.featureNames, x, time: Float64Array.from(rows, (i) => outcome.time[i]), event: Float64Array.from(rows, (i) => outcome.event[i]) });
  }
  const variant = o.stratifyBySite ? 'stratified' : 'pooled';
  const run = await runCoxTwin(
    {
      variant,
      ties: o.ties,
      model: o.model,
      features: features.featureNames,
      minCohortSize: o.minCohortSize,
      maxRounds: o.rounds,
      ...(o.minEventsPerTimeBin !== undefined ? { minEventsPerTimeBin: o.minEventsPerTimeBin } : {}),
      ...(grid !== undefined ? { timeEdges: grid } : {}),
    },
    partitions,
  );
  const last = run.steps[run.steps.length - 1];
  const n = outcome.time.length;
  const events = outcome.event.reduce((a, e) => a + (e ? 1 : 0), 0);
  const model: TrainedModel = {
    spec: resolveSpec(o.model),
    featureNames: features.featureNames,
    outcome: 'survival',
    // β on the original feature scale: exported with the identity standardisation, as a federated logistic model.
    standardization: identityStandardization(q),
    params: [{ name: 'beta', shape: [q, 1], data: run.state.beta }],
    training: { n, events, optimizer: 'federated', iterations: run.steps.length, converged: last.converged, objective: Number.NaN, lastChange: Number.NaN },
    // The card says how the partial likelihood was set up; the twin has no horizon, so no S(t | x) output.
    survival: {
      variant,
      ties: o.ties,
      strata: o.stratifyBySite ? run.sites : [],
      ...(run.timeEdges ? { timeBins: run.timeEdges } : {}),
      horizonsDays: [],
      baselineSurvival: [],
    },
  };
  const federation: CoxFederation = {
    variant,
    ties: o.ties,
    strata: o.stratifyBySite ? 'site' : 'none',
    ...(variant === 'pooled' ? { minEventsPerTimeBin: o.minEventsPerTimeBin ?? o.minCohortSize, timeEdges: run.timeEdges } : {}),
  };
  return { ...writeFederatedModel(model, run.sites, { out: o.out, cardPath: o.cardPath, ...(o.name ? { name: o.name } : {}) }), federation };
}
