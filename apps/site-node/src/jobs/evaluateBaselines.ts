import { canonicalJson, type BaselineModelEvaluation, type EvaluateParams, type EvaluationReport } from '@fedrad/protocol';
import { loadInferenceModel, predictOutputs, sha256Hex, type InferenceModel } from '@fedrad/learn';
import { verifyModel } from '@fedrad/pki';
import { evaluateBinary, evaluateSurvivalAtHorizons } from '@fedrad/stats';
import { loadClinical } from '../clinicalTable.js';
import { CohortError, JobInputError, SiteNodeError } from '../errors.js';
import type { JobInput } from '../jobTypes.js';

type BaselineEntry = NonNullable<EvaluateParams['baselineModels']>[number];

/**
 * Each baseline model sent with an evaluate job, checked as the model itself is: its bytes are its
 * hash, its card is signed by the coordinator under the campaign CA, the card says which baseline
 * model it is and that it takes the job's covariates, and the model's own signed card lists it —
 * so a coordinator cannot slip in a model of its choosing beside the locked one.
 */
async function verifiedBaselines(input: JobInput, params: EvaluateParams, covariates: string[]): Promise<Array<{ entry: BaselineEntry; model: InferenceModel }>> {
  const listed = params.modelCard?.campaign?.baselineModels ?? [];
  const out: Array<{ entry: BaselineEntry; model: InferenceModel }> = [];
  for (const entry of params.baselineModels ?? []) {
    const bytes = new Uint8Array(Buffer.from(entry.modelOnnxBase64, 'base64'));
    if (sha256Hex(bytes) !== entry.modelHash) throw new SiteNodeError('MODEL_HASH_MISMATCH', `The ${entry.model} baseline model sent is not the bytes of its hash ${entry.modelHash}; nothing was evaluated.`, { field: 'params/baselineModels' });
    verifyModel(bytes, entry.modelCard, entry.modelSignature, { caCertPem: input.caCertPem! });
    const own = entry.modelCard.campaign?.baselineModel;
    if (!own || own.model !== entry.model || canonicalJson(own.covariates) !== canonicalJson(covariates)) {
      throw new SiteNodeError('BASELINE_MODEL_INVALID', `The card of the ${entry.model} baseline model does not say it is the campaign's ${entry.model} model on the covariates ${covariates.join(', ')}; nothing was evaluated.`, { field: 'params/baselineModels' });
    }
    if (!listed.some((l) => l.model === entry.model && l.onnxSha256 === entry.modelHash)) {
      throw new SiteNodeError('BASELINE_MODEL_INVALID', `The ${entry.model} baseline model ${entry.modelHash} is not listed on the locked model's signed card; nothing was evaluated.`, { field: 'params/baselineModels' });
    }
    out.push({ entry, model: await loadInferenceModel(bytes, `${entry.model} baseline model ${entry.modelHash.slice(0, 12)}`) });
  }
  return out;
}

/** A model's outputs on the kept patients: its score (probability, or a Cox model's linear predictor) and a Cox model's S(t | x) at its horizons. */
type Outputs = { score: Float64Array; survival?: Float64Array };

/**
 * The locked model and each verified baseline model scored on the same patients — those with
 * every covariate; `keep` are their positions in the cohort — each model's inputs being a
 * covariate of the clinical table or a (harmonised) radiomics feature of `cohort`'s rows.
 */
async function scoreOnCompleteCases(
  input: JobInput,
  params: EvaluateParams,
  model: InferenceModel,
  cohort: { ids: string[]; featureNames: string[]; x: Float64Array },
  write: (ids: string[], scores: Float64Array) => void,
  run: (baselines: Array<{ entry: BaselineEntry; model: InferenceModel; outputs: Outputs }>, own: Outputs, keep: number[]) => EvaluationReport,
): Promise<EvaluationReport> {
  const covariates = params.covariates ?? [];
  if (covariates.length === 0) throw new JobInputError('An evaluate job with baseline models must name the covariates they take.', { field: 'params/covariates' });
  if (!input.caCertPem) throw new JobInputError('This site has no campaign CA certificate to check the baseline models with; nothing was evaluated.', { field: 'caCertPem' });
  const baselines = await verifiedBaselines(input, params, covariates);
  try {
    const clinical = loadClinical(input.cohort, cohort.ids, covariates);
    // Every model on the same patients: those with every covariate.
    const keep = cohort.ids.map((_, i) => i).filter((i) => clinical.complete[i]);
    const ids = keep.map((i) => cohort.ids[i]);
    const column = new Map(cohort.featureNames.map((f, j) => [f, j]));
    const covariate = new Map(covariates.map((c, k) => [c, k]));
    const p = cohort.featureNames.length;
    const q = covariates.length;
    /** A model's inputs for the kept patients: each a covariate of the clinical table or a (harmonised) radiomics feature. */
    const restrict = (m: InferenceModel): Promise<Outputs> => {
      const names = m.featureNames;
      const absent = names.find((f) => !covariate.has(f) && !column.has(f));
      if (absent !== undefined) throw new CohortError(`Cohort "${input.cohort.name}": a baseline model takes "${absent}", neither a covariate of the campaign nor a feature of the locked model.`, { field: absent });
      const values = new Float64Array(keep.length * names.length);
      keep.forEach((i, r) =>
        names.forEach((f, j) => {
          const k = covariate.get(f);
          values[r * names.length + j] = k !== undefined ? clinical.values[i * q + k] : cohort.x[i * p + column.get(f)!];
        }),
      );
      return predictOutputs(m, { ids, featureNames: names, values }, input.cohort.features);
    };
    const own = await restrict(model);
    write(ids, own.score);
    const scored = await Promise.all(baselines.map(async (b) => ({ ...b, outputs: await restrict(b.model) })));
    return { ...run(scored, own, keep), missingCovariates: cohort.ids.length - keep.length };
  } finally {
    for (const b of baselines) await b.model.session.release();
  }
}

