import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CA_FILES, createCoordinatorClient, initCaFolder } from '@fedrad/coordinator';
import { canonicalHash, canonicalJson } from '@fedrad/protocol';
import { enrolSite, loadSiteConfig, SiteStore } from '@fedrad/site-node';
import { evaluationLines, type EvaluationSummary } from '../campaignSummary.js';
import { CliUsageError } from '../errors.js';

/**
 * `fedrad demo` (`npm run demo`): one campaign end to end on this machine. A coordinator and
 * four site nodes run as separate processes on 127.0.0.1, with certificates from a fresh
 * campaign CA and their SQLite files in a temporary folder. Three training sites hold seeded
 * synthetic feature tables with site shifts (scripts/generate-site-cohorts.mjs), one
 * independent test site holds its own. The campaign trains an elastic-net logistic model with
 * exact aggregation, locks it, evaluates it at the test site and prints the evaluation.
 */
const CAMPAIGN = 'fedrad-demo';
const TRAINING_SITES = ['site-a', 'site-b', 'site-c'];
const TEST_SITE = 'site-test';
const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '../../../..');
const cliMain = resolve(here, '../main.js');

interface DemoOptions {
  dir?: string;
  seed: number;
  timeout: number;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('Run a whole federated campaign on 127.0.0.1: coordinator + 3 training sites + 1 test site, exact aggregation, external evaluation')
    .option('--dir <folder>', 'work folder (default: a new temporary folder)')
    .option('--seed <n>', 'seed of the synthetic cohorts', (v) => Number(v), 2026)
    .option('--timeout <seconds>', 'give up after', (v) => Number(v), 120)
    .action(async (o: DemoOptions) => runDemo(o));
}

/** The ports of the coordinator's `{"event":"listening",…}` line (a flat object), once it is on its stdout. */
function listeningPorts(stdout: string): { sitePort: number; apiPort: number } | undefined {
  const json = /\{"event":"listening"[^}\n]*\}/.exec(stdout)?.[0];
  return json ? (JSON.parse(json) as { sitePort: number; apiPort: number }) : undefined;
}

/** The `{"event":"admin-created",…}` line of a coordinator's first start. */
function firstAdmin(stdout: string): { username: string; password: string } | undefined {
  const json = /\{"event":"admin-created"[^\n]*\}/.exec(stdout)?.[0];
  return json ? (JSON.parse(json) as { username: string; password: string }) : undefined;
}

function say(line: string): void {
  process.stdout.write(line + '\n');
}

