import { canonicalHash } from './canonicalJson.js';
import type { HarmonizeResult } from './generated/types.js';

/**
 * The canonical hash of the summaries a site sent in a harmonize job (its moments, or with ComBat
 * covariates its residuals): the coordinator names it in the site's next job, and the site keeps the
 * hash of what it sent, so it refuses estimates that rest on summaries it did not send (another
 * site's, or invented ones). The covariate cross-products count only when sent, so the hash of
 * covariate-free moments is what it always was.
 */
export function harmonizeBasisHash(moments: Pick<HarmonizeResult, 'patientCount' | 'featureMean' | 'sumSq' | 'covariateMean' | 'covariateScatter' | 'crossScatter'>): string {
  const covariates = moments.covariateMean !== undefined ? { covariateMean: moments.covariateMean, covariateScatter: moments.covariateScatter ?? [], crossScatter: moments.crossScatter ?? [] } : {};
  return canonicalHash({ patientCount: moments.patientCount, featureMean: moments.featureMean ?? [], sumSq: moments.sumSq ?? [], ...covariates });
}
