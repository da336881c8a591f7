import type { CampaignProtocol, JobEnvelope } from '@fedrad/protocol';
import type { CoreContext } from '../context.js';
import { baseline } from './baseline.js';
import { evaluation } from './evaluation.js';
import { extraction } from './extraction.js';
import { harmonization } from './harmonization.js';
import { lock } from './lock.js';
import { metaAnalysis } from './metaAnalysis.js';
import type { JobKind, Phase } from './phase.js';
import { report } from './report.js';
import { reproducibility } from './reproducibility.js';
import { selection } from './selection.js';
import { training } from './training.js';
import { tuning } from './tuning.js';

/**
 * Every phase the coordinator can run, in the order a campaign runs them. A new phase is one
 * file and one entry here.
 */
const PHASES: readonly Phase[] = [extraction, reproducibility, harmonization, selection, tuning, training, baseline, lock, evaluation, metaAnalysis, report] as Phase[];
const BY_NAME = new Map(PHASES.map((p) => [p.name, p]));

/**
 * The steps a campaign runs, in order, derived from its protocol: every phase that applies to it
 * (extraction when the protocol pins a feature config, reproducibility when it has that section, training, the lock, then evaluation when
 * the model is exported for test sites, and the meta-analysis of their reports when there are two
 * or more).
 */
export function plan(protocol: CampaignProtocol, coordinator: Pick<CoreContext, 'exportModel'>): string[] {
  return PHASES.filter((p) => p.applies?.(protocol, coordinator) ?? true).map((p) => p.name);
}

export function phaseNamed(name: string): Phase {
  const phase = BY_NAME.get(name);
  if (!phase) throw new Error(`No campaign phase "${name}" in this coordinator`);
  return phase;
}

const JOB_KINDS = new Map<string, JobKind>(PHASES.flatMap((p) => [...(p.jobKind ? [p.jobKind] : []), ...(p.otherJobKinds ?? [])].map((k) => [k.kind, k] as const)));

/** The job kind a phase of this coordinator creates, by name; undefined for a kind no phase sends. */
export function jobKindOf(kind: JobEnvelope['kind']): JobKind | undefined {
  return JOB_KINDS.get(kind);
}
