import { FedRadError } from '@fedrad/protocol';

/**
 * Errors raised by the texture families. The pipeline normally hands over a well-formed
 * discretised ROI; these catch a broken hand-over (wrong array length, a grey level outside
 * 1..Ng, a non-positive distance) with a message that says what was expected.
 */
export class TextureInputError extends FedRadError {
  constructor(field: string, expected: string, found: string) {
    super('TEXTURE_INPUT_INVALID', `Texture features: ${field} is invalid: expected ${expected}, found ${found}. ` +
      'This is a hand-over error between discretisation and texture extraction; check the feature config (bins / bin width) and the mask.', {
      context: { field, expected, found },
    });
  }

  /** Which field of TextureInput / TextureSettings is wrong (context.field). */
  get field(): string {
    return this.context.field!;
  }
  get expected(): string {
    return this.context.expected!;
  }
  get found(): string {
    return this.context.found!;
  }
}
