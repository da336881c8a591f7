// A campaign's worth of real processes on 127.0.0.1: a fresh campaign CA, one coordinator
// (`fedrad coordinator start`), and site nodes (`fedrad site enrol|approve|start`), each with
// its own data folder and SQLite file, all under one temporary directory.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCoordinatorClient, type CoordinatorClient } from '@fedrad/coordinator';
import { canonicalHash } from '@fedrad/protocol';
import { repoRoot, runFedrad, spawnFedrad, waitUntil, type FedradProcess } from './processes.js';

export interface SiteHandle {
  siteId: string;
  dir: string;
  config: string;
  featuresCsv: string;
  outcomeCsv: string;
  process?: FedradProcess;
}

export interface CohortSummary {
  features: string[];
  sites: Array<{ siteId: string; role: string; featuresCsv: string; outcomeCsv: string; patients: number; events: number }>;
}

export class CampaignWorld {
  readonly logDir: string;
  readonly caDir: string;
  readonly sites = new Map<string, SiteHandle>();
  coordinator?: FedradProcess;
  client!: CoordinatorClient;
  sitePort!: number;
  apiPort!: number;
  /** An admin API token, made with `fedrad coordinator token create` after the first start. */
  token?: string;

  constructor(readonly dir: string, readonly campaignId: string, readonly cohorts: CohortSummary) {
    this.logDir = join(dir, 'logs');
    this.caDir = join(dir, 'ca');
  }

  /** Generates seeded cohorts with scripts/generate-site-cohorts.mjs. */
  static generateCohorts(outDir: string, sizes: string, features: number, seed: number): CohortSummary {
    const out = execFileSync(process.execPath, [join(repoRoot, 'scripts/generate-site-cohorts.mjs'), '--out', outDir, '--sizes', sizes, '--features', String(features), '--seed', String(seed)], { encoding: 'utf8' });
    return JSON.parse(out) as CohortSummary;
  }

  /**
   * A world of feature-table sites in a fresh temporary folder, with seeded cohorts of `sizes`
   * (site=patients,…); start() brings it up. Made before anything starts, so a test's afterAll can
   * close() whatever did start even when the start ran out of time.
   */
  static ofFeatureTables(prefix: string, campaignId: string, sizes: string, features: number, seed: number): CampaignWorld {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    return new CampaignWorld(dir, campaignId, CampaignWorld.generateCohorts(join(dir, 'cohorts'), sizes, features, seed));
  }

  /** The CA, the coordinator, and every site of the cohorts enrolled (site.yaml with extraYaml), started and connected. */
  async start(extraYaml: string[] = []): Promise<void> {
    const sites = this.cohorts.sites.map((s) => s.siteId);
    await this.initCa();
    await this.startCoordinator();
    await Promise.all(sites.map((site) => this.enrolSite(site, extraYaml)));
    for (const site of sites) this.startSite(site);
    await this.connected(sites);
  }

  /** Stops every process and removes the folder (kept, and named, with FEDRAD_E2E_KEEP set). */
  async close(): Promise<void> {
    await this.stopAll();
    if (process.env.FEDRAD_E2E_KEEP) process.stdout.write(`e2e folder kept: ${this.dir}\n`);
    else rmSync(this.dir, { recursive: true, force: true });
  }

  async initCa(): Promise<void> {
    await runFedrad(['ca', 'init', '--ca-dir', this.caDir, '--campaign', this.campaignId], this.logDir, 'ca-init');
  }

