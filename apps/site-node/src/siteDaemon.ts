import { existsSync, readFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  canonicalHash,
  isPackedTensor,
  packTensor,
  unpackTensor,
  updateLayout,
  validate,
  type AuditHead,
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
import { queriedPatients } from './queriedPatients.js';
import { EgressGate, type JobEgressLimits } from './egressGate.js';
import { describeViolationsForCoordinator } from './egressGuard.js';
import { CohortTooSmallError, JobInputError, JobRefusedError, SiteConfigError, UnapprovedProtocolError } from './errors.js';
import { extractedTables } from './extractedTables.js';
import { JobExecutor } from './jobExecutor.js';
import { jobIdProblem } from './jobIds.js';
import { admitJob, unverifiableCoefficients } from './jobPolicy.js';
import { protocolDeviations, protocolForJob, siteRole, type SiteRole } from './protocolConformance.js';
import type { JobInput, JobOutput } from './jobTypes.js';
import { ResultSigner } from './resultSigner.js';
import { checkTrajectory, type VerifiedState } from './trajectory.js';
import { checkExchange } from './exchangeTrajectory.js';
import { exchangeBasis, trainingBasis } from './answerBasis.js';
import { maskedTrainingUpdate, secureAggregationStage, startPipelinedRound } from './secureRounds.js';
import { SiteChannel } from './siteChannel.js';
import type { CohortEntry, SiteConfig } from './siteConfig.js';
import { SiteStore } from './siteStore.js';
import { answeredFeatures } from './answeredFeatures.js';
import { AuditHeadRecorder, auditHeadsFile } from './auditHeads.js';
import { SOFTWARE_VERSION } from './version.js';

export { SOFTWARE_VERSION };
export const CHANNEL_PROTOCOL_VERSION = 1;
export const SUPPORTED_JOB_KINDS: JobEnvelope['kind'][] = ['extract', 'reproducibility', 'harmonize', 'select', 'tune-round', 'train-round', 'evaluate', 'secure-aggregation', 'baseline-round'];

/** Refusals after which a result is dropped from the outbox (SITE_CHANNEL.md §3). */
const FINAL_REFUSALS = new Set(['REPLAY', 'STALE_ROUND', 'JOB_CLOSED', 'BAD_SIGNATURE', 'PROTOCOL_INVALID', 'UNKNOWN_JOB', 'NONCE_MISMATCH', 'SITE_MISMATCH', 'UPDATE_INVALID']);
const RESEND_DELAY_MS = 2000;

/** Which schema an incoming frame's `type` names (SITE_CHANNEL.md §2). */
const INCOMING: Record<string, SchemaName> = {
  'coordinator-welcome': 'coordinator-welcome',
  job: 'job-envelope',
  'coordinator-ack': 'coordinator-ack',
  'certificate-revocation': 'certificate-revocation',
  'audit-head': 'audit-head',
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
  /** From the protocol's own site lists (siteRole), never from the welcome. */
  role: SiteRole | undefined;
  protocol: CampaignProtocol;
}

/**
 * The site node: one outbound channel, the local approvals and job store, the cohort
 * registry, the job executor, and the egress gate in front of every frame it sends.
 */
export class SiteDaemon {
  readonly store: SiteStore;
  /** The coordinator's signed audit heads, kept beside the database (auditHeads.ts). */
  private readonly auditHeads: AuditHeadRecorder;
  readonly registry: CohortRegistry;
  private readonly gate: EgressGate;
  private readonly executor: JobExecutor;
  private readonly signer: ResultSigner;
  private readonly channel: SiteChannel;
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
  /** The campaign CA: the trajectory check verifies other sites' certificates, and evaluate jobs the model's signature, under it. */
  private readonly caPem: string;

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
    this.auditHeads = new AuditHeadRecorder(auditHeadsFile(config), readFileSync(config.tls.ca, 'utf8'), this.log);
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
    if (this.config.trustCoordinatorCoefficients) {
      this.log(`WARNING: ${this.config.configFile} sets trustCoordinatorCoefficients: this site answers training rounds after round 0, and tuning, LASSO-path and baseline exchanges, at coefficients the coordinator chooses under protocols that set neither training.shareSiteUpdates nor training.secureAggregation — a coordinator that crafts them can read one patient's features from two answers`);
    }
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
      capabilities: { jobKinds: SUPPORTED_JOB_KINDS, workers: this.config.workers, secureAggregation: true },
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
      case 'audit-head':
        this.auditHeads.record(doc as AuditHead);
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
      const role = siteRole(c.protocol, this.config.siteId);
      if (role !== c.role) this.log(`campaign ${c.campaignId}: the coordinator calls this site a ${c.role} site, its protocol makes it ${role ? `a ${role} site` : 'neither'}; the protocol decides`);
      this.campaigns.set(c.protocolHash, {
        campaignId: c.campaignId,
        minCohortSize: Math.max(this.config.minCohortSize, c.protocol.minCohortSize ?? 0),
        role,
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
    const badId = jobIdProblem(job);
    if (badId) {
      this.log(`refused a job: ${badId}`);
      this.answer(job, { type: 'error-report', code: 'JOB_ID_INVALID', message: `Site ${this.config.siteId} refuses this job: ${badId}.`, retryable: false });
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
    // Coefficients the site cannot check (jobPolicy.ts), unless site.yaml trusts the coordinator with
    // them. Not stored, as a refusal against the protocol is not: a re-sent job meets the site.yaml of then.
    const unverifiable = this.config.trustCoordinatorCoefficients ? undefined : unverifiableCoefficients(job, campaign.protocol, this.config.siteId);
    if (unverifiable) {
      const latest = this.running.get(job.jobId) ?? job;
      this.running.delete(job.jobId);
      this.log(`refused job ${job.jobId}: [${unverifiable.code}] ${unverifiable.message}`);
      this.answer(latest, { type: 'error-report', code: unverifiable.code, message: unverifiable.message, retryable: false });
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
      // The site's own limits on what may be asked under the protocol (jobPolicy.ts); a refusal is
      // stored as the job's answer, so a retry of the same job id gets the same refusal.
      // A pipelined secure round's train-round job checks the previous round's masked forms itself (no keys job did).
      startPipelinedRound(this.store, this.config.siteId, job, campaign.protocol, this.caPem);
      const previous = job.round ? this.store.verifiedState(job.campaignId, job.round - 1) : undefined;
      const current = job.kind === 'train-round' && job.round ? this.store.verifiedState(job.campaignId, job.round) : undefined;
      const trajectory = checkTrajectory(job, protocolForJob(job, campaign.protocol), this.caPem, previous ? (JSON.parse(previous) as VerifiedState) : undefined, current ? (JSON.parse(current) as VerifiedState) : undefined);
      if (!trajectory.ok) throw new JobRefusedError('TRAJECTORY_MISMATCH', `Site ${this.config.siteId} refuses this job: ${trajectory.problem}.`);
      // The LASSO path's exchanges and the baseline rounds, checked against their own chains the same way.
      const exchange = checkExchange(job, campaign.protocol, this.caPem, (stream, round) => this.store.verifiedExchange(job.campaignId, stream, round));
      if (!exchange.ok) throw new JobRefusedError('TRAJECTORY_MISMATCH', `Site ${this.config.siteId} refuses this job: ${exchange.problem}.`);
      const refusal = admitJob(this.store, { job, protocol: campaign.protocol, patientIds: queriedPatients(job, input.cohort, this.registry.refresh(input.cohort.name).patientIds), minCohortSize: input.minCohortSize });
      if (refusal) throw new JobRefusedError(refusal.code, refusal.message);
      if (trajectory.state) this.store.recordVerifiedState(job.campaignId, trajectory.state.round, JSON.stringify(trajectory.state));
      if (exchange.verified) this.store.recordVerifiedExchange(job.campaignId, exchange.verified);
      // Not the attempt's deadline: a late answer to an open job still counts (SITE_CHANNEL.md §3);
      // only a job that runs far longer than any should is abandoned.
      const hardLimit = new Date(Date.now() + this.config.jobTimeoutSeconds * 1000);
      // Secure aggregation's key, share and unmask stages touch no patient row: they run here, beside the site's stored secrets.
      const output = job.kind === 'secure-aggregation'
        ? { ok: true as const, result: secureAggregationStage(this.store, this.config.siteId, job, campaign.protocol, this.caPem) as unknown as Record<string, unknown> }
        : await (this.options.runJob ?? ((i: JobInput) => this.executor.run(i, hardLimit)))(input);
      body = output.ok ? this.maskedIfAsked(job, output.result, campaign.protocol) : output.report;
      // Under shared updates the answer names the verified state it was computed at (answerBasis.ts), so no other site's check takes it for another job's.
      const basis = campaign.protocol.training.shareSiteUpdates !== true ? undefined : exchange.verified ? exchangeBasis(exchange.verified) : trajectory.state ? trainingBasis(trajectory.state) : undefined;
      if (output.ok && basis) body = { ...body, basis };
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
    // Parameters that did not follow from the transcript computed nothing: the job id stays free for
    // the parameters that do (as a refusal against the protocol is never stored either).
    if ((body as { code?: string }).code === 'TRAJECTORY_MISMATCH') this.store.forgetJob(job.jobId);
    else this.store.finishJob(job.jobId, failed ? 'failed' : 'done', JSON.stringify(body), failed ? reason ?? (body as { message?: string }).message : undefined);
  }

  /** A training update under secure aggregation leaves the site only masked (secureRounds.ts); any other result as it is. */
  private maskedIfAsked(job: JobEnvelope, result: Record<string, unknown>, protocol: CampaignProtocol): object {
    if (job.kind !== 'train-round' || !(job.params as TrainRoundParams).secureAggregation || result.type !== undefined) return result;
    return maskedTrainingUpdate(this.store, this.config.siteId, job, result as unknown as ModelUpdate, protocol);
  }

  private jobInput(job: JobEnvelope): JobInput {
    const cohortName = (job.params as { cohort?: string }).cohort;
    const cohort = this.registry.refresh(cohortName);
    const minCohortSize = this.minimumFor(job.protocolHash);
    if (cohort.patientIds.length < minCohortSize) throw new CohortTooSmallError(cohort.patientIds.length, minCohortSize, cohort.name);
    return {
      envelope: job,
      siteId: this.config.siteId,
      cohort: this.cohortTablesFor(job, cohort),
      minCohortSize,
      workDir: join(this.config.dataRoot, 'jobs'),
      caCertPem: this.caPem,
      localRoots: this.localRoots(),
      ...(this.config.ibsiVerification ? { ibsiVerification: this.config.ibsiVerification } : {}),
    };
  }

  /**
   * The tables a job reads. A feature-table cohort: its own. An image cohort: the manifest for
   * the extract job; for later jobs, what the campaign's extract step made with the protocol's
   * feature config (extractedTables.ts) — refused, naming the step, when it has not run here.
   */
  private cohortTablesFor(job: JobEnvelope, cohort: CohortEntry): CohortEntry {
    // The clinical table (site.yaml `clinical:`) goes with every job: the baseline jobs read it.
    const clinical = cohort.clinical ? { clinical: cohort.clinical } : {};
    if (!cohort.images) return { name: cohort.name, features: cohort.features, outcome: cohort.outcome, ...clinical };
    if (job.kind === 'extract') return { name: cohort.name, features: cohort.features, outcome: cohort.outcome, images: cohort.images };
    const featureConfig = this.campaigns.get(job.protocolHash)?.protocol.featureConfig;
    if (!featureConfig) {
      throw new JobInputError(`Cohort "${cohort.name}" holds images, and campaign ${job.campaignId}'s protocol pins no featureConfig to extract them with; this site has no feature table for it.`, { field: 'cohort' });
    }
    const tables = extractedTables(cohort, canonicalHash(featureConfig));
    if (!existsSync(tables.features)) {
      throw new JobInputError(`Cohort "${cohort.name}" has not been extracted with campaign ${job.campaignId}'s feature config yet (its extract step makes ${basename(tables.features)}).`, { field: 'cohort' });
    }
    // The reproducibility step measures the extracted patients again from the manifest (further segmentations, perturbations).
    return { name: cohort.name, features: tables.features, outcome: tables.outcome, ...(job.kind === 'reproducibility' ? { images: cohort.images } : {}), ...clinical };
  }

  /** The folders whose paths an error report must not carry out: data root, config folder, cohort folders, home, temp. */
  private localRoots(): string[] {
    const c = this.config;
    return [c.dataRoot, dirname(c.configFile), dirname(c.database), ...c.cohorts.flatMap((k) => [dirname(k.features), dirname(k.outcome), ...(k.images ? [dirname(k.images)] : []), ...(k.clinical ? [dirname(k.clinical.table)] : [])]), homedir(), tmpdir()];
  }

  /**
   * Wraps a result body for the given attempt, passes it through the egress gate (a blocked
   * body is replaced by an EGRESS_BLOCKED report), signs and sends it. Returns the body that
   * was actually sent, which is what the store keeps.
   */
  private answer(job: JobEnvelope, body: object): object {
    const limits: JobEgressLimits = { minCohortSize: this.minimumFor(job.protocolHash) };
    const featureNames = answeredFeatures(job, this.registry, this.campaigns.get(job.protocolHash)?.protocol.featureConfig);
    if (featureNames) limits.featureNames = featureNames;
    if (job.kind === 'train-round') {
      const params = job.params as TrainRoundParams;
      limits.modelUpdateTensors = updateLayout(params);
    }
    if (job.kind === 'baseline-round') limits.modelUpdateTensors = updateLayout((job.params as { step: TrainRoundParams }).step);
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
    if (job.kind === 'train-round' || job.kind === 'baseline-round') {
      const bad = nonFiniteValue(body);
      if (bad) body = { type: 'error-report', code: 'UPDATE_NOT_FINITE', message: `This site's update holds ${bad}; it is not sent (the local fit diverged, or a feature value is not finite).`, retryable: false } satisfies ErrorReport;
      body = packedUpdate(body);
    }
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

/** Where a model update holds NaN or ±Infinity (a packed tensor would carry them intact), or undefined. */
function nonFiniteValue(body: object): string | undefined {
  const update = body as Partial<ModelUpdate> & { type?: string };
  if (update.type !== undefined || !Array.isArray(update.tensors)) return undefined;
  for (const t of update.tensors) {
    const values = isPackedTensor(t) ? unpackTensor(t).data : t.data;
    const i = Array.prototype.findIndex.call(values, (v: number) => !Number.isFinite(v));
    if (i >= 0) return `${values[i]} in tensor "${t.name}" at index ${i}`;
  }
  for (const key of ['loss', 'sampleCount', 'eventCount'] as const) {
    const v = update[key];
    if (typeof v === 'number' && !Number.isFinite(v)) return `${v} as its ${key}`;
  }
  return undefined;
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
