import { CliUsageError } from './errors.js';

/** A commander parser for a flag that takes a finite number; anything else is a usage error naming the flag. */
export const numberFlag = (name: string) => (v: string): number => {
  const x = Number(v);
  if (!Number.isFinite(x)) throw new CliUsageError(`--${name} expects a number, got "${v}"`);
  return x;
};

/** A commander parser for a flag that takes a whole number ≥ 1 (a count, a cohort size). */
export const countFlag = (name: string) => (v: string): number => {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 1) throw new CliUsageError(`--${name} expects a whole number ≥ 1, got "${v}"`);
  return x;
};
