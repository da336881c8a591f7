import { CliUsageError } from './errors.js';

/** A commander parser for an integer-valued flag: anything else is a usage error naming the flag. */
export function integerFlag(flag: string) {
  return (v: string): number => {
    const x = Number(v);
    if (!Number.isInteger(x)) throw new CliUsageError(`${flag} ${v} is not an integer`);
    return x;
  };
}
