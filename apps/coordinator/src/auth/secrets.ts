import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Secrets at rest (operator passwords, API tokens, session secrets, enrolment codes): only a
 * scrypt hash is stored (Percival 2009, "Stronger key derivation via sequential memory-hard
 * functions"; RFC 7914). N = 2^15, r = 8, p = 1 costs ~32 MB and tens of milliseconds per
 * guess, the OWASP Password Storage Cheat Sheet's order of magnitude for scrypt.
 */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEMORY = 128 * N * R * 2;

function scryptAsync(secret: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  const options: ScryptOptions = { N: n, r, p, maxmem: Math.max(MAX_MEMORY, 128 * n * r * 2) };
  return new Promise((resolve, reject) => scrypt(secret.normalize('NFKC'), salt, KEY_LENGTH, options, (e, key) => (e ? reject(e) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash` (salt and hash base64url), so stored hashes keep their own cost if it changes later. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Checks a secret against its stored hash in constant time (crypto.timingSafeEqual); a malformed hash never matches. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  if (![n, r, p].every((v) => Number.isSafeInteger(v) && v > 0) || n > 2 ** 20) return false;
  const expected = Buffer.from(parts[5], 'base64url');
  const key = await scryptAsync(secret, Buffer.from(parts[4], 'base64url'), n, r, p);
  return expected.length === key.length && timingSafeEqual(expected, key);
}

/** A hash of the right form that no secret matches: checked against when the account is unknown, so timing does not tell. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  return (decoy ??= hashSecret(randomBytes(32).toString('base64url')));
}

/** A fresh random secret, base64url (bytes × 8 bits of entropy). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Constant-time equality of two strings of any length (compared through their SHA-256). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** SHA-256 hex of a presented secret: the key of the in-memory cache of secrets already verified, never stored. */
export function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
