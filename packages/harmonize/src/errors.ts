import { FedRadError } from '@fedrad/protocol';

/**
 * Why a reproducibility or harmonisation step refuses its input. Each names what is wrong in the
 * terms of the person who can fix it (the site, the feature, the case id, the reader), in one typed
 * `context`; the value of a patient's cell never appears in a message.
 */

/** A site's rows are fewer than the campaign's minimum: no aggregate of them may leave (DESIGN.md, the egress rule). */
export class CohortTooSmallError extends FedRadError {
  constructor(readonly siteId: string, readonly patientCount: number, readonly minimum: number) {
    super('COHORT_TOO_SMALL', `Site ${siteId} has ${patientCount} patients; the campaign requires at least ${minimum} before any aggregate may leave a site.`, {
      context: { siteId, expected: `at least ${minimum} patients`, found: `${patientCount}` },
    });
  }
}

/** A feature takes one value over the rows a statistic needs spread in (a site's rows, a batch, the pooled rows). */
export class ConstantFeatureError extends FedRadError {
  constructor(readonly feature: string, where: string, siteId?: string) {
    super('CONSTANT_FEATURE', `Feature "${feature}" is constant ${where}; it carries no information to ${siteId ? 'harmonise or measure' : 'estimate from'} there. Drop it before this step.`, {
      context: { field: feature, siteId },
    });
  }
}

/** A batch (site) has a single case: its variance, and so its scale effect, cannot be estimated. */
export class BatchTooSmallError extends FedRadError {
  constructor(readonly batch: string, readonly patientCount: number) {
    super('BATCH_TOO_SMALL', `Batch "${batch}" has ${patientCount} case${patientCount === 1 ? '' : 's'}; ComBat needs at least 2 per batch to estimate its scale.`, {
      context: { siteId: batch, expected: 'at least 2 cases per batch', found: `${patientCount}` },
    });
  }
}

/** Tables that must describe the same cases (readers of one cohort, features and covariates) do not. */
export class MismatchedIdsError extends FedRadError {
  constructor(message: string, where: { caseId?: string; file?: string; siteId?: string }) {
    super('IDS_MISMATCH', message, { context: where });
  }
}

/** Any other input a step cannot use: a shape, a setting, a non-finite value, confounded covariates. */
export class HarmonizeInputError extends FedRadError {
  constructor(message: string, where: { field?: string; siteId?: string; caseId?: string; expected?: string; found?: string } = {}) {
    super('HARMONIZE_INPUT_INVALID', message, { context: where });
  }
}
