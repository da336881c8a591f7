import { describe, expect, it } from '@jest/globals';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import {
  combineShares,
  decodeFixedPoint,
  exactNewton,
  pairwiseSeed,
  perSiteBound,
  SecureAggregationSite,
  SHAMIR_PRIME,
  splitSecret,
  unmaskSecureSum,
  type KeyAdvertisement,
  type MethodResult,
  type SecAggContext,
  type UpdateView,
} from '../src/index.js';
import { addMod } from '../src/secureAggregation/fixedPoint.js';
import { ringMask } from '../src/secureAggregation/maskPrg.js';

// Bonawitz et al. 2017 with dropouts, checked against plain arithmetic done here, independently of
// the code under test: Float64 sums of the same vectors, Shamir shares built by hand from a known
// polynomial, and exact Newton's own aggregate over the unmasked updates.

/** Seeded uniform [0, 1) (a 32-bit LCG, Numerical Recipes' constants), so the data is fixed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const siteIds = Array.from({ length: 10 }, (_, i) => `site-${String.fromCharCode(97 + i)}`);

/** Runs the four stages for `values` per site; `dropped` sites vanish after sharing keys (mid-round). */
function secureRound(values: Record<string, ArrayLike<number>>, dropped: readonly string[], context: SecAggContext) {
  const sites = siteIds.map((s) => new SecureAggregationSite(s, context));
  const advertisements = sites.map((s) => s.advertiseKeys());
  const outbox = sites.flatMap((s) => s.shareKeys(advertisements));
  for (const s of sites) s.receiveShares(outbox.filter((m) => m.to === s.siteId));
  const alive = sites.filter((s) => !dropped.includes(s.siteId));
  const masked = new Map(alive.map((s) => [s.siteId, s.maskedInput(values[s.siteId])]));
  const responses = alive.map((s) => s.unmask([...masked.keys()]));
  return { masked, sum: unmaskSecureSum({ context, advertisements, exchanged: siteIds, masked, responses }) };
}

describe('Shamir secret sharing over GF(2^521 − 1)', () => {
  it('recovers a secret from any t shares, and shares made by hand from a known polynomial', () => {
    const secret = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
    const shares = splitSecret(secret, 3, 5);
    for (const pick of [[0, 1, 2], [1, 3, 4], [4, 2, 0]]) expect(Buffer.from(combineShares(pick.map((i) => shares[i]), 32))).toEqual(Buffer.from(secret));
    // f(x) = s + 5x + 7x² evaluated here with BigInt: any three points give s back.
    const s = BigInt(`0x${Buffer.from(secret).toString('hex')}`);
    const byHand = [2, 3, 9].map((x) => ({ x, y: ((s + 5n * BigInt(x) + 7n * BigInt(x * x)) % SHAMIR_PRIME).toString(16) }));
    expect(Buffer.from(combineShares(byHand, 32))).toEqual(Buffer.from(secret));
    // Two points of a degree-2 polynomial do not determine it.
    expect(Buffer.from(combineShares(byHand.slice(0, 2), 32)).equals(Buffer.from(secret))).toBe(false);
  });
});

