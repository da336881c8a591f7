import { InvalidLabelError, InvalidParameterError, LengthMismatchError, NonFiniteValueError, OneClassError } from './errors.js';

/** Scores as given by callers: a typed array or a plain array of numbers. */
export type Scores = Float64Array | ArrayLike<number>;
/** Binary outcomes, 1 = event/positive, 0 = negative (booleans accepted). */
export type Labels = ArrayLike<number | boolean>;

/** Copies scores into a Float64Array, refusing NaN/±Infinity with the row (or id) at fault. */
export function toScores(scores: Scores, field = 'score', ids?: readonly string[]): Float64Array {
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new NonFiniteValueError(field, i, v, ids?.[i]);
    out[i] = v;
  }
  return out;
}

/** Copies 0/1 labels into a Uint8Array, refusing anything else. */
export function toLabels(labels: Labels, expectedLength?: number, ids?: readonly string[]): Uint8Array {
  if (expectedLength !== undefined && labels.length !== expectedLength) {
    throw new LengthMismatchError('labels vs scores', expectedLength, labels.length);
  }
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v === 1 || v === true) out[i] = 1;
    else if (v === 0 || v === false) out[i] = 0;
    else throw new InvalidLabelError(i, v, ids?.[i]);
  }
  return out;
}

/** Splits scores by class; throws OneClassError when a class is empty. */
export function splitByClass(scores: Float64Array, labels: Uint8Array, what = 'AUC'): { cases: Float64Array; controls: Float64Array } {
  let m = 0;
  for (let i = 0; i < labels.length; i++) m += labels[i];
  const n = labels.length - m;
  if (m === 0 || n === 0) throw new OneClassError(what, m, n);
  const cases = new Float64Array(m);
  const controls = new Float64Array(n);
  let a = 0;
  let b = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]) cases[a++] = scores[i];
    else controls[b++] = scores[i];
  }
  return { cases, controls };
}

export function checkLevel(level: number): number {
  if (!(level > 0 && level < 1)) throw new InvalidParameterError('confidence level', level, 'a number strictly between 0 and 1, e.g. 0.95');
  return level;
}
