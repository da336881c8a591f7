import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, stepOutput } from '@fedrad/coordinator';
import { loadSiteConfig, SiteStore } from '@fedrad/site-node';
import { CampaignWorld, protocolFor } from './campaignWorld.js';
import { originalScaleCoefficients } from './onnxCoefficients.js';
import { runFedrad } from './processes.js';

// Issue #12 items 3–4 as steps of a campaign across processes: one coordinator, three training
// site nodes and a test site, feature tables. The protocol's selection and tuning sections make
// the coordinator send select and tune-round jobs, which the real site nodes answer; the features
// kept and the λ chosen must be those of `fedrad select --sites` and `fedrad tune --sites` run by
// hand on the pooled rows with the same partitions (the local twins, checked against R's glmnet in
// their own tests), and the model trained, locked and evaluated must be `fedrad train`'s central
// fit of those features at that λ. The protocol shares site updates (issue #16): every training site
// checks each tuning exchange after an α's grid step against the previous exchange's signed answers
// (apps/site-node's exchangeTrajectory.ts), so the honest campaign runs through with every one verified.
const CAMPAIGN = 'e2e-select-tune';
const TRAINING = ['site-a', 'site-b', 'site-c'];
let world: CampaignWorld;
let dir: string;

beforeAll(async () => {
  world = CampaignWorld.ofFeatureTables('fedrad-e2e-select-', CAMPAIGN, 'site-a=70,site-b=55,site-c=65,site-test=60', 6, 11);
  dir = world.dir;
  // Every round and exchange of the protocol is checked at the sites (shareSiteUpdates): no site opts in to trusting the coordinator.
  await world.start();
}, 120000);

afterAll(async () => {
  await world?.close();
});

/** The training sites' rows in one table (and its id,site partition), keeping `columns` (all when absent). */
function pooled(name: string, file: 'featuresCsv' | 'outcomeCsv', columns?: string[]): string {
  const tables = world.cohorts.sites.filter((s) => TRAINING.includes(s.siteId)).map((s) => readFileSync(s[file], 'utf8').trim().split('\n').map((l) => l.split(',')));
  const header = tables[0][0];
  const keep = columns ? [0, ...columns.map((c) => header.indexOf(c))] : header.map((_, j) => j);
  const out = join(dir, name);
  writeFileSync(out, [header, ...tables.flatMap((t) => t.slice(1))].map((r) => keep.map((j) => r[j]).join(',')).join('\n') + '\n');
  return out;
}

