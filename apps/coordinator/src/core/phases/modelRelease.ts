import { assertValid, type BaselineModelName, type CampaignProtocol, type ModelCard, type ModelSignature, type Tensor } from '@fedrad/protocol';
import { signModel } from '@fedrad/pki';
import type { CoreContext } from '../context.js';
import { stepOutput } from '../stepOutputs.js';
import { baselineModelsOnCard } from './baselineModelsOnCard.js';
import { harmonisationLine, type HarmonizationOutput } from './harmonizationEstimates.js';
import { cardFeatures, cardSites } from './modelCardFacts.js';
import { cardPrivacy } from './privacySpent.js';
import { stepsOnCard } from './stepSettings.js';

/** What a test site receives with the locked model: its card and the coordinator's signature of it. */
export interface ModelRelease {
  card: ModelCard;
  signature: ModelSignature;
}

/** Why a model of this build is for research only, and what it was not tested on: written into every card. */
const LIMITATIONS = [
  'Validated only at the campaign\'s independent test sites (role "test"); its performance at any other hospital is unknown until evaluated there.',
  "The coefficients are on the original feature scale: features must be computed exactly as the campaign's sites computed them (same software, configuration and feature names).",
  'A research model: it is not a medical device, and no clinical decision should rest on it alone.',
];

/**
 * The locked model's card — the learning engine's (inputs, coefficients, training) completed with
 * the campaign's block (sites, features, strategy, training metrics, intended use and limits,
 * software) — signed with the coordinator's key (pki signModel), and stored beside the locked
 * model. Called by the lock inside its transaction, only when the coordinator describes and signs.
 * A baseline model (`baseline`, the baseline step) gets its own card the same way, with its final
 * loss given and not stored here (the baseline step keeps it beside its model).
 */
export function releaseModel(
  ctx: CoreContext,
  campaign: { campaignId: string; protocolHash: string; protocol: CampaignProtocol },
  locked: { modelHash: string; onnx: Uint8Array; parameters: Tensor[]; info: { sampleCount: number; roundsRun: number; converged: boolean } },
  at: string,
  baseline?: { model: BaselineModelName; covariates: string[]; missingCovariates: number; finalLoss: number | null },
): ModelRelease {
  const p = campaign.protocol;
  const steps = baseline ? {} : stepsOnCard(ctx, campaign.campaignId);
  const base = ctx.describeModel!(p, locked.parameters, locked.info, locked.onnx);
  // The pooled −log-likelihood of the last round, when the strategy computes one.
  const last = baseline ? undefined : (ctx.db.prepare('SELECT summary_json FROM rounds WHERE campaign_id = ? AND summary_json IS NOT NULL ORDER BY round DESC LIMIT 1').get(campaign.campaignId) as { summary_json: string } | undefined);
  const finalLoss = baseline ? baseline.finalLoss : last ? (JSON.parse(last.summary_json) as { loss?: number | null }).loss : undefined;
  const baselineModels = baseline ? [] : baselineModelsOnCard(ctx, campaign.campaignId);
  const privacy = cardPrivacy(p, locked.info.roundsRun);
  const { objective, ...training } = base.training;
  const harmonised = stepOutput<HarmonizationOutput>(ctx, campaign.campaignId, 'harmonization');
  const card: ModelCard = {
    ...base,
    // Fitted by the campaign's rounds, not by a local optimiser; its objective is the rounds' loss.
    training: { ...training, optimizer: 'federated', sites: [...p.trainingSites], ...(Number.isFinite(objective) && !privacy ? { objective } : {}) },
    name: p.title,
    createdAt: at,
    campaign: {
      campaignId: campaign.campaignId,
      protocolHash: campaign.protocolHash,
      lockedModelHash: locked.modelHash,
      strategy: p.training.strategy,
      roundsRun: locked.info.roundsRun,
      sites: cardSites(ctx, campaign.campaignId, p),
      features: cardFeatures(p.features ?? []),
      ...(p.model.classWeights !== undefined ? { classWeights: String(p.model.classWeights) } : {}),
      ...steps,
      preprocessing: [
        harmonised
          ? "each site's features, harmonised at the site with its own estimate of the campaign's harmonisation (below) before training or scoring: a new site must be harmonised the same way before the model is applied"
          : "each site's features used as is (no harmonisation step ran in this campaign)",
        ...(baseline
          ? ["covariates from each site's clinical table as recorded (not harmonised), radiomics features (combined model) as the radiomics model takes them"]
          : steps.selection || steps.tuning ? ['the selection and tuning entries say how the features and the penalty were chosen'] : ['no selection or tuning step ran']),
      ].join('; '),
      ...(harmonised ? { harmonisation: harmonisationLine(harmonised.output, harmonised.outputHash) } : {}),
      // Under central DP the pooled loss is the sites' un-noised statistic: it stays out of the card.
      trainingMetrics: { sampleCount: locked.info.sampleCount, converged: locked.info.converged, ...(typeof finalLoss === 'number' && Number.isFinite(finalLoss) && !privacy ? { finalLoss } : {}) },
      ...(privacy ? { differentialPrivacy: privacy } : {}),
      ...(baseline ? { baselineModel: { model: baseline.model, covariates: baseline.covariates, missingCovariates: baseline.missingCovariates } } : {}),
      ...(baselineModels.length > 0 ? { baselineModels } : {}),
      intendedUse: `${baseline ? `The campaign's ${baseline.model} baseline model, to compare the radiomics model with; research` : 'Research'}: ${p.question ?? p.title} (outcome "${p.outcome.type === 'binary' ? p.outcome.label : p.outcome.event}"), on patients like those of the training sites.`,
      limitations: LIMITATIONS,
      software: { name: 'fedrad', version: ctx.modelSigner!.softwareVersion },
    },
  };
  assertValid<ModelCard>('model-card', card, `model card of campaign ${campaign.campaignId}`);
  const signature = signModel(locked.onnx, card, ctx.modelSigner!.keyPem, ctx.modelSigner!.certPem, { signedAt: new Date(at) });
  if (baseline) return { card, signature };
  ctx.db
    .prepare('INSERT INTO model_releases (campaign_id, card_json, signature_json, created_at) VALUES (?, ?, ?, ?)')
    .run(campaign.campaignId, JSON.stringify(card), JSON.stringify(signature), at);
  return { card, signature };
}

/** The campaign's signed model card, when the lock wrote one. */
export function modelReleaseOf(ctx: CoreContext, campaignId: string): ModelRelease | undefined {
  const row = ctx.db.prepare('SELECT card_json, signature_json FROM model_releases WHERE campaign_id = ?').get(campaignId) as { card_json: string; signature_json: string } | undefined;
  return row && { card: JSON.parse(row.card_json), signature: JSON.parse(row.signature_json) };
}
