import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainingMethod } from '@fedrad/methods';
import { baselineJobRound, baselineProtocol, updateLayout, type CampaignProtocol, type JobEnvelope } from '@fedrad/protocol';
import { checkEgress } from '../src/egressGuard.js';
import { jobIdProblem } from '../src/jobIds.js';
import { runJob } from '../src/jobs/runJob.js';
import { admitJob } from '../src/jobPolicy.js';
import { protocolDeviations } from '../src/protocolConformance.js';
import { queriedPatients } from '../src/queriedPatients.js';
import { SiteStore } from '../src/siteStore.js';
import { envelope, generateCohorts, readCsv, repoRoot } from './helpers.js';

// A baseline round (analysisPlan.baseline, issue #13): the combined model's update over the
// patients with every covariate. Reference: the closed form g = Σ (σ(x̃ᵀβ) − y) x̃,
// H = Σ σ(1−σ) x̃ x̃ᵀ with x̃ = (1, radiomics, covariates), computed here from the CSV text.
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

let dir: string;
let features: string[];
let ids: string[];
let x: number[][];
let y: number[];
let cohort: { name: string; features: string; outcome: string; clinical: { table: string; columns: string[] } };
const age = (i: number) => 40 + ((i * 7) % 31);
const size = (i: number) => 2 + ((i * 3) % 11) / 2;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'baseline-round-'));
  const site = generateCohorts(dir, 'site-a=37', 4);
  features = site.features;
  const rows = readCsv(site.sites[0].featuresCsv).rows;
  ids = rows.map((r) => r[0]);
  x = rows.map((r) => r.slice(1).map(Number));
  y = readCsv(site.sites[0].outcomeCsv).rows.map((r) => Number(r[1]));
  // Patient 3 lacks age, patient 8 lacks size (NA), patient 20 has no row at all: 3 left out.
  const table = ['id,size,age,hiv'];
  ids.forEach((id, i) => {
    if (i === 20) return;
    table.push([id, i === 8 ? 'NA' : size(i), i === 3 ? '' : age(i), 0].join(','));
  });
  writeFileSync(join(dir, 'clinical.csv'), table.join('\n') + '\n');
  cohort = { name: 'training', features: site.sites[0].featuresCsv, outcome: site.sites[0].outcomeCsv, clinical: { table: join(dir, 'clinical.csv'), columns: ['age', 'size'] } };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('baseline-round job', () => {
  it('returns the closed-form gradient and Hessian of the combined model over the complete cases, and counts the others', async () => {
    const coef = [0.2, 0.01, -0.02, 0.03, -0.1];
    const params = {
      kind: 'baseline-round', model: 'combined', covariates: ['age', 'size'], radiomicsFeatures: [features[0], features[2]],
      step: { kind: 'train-round', round: 1, strategy: 'exact-newton', model: { family: 'logistic' }, features: [features[0], features[2], 'age', 'size'], globalParameters: [{ name: 'coef', shape: [5], data: coef }] },
    };
    const update = (await runJob({ envelope: envelope('baseline-round', params, 1), siteId: 'site-a', cohort, minCohortSize: 5, workDir: dir })) as {
      kind: string; model: string; sampleCount: number; missingCovariates: number; tensors: Array<{ name: string; data: number[] }>;
    };
    const P = 5;
    const g = new Array(P).fill(0);
    const h = new Array(P * P).fill(0);
    let kept = 0;
    ids.forEach((_, i) => {
      if (i === 3 || i === 8 || i === 20) return;
      kept++;
      const xt = [1, x[i][0], x[i][2], age(i), size(i)];
      const mu = sigmoid(xt.reduce((a, v, k) => a + v * coef[k], 0));
      for (let a = 0; a < P; a++) {
        g[a] += (mu - y[i]) * xt[a];
        for (let b = 0; b < P; b++) h[a * P + b] += mu * (1 - mu) * xt[a] * xt[b];
      }
    });
    expect(update).toMatchObject({ kind: 'baseline-round', model: 'combined', sampleCount: kept, missingCovariates: 3 });
    const t = Object.fromEntries(update.tensors.map((tensor) => [tensor.name, Array.from(tensor.data)]));
    t.gradient.forEach((v, k) => expect(v).toBeCloseTo(g[k], 8));
    t.hessian.forEach((v, k) => expect(v).toBeCloseTo(h[k], 6));
    // What leaves: aggregates only — no per-patient array, no identifier (the egress guard's own verdict).
    const layout = updateLayout(params.step as never);
    expect(checkEgress('baseline-round-result', update, { localPatientCounts: [37, kept], patientIds: new Set(ids), minCohortSize: 5, modelUpdateTensors: layout })).toMatchObject({ allowed: true });
    // A tensor the round's layout does not define would not leave (rule 5, as for a training update).
    const extra = { ...update, tensors: [...update.tensors, { name: 'rows', shape: [3], data: [1, 2, 3] }] };
    expect(checkEgress('baseline-round-result', extra, { localPatientCounts: [37, kept], minCohortSize: 5, modelUpdateTensors: layout })).toMatchObject({ allowed: false, violations: [expect.objectContaining({ rule: 'tensor-layout' })] });
    expect(JSON.stringify(update)).not.toMatch(new RegExp(ids.slice(0, 5).join('|')));
  });

  it('refuses a covariate the site does not offer, even one its table has', async () => {
    const params = {
      kind: 'baseline-round', model: 'clinical', covariates: ['age', 'hiv'], radiomicsFeatures: [],
      step: { kind: 'train-round', round: 0, strategy: 'exact-newton', model: { family: 'logistic' }, features: ['age', 'hiv'], globalParameters: [{ name: 'coef', shape: [3], data: [0, 0, 0] }] },
    };
    await expect(runJob({ envelope: envelope('baseline-round', params, 0), siteId: 'site-a', cohort, minCohortSize: 5, workDir: dir })).rejects.toThrow(/covariate "hiv" is not among the clinical columns this site offers \(age, size\)/);
  });
});

