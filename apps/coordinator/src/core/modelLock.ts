import { canonicalHash, sha256Hex, type EvaluateParams, type JobEnvelope, type Tensor } from '@fedrad/protocol';
import { appendAudit } from '../store/auditLog.js';
import type { CampaignRecord } from './campaigns.js';
import { setCampaignState } from './campaigns.js';
import { nowIso, type CoreContext } from './context.js';
import { createJob, jobsOf } from './jobs.js';
import { trainingSettings } from './trainingDefaults.js';

/** The locked model document; its canonical hash is the campaign's model hash. */
export interface LockedModel {
  type: 'locked-model';
  campaignId: string;
  protocolHash: string;
  family: string;
  features: string[];
  roundsRun: number;
  parameters: Tensor[];
}

/**
 * Locks the final model (hash of its canonical JSON) and sends evaluation jobs to the
 * independent test sites when an ONNX exporter is configured; otherwise the campaign completes
 * after training. Call inside a transaction.
 */
export function lockModelAndEvaluate(
  ctx: CoreContext,
  campaign: CampaignRecord,
  parameters: Tensor[],
  info: { roundsRun: number; sampleCount: number; converged: boolean },
): JobEnvelope[] {
  const { roundsRun } = info;
  const p = campaign.protocol;
  const model: LockedModel = {
    type: 'locked-model',
    campaignId: campaign.campaignId,
    protocolHash: campaign.protocolHash,
    family: p.model.family,
    features: p.features ?? [],
    roundsRun,
    parameters,
  };
  const modelHash = canonicalHash(model);
  const onnx = ctx.exportModel && p.testSites.length > 0 ? ctx.exportModel(p, parameters, info) : undefined;
  const onnxSha256 = onnx ? sha256Hex(onnx) : null;
  const at = nowIso(ctx);
  ctx.db
    .prepare('INSERT INTO locked_models (campaign_id, model_hash, model_json, onnx, onnx_sha256, locked_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(campaign.campaignId, modelHash, JSON.stringify(model), onnx ? Buffer.from(onnx) : null, onnxSha256, at);
  appendAudit(ctx.db, { event: 'model.locked', actor: 'coordinator', campaignId: campaign.campaignId, details: { modelHash, onnxSha256, roundsRun } }, at);
  ctx.emit?.({ campaignId: campaign.campaignId, type: 'model-locked', at, detail: { modelHash, onnxSha256 } });
  if (!onnx) {
    setCampaignState(ctx, campaign.campaignId, 'completed', 'coordinator');
    return [];
  }
  setCampaignState(ctx, campaign.campaignId, 'evaluating', 'coordinator');
  const settings = trainingSettings(p);
  const params: EvaluateParams = {
    kind: 'evaluate',
    modelHash: onnxSha256!,
    modelOnnxBase64: Buffer.from(onnx).toString('base64'),
    ...(p.analysisPlan?.bootstrapReplicates !== undefined ? { bootstrapReplicates: p.analysisPlan.bootstrapReplicates } : {}),
    ...(p.training.seed !== undefined ? { seed: p.training.seed } : {}),
  };
  return [...p.testSites].sort().map((siteId) => createJob(ctx, { campaignId: campaign.campaignId, protocolHash: campaign.protocolHash, siteId, kind: 'evaluate', params }, settings.deadlineSeconds));
}

/** Completes an evaluating campaign once every test site's evaluation job is done or failed. */
export function completeEvaluationIfReady(ctx: CoreContext, campaign: CampaignRecord): void {
  if (campaign.state !== 'evaluating') return;
  const jobs = jobsOf(ctx, campaign.campaignId, { kind: 'evaluate' });
  if (jobs.some((j) => j.state === 'open')) return;
  ctx.db.transaction(() => {
    const failed = jobs.filter((j) => j.state === 'failed');
    if (failed.length === jobs.length && jobs.length > 0) {
      setCampaignState(ctx, campaign.campaignId, 'failed', 'coordinator', {
        code: 'EVALUATION_FAILED',
        message: `No test site returned an evaluation: ${failed.map((j) => `${j.siteId} ${j.failureCode}: ${j.failureMessage}`).join('; ')}`,
      });
    } else {
      setCampaignState(ctx, campaign.campaignId, 'completed', 'coordinator');
    }
  })();
}
