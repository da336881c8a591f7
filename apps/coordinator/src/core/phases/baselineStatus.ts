import type { BaselineModelName, Tensor } from '@fedrad/protocol';
import type { CoreContext } from '../context.js';
import { lockedBaselineModels, type LockedBaselineModel } from './baseline.js';
import { baselineMetaAnalysesOf, type BaselineMetaAnalysis } from './baselineMetaAnalysis.js';

/** What the operator sees of a campaign's clinical baseline: each model's rounds, its locked form and its meta-analysis. */
export interface BaselineStatus {
  rounds: Array<{ model: BaselineModelName; round: number; state: string; summary: unknown }>;
  models: Array<LockedBaselineModel & { parameters: Tensor[] }>;
  metaAnalyses: BaselineMetaAnalysis[];
}

export function baselineStatus(ctx: CoreContext, campaignId: string): BaselineStatus {
  const rounds = (ctx.db.prepare('SELECT model, round, state, summary_json FROM baseline_rounds WHERE campaign_id = ? ORDER BY model, round').all(campaignId) as Array<{ model: BaselineModelName; round: number; state: string; summary_json: string | null }>).map((r) => ({
    model: r.model,
    round: r.round,
    state: r.state,
    summary: r.summary_json ? JSON.parse(r.summary_json) : null,
  }));
  const parametersOf = new Map(
    (ctx.db.prepare('SELECT model, model_json FROM baseline_models WHERE campaign_id = ?').all(campaignId) as Array<{ model: string; model_json: string }>).map((r) => [r.model, (JSON.parse(r.model_json) as { parameters: Tensor[] }).parameters]),
  );
  const models = lockedBaselineModels(ctx, campaignId).map(({ onnx: _o, card: _c, signature: _s, ...m }) => ({ ...m, parameters: parametersOf.get(m.model)! }));
  return { rounds, models, metaAnalyses: baselineMetaAnalysesOf(ctx, campaignId) };
}
