import { writeFileSync } from 'node:fs';
import {
  alignOutcome, exportInferenceModel, identityStandardization, modelCard, readFeatureTable, readOutcomeTable, resolveSpec,
  type FeatureTable, type ModelSpec, type TrainedModel,
} from '@fedrad/learn';
import { runLocalTwin, trainingMethod, type TrainingRows } from '@fedrad/methods';
import { readSiteTable, type CampaignProtocol, type ModelCard, type StrategyName } from '@fedrad/protocol';
import { CliUsageError } from '../errors.js';
import { checkOutputPath, readInputText } from '../commandFiles.js';

/** What every federated `fedrad train --sites` run takes. */
export interface FederatedRunOptions {
  features: string;
  outcome: string;
  /** `id,site`: which site each case belongs to. */
  sites: string;
  out: string;
  cardPath: string;
  model: ModelSpec;
  rounds: number;
  minCohortSize: number;
  name?: string;
}

export interface FederatedTrainOptions extends FederatedRunOptions {
  strategy: StrategyName;
  learningRate?: number;
  localEpochs?: number;
  seed?: number;
}

export interface FederatedTrainResult {
  modelPath: string;
  cardPath: string;
  sha256: string;
  training: ModelCard['training'];
}

/** A site id as a site node's certificate carries it (common.schema.json SiteId). */
const SITE_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

/**
 * `fedrad train --sites S.csv`: the local twin of a federated training campaign. The cases are
 * split into the sites S.csv names, and @fedrad/methods' training method runs over them with the
 * functions a campaign runs (the site step at each partition, the strategy's aggregate), so the
 * federated model can be checked on one machine against the pooled fit. Writes the same outputs
 * as pooled training: the ONNX model and its card, which records that it was federated, over
 * which sites and in how many rounds.
 */
export async function runFederatedTrain(o: FederatedTrainOptions): Promise<FederatedTrainResult> {
  const features = readFeatureTable(readInputText(o.features, 'features'), o.features);
  const outcome = alignOutcome(features, readOutcomeTable(readInputText(o.outcome, 'outcome'), o.outcome), o.outcome);
  if (outcome.kind !== 'binary') throw new CliUsageError(`${o.outcome} has no label column; federated training fits logistic models (id,label)`);
  const siteTable = readSiteTable(readInputText(o.sites, 'sites'), o.sites);
  checkOutputPath(o.out, 'model');
  const partitions = partition(features, outcome.label, siteTable, o);
  const protocol: CampaignProtocol = {
    type: 'campaign-protocol',
    campaignId: 'local-twin',
    title: `fedrad train --sites ${o.sites}`,
    version: 1,
    outcome: { type: 'binary', label: 'label' },
    features: features.featureNames,
    model: o.model,
    trainingSites: [...partitions.keys()],
    testSites: [],
    minCohortSize: o.minCohortSize,
    training: {
      strategy: o.strategy,
      rounds: o.rounds,
      ...(o.learningRate !== undefined ? { learningRate: o.learningRate } : {}),
      ...(o.localEpochs !== undefined ? { localEpochs: o.localEpochs } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
    },
  };
  const run = await runLocalTwin(trainingMethod(protocol), partitions, { patientCount: (rows) => rows.label.length });
  const coef = run.state.parameters[0].data;
  const p = features.featureNames.length;
  const last = run.steps[run.steps.length - 1];
  const n = outcome.label.length;
  const events = outcome.label.reduce((a, y) => a + y, 0);
  // Coefficients on the original feature scale (SITE_CHANNEL.md §6): exported with the identity
  // standardisation, as the coordinator exports a federated model.
  const model: TrainedModel = {
    spec: resolveSpec(o.model),
    featureNames: features.featureNames,
    outcome: 'binary',
    standardization: identityStandardization(p),
    params: [
      { name: 'beta', shape: [p, 1], data: coef.slice(1) },
      { name: 'intercept', shape: [1, 1], data: [coef[0]] },
    ],
    training: { n, events, optimizer: 'federated', iterations: run.steps.length, converged: last.converged, objective: Number.NaN, lastChange: Number.NaN },
  };
  return writeFederatedModel(model, run.sites, o);
}

/**
 * Writes a federated model's ONNX and card; the card's training block says federated, over which
 * sites and in how many rounds (no pooled objective exists in a federation, only the sites'
 * losses at each round's start).
 */
export function writeFederatedModel(model: TrainedModel, sites: string[], o: { out: string; cardPath: string; name?: string }): FederatedTrainResult {
  const bytes = exportInferenceModel(model);
  const card = modelCard(model, bytes, { ...(o.name ? { name: o.name } : {}), createdAt: new Date().toISOString() });
  const t = model.training;
  card.training = { n: t.n, events: t.events, optimizer: 'federated', iterations: t.iterations, converged: t.converged, sites };
  writeFileSync(o.out, bytes);
  writeFileSync(o.cardPath, JSON.stringify(card, null, 2) + '\n');
  return { modelPath: o.out, cardPath: o.cardPath, sha256: card.modelSha256, training: card.training };
}

/** Each site's rows, in the feature table's order: every case in exactly one site, every site a valid id. */
function partition(features: FeatureTable, label: Float64Array, sites: { ids: string[]; sites: string[] }, o: FederatedTrainOptions): Map<string, TrainingRows> {
  const q = features.featureNames.length;
  const out = new Map<string, TrainingRows>();
  for (const [site, rows] of siteRows(features, sites, o)) {
    const x = new Float64Array(rows.length * q);
    rows.forEach((i, r) => x.set(features.values.subarray(i * q, (i + 1) * q), r * q));
    out.set(site, { featureNames: features.featureNames, x, label: Float64Array.from(rows, (i) => label[i]) });
  }
  return out;
}

/** The feature table's row indices of each site, sites in id order: every case in exactly one site, every site a valid id. */
export function siteRows(features: FeatureTable, sites: { ids: string[]; sites: string[] }, o: { sites: string; features: string }): Map<string, number[]> {
  const siteOf = new Map(sites.ids.map((id, i) => [id, sites.sites[i]]));
  const missing = features.ids.find((id) => !siteOf.has(id));
  if (missing !== undefined) throw new CliUsageError(`${o.sites} names no site for case "${missing}" of ${o.features}; every case needs its site`);
  const known = new Set(features.ids);
  const extra = sites.ids.find((id) => !known.has(id));
  if (extra !== undefined) throw new CliUsageError(`${o.sites} lists case "${extra}", which ${o.features} does not have`);
  const bad = sites.sites.find((s) => !SITE_ID.test(s));
  if (bad !== undefined) throw new CliUsageError(`${o.sites}: site "${bad}" is not a site id (lower-case letters, digits and hyphens, 2 to 63 characters, as a site node's certificate names it)`);
  const rowsOf = new Map<string, number[]>();
  features.ids.forEach((id, i) => {
    const s = siteOf.get(id)!;
    if (!rowsOf.has(s)) rowsOf.set(s, []);
    rowsOf.get(s)!.push(i);
  });
  return new Map([...rowsOf.keys()].sort().map((s) => [s, rowsOf.get(s)!]));
}
