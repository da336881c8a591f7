import { writeFileSync } from 'node:fs';
import {
  alignOutcome, exportInferenceModel, identityStandardization, modelCard, readFeatureTable, readOutcomeTable, resolveSpec,
  type FeatureTable, type ModelSpec, type Resampling, type TrainedModel,
} from '@fedrad/learn';
import { mlpTrainedModel, runLocalTwin, trainingMethod, type TrainingRows } from '@fedrad/methods';
import { readSiteTable, type CampaignProtocol, type ModelCard, type StrategyName } from '@fedrad/protocol';
import { CliUsageError } from '../errors.js';
import { checkOutputPath, readInputText } from '../commandFiles.js';
import { partitionBySite, selectRows } from '../sitePartition.js';
import { resampledPartitions, resamplingRecord } from '../trainingResampling.js';

type ResamplingRecord = ReturnType<typeof resamplingRecord>;

/** What every federated `fedrad train --sites` run takes. */
export interface FederatedRunOptions {
  features: string;
  /** The table to train on when it is not the features file as it is (train's --clinical model sets). */
  featureTable?: FeatureTable;
  /** Each site rebalances its own training rows first (train's --resample). */
  resampling?: Resampling;
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
  /** MLP: each site's validation split and the rounds without improvement before stopping (the protocol's training.earlyStopping). */
  earlyStopping?: { validationFraction?: number; patience?: number };
}

export interface FederatedTrainResult {
  modelPath: string;
  cardPath: string;
  sha256: string;
  training: ModelCard['training'];
}

/**
 * `fedrad train --sites S.csv`: the local twin of a federated training campaign. The cases are
 * split into the sites S.csv names, and @fedrad/methods' training method runs over them with the
 * functions a campaign runs (the site step at each partition, the strategy's aggregate), so the
 * federated model can be checked on one machine against the pooled fit. Writes the same outputs
 * as pooled training: the ONNX model and its card, which records that it was federated, over
 * which sites and in how many rounds.
 */
export async function runFederatedTrain(o: FederatedTrainOptions): Promise<FederatedTrainResult> {
  const features = o.featureTable ?? readFeatureTable(readInputText(o.features, 'features'), o.features);
  const outcome = alignOutcome(features, readOutcomeTable(readInputText(o.outcome, 'outcome'), o.outcome), o.outcome);
  if (outcome.kind !== 'binary') throw new CliUsageError(`${o.outcome} has no label column; federated training fits logistic models (id,label)`);
  const siteTable = readSiteTable(readInputText(o.sites, 'sites'), o.sites);
  checkOutputPath(o.out, 'model');
  const patients = partition(features, outcome.label, siteTable, o);
  const partitions = o.resampling ? resampledPartitions(patients, o.resampling) : patients;
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
      ...(o.earlyStopping !== undefined ? { earlyStopping: o.earlyStopping } : {}),
    },
  };
  const run = await runLocalTwin(trainingMethod(protocol), partitions, { patientCount: (rows) => rows.label.length });
  const coef = run.state.parameters[0].data;
  const p = features.featureNames.length;
  const last = run.steps[run.steps.length - 1];
  // The rows the model was fitted on (after any resampling; the card's resampling names the patients).
  const fitted = [...partitions.values()];
  const n = fitted.reduce((a, r) => a + r.label.length, 0);
  const events = fitted.reduce((a, r) => a + r.label.reduce((b, y) => b + y, 0), 0);
  // An MLP: the best round's global weights with the pooled standardisation, as the coordinator's lock exports them.
  // A GLM: coefficients on the original feature scale (SITE_CHANNEL.md §6), exported with the
  // identity standardisation, as the coordinator exports a federated model.
  const model: TrainedModel = o.model.family === 'mlp' ? mlpTrainedModel(o.model, features.featureNames, run.state.parameters, { n, events, rounds: run.steps.length, converged: last.converged }) : {
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
  const resampling = o.resampling ? resamplingRecord(o.resampling, outcome.label.length, outcome.label.reduce((a, y) => a + y, 0)) : undefined;
  return writeFederatedModel(model, run.sites, { out: o.out, cardPath: o.cardPath, ...(o.name ? { name: o.name } : {}), ...(resampling ? { resampling } : {}) });
}

/**
 * Writes a federated model's ONNX and card; the card's training block says federated, over which
 * sites and in how many rounds (no pooled objective exists in a federation, only the sites'
 * losses at each round's start).
 */
export function writeFederatedModel(model: TrainedModel, sites: string[], o: { out: string; cardPath: string; name?: string; resampling?: ResamplingRecord }): FederatedTrainResult {
  const bytes = exportInferenceModel(model);
  const card = modelCard(model, bytes, { ...(o.name ? { name: o.name } : {}), createdAt: new Date().toISOString(), ...(o.resampling ? { resampling: o.resampling } : {}) });
  const t = model.training;
  card.training = { n: t.n, events: t.events, optimizer: 'federated', iterations: t.iterations, converged: t.converged, sites, ...(o.resampling ? { resampling: o.resampling } : {}) };
  writeFileSync(o.out, bytes);
  writeFileSync(o.cardPath, JSON.stringify(card, null, 2) + '\n');
  return { modelPath: o.out, cardPath: o.cardPath, sha256: card.modelSha256, training: card.training };
}

/** Each site's rows, in the feature table's order: every case in exactly one site, every site a valid id. */
function partition(features: FeatureTable, label: Float64Array, sites: { source: string; ids: string[]; sites: string[] }, o: FederatedTrainOptions): Map<string, TrainingRows> {
  const q = features.featureNames.length;
  const out = new Map<string, TrainingRows>();
  for (const [site, rows] of partitionBySite(features.ids, sites, { table: o.features, sites: o.sites })) {
    out.set(site, { featureNames: features.featureNames, x: selectRows(features.values, q, rows), label: Float64Array.from(rows, (i) => label[i]) });
  }
  return out;
}
