import { readFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  canonicalHash,
  isPackedTensor,
  packTensor,
  updateLayout,
  validate,
  type CampaignProtocol,
  type CoordinatorAck,
  type CoordinatorWelcome,
  type ErrorReport,
  type JobEnvelope,
  type JobResult,
  type ModelUpdate,
  type SchemaName,
  type TrainRoundParams,
  localReason,
  toErrorReport,
} from '@fedrad/protocol';
import { CohortRegistry } from './cohortRegistry.js';
import { EgressGate, type JobEgressLimits } from './egressGate.js';
import { describeViolationsForCoordinator } from './egressGuard.js';
import { CohortTooSmallError, SiteConfigError, UnapprovedProtocolError } from './errors.js';
import { JobExecutor } from './jobExecutor.js';
import { protocolDeviations } from './protocolConformance.js';
import type { JobInput, JobOutput } from './jobTypes.js';
import { ResultSigner } from './resultSigner.js';
import { SiteChannel } from './siteChannel.js';
import type { SiteConfig } from './siteConfig.js';
import { SiteStore } from './siteStore.js';

export const SOFTWARE_VERSION = '0.1.0';
export const CHANNEL_PROTOCOL_VERSION = 1;
export const SUPPORTED_JOB_KINDS: JobEnvelope['kind'][] = ['extract', 'train-round', 'evaluate'];

/** Refusals after which a result is dropped from the outbox (SITE_CHANNEL.md §3). */
const FINAL_REFUSALS = new Set(['REPLAY', 'STALE_ROUND', 'JOB_CLOSED', 'BAD_SIGNATURE', 'PROTOCOL_INVALID', 'UNKNOWN_JOB', 'NONCE_MISMATCH', 'SITE_MISMATCH', 'UPDATE_INVALID']);
const RESEND_DELAY_MS = 2000;

/** Which schema an incoming frame's `type` names (SITE_CHANNEL.md §2). */
const INCOMING: Record<string, SchemaName> = {
  'coordinator-welcome': 'coordinator-welcome',
  job: 'job-envelope',
  'coordinator-ack': 'coordinator-ack',
  'certificate-revocation': 'certificate-revocation',
};

export interface SiteDaemonOptions {
  log?: (line: string) => void;
  /** Replaces the worker-thread executor (tests inject a job that misbehaves on purpose). */
  runJob?: (input: JobInput) => Promise<JobOutput>;
  /** Called when the coordinator refuses this site for good (revoked certificate). */
  onRefused?: (reason: string) => void;
}

interface CampaignInfo {
  campaignId: string;
  minCohortSize: number;
  role: 'training' | 'test';
  protocol: CampaignProtocol;
}

/**
 * The site node: one outbound channel, the local approvals and job store, the cohort
 * registry, the job executor, and the egress gate in front of every frame it sends.
 */
export class SiteDaemon {
  readonly store: SiteStore;
  readonly registry: CohortRegistry;
  private readonly gate: EgressGate;
  private readonly executor: JobExecutor;
  private readonly signer: ResultSigner;
  private readonly channel: SiteChannel;
  /** The campaign CA: evaluate jobs check the model's signature under it. */
  private readonly caPem: string;
  private readonly campaigns = new Map<string, CampaignInfo>();
  /** Jobs running now, with the newest envelope seen for each (a retry may arrive meanwhile). */
  private readonly running = new Map<string, JobEnvelope>();
  /** Signed results not yet acknowledged, by nonce; re-sent after a reconnect. */
  private readonly outbox = new Map<string, string>();
  private heartbeat?: NodeJS.Timeout;
  private stopped = false;
  private readonly welcomeWaiters: Array<() => void> = [];
  private heartbeatSeconds: number;
  private readonly log: (line: string) => void;

