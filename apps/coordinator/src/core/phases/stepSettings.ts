import { withStepSettings, type CampaignProtocol } from '@fedrad/protocol';
import type { CampaignRecord } from '../campaignStore.js';
import type { CoreContext } from '../context.js';
import { stepOutput } from '../stepOutputs.js';

/** The selection step's output (DESIGN: 'selection'): the model's features and what each filter did. */
export interface SelectionOutput {
  features: string[];
  steps: unknown[];
  /** Where the candidates came from: the reproducibility step (its output hash) or the protocol's features. */
  from: 'reproducibility' | 'protocol';
  basedOn?: string;
}

/** The tuning step's output (DESIGN: 'tuning'): the chosen λ and α, and cv.glmnet's curve. */
export interface TuningOutput {
  lambda: number;
  alpha: number;
  lambdaMin: number;
  lambda1se: number;
  rule: 'min' | '1se';
}

/**
 * The protocol the campaign trains, locks and evaluates with: the protocol, with the selection's
 * features and the tuning's λ and α in place of its own once those steps closed (withStepSettings).
 */
export function effectiveProtocol(ctx: CoreContext, campaign: Pick<CampaignRecord, 'campaignId' | 'protocol'>): CampaignProtocol {
  const selection = stepOutput<SelectionOutput>(ctx, campaign.campaignId, 'selection')?.output;
  const tuning = stepOutput<TuningOutput>(ctx, campaign.campaignId, 'tuning')?.output;
  return withStepSettings(campaign.protocol, { features: selection?.features, lambda: tuning?.lambda, alpha: tuning?.alpha });
}

/** How the model card says the selection and tuning steps made the model (its `selection` and `tuning` strings). */
export function stepsOnCard(ctx: CoreContext, campaignId: string): { selection?: string; tuning?: string } {
  const selection = stepOutput<SelectionOutput>(ctx, campaignId, 'selection');
  const tuning = stepOutput<TuningOutput>(ctx, campaignId, 'tuning');
  return {
    ...(selection
      ? { selection: `campaign selection step (output ${selection.outputHash}): ${selection.output.features.length} feature(s) kept from the ${selection.output.from === 'reproducibility' ? "reproducibility step's kept features" : "protocol's features"}` }
      : {}),
    ...(tuning
      ? { tuning: `campaign tuning step (output ${tuning.outputHash}): lambda ${tuning.output.lambda} (lambda.${tuning.output.rule}; lambda.min ${tuning.output.lambdaMin}, lambda.1se ${tuning.output.lambda1se}), alpha ${tuning.output.alpha}` }
      : {}),
  };
}