describe('the cohort-differencing rule over a baseline round\'s complete cases', () => {
  it('counts only the patients with every covariate, so 3 left out next to a training round over all 37 is refused', () => {
    const example = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
    const round = (kind: JobEnvelope['kind'], jobId: string, params: Record<string, unknown>) => ({ ...envelope(kind, params, 0), jobId, campaignId: example.campaignId });
    const baselineJob = round('baseline-round', `${example.campaignId}/baseline/combined/r25/site-a`, { kind: 'baseline-round', model: 'combined', covariates: ['age', 'size'], radiomicsFeatures: [], step: {} });
    const complete = queriedPatients(baselineJob, cohort, ids);
    expect(complete).toEqual(ids.filter((_, i) => i !== 3 && i !== 8 && i !== 20));
    // Any other job rests on the whole cohort.
    expect(queriedPatients(round('train-round', `${example.campaignId}/r0/site-a`, { kind: 'train-round' }), cohort, ids)).toBe(ids);
    const store = new SiteStore(join(dir, 'policy.sqlite'));
    try {
      expect(admitJob(store, { job: round('train-round', `${example.campaignId}/r0/site-a`, { kind: 'train-round' }), protocol: example, patientIds: ids, minCohortSize: 5 })).toBeUndefined();
      // The combined model's round-0 sums minus the training round's would be the 3 left-out patients' own.
      expect(admitJob(store, { job: baselineJob, protocol: example, patientIds: complete, minCohortSize: 5 })?.code).toBe('COHORT_DIFFERENCE_TOO_SMALL');
    } finally {
      store.close();
    }
  });
});

