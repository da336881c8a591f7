import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from 'node:crypto';
import { exportInferenceModel, fitModel, modelCard, readFeatureTable, readOutcomeTable, sha256Hex } from '@fedrad/learn';
import { trainingMethod, trainingSiteStep } from '@fedrad/methods';
import { createCampaignCa, signModel } from '@fedrad/pki';
import { recordedFeatureConfig } from '@fedrad/radiomics';
import { canonicalHash, canonicalJson, packTensor, unpackTensor, type CampaignProtocol, type ModelCard, type PackedTensor, type Tensor } from '@fedrad/protocol';
import { trainingBasis } from '../src/answerBasis.js';
import { loadSiteConfig } from '../src/siteConfig.js';
import { SiteDaemon } from '../src/siteDaemon.js';
import { SiteStore } from '../src/siteStore.js';
import { FakeCoordinator, type Frame } from './fakeCoordinator.js';
import { certificateIssuer, generateCohorts, readCsv, repoRoot, siteYaml, tearDown, writeSiteKeys } from './helpers.js';

// Issue #16, item 3: a coordinator that is compromised (or run by someone curious) tries, against a
// real site daemon over real mTLS, every way it had to read one patient out of a site. Each attack
// must be refused by the site itself, and nothing per-patient may leave: no patient id, no value
// that rests on fewer patients than the minimum cohort size.
let dir: string;
let coordinator: FakeCoordinator;
let daemon: SiteDaemon;
let features: string[];
let all: { ids: string[]; x: number[][]; y: number[] };
let removed: string;
let lockedOnnx: Uint8Array;
let craftedOnnx: Uint8Array;
const base = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
delete base.analysisPlan;
// site-a trains in one campaign and is an independent test site of the other.
let training: CampaignProtocol;
let testing: CampaignProtocol;
// A third campaign shares site updates: its training jobs carry the previous round's signed updates.
let verified: CampaignProtocol;
let siteCertPem: string;
let peerSigners: Record<string, { keyPem: string; certPem: string }>;
let peerRows: Record<string, { featureNames: string[]; x: Float64Array; label: Float64Array }>;
const hashOf = (p: CampaignProtocol) => canonicalHash(p);
let nonce = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hostile-coordinator-'));
  const summary = generateCohorts(join(dir, 'data'), 'site-a=60,site-train=120', 3, 11);
  features = summary.features;
  const [site, other] = summary.sites;
  const f = readCsv(site.featuresCsv);
  const o = readCsv(site.outcomeCsv);
  all = { ids: f.rows.map((r) => r[0]), x: f.rows.map((r) => r.slice(1).map(Number)), y: o.rows.map((r) => Number(r[1])) };
  // The same tables without the last patient, and without the last five: two more registered cohorts.
  const without = (n: number) => {
    const folder = join(dir, `data/minus-${n}`);
    mkdirSync(folder, { recursive: true });
    const keep = (file: string) => readFileSync(file, 'utf8').trim().split('\n').slice(0, -n).join('\n') + '\n';
    writeFileSync(join(folder, 'features.csv'), keep(site.featuresCsv));
    writeFileSync(join(folder, 'outcome.csv'), keep(site.outcomeCsv));
    return folder;
  };
  removed = all.ids[all.ids.length - 1];
  const minus1 = without(1);
  const minus5 = without(5);
  training = { ...base, campaignId: 'hostile-train', features, trainingSites: ['site-a', 'site-b'], testSites: ['site-t'], minCohortSize: 5, featureConfig };
  verified = { ...base, campaignId: 'hostile-verified', features, trainingSites: ['site-a', 'site-b', 'site-c'], testSites: [], minCohortSize: 5, training: { strategy: 'exact-newton', rounds: 10, shareSiteUpdates: true } };
  // site-b and site-c's rows: the other cohort, halved.
  const of = readCsv(other.featuresCsv);
  const oo = readCsv(other.outcomeCsv);
  const half = (k: number) => {
    const rows = of.rows.filter((_, i) => i % 2 === k);
    return { featureNames: features, x: Float64Array.from(rows.flatMap((r) => r.slice(1).map(Number))), label: Float64Array.from(oo.rows.filter((_, i) => i % 2 === k).map((r) => Number(r[1]))) };
  };
  peerRows = { 'site-b': half(0), 'site-c': half(1) };
  testing = { ...base, campaignId: 'hostile-eval', features, trainingSites: ['site-b', 'site-c'], testSites: ['site-a'], minCohortSize: 5, jobBudget: { summaries: 2, evaluations: 2 }, featureConfig };
  // The site summarises a feature table only when its provenance shows the protocol's feature config made it.
  for (const table of [site.featuresCsv, join(minus1, 'features.csv'), join(minus5, 'features.csv')]) {
    writeFileSync(`${table}.provenance.json`, JSON.stringify({ type: 'fedrad-provenance', command: 'fedrad extract', config: { sha256: canonicalHash(recordedFeatureConfig(featureConfig)) } }));
  }

  // The locked model of the test campaign, and a model crafted to be sent in its place.
  const fit = (lambda: number) => fitModel({ family: 'elasticnet-logistic', alpha: 0.5, lambda }, readFeatureTable(readFileSync(other.featuresCsv, 'utf8')), readOutcomeTable(readFileSync(other.outcomeCsv, 'utf8')));
  const lockedModel = await fit(0.02);
  const craftedModel = await fit(0.2);
  lockedOnnx = exportInferenceModel(lockedModel);
  craftedOnnx = exportInferenceModel(craftedModel);
  cards.set(sha256Hex(lockedOnnx), modelCard(lockedModel, lockedOnnx));
  cards.set(sha256Hex(craftedOnnx), modelCard(craftedModel, craftedOnnx));

  const ca = createCampaignCa({ campaignId: 'hostile', validityDays: 30 });
  const issue = certificateIssuer(ca);
  const server = issue('coordinator', ['127.0.0.1', 'localhost']);
  // A hostile coordinator holds its own signing key: it signs whatever model it sends (the site's policy must still hold).
  modelSigner = server;
  const siteCert = issue('site-a');
  siteCertPem = siteCert.certPem;
  peerSigners = { 'site-b': issue('site-b'), 'site-c': issue('site-c') };
  writeSiteKeys(dir, siteCert, ca.certPem);
  coordinator = new FakeCoordinator({ certPem: server.certPem, keyPem: server.keyPem, caPem: ca.certPem });
  const port = await coordinator.listen();
  // The welcome lies about the test campaign: it calls site-a a training site there.
  coordinator.onHello = () => coordinator.send({
    type: 'coordinator-welcome', siteId: 'site-a', coordinatorVersion: '0.1.0', heartbeatSeconds: 0.5, sentAt: new Date().toISOString(),
    campaigns: [
      { campaignId: training.campaignId, protocolHash: hashOf(training), role: 'training', state: 'training', protocol: training },
      { campaignId: testing.campaignId, protocolHash: hashOf(testing), role: 'training', state: 'training', protocol: testing },
      { campaignId: verified.campaignId, protocolHash: hashOf(verified), role: 'training', state: 'training', protocol: verified },
    ],
  });
  // This suite tries the rules that hold whatever the coefficients (one computation per round, rounds
  // forward, budgets, differencing, the locked model) on a plain protocol's later rounds, so its site
  // trusts the coordinator with those coefficients, as an operator may choose in site.yaml.
  // hostileCoefficients.test.ts is the attack on the default, which refuses them.
  writeFileSync(join(dir, 'site.yaml'), siteYaml(port, [
    { name: 'all', features: site.featuresCsv, outcome: site.outcomeCsv },
    { name: 'minus-one', features: join(minus1, 'features.csv'), outcome: join(minus1, 'outcome.csv') },
    { name: 'minus-five', features: join(minus5, 'features.csv'), outcome: join(minus5, 'outcome.csv') },
  ], ['trustCoordinatorCoefficients: true']));
  const config = loadSiteConfig(join(dir, 'site.yaml'));
  const store = new SiteStore(config.database);
  store.approve(hashOf(training), 'site-a operator');
  store.approve(hashOf(testing), 'site-a operator');
  store.approve(hashOf(verified), 'site-a operator');
  store.close();
  daemon = startDaemon();
  await coordinator.waitFor((fr) => fr.type === 'site-hello');
}, 120_000);

