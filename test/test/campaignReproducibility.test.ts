import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalHash } from '@fedrad/protocol';
import { protocolFor } from './campaignWorld.js';
import { repoRoot, runFedrad } from './processes.js';

// Issue #12 item 1 in a campaign (#13): sites whose manifests hold a second reader's masks
// (generate-image-cohorts.mjs --readers 2: each lesion outlined one voxel tighter or looser), a
// protocol with a reproducibility step, run whole by `fedrad simulate` (the real coordinator and
// site code over loopback). Reference: the local twin on the same partitions — `fedrad extract` of
// each site's mask and mask2 by hand, then `fedrad reproducibility --features A --features B
// --sites S.csv`, whose federated ICC the harmonize tests hold to psych::ICC.
const TRAINING = ['site-a', 'site-b', 'site-c'];
const TEST = 'site-d';
const PATIENTS = 8;
const featureConfig = {
  interpolation: { spacing: [2, 2, 2], imageMethod: 'linear', maskMethod: 'linear', maskThreshold: 0.5 },
  discretisation: { intensityHistogram: { method: 'FBS', binWidth: 10 }, texture: { method: 'FBS', binWidth: 10 } },
  families: ['morphology', 'intensity_statistics'],
};
const reproducibility = { source: 'segmentations', form: 'ICC(2,1)', threshold: 0.75, on: 'estimate' } as const;

