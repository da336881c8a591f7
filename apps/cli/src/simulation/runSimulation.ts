import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CA_FILES, createCoordinatorClient, initCaFolder, startCoordinator, type CoordinatorClient } from '@fedrad/coordinator';
import { canonicalHash, canonicalJson, type CampaignProtocol } from '@fedrad/protocol';
import { enrolSite, loadSiteConfig, SiteDaemon, SiteStore } from '@fedrad/site-node';
import { evaluationLines, type EvaluationSummary } from '../campaignSummary.js';
import { cohortYaml, type SimulatedSite } from './siteFolders.js';

type CampaignStatus = Awaited<ReturnType<CoordinatorClient['campaigns']['status']>>;

export interface SimulationOptions {
  /** One or more campaigns, run in turn on the same federation (every protocol names the same sites in the same roles). */
  protocols: CampaignProtocol[];
  sites: SimulatedSite[];
  /** The run's folder (empty or new): CA, coordinator and site SQLite files, keys, results. */
  runDir: string;
  timeoutSeconds: number;
  say: (line: string) => void;
  /** Each daemon's log lines, prefixed with its name (printed by the command when the run fails). */
  log: (line: string) => void;
  /**
   * Every site's site.yaml sets trustCoordinatorCoefficients: the sites answer rounds at coefficients
   * they cannot verify (a protocol with neither training.shareSiteUpdates nor training.secureAggregation), as real sites only do when their operators opt in.
   */
  trustCoordinatorCoefficients?: boolean;
}

export interface SimulationResult {
  /** Each campaign as it ended, in the order run. */
  statuses: CampaignStatus[];
  resultsDir: string;
}

/**
 * Whole campaigns on this machine (issue #13): a fresh campaign CA, the real coordinator, and
 * one real site daemon per site folder, all in this process but talking only through the site
 * channel over loopback mTLS, with every SQLite file in the run folder. The simulation signs in as
 * the coordinator's first operator; each site is enrolled through the real enrolment route with
 * its one-time code, and its operator's approval of each protocol is recorded as given by
 * `fedrad simulate`. Several protocols run in turn on the same sites — two analysis plans of one
 * study compared on the same patients; a site extracts its images once per feature config and
 * reuses the features for a later campaign with the same config. Prints each step of the plan as
 * it happens; writes the status, the locked model, every evaluation report and the campaign's
 * study report under `<runDir>/results` (one campaign) or `<runDir>/results/<campaignId>` (several).
 */
export async function runSimulation(o: SimulationOptions): Promise<SimulationResult> {
  const { protocols, say } = o;
  const first = protocols[0];
  const caDir = join(o.runDir, 'ca');
  initCaFolder(caDir, first.campaignId);
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
    const hashes: string[] = [];
    for (const protocol of protocols) {
      const created = await client.campaigns.create(protocol);
      hashes.push(canonicalHash(protocol));
      say(`campaign ${protocol.campaignId} locked: protocol SHA-256 ${hashes[hashes.length - 1]}`);
      for (const n of created.notices) say(`  notice (${n.field}): ${n.notice}${o.trustCoordinatorCoefficients ? ' — the simulated sites opt in (--trust-coordinator-coefficients)' : ''}`);
    }
    for (const site of o.sites) {
      // The operator's one-time enrolment code for the site (handed over out of band in a real consortium).
      const { code } = await client.enrolments.createCode({ siteId: site.siteId, campaignId: first.campaignId });
      daemons.push(await startSite(site, o.runDir, caDir, coordinator.sitePort, first.campaignId, hashes, code, o.log, o.trustCoordinatorCoefficients === true));
    }
    await until('every site to connect', o.timeoutSeconds, async () => {
      const { connectedSites: connected } = await client.sites.connected();
      return o.sites.every((s) => connected.includes(s.siteId)) ? true : undefined;
    });
    say(`sites connected over mTLS: ${o.sites.map((s) => `${s.siteId} (${s.role})`).join(', ')}`);
    const statuses: CampaignStatus[] = [];
    const resultsRoot = join(o.runDir, 'results');
    for (const protocol of protocols) {
      if (protocols.length > 1) say(`\ncampaign ${protocol.campaignId}: ${protocol.title}`);
      await client.campaigns.start({ campaignId: protocol.campaignId });
      const progress = new Progress(say);
      const status = await until(`campaign ${protocol.campaignId} to end`, o.timeoutSeconds, async () => {
        const s = await client.campaigns.status({ campaignId: protocol.campaignId });
        progress.show(s);
        return s.state === 'completed' || s.state === 'failed' || s.state === 'cancelled' ? s : undefined;
      });
      await writeResults(client, status, protocols.length > 1 ? join(resultsRoot, protocol.campaignId) : resultsRoot);
      statuses.push(status);
    }
    return { statuses, resultsDir: resultsRoot };
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
    await coordinator.close();
  }
}

