import { InvalidPkiOptionError } from './errors.js';

const DAY_MS = 86_400_000;

/** Issued certificates start this far in the past so a site whose clock runs a little behind still accepts them. */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface ValidityPeriod {
  notBefore: Date;
  notAfter: Date;
}

/**
 * notBefore defaults to now minus the clock-skew allowance; notAfter is validityDays after
 * the caller's notBefore (or after now). X.509 times have whole seconds, so both are truncated.
 * A notBefore in the past is allowed on purpose: tests issue already-expired certificates.
 */
export function validityPeriod(validityDays: number, notBefore: Date | undefined, now: Date = new Date()): ValidityPeriod {
  if (typeof validityDays !== 'number' || !Number.isFinite(validityDays) || validityDays <= 0 || validityDays > 36_500) {
    throw new InvalidPkiOptionError('validityDays', validityDays, 'a number of days above 0 and at most 36500');
  }
  if (notBefore !== undefined && (!(notBefore instanceof Date) || Number.isNaN(notBefore.getTime()))) {
    throw new InvalidPkiOptionError('notBefore', String(notBefore), 'a valid Date');
  }
  const start = notBefore ?? new Date(now.getTime() - CLOCK_SKEW_MS);
  const end = new Date((notBefore ?? now).getTime() + validityDays * DAY_MS);
  return { notBefore: wholeSeconds(start), notAfter: wholeSeconds(end) };
}

export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
