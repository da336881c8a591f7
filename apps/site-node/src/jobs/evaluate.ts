import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadInferenceModel, predict, predictOutputs, sha256Hex, type InferenceModel } from '@fedrad/learn';
import { verifyModel } from '@fedrad/pki';
import type { EvaluateParams, EvaluationReport } from '@fedrad/protocol';
import { evaluateBinary, evaluateSurvivalAtHorizons } from '@fedrad/stats';
import { loadCohort } from '../cohortTables.js';
import { CohortError, JobInputError, SiteNodeError } from '../errors.js';
import { rowsForJob } from '../harmonizations.js';
import type { JobInput } from '../jobTypes.js';
import { evaluateCoxWithBaselines, evaluateWithBaselines } from './evaluateBaselines.js';

/**
 * An `evaluate` job at an independent test site: check the locked model's bytes against its
 * hash and the coordinator's signature of its card, score the site's cohort with onnxruntime (learn), and evaluate with the statistics
 * package. Only the evaluation report leaves; the scores are written to the site's own job
 * folder for its operator.
 */
export async function runEvaluate(input: JobInput): Promise<EvaluationReport> {
  const params = input.envelope.params as EvaluateParams;
  if (params.kind !== 'evaluate') throw new JobInputError('An evaluate job must carry evaluate parameters.', { field: 'params/kind' });
  const bytes = new Uint8Array(Buffer.from(params.modelOnnxBase64, 'base64'));
  const actual = sha256Hex(bytes);
  if (actual !== params.modelHash) {
    throw new SiteNodeError('MODEL_HASH_MISMATCH', `The model sent has SHA-256 ${actual}, not the locked model hash ${params.modelHash}; it was not evaluated.`, { field: 'params/modelOnnxBase64' });
  }
  // Only the campaign's locked model is evaluated: its card must carry the coordinator's signature
  // under the campaign CA and name these bytes (a tampered, swapped or unsigned model is refused).
  if (!input.caCertPem) throw new JobInputError('This site has no campaign CA certificate to check the model signature with; the model was not evaluated.', { field: 'caCertPem' });
  verifyModel(bytes, params.modelCard, params.modelSignature, { caCertPem: input.caCertPem });
  const model = await loadInferenceModel(bytes, `locked model ${params.modelHash.slice(0, 12)}`);
  try {
    if (model.score === 'linear-predictor') {
      return await evaluateCox(input, params, model);
    }
    const cohort = harmonisedCohort(input, params, model.featureNames);
    if (cohort.outcome.kind !== 'binary') {
      throw new CohortError(`Cohort "${input.cohort.name}": ${input.cohort.outcome} has no binary label column; this model predicts a binary outcome.`, { file: input.cohort.outcome, field: 'label' });
    }
    if (params.baselineModels?.length) {
      const rows = { ids: cohort.ids, featureNames: cohort.featureNames, x: cohort.x, label: cohort.outcome.label };
      return await evaluateWithBaselines(input, params, model, rows, (ids, scores) => writeLocalPredictions(input, ids, scores));
    }
    const scores = await predict(model, { ids: cohort.ids, featureNames: cohort.featureNames, values: cohort.x }, input.cohort.features);
    writeLocalPredictions(input, cohort.ids, scores);
    const threshold = params.threshold ?? model.youdenThreshold;
    return evaluateBinary(scores, cohort.outcome.label, {
      siteId: input.siteId,
      modelSha256: params.modelHash,
      ...(threshold !== undefined ? { threshold, thresholdSource: params.threshold !== undefined ? 'campaign' : 'model-card' } : {}),
      bootstrapReplicates: params.bootstrapReplicates ?? 1000,
      ...(params.seed !== undefined ? { seed: params.seed } : {}),
      minGroupSize: input.minCohortSize,
    });
  } finally {
    await model.session.release();
  }
}

