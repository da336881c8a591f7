import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { AggregationError } from '../errors.js';
import { pairwiseSeed } from '../secureAggregation.js';
import { addMod, decodeFixedPoint, encodeFixedPoint } from './fixedPoint.js';
import { ringMask } from './maskPrg.js';
import { combineShares, lagrangeAtZero, splitSecret, type Share } from './shamir.js';

/**
 * Secure aggregation with dropout recovery: the protocol of Bonawitz et al. 2017, "Practical
 * secure aggregation for privacy-preserving machine learning" (CCS '17), §4 / Figure 4, semi-honest
 * server, one aggregation per round. Four stages, each a plain function of what the previous one
 * delivered (the coordinator relays every message; it never holds a site's secret):
 *
 *   0. advertiseKeys   each site makes two X25519 key pairs, c (to encrypt shares) and s (masks);
 *   1. shareKeys       it draws a self-mask seed b and Shamir-shares b and its s private key t-of-n
 *                      among the sites that advertised (U1), each share encrypted to its holder;
 *   2. maskedInput     y_u = x_u + PRG(b_u) + Σ_{v∈U2, u<v} PRG(s_uv) − Σ_{v∈U2, u>v} PRG(s_uv) on
 *                      the ring Z/2^48 (fixedPoint.ts), U2 = the sites whose shares it received;
 *   3. unmask          given the survivors U3 (sites whose y reached the coordinator), it reveals
 *                      its share of b_v for each survivor and of s_v's key for each v ∈ U2 \ U3,
 *                      never both for one site — so a site that was only late stays masked by b.
 *
 * The coordinator (unmaskSum) rebuilds each survivor's b and each dropped site's key from ≥ t
 * shares, removes PRG(b_u) and the pairwise masks that no longer cancel, and reads Σ_{U3} x_u —
 * exactly, as long as at most n − t sites drop out. A site refuses to mask or unmask with fewer
 * than three sites in the set (or fewer than t), so no aggregate is ever one or two sites' values.
 *
 * Over a campaign's rounds, stages 0 and 1 of round r + 1 ride on round r (prepareNextRound): with
 * its masked input a site sends a fresh masking public key for round r + 1 and its shares of that
 * key and of a fresh self-mask seed, encrypted to each peer under the encryption key agreed at the
 * last key setup (reused: it only encrypts, and every message's key is bound to its round and
 * pair); the coordinator relays them with round r's unmask stage. A round then costs two exchanges
 * (masked input, unmask) instead of four, as in the multi-round deployment of Bell et al. 2020
 * ("Secure single-server aggregation with (poly)logarithmic overhead", CCS '20, §3: the setup
 * messages of an aggregation travel with the previous one's). The masking key stays fresh per round,
 * not agreed once per campaign: a dropped site's masking key is rebuilt by the coordinator (stage 3),
 * and a key reused across rounds would then remove the pairwise masks of that site's earlier rounds,
 * whose self-mask seeds the coordinator already rebuilt there — unmasking each earlier update.
 */
export interface SecAggContext {
  campaignId: string;
  round: number;
  /** Shares needed to rebuild a secret; n − threshold sites may drop out after stage 1. */
  threshold: number;
  /** Fixed-point scale: values travel as round(x · scale) on the ring. */
  scale: number;
}

export interface KeyAdvertisement {
  siteId: string;
  /** Raw X25519 public keys, base64url (JWK `x`). */
  encryptionKey: string;
  maskingKey: string;
}

export interface EncryptedShares {
  from: string;
  to: string;
  /** AES-256-GCM under the pair's agreed key; the plaintext holds the holder's shares of `from`'s b and s key. */
  iv: string;
  ciphertext: string;
  tag: string;
}

export interface UnmaskingShares {
  from: string;
  /** The holder's share of each survivor's self-mask seed. */
  selfMask: Record<string, Share>;
  /** The holder's share of each dropped site's masking private key. */
  maskingKey: Record<string, Share>;
}

/** The least number of sites any masked sum may rest on. */
export const MIN_SECURE_AGGREGATE_SITES = 3;

const sign = (siteId: string, peer: string): 1 | -1 => (siteId < peer ? 1 : -1);

interface RawKeys {
  privateKey: KeyObject;
  publicRaw: string;
  privateRaw: Uint8Array;
}

