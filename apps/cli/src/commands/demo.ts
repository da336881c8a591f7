import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { CampaignProtocol } from '@fedrad/protocol';
import { CliUsageError } from '../errors.js';
import { comparisonLines, resultLines, runSimulation } from '../simulation/runSimulation.js';
import { readSiteFolders } from '../simulation/siteFolders.js';

/**
 * `fedrad demo` (`npm run demo`): the whole pre-registered study from images, on this machine
 * (issue #13). Five hospitals' image cohorts are generated (scripts/generate-image-cohorts.mjs:
 * NIfTI lesions whose texture depends on the label, each site with its own scanner gain, offset,
 * noise and slice thickness); then `fedrad simulate` runs two campaigns of the same study on them
 * — the real coordinator and five real site daemons over loopback mTLS — one without
 * harmonisation and one with federated ComBat, and prints each held-out test site's AUC under
 * both: what harmonisation does for external validity, on the same patients. Both protocols share
 * site updates, so every site checks each round's coefficients against the signed updates of the
 * round before (a site refuses rounds it cannot verify unless its site.yaml opts in).
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '../../../..');

interface DemoOptions {
  dir?: string;
  seed: number;
  patients: number;
  timeout: number;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('Run the whole study from images on this machine: 5 generated hospitals, extraction, ComBat or not, training, the locked model evaluated at 2 held-out sites')
    .option('--dir <folder>', 'work folder, new or empty (default: a new temporary folder)')
    .option('--seed <n>', 'seed of the generated image cohorts', (v) => Number(v), 2026)
    .option('--patients <n>', 'patients per site', (v) => Number(v), 30)
    .option('--timeout <seconds>', 'give up after', (v) => Number(v), 600)
    .action(async (o: DemoOptions) => runDemo(o));
}

/** The IBSI settings every site extracts with: 2 mm isotropic, fixed bin size 10, three families. */
const FEATURE_CONFIG = {
  interpolation: { spacing: [2, 2, 2], imageMethod: 'linear', maskMethod: 'linear', maskThreshold: 0.5 },
  discretisation: { intensityHistogram: { method: 'FBS', binWidth: 10 }, texture: { method: 'FBS', binWidth: 10 } },
  families: ['morphology', 'intensity_statistics', 'glcm'],
};
/** Pre-registered model inputs: intensity (shifted by each scanner), texture and size. */
const FEATURES = ['stat_mean', 'stat_var', 'morph_volume', 'cm_contrast_3D_comb', 'cm_joint_entr_3D_comb'];

/** One campaign of the demo's study; the two differ only in their harmonisation. */
function protocolOf(campaignId: string, title: string, harmonization: 'none' | 'combat-federated', training: string[], test: string[]): CampaignProtocol {
  return {
    type: 'campaign-protocol',
    campaignId,
    title,
    version: 1,
    question: 'high vs low grade from the lesion on generated CT-like images',
    featureConfig: FEATURE_CONFIG,
    features: FEATURES,
    outcome: { type: 'binary', label: 'high_grade' },
    model: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.05 },
    trainingSites: training,
    testSites: test,
    minCohortSize: 10,
    // Shared site updates: every site checks each round's coefficients against the signed updates of the round before (issue #16).
    training: { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 120, shareSiteUpdates: true },
    analysisPlan: { primaryMetric: 'auc', bootstrapReplicates: 500, harmonization },
    // Fixed, so that the same seed gives the same protocol hashes and the same locked models.
    createdAt: '2026-01-01T00:00:00Z',
  } as CampaignProtocol;
}

