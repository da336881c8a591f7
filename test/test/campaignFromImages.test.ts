import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalHash } from '@fedrad/protocol';
import { CampaignWorld, protocolFor, TRUST_COORDINATOR_COEFFICIENTS } from './campaignWorld.js';
import { IMAGE_FEATURES, IMAGE_PATIENTS, IMAGE_TEST, IMAGE_TRAINING, concatTables, imageFeatureConfig } from './imageCampaign.js';
import { originalScaleCoefficients } from './onnxCoefficients.js';
import { repoRoot, runFedrad, waitUntil } from './processes.js';

// Issue #13: a campaign that starts from each hospital's images. Four site processes hold NIfTI
// cohorts (scripts/generate-image-cohorts.mjs, each with its own scanner); the coordinator's
// extraction step has each site extract its own images with the protocol's pinned feature config,
// then trains (exact Newton), locks and evaluates at the held-out site. Reference: `fedrad extract`
// run by hand on each training site's images with the same config, pooled, and `fedrad train`;
// and `fedrad simulate` of the same protocol and site folders in one process gives the same results.
const CAMPAIGN = 'e2e-images';
const TRAINING = IMAGE_TRAINING;
const TEST = IMAGE_TEST;
const PATIENTS = IMAGE_PATIENTS;
const featureConfig = imageFeatureConfig;
const FEATURES = IMAGE_FEATURES;

interface ImageSite { siteId: string; dir: string; sliceThickness: number }
let world: CampaignWorld;
let dir: string;
let sites: ImageSite[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fedrad-e2e-images-'));
  const summary = JSON.parse(execFileSync(process.execPath, [join(repoRoot, 'scripts/generate-image-cohorts.mjs'), '--out', join(dir, 'cohorts'), '--patients', String(PATIENTS), '--seed', '5'], { encoding: 'utf8' }));
  sites = (summary.sites as ImageSite[]).filter((s) => [...TRAINING, TEST].includes(s.siteId));
  world = new CampaignWorld(dir, CAMPAIGN, { features: [], sites: [] });
  await world.initCa();
  await world.startCoordinator();
  // About campaigns from images (and their simulation): the training is a plain protocol's, whose later rounds the sites opt in to.
  for (const s of sites) await world.enrolSite(s.siteId, TRUST_COORDINATOR_COEFFICIENTS, { images: join(s.dir, 'manifest.csv'), outcome: join(s.dir, 'outcome.csv') });
  for (const s of sites) world.startSite(s.siteId);
  await world.connected(sites.map((s) => s.siteId));
}, 180000);

