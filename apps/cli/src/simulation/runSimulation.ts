import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CA_FILES, createCoordinatorClient, initCaFolder, startCoordinator, type CoordinatorClient } from '@fedrad/coordinator';
import { canonicalHash, canonicalJson, type CampaignProtocol } from '@fedrad/protocol';
import { enrolSite, loadSiteConfig, SiteDaemon, SiteStore } from '@fedrad/site-node';
import { evaluationLines, type EvaluationSummary } from '../campaignSummary.js';
import { cohortYaml, type SimulatedSite } from './siteFolders.js';

type CampaignStatus = Awaited<ReturnType<CoordinatorClient['campaigns']['status']>>;

export interface SimulationOptions {
  protocol: CampaignProtocol;
  sites: SimulatedSite[];
  /** The run's folder (empty or new): CA, coordinator and site SQLite files, keys, results. */
  runDir: string;
  timeoutSeconds: number;
  say: (line: string) => void;
  /** Each daemon's log lines, prefixed with its name (printed by the command when the run fails). */
  log: (line: string) => void;
}

export interface SimulationResult {
  status: CampaignStatus;
  resultsDir: string;
}

/**
 * A whole campaign on this machine (issue #13): a fresh campaign CA, the real coordinator, and
 * one real site daemon per site folder, all in this process but talking only through the site
 * channel over loopback mTLS, with every SQLite file in the run folder. The simulation signs in as
 * the coordinator's first operator; each site is enrolled through the real enrolment route with
 * its one-time code, and its operator's approval of the protocol is recorded as given by
 * `fedrad simulate`. Prints each step of the plan as it happens; writes the status, the
 * locked model and every evaluation report under `<runDir>/results`.
 */
export async function runSimulation(o: SimulationOptions): Promise<SimulationResult> {
  const { protocol, say } = o;
  const caDir = join(o.runDir, 'ca');
  initCaFolder(caDir, protocol.campaignId);
  // The first start creates the operator `admin`; the simulation is that operator.
  let admin: { username: string; password: string } | undefined;
  const coordinator = await startCoordinator({
    dataDir: join(o.runDir, 'coordinator'), caDir, sitePort: 0, apiPort: 0, tickMs: 100, autoApproveEnrolment: true,
    onFirstAdmin: (credential) => (admin = credential),
    log: (line) => o.log(`[coordinator] ${line}`),
  });
  const daemons: SiteDaemon[] = [];
  try {
    if (!admin) throw new Error(`the coordinator in ${o.runDir} created no operator (was the run folder used before?)`);
    const client = createCoordinatorClient(coordinator.apiUrl, admin);
    await client.campaigns.create(protocol);
    const protocolHash = canonicalHash(protocol);
    say(`campaign ${protocol.campaignId} locked: protocol SHA-256 ${protocolHash}`);
    for (const site of o.sites) {
      // The operator's one-time enrolment code for the site (handed over out of band in a real consortium).
      const { code } = await client.enrolments.createCode({ siteId: site.siteId, campaignId: protocol.campaignId });
      daemons.push(await startSite(site, o.runDir, caDir, coordinator.sitePort, protocol.campaignId, protocolHash, code, o.log));
    }
    await until('every site to connect', o.timeoutSeconds, async () => {
      const { connectedSites: connected } = await client.sites.connected();
      return o.sites.every((s) => connected.includes(s.siteId)) ? true : undefined;
    });
    say(`sites connected over mTLS: ${o.sites.map((s) => `${s.siteId} (${s.role})`).join(', ')}`);
    await client.campaigns.start({ campaignId: protocol.campaignId });
    const progress = new Progress(say);
    const status = await until('the campaign to end', o.timeoutSeconds, async () => {
      const s = await client.campaigns.status({ campaignId: protocol.campaignId });
      progress.show(s);
      return s.state === 'completed' || s.state === 'failed' ? s : undefined;
    });
    const resultsDir = await writeResults(client, status, o.runDir);
    return { status, resultsDir };
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
    await coordinator.close();
  }
}

/** site.yaml in the run folder (cohorts from the site's folder), enrolment, approval, the daemon. */
async function startSite(site: SimulatedSite, runDir: string, caDir: string, sitePort: number, campaignId: string, protocolHash: string, code: string, log: (line: string) => void): Promise<SiteDaemon> {
  const dir = join(runDir, 'sites', site.siteId);
  mkdirSync(join(dir, 'keys'), { recursive: true });
  copyFileSync(join(caDir, CA_FILES.cert), join(dir, 'keys/ca.cert.pem'));
  const configFile = join(dir, 'site.yaml');
  writeFileSync(configFile, [
    `siteId: ${site.siteId}`,
    `campaignId: ${campaignId}`,
    `coordinatorUrl: https://127.0.0.1:${sitePort}`,
    'dataRoot: .',
    ...(site.minCohortSize !== undefined ? [`minCohortSize: ${site.minCohortSize}`] : []),
    'reconnect: { initialMs: 100, maxMs: 1000 }',
    ...cohortYaml(site.cohorts),
  ].join('\n') + '\n');
  const config = loadSiteConfig(configFile);
  const enrolled = await enrolSite(config, { code, waitSeconds: 20, pollMs: 100 });
  if (enrolled.status !== 'issued') throw new Error(`site ${site.siteId} did not get its certificate (enrolment ${enrolled.status})`);
  const store = new SiteStore(config.database);
  try {
    store.approve(protocolHash, 'fedrad simulate', `simulated approval at ${site.siteId}`);
  } finally {
    store.close();
  }
  const daemon = new SiteDaemon(config, { log: (line) => log(`[${site.siteId}] ${line}`) });
  daemon.start();
  return daemon;
}