/** Starts `node main.js …args`, its output prefixed and kept in `logs/<name>.log`'s place: our stderr only on failure. */
function startProcess(name: string, args: string[], logs: string[]): ChildProcess {
  const child = spawn(process.execPath, [cliMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => logs.push(...chunk.toString().split('\n').filter(Boolean).map((l) => `[${name}] ${l}`));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return child;
}

async function runDemo(o: DemoOptions): Promise<void> {
  const started = Date.now();
  const dir = o.dir ? resolve(o.dir) : mkdtempSync(join(tmpdir(), 'fedrad-demo-'));
  if (o.dir && existsSync(join(dir, 'ca'))) throw new CliUsageError(`${dir} already holds a demo; give an empty --dir`);
  mkdirSync(dir, { recursive: true });
  const logs: string[] = [];
  const children: Array<{ name: string; child: ChildProcess }> = [];
  // A process that exits while we wait (a site that cannot start) ends the demo at once.
  const exited = () => children.find(({ child }) => child.exitCode !== null || child.signalCode !== null)?.name;
  const stopAll = async () => {
    await Promise.all(children.map(({ child: c }) => new Promise<void>((r) => {
      if (c.exitCode !== null || c.signalCode !== null) return r();
      c.once('exit', () => r());
      c.kill('SIGTERM');
    })));
  };
  try {
    say(`FedRad demo in ${dir}`);
    // 1. Seeded synthetic cohorts: three training sites with scanner shifts, one test site.
    const generator = join(repoRoot, 'scripts/generate-site-cohorts.mjs');
    const { execFileSync } = await import('node:child_process');
    const cohorts = JSON.parse(execFileSync(process.execPath, [generator, '--out', join(dir, 'cohorts'), '--seed', String(o.seed)], { encoding: 'utf8' })) as {
      features: string[];
      sites: Array<{ siteId: string; role: string; featuresCsv: string; outcomeCsv: string; patients: number; events: number }>;
    };
    for (const s of cohorts.sites) say(`  ${s.siteId.padEnd(10)} ${s.role.padEnd(8)} ${String(s.patients).padStart(4)} patients, ${String(s.events).padStart(3)} events, ${cohorts.features.length} features`);

    // 2. A fresh campaign CA, and the coordinator as its own process.
    const caDir = join(dir, 'ca');
    initCaFolder(caDir, CAMPAIGN);
    // Ports 0: the coordinator binds ports the OS picks and prints them in its `listening` line, so
    // no other process can take a port between our choosing it and the coordinator binding it.
    const coordinator = startProcess('coordinator', [
      'coordinator', 'start', '--data', join(dir, 'coordinator'), '--ca-dir', caDir,
      '--site-port', '0', '--api-port', '0', '--auto-approve', '--tick-ms', '100',
    ], logs);
    children.push({ name: 'the coordinator', child: coordinator });
    let coordinatorStdout = '';
    coordinator.stdout!.on('data', (chunk: Buffer) => (coordinatorStdout += chunk.toString()));
    const { sitePort, apiPort } = await until('the coordinator to listen', async () => listeningPorts(coordinatorStdout), 60000, exited);
    // The first start created the operator `admin` and printed its one-time password: the demo signs in with it.
    const admin = firstAdmin(coordinatorStdout);
    if (!admin) throw new Error('the coordinator did not print its first operator (was its data folder used before?)');
    const client = createCoordinatorClient(`http://127.0.0.1:${apiPort}/trpc`, admin);
    say(`coordinator on 127.0.0.1 (site channel :${sitePort}, operator API :${apiPort}); campaign CA in ${caDir}`);

    // 3. The campaign protocol, locked by its hash before any site sees data.
    const protocol = {
      type: 'campaign-protocol',
      campaignId: CAMPAIGN,
      title: 'Demo: a binary outcome from radiomic features (synthetic cohorts)',
      version: 1,
      outcome: { type: 'binary', label: 'label' },
      features: cohorts.features,
      model: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.005, standardize: true },
      trainingSites: TRAINING_SITES,
      testSites: [TEST_SITE],
      minCohortSize: 10,
      training: { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 60 },
      analysisPlan: { primaryMetric: 'auc', bootstrapReplicates: 1000 },
      // Fixed, so that the same seed gives the same protocol hash and the same locked model.
      createdAt: '2026-01-01T00:00:00Z',
    };
    await client.campaigns.create(protocol);
    const protocolHash = canonicalHash(protocol);
    say(`campaign ${CAMPAIGN} locked: protocol SHA-256 ${protocolHash}`);

    // 4. Each site: site.yaml, enrolment (key 0600 + CSR → certificate), the local operator's approval, the daemon.
    for (const s of cohorts.sites) {
      const siteDir = join(dir, 'sites', s.siteId);
      mkdirSync(join(siteDir, 'keys'), { recursive: true });
      copyFileSync(join(caDir, CA_FILES.cert), join(siteDir, 'keys/ca.cert.pem'));
      const configFile = join(siteDir, 'site.yaml');
      writeFileSync(configFile, [
        `siteId: ${s.siteId}`,
        `campaignId: ${CAMPAIGN}`,
        `coordinatorUrl: https://127.0.0.1:${sitePort}`,
        'dataRoot: .',
        'minCohortSize: 10',
        'reconnect: { initialMs: 200, maxMs: 2000 }',
        'cohorts:',
        `  - { name: local, features: ${s.featuresCsv}, outcome: ${s.outcomeCsv} }`,
      ].join('\n') + '\n');
      const config = loadSiteConfig(configFile);
      // The operator makes the site's one-time code (handed over out of band in a real consortium).
      const { code } = await client.enrolments.createCode({ siteId: s.siteId, campaignId: CAMPAIGN });
      const enrolled = await enrolSite(config, { code, waitSeconds: 20, pollMs: 200 });
      if (enrolled.status !== 'issued') throw new Error(`${s.siteId} did not get its certificate`);
      const store = new SiteStore(config.database);
      store.approve(protocolHash, `${s.siteId}-operator`, 'demo');
      store.close();
      children.push({ name: `site ${s.siteId}`, child: startProcess(s.siteId, ['site', 'start', '--config', configFile], logs) });
    }
    const siteIds = cohorts.sites.map((s) => s.siteId);
    await until('the four sites to connect', async () => {
      const { connectedSites: connected } = await client.sites.connected();
      return siteIds.every((id) => connected.includes(id));
    }, 60000, exited);
    say(`sites enrolled (certificates from the campaign CA), protocol approved locally, connected over mTLS: ${siteIds.join(', ')}`);

    // 5. Train with exact aggregation, lock, evaluate at the independent test site.
    await client.campaigns.start({ campaignId: CAMPAIGN });
    let shownRound = -1;
    const status = await until('the campaign to complete', async () => {
      const s = await client.campaigns.status({ campaignId: CAMPAIGN });
      for (const r of s.rounds) {
        if (r.round > shownRound && r.closedAt) {
          shownRound = r.round;
          say(`  round ${r.round}: ${r.sites?.length ?? 0} sites, n = ${r.sampleCount ?? '?'}${typeof r.loss === 'number' ? `, pooled −log-likelihood ${r.loss.toFixed(3)}` : ''}`);
        }
      }
      if (s.state === 'failed') throw Object.assign(new Error(`campaign failed: ${s.failure?.code} ${s.failure?.message}`), { fatal: true });
      return s.state === 'completed' ? s : undefined;
    }, o.timeout * 1000, exited);

    // 6. Write what the coordinator holds: the evaluation report and the locked ONNX model.
    const out = join(dir, 'report');
    mkdirSync(out, { recursive: true });
    const evaluation = status.evaluations.find((e) => e.siteId === TEST_SITE);
    if (!evaluation) throw new Error('the test site sent no evaluation report');
    const reportFile = join(out, 'evaluation-report.json');
    writeFileSync(reportFile, JSON.stringify(evaluation.report, null, 2) + '\n');
    const onnx = await client.campaigns.modelOnnx({ campaignId: CAMPAIGN });
    const modelFile = join(out, 'model.onnx');
    if (onnx) writeFileSync(modelFile, Buffer.from(onnx.base64, 'base64'));
    const lockedModelFile = join(out, 'locked-model.json');
    writeFileSync(lockedModelFile, canonicalJson(status.model) + '\n');
    printEvaluation(evaluation.report as EvaluationSummary, status.model?.modelHash ?? '?', status.rounds.length);
    say('');
    say(`evaluation report:  ${reportFile}`);
    if (onnx) say(`locked ONNX model:  ${modelFile} (file SHA-256 ${status.model?.onnxSha256})`);
    say(`locked parameters:  ${lockedModelFile}`);
    say(`SQLite files:       ${join(dir, 'coordinator', 'coordinator.sqlite')} and ${join(dir, 'sites', '<site>', 'site.sqlite')}`);
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    process.stderr.write(logs.slice(-40).join('\n') + '\n');
    throw error;
  } finally {
    await stopAll();
  }
}

function printEvaluation(r: EvaluationSummary, modelHash: string, rounds: number): void {
  say('');
  say(`model locked after ${rounds} rounds of exact federated Newton steps (model hash ${modelHash})`);
  for (const line of evaluationLines(TEST_SITE, r)) say(line);
}

/** Polls `probe` until it gives a value; fails after `timeoutMs`, or as soon as `exited` names a process that is gone. */
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, exited?: () => string | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      if ((e as { fatal?: boolean }).fatal) throw e;
      last = e;
    }
    const gone = exited?.();
    if (gone) throw new Error(`gave up waiting for ${what}: ${gone} exited (its output is above)`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