describe('secure aggregation with dropouts, 10 sites (Bonawitz et al. 2017)', () => {
  const scale = 2 ** 20;
  const length = 50;
  const random = lcg(2017);
  const values = Object.fromEntries(siteIds.map((s) => [s, Float64Array.from({ length }, () => (random() - 0.5) * 2000)]));

  it.each([
    ['0 %', [] as string[]],
    ['10 %', ['site-d']],
    ['30 %', ['site-b', 'site-e', 'site-j']],
  ])('the coordinator reads the survivors\' exact sum at %s dropout, to the ring precision', (_label, dropped) => {
    const context: SecAggContext = { campaignId: 'secagg', round: 4, threshold: 7, scale };
    const { masked, sum } = secureRound(values, dropped, context);
    const survivors = siteIds.filter((s) => !dropped.includes(s));
    for (let i = 0; i < length; i++) {
      const plain = survivors.reduce((a, s) => a + values[s][i], 0);
      // Each site rounds to 1/scale: the sum errs by at most n/(2·scale).
      expect(Math.abs(sum[i] - plain)).toBeLessThanOrEqual(survivors.length / (2 * scale));
    }
    // What the coordinator got from one site is not that site's value.
    const one = masked.get(survivors[0])!;
    expect(Array.from(one).some((v, i) => Math.abs(v / scale - values[survivors[0]][i]) < 1)).toBe(false);
  });

  it('fails, and says so, when more sites drop out than the threshold allows; never with fewer than three sites', () => {
    const context: SecAggContext = { campaignId: 'secagg', round: 5, threshold: 7, scale };
    expect(() => secureRound(values, ['site-a', 'site-b', 'site-c', 'site-d'], context)).toThrow(/at least 7/);
    const three = siteIds.slice(0, 2).map((s) => new SecureAggregationSite(s, { ...context, threshold: 2 }));
    expect(() => three[0].shareKeys(three.map((s) => s.advertiseKeys()))).toThrow(/at least 3/);
  });

  it('a site reveals its shares once: a second survivor list (which could unmask a late site) is refused', () => {
    const context: SecAggContext = { campaignId: 'secagg', round: 6, threshold: 7, scale };
    const sites = siteIds.map((s) => new SecureAggregationSite(s, context));
    const ads = sites.map((s) => s.advertiseKeys());
    const outbox = sites.flatMap((s) => s.shareKeys(ads));
    for (const s of sites) s.receiveShares(outbox.filter((m) => m.to === s.siteId));
    sites[0].unmask(siteIds.slice(0, 9));
    expect(() => sites[0].unmask(siteIds)).toThrow(/reveals them once/);
  });

  it('refuses a value that could make the sum wrap around the ring, naming the bound', () => {
    const context: SecAggContext = { campaignId: 'secagg', round: 7, threshold: 7, scale };
    const big = { ...values, 'site-c': Float64Array.from({ length }, (_, i) => (i === 3 ? (perSiteBound(10) + 10) / scale : 0)) };
    expect(() => secureRound(big, [], context)).toThrow(new RegExp(`must stay ≤ ${perSiteBound(10)}`));
  });

  it('exact Newton on the masked sum equals exact Newton on the unmasked updates, at 0, 10 and 30 % dropout', () => {
    // Each site's exact-Newton sums at β = 0 for its own synthetic rows (SITE_CHANNEL.md §6), by hand.
    const p = 3;
    const rows = lcg(7);
    const updates = Object.fromEntries(siteIds.map((s) => {
      const n = 20 + Math.floor(rows() * 30);
      const gradient = new Array(p + 1).fill(0);
      const hessian = new Array((p + 1) ** 2).fill(0);
      const fsum = new Array(p).fill(0);
      const fsq = new Array(p).fill(0);
      for (let k = 0; k < n; k++) {
        const x = [1, ...Array.from({ length: p }, () => rows() * 4 - 2)];
        const y = rows() < 0.3 ? 1 : 0;
        x.forEach((xi, i) => {
          gradient[i] += (0.5 - y) * xi; // σ(0) = ½
          x.forEach((xj, j) => (hessian[i * (p + 1) + j] += 0.25 * xi * xj));
          if (i > 0) {
            fsum[i - 1] += xi;
            fsq[i - 1] += xi * xi;
          }
        });
      }
      const update: UpdateView = {
        kind: 'train-round', round: 0, contents: 'gradient-hessian', sampleCount: n,
        tensors: [
          { name: 'gradient', shape: [p + 1], data: gradient },
          { name: 'hessian', shape: [p + 1, p + 1], data: hessian },
          { name: 'feature-sum', shape: [p], data: fsum },
          { name: 'feature-sumsq', shape: [p], data: fsq },
        ],
      };
      return [s, update];
    }));
    const strategy = exactNewton({ model: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.01, standardize: true } });
    const state = { round: 0, parameters: [{ name: 'coef', shape: [p + 1], data: new Array(p + 1).fill(0) }], server: null };
    for (const dropped of [[], ['site-d'], ['site-b', 'site-e', 'site-j']]) {
      const survivors = siteIds.filter((s) => !dropped.includes(s));
      const plain = strategy.aggregate(state, survivors.map((s): MethodResult<UpdateView> => ({ siteId: s, update: updates[s] })), []);
      const flat = Object.fromEntries(siteIds.map((s) => [s, updates[s].tensors.flatMap((t) => Array.from(t.data))]));
      const { sum } = secureRound(flat, dropped, { campaignId: 'secagg-newton', round: 0, threshold: 7, scale: 2 ** 24 });
      let offset = 0;
      const summed: UpdateView = {
        ...updates[survivors[0]],
        sampleCount: survivors.reduce((a, s) => a + updates[s].sampleCount, 0),
        tensors: updates[survivors[0]].tensors.map((t) => ({ ...t, data: Array.from(sum.subarray(offset, (offset += t.data.length))) })),
      };
      const masked = strategy.aggregate(state, [{ siteId: survivors.join('+'), update: summed }], []);
      masked.parameters[0].data.forEach((v, j) => expect(Math.abs(v - plain.parameters[0].data[j])).toBeLessThan(1e-6));
    }
  });
});