/**
 * A Cox model at a test site: its linear predictor as the risk score (Harrell's and Uno's C), and
 * with a horizon its S(horizon | x) (time-dependent AUC, Brier score, calibration); with several,
 * those at each horizon in `survival.byHorizon`, the first also at the top level. The risk groups
 * are split at the campaign's threshold when it gives one, else at the locked model's own rule:
 * high risk when the predicted S(horizon | x) is at most ½ (a predicted median survival within the
 * horizon), i.e. η ≥ log(log ½ / log S0(horizon)), since S = S0^exp(η) and log S0 < 0; stats
 * puts η ≥ cut-off in the high-risk group, so S(horizon | x) = ½ exactly counts as high risk.
 * With the campaign's baseline models, every model is evaluated on the patients with every
 * covariate (evaluateCoxWithBaselines).
 */
async function evaluateCox(input: JobInput, params: EvaluateParams, model: InferenceModel): Promise<EvaluationReport> {
  const cohort = harmonisedCohort(input, params, model.featureNames);
  if (cohort.outcome.kind !== 'survival') {
    throw new CohortError(`Cohort "${input.cohort.name}": ${input.cohort.outcome} has no time and event columns; this Cox model predicts survival.`, { file: input.cohort.outcome, field: 'time' });
  }
  const horizons = model.horizonsDays ?? [];
  const h = horizons.length;
  const s0 = model.baselineSurvival?.[0];
  const cutoff = params.threshold ?? (s0 !== undefined && s0 > 0 && s0 < 1 ? Math.log(Math.log(0.5) / Math.log(s0)) : undefined);
  if (params.baselineModels?.length) {
    const rows = { ids: cohort.ids, featureNames: cohort.featureNames, x: cohort.x, time: cohort.outcome.time, event: cohort.outcome.event };
    return evaluateCoxWithBaselines(input, params, model, rows, cutoff, (ids, scores) => writeLocalPredictions(input, ids, scores));
  }
  const out = await predictOutputs(model, { ids: cohort.ids, featureNames: cohort.featureNames, values: cohort.x }, input.cohort.features);
  writeLocalPredictions(input, cohort.ids, out.score);
  // The first horizon is the primary one: the report's top-level horizon measures and the cut-off's S0;
  // with several, stats adds the measures at each (survival.byHorizon).
  const survivalAt = horizons.map((_, k) => Float64Array.from(cohort.ids, (_, i) => out.survival![i * h + k]));
  return evaluateSurvivalAtHorizons(cohort.outcome.time, cohort.outcome.event, out.score, horizons, survivalAt, {
    siteId: input.siteId,
    modelSha256: params.modelHash,
    bootstrapReplicates: params.bootstrapReplicates ?? 1000,
    ...(params.seed !== undefined ? { seed: params.seed } : {}),
    ...(cutoff !== undefined ? { riskCutoff: cutoff } : {}),
    minGroupSize: input.minCohortSize,
  });
}

/** The test cohort's rows for the model's features, harmonised with the campaign's harmonisation when the job names it. */
function harmonisedCohort(input: JobInput, params: EvaluateParams, featureNames: string[]) {
  const cohort = loadCohort(input.cohort, featureNames);
  return { ...cohort, x: rowsForJob(input, params.harmonizationHash, { ids: cohort.ids, featureNames: cohort.featureNames, values: cohort.x }) };
}

/**
 * id,score for the site's own records (never sent), in a folder named by the SHA-256 of the job
 * id: a job id comes from the coordinator, so no part of it becomes a path (job.json inside says
 * which job it was).
 */
function writeLocalPredictions(input: JobInput, ids: string[], scores: Float64Array): void {
  const dir = join(input.workDir, `evaluate-${sha256Hex(new TextEncoder().encode(input.envelope.jobId)).slice(0, 32)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'job.json'), JSON.stringify({ jobId: input.envelope.jobId, campaignId: input.envelope.campaignId, modelHash: (input.envelope.params as EvaluateParams).modelHash }, null, 2) + '\n');
  writeFileSync(join(dir, 'predictions.csv'), 'id,score\n' + ids.map((id, i) => `${id},${scores[i]}`).join('\n') + '\n');
}
