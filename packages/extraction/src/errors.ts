import { FedRadError } from '@fedrad/protocol';

/**
 * A cohort that cannot be extracted as given: a manifest that is missing, malformed or names a
 * case twice. The message names the file, row and case; the context carries them for a program.
 */
export class ExtractionInputError extends FedRadError {
  constructor(message: string, where: { manifest?: string; row?: number; caseId?: string } = {}) {
    super('EXTRACTION_INPUT', message, { context: { file: where.manifest, line: where.row, caseId: where.caseId } });
  }
}

/** Another running extraction holds the output's lock (`<out>.lock`), so this one must not share its journal. */
export class ExtractionLockedError extends FedRadError {
  constructor(
    message: string,
    /** The output, its lock file and the pid that holds it. */
    readonly lock: { output: string; lock: string; pid?: number },
  ) {
    super('EXTRACTION_LOCKED', message, { kind: 'conflict', context: { file: lock.output } });
  }
}

/** A perturbation (Zwanenburg et al. 2019) is written in a form fedrad does not read; the message gives the syntax. */
export class PerturbationSpecError extends FedRadError {
  constructor(message: string) {
    super('PERTURBATION_INVALID', message, { kind: 'usage', context: { field: 'perturbation' } });
  }
}
