import { createHash } from 'node:crypto';
import { plannedTuneRounds, summaryJobBudget, TUNING_MAX_ITERATIONS, type BaselineRoundParams, type CampaignProtocol, type EvaluateParams, type JobEnvelope, type TrainRoundParams, type TuneRoundParams } from '@fedrad/protocol';
import type { SiteStore } from './siteStore.js';

/**
 * What the site itself allows a coordinator to ask under an approved protocol, whoever the
 * coordinator is (issue #16, item 3; DESIGN.md "Trust"). Each rule closes one way of reading a
 * patient out of aggregates:
 *
 * - training: one computation per round and rounds strictly increasing, so the coordinator cannot
 *   collect gradients of the same rows at as many crafted coefficients as it likes; the tuning
 *   step's tune-round exchanges likewise, and no more of them than its grid can need;
 * - a budget of summary and evaluation jobs (protocol's jobBudget), since every answered aggregate
 *   is one more equation about the patients;
 * - evaluation of one model only, the first locked model hash the campaign named, so a crafted
 *   model cannot turn the evaluation report into one patient's label;
 * - no aggregate over a cohort that differs from one already answered by fewer patients than the
 *   minimum cohort size (any campaign): the difference of two such aggregates is an aggregate of
 *   that handful of patients — with one patient, their exact values (Dinur & Nissim 2003's
 *   differencing attack).
 *
 * A job that passes is recorded in the site's query audit before it runs, so the rules hold across
 * restarts. A job id already recorded (a retry, or a job re-sent after a coordinator restart) is
 * the same computation and is never counted twice.
 */
export interface PolicyRefusal {
  code: 'ROUND_OUT_OF_ORDER' | 'JOB_BUDGET_SPENT' | 'MODEL_NOT_LOCKED' | 'COHORT_DIFFERENCE_TOO_SMALL' | 'COEFFICIENTS_UNVERIFIABLE';
  message: string;
}

export interface PolicyInput {
  job: JobEnvelope;
  protocol: CampaignProtocol;
  /** The patients of the cohort the job would run over. */
  patientIds: readonly string[];
  /** The effective minimum cohort size (campaign's or site's, whichever is higher). */
  minCohortSize: number;
}

const SUMMARY_KINDS: ReadonlySet<string> = new Set(['extract', 'reproducibility', 'harmonize', 'select']);

/** Checks a job against the site's policy and, when it passes, records it in the query audit. */
export function admitJob(store: SiteStore, input: PolicyInput): PolicyRefusal | undefined {
  const { job, protocol } = input;
  const earlier = store.queriesOf(job.campaignId).filter((q) => q.jobId !== job.jobId);
  // Training rounds and the tuning step's exchanges: each its own sequence, one computation per number.
  if (job.kind === 'train-round' || job.kind === 'tune-round') {
    const round = job.round ?? -1;
    const later = earlier.find((q) => q.kind === job.kind && (q.round ?? -1) >= round);
    if (later) {
      return { code: 'ROUND_OUT_OF_ORDER', message: `This site already computed ${job.kind} ${later.round} of campaign ${job.campaignId} (job ${later.jobId}); it computes each round once and rounds only go forward, so round ${round} is refused.` };
    }
  }
  // A baseline model's rounds likewise, each model its own sequence (the clinical and the combined model train side by side).
  if (job.kind === 'baseline-round') {
    const round = job.round ?? -1;
    const model = `/baseline/${(job.params as BaselineRoundParams).model}/`;
    const later = earlier.find((q) => q.kind === job.kind && q.jobId.includes(model) && (q.round ?? -1) >= round);
    if (later) {
      return { code: 'ROUND_OUT_OF_ORDER', message: `This site already computed round ${later.round} of this baseline model of campaign ${job.campaignId} (job ${later.jobId}); it computes each round once and rounds only go forward, so round ${round} is refused.` };
    }
  }
  if (job.kind === 'tune-round' && (job.round ?? -1) >= plannedTuneRounds(protocol)) {
    return { code: 'JOB_BUDGET_SPENT', message: `The approved protocol's LASSO path and tuning step need at most ${plannedTuneRounds(protocol)} exchanges per site (the LASSO path 2 + its λ × selection.lasso.maxIterations, each tuning α 2 + λ grid × ${TUNING_MAX_ITERATIONS} Newton steps); tune-round ${job.round} of campaign ${job.campaignId} is beyond them.` };
  }
  if (job.kind === 'evaluate') {
    const modelHash = (job.params as EvaluateParams).modelHash;
    const bound = store.lockedModel(job.campaignId);
    if (bound && bound.modelHash !== modelHash) {
      return { code: 'MODEL_NOT_LOCKED', message: `Campaign ${job.campaignId}'s locked model is ${bound.modelHash} (first evaluated in job ${bound.jobId}); this site evaluates no other model, so ${modelHash} is refused.` };
    }
  }
  const budget = budgetOf(job.kind, protocol);
  if (budget) {
    const used = earlier.filter((q) => budget.kinds(q.kind)).length;
    if (used >= budget.limit) {
      return { code: 'JOB_BUDGET_SPENT', message: `The approved protocol allows ${budget.limit} ${budget.name} job(s) per site (jobBudget.${budget.name}); this site already answered ${used} for campaign ${job.campaignId}.` };
    }
  }
  const hashes = patientHashes(input.patientIds);
  const cohortSet = sha256(hashes.join('\n'));
  for (const other of store.queriedCohorts()) {
    if (other.cohortSet === cohortSet) continue;
    const difference = symmetricDifference(hashes, other.patientHashes);
    if (difference > 0 && difference < input.minCohortSize) {
      return {
        code: 'COHORT_DIFFERENCE_TOO_SMALL',
        message: `The cohort of this job differs by ${difference} patient(s) from one this site already answered a query over; the difference of the two answers would rest on fewer than the minimum of ${input.minCohortSize} patients, so it is refused.`,
      };
    }
  }
  if (job.kind === 'evaluate') store.rememberLockedModel(job.campaignId, (job.params as EvaluateParams).modelHash, job.jobId);
  store.recordQuery({ jobId: job.jobId, campaignId: job.campaignId, protocolHash: job.protocolHash, kind: job.kind, round: job.round ?? null, cohortSet, patientCount: hashes.length }, hashes);
  return undefined;
}