  /**
   * Starts (or restarts, on the same data folder) the coordinator; waits until it listens. The
   * first start listens on ports the OS picks (0) and reads them from its `listening` line, so
   * no other process can take them between choosing and binding; a restart keeps them, as the
   * sites' configs name them.
   */
  async startCoordinator(dataDir = join(this.dir, 'coordinator'), tickMs = 100): Promise<FedradProcess> {
    const p = spawnFedrad('coordinator', [
      'coordinator', 'start', '--data', dataDir, '--ca-dir', this.caDir, '--site-port', String(this.sitePort ?? 0), '--api-port', String(this.apiPort ?? 0),
      '--auto-approve', '--tick-ms', String(tickMs),
    ], this.logDir);
    this.coordinator = p;
    const listening = await waitUntil('the coordinator to listen', () => {
      const line = /\{"event":"listening".*?\}/.exec(p.output());
      if (line) return JSON.parse(line[0]) as { sitePort: number; apiPort: number };
      return p.child.exitCode !== null ? Promise.reject(Object.assign(new Error(p.output()), { fatal: true })) : undefined;
    }, 60000);
    this.sitePort = listening.sitePort;
    this.apiPort = listening.apiPort;
    // The first start creates the operator `admin` (its one-time password on stdout); scripts use a token.
    if (!this.token) {
      if (!/\{"event":"admin-created"/.test(p.output())) throw new Error(`the coordinator's first start printed no admin-created line:\n${p.output()}`);
      const out = await runFedrad(['coordinator', 'token', 'create', '--data', dataDir, '--username', 'admin', '--label', 'e2e'], this.logDir, 'token-create');
      this.token = (JSON.parse(out) as { token: string }).token;
    }
    this.client = createCoordinatorClient(`http://127.0.0.1:${this.apiPort}/trpc`, this.token);
    return p;
  }

  /**
   * Writes site.yaml for a site of the cohort summary (or with the given cohort entry, e.g. an
   * image cohort) and gets its certificate with `fedrad site enrol`.
   */
  async enrolSite(siteId: string, extraYaml: string[] = [], cohortEntry?: { images: string; outcome: string }): Promise<SiteHandle> {
    const cohort = cohortEntry ? { featuresCsv: '', outcomeCsv: cohortEntry.outcome } : this.cohorts.sites.find((s) => s.siteId === siteId)!;
    const dir = join(this.dir, 'sites', siteId);
    mkdirSync(join(dir, 'keys'), { recursive: true });
    copyFileSync(join(this.caDir, 'ca.cert.pem'), join(dir, 'keys/ca.cert.pem'));
    const config = join(dir, 'site.yaml');
    writeFileSync(config, [
      `siteId: ${siteId}`,
      `campaignId: ${this.campaignId}`,
      `coordinatorUrl: https://127.0.0.1:${this.sitePort}`,
      'dataRoot: .',
      'reconnect: { initialMs: 200, maxMs: 1000 }',
      'cohorts:',
      cohortEntry
        ? `  - { name: local, images: ${cohortEntry.images}, outcome: ${cohortEntry.outcome} }`
        : `  - { name: local, features: ${cohort.featuresCsv}, outcome: ${cohort.outcomeCsv} }`,
      ...extraYaml,
    ].join('\n') + '\n');
    const { code } = await this.client.enrolments.createCode({ siteId, campaignId: this.campaignId });
    await runFedrad(['site', 'enrol', '--config', config, '--code', code, '--wait', '20'], this.logDir, `${siteId}-enrol`);
    const handle: SiteHandle = { siteId, dir, config, featuresCsv: cohort.featuresCsv, outcomeCsv: cohort.outcomeCsv };
    this.sites.set(siteId, handle);
    return handle;
  }

  async approve(siteId: string, protocolHash: string): Promise<void> {
    await runFedrad(['site', 'approve', protocolHash, '--config', this.sites.get(siteId)!.config, '--by', 'e2e-operator'], this.logDir, `${siteId}-approve`);
  }

  startSite(siteId: string): FedradProcess {
    const site = this.sites.get(siteId)!;
    site.process = spawnFedrad(siteId, ['site', 'start', '--config', site.config], this.logDir);
    return site.process;
  }

  /**
   * Waits until the coordinator sees every named site connected. The default deadline is long
   * enough for several site processes starting at once on a loaded machine; it bounds only failure.
   */
  async connected(siteIds: string[], timeoutMs = 60000): Promise<void> {
    await waitUntil(`sites ${siteIds.join(', ')} to connect`, async () => {
      const h = await this.client.sites.connected();
      return siteIds.every((s) => h.connectedSites.includes(s)) ? true : undefined;
    }, timeoutMs, 100);
  }

  async createCampaign(protocol: Record<string, unknown>): Promise<string> {
    await this.client.campaigns.create(protocol);
    return canonicalHash(protocol);
  }

  async waitForState(campaignId: string, states: string[], timeoutMs = 60000): Promise<Awaited<ReturnType<CoordinatorClient["campaigns"]["status"]>>> {
    return waitUntil(`campaign ${campaignId} to reach ${states.join('/')}`, async () => {
      const s = await this.client.campaigns.status({ campaignId });
      if (s.state === 'failed' && !states.includes('failed')) throw Object.assign(new Error(`campaign ${campaignId} failed: ${JSON.stringify(s.failure)}`), { fatal: true });
      return states.includes(s.state) ? s : undefined;
    }, timeoutMs, 100);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.sites.values()].map((s) => s.process?.stop()));
    await this.coordinator?.stop();
  }
}

/**
 * site.yaml's opt-in to rounds at coefficients a site cannot verify (a protocol with neither
 * training.shareSiteUpdates nor training.secureAggregation; apps/site-node's jobPolicy.ts): for the
 * tests about something else that deliberately run such a protocol, each saying why where it passes it.
 */
export const TRUST_COORDINATOR_COEFFICIENTS = ['trustCoordinatorCoefficients: true'];

/** A campaign protocol for the synthetic cohorts (validated by the coordinator when created). */
export function protocolFor(campaignId: string, features: string[], trainingSites: string[], testSites: string[], training: Record<string, unknown>, model: Record<string, unknown> = { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.05, standardize: true }): Record<string, unknown> {
  return {
    type: 'campaign-protocol',
    campaignId,
    title: `End-to-end campaign ${campaignId}`,
    version: 1,
    outcome: { type: 'binary', label: 'label' },
    features,
    model,
    trainingSites,
    testSites,
    minCohortSize: 5,
    training,
    createdAt: '2026-11-26T12:00:00Z',
  };
}