describe('pipelined rounds: round r + 1\'s keys and shares sent with round r (two exchanges a round)', () => {
  const scale = 2 ** 20;
  const length = 40;
  const random = lcg(2020);
  const valuesOf = () => Object.fromEntries(siteIds.map((s) => [s, Float64Array.from({ length }, () => (random() - 0.5) * 2000)]));

  /**
   * Round 0 sets up keys (stages 0–1); each masked input carries the next round's masking key and
   * shares, relayed with the unmask stage to the survivors; round 1 masks with them. `dropped[r]`
   * sites send no masked input in round r. Returns each round's masked inputs, unmasking answers,
   * roster and sum, so the tests can also play the coordinator's attacks.
   */
  function twoRounds(values: Array<Record<string, Float64Array>>, dropped: string[][]) {
    const context: SecAggContext = { campaignId: 'secagg-pipelined', round: 0, threshold: 7, scale };
    let sites = siteIds.map((s) => new SecureAggregationSite(s, context));
    let roster: Array<Pick<KeyAdvertisement, 'siteId' | 'maskingKey'>> = sites.map((s) => s.advertiseKeys());
    const outbox = sites.flatMap((s) => s.shareKeys(roster as KeyAdvertisement[]));
    for (const s of sites) s.receiveShares(outbox.filter((m) => m.to === s.siteId));
    const rounds = [];
    for (let r = 0; r < values.length; r++) {
      const ctx = { ...context, round: r };
      const alive = sites.filter((s) => !dropped[r].includes(s.siteId));
      const masked = new Map(alive.map((s) => [s.siteId, s.maskedInput(values[r][s.siteId])]));
      const prepared = new Map(alive.map((s) => [s.siteId, s.prepareNextRound()]));
      const relayed = [...prepared.values()].flatMap((p) => p.shares);
      const responses = alive.map((s) => {
        const answer = s.unmask([...masked.keys()]);
        prepared.get(s.siteId)!.next.receiveShares(relayed.filter((m) => m.to === s.siteId));
        return answer;
      });
      const exchanged = sites.map((s) => s.siteId);
      const sum = unmaskSecureSum({ context: ctx, advertisements: roster, exchanged, masked, responses });
      rounds.push({ masked, responses, roster, exchanged, sum });
      // Round r + 1's roster: the survivors, with the masking keys their masked inputs carried.
      roster = alive.map((s) => ({ siteId: s.siteId, maskingKey: prepared.get(s.siteId)!.maskingKey }));
      sites = alive.map((s) => prepared.get(s.siteId)!.next);
      for (const s of sites) s.adoptRoster(roster);
    }
    return rounds;
  }

  it.each([
    ['0 %', [[], []]],
    ['10 % in round 1', [[], ['site-d']]],
    ['30 % in round 1', [[], ['site-b', 'site-e', 'site-j']]],
    ['10 % in round 0, 20 % more in round 1', [['site-d'], ['site-a', 'site-h']]],
  ])('the coordinator reads each round\'s exact sum of the survivors at %s dropout, to the ring precision', (_label, dropped) => {
    const values = [valuesOf(), valuesOf()];
    const rounds = twoRounds(values, dropped);
    rounds.forEach(({ sum }, r) => {
      const survivors = siteIds.filter((s) => !dropped.slice(0, r + 1).flat().includes(s));
      for (let i = 0; i < length; i++) {
        const plain = survivors.reduce((a, s) => a + values[r][s][i], 0);
        expect(Math.abs(sum[i] - plain)).toBeLessThanOrEqual(survivors.length / (2 * scale));
      }
    });
  });

  it('a site that dropped out of round 1 had its round-1 masking key rebuilt; that key does not unmask its round-0 update (keys are fresh per round)', () => {
    const values = [valuesOf(), valuesOf()];
    const rounds = twoRounds(values, [[], ['site-c']]);
    // The coordinator's attack: site-c survived round 0 (its self-mask seed was rebuilt there) and
    // dropped out of round 1 (its round-1 masking key was rebuilt there). Remove both from c's round-0 input.
    const [r0, r1] = rounds;
    const keyShares = r1.responses.slice(0, 7).map((r) => r.maskingKey['site-c']);
    const selfShares = r0.responses.slice(0, 7).map((r) => r.selfMask['site-c']);
    const round1Key = combineShares(keyShares, 32);
    const selfSeed = combineShares(selfShares, 32);
    const y = Float64Array.from(r0.masked.get('site-c')!);
    addMod(y, ringMask(selfSeed, length), -1);
    const key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', x: r1.roster.find((a) => a.siteId === 'site-c')!.maskingKey, d: Buffer.from(round1Key).toString('base64url') }, format: 'jwk' });
    for (const peer of r0.roster.filter((a) => a.siteId !== 'site-c')) {
      const peerKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peer.maskingKey }, format: 'jwk' });
      addMod(y, ringMask(pairwiseSeed(key, peerKey, { campaignId: 'secagg-pipelined', round: 0 }), length), 'site-c' < peer.siteId ? -1 : 1);
    }
    // Had round 0 used the same key, this would be c's round-0 values; with a fresh key it is noise on the ring.
    const decoded = decodeFixedPoint(y, scale);
    expect(Array.from(decoded).some((v, i) => Math.abs(v - values[0]['site-c'][i]) < 1)).toBe(false);
    // The rebuilt key is round 1's, not round 0's: its public half differs from the one c masked round 0 with.
    expect(r1.roster.find((a) => a.siteId === 'site-c')!.maskingKey).not.toBe(r0.roster.find((a) => a.siteId === 'site-c')!.maskingKey);
  });

  it('a site masks a pipelined round only for sites that sent it their shares, with its own key, once', () => {
    const context: SecAggContext = { campaignId: 'secagg-roster', round: 0, threshold: 7, scale };
    const sites = siteIds.map((s) => new SecureAggregationSite(s, context));
    const ads = sites.map((s) => s.advertiseKeys());
    const outbox = sites.flatMap((s) => s.shareKeys(ads));
    for (const s of sites) s.receiveShares(outbox.filter((m) => m.to === s.siteId));
    const prepared = sites.map((s) => s.prepareNextRound());
    const roster = sites.map((s, i) => ({ siteId: s.siteId, maskingKey: prepared[i].maskingKey }));
    const a = prepared[0].next;
    // Before its roster is fixed it masks nothing.
    expect(() => a.maskedInput(new Float64Array(3))).toThrow(/not fixed the roster/);
    // No shares from the others reached it (its unmask job carried none): it refuses the roster.
    expect(() => a.adoptRoster(roster)).toThrow(/holds no shares of site-b/);
    a.receiveShares(prepared.slice(1).flatMap((p) => p.shares.filter((m) => m.to === 'site-a')));
    // A coordinator's own key in site-a's place, or a site that was never in the key setup, is refused.
    expect(() => a.adoptRoster(roster.map((x) => (x.siteId === 'site-a' ? { ...x, maskingKey: prepared[1].maskingKey } : x)))).toThrow(/own masking key/);
    expect(() => a.adoptRoster([...roster, { siteId: 'site-z', maskingKey: prepared[1].maskingKey }])).toThrow(/each a site this one exchanged keys with/);
    a.adoptRoster(roster);
    expect(() => a.adoptRoster(roster.slice(0, 9))).toThrow(/already fixed the roster/);
    expect(a.maskedInput(new Float64Array(3))).toHaveLength(3);
  });
});
