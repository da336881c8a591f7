import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate } from '@fedrad/pki';
import { assertValid, sha256Hex, type EvaluateParams, type JobEnvelope, type JobResult, type ModelCard } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext, ModelExporter } from '../src/core/context.js';
import { cardFeatures } from '../src/core/phases/modelCardFacts.js';
import { attest } from '../src/core/report/attestations.js';
import { campaignReport } from '../src/core/report/campaignReport.js';
import { acceptResult } from '../src/core/results.js';
import { campaignStatus } from '../src/core/status.js';
import { recordStepOutput } from '../src/core/stepOutputs.js';
import { listAudit } from '../src/store/auditLog.js';
import { openStore } from '../src/store/openStore.js';
import { answerTrainJob, glmFixture, makeSite, protocolFor, signResult, type FakeSite } from './fakeSites.js';

// The report phase ends every campaign: the study report made from the store, with the RQS and
// METRICS scored from the campaign's provenance (its plan's step outputs, the test sites'
// evaluations, the signed model), kept and served read-only.
const here = dirname(fileURLToPath(import.meta.url));
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c', 'site-t1', 'site-t2', 'site-t3'].map((s) => [s, makeSite(s)]));
const example = JSON.parse(readFileSync(join(here, '../../../protocols/examples/evaluation-report/valid-binary-site.json'), 'utf8')) as JobResult['result'];
const exportModel: ModelExporter = (_p, parameters) => new TextEncoder().encode(`onnx:${JSON.stringify(parameters)}`);
const cardExample = JSON.parse(readFileSync(join(here, '../../../protocols/examples/model-card/valid-lasso.json'), 'utf8')) as ModelCard;

function signingContext(): CoreContext {
  const ca = createCampaignCa({ campaignId: 'report', validityDays: 30 });
  const { keyPem, csrPem } = createSiteKeyAndCsr('coordinator');
  const certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays: 30 });
  return {
    db: openStore(':memory:'),
    clock: () => new Date('2026-12-06T12:00:00Z'),
    exportModel,
    describeModel: (_p, _params, _info, onnx) => ({ ...cardExample, modelSha256: sha256Hex(onnx) }),
    modelSigner: { keyPem, certPem, softwareVersion: '9.9.9' },
  };
}

/** Training sites answer their jobs; each test site answers its evaluate job with the example report. */
async function run(ctx: CoreContext, queue: JobEnvelope[]): Promise<void> {
  while (queue.length > 0) {
    const job = queue.shift()!;
    const answer =
      job.kind === 'train-round'
        ? await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job)
        : signResult(sites[job.siteId], { type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind, attempt: job.attempt, nonce: job.nonce, completedAt: '2026-12-06T12:00:00Z', result: example });
    const out = acceptResult(ctx, sites[job.siteId].peer, answer);
    expect(out.ack.status).toBe('accepted');
    queue.push(...out.send);
  }
}

// Step outputs in the agreed shapes, as the reproducibility, harmonisation and selection steps record them.
const reproducibility = {
  kept: ['f1', 'f2', 'f3', 'f4'],
  dropped: [{ feature: 'f5', icc: 0.41, lower: 0.22 }],
  form: 'ICC(3,1)',
  threshold: 0.75,
  on: 'lower',
  iccs: [0.93, 0.88, 0.81, 0.79, 0.41].map((icc, i) => ({ feature: `f${i + 1}`, icc })),
};
const selection = { features: ['f1', 'f2'], steps: [{ method: 'univariate-auc' }, { method: 'correlation-filter', threshold: 0.9 }] };
const siteSummaries = ['site-a', 'site-b', 'site-c', 'site-t1', 'site-t2', 'site-t3'].map((siteId, s) => ({
  siteId,
  features: ['f1', 'f2'].map((name, f) => ({ name, n: 20 + s, before: { mean: 10 * s + f, sd: 1 + s / 10 }, after: { mean: 0.5 * f, sd: 1 } })),
}));
// The harmonisation step's own fields (core/phases/harmonizationEstimates.ts) and the per-site summaries the report draws.
const harmonization = { method: 'combat', options: {}, features: ['f1', 'f2'], estimatedFrom: ['site-a', 'site-b', 'site-c'], sites: [], fittedOn: 'training-sites', siteSummaries };