  constructor(readonly config: SiteConfig, private readonly options: SiteDaemonOptions = {}) {
    this.log = options.log ?? ((line) => process.stderr.write(`[site ${config.siteId}] ${line}\n`));
    this.heartbeatSeconds = config.heartbeatSeconds;
    const pem = (file: string, what: string) => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        throw new SiteConfigError(`The site's ${what} ${file} cannot be read; run \`fedrad site enrol\` first or fix tls.${what} in ${config.configFile}.`, { file });
      }
    };
    const keyPem = pem(config.tls.key, 'key');
    const certificatePem = pem(config.tls.certificate, 'certificate');
    const caPem = pem(config.tls.ca, 'ca');
    this.caPem = caPem;
    this.registry = CohortRegistry.load(config.cohorts, this.log);
    this.store = new SiteStore(config.database);
    const forgotten = this.store.forgetUnfinishedJobs();
    if (forgotten > 0) this.log(`${forgotten} job(s) interrupted by the last shutdown will run again when the coordinator re-sends them`);
    this.gate = new EgressGate(this.store, () => ({ localPatientCounts: this.registry.patientCounts(), patientIds: this.registry.patientIds(), minCohortSize: config.minCohortSize }), this.log);
    this.executor = new JobExecutor({ concurrency: config.workers });
    this.signer = new ResultSigner(keyPem, certificatePem);
    this.channel = new SiteChannel({
      url: channelUrl(config.coordinatorUrl),
      keyPem,
      certificatePem,
      caPem,
      reconnect: config.reconnect,
      // Two heartbeats without a pong: the coordinator is gone.
      pingIntervalMs: () => 2 * this.heartbeatSeconds * 1000,
      onOpen: () => this.sendHello(),
      onMessage: (text) => this.receive(text),
      onRefused: (reason) => {
        this.stopHeartbeat();
        this.options.onRefused?.(reason);
      },
      log: this.log,
    });
  }

  start(): void {
    this.channel.start();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopHeartbeat();
    this.channel.stop();
    await this.executor.close();
    this.store.close();
  }

  /** Sends a message through the egress gate; false when blocked or not connected. */
  send(schema: SchemaName, message: object): boolean {
    const verdict = this.gate.admit(schema, message);
    if (!verdict.allowed) return false;
    return this.channel.send(JSON.stringify(message));
  }

  private sendHello(): void {
    this.send('site-hello', {
      type: 'site-hello',
      siteId: this.config.siteId,
      softwareVersion: SOFTWARE_VERSION,
      protocolVersion: CHANNEL_PROTOCOL_VERSION,
      capabilities: { jobKinds: SUPPORTED_JOB_KINDS, workers: this.config.workers, secureAggregation: false },
      approvedProtocols: this.store.approvedProtocols(),
      sentAt: new Date().toISOString(),
    });
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      this.send('heartbeat', {
        type: 'heartbeat',
        siteId: this.config.siteId,
        sentAt: new Date().toISOString(),
        runningJobs: [...this.running.keys()],
        load: Math.max(0, loadavg()[0]),
      });
    }, this.heartbeatSeconds * 1000);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private receive(text: string): void {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      this.log('ignored a frame that is not JSON');
      return;
    }
    const type = (doc as { type?: unknown })?.type;
    const schema = typeof type === 'string' ? INCOMING[type] : undefined;
    if (!schema) {
      this.log(`ignored a frame of unknown type ${JSON.stringify(type)}`);
      return;
    }
    const check = validate(schema, doc);
    if (!check.valid) {
      this.log(`ignored an invalid ${schema}: ${check.message}`);
      return;
    }
    switch (schema) {
      case 'coordinator-welcome':
        return this.onWelcome(doc as CoordinatorWelcome);
      case 'job-envelope':
        // A job's failure is reported to the coordinator inside onJob; anything that escapes
        // (the daemon stopping under it, a full disk) is logged, never allowed to end the daemon.
        this.onJob(doc as JobEnvelope).catch((error) => {
          if (!this.stopped) this.log(`job ${(doc as JobEnvelope).jobId} could not be completed: ${(error as Error).message}`);
        });
        return;
      case 'coordinator-ack':
        return this.onAck(doc as CoordinatorAck);
      case 'certificate-revocation':
        this.log('the coordinator revoked this site\'s certificate; the connection will be closed');
        return;
    }
  }

  private onWelcome(welcome: CoordinatorWelcome): void {
    this.heartbeatSeconds = welcome.heartbeatSeconds;
    this.channel.markHealthy(); // after the heartbeat: the ping interval follows it
    for (const c of welcome.campaigns) {
      if (canonicalHash(c.protocol) !== c.protocolHash) {
        this.log(`campaign ${c.campaignId}: the protocol sent does not hash to ${c.protocolHash}; its jobs will be refused unless approved by hash`);
        continue;
      }
      this.campaigns.set(c.protocolHash, {
        campaignId: c.campaignId,
        minCohortSize: Math.max(this.config.minCohortSize, c.protocol.minCohortSize ?? 0),
        role: c.role,
        protocol: c.protocol,
      });
    }
    for (const done of this.welcomeWaiters.splice(0)) done();
    this.startHeartbeat();
    for (const frame of this.outbox.values()) this.channel.send(frame);
  }

  /** Sends a fresh hello and waits (at most 5 s) for the welcome that answers it. */
  private refreshCampaigns(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.welcomeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.sendHello();
    });
  }

  private onAck(ack: CoordinatorAck): void {
    if (ack.of !== 'job-result' || !ack.nonce) return;
    if (ack.status === 'refused') this.log(`coordinator refused the result of ${ack.jobId} (attempt ${ack.attempt}): [${ack.code}] ${ack.message}`);
    // SITE_CHANNEL.md §3: these refusals are final (nothing resent could be accepted, or it
    // is a bug/tampering to look into locally); any other refusal is the coordinator's own
    // trouble, so the result stays in the outbox and is sent again a little later.
    if (ack.status === 'accepted' || FINAL_REFUSALS.has(ack.code ?? '')) {
      this.outbox.delete(ack.nonce);
      return;
    }
    const frame = this.outbox.get(ack.nonce);
    if (frame) setTimeout(() => this.outbox.has(ack.nonce!) && this.channel.send(frame), RESEND_DELAY_MS).unref();
  }

  private minimumFor(protocolHash: string): number {
    return this.campaigns.get(protocolHash)?.minCohortSize ?? this.config.minCohortSize;
  }

  private async onJob(job: JobEnvelope): Promise<void> {
    if (job.siteId !== this.config.siteId) {
      this.log(`ignored job ${job.jobId} addressed to ${job.siteId}`);
      return;
    }
    if (!this.store.isApproved(job.protocolHash)) {
      const refusal = toErrorReport(new UnapprovedProtocolError(job.protocolHash));
      refusal.message = `Site ${this.config.siteId} has not approved protocol ${job.protocolHash}; its operator must run \`fedrad site approve ${job.protocolHash}\`.`;
      refusal.retryable = false;
      this.log(`refused job ${job.jobId}: protocol ${job.protocolHash} is not approved here`);
      this.answer(job, refusal);
      return;
    }
    const running = this.running.get(job.jobId);
    if (running) {
      this.running.set(job.jobId, job); // answer the newest attempt when done
      return;
    }
    const stored = this.store.job(job.jobId);
    if (stored && stored.resultJson && !isRetryableFailure(stored.resultJson)) {
      this.answer(job, JSON.parse(stored.resultJson));
      return;
    }
    this.running.set(job.jobId, job);
    // A campaign created after this connection's welcome: say hello again to get its protocol.
    if (!this.campaigns.has(job.protocolHash)) await this.refreshCampaigns();
    const campaign = this.campaigns.get(job.protocolHash);
    const deviations = campaign ? protocolDeviations(job, campaign.protocol, campaign.role) : [];
    if (!campaign || deviations.length > 0) {
      this.running.delete(job.jobId);
      const refusal: ErrorReport = campaign
        ? { type: 'error-report', code: 'JOB_OUTSIDE_PROTOCOL', message: `Site ${this.config.siteId} refuses this job: ${deviations.join('; ')}.`.slice(0, 2000), retryable: false }
        : { type: 'error-report', code: 'PROTOCOL_UNKNOWN', message: `Site ${this.config.siteId} has not received the locked protocol ${job.protocolHash} from the coordinator, so it cannot check the job against it.`, retryable: true };
      this.log(`refused job ${job.jobId}: [${refusal.code}] ${refusal.message}`);
      this.answer(this.running.get(job.jobId) ?? job, refusal);
      return;
    }
    if (stored) this.store.forgetJob(job.jobId);
    this.store.startJob(job);
    const startedAt = Date.now();
    this.log(`running job ${job.jobId} (${job.kind}, attempt ${job.attempt})`);
    let body: object;
    let reason: string | undefined;
    try {
      const input = this.jobInput(job);
      // Not the attempt's deadline: a late answer to an open job still counts (SITE_CHANNEL.md §3);
      // only a job that runs far longer than any should is abandoned.
      const hardLimit = new Date(Date.now() + this.config.jobTimeoutSeconds * 1000);
      const output = await (this.options.runJob ?? ((i: JobInput) => this.executor.run(i, hardLimit)))(input);
      body = output.ok ? output.result : output.report;
      if (!output.ok) reason = output.localReason ?? output.report.message;
    } catch (error) {
      body = toErrorReport(error, { localRoots: this.localRoots() });
      reason = localReason(error);
    }
    if (this.stopped) return; // the store is closed; the coordinator will re-send the job
    const latest = this.running.get(job.jobId) ?? job;
    this.running.delete(job.jobId);
    body = this.answer(latest, body);
    const failed = (body as { type?: string }).type === 'error-report';
    // The site's operator reads the whole reason here (and in `fedrad site status`); the coordinator got the path-free report.
    const failure = failed ? ` with error ${(body as { code?: string }).code}: ${reason ?? (body as { message?: string }).message}` : '';
    this.log(`job ${job.jobId} answered${failure} after ${Date.now() - startedAt} ms`);
    this.store.finishJob(job.jobId, failed ? 'failed' : 'done', JSON.stringify(body), failed ? reason ?? (body as { message?: string }).message : undefined);
  }

  private jobInput(job: JobEnvelope): JobInput {
    const cohortName = (job.params as { cohort?: string }).cohort;
    const cohort = this.registry.refresh(cohortName);
    const minCohortSize = this.minimumFor(job.protocolHash);
    if (cohort.patientIds.length < minCohortSize) throw new CohortTooSmallError(cohort.patientIds.length, minCohortSize, cohort.name);
    return {
      envelope: job,
      siteId: this.config.siteId,
      cohort: { name: cohort.name, features: cohort.features, outcome: cohort.outcome },
      minCohortSize,
      workDir: join(this.config.dataRoot, 'jobs'),
      caCertPem: this.caPem,
      localRoots: this.localRoots(),
    };
  }

  /** The folders whose paths an error report must not carry out: data root, config folder, cohort folders, home, temp. */
  private localRoots(): string[] {
    const c = this.config;
    return [c.dataRoot, dirname(c.configFile), dirname(c.database), ...c.cohorts.flatMap((k) => [dirname(k.features), dirname(k.outcome)]), homedir(), tmpdir()];
  }

  /**
   * Wraps a result body for the given attempt, passes it through the egress gate (a blocked
   * body is replaced by an EGRESS_BLOCKED report), signs and sends it. Returns the body that
   * was actually sent, which is what the store keeps.
   */
  private answer(job: JobEnvelope, body: object): object {
    const limits: JobEgressLimits = { minCohortSize: this.minimumFor(job.protocolHash) };
    if (job.kind === 'train-round') {
      const params = job.params as TrainRoundParams;
      limits.modelUpdateTensors = updateLayout(params);
    }
    const wrap = (result: object) => {
      const unsigned: Record<string, unknown> = {
        type: 'job-result',
        jobId: job.jobId,
        campaignId: job.campaignId,
        siteId: this.config.siteId,
        protocolHash: job.protocolHash,
        kind: job.kind,
        attempt: job.attempt,
        nonce: job.nonce,
        completedAt: new Date().toISOString(),
        result,
      };
      if (job.round !== undefined) unsigned.round = job.round;
      return unsigned;
    };
    if (job.kind === 'train-round') body = packedUpdate(body);
    let unsigned = wrap(body);
    let verdict = this.gate.admit('job-result', unsigned, job.jobId, limits);
    if (!verdict.allowed) {
      const blocked: ErrorReport = {
        type: 'error-report',
        code: 'EGRESS_BLOCKED',
        message: `The site's egress guard blocked this job's result (details in \`fedrad site egress-log\` at the site): ${describeViolationsForCoordinator(verdict)}`.slice(0, 2000),
        retryable: false,
      };
      body = blocked;
      unsigned = wrap(body);
      verdict = this.gate.admit('job-result', unsigned, job.jobId, limits);
      if (!verdict.allowed) return body;
    }
    const signed: JobResult = this.signer.sign(unsigned as unknown as JobResult);
    const frame = JSON.stringify(signed);
    this.outbox.set(job.nonce, frame);
    this.channel.send(frame);
    return body;
  }
}

/**
 * A model update with its tensors packed (base64 Float64, protocols' PackedTensor), so the
 * coordinator neither parses nor prints their numbers, which was a third of its CPU per result.
 * The egress guard judges the packed form, as it is what leaves the site.
 */
function packedUpdate(body: object): object {
  const update = body as Partial<ModelUpdate> & { type?: string };
  if (update.type !== undefined || !Array.isArray(update.tensors)) return body;
  return { ...update, tensors: update.tensors.map((t) => (isPackedTensor(t) ? t : packTensor(t))) };
}

function isRetryableFailure(resultJson: string): boolean {
  const body = JSON.parse(resultJson) as { type?: string; retryable?: boolean };
  return body.type === 'error-report' && body.retryable === true;
}

/** `https://host:port` (or a wss URL already) → `wss://host:port/site`. */
export function channelUrl(coordinatorUrl: string): string {
  const url = new URL(coordinatorUrl);
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/site';
  return url.toString();
}
