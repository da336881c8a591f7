import type { JobEnvelope } from '@fedrad/protocol';
import { FINAL_STATES, getCampaign, listCampaigns, setCampaignPhase, setCampaignState, type CampaignRecord } from './campaignStore.js';
import { inTransaction, type CoreContext } from './context.js';
import type { Phase } from './phases/phase.js';
import { phaseNamed, plan } from './phases/plan.js';
import { recordStepOutput, stepOutputHashes } from './stepOutputs.js';

/** A step of the campaign's plan as the operator sees it. */
export interface PlanStep {
  phase: string;
  state: 'pending' | 'running' | 'done' | 'failed' | 'cancelled' | 'skipped';
  /** The canonical hash of what the step produced, once it closed (stepOutputs.ts). */
  outputHash?: string;
}

const isRunning = (c: CampaignRecord): boolean => c.phase !== null && c.state !== 'locked' && !FINAL_STATES.includes(c.state);

/** The campaign's plan; a step the campaign is in stays in it even if the coordinator's configuration changed since. */
function stepsOf(ctx: CoreContext, campaign: CampaignRecord): string[] {
  const steps = plan(campaign.protocol, ctx);
  return campaign.phase === null || steps.includes(campaign.phase) ? steps : [...steps, campaign.phase];
}

/** Starts a locked campaign: opens the first step of its plan. Call inside a transaction; returns the jobs to send. */
export function startPlan(ctx: CoreContext, campaign: CampaignRecord, actor: string): JobEnvelope[] {
  return enter(ctx, campaign, phaseNamed(stepsOf(ctx, campaign)[0]), undefined, actor);
}

/**
 * Moves a running campaign on (called after every accepted result and on every scheduler tick):
 * while its current phase is ready, closes it and opens the next step of the plan with what it
 * produced — or the same phase again (the next round), or fails or completes the campaign. One
 * transaction, so a crash leaves either the old step or the new one, never half.
 */
export function advance(ctx: CoreContext, campaign: CampaignRecord): JobEnvelope[] {
  if (!isRunning(campaign)) return [];
  const phase = phaseNamed(campaign.phase!);
  if (!phase.ready(ctx, campaign)) return [];
  return inTransaction(ctx, () => closeAndMoveOn(ctx, campaign, phase));
}

function closeAndMoveOn(ctx: CoreContext, campaign: CampaignRecord, phase: Phase): JobEnvelope[] {
  const outcome = phase.close(ctx, campaign);
  switch (outcome.status) {
    case 'failed':
      setCampaignState(ctx, campaign.campaignId, 'failed', 'coordinator', { code: outcome.code, message: outcome.message });
      return [];
    case 'again':
      return enter(ctx, campaign, phase, outcome.input, 'coordinator');
    case 'done': {
      recordStepOutput(ctx, campaign.campaignId, phase.name, phase.recorded ? phase.recorded(outcome.output) : outcome.output);
      const steps = stepsOf(ctx, campaign);
      const next = steps[steps.indexOf(phase.name) + 1];
      if (next === undefined) {
        setCampaignState(ctx, campaign.campaignId, 'completed', 'coordinator');
        return [];
      }
      return enter(ctx, campaign, phaseNamed(next), outcome.output, 'coordinator');
    }
  }
}

/** Opens a phase (recording it as the campaign's step first) and moves on at once when it is ready already (the lock). */
function enter(ctx: CoreContext, campaign: CampaignRecord, phase: Phase, input: unknown, actor: string): JobEnvelope[] {
  if (campaign.phase !== phase.name) setCampaignPhase(ctx, campaign.campaignId, phase.name);
  if (campaign.state !== phase.campaignState) setCampaignState(ctx, campaign.campaignId, phase.campaignState, actor);
  const jobs = phase.open(ctx, getCampaign(ctx, campaign.campaignId), input);
  const opened = getCampaign(ctx, campaign.campaignId);
  return phase.ready(ctx, opened) ? [...jobs, ...closeAndMoveOn(ctx, opened, phase)] : jobs;
}

/** Advances every running campaign (the scheduler's step); returns the jobs to send. */
export function advanceAll(ctx: CoreContext): JobEnvelope[] {
  return listCampaigns(ctx)
    .filter(isRunning)
    .flatMap((c) => advance(ctx, c));
}

/** Each step of the campaign's plan with its state: what the console draws. */
export function planStatus(ctx: CoreContext, campaign: CampaignRecord): PlanStep[] {
  const steps = stepsOf(ctx, campaign);
  const current = campaign.phase === null ? -1 : steps.indexOf(campaign.phase);
  const hashes = stepOutputHashes(ctx, campaign.campaignId);
  const withHash = (step: PlanStep): PlanStep => (hashes.has(step.phase) ? { ...step, outputHash: hashes.get(step.phase) } : step);
  return steps.map((phase, i) => {
    if (current < 0 || i > current) return { phase, state: campaign.state === 'failed' || campaign.state === 'cancelled' ? 'skipped' : 'pending' };
    if (i < current) return withHash({ phase, state: 'done' });
    return withHash({ phase, state: campaign.state === 'completed' ? 'done' : campaign.state === 'failed' || campaign.state === 'cancelled' ? campaign.state : 'running' });
  });
}