afterAll(() => tearDown(daemon, coordinator, dir));

function startDaemon(): SiteDaemon {
  const d = new SiteDaemon(loadSiteConfig(join(dir, 'site.yaml')), { log: () => {} });
  d.start();
  return d;
}

const zeros = () => [{ name: 'coef', shape: [features.length + 1], data: new Array(features.length + 1).fill(0) }];

function trainJob(round: number, coef: number[] | null, opts: { attempt?: number; jobId?: string; protocol?: CampaignProtocol } = {}) {
  const protocol = opts.protocol ?? training;
  return {
    type: 'job', jobId: opts.jobId ?? `${protocol.campaignId}/r${round}/site-a`, campaignId: protocol.campaignId, protocolHash: hashOf(protocol), siteId: 'site-a',
    kind: 'train-round', attempt: opts.attempt ?? 1, round, deadline: new Date(Date.now() + 60000).toISOString(), nonce: (++nonce).toString(16).padStart(64, '0'),
    params: {
      kind: 'train-round', round, strategy: protocol.training.strategy, model: protocol.model, features,
      globalParameters: coef ? [{ name: 'coef', shape: [coef.length], data: coef }] : zeros(),
    },
  };
}

function otherJob(kind: 'extract' | 'evaluate', jobId: string, params: Record<string, unknown>) {
  return {
    type: 'job', jobId, campaignId: testing.campaignId, protocolHash: hashOf(testing), siteId: 'site-a', kind, attempt: 1,
    deadline: new Date(Date.now() + 60000).toISOString(), nonce: (++nonce).toString(16).padStart(64, '0'), params: { kind, ...params },
  };
}

