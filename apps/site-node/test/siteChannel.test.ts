import { describe, expect, it } from '@jest/globals';
import { SiteChannel } from '../src/siteChannel.js';

describe('reconnect backoff', () => {
  const bounds = { initialMs: 500, maxMs: 30000 };
  it('doubles from the initial delay up to the cap (0.5 s, 1 s, 2 s, … 30 s), with jitter between half and all of it', () => {
    const ceilings = [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000];
    ceilings.forEach((ceiling, k) => {
      expect(SiteChannel.backoffDelay(k, bounds, () => 0)).toBe(ceiling / 2);
      expect(SiteChannel.backoffDelay(k, bounds, () => 0.999999)).toBe(Math.round(ceiling * (0.5 + 0.5 * 0.999999)));
    });
    expect(SiteChannel.backoffDelay(1000, bounds, () => 0.5)).toBe(22500);
  });
});