/** Prints what changed since the last look: the plan's steps, each site's extraction QC, closed rounds. */
class Progress {
  private readonly shown = new Set<string>();
  constructor(private readonly say: (line: string) => void) {}

  show(s: CampaignStatus): void {
    // Step by step in plan order, each step's details between its start and its end.
    for (const step of s.plan) {
      if (step.state === 'pending' || step.state === 'skipped') continue;
      this.once(`start ${step.phase}`, () => `▶ ${step.phase}`);
      for (const line of this.details(s, step.phase)) this.once(line, () => line);
      if (step.state === 'done') this.once(`done ${step.phase}`, () => `✓ ${step.phase}`);
      if (step.state === 'failed') this.once(`failed ${step.phase}`, () => `✗ ${step.phase}: [${s.failure?.code}] ${s.failure?.message ?? ''}`);
    }
  }

  private details(s: CampaignStatus, phase: string): string[] {
    const failed = s.jobs.filter((j) => j.state === 'failed' && phaseOfJob(j.kind) === phase).map((j) => `  job ${j.jobId} failed at ${j.siteId}: [${j.failureCode}] ${j.failureMessage ?? ''}`);
    if (phase === 'extraction') {
      return [...s.extractions.map((e) => {
        const qc = e.result as { patientCount: number; failedCases: number; missingOutcome?: number; featureCount: number };
        return `  ${e.siteId}: ${qc.patientCount} patients with features and outcome, ${qc.featureCount} features, ${qc.failedCases} failed case(s)${qc.missingOutcome ? `, ${qc.missingOutcome} without outcome` : ''}`;
      }), ...failed];
    }
    if (phase === 'reproducibility' && s.reproducibility) {
      const r = s.reproducibility;
      const total = r.kept.length + r.dropped.length + r.constant.length;
      return [`  ${r.kept.length} of ${total} features kept: ${r.method}; ${r.patients} patients at ${Object.keys(r.sites).length} site(s)`, ...failed];
    }
    if (phase === 'training') {
      return [...s.rounds.filter((r) => r.closedAt).map((r) => `  round ${r.round}: ${r.sites?.length ?? 0} sites, n = ${r.sampleCount ?? '?'}${typeof r.loss === 'number' ? `, pooled −log-likelihood ${r.loss.toFixed(4)}` : ''}`), ...failed];
    }
    if (phase === 'evaluation') return [...s.evaluations.map((e) => `  ${e.siteId}: evaluation report received`), ...failed];
    return failed;
  }

  private once(key: string, line: () => string | undefined): void {
    if (this.shown.has(key)) return;
    const text = line();
    if (text === undefined) return;
    this.shown.add(key);
    this.say(text);
  }
}

/** The plan step whose jobs are of this kind. */
function phaseOfJob(kind: string): string {
  return kind === 'extract' ? 'extraction' : kind === 'train-round' ? 'training' : kind === 'evaluate' ? 'evaluation' : kind;
}

async function writeResults(client: CoordinatorClient, status: CampaignStatus, runDir: string): Promise<string> {
  const out = join(runDir, 'results');
  mkdirSync(join(out, 'evaluations'), { recursive: true });
  writeFileSync(join(out, 'status.json'), JSON.stringify(status, null, 2) + '\n');
  for (const e of status.evaluations) writeFileSync(join(out, 'evaluations', `${e.siteId}.json`), JSON.stringify(e.report, null, 2) + '\n');
  if (status.model) {
    writeFileSync(join(out, 'locked-model.json'), canonicalJson(status.model) + '\n');
    const onnx = await client.campaigns.modelOnnx({ campaignId: status.campaignId });
    if (onnx) writeFileSync(join(out, 'model.onnx'), Buffer.from(onnx.base64, 'base64'));
  }
  return out;
}

/** The result lines of a finished simulation. */
export function resultLines(status: CampaignStatus): string[] {
  const lines = [`campaign ${status.campaignId} ${status.state}${status.failure ? `: [${status.failure.code}] ${status.failure.message}` : ''}`];
  if (status.model) lines.push(`locked model hash ${status.model.modelHash} after ${status.rounds.length} round(s)`);
  for (const e of status.evaluations) lines.push(...evaluationLines(e.siteId, e.report as EvaluationSummary));
  return lines;
}

async function until<T>(what: string, timeoutSeconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutSeconds} s (--timeout)`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
