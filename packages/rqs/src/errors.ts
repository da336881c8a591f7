import { FedRadError, type ErrorContext } from '@fedrad/protocol';

/** A campaign provenance the scores cannot be computed from as given (an attestation that would overrule a recorded fact, a claim twice). */
export class RqsInputError extends FedRadError {
  constructor(code: string, message: string, context: ErrorContext = {}) {
    super(code, message, { context });
  }
}

/** An attestation names a claim the software derives from what ran, or no claim of either tool. */
export class AttestationNotAllowedError extends RqsInputError {
  constructor(claim: string, why: string) {
    super('RQS_ATTESTATION_NOT_ALLOWED', `attestation "${claim}": ${why}`, { field: 'attestations', value: claim });
  }
}

/** The same claim is attested twice: which one counts would be a guess. */
export class DuplicateAttestationError extends RqsInputError {
  constructor(claim: string) {
    super('RQS_DUPLICATE_ATTESTATION', `attestation "${claim}" is given twice; state each claim once (the later statement replaces the earlier in the protocol or by the operator)`, {
      field: 'attestations',
      value: claim,
    });
  }
}
