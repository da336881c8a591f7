import { describe, expect, it } from '@jest/globals';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { maskStream, maskUpdate, pairwiseSeed, unmaskSum } from '../src/index.js';

const sites = ['site-a', 'site-b', 'site-c', 'site-d'];
const keys = Object.fromEntries(sites.map((s) => [s, generateKeyPairSync('x25519')]));
const context = { campaignId: 'secagg-test', round: 3 };
const seedsOf = (site: string) => new Map(sites.filter((p) => p !== site).map((p) => [p, pairwiseSeed(keys[site].privateKey, keys[p].publicKey, context)]));
// Values with at most 4 decimals, so at scale 1e4 quantisation is exact and the expected sums are plain arithmetic.
const values: Record<string, number[]> = {
  'site-a': [0.25, -1.5, 3.1416, 0],
  'site-b': [1.0001, 2.5, -0.0001, 7],
  'site-c': [-3.75, 0.125, 10, -2.2],
  'site-d': [0.5, 0.5, 0.5, -0.5],
};
const SCALE = 1e4;

describe('pairwise-mask secure aggregation (Bonawitz et al. 2017)', () => {
  it('derives the same seed on both sides of a pair (X25519)', () => {
    expect(pairwiseSeed(keys['site-a'].privateKey, keys['site-b'].publicKey, context)).toEqual(pairwiseSeed(keys['site-b'].privateKey, keys['site-a'].publicKey, context));
    expect(pairwiseSeed(keys['site-a'].privateKey, keys['site-b'].publicKey, context)).not.toEqual(pairwiseSeed(keys['site-a'].privateKey, keys['site-c'].publicKey, context));
  });

  it('mask stream is SHA-256 counter mode, little-endian words', () => {
    const seed = Buffer.alloc(32, 7);
    const block0 = createHash('sha256').update(seed).update(Buffer.from([0, 0, 0, 0])).digest();
    expect(Array.from(maskStream(seed, 2))).toEqual([block0.readUInt32LE(0), block0.readUInt32LE(4)]);
  });

  it('masks hide each update and cancel in the sum', () => {
    const masked = sites.map((s) => ({ siteId: s, data: maskUpdate(values[s], s, seedsOf(s), SCALE) }));
    // A masked vector is not the quantised input.
    expect(Array.from(masked[0].data)).not.toEqual(values['site-a'].map((v) => Math.round(v * SCALE) >>> 0));
    const sum = unmaskSum(masked, [], new Map(), SCALE);
    // By hand: column sums of the four vectors.
    [-1.9999, 1.625, 13.6415, 4.3].forEach((v, i) => expect(sum[i]).toBeCloseTo(v, 10));
  });

  it('recovers the survivors’ sum when a site drops out after masking', () => {
    const survivors = sites.filter((s) => s !== 'site-c');
    const masked = survivors.map((s) => ({ siteId: s, data: maskUpdate(values[s], s, seedsOf(s), SCALE) }));
    const revealed = new Map(survivors.map((s) => [`${s}|site-c`, seedsOf(s).get('site-c')!]));
    const sum = unmaskSum(masked, ['site-c'], revealed, SCALE);
    // a + b + d by hand
    [1.7501, 1.5, 3.6415, 6.5].forEach((v, i) => expect(sum[i]).toBeCloseTo(v, 10));
    expect(() => unmaskSum(masked, ['site-c'], new Map(), SCALE)).toThrow(/revealed/);
  });
});