async function runDemo(o: DemoOptions): Promise<void> {
  if (!Number.isInteger(o.patients) || o.patients < 10) throw new CliUsageError('--patients must be an integer ≥ 10 (the campaign minimum cohort size)');
  if (!Number.isFinite(o.timeout) || o.timeout <= 0) throw new CliUsageError('--timeout must be a number of seconds > 0');
  const started = Date.now();
  const dir = o.dir ? resolve(o.dir) : mkdtempSync(join(tmpdir(), 'fedrad-demo-'));
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new CliUsageError(`--dir ${o.dir} is not empty; give a new or empty folder`);
  mkdirSync(dir, { recursive: true });
  const say = (line: string) => process.stdout.write(line + '\n');
  say(`FedRad demo in ${dir}`);

  // 1. Five hospitals' images, each with its own scanner.
  const cohorts = JSON.parse(execFileSync(process.execPath, [join(repoRoot, 'scripts/generate-image-cohorts.mjs'), '--out', join(dir, 'sites'), '--seed', String(o.seed), '--patients', String(o.patients)], { encoding: 'utf8' })) as {
    sites: Array<{ siteId: string; role: 'training' | 'test'; gain: number; offset: number; noise: number; sliceThickness: number; patients: number; events: number }>;
  };
  for (const s of cohorts.sites) {
    say(`  ${s.siteId} ${s.role.padEnd(8)} ${s.patients} patients, ${String(s.events).padStart(2)} high grade; scanner gain ${s.gain}, offset ${s.offset}, noise SD ${s.noise}, slices ${s.sliceThickness} mm`);
  }
  const training = cohorts.sites.filter((s) => s.role === 'training').map((s) => s.siteId);
  const test = cohorts.sites.filter((s) => s.role === 'test').map((s) => s.siteId);

  // 2. The same study twice: without harmonisation, and with federated ComBat.
  const protocols = [
    protocolOf('demo-no-harmonisation', 'Demo: grade from images, no harmonisation', 'none', training, test),
    protocolOf('demo-combat', 'Demo: grade from images, federated ComBat', 'combat-federated', training, test),
  ];
  for (const p of protocols) writeFileSync(join(dir, `${p.campaignId}.json`), JSON.stringify(p, null, 2) + '\n');
  say('both protocols share site updates (training.shareSiteUpdates): every training site checks each round\'s coefficients against the signed updates of the round before');
  const sites = readSiteFolders(join(dir, 'sites'), protocols[0]);

  // 3. Both campaigns through `fedrad simulate`'s engine: real coordinator, real site daemons, loopback mTLS.
  const logs: string[] = [];
  let result;
  try {
    result = await runSimulation({ protocols, sites, runDir: join(dir, 'run'), timeoutSeconds: o.timeout, say, log: (line) => logs.push(line) });
  } catch (error) {
    process.stderr.write(logs.slice(-40).join('\n') + '\n');
    throw error;
  }
  say('');
  for (const status of result.statuses) for (const line of resultLines(status)) say(line);
  for (const line of comparisonLines(result.statuses)) say(line);
  const [plain, combat] = result.statuses.map(pooledOf);
  if (plain.auc && combat.auc) {
    const slope = plain.slope && combat.slope ? `, calibration slope ${plain.slope.toFixed(3)} → ${combat.slope.toFixed(3)} (ideal 1)` : '';
    say(`\nfederated ComBat at the held-out sites, pooled: AUC ${plain.auc.toFixed(3)} → ${combat.auc.toFixed(3)}${slope}`);
  }
  say('');
  say(`protocols: ${protocols.map((p) => join(dir, `${p.campaignId}.json`)).join(', ')}`);
  say(`results (status, locked model, ONNX, evaluation reports per campaign): ${result.resultsDir}`);
  say(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (result.statuses.some((s) => s.state !== 'completed')) process.exitCode = 5;
}

/** A campaign's pooled (random-effects) AUC and calibration slope over its test sites, when it pooled them. */
function pooledOf(status: { metaAnalysis?: { report?: { metaAnalyses?: Array<{ measure: string; pooled: { estimate: number } }> } | null } | null }): { auc?: number; slope?: number } {
  const measures = status.metaAnalysis?.report?.metaAnalyses ?? [];
  return { auc: measures.find((m) => m.measure === 'auc')?.pooled.estimate, slope: measures.find((m) => m.measure === 'calibrationSlope')?.pooled.estimate };
}
