import type { CampaignProtocol, ModelCard, Tensor } from '@fedrad/protocol';
import type { Db } from '../store/openStore.js';

/** Something that happened in a campaign, for live subscribers (console, CLI `--follow`). */
export interface CampaignEvent {
  campaignId: string;
  type:
    | 'campaign-state'
    | 'round-opened'
    | 'round-closed'
    | 'result-accepted'
    | 'result-refused'
    | 'job-failed'
    | 'job-retried'
    | 'model-locked'
    | 'evaluation-received'
    | 'extraction-received'
    | 'harmonization-received';
  at: string;
  round?: number;
  siteId?: string;
  detail?: Record<string, unknown>;
}

/** Turns the locked model into ONNX bytes for evaluation jobs (the learning engine's exporter). */
export type ModelExporter = (protocol: CampaignProtocol, parameters: Tensor[], info: { sampleCount: number; roundsRun: number; converged: boolean }) => Uint8Array;

/** The learning engine's model card of an exported model (inputs, coefficients, training), before the campaign's block is added. */
export type ModelDescriber = (protocol: CampaignProtocol, parameters: Tensor[], info: { sampleCount: number; roundsRun: number; converged: boolean }, onnx: Uint8Array) => ModelCard;

/** The coordinator's own key and certificate (CN "coordinator", issued by the campaign CA): it signs the locked model's card. */
export interface ModelSigner {
  keyPem: string;
  certPem: string;
  /** fedrad's version, written into the card. */
  softwareVersion: string;
}

/** The campaign CA, when the coordinator issues certificates and CRLs itself. */
export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

/**
 * Everything the core functions need: the database, a clock (tests move it), and optional
 * hooks. No sockets: the servers call these functions and send what they return.
 */
export interface CoreContext {
  db: Db;
  clock: () => Date;
  exportModel?: ModelExporter;
  /** With `modelSigner`: the lock writes a model card and signs it, and test sites get both with the model. */
  describeModel?: ModelDescriber;
  modelSigner?: ModelSigner;
  ca?: CaMaterial;
  autoApproveEnrolment?: boolean;
  emit?: (event: CampaignEvent) => void;
}

export const nowIso = (ctx: CoreContext): string => ctx.clock().toISOString();

// One transaction wrapper per database: better-sqlite3's db.transaction(fn) builds four wrapper
// functions on every call, which the result path did two or three times per result.
const runners = new WeakMap<Db, (fn: () => unknown) => unknown>();

/** Runs fn in one SQLite transaction (better-sqlite3 transactions are synchronous and nest as savepoints). */
export function inTransaction<T>(ctx: CoreContext, fn: () => T): T {
  let run = runners.get(ctx.db);
  if (!run) runners.set(ctx.db, (run = ctx.db.transaction((f: () => unknown) => f())));
  return run(fn) as T;
}
