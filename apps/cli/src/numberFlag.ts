import { CliUsageError } from './errors.js';

/** Commander's parser for a numeric flag: a usage error naming the flag when the value is not a finite number. */
export const numberFlag = (name: string) => (v: string): number => {
  const x = Number(v);
  if (!Number.isFinite(x)) throw new CliUsageError(`--${name} expects a number, got "${v}"`);
  return x;
};