describe('selection and tuning steps across processes', () => {
  it('keep the features and choose the λ of the local twins (to 1e-10); training, lock and evaluation use them', async () => {
    const features = world.cohorts.features;
    const protocol = {
      ...protocolFor(CAMPAIGN, features, TRAINING, ['site-test'], { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 30, shareSiteUpdates: true }, { family: 'lasso-logistic', standardize: true }),
      selection: { fdr: 0.05, maxCorrelation: 0.8 },
      tuning: { cv: 'leave-one-site-out', nlambda: 10, lambdaMinRatio: 0.05, rule: 'min' },
    };
    const hash = await world.createCampaign(protocol);
    await Promise.all([...TRAINING, 'site-test'].map((site) => world.approve(site, hash)));
    await world.client.campaigns.start({ campaignId: CAMPAIGN });
    const status = await world.waitForState(CAMPAIGN, ['completed'], 150000);
    expect(status.plan.map((s) => [s.phase, s.state])).toEqual(['selection', 'tuning', 'training', 'lock', 'evaluation', 'report'].map((p) => [p, 'done']));

    const db = openStore(join(dir, 'coordinator', 'coordinator.sqlite'), { readonly: true });
    const selection = stepOutput<{ features: string[] }>({ db } as never, CAMPAIGN, 'selection')!;
    const tuning = stepOutput<{ lambda: number; lambdaMin: number; lambda1se: number; cvm: number[] }>({ db } as never, CAMPAIGN, 'tuning')!;
    const tuneRounds = (db.prepare('SELECT round FROM tuning_rounds WHERE campaign_id = ? ORDER BY round').all(CAMPAIGN) as Array<{ round: number }>).map((r) => r.round);
    db.close();
    // Each training site's own record of the cross-validation states it verified: one per tuning exchange (the one α's chain).
    expect(tuneRounds.length).toBeGreaterThan(10);
    for (const siteId of TRAINING) {
      const store = new SiteStore(loadSiteConfig(world.sites.get(siteId)!.config).database);
      try {
        for (const r of tuneRounds) expect([siteId, r, store.verifiedExchange(CAMPAIGN, 'tuning/0', r) !== undefined]).toEqual([siteId, r, true]);
      } finally {
        store.close();
      }
    }
    expect(status.plan[0].outputHash).toBe(selection.outputHash);

    // The local twins, by hand, on the pooled rows partitioned by site.
    const sites = join(dir, 'sites.csv');
    writeFileSync(sites, ['id,site', ...world.cohorts.sites.filter((s) => TRAINING.includes(s.siteId)).flatMap((s) => readFileSync(s.featuresCsv, 'utf8').trim().split('\n').slice(1).map((l) => `${l.split(',')[0]},${s.siteId}`))].join('\n') + '\n');
    const outcome = pooled('pooled-outcome.csv', 'outcomeCsv');
    await runFedrad(['select', '--features', pooled('pooled-features.csv', 'featuresCsv'), '--outcome', outcome, '--sites', sites, '--fdr', '0.05', '--max-correlation', '0.8', '--out', join(dir, 'selected.json')], world.logDir, 'select-by-hand');
    const selected = JSON.parse(readFileSync(join(dir, 'selected.json'), 'utf8')) as { features: string[] };
    expect(selection.output.features).toEqual(selected.features);
    expect(selected.features.length).toBeGreaterThan(0);
    expect(selected.features.length).toBeLessThan(features.length); // a real choice: some features went
    const kept = pooled('pooled-selected.csv', 'featuresCsv', selected.features);
    await runFedrad(['tune', '--features', kept, '--outcome', outcome, '--sites', sites, '--model', 'lasso-logistic', '--cv', 'leave-one-site-out', '--nlambda', '10', '--lambda-min-ratio', '0.05', '--out', join(dir, 'cv.json')], world.logDir, 'tune-by-hand');
    const cv = JSON.parse(readFileSync(join(dir, 'cv.json'), 'utf8')) as { lambdaMin: number; lambda1se: number; cvm: number[] };
    expect(Math.abs(tuning.output.lambdaMin - cv.lambdaMin)).toBeLessThan(1e-10);
    expect(Math.abs(tuning.output.lambda1se - cv.lambda1se)).toBeLessThan(1e-10);
    tuning.output.cvm.forEach((v, l) => expect(Math.abs(v - cv.cvm[l])).toBeLessThan(1e-10));
    expect(tuning.output.lambda).toBe(tuning.output.lambdaMin);

    // The locked model: `fedrad train`'s central fit of the kept features at the tuned λ, to 1e-6.
    const central = join(dir, 'central.onnx');
    await runFedrad(['train', '--features', kept, '--outcome', outcome, '--model', 'lasso-logistic', '--lambda', String(tuning.output.lambda), '--out', central], world.logDir, 'central-train');
    const reference = originalScaleCoefficients(new Uint8Array(readFileSync(central)));
    const coef = (status.model!.parameters as Array<{ name: string; data: number[] }>).find((t) => t.name === 'coef')!.data;
    expect(coef).toHaveLength(selected.features.length + 1);
    coef.forEach((v, k) => expect(Math.abs(v - reference[k])).toBeLessThan(1e-6));
    const onnx = await world.client.campaigns.modelOnnx({ campaignId: CAMPAIGN });
    expect(originalScaleCoefficients(new Uint8Array(Buffer.from(onnx!.base64, 'base64')))).toHaveLength(selected.features.length + 1);
    // The held-out site evaluated that model on its own patients.
    expect(status.evaluations.map((e) => (e.report as { siteId: string; patientCount: number }).patientCount)).toEqual([60]);
    // The signed model card says which steps made the model.
    const card = status.modelRelease!.card.campaign!;
    expect(card.features?.map((f) => f.name)).toEqual(selected.features);
    expect(card.selection).toContain(`campaign selection step (output ${selection.outputHash}): ${selected.features.length} feature(s) kept`);
    expect(card.tuning).toContain(`lambda ${tuning.output.lambda} (lambda.min`);
  }, 240000);
});
