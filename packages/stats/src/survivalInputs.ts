import { InvalidLabelError, LengthMismatchError, NonFiniteValueError } from './errors.js';
import { toScores, type Scores } from './inputs.js';

/** Right-censored outcomes: follow-up time and event indicator (1 = event, 0 = censored). */
export interface SurvivalData {
  time: Float64Array;
  event: Uint8Array;
}

export function toSurvival(time: Scores, event: ArrayLike<number | boolean>, ids?: readonly string[]): SurvivalData {
  const t = toScores(time, 'time', ids);
  if (event.length !== t.length) throw new LengthMismatchError('event vs time', t.length, event.length);
  const e = new Uint8Array(t.length);
  for (let i = 0; i < t.length; i++) {
    if (t[i] < 0) throw new NonFiniteValueError('time (must be ≥ 0)', i, t[i], ids?.[i]);
    const v = event[i];
    if (v === 1 || v === true) e[i] = 1;
    else if (v === 0 || v === false) e[i] = 0;
    else throw new InvalidLabelError(i, v, ids?.[i]);
  }
  return { time: t, event: e };
}