interface ImageSite { siteId: string; dir: string }
interface Output { kept: string[]; dropped: Array<{ feature: string; icc: number; lower: number }>; constant: string[]; segmentations: number; source: string; patients: number; sites: Record<string, number>; method: string }
let dir: string;
let sites: ImageSite[];
const logDir = () => join(dir, 'logs');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fedrad-e2e-reproducibility-'));
  const summary = JSON.parse(execFileSync(process.execPath, [join(repoRoot, 'scripts/generate-image-cohorts.mjs'), '--out', join(dir, 'cohorts'), '--patients', String(PATIENTS), '--seed', '12', '--readers', '2'], { encoding: 'utf8' }));
  sites = (summary.sites as ImageSite[]).filter((s) => [...TRAINING, TEST].includes(s.siteId));
});
afterAll(() => {
  if (process.env.FEDRAD_E2E_KEEP) process.stdout.write(`e2e folder kept: ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
});

describe('a campaign with a reproducibility step, from images with a second reader', () => {
  it("keeps exactly the features the local twin keeps, with the same ICC, then trains, locks and evaluates", async () => {
    const protocol = { ...protocolFor('e2e-icc', ['stat_mean', 'morph_volume'], TRAINING, [TEST], { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 120 }), featureConfig, reproducibility, selection: {} };
    const protocolFile = join(dir, 'protocol.json');
    writeFileSync(protocolFile, JSON.stringify(protocol));
    const simSites = join(dir, 'simulate-sites');
    mkdirSync(simSites);
    for (const s of sites) symlinkSync(s.dir, join(simSites, s.siteId));
    // About the reproducibility step: its training is a plain protocol's, whose later rounds the sites opt in to.
    const printed = await runFedrad(['simulate', '--trust-coordinator-coefficients', '--protocol', protocolFile, '--sites', simSites, '--out', join(dir, 'simulation')], logDir(), 'simulate');
    expect(printed).toContain('✓ reproducibility');
    expect(printed).toContain('campaign e2e-icc completed');
    const status = JSON.parse(readFileSync(join(dir, 'simulation/results/status.json'), 'utf8')) as { plan: Array<{ phase: string; state: string; outputHash?: string }>; reproducibility: Output; jobs: Array<{ kind: string; siteId: string; state: string }>; model: { parameters: Array<{ name: string; data: number[] }> } };
    expect(status.plan.map((s) => [s.phase, s.state])).toEqual(['extraction', 'reproducibility', 'selection', 'training', 'lock', 'evaluation', 'report'].map((p) => [p, 'done']));
    // Only the training sites measure reproducibility; the test site's cohort is never asked.
    expect(status.jobs.filter((j) => j.kind === 'reproducibility').map((j) => [j.siteId, j.state])).toEqual(TRAINING.map((s) => [s, 'done']));
    const output = status.reproducibility;
    expect(status.plan[1].outputHash).toBe(canonicalHash(output));
    expect(output).toMatchObject({ segmentations: 2, source: 'segmentations', patients: 3 * PATIENTS, sites: Object.fromEntries(TRAINING.map((s) => [s, PATIENTS])) });
    expect(printed).toContain(`${output.kept.length} of ${output.kept.length + output.dropped.length + output.constant.length} features kept: ICC(2,1) over 2 segmentations per patient`);

    // The local twin: each training site's mask and mask2 extracted by hand with the same config, pooled with a site table.
    const configFile = join(dir, 'feature-config.json');
    writeFileSync(configFile, JSON.stringify(featureConfig));
    const readers: string[][] = [[], []];
    const siteRows: string[] = ['id,site'];
    for (const siteId of TRAINING) {
      const site = sites.find((s) => s.siteId === siteId)!;
      const rows = readFileSync(join(site.dir, 'manifest.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      for (const [r, column] of [[0, 2], [1, 3]] as const) {
        const manifest = join(site.dir, `reader${r + 1}.csv`);
        writeFileSync(manifest, ['id,image,mask', ...rows.map((c) => `${c[0]},${c[1]},${c[column]}`)].join('\n') + '\n');
        const out = join(dir, `${siteId}-reader${r + 1}.csv`);
        await runFedrad(['extract', '--manifest', manifest, '--config', configFile, '--out', out, '--no-progress'], logDir(), `${siteId}-extract-${r + 1}`);
        readers[r].push(out);
      }
      siteRows.push(...rows.map((c) => `${c[0]},${siteId}`));
    }
    const concat = (files: string[]) => {
      const [header] = readFileSync(files[0], 'utf8').split('\n');
      return [header, ...files.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n').slice(1))].join('\n') + '\n';
    };
    const pooled = readers.map((files, r) => {
      const file = join(dir, `pooled-reader${r + 1}.csv`);
      writeFileSync(file, concat(files));
      return file;
    });
    const sitesCsv = join(dir, 'sites.csv');
    writeFileSync(sitesCsv, siteRows.join('\n') + '\n');
    const twinFile = join(dir, 'icc.json');
    await runFedrad(['reproducibility', '--features', pooled[0], '--features', pooled[1], '--sites', sitesCsv, '--threshold', '0.75', '--form', 'ICC(2,1)', '--on', 'estimate', '--out', twinFile], logDir(), 'twin');
    const twin = JSON.parse(readFileSync(twinFile, 'utf8')) as { features: Array<{ feature: string; 'ICC(2,1)': { estimate: number; lower: number } }>; filter: { kept: string[] } };

    // The same features, the same decisions, the same ICC and lower bound.
    expect(output.constant).toEqual([]);
    expect([...output.kept, ...output.dropped.map((d) => d.feature)].sort()).toEqual(twin.features.map((f) => f.feature).sort());
    expect(output.kept).toEqual(twin.filter.kept);
    expect(output.kept.length).toBeGreaterThan(0);
    expect(output.dropped.length).toBeGreaterThan(0);
    for (const d of output.dropped) {
      const t = twin.features.find((f) => f.feature === d.feature)!['ICC(2,1)'];
      expect(Math.abs(d.icc - t.estimate)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(d.lower - t.lower)).toBeLessThanOrEqual(1e-9);
    }
    // A one-voxel outline moves the volume far more than the mean intensity: the readers agree on one, not the other.
    expect(output.kept).toContain('stat_mean');
    // The model trains on the protocol's features the step kept (through the selection step): a dropped one never reaches it.
    const coef = status.model.parameters.find((t) => t.name === 'coef')!.data;
    expect(coef).toHaveLength(['stat_mean', 'morph_volume'].filter((f) => output.kept.includes(f)).length + 1);
  }, 600_000);
});