/**
 * The jobs computed at coefficients the coordinator chose, which the site can check only against
 * the transcript of the exchange before (training.shareSiteUpdates: signed updates, trajectory.ts;
 * training.secureAggregation: masked forms, secureRounds.ts): training rounds after round 0, the
 * path exchanges of the tuning step and of the selection's LASSO path (tune-round phase "path":
 * per-fold coefficients), and baseline-model rounds after round 0. Round 0 and the grid exchanges
 * start where the protocol says (protocolConformance checks them). Under a protocol that sets
 * neither setting nothing checks the others, and two of them at crafted coefficients give one
 * patient's feature vector from the gradient difference (issue #16, "Sites verify the model
 * trajectory"). So a site refuses them unless its site.yaml sets trustCoordinatorCoefficients
 * (the daemon asks this only then). Returns the refusal, or undefined when the job is not one of
 * them or the protocol lets the site verify it.
 */
export function unverifiableCoefficients(job: JobEnvelope, protocol: CampaignProtocol, siteId: string): PolicyRefusal | undefined {
  if (protocol.training.shareSiteUpdates === true || protocol.training.secureAggregation === true) return undefined;
  const what = coordinatorCoefficients(job);
  if (!what) return undefined;
  return {
    code: 'COEFFICIENTS_UNVERIFIABLE',
    message: `Site ${siteId} refuses ${what} of campaign ${job.campaignId}: its coefficients come from the coordinator, and the approved protocol sets neither training.shareSiteUpdates (the site would check them against the signed updates of the exchange before) nor training.secureAggregation (against their masked forms), so nothing lets the site check them — two jobs at crafted coefficients give one patient's features from the gradient difference. Run the campaign under a protocol that sets one of them, or, to trust the coordinator with these coefficients, set \`trustCoordinatorCoefficients: true\` in this site's site.yaml.`,
  };
}

/** What the job is, when it is computed at coefficients the coordinator chose; undefined otherwise. */
function coordinatorCoefficients(job: JobEnvelope): string | undefined {
  if (job.kind === 'train-round') {
    const round = (job.params as TrainRoundParams).round;
    return round >= 1 ? `train-round ${round}` : undefined;
  }
  if (job.kind === 'tune-round') {
    const params = job.params as TuneRoundParams;
    if (params.phase === 'grid') return undefined;
    return `${params.folds?.scheme === 'none' ? 'LASSO path' : 'tuning'} exchange ${params.round} (tune-round, phase ${params.phase})`;
  }
  if (job.kind === 'baseline-round') {
    const params = job.params as BaselineRoundParams;
    return params.step.round >= 1 ? `round ${params.step.round} of the ${params.model} baseline model` : undefined;
  }
  return undefined;
}

function budgetOf(kind: string, protocol: CampaignProtocol): { name: 'summaries' | 'evaluations'; limit: number; kinds: (k: string) => boolean } | undefined {
  if (kind === 'evaluate') return { name: 'evaluations', limit: protocol.jobBudget?.evaluations ?? 1, kinds: (k) => k === 'evaluate' };
  if (SUMMARY_KINDS.has(kind)) return { name: 'summaries', limit: summaryJobBudget(protocol), kinds: (k) => SUMMARY_KINDS.has(k) };
  return undefined;
}

/** Sorted SHA-256 of each patient id: enough to compare cohorts, and no id in clear in the audit. */
function patientHashes(ids: readonly string[]): string[] {
  return [...new Set(ids)].map((id) => sha256(`fedrad-patient/${id}`)).sort();
}

/** |A Δ B| of two sorted, duplicate-free lists (one merge pass). */
function symmetricDifference(a: readonly string[], b: readonly string[]): number {
  let i = 0;
  let j = 0;
  let diff = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (a[i] < b[j]) {
      i++;
      diff++;
    } else {
      j++;
      diff++;
    }
  }
  return diff + (a.length - i) + (b.length - j);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
