import type { CampaignProtocol, JobEnvelope, JobResult } from '@fedrad/protocol';
import type { RefusalCode } from '../acks.js';
import type { CampaignRecord, CampaignState } from '../campaignStore.js';
import type { CampaignEvent, CoreContext } from '../context.js';
import type { JobRecord } from '../jobs.js';

/** What a phase produced when it closed. */
export type PhaseOutcome<Input, Output> =
  /** Finished: the next step of the plan opens with `output`. */
  | { status: 'done'; output: Output }
  /** Run the same phase again with `input` (training's next round). */
  | { status: 'again'; input: Input }
  /** The campaign fails with this code and message. */
  | { status: 'failed'; code: string; message: string };

/** Why a result cannot be committed: the refusal the site receives in its ack. */
export interface Refused {
  code: RefusalCode;
  message: string;
  /**
   * Set when the site signed this body and no attempt of the job can ever do better (a
   * non-finite update: the site's stored answer is the same): the job fails at once with this
   * code, naming that site, instead of waiting out its attempts and stalling the round.
   */
  failsJob?: string;
}

/**
 * What a phase knows about the one job kind it creates: the result path (results.ts), the
 * scheduler (tick.ts) and the job table ask it instead of testing the kind themselves.
 */
export interface JobKind {
  kind: JobEnvelope['kind'];
  /** The job's idempotent id (SITE_CHANNEL.md §3). */
  jobId(campaignId: string, siteId: string, round?: number): string;
  /** Each attempt's deadline, and how many attempts before the job fails (SITE_CHANNEL.md §4). */
  attempts(protocol: CampaignProtocol): { deadlineSeconds: number; maxAttempts: number };
  /** A refusal when a result for this job can no longer count (checked before the job's own state). */
  stale?(ctx: CoreContext, campaign: CampaignRecord, job: JobRecord): Refused | undefined;
  /** A refusal when an accepted result's body is not what this kind expects (checked before commit). */
  check?(campaign: CampaignRecord, job: JobRecord, body: JobResult['result']): Refused | undefined;
  /** Keeps an accepted result where the phase reads it (beyond the results row). Inside the commit transaction. */
  store?(ctx: CoreContext, job: JobRecord, body: JobResult['result'], at: string): void;
  /** The live event an accepted result of this kind announces. */
  acceptedEvent: CampaignEvent['type'];
}

/**
 * One step of a campaign's plan. The runner (campaignRunner.ts) opens it with the previous
 * step's output, asks after every result and every scheduler tick whether it is ready, closes
 * it, and opens the next step, all in one transaction. A phase reads what it needs from the
 * store (never from memory), so a restart resumes it wherever the last commit left it.
 */
export interface Phase<Input = unknown, Output = unknown> {
  name: string;
  /**
   * The coarse state the campaign shows while this phase runs (the site channel's enum):
   * 'training' until the model is locked, 'evaluating' after.
   */
  campaignState: Extract<CampaignState, 'training' | 'evaluating'>;
  /** Whether the plan of this protocol includes the phase (default: always), given the coordinator's set-up. */
  applies?(protocol: CampaignProtocol, coordinator: Pick<CoreContext, 'exportModel'>): boolean;
  /** Throws when the protocol asks for something this phase cannot do (at campaign creation). */
  validate?(protocol: CampaignProtocol): void;
  /** Starts the phase's work; returns the jobs to send. Inside the runner's transaction. */
  open(ctx: CoreContext, campaign: CampaignRecord, input: Input | undefined): JobEnvelope[];
  /** Whether the phase's work is finished and it can close. Called after every result: keep it cheap. */
  ready(ctx: CoreContext, campaign: CampaignRecord): boolean;
  /** What the phase produced, with its rows committed by the runner's transaction. */
  close(ctx: CoreContext, campaign: CampaignRecord): PhaseOutcome<Input, Output>;
  /**
   * What of the phase's output the campaign records as the step's result (stepOutputs.ts; its
   * hash is shown in the status and pins it for later steps). Default: the whole output. A phase
   * whose output holds bytes records their hash instead.
   */
  recorded?(output: Output): unknown;
  /** The job kind this phase creates, when it sends jobs. */
  jobKind?: JobKind;
  /** Further kinds it creates (training's secure-aggregation stages). */
  otherJobKinds?: readonly JobKind[];
}
