/**
 * Errors raised by the texture families. The pipeline normally hands over a well-formed
 * discretised ROI; these catch a broken hand-over (wrong array length, a grey level outside
 * 1..Ng, a non-positive distance) with a message that says what was expected.
 */
export class TextureInputError extends Error {
  readonly code = 'TEXTURE_INPUT_INVALID';
  /** Which field of TextureInput / TextureSettings is wrong. */
  readonly field: string;
  readonly expected: string;
  readonly found: string;

  constructor(field: string, expected: string, found: string) {
    super(`Texture features: ${field} is invalid: expected ${expected}, found ${found}. ` +
      'This is a hand-over error between discretisation and texture extraction; check the feature config (bins / bin width) and the mask.');
    this.name = 'TextureInputError';
    this.field = field;
    this.expected = expected;
    this.found = found;
  }
}