const featureConfig = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/feature-config/valid-defaults.json'), 'utf8'));
const cards = new Map<string, ModelCard>();
let modelSigner: { keyPem: string; certPem: string };
const evaluate = (jobId: string, onnx: Uint8Array) => {
  const modelCard = cards.get(sha256Hex(onnx))!;
  return otherJob('evaluate', jobId, {
    modelHash: sha256Hex(onnx), modelOnnxBase64: Buffer.from(onnx).toString('base64'), modelCard, modelSignature: signModel(onnx, modelCard, modelSigner.keyPem, modelSigner.certPem), bootstrapReplicates: 20, seed: 1,
  });
};
const refusal = (frame: Frame) => frame.result as { type: string; code: string; message: string; tensors?: unknown };

/** Nothing the site sent names a patient or carries a number only one patient has. */
function nothingPerPatientLeft(): void {
  const sent = JSON.stringify(coordinator.frames);
  for (const id of all.ids) expect(sent).not.toContain(id);
  const last = all.x[all.x.length - 1];
  for (const v of last) expect(sent).not.toContain(String(v));
}

describe('a hostile coordinator against a real site daemon', () => {
  it('takes the site\'s role from the approved protocol: a test site trains nothing, whatever the welcome says', async () => {
    const answer = await coordinator.ask(trainJob(0, null, { protocol: testing }));
    expect(refusal(answer)).toMatchObject({ type: 'error-report', code: 'JOB_OUTSIDE_PROTOCOL', retryable: false });
    expect(refusal(answer).message).toMatch(/test site of the campaign; it trains nothing/);
    nothingPerPatientLeft();
  });

  it('starts training from the protocol\'s own initial parameters, not crafted coefficients', async () => {
    const crafted = [0, 1000, 0, 0].slice(0, features.length + 1);
    const answer = await coordinator.ask(trainJob(0, crafted));
    expect(refusal(answer)).toMatchObject({ code: 'JOB_OUTSIDE_PROTOCOL' });
    expect(refusal(answer).message).toMatch(/round 0's global parameters are not the protocol's initial parameters/);
    nothingPerPatientLeft();
  });

  it('computes each round once: a re-sent job (new attempt, other coefficients) gets the stored answer; other ids, and earlier rounds, are refused', async () => {
    const r0 = await coordinator.ask(trainJob(0, null));
    expect(r0.result).toMatchObject({ kind: 'train-round', round: 0, sampleCount: 60, contents: 'gradient-hessian' });
    // As after a coordinator restart: the same job, attempt 2, now at crafted coefficients. The
    // site does not compute again; it re-signs what it answered.
    const again = await coordinator.ask(trainJob(0, [0, 5, -5, 5].slice(0, features.length + 1), { attempt: 2 }));
    expect(again.attempt).toBe(2);
    expect(again.result).toEqual(r0.result);

    const r1 = await coordinator.ask(trainJob(1, [0.1, 0.2, 0.3, 0.4].slice(0, features.length + 1)));
    expect(r1.result).toMatchObject({ round: 1, contents: 'gradient-hessian' });
    const r1b = await coordinator.ask(trainJob(1, [0.1, 9, 0.3, 0.4].slice(0, features.length + 1), { attempt: 2 }));
    expect(r1b.result).toEqual(r1.result);
    // A second computation of round 1 under another id, or a path for an id: refused before anything runs.
    for (const jobId of ['hostile-train/r1/site-a/2', 'hostile-train/r1/site-a/../../../etc', '../hostile-train/r1/site-a']) {
      const bad = await coordinator.ask(trainJob(1, [0.1, 9, 0.3, 0.4].slice(0, features.length + 1), { jobId }));
      expect(refusal(bad)).toMatchObject({ code: 'JOB_ID_INVALID', retryable: false });
    }
    // Round 3, then an unanswered earlier round at new coefficients: rounds only go forward.
    const r3 = await coordinator.ask(trainJob(3, [0, 0.5, 0.5, 0.5].slice(0, features.length + 1)));
    expect(r3.result).toMatchObject({ round: 3 });
    const r2 = await coordinator.ask(trainJob(2, [0, 7, 7, 7].slice(0, features.length + 1)));
    expect(refusal(r2)).toMatchObject({ code: 'ROUND_OUT_OF_ORDER', retryable: false });
    expect(refusal(r2).tensors).toBeUndefined();
    nothingPerPatientLeft();
  });

  it('refuses summaries over a cohort one patient away from one it answered, and counts summaries against the protocol\'s budget', async () => {
    const first = await coordinator.ask(otherJob('extract', 'hostile-eval/extract/site-a', { featureConfig, cohort: 'all' }));
    expect(first.result).toMatchObject({ kind: 'extract', patientCount: 60 });
    // All but one patient: the difference of the two means would be that patient's features.
    const minusOne = await coordinator.ask(otherJob('extract', 'hostile-eval/extract/site-a/2', { featureConfig, cohort: 'minus-one' }));
    expect(refusal(minusOne)).toMatchObject({ code: 'COHORT_DIFFERENCE_TOO_SMALL', retryable: false });
    // Five away is the minimum cohort size: that difference rests on five patients, which is allowed.
    const minusFive = await coordinator.ask(otherJob('extract', 'hostile-eval/extract/site-a/3', { featureConfig, cohort: 'minus-five' }));
    expect(minusFive.result).toMatchObject({ kind: 'extract', patientCount: 55 });
    // jobBudget.summaries is 2, and two were answered.
    const third = await coordinator.ask(otherJob('extract', 'hostile-eval/extract/site-a/4', { featureConfig, cohort: 'all' }));
    expect(refusal(third)).toMatchObject({ code: 'JOB_BUDGET_SPENT' });
    // The training campaign's rounds ran over cohort "all" too: its summary budget is its own, but the differencing check is site-wide.
    const trainSideJob = { ...otherJob('extract', 'hostile-train/extract/site-a', { featureConfig, cohort: 'minus-one' }), campaignId: 'hostile-train', protocolHash: hashOf(training) };
    const trainSide = await coordinator.ask(trainSideJob);
    expect(refusal(trainSide)).toMatchObject({ code: 'COHORT_DIFFERENCE_TOO_SMALL' });
    // The one patient's exact feature values are nowhere in what left.
    nothingPerPatientLeft();
    expect(JSON.stringify(coordinator.frames)).not.toContain(removed);
  });

  it('re-measures patients only as the approved protocol\'s reproducibility step says: a campaign without one, or a test site, gets nothing', async () => {
    const reproducibilityJob = (protocol: CampaignProtocol) => ({
      type: 'job', jobId: `${protocol.campaignId}/reproducibility/site-a`, campaignId: protocol.campaignId, protocolHash: hashOf(protocol), siteId: 'site-a', kind: 'reproducibility', attempt: 1,
      deadline: new Date(Date.now() + 60000).toISOString(), nonce: (++nonce).toString(16).padStart(64, '0'),
      // Perturbations of the coordinator's choosing: each one more measurement of the same patients.
      params: { kind: 'reproducibility', source: 'perturbations', perturbations: ['none', 'noise:1', 'noise:2', 'noise:3'], featureConfig, featureConfigHash: canonicalHash(featureConfig), cohort: 'all' },
    });
    const noStep = await coordinator.ask(reproducibilityJob(training));
    expect(refusal(noStep)).toMatchObject({ code: 'JOB_OUTSIDE_PROTOCOL', message: expect.stringContaining('the protocol has no reproducibility step') });
    const atTestSite = await coordinator.ask(reproducibilityJob(testing));
    expect(refusal(atTestSite)).toMatchObject({ code: 'JOB_OUTSIDE_PROTOCOL' });
    nothingPerPatientLeft();
  });

  it('evaluates only the campaign\'s locked model, within its budget, and never turns a job id into a path', async () => {
    const locked = await coordinator.ask(evaluate('hostile-eval/eval/site-a', lockedOnnx));
    expect(locked.result).toMatchObject({ type: 'evaluation-report', modelSha256: sha256Hex(lockedOnnx), patientCount: 60 });
    const crafted = await coordinator.ask(evaluate('hostile-eval/eval/site-a/2', craftedOnnx));
    expect(refusal(crafted)).toMatchObject({ code: 'MODEL_NOT_LOCKED', retryable: false });
    const traversal = await coordinator.ask(evaluate('hostile-eval/eval/../../../../tmp/x', lockedOnnx));
    expect(refusal(traversal)).toMatchObject({ code: 'JOB_ID_INVALID' });
    const second = await coordinator.ask(evaluate('hostile-eval/eval/site-a/3', lockedOnnx));
    expect(second.result).toMatchObject({ type: 'evaluation-report' });
    const overBudget = await coordinator.ask(evaluate('hostile-eval/eval/site-a/4', lockedOnnx));
    expect(refusal(overBudget)).toMatchObject({ code: 'JOB_BUDGET_SPENT' });
    // The site's own prediction files sit in folders named by a hash, never by the coordinator's id.
    expect(readdirSync(join(dir, 'jobs')).every((name) => /^evaluate-[0-9a-f]{32}$/.test(name))).toBe(true);
    nothingPerPatientLeft();
  });

  it('runs nothing whose numbers are not finite (1e400 reads as Infinity)', async () => {
    const job = trainJob(4, [0, 0, 0, 0].slice(0, features.length + 1));
    const from = coordinator.frames.length;
    coordinator.sendText(JSON.stringify(job).replace('"data":[0,0', '"data":[1e400,0'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(coordinator.frames.slice(from).some((fr) => fr.type === 'job-result')).toBe(false);
    // Round 4 was not spent by it: the honest job of that round still runs.
    const honest = await coordinator.ask(trainJob(4, [0, 0, 0, 0].slice(0, features.length + 1)));
    expect(honest.result).toMatchObject({ round: 4, contents: 'gradient-hessian' });
  });

  it('with shared site updates, refuses a round at coefficients that do not follow from the last round\'s signed updates, and answers the honest step', async () => {
    const start = trainingMethod(verified).initialState();
    const r0 = await coordinator.ask(trainJob(0, null, { protocol: verified }));
    expect(r0.result).toMatchObject({ round: 0, contents: 'gradient-hessian' });
    // The daemon's answer names the state it verified for round 0 (answerBasis.ts); the other sites verify the same one.
    const basis = (r0.result as { basis?: string }).basis;
    expect(basis).toBe(trainingBasis({ round: 0, parameters: start.parameters, server: start.server, pinned: { features, model: verified.model, harmonizationHash: null, cohort: null } }));
    // Round 0's transcript: site-a's update as it signed it, and site-b's and site-c's, signed by their keys.
    const { signature, ...unsigned } = r0 as Frame & { signature: { value: string } };
    const own = { signed: canonicalJson(unsigned), signature: signature.value, certificatePem: siteCertPem };
    const updates: Record<string, unknown> = { 'site-a': r0.result };
    const signedPeer = (siteId: string, update: { tensors: Tensor[] }, at: string | undefined) => {
      const body = { type: 'job-result', jobId: `hostile-verified/r0/${siteId}`, campaignId: 'hostile-verified', siteId, protocolHash: hashOf(verified), kind: 'train-round', attempt: 1, round: 0, nonce: 'ab'.repeat(32), completedAt: new Date().toISOString(), result: { ...update, tensors: update.tensors.map((t) => packTensor(t)), ...(at ? { basis: at } : {}) } };
      const text = canonicalJson(body);
      return { signed: text, signature: sign('sha256', Buffer.from(text, 'utf8'), peerSigners[siteId].keyPem).toString('base64'), certificatePem: peerSigners[siteId].certPem };
    };
    const peers = await Promise.all(['site-b', 'site-c'].map(async (siteId) => {
      const update = await trainingSiteStep({ kind: 'train-round', round: 0, strategy: 'exact-newton', model: verified.model, features, globalParameters: start.parameters }, peerRows[siteId]);
      updates[siteId] = update;
      return signedPeer(siteId, update, basis);
    }));
    const transcript = { round: 0, results: [own, ...peers], failures: [] };
    // The honest step, as the coordinator computes it.
    const decoded = (u: unknown) => ({ ...(u as object), tensors: (u as { tensors: Array<Tensor | PackedTensor> }).tensors.map((t) => ('f64le' in t ? unpackTensor(t) : t)) });
    const next = trainingMethod(verified).aggregate(start, ['site-a', 'site-b', 'site-c'].map((siteId) => ({ siteId, update: decoded(updates[siteId]) as never })), []).state.parameters;
    const withTranscript = (coef: number[]) => {
      const j = trainJob(1, coef, { protocol: verified });
      return { ...j, params: { ...j.params, transcript } };
    };
    // Crafted coefficients, with a genuine transcript: refused.
    const crafted = await coordinator.ask(withTranscript([0, 40, -40, 40].slice(0, features.length + 1)));
    expect(refusal(crafted)).toMatchObject({ code: 'TRAJECTORY_MISMATCH', retryable: false });
    expect(refusal(crafted).message).toMatch(/do not follow from round 0's signed updates/);
    // A transcript that drops site-b's update without calling it failed does not justify the honest step either.
    const partialJob = withTranscript(next[0].data);
    partialJob.params.transcript = { ...transcript, results: [own, peers[1]] };
    const partial = await coordinator.ask(partialJob);
    expect(refusal(partial)).toMatchObject({ code: 'TRAJECTORY_MISMATCH' });
    // site-b's update as it would sign it had it been shown round 0 under another λ (its own checks pass that job), or with no basis: refused by name.
    const elsewhere = trainingBasis({ round: 0, parameters: start.parameters, server: start.server, pinned: { features, model: { ...verified.model, lambda: 0.5 }, harmonizationHash: null, cohort: null } });
    for (const at of [elsewhere, undefined]) {
      const rebasedJob = withTranscript(next[0].data);
      rebasedJob.params.transcript = { ...transcript, results: [own, signedPeer('site-b', updates['site-b'] as { tensors: Tensor[] }, at), peers[1]] };
      const rebased = await coordinator.ask(rebasedJob);
      expect(refusal(rebased)).toMatchObject({ code: 'TRAJECTORY_MISMATCH' });
      expect(refusal(rebased).message).toContain(`site-b's answer to round 0 was computed at ${at ? `basis ${at}` : 'no basis'}, not at the state this site verified for it (basis ${basis})`);
    }
    // The honest step runs.
    const honest = await coordinator.ask(withTranscript(next[0].data));
    expect(honest.result).toMatchObject({ round: 1, contents: 'gradient-hessian', sampleCount: 60 });
    nothingPerPatientLeft();
  });

  it('keeps its ledger across a restart: the earlier round stays refused and the answered one is re-sent as stored', async () => {
    await daemon.stop();
    const from = coordinator.frames.length;
    daemon = startDaemon();
    await coordinator.waitFor((fr) => fr.type === 'site-hello', from);
    expect(refusal(await coordinator.ask(trainJob(2, [0, 1, 1, 1].slice(0, features.length + 1))))).toMatchObject({ code: 'ROUND_OUT_OF_ORDER' });
    const r3 = coordinator.frames.find((fr) => fr.type === 'job-result' && fr.jobId === 'hostile-train/r3/site-a')!;
    const resent = await coordinator.ask(trainJob(3, [0, 3, 3, 3].slice(0, features.length + 1), { attempt: 2 }));
    expect(resent.result).toEqual(r3.result);
    expect(refusal(await coordinator.ask(evaluate('hostile-eval/eval/site-a/5', craftedOnnx)))).toMatchObject({ code: 'MODEL_NOT_LOCKED' });
    nothingPerPatientLeft();
  });
});
