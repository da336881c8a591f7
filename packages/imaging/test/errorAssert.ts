import { expect } from '@jest/globals';

/** Runs `fn`, expecting a typed error with this code whose message matches every pattern. */
export function expectImagingError(fn: () => unknown, code: string, ...patterns: RegExp[]): Error & { code: string; path: string } {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(Error);
  expect((err as { code?: string }).code).toBe(code);
  for (const p of patterns) expect((err as Error).message).toMatch(p);
  return err as Error & { code: string; path: string };
}
