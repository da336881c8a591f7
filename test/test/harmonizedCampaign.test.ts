import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { protocolFor } from './campaignWorld.js';
import { IMAGE_FEATURES, IMAGE_PATIENTS, IMAGE_TEST, IMAGE_TRAINING, concatTables, imageFeatureConfig } from './imageCampaign.js';
import { originalScaleCoefficients } from './onnxCoefficients.js';
import { repoRoot, runFedrad } from './processes.js';

// Issue #12 item 2 in a campaign: `fedrad simulate` (the real coordinator and site code, one
// process) runs a protocol whose analysis plan asks for ComBat on image cohorts with a scanner
// effect per site (scripts/generate-image-cohorts.mjs). Reference: the local twin by hand — `fedrad
// extract` at each training site, `fedrad harmonize --method combat --sites` on those partitions
// (equal to sva::ComBat, packages/harmonize's fixtures), then `fedrad train` on the harmonised
// pooled rows: the campaign's locked coefficients must equal that fit.
const CAMPAIGN = 'harmonised-images';

let dir: string;
let sites: Array<{ siteId: string; dir: string }>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fedrad-harmonised-'));
  const summary = JSON.parse(execFileSync(process.execPath, [join(repoRoot, 'scripts/generate-image-cohorts.mjs'), '--out', join(dir, 'cohorts'), '--patients', String(IMAGE_PATIENTS), '--seed', '5'], { encoding: 'utf8' }));
  sites = (summary.sites as Array<{ siteId: string; dir: string }>).filter((s) => [...IMAGE_TRAINING, IMAGE_TEST].includes(s.siteId));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe('a campaign that harmonises with ComBat', () => {
  it('trains on exactly the rows the local twin `fedrad harmonize --method combat --sites` gives; the test site is harmonised too and evaluates', async () => {
    const logs = join(dir, 'logs');
    const protocol = {
      ...protocolFor(CAMPAIGN, IMAGE_FEATURES, IMAGE_TRAINING, [IMAGE_TEST], { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 60 }),
      featureConfig: imageFeatureConfig,
      analysisPlan: { harmonization: 'combat-federated', harmonizationOptions: { prior: 'parametric' } },
    };
    const simSites = join(dir, 'simulate-sites');
    mkdirSync(simSites);
    for (const s of sites) symlinkSync(s.dir, join(simSites, s.siteId));
    const protocolFile = join(dir, 'protocol.json');
    writeFileSync(protocolFile, JSON.stringify(protocol));
    // About harmonisation: its training is a plain protocol's, whose later rounds the sites opt in to.
    const printed = await runFedrad(['simulate', '--trust-coordinator-coefficients', '--protocol', protocolFile, '--sites', simSites, '--out', join(dir, 'simulation')], logs, 'simulate');
    expect(printed).toContain('✓ harmonization');
    expect(printed).toContain(`campaign ${CAMPAIGN} completed`);
    const status = JSON.parse(readFileSync(join(dir, 'simulation/results/status.json'), 'utf8'));
    expect(status.plan.map((s: { phase: string }) => s.phase)).toEqual(['extraction', 'harmonization', 'training', 'lock', 'evaluation', 'report']);
    const step = status.plan.find((s: { phase: string }) => s.phase === 'harmonization');
    expect(step.outputHash).toMatch(/^[0-9a-f]{64}$/);

    // The local twin by hand on the training sites' own extractions.
    const configFile = join(dir, 'feature-config.json');
    writeFileSync(configFile, JSON.stringify(imageFeatureConfig));
    const tables: string[] = [];
    const siteRows: string[] = ['id,site'];
    for (const siteId of IMAGE_TRAINING) {
      const site = sites.find((s) => s.siteId === siteId)!;
      const out = join(dir, `${siteId}-by-hand.csv`);
      await runFedrad(['extract', '--manifest', join(site.dir, 'manifest.csv'), '--config', configFile, '--out', out, '--no-progress'], logs, `${siteId}-extract`);
      tables.push(out);
      siteRows.push(...readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => `${l.split(',')[0]},${siteId}`));
    }
    const pooledFeatures = join(dir, 'pooled-features.csv');
    const pooledOutcome = join(dir, 'pooled-outcome.csv');
    const sitesCsv = join(dir, 'sites.csv');
    const harmonised = join(dir, 'harmonised.csv');
    writeFileSync(pooledFeatures, concatTables(tables, IMAGE_FEATURES));
    writeFileSync(pooledOutcome, concatTables(IMAGE_TRAINING.map((s) => join(sites.find((x) => x.siteId === s)!.dir, 'outcome.csv'))));
    writeFileSync(sitesCsv, siteRows.join('\n') + '\n');
    await runFedrad(['harmonize', '--method', 'combat', '--features', pooledFeatures, '--sites', sitesCsv, '--out', harmonised], logs, 'harmonize');
    const pooledModel = join(dir, 'pooled.onnx');
    await runFedrad(['train', '--features', harmonised, '--outcome', pooledOutcome, '--model', 'elasticnet-logistic', '--alpha', '0.5', '--lambda', '0.05', '--out', pooledModel], logs, 'pooled-train');
    const pooled = originalScaleCoefficients(new Uint8Array(readFileSync(pooledModel)));
    const coef = (status.model.parameters as Array<{ name: string; data: number[] }>).find((t) => t.name === 'coef')!.data;
    expect(coef).toHaveLength(IMAGE_FEATURES.length + 1);
    coef.forEach((v, k) => expect(Math.abs(v - pooled[k]) / Math.max(1, Math.abs(pooled[k]))).toBeLessThan(1e-6));
    // Unharmonised, the fit differs: the step changed what was trained on.
    const rawModel = join(dir, 'raw.onnx');
    await runFedrad(['train', '--features', pooledFeatures, '--outcome', pooledOutcome, '--model', 'elasticnet-logistic', '--alpha', '0.5', '--lambda', '0.05', '--out', rawModel], logs, 'raw-train');
    const raw = originalScaleCoefficients(new Uint8Array(readFileSync(rawModel)));
    expect(raw.some((v, k) => Math.abs(v - pooled[k]) > 1e-3 * Math.max(1, Math.abs(v)))).toBe(true);

    // Every job after the step named it; the test site evaluated on its own harmonised rows.
    const jobs = status.jobs as Array<{ kind: string; siteId: string; state: string }>;
    expect(jobs.filter((j) => j.kind === 'harmonize').every((j) => j.state === 'done')).toBe(true);
    expect(jobs.filter((j) => j.kind === 'harmonize' && j.siteId === IMAGE_TEST)).toHaveLength(2);
    expect(status.evaluations).toHaveLength(1);
    expect(status.evaluations[0].report).toMatchObject({ siteId: IMAGE_TEST, patientCount: IMAGE_PATIENTS });

    // Issue #14: the report draws each site's distributions before and after harmonisation, from the
    // sites' aggregate answers. Reference: mean and 1/(n−1) SD of each training site's rows in the
    // by-hand extraction (before) and in the twin's harmonised table (after), computed here.
    const report = JSON.parse(readFileSync(join(dir, 'simulation/results/report.json'), 'utf8'));
    const drawn = report.sections.find((x: { id: string }) => x.id === 'distributions').data as Array<{ siteId: string; feature: string; stage: string; n: number; mean: number; sd: number }>;
    const siteOf = new Map(siteRows.slice(1).map((l) => l.split(',') as [string, string]));
    const columnStats = (file: string, siteId: string, feature: string) => {
      const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
      const j = header.split(',').indexOf(feature);
      const v = lines.map((l) => l.split(',')).filter((c) => siteOf.get(c[0]) === siteId).map((c) => Number(c[j]));
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      return { n: v.length, mean, sd: Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / (v.length - 1)) };
    };
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
    for (const siteId of IMAGE_TRAINING) {
      for (const feature of IMAGE_FEATURES) {
        for (const [stage, file] of [['before', pooledFeatures], ['after', harmonised]] as const) {
          const row = drawn.find((d) => d.siteId === siteId && d.feature === feature && d.stage === stage)!;
          const want = columnStats(file, siteId, feature);
          expect(row.n).toBe(want.n);
          close(row.mean, want.mean);
          close(row.sd, want.sd);
        }
      }
    }
    // The test site is harmonised as its own batch: both stages drawn for it too; the plot has both series.
    expect(drawn.filter((d) => d.siteId === IMAGE_TEST).map((d) => d.stage).sort()).toEqual([...IMAGE_FEATURES.map(() => 'after'), ...IMAGE_FEATURES.map(() => 'before')]);
    const html = readFileSync(join(dir, 'simulation/results/report.html'), 'utf8');
    const plot = html.slice(html.indexOf('<section id="distributions">'), html.indexOf('</section>', html.indexOf('<section id="distributions">')));
    expect(plot).toContain('before and after harmonisation');
    expect(plot).toMatch(/<svg[\s\S]*>before<[\s\S]*>after</);
    expect(report.notes ?? []).not.toEqual(expect.arrayContaining([expect.stringContaining('recorded no per-site summaries')]));
  }, 400000);
});
