import { canonicalHash, sha256Hex, type CampaignProtocol, type Tensor } from '@fedrad/protocol';
import { appendAudit } from '../../store/auditLog.js';
import { nowIso, type CoreContext } from '../context.js';
import { releaseModel } from './modelRelease.js';
import type { Phase } from './phase.js';
import { effectiveProtocol } from './stepSettings.js';
import type { TrainedModel } from './training.js';

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

/** What locking produced: the model hash and, when exported, the ONNX the test sites evaluate. */
export interface LockedModelOutcome {
  modelHash: string;
  onnx: Uint8Array | null;
  onnxSha256: string | null;
}

/** The locked model is exported to ONNX when there is a test site to evaluate it and an exporter to make it. */
export function exportsModel(ctx: Pick<CoreContext, 'exportModel'>, protocol: CampaignProtocol): boolean {
  return !!ctx.exportModel && protocol.testSites.length > 0;
}

/**
 * Locks the final model: stores it under the hash of its canonical JSON (and its ONNX export,
 * see exportsModel) before any test site sees it. Sends no jobs: ready as soon as it opens.
 */
export const lock: Phase<TrainedModel, LockedModelOutcome> = {
  name: 'lock',
  campaignState: 'training',
  recorded: ({ modelHash, onnxSha256 }) => ({ modelHash, onnxSha256 }),
  open(ctx, campaign, trained) {
    const info = trained!;
    // The features and penalty the selection and tuning steps chose, when they ran.
    const p = effectiveProtocol(ctx, campaign);
    const model: LockedModel = {
      type: 'locked-model',
      campaignId: campaign.campaignId,
      protocolHash: campaign.protocolHash,
      family: p.model.family,
      features: p.features ?? [],
      roundsRun: info.roundsRun,
      parameters: info.parameters,
    };
    const modelHash = canonicalHash(model);
    const onnx = exportsModel(ctx, p) ? ctx.exportModel!(p, info.parameters, { roundsRun: info.roundsRun, sampleCount: info.sampleCount, converged: info.converged }) : undefined;
    const onnxSha256 = onnx ? sha256Hex(onnx) : null;
    const at = nowIso(ctx);
    ctx.db
      .prepare('INSERT INTO locked_models (campaign_id, model_hash, model_json, onnx, onnx_sha256, locked_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(campaign.campaignId, modelHash, JSON.stringify(model), onnx ? Buffer.from(onnx) : null, onnxSha256, at);
    // The card, signed: test sites evaluate only a model whose card the coordinator signed.
    const release =
      onnx && ctx.describeModel && ctx.modelSigner
        ? releaseModel(ctx, { ...campaign, protocol: p }, { modelHash, onnx, parameters: info.parameters, info: { sampleCount: info.sampleCount, roundsRun: info.roundsRun, converged: info.converged } }, at)
        : undefined;
    appendAudit(
      ctx.db,
      { event: 'model.locked', actor: 'coordinator', campaignId: campaign.campaignId, details: { modelHash, onnxSha256, roundsRun: info.roundsRun, ...(release ? { cardSha256: release.signature.signature.documentSha256 } : {}) } },
      at,
    );
    ctx.emit?.({ campaignId: campaign.campaignId, type: 'model-locked', at, detail: { modelHash, onnxSha256 } });
    return [];
  },
  ready: (ctx, campaign) => ctx.db.prepare('SELECT 1 FROM locked_models WHERE campaign_id = ?').get(campaign.campaignId) !== undefined,
  close(ctx, campaign) {
    const row = lockedRow(ctx, campaign.campaignId)!;
    return { status: 'done', output: { modelHash: row.model_hash, onnx: row.onnx, onnxSha256: row.onnx_sha256 } };
  },
};

function lockedRow(ctx: CoreContext, campaignId: string): { model_hash: string; onnx: Buffer | null; onnx_sha256: string | null } | undefined {
  return ctx.db.prepare('SELECT model_hash, onnx, onnx_sha256 FROM locked_models WHERE campaign_id = ?').get(campaignId) as
    | { model_hash: string; onnx: Buffer | null; onnx_sha256: string | null }
    | undefined;
}
