import { FedRadError, type FedRadErrorOptions } from '@fedrad/protocol';

/**
 * One error class per kind of failure. Each has a stable `code`, a message a site operator can
 * act on (which file, which case id, what was expected) and context fields.
 */
export class LearnError extends FedRadError {
  constructor(code: string, message: string, options?: FedRadErrorOptions) {
    super(code, message, options);
  }
}

/**
 * The table readers' errors (a malformed CSV, a missing feature value) come from
 * @fedrad/protocol with the readers; re-exported so `instanceof` checks against learn keep working.
 */
export { MissingValueError, TableFormatError } from '@fedrad/protocol';

/** The feature columns do not match what the model was trained on. */
export class FeatureMismatchError extends LearnError {
  constructor(readonly missing: string[], readonly unexpected: string[], readonly source: string) {
    super(
      'LEARN_FEATURE_MISMATCH',
      `${source}: features do not match the model's inputs` +
        (missing.length ? `; missing: ${missing.join(', ')}` : '') +
        (unexpected.length ? `; not in the model: ${unexpected.join(', ')}` : ''),
      { context: { file: source } },
    );
  }
}

/** Cases present in one table but not the other when joining features and outcomes on `id`. */
export class CaseMismatchError extends LearnError {
  constructor(readonly missingOutcome: string[], readonly source: string) {
    super('LEARN_CASE_MISMATCH', `${source}: no outcome for case(s) ${missingOutcome.slice(0, 10).join(', ')}${missingOutcome.length > 10 ? ` and ${missingOutcome.length - 10} more` : ''}`, {
      context: { file: source },
    });
  }
}

/** A feature has zero variance, so standardisation (x − mean) / sd is undefined. */
export class ConstantFeatureError extends LearnError {
  constructor(readonly features: string[], readonly source = 'features CSV') {
    super('LEARN_CONSTANT_FEATURE', `${source}: feature(s) ${features.join(', ')} are constant across the training cases and cannot be standardised; remove them`, {
      context: { file: source },
    });
  }
}

/** The outcome cannot support the model: one class only, or no events for a Cox model. */
export class DegenerateOutcomeError extends LearnError {
  constructor(message: string, readonly detail: Record<string, number>) {
    super('LEARN_DEGENERATE_OUTCOME', message);
  }
}

/** An optimiser reached its iteration budget without meeting its convergence criterion. */
export class NonConvergenceError extends LearnError {
  constructor(readonly optimizer: string, readonly iterations: number, readonly lastChange: number, readonly tolerance: number) {
    super(
      'LEARN_NO_CONVERGENCE',
      `${optimizer} did not converge after ${iterations} iterations (last change ${lastChange.toExponential(3)}, tolerance ${tolerance.toExponential(1)}); ` +
        'try a larger lambda, fewer features, or more iterations',
    );
  }
}

/** An ONNX file is not a FedRad inference model (missing metadata, wrong input). */
export class ModelFormatError extends LearnError {
  constructor(message: string, cause?: unknown) {
    super('LEARN_MODEL_FORMAT', message, { cause });
  }
}

/** A model specification that cannot be built (unknown family, bad hyper-parameter). */
export class ModelSpecError extends LearnError {
  constructor(message: string) {
    super('LEARN_MODEL_SPEC', message);
  }
}

/** Newton's system is singular: a feature is constant or collinear (for Cox, within a stratum). */
export class SingularHessianError extends LearnError {
  constructor() {
    super(
      'LEARN_SINGULAR_HESSIAN',
      'the Hessian is not positive definite: a feature is constant or a combination of other features ' +
        '(for a stratified Cox model, constant within every stratum); remove it, or add a ridge penalty (alpha < 1, lambda > 0)',
    );
  }
}