/** The report options shared by the model and its baseline models (the clinical model's scores, when there is one, as the paired comparison's baseline). */
const sharedOptions = (input: JobInput, params: EvaluateParams, clinicalScores: Float64Array | undefined) => (modelSha256: string) => ({
  siteId: input.siteId,
  modelSha256,
  bootstrapReplicates: params.bootstrapReplicates ?? 1000,
  ...(params.seed !== undefined ? { seed: params.seed } : {}),
  minGroupSize: input.minCohortSize,
  ...(clinicalScores ? { baseline: clinicalScores } : {}),
});

/**
 * The locked model and the campaign's baseline models on the same patients — those with every
 * covariate; the others are counted — with the paired DeLong tests of added value: the model's own
 * baselineComparison is against the clinical model, and so is the combined model's
 * (@fedrad/stats' evaluateBinary, DeLong et al. 1988). `rows` gives the cohort's harmonised radiomics
 * rows for the features the models take.
 */
export function evaluateWithBaselines(
  input: JobInput,
  params: EvaluateParams,
  model: InferenceModel,
  cohort: { ids: string[]; featureNames: string[]; x: Float64Array; label: Float64Array },
  write: (ids: string[], scores: Float64Array) => void,
): Promise<EvaluationReport> {
  return scoreOnCompleteCases(input, params, model, cohort, write, (scored, own, keep) => {
    const labels = Float64Array.from(keep, (i) => cohort.label[i]);
    const options = sharedOptions(input, params, scored.find((b) => b.entry.model === 'clinical')?.outputs.score);
    const binary = (modelSha256: string, withBaseline: boolean) => {
      const { baseline, ...rest } = options(modelSha256);
      return withBaseline && baseline ? { ...rest, baselineScores: baseline } : rest;
    };
    const threshold = params.threshold ?? model.youdenThreshold;
    const report = evaluateBinary(own.score, labels, {
      ...binary(params.modelHash, true),
      ...(threshold !== undefined ? { threshold, thresholdSource: params.threshold !== undefined ? 'campaign' : 'model-card' } : {}),
    });
    const baselineModels: BaselineModelEvaluation[] = scored.map((b) => {
      const r = evaluateBinary(b.outputs.score, labels, binary(b.entry.modelHash, b.entry.model === 'combined'));
      return {
        model: b.entry.model,
        modelSha256: b.entry.modelHash,
        patientCount: r.patientCount,
        eventCount: r.eventCount,
        discrimination: r.discrimination!,
        ...(r.calibration ? { calibration: r.calibration } : {}),
        ...(r.baselineComparison ? { baselineComparison: r.baselineComparison } : {}),
      };
    });
    return { ...report, baselineModels };
  });
}

/**
 * A survival outcome: the locked Cox model and the campaign's Cox baseline models on the same
 * patients, each scored by its linear predictor (Harrell's and Uno's C) and its S(t | x) at its
 * horizons (evaluateSurvivalAtHorizons). The added value is the paired bootstrap of the difference
 * in Harrell's C (@fedrad/stats' evaluateSurvival: the same resamples for both models, with the
 * campaign's seed; Harrell et al. 1996 for C): the model's own baselineComparison and the combined
 * model's are against the clinical model. The risk groups (`cutoff`) are the locked model's only.
 */
export function evaluateCoxWithBaselines(
  input: JobInput,
  params: EvaluateParams,
  model: InferenceModel,
  cohort: { ids: string[]; featureNames: string[]; x: Float64Array; time: Float64Array; event: Float64Array },
  cutoff: number | undefined,
  write: (ids: string[], scores: Float64Array) => void,
): Promise<EvaluationReport> {
  return scoreOnCompleteCases(input, params, model, cohort, write, (scored, own, keep) => {
    const time = Float64Array.from(keep, (i) => cohort.time[i]);
    const event = Float64Array.from(keep, (i) => cohort.event[i]);
    const options = sharedOptions(input, params, scored.find((b) => b.entry.model === 'clinical')?.outputs.score);
    const cox = (m: InferenceModel, outputs: Outputs, modelSha256: string, withBaseline: boolean, extra: { riskCutoff?: number } = {}) => {
      const { baseline, ...rest } = options(modelSha256);
      const horizons = m.horizonsDays ?? [];
      const h = horizons.length;
      const survivalAt = horizons.map((_, k) => Float64Array.from(keep, (_, i) => outputs.survival![i * h + k]));
      return evaluateSurvivalAtHorizons(time, event, outputs.score, horizons, survivalAt, { ...rest, ...extra, ...(withBaseline && baseline ? { baselineRisk: baseline } : {}) });
    };
    const report = cox(model, own, params.modelHash, true, cutoff !== undefined ? { riskCutoff: cutoff } : {});
    const baselineModels: BaselineModelEvaluation[] = scored.map((b) => {
      const r = cox(b.model, b.outputs, b.entry.modelHash, b.entry.model === 'combined');
      return {
        model: b.entry.model,
        modelSha256: b.entry.modelHash,
        patientCount: r.patientCount,
        eventCount: r.eventCount,
        survival: r.survival!,
        ...(r.baselineComparison ? { baselineComparison: r.baselineComparison } : {}),
      };
    });
    return { ...report, baselineModels };
  });
}
