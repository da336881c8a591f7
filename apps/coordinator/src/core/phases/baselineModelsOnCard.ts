import type { ModelCardCampaign } from '@fedrad/protocol';
import type { CoreContext } from '../context.js';

/** The baseline models the baseline step locked (table baseline_models), as the radiomics model's card lists them. */
export function baselineModelsOnCard(ctx: CoreContext, campaignId: string): NonNullable<ModelCardCampaign['baselineModels']> {
  const rows = ctx.db.prepare('SELECT model, model_hash, onnx_sha256, model_json FROM baseline_models WHERE campaign_id = ? AND onnx_sha256 IS NOT NULL ORDER BY model').all(campaignId) as Array<{
    model: 'clinical' | 'combined';
    model_hash: string;
    onnx_sha256: string;
    model_json: string;
  }>;
  return rows.map((r) => ({ model: r.model, lockedModelHash: r.model_hash, onnxSha256: r.onnx_sha256, features: (JSON.parse(r.model_json) as { features: string[] }).features }));
}