function rawKeys(): RawKeys {
  const { privateKey } = generateKeyPairSync('x25519');
  return keysOf(privateKey);
}

function keysOf(privateKey: KeyObject): RawKeys {
  const jwk = privateKey.export({ format: 'jwk' }) as { x: string; d: string };
  return { privateKey, publicRaw: jwk.x, privateRaw: new Uint8Array(Buffer.from(jwk.d, 'base64url')) };
}

function restoredKeys(x: string, d: string): RawKeys {
  return keysOf(createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', x, d }, format: 'jwk' }));
}

/**
 * A site's secrets and progress in one round, as JSON (its store keeps it between the round's
 * stages, so a restart of either side resumes the round). Secret: it never leaves the site.
 */
export interface SecureAggregationSiteState {
  siteId: string;
  context: SecAggContext;
  encryption: { x: string; d: string };
  masking: { x: string; d: string };
  selfSeed: string;
  roster: KeyAdvertisement[];
  held: Record<string, { selfMask: Share; maskingKey: Share }>;
  unmasked: boolean;
  /** False while a pipelined round's roster is still the previous round's (prepareNextRound); absent: fixed. */
  rosterFixed?: boolean;
}

// Parsed once per key: a round with n sites uses each public key n − 1 times.
const publicKeys = new Map<string, KeyObject>();
function publicKeyOf(x: string): KeyObject {
  let key = publicKeys.get(x);
  if (!key) {
    if (publicKeys.size > 100_000) publicKeys.clear();
    publicKeys.set(x, (key = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' })));
  }
  return key;
}

function shareKey(privateKey: KeyObject, peerPublic: string, context: SecAggContext, from: string, to: string): Buffer {
  const shared = diffieHellman({ privateKey, publicKey: publicKeyOf(peerPublic) });
  return createHash('sha256').update(shared).update(`fedrad-secagg/shares/${context.campaignId}/${context.round}/${from}>${to}`).digest();
}

function needSites(count: number, context: SecAggContext, what: string): void {
  const least = Math.max(MIN_SECURE_AGGREGATE_SITES, context.threshold);
  if (count < least) {
    throw new AggregationError('NOT_ENOUGH_SITES', `${what}: ${count} site(s) are left; secure aggregation needs at least ${least} (threshold ${context.threshold}, never fewer than ${MIN_SECURE_AGGREGATE_SITES})`, { round: context.round });
  }
}

/** One site's side of one round's secure aggregation; holds its secrets, which never leave it in clear. */
export class SecureAggregationSite {
  private encryption = rawKeys();
  private masking = rawKeys();
  private selfSeed = new Uint8Array(randomBytes(32));
  private roster: KeyAdvertisement[] = [];
  private readonly held = new Map<string, { selfMask: Share; maskingKey: Share }>();
  private unmasked = false;
  private rosterFixed = true;

  constructor(readonly siteId: string, readonly context: SecAggContext) {}

  /** The round's secrets and progress, to keep in the site's own store. */
  saved(): SecureAggregationSiteState {
    const raw = (k: RawKeys) => ({ x: k.publicRaw, d: Buffer.from(k.privateRaw).toString('base64url') });
    return {
      siteId: this.siteId,
      context: this.context,
      encryption: raw(this.encryption),
      masking: raw(this.masking),
      selfSeed: Buffer.from(this.selfSeed).toString('base64'),
      roster: this.roster,
      held: Object.fromEntries(this.held),
      unmasked: this.unmasked,
      rosterFixed: this.rosterFixed,
    };
  }

  /** A site's side of a round as saved() left it. */
  static restore(state: SecureAggregationSiteState): SecureAggregationSite {
    const site = new SecureAggregationSite(state.siteId, state.context);
    site.encryption = restoredKeys(state.encryption.x, state.encryption.d);
    site.masking = restoredKeys(state.masking.x, state.masking.d);
    site.selfSeed = new Uint8Array(Buffer.from(state.selfSeed, 'base64'));
    site.roster = state.roster;
    for (const [peer, shares] of Object.entries(state.held)) site.held.set(peer, shares);
    site.unmasked = state.unmasked;
    site.rosterFixed = state.rosterFixed !== false;
    return site;
  }

  /** Whether this site has revealed its unmasking shares for the round. */
  get revealed(): boolean {
    return this.unmasked;
  }

  /** Stage 0. */
  advertiseKeys(): KeyAdvertisement {
    return { siteId: this.siteId, encryptionKey: this.encryption.publicRaw, maskingKey: this.masking.publicRaw };
  }

  /** Stage 1: given every advertisement (U1, this site's included), one encrypted message per peer. */
  shareKeys(advertisements: readonly KeyAdvertisement[]): EncryptedShares[] {
    const roster = [...advertisements].sort((a, b) => (a.siteId < b.siteId ? -1 : a.siteId > b.siteId ? 1 : 0));
    if (new Set(roster.map((a) => a.siteId)).size !== roster.length || !roster.some((a) => a.siteId === this.siteId)) {
      throw new AggregationError('LAYOUT_MISMATCH', `The key roster of round ${this.context.round} must name each site once, ${this.siteId} included`, { round: this.context.round });
    }
    needSites(roster.length, this.context, 'Sharing keys');
    // Each site reveals one kind of share per peer, once. With t > n/2 no two disjoint groups of
    // sites (one told "v survived", the other "v dropped") can both reach t, so a coordinator that
    // lies about the survivors never gets both v's self-mask seed and v's masking key (§6).
    if (2 * this.context.threshold <= roster.length) {
      throw new AggregationError('NOT_ENOUGH_SITES', `Sharing keys: threshold ${this.context.threshold} of ${roster.length} sites is not a majority; two groups of sites could then each rebuild one of a site's two secrets and unmask it`, { round: this.context.round });
    }
    this.roster = roster;
    return this.encryptShares(roster);
  }

  /** This site's shares of its self-mask seed and masking key, one per site of `roster` (x = its place there), encrypted to each peer. */
  private encryptShares(roster: readonly KeyAdvertisement[]): EncryptedShares[] {
    const n = roster.length;
    const selfShares = splitSecret(this.selfSeed, this.context.threshold, n);
    const keyShares = splitSecret(this.masking.privateRaw, this.context.threshold, n);
    const out: EncryptedShares[] = [];
    roster.forEach((peer, i) => {
      if (peer.siteId === this.siteId) {
        this.held.set(this.siteId, { selfMask: selfShares[i], maskingKey: keyShares[i] });
        return;
      }
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', shareKey(this.encryption.privateKey, peer.encryptionKey, this.context, this.siteId, peer.siteId), iv);
      const plaintext = JSON.stringify({ from: this.siteId, to: peer.siteId, selfMask: selfShares[i], maskingKey: keyShares[i] });
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      out.push({ from: this.siteId, to: peer.siteId, iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') });
    });
    return out;
  }

  /**
   * Stages 0 and 1 of round r + 1, sent with this round's masked input: the next round's side of
   * this site (the same encryption key; a fresh masking key and self-mask seed), its masking public
   * key, and its shares of both secrets for each other site of this round's roster, encrypted to it.
   * Sites of that roster receive them (receiveShares on their own next round's side) with this
   * round's unmask stage; the next round's roster, the sites whose masked inputs came, is fixed by
   * adoptRoster. Shares of one secret are made once: calling this again gives other secrets.
   */
  prepareNextRound(): { next: SecureAggregationSite; maskingKey: string; shares: EncryptedShares[] } {
    if (!this.rosterFixed || this.roster.length === 0) throw new AggregationError('LAYOUT_MISMATCH', `Site ${this.siteId} has no roster for round ${this.context.round}; it prepares the next round from this round's`, { round: this.context.round });
    needSites(this.roster.length, this.context, 'Preparing the next round');
    const next = new SecureAggregationSite(this.siteId, { ...this.context, round: this.context.round + 1 });
    next.encryption = this.encryption;
    next.roster = this.roster;
    next.rosterFixed = false;
    const shares = next.encryptShares(this.roster);
    return { next, maskingKey: next.masking.publicRaw, shares };
  }

  /**
   * A pipelined round's roster: the sites whose masked inputs of the previous round came, each with
   * the masking key it sent there. Each must be a site of the roster the shares were made over, with
   * the same encryption key, and must have sent this site its shares (else it could not be unmasked
   * if it dropped out); this site's own keys must be its own. Fixed once.
   */
  adoptRoster(advertisements: readonly Pick<KeyAdvertisement, 'siteId' | 'maskingKey'>[]): void {
    const round = this.context.round;
    const sorted = [...advertisements].sort((a, b) => (a.siteId < b.siteId ? -1 : a.siteId > b.siteId ? 1 : 0));
    const known = new Map(this.roster.map((a) => [a.siteId, a]));
    const roster = sorted.map((a) => ({ siteId: a.siteId, encryptionKey: known.get(a.siteId)?.encryptionKey ?? '', maskingKey: a.maskingKey }));
    if (this.rosterFixed) {
      if (JSON.stringify(roster) === JSON.stringify(this.roster)) return;
      throw new AggregationError('LAYOUT_MISMATCH', `Site ${this.siteId} already fixed the roster of round ${round}; it masks for no other set of sites`, { round });
    }
    if (new Set(roster.map((a) => a.siteId)).size !== roster.length || roster.some((a) => !known.has(a.siteId))) {
      throw new AggregationError('LAYOUT_MISMATCH', `The roster of round ${round} must name each site once, each a site this one exchanged keys with`, { round });
    }
    const own = roster.find((a) => a.siteId === this.siteId);
    if (!own || own.maskingKey !== this.masking.publicRaw) throw new AggregationError('LAYOUT_MISMATCH', `The roster of round ${round} does not hold ${this.siteId}'s own masking key`, { round });
    const missing = roster.find((a) => !this.held.has(a.siteId));
    if (missing) throw new AggregationError('LAYOUT_MISMATCH', `Site ${this.siteId} holds no shares of ${missing.siteId}'s round ${round} secrets, so it could not help unmask the round if ${missing.siteId} dropped out`, { siteId: missing.siteId, round });
    needSites(roster.length, this.context, 'Masking');
    for (const peer of [...this.held.keys()]) if (!roster.some((a) => a.siteId === peer)) this.held.delete(peer);
    this.roster = roster;
    this.rosterFixed = true;
  }

  /** Stage 1 → 2: the shares other sites sent this one (their senders form U2 with this site). */
  receiveShares(messages: readonly EncryptedShares[]): void {
    for (const m of messages) {
      const sender = this.roster.find((a) => a.siteId === m.from);
      if (m.to !== this.siteId || !sender || m.from === this.siteId) throw new AggregationError('LAYOUT_MISMATCH', `Shares from ${m.from} to ${m.to} are not for ${this.siteId} from a site of the roster`, { siteId: m.from });
      const decipher = createDecipheriv('aes-256-gcm', shareKey(this.encryption.privateKey, sender.encryptionKey, this.context, m.from, this.siteId), Buffer.from(m.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(m.tag, 'base64'));
      let doc: { from: string; to: string; selfMask: Share; maskingKey: Share };
      try {
        doc = JSON.parse(Buffer.concat([decipher.update(Buffer.from(m.ciphertext, 'base64')), decipher.final()]).toString('utf8'));
      } catch (e) {
        throw new AggregationError('LAYOUT_MISMATCH', `Shares from ${m.from} do not decrypt: altered in transit or not made for ${this.siteId}`, { siteId: m.from });
      }
      if (doc.from !== m.from || doc.to !== this.siteId) throw new AggregationError('LAYOUT_MISMATCH', `Shares from ${m.from} name another pair`, { siteId: m.from });
      this.held.set(m.from, { selfMask: doc.selfMask, maskingKey: doc.maskingKey });
    }
  }

  /** The sites this one exchanged shares with (U2), itself included, sorted. */
  get peers(): string[] {
    return [...this.held.keys()].sort();
  }

  /** Stage 2: the masked, fixed-point form of `values`. */
  maskedInput(values: ArrayLike<number>): Float64Array {
    if (!this.rosterFixed) throw new AggregationError('LAYOUT_MISMATCH', `Site ${this.siteId} has not fixed the roster of round ${this.context.round}; it masks for a known set of sites only`, { round: this.context.round });
    const peers = this.peers;
    needSites(peers.length, this.context, 'Masking');
    const y = encodeFixedPoint(values, this.context.scale, peers.length);
    addMod(y, ringMask(this.selfSeed, y.length), 1);
    for (const peer of peers) {
      if (peer === this.siteId) continue;
      const peerKey = publicKeyOf(this.roster.find((a) => a.siteId === peer)!.maskingKey);
      addMod(y, ringMask(pairwiseSeed(this.masking.privateKey, peerKey, this.context), y.length), sign(this.siteId, peer));
    }
    return y;
  }

  /**
   * Stage 3: for each survivor its share of b, for each other site of U2 its share of the masking
   * key. Answered once per round: a second call (another survivor list) could ask for both shares
   * of one site, which would unmask it.
   */
  unmask(survivors: readonly string[]): UnmaskingShares {
    if (this.unmasked) throw new AggregationError('LAYOUT_MISMATCH', `Site ${this.siteId} already revealed its shares for round ${this.context.round}; it reveals them once`, { round: this.context.round });
    const alive = new Set(survivors);
    if (alive.size !== survivors.length || ![...alive].every((s) => this.held.has(s))) {
      throw new AggregationError('LAYOUT_MISMATCH', `The survivors of round ${this.context.round} must be distinct sites that exchanged shares with ${this.siteId}`, { round: this.context.round });
    }
    needSites(alive.size, this.context, 'Unmasking');
    // This site sent its masked input (it is answering); a list without it would ask for its own
    // masking key beside its self-mask seed's shares held by the others.
    if (!alive.has(this.siteId)) {
      throw new AggregationError('LAYOUT_MISMATCH', `The survivors of round ${this.context.round} leave out ${this.siteId}, which is answering: it does not reveal the key that masks its own update`, { round: this.context.round });
    }
    this.unmasked = true;
    const out: UnmaskingShares = { from: this.siteId, selfMask: {}, maskingKey: {} };
    for (const [site, shares] of this.held) {
      if (alive.has(site)) out.selfMask[site] = shares.selfMask;
      else out.maskingKey[site] = shares.maskingKey;
    }
    return out;
  }
}

/**
 * The coordinator's side: Σ x_u over the survivors, from their masked inputs and at least
 * `threshold` sites' unmasking shares. `exchanged` is U2 (the sites whose shares were relayed).
 */
export function unmaskSum(input: {
  context: SecAggContext;
  advertisements: readonly Pick<KeyAdvertisement, 'siteId' | 'maskingKey'>[];
  exchanged: readonly string[];
  masked: ReadonlyMap<string, ArrayLike<number>>;
  responses: readonly UnmaskingShares[];
}): Float64Array {
  const { context, masked } = input;
  const survivors = [...masked.keys()].sort();
  const dropped = input.exchanged.filter((s) => !masked.has(s)).sort();
  needSites(survivors.length, context, 'Aggregating');
  const responses = input.responses.slice(0, context.threshold);
  if (responses.length < context.threshold) {
    throw new AggregationError('NOT_ENOUGH_SITES', `Round ${context.round}: ${input.responses.length} site(s) revealed their shares; ${context.threshold} are needed to unmask`, { round: context.round });
  }
  const length = masked.get(survivors[0])!.length;
  const sum = new Float64Array(length);
  for (const s of survivors) {
    const y = masked.get(s)!;
    if (y.length !== length) throw new AggregationError('LAYOUT_MISMATCH', `Masked input of ${s} has ${y.length} values, expected ${length}`, { siteId: s });
    addMod(sum, y, 1);
  }
  const basis = lagrangeAtZero(responses.map((r) => shareOf(r, 'selfMask', survivors[0]).x));
  const secret = (kind: 'selfMask' | 'maskingKey', site: string) => combineShares(responses.map((r) => shareOf(r, kind, site)), 32, basis);
  for (const u of survivors) addMod(sum, ringMask(secret('selfMask', u), length), -1);
  const advert = (s: string) => input.advertisements.find((a) => a.siteId === s)!;
  for (const v of dropped) {
    const key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', x: advert(v).maskingKey, d: Buffer.from(secret('maskingKey', v)).toString('base64url') }, format: 'jwk' });
    // Survivor u added sign(u, v)·PRG(s_uv); v's masked input never came to cancel it.
    for (const u of survivors) addMod(sum, ringMask(pairwiseSeed(key, publicKeyOf(advert(u).maskingKey), context), length), (-sign(u, v)) as 1 | -1);
  }
  return decodeFixedPoint(sum, context.scale);
}

function shareOf(response: UnmaskingShares, kind: 'selfMask' | 'maskingKey', site: string): Share {
  const share = response[kind][site];
  if (!share) throw new AggregationError('NOT_ENOUGH_SITES', `Site ${response.from} revealed no ${kind === 'selfMask' ? 'self-mask' : 'masking-key'} share of ${site}`, { siteId: response.from });
  return share;
}