afterAll(async () => {
  await world?.stopAll();
  if (process.env.FEDRAD_E2E_KEEP) process.stdout.write(`e2e folder kept: ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
});

describe('a campaign from the sites\' images', () => {
  it('extracts at every site with the pinned config, trains on those features exactly as the pooled hand-extracted fit, and evaluates at the held-out site', async () => {
    const protocol = { ...protocolFor(CAMPAIGN, FEATURES, TRAINING, [TEST], { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 60 }), featureConfig };
    const hash = await world.createCampaign(protocol);
    await Promise.all(sites.map((s) => world.approve(s.siteId, hash)));
    await world.client.campaigns.start({ campaignId: CAMPAIGN });
    const status = await world.waitForState(CAMPAIGN, ['completed'], 150000);

    // Each done step also shows its output hash (campaign_steps); the report step ends every campaign.
    expect(status.plan.map(({ phase, state }) => ({ phase, state }))).toEqual(['extraction', 'training', 'lock', 'evaluation', 'report'].map((phase) => ({ phase, state: 'done' })));
    // Extraction produces nothing (null); the lock, the model it locked.
    expect(status.plan[0].outputHash).toBe(canonicalHash(null));
    expect(status.plan[2].outputHash).toBe(canonicalHash({ modelHash: status.model!.modelHash, onnxSha256: status.model!.onnxSha256 }));
    // Each site's QC: every patient extracted, the pinned config echoed, its own scanner's slices as counts.
    expect(status.extractions.map((e) => e.siteId)).toEqual(sites.map((s) => s.siteId).sort());
    for (const e of status.extractions) {
      const qc = e.result as { patientCount: number; failedCases: number; featureConfigHash: string; acquisition: { sliceSpacing: Array<{ value: string; count: number }> } };
      const site = sites.find((s) => s.siteId === e.siteId)!;
      expect(qc).toMatchObject({ patientCount: PATIENTS, failedCases: 0, featureConfigHash: canonicalHash(featureConfig) });
      expect(qc.acquisition.sliceSpacing).toEqual([{ value: String(site.sliceThickness), count: PATIENTS }]);
    }

    // Reference: the same config run by hand at each training site, pooled, fitted centrally.
    const configFile = join(dir, 'feature-config.json');
    writeFileSync(configFile, JSON.stringify(featureConfig));
    const tables: string[] = [];
    for (const siteId of TRAINING) {
      const site = sites.find((s) => s.siteId === siteId)!;
      const out = join(dir, `${siteId}-by-hand.csv`);
      await runFedrad(['extract', '--manifest', join(site.dir, 'manifest.csv'), '--config', configFile, '--out', out, '--no-progress'], world.logDir, `${siteId}-extract`);
      tables.push(out);
    }
    // The pooled rows, with the protocol's columns only (the by-hand tables hold every feature of the families).
    const concat = concatTables;
    const pooledFeatures = join(dir, 'pooled-features.csv');
    const pooledOutcome = join(dir, 'pooled-outcome.csv');
    writeFileSync(pooledFeatures, concat(tables, FEATURES));
    writeFileSync(pooledOutcome, concat(TRAINING.map((s) => join(sites.find((x) => x.siteId === s)!.dir, 'outcome.csv'))));
    const pooledModel = join(dir, 'pooled.onnx');
    await runFedrad(['train', '--features', pooledFeatures, '--outcome', pooledOutcome, '--model', 'elasticnet-logistic', '--alpha', '0.5', '--lambda', '0.05', '--out', pooledModel], world.logDir, 'pooled-train');
    const pooled = originalScaleCoefficients(new Uint8Array(readFileSync(pooledModel)));
    const coef = (status.model!.parameters as Array<{ name: string; data: number[] }>).find((t) => t.name === 'coef')!.data;
    expect(coef).toHaveLength(FEATURES.length + 1);
    coef.forEach((v, k) => expect(Math.abs(v - pooled[k]) / Math.max(1, Math.abs(pooled[k]))).toBeLessThan(1e-6));

    expect(status.evaluations).toHaveLength(1);
    expect(status.evaluations[0].report).toMatchObject({ siteId: TEST, patientCount: PATIENTS });

    // The same protocol rehearsed with `fedrad simulate` on the same site folders: the same locked model, the same evaluation.
    // A second campaign of the same plan runs in turn on the same simulated sites: it reuses their extracted features and locks the same coefficients.
    const simSites = join(dir, 'simulate-sites');
    mkdirSync(simSites);
    for (const s of sites) symlinkSync(s.dir, join(simSites, s.siteId));
    const protocolFile = join(dir, 'protocol.json');
    writeFileSync(protocolFile, JSON.stringify(protocol));
    const again = { ...protocol, campaignId: `${CAMPAIGN}-again` };
    const againFile = join(dir, 'protocol-again.json');
    writeFileSync(againFile, JSON.stringify(again));
    const printed = await runFedrad(['simulate', '--trust-coordinator-coefficients', '--protocol', protocolFile, '--protocol', againFile, '--sites', simSites, '--out', join(dir, 'simulation')], world.logDir, 'simulate');
    expect(printed).toContain('✓ extraction');
    expect(printed).toContain(`campaign ${CAMPAIGN} completed`);
    expect(printed).toContain(`campaign ${again.campaignId} completed`);
    expect(printed).toContain('the same test patients under each campaign:');
    const simulated = JSON.parse(readFileSync(join(dir, `simulation/results/${CAMPAIGN}/status.json`), 'utf8'));
    expect(simulated.model.modelHash).toBe(status.model!.modelHash);
    expect(simulated.evaluations).toEqual(status.evaluations);
    expect(readFileSync(join(dir, `simulation/results/${CAMPAIGN}/model.onnx`)).equals(Buffer.from((await world.client.campaigns.modelOnnx({ campaignId: CAMPAIGN }))!.base64, 'base64'))).toBe(true);
    // Its results hold the campaign's study report: the sites' extraction summaries drawn per site, the RQS scored from what ran.
    expect(readFileSync(join(dir, `simulation/results/${CAMPAIGN}/report.html`), 'utf8')).toContain('<section id="distributions">');
    expect(JSON.parse(readFileSync(join(dir, `simulation/results/${CAMPAIGN}/rqs.json`), 'utf8')).items).toHaveLength(16);
    const second = JSON.parse(readFileSync(join(dir, `simulation/results/${again.campaignId}/status.json`), 'utf8'));
    expect(second.model.parameters).toEqual(status.model!.parameters);
    expect(second.extractions.map((e: { result: unknown }) => e.result)).toEqual(status.extractions.map((e) => e.result));
  }, 400000);

  it('kill -9 of the coordinator in the middle of the extraction step, then restart: the campaign completes with the same model', async () => {
    const first = await world.client.campaigns.status({ campaignId: CAMPAIGN });
    const campaignId = `${CAMPAIGN}-restart`;
    const protocol = { ...protocolFor(campaignId, FEATURES, TRAINING, [TEST], { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 60 }), featureConfig };
    const hash = await world.createCampaign(protocol);
    await Promise.all(sites.map((s) => world.approve(s.siteId, hash)));
    // Made certain rather than raced for: all sites but site-a are frozen, so the step stays open with one extraction in.
    const frozen = sites.filter((s) => s.siteId !== 'site-a').map((s) => world.sites.get(s.siteId)!.process!);
    for (const p of frozen) p.child.kill('SIGSTOP');
    await world.client.campaigns.start({ campaignId });
    await waitUntil("site-a's extraction", async () => {
      const s = await world.client.campaigns.status({ campaignId });
      return s.extractions.some((e) => e.siteId === 'site-a') ? s : undefined;
    }, 60000);
    expect((await world.client.campaigns.status({ campaignId })).phase).toBe('extraction');
    await world.coordinator!.kill9();
    await world.startCoordinator();
    for (const p of frozen) p.child.kill('SIGCONT');
    const status = await world.waitForState(campaignId, ['completed'], 150000);
    expect(status.extractions.map((e) => e.siteId)).toEqual(sites.map((s) => s.siteId).sort());
    expect(status.jobs.filter((j) => j.kind === 'extract').every((j) => j.state === 'done')).toBe(true);
    const coef = (s: typeof status) => (s.model!.parameters as Array<{ name: string; data: number[] }>).find((t) => t.name === 'coef')!.data;
    expect(coef(status)).toEqual(coef(first));
    expect(await world.client.audit.verify()).toMatchObject({ ok: true });
  }, 240000);
});