const rqsPoints = (rqs: { items: Array<{ item: number; points: number }> }) => Object.fromEntries(rqs.items.map((i) => [i.item, i.points]));

describe('the report phase', () => {
  it('ends the campaign with a stored report: RQS from the step outputs and evaluations, distributions, ICCs, TRIPOD+AI and the signed card', async () => {
    const ctx = signingContext();
    createCampaign(ctx, protocolFor({ campaignId: 'full', testSites: ['site-t1', 'site-t2', 'site-t3'] }));
    recordStepOutput(ctx, 'full', 'reproducibility', reproducibility);
    recordStepOutput(ctx, 'full', 'harmonization', harmonization);
    recordStepOutput(ctx, 'full', 'selection', selection);
    await run(ctx, startCampaign(ctx, 'full'));
    const status = campaignStatus(ctx, 'full');
    expect([status.state, status.phase]).toEqual(['completed', 'report']);
    expect(status.plan.at(-1)).toMatchObject({ phase: 'report', state: 'done' });

    const report = (await campaignReport(ctx, 'full'))!;
    // Lambin et al. 2017, Table 1, read off what this campaign did: 2 segmentations (item 2: +1); selection 4 → 2
    // features (5: +3); the thresholds came with the model card (8: +1); AUC and calibration with 500 bootstrap
    // replicates (9, 10: +2 each); three distinct external institutions (12: +5); the clinical baseline compared
    // (13: +2); decision curves (14: +2). No feature config pinned (1: 0), no phantom (3), one time point (4),
    // no clinical variables (6), nothing attested (7, 11, 15, and 16's parts), no code repository recorded (16).
    expect(rqsPoints(report.rqs!)).toEqual({ 1: 0, 2: 1, 3: 0, 4: 0, 5: 3, 6: 0, 7: 0, 8: 1, 9: 2, 10: 2, 11: 0, 12: 5, 13: 2, 14: 2, 15: 0, 16: 0 });
    expect([report.rqs!.total, report.rqs!.percentage]).toEqual([18, 50]);
    expect(report.rqs!.items.find((i) => i.item === 2)!.evidence).toContain('ICC(3,1)');
    expect(report.rqs!.items.find((i) => i.item === 5)!.evidence).toBe('selection (univariate-auc → correlation-filter): 4 → 2 features');
    assertValid('rqs-checklist', report.rqs);
    assertValid('metrics-score', report.metrics);
    assertValid('campaign-provenance', report.provenance);
    expect(report.provenance!.harmonization).toEqual({ method: 'combat', fittedOn: 'training-sites' });
    expect(report.provenance!.selection).toMatchObject({ featuresBefore: 4, featuresAfter: 2, redundancyRemoved: true });

    const ids = report.json.sections.map((s) => s.id);
    expect(ids).toEqual(['sites', 'discrimination', 'meta-analysis', 'distributions', 'icc', 'rqs', 'metrics', 'tripod', 'model-card']);
    expect(report.json.notDrawn).toEqual([]);
    // The distributions are the step's per-site summaries, both stages; the ICCs every feature's.
    const distributions = report.json.sections.find((s) => s.id === 'distributions')!.data as Array<{ siteId: string; feature: string; stage: string; mean: number; sd: number }>;
    expect(distributions).toHaveLength(6 * 2 * 2);
    expect(distributions.find((d) => d.siteId === 'site-t2' && d.feature === 'f2' && d.stage === 'before')).toMatchObject({ mean: 41, sd: 1.4 });
    expect(distributions.find((d) => d.siteId === 'site-t2' && d.feature === 'f2' && d.stage === 'after')).toMatchObject({ mean: 0.5, sd: 1 });
    expect(report.json.sections.find((s) => s.id === 'icc')!.data).toEqual(reproducibility.iccs);
    expect(report.html).toContain('<section id="tripod">');
    expect(report.html).toMatch(/<figure data-plot="Feature distributions per site">\s*<svg/);

    // The signed card: each training site's patients are the rows it trained on (its signed sampleCount).
    const card = report.json.sections.find((s) => s.id === 'model-card')!.data as ModelCard;
    expect(card.campaign!.sites).toEqual([
      ...['site-a', 'site-b', 'site-c'].map((siteId) => ({ siteId, role: 'training', patientCount: glmFixture.sites[siteId].y.length })),
      ...['site-t1', 'site-t2', 'site-t3'].map((siteId) => ({ siteId, role: 'test' })),
    ]);
    // Read-only and kept: the second read is the stored page, not a new rendering.
    const again = (await campaignReport(ctx, 'full'))!;
    expect([again.html === report.html, again.renderedAt]).toEqual([true, report.renderedAt]);
    expect(listAudit(ctx.db, { campaignId: 'full' }).find((e) => e.event === 'report.recorded')!.details).toMatchObject({ rqsTotal: 18 });
  });

  it('a campaign without those steps and with one test site loses the points they earn', async () => {
    const ctx = signingContext();
    createCampaign(ctx, protocolFor({ campaignId: 'bare', testSites: ['site-t1'] }));
    await run(ctx, startCampaign(ctx, 'bare'));
    const report = (await campaignReport(ctx, 'bare'))!;
    const points = rqsPoints(report.rqs!);
    // No reproducibility step (2: 0); no selection, and the model keeps every feature of the protocol (5: −3);
    // one external institution (12: +3).
    expect([points[2], points[5], points[12]]).toEqual([0, -3, 3]);
    expect(report.rqs!.items.find((i) => i.item === 2)!.evidence).toBe('no reproducibility step ran');
    expect(report.json.sections.map((s) => s.id)).toEqual(['sites', 'discrimination', 'rqs', 'metrics', 'tripod', 'model-card']);
  });

  it('a campaign without test sites is reported too: no validation (RQS 12: −5), and the report says so', async () => {
    const ctx = signingContext();
    createCampaign(ctx, protocolFor({ campaignId: 'internal' }));
    await run(ctx, startCampaign(ctx, 'internal'));
    expect(campaignStatus(ctx, 'internal')).toMatchObject({ state: 'completed', phase: 'report' });
    const report = (await campaignReport(ctx, 'internal'))!;
    expect(rqsPoints(report.rqs!)[12]).toBe(-5);
    expect(report.html).toContain('The protocol names no independent test site: the model was not externally validated.');
  });

  it('never fails the campaign for what it cannot make: an unusable step output leaves the RQS out with the reason', async () => {
    const ctx = signingContext();
    createCampaign(ctx, protocolFor({ campaignId: 'odd', testSites: ['site-t1'] }));
    // An ICC threshold of 2 is outside [0, 1]: the provenance cannot be built from it.
    recordStepOutput(ctx, 'odd', 'reproducibility', { ...reproducibility, threshold: 2 });
    await run(ctx, startCampaign(ctx, 'odd'));
    expect(campaignStatus(ctx, 'odd').state).toBe('completed');
    const report = (await campaignReport(ctx, 'odd'))!;
    expect(report.rqs).toBeNull();
    expect(report.json.sections.map((s) => s.id)).not.toContain('rqs');
    expect(report.html).toMatch(/RQS and METRICS: not scored, the campaign&#39;s provenance could not be built \([\s\S]*iccThreshold/);
  });

  it("counts an operator's attestation of what no software can know, with who and when, and refuses one of a derived item", async () => {
    const ctx = signingContext();
    // Stated in the locked protocol: open scans (RQS 16's first part, +1).
    createCampaign(ctx, { ...protocolFor({ campaignId: 'attested', testSites: ['site-t1'] }), attestations: [{ claim: 'rqs-16.scans', value: true, by: 'study lead', evidence: 'TCIA collection STS-2026' }] });
    attest(ctx, 'attested', { claim: 'rqs-7', value: true, evidence: 'histology correlates, doi:10.1000/example' }, 'dr-lead');
    await run(ctx, startCampaign(ctx, 'attested'));
    const before = (await campaignReport(ctx, 'attested'))!;
    expect(before.rqs!.items.find((i) => i.item === 7)).toMatchObject({ points: 1, source: 'declared', declaredBy: 'dr-lead', declaredAt: '2026-12-06T12:00:00.000Z', declaredIn: 'operator' });
    expect(before.rqs!.items.find((i) => i.item === 11)!.points).toBe(0);
    expect(before.rqs!.items.find((i) => i.item === 16)).toMatchObject({ points: 1, source: 'declared', declaredBy: 'study lead', declaredIn: 'protocol', declaredAt: '2026-12-06T12:00:00.000Z' });
    // After the report step: the report is scored again (Lambin et al. 2017, item 11: +7 for a prospective, registered study).
    attest(ctx, 'attested', { claim: 'rqs-11', value: true, evidence: 'NCT00000000' }, 'dr-lead');
    const after = (await campaignReport(ctx, 'attested'))!;
    expect(after.rqs!.items.find((i) => i.item === 11)!.points).toBe(7);
    expect([after.rqs!.total - before.rqs!.total, after.rqs!.declaredTotal]).toEqual([7, 9]);
    expect(after.html).toContain('NCT00000000');
    // A statement never overrules what the campaign recorded, and is recorded once.
    expect(() => attest(ctx, 'attested', { claim: 'rqs-12', value: true }, 'dr-lead')).toThrow(expect.objectContaining({ code: 'ATTESTATION_NOT_ALLOWED' }));
    expect(() => attest(ctx, 'attested', { claim: 'rqs-11', value: false }, 'someone-else')).toThrow(expect.objectContaining({ code: 'ATTESTATION_EXISTS' }));
    expect(() => attest(ctx, 'attested', { claim: 'rqs-16.scans', value: false }, 'someone-else')).toThrow(/in its locked protocol/);
    expect(listAudit(ctx.db, { campaignId: 'attested' }).filter((e) => e.event === 'campaign.attested').map((e) => [e.actor, e.details.claim])).toEqual([
      ['dr-lead', 'rqs-11'],
      ['dr-lead', 'rqs-7'],
    ]);
  });

  it('is null before the report step and refuses an unknown campaign by name', async () => {
    const ctx = signingContext();
    createCampaign(ctx, protocolFor({ campaignId: 'early' }));
    expect(await campaignReport(ctx, 'early')).toBeNull();
    await expect(campaignReport(ctx, 'nope')).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
  });
});

describe('the model card', () => {
  it('gives each IBSI feature its code from the radiomics catalogue (IBSI reference manual codes), and none to other columns', () => {
    // IBSI 1 reference manual: Volume (mesh) RNU0; Mean (intensity statistics) Q4LE; GLCM joint maximum GYBY.
    expect(cardFeatures(['morph_volume', 'stat_mean', 'cm_joint_max_3D_comb', 'wavelet-coif1-LLH__stat_mean', 'age'])).toEqual([
      { name: 'morph_volume', ibsiCode: 'RNU0' },
      { name: 'stat_mean', ibsiCode: 'Q4LE' },
      { name: 'cm_joint_max_3D_comb', ibsiCode: 'GYBY' },
      { name: 'wavelet-coif1-LLH__stat_mean', ibsiCode: 'Q4LE' },
      { name: 'age' },
    ]);
  });

  it('the evaluate job carries the card with the patients of each training site', async () => {
    const ctx = signingContext();
    createCampaign(ctx, protocolFor({ campaignId: 'card', testSites: ['site-t1'] }));
    const queue = startCampaign(ctx, 'card');
    let evaluate: JobEnvelope | undefined;
    while (!evaluate) {
      const job = queue.shift()!;
      if (job.kind !== 'train-round') evaluate = job;
      else queue.push(...acceptResult(ctx, sites[job.siteId].peer, await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job)).send);
    }
    const card = (evaluate.params as EvaluateParams).modelCard!;
    expect(card.campaign!.sites.filter((s) => s.role === 'training').map((s) => s.patientCount)).toEqual(['site-a', 'site-b', 'site-c'].map((s) => glmFixture.sites[s].y.length));
  });
});
