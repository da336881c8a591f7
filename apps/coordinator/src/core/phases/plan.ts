import type { CampaignProtocol, JobEnvelope } from '@fedrad/protocol';
import type { CoreContext } from '../context.js';
import { evaluation } from './evaluation.js';
import { exportsModel, lock } from './lock.js';
import type { JobKind, Phase } from './phase.js';
import { training } from './training.js';

/** Every phase the coordinator can run, by name. A new phase is one file and one entry here. */
const PHASES: Record<string, Phase> = Object.fromEntries(([training, lock, evaluation] as Phase[]).map((p) => [p.name, p]));

/**
 * The steps a campaign runs, in order, derived from its protocol: training, then the model is
 * locked, then evaluated on the independent test sites when it was exported for them.
 */
export function plan(protocol: CampaignProtocol, coordinator: Pick<CoreContext, 'exportModel'>): string[] {
  return ['training', 'lock', ...(exportsModel(coordinator, protocol) ? ['evaluation'] : [])];
}

export function phaseNamed(name: string): Phase {
  const phase = PHASES[name];
  if (!phase) throw new Error(`No campaign phase "${name}" in this coordinator`);
  return phase;
}

const JOB_KINDS = new Map<string, JobKind>(Object.values(PHASES).flatMap((p) => (p.jobKind ? [[p.jobKind.kind, p.jobKind] as const] : [])));

/** The job kind a phase of this coordinator creates, by name; undefined for a kind no phase sends. */
export function jobKindOf(kind: JobEnvelope['kind']): JobKind | undefined {
  return JOB_KINDS.get(kind);
}
