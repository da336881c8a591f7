import { FedRadError } from '@fedrad/protocol';

/**
 * Federated cross-validation cannot go on with what the sites sent: a site failed (every fold
 * needs every site), a feature is constant on a fold's training rows, or a fold's fit does not
 * converge. `context` names the site, the feature (`field`) or the fold (`round` is the step).
 */
export class CrossValidationError extends FedRadError {
  declare readonly code: 'CV_SITE_FAILED' | 'CV_CONSTANT_FEATURE' | 'CV_NOT_CONVERGED';
  constructor(code: 'CV_SITE_FAILED' | 'CV_CONSTANT_FEATURE' | 'CV_NOT_CONVERGED', message: string, context: { siteId?: string; field?: string; round?: number } = {}) {
    super(code, message, { context, kind: code === 'CV_CONSTANT_FEATURE' ? 'invalid' : 'campaign-failed' });
  }
}