describe('a baseline round must be the approved protocol\'s baseline (attacker tests)', () => {
  const example = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
  const protocol = { ...example, features: ['f1', 'f2'], analysisPlan: { ...example.analysisPlan, harmonization: 'none', baseline: { covariates: ['size_cm', 'deep'], models: ['clinical'] } } } as CampaignProtocol;
  const both = { ...protocol, analysisPlan: { ...protocol.analysisPlan, baseline: { covariates: ['size_cm', 'deep'] } } } as CampaignProtocol;
  const job = (p: CampaignProtocol, model: 'clinical' | 'combined', patch: Record<string, unknown> = {}, stepPatch: Record<string, unknown> = {}): JobEnvelope => {
    const radiomicsFeatures = model === 'combined' ? ['f1', 'f2'] : [];
    const arm = baselineProtocol(p, model, radiomicsFeatures);
    const state = trainingMethod(arm).initialState();
    const step = trainingMethod(arm).configure(state, [...arm.trainingSites].sort())['site-a'];
    return {
      ...envelope('baseline-round', { kind: 'baseline-round', model, covariates: ['size_cm', 'deep'], radiomicsFeatures, step: { ...step, ...stepPatch }, ...patch }, baselineJobRound(model, 0)),
      jobId: `${p.campaignId}/baseline/${model}/r${baselineJobRound(model, 0)}/site-a`,
      campaignId: p.campaignId,
    };
  };

  it('accepts the declared model\'s first round at a training site, and its job id', () => {
    expect(protocolDeviations(job(protocol, 'clinical'), protocol, 'training')).toEqual([]);
    expect(protocolDeviations(job(both, 'combined'), both, 'training')).toEqual([]);
    expect(jobIdProblem(job(both, 'combined'))).toBeUndefined();
    expect(jobIdProblem({ ...job(both, 'combined'), jobId: `${both.campaignId}/baseline/other/r25/site-a` })).toMatch(/is not the baseline-round job id/);
    // The combined model's round 0 travels as envelope round 25: the clinical model's range comes first.
    expect(protocolDeviations({ ...job(both, 'combined'), round: 0 }, both, 'training')[0]).toMatch(/the envelope's round 0 is not the combined model's round 0 \(25\)/);
  });

  it('refuses a covariate not in the approved protocol, naming it', () => {
    const asked = job(protocol, 'clinical', { covariates: ['size_cm', 'hiv_status'] }, { features: ['size_cm', 'hiv_status'] });
    expect(protocolDeviations(asked, protocol, 'training')[0]).toMatch(/"hiv_status" is not in the approved protocol/);
  });

  it('refuses a model the protocol does not declare, a protocol without a baseline, and a test site', () => {
    expect(protocolDeviations(job(both, 'combined'), protocol, 'training')[0]).toMatch(/declares the clinical model, not a combined model/);
    const without = { ...protocol, analysisPlan: { harmonization: 'none' } } as CampaignProtocol;
    expect(protocolDeviations(job(protocol, 'clinical'), without, 'training')).toEqual(['the protocol has no clinical baseline (analysisPlan.baseline), so it asks for no baseline round']);
    expect(protocolDeviations(job(protocol, 'clinical'), protocol, 'test')[0]).toMatch(/trains nothing/);
  });

  it('refuses an evaluate job that sends a baseline model or covariates the protocol does not declare', () => {
    const evaluate = (p: CampaignProtocol, params: Record<string, unknown>) => ({ ...envelope('evaluate', { kind: 'evaluate', modelHash: 'ab'.repeat(32), modelOnnxBase64: '', ...params }), campaignId: p.campaignId });
    const entry = (model: string) => ({ model, modelHash: 'cd'.repeat(32), modelOnnxBase64: '', modelCard: {}, modelSignature: {} });
    expect(protocolDeviations(evaluate(both, { baselineModels: [entry('clinical'), entry('combined')], covariates: ['size_cm', 'deep'] }), both, 'test')).toEqual([]);
    expect(protocolDeviations(evaluate(both, { baselineModels: [entry('clinical')], covariates: ['size_cm', 'hiv_status'] }), both, 'test')[0]).toMatch(/covariates asked for \(size_cm, hiv_status\) are not the protocol's/);
    expect(protocolDeviations(evaluate(protocol, { baselineModels: [entry('combined')], covariates: ['size_cm', 'deep'] }), protocol, 'test')[0]).toMatch(/declares no combined model/);
    const without = { ...protocol, analysisPlan: { harmonization: 'none' } } as CampaignProtocol;
    expect(protocolDeviations(evaluate(without, { baselineModels: [entry('clinical')], covariates: ['size_cm'] }), without, 'test')[0]).toMatch(/has no clinical baseline/);
  });

  it('refuses every baseline round when the approved protocol asks for masking or noise the baseline rounds do not carry', () => {
    // A coordinator that signed a baseline into such a protocol would get unmasked, un-noised Newton sums.
    for (const [setting, value] of [['secureAggregation', true], ['differentialPrivacy', { noiseMultiplier: 1, delta: 1e-5 }]] as const) {
      const guarded = { ...protocol, training: { ...protocol.training, [setting]: value } } as CampaignProtocol;
      expect(protocolDeviations(job(protocol, 'clinical'), guarded, 'training')).toEqual([
        `the approved protocol sets training.${setting}, which a baseline round (unmasked, un-noised Newton sums) would bypass`,
      ]);
    }
    // Under shareSiteUpdates the round conforms; its parameters are checked against the previous round's signed updates (exchangeTrajectory.test.ts).
    const shared = { ...protocol, training: { ...protocol.training, shareSiteUpdates: true } } as CampaignProtocol;
    expect(protocolDeviations(job(protocol, 'clinical'), shared, 'training')).toEqual([]);
  });

  it('refuses radiomics features the protocol does not have, another model or strategy, and crafted initial coefficients', () => {
    expect(protocolDeviations(job(both, 'combined', { radiomicsFeatures: ['f1', 'mrn'] }, { features: ['f1', 'mrn', 'size_cm', 'deep'] }), both, 'training')[0]).toMatch(/"mrn" are not among the protocol's features/);
    expect(protocolDeviations(job(protocol, 'clinical', {}, { model: { family: 'lasso-logistic', lambda: 0.1 } }), protocol, 'training').join('; ')).toMatch(/model .* is not the protocol's/);
    expect(protocolDeviations(job(protocol, 'clinical', {}, { strategy: 'fedavg' }), protocol, 'training').join('; ')).toMatch(/strategy fedavg is not the protocol's exact-newton/);
    expect(protocolDeviations(job(protocol, 'clinical', {}, { globalParameters: [{ name: 'coef', shape: [3], data: [5, 0, 0] }] }), protocol, 'training').join('; ')).toMatch(/round 0's global parameters are not the protocol's initial parameters/);
  });
});
