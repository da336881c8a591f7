import type { CampaignProtocol } from '@fedrad/protocol';

/**
 * Why the protocol's LASSO path (selection.lasso) or tuning step cannot run beside its secure
 * aggregation, or undefined. Their exchanges (tune-round jobs) send each site's own sums — the
 * logistic gradient and Hessian at the coefficients of the path or fold, and held-out scores — in
 * clear, so under training.secureAggregation (which exists so the coordinator reads no site's
 * sums, and which excludes shareSiteUpdates) they would bypass it:
 * - leave-one-site-out tuning cannot be hidden by any masking: fold k's training sums are the
 *   total less site k's, and the full fit's exchange gives the total, so their difference is site
 *   k's own sums;
 * - k-fold tuning and the LASSO path need only pooled sums and could be masked like a training
 *   round, which this build does not do yet.
 * The coordinator refuses such a protocol at creation (protocolSupport) and every site refuses
 * the exchange (protocolConformance), naming both fields.
 */
export function exchangeMaskingRefusal(protocol: CampaignProtocol, step: 'selection.lasso' | 'tuning'): string | undefined {
  if (!protocol.training.secureAggregation) return undefined;
  if (step === 'tuning' && protocol.tuning !== undefined) {
    return protocol.tuning.cv === 'leave-one-site-out'
      ? "tuning.cv leave-one-site-out with training.secureAggregation: each fold's training sums are the total less the held-out site's, so the difference of an exchange's fold and full-fit sums is that site's own gradient and Hessian, which no masking can hide"
      : "the tuning step with training.secureAggregation: its exchanges send each site's fold sums in clear, which this build does not mask yet (they would bypass secure aggregation)";
  }
  if (step === 'selection.lasso' && protocol.selection?.lasso !== undefined) {
    return "selection.lasso with training.secureAggregation: the LASSO path's exchanges send each site's gradient and Hessian sums in clear, which this build does not mask yet (they would bypass secure aggregation)";
  }
  return undefined;
}