/** site.yaml in the run folder (cohorts from the site's folder), enrolment, approval, the daemon. */
async function startSite(site: SimulatedSite, runDir: string, caDir: string, sitePort: number, campaignId: string, protocolHashes: readonly string[], code: string, log: (line: string) => void, trustCoordinatorCoefficients: boolean): Promise<SiteDaemon> {
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
    ...(trustCoordinatorCoefficients ? ['trustCoordinatorCoefficients: true'] : []),
    ...cohortYaml(site.cohorts),
  ].join('\n') + '\n');
  const config = loadSiteConfig(configFile);
  const enrolled = await enrolSite(config, { code, waitSeconds: 20, pollMs: 100 });
  if (enrolled.status !== 'issued') throw new Error(`site ${site.siteId} did not get its certificate (enrolment ${enrolled.status})`);
  const store = new SiteStore(config.database);
  try {
    for (const hash of protocolHashes) store.approve(hash, 'fedrad simulate', `simulated approval at ${site.siteId}`);
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
  return kind === 'extract' ? 'extraction' : kind === 'train-round' ? 'training' : kind === 'baseline-round' ? 'baseline' : kind === 'evaluate' ? 'evaluation' : kind;
}

async function writeResults(client: CoordinatorClient, status: CampaignStatus, out: string): Promise<string> {
  mkdirSync(join(out, 'evaluations'), { recursive: true });
  writeFileSync(join(out, 'status.json'), JSON.stringify(status, null, 2) + '\n');
  for (const e of status.evaluations) writeFileSync(join(out, 'evaluations', `${e.siteId}.json`), JSON.stringify(e.report, null, 2) + '\n');
  if (status.model) {
    writeFileSync(join(out, 'locked-model.json'), canonicalJson(status.model) + '\n');
    const onnx = await client.campaigns.modelOnnx({ campaignId: status.campaignId });
    if (onnx) writeFileSync(join(out, 'model.onnx'), Buffer.from(onnx.base64, 'base64'));
  }
  // The campaign's study report (its report step), with the RQS and METRICS it scored.
  const report = await client.campaigns.report({ campaignId: status.campaignId });
  if (report) {
    writeFileSync(join(out, 'report.html'), report.html);
    writeFileSync(join(out, 'report.json'), JSON.stringify(report.json, null, 2) + '\n');
    if (report.rqs) writeFileSync(join(out, 'rqs.json'), JSON.stringify(report.rqs, null, 2) + '\n');
    if (report.metrics) writeFileSync(join(out, 'metrics.json'), JSON.stringify(report.metrics, null, 2) + '\n');
  }
  return out;
}

/** A test site's discrimination as the comparison prints it: AUC (binary) or Harrell's C (survival), with its interval. */
function discrimination(report: unknown): { name: string; value: IntervalValue } | undefined {
  const r = report as { discrimination?: { auc?: IntervalValue }; survival?: { harrellC?: IntervalValue } };
  if (r.discrimination?.auc) return { name: 'AUC', value: r.discrimination.auc };
  if (r.survival?.harrellC) return { name: "Harrell's C", value: r.survival.harrellC };
  return undefined;
}

interface IntervalValue {
  estimate: number;
  lower?: number;
  upper?: number;
}

/**
 * Several campaigns run on the same sites: each test site's discrimination under each campaign,
 * side by side, so two analysis plans of a study compare on the same patients.
 */
export function comparisonLines(statuses: readonly CampaignStatus[]): string[] {
  if (statuses.length < 2) return [];
  const sites = [...new Set(statuses.flatMap((s) => s.evaluations.map((e) => e.siteId)))].sort();
  const width = Math.max(...statuses.map((s) => s.campaignId.length));
  const lines = ['', `the same test patients under each campaign:`];
  for (const siteId of sites) {
    lines.push(`  test site ${siteId}`);
    for (const s of statuses) {
      const e = s.evaluations.find((x) => x.siteId === siteId);
      const d = e && discrimination(e.report);
      const interval = d && d.value.lower !== undefined && d.value.upper !== undefined ? ` (95% CI ${d.value.lower.toFixed(3)} to ${d.value.upper.toFixed(3)})` : '';
      lines.push(`    ${s.campaignId.padEnd(width)}  ${d ? `${d.name} ${d.value.estimate.toFixed(3)}${interval}` : `no evaluation (${s.state})`}`);
    }
  }
  // The study-level answer: each campaign's random-effects pooled measures over its test sites.
  const pooled = statuses.map((s) => ({ s, measures: s.metaAnalysis?.report?.metaAnalyses ?? [] }));
  if (pooled.some((p) => p.measures.length > 0)) {
    lines.push('  pooled over the test sites (random effects)');
    for (const { s, measures } of pooled) {
      const shown = measures
        .filter((m) => m.measure === 'auc' || m.measure === 'harrellC' || m.measure === 'calibrationSlope')
        .map((m) => `${POOLED_NAMES[m.measure] ?? m.measure} ${m.pooled.estimate.toFixed(3)}${m.pooled.lower !== undefined && m.pooled.upper !== undefined ? ` (95% CI ${m.pooled.lower.toFixed(3)} to ${m.pooled.upper.toFixed(3)})` : ''}`);
      lines.push(`    ${s.campaignId.padEnd(width)}  ${shown.length > 0 ? shown.join(', ') : 'nothing pooled'}`);
    }
  }
  return lines;
}

const POOLED_NAMES: Record<string, string> = { auc: 'AUC', harrellC: "Harrell's C", calibrationSlope: 'calibration slope' };

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
