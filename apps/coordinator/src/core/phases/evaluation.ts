import type { EvaluateParams, EvaluationReport } from '@fedrad/protocol';
import { lockedBaselineModels } from './baseline.js';
import { createJob, jobsOf } from '../jobs.js';
import { harmonizationHashOf } from './harmonization.js';
import { exportsModel, type LockedModelOutcome } from './lock.js';
import { modelReleaseOf } from './modelRelease.js';
import type { JobKind, Phase } from './phase.js';
import { trainingSettings } from './trainingSettings.js';

/** What the evaluation step produced: the test sites that returned a report and those that failed. */
export interface EvaluationOutcome {
  reported: string[];
  failed: string[];
}

const KIND = 'evaluate';

/** The evaluate job: the locked ONNX model to one independent test site; its result is an evaluation report. */
const evaluate: JobKind = {
  kind: KIND,
  jobId: (campaignId, siteId) => `${campaignId}/eval/${siteId}`,
  // The protocol has no block of its own for evaluation: its jobs keep the training deadline and attempts.
  attempts: (protocol) => trainingSettings(protocol),
  store(ctx, job, body, at) {
    ctx.db.prepare('INSERT INTO evaluations (campaign_id, site_id, report_json, received_at) VALUES (?, ?, ?, ?)').run(job.campaignId, job.siteId, JSON.stringify(body), at);
    // Each baseline model's evaluation at the site, kept per model too (its meta-analysis pools them).
    for (const b of (body as unknown as EvaluationReport).baselineModels ?? []) {
      ctx.db.prepare('INSERT INTO baseline_evaluations (campaign_id, site_id, model, report_json, received_at) VALUES (?, ?, ?, ?, ?)').run(job.campaignId, job.siteId, b.model, JSON.stringify(b), at);
    }
  },
  acceptedEvent: 'evaluation-received',
};

/**
 * Sends the locked model to every independent test site (SITE_CHANNEL.md §6, "Evaluate jobs");
 * ready once every evaluation job is done or failed, failed when no test site returned one.
 */
export const evaluation: Phase<LockedModelOutcome, EvaluationOutcome> = {
  name: 'evaluation',
  campaignState: 'evaluating',
  // Only a model exported for the test sites can be evaluated.
  applies: (protocol, coordinator) => exportsModel(coordinator, protocol),
  open(ctx, campaign, locked) {
    const { onnx, onnxSha256 } = locked!;
    const p = campaign.protocol;
    const settings = trainingSettings(p);
    const release = modelReleaseOf(ctx, campaign.campaignId);
    const harmonizationHash = harmonizationHashOf(ctx, campaign.campaignId);
    // The baseline models (the baseline step), each with its signed card: scored beside the model on the same patients.
    const baselines = lockedBaselineModels(ctx, campaign.campaignId).filter((m) => m.onnx && m.card && m.signature);
    const params: EvaluateParams = {
      kind: KIND,
      modelHash: onnxSha256!,
      modelOnnxBase64: Buffer.from(onnx!).toString('base64'),
      // The card and the coordinator's signature of it: the site checks them before it evaluates.
      ...(release ? { modelCard: release.card, modelSignature: release.signature } : {}),
      ...(p.analysisPlan?.bootstrapReplicates !== undefined ? { bootstrapReplicates: p.analysisPlan.bootstrapReplicates } : {}),
      ...(p.training.seed !== undefined ? { seed: p.training.seed } : {}),
      ...(harmonizationHash !== undefined ? { harmonizationHash } : {}),
      ...(baselines.length > 0
        ? {
            baselineModels: baselines.map((m) => ({ model: m.model, modelHash: m.onnxSha256!, modelOnnxBase64: m.onnx!.toString('base64'), modelCard: m.card, modelSignature: m.signature }) as NonNullable<EvaluateParams['baselineModels']>[number]),
            covariates: p.analysisPlan!.baseline!.covariates,
          }
        : {}),
    };
    return [...p.testSites]
      .sort()
      .map((siteId) =>
        createJob(ctx, { jobId: evaluate.jobId(campaign.campaignId, siteId), campaignId: campaign.campaignId, protocolHash: campaign.protocolHash, siteId, kind: KIND, params }, settings.deadlineSeconds),
      );
  },
  ready: (ctx, campaign) => !jobsOf(ctx, campaign.campaignId, { kind: KIND }).some((j) => j.state === 'open'),
  close(ctx, campaign) {
    const jobs = jobsOf(ctx, campaign.campaignId, { kind: KIND });
    const failed = jobs.filter((j) => j.state === 'failed');
    if (failed.length === jobs.length && jobs.length > 0) {
      return {
        status: 'failed',
        code: 'EVALUATION_FAILED',
        message: `No test site returned an evaluation: ${failed.map((j) => `${j.siteId} ${j.failureCode}: ${j.failureMessage}`).join('; ')}`,
      };
    }
    return { status: 'done', output: { reported: jobs.filter((j) => j.state === 'done').map((j) => j.siteId), failed: failed.map((j) => j.siteId) } };
  },
  jobKind: evaluate,
};
