import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { InvalidPkiOptionError } from './errors.js';

/** RSA modulus length used when the caller does not ask for another (NIST SP 800-57: 112-bit strength). */
export const DEFAULT_KEY_BITS = 2048;

export interface RsaKeyPair {
  /** PKCS#8 "PRIVATE KEY" PEM, unencrypted (protect it with storePem's 0600 mode). */
  keyPem: string;
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

/**
 * Makes an RSA key pair. Node's crypto (OpenSSL) generates the primes: node-forge's pure-JS
 * generator takes seconds per 2048-bit key, which would stall enrolment and the test suite.
 * Keys need real entropy, so this is the one place in FedRad that is deliberately not seeded.
 */
export function generateRsaKeyPair(keyBits: number = DEFAULT_KEY_BITS): RsaKeyPair {
  if (!Number.isInteger(keyBits) || keyBits < 2048 || keyBits > 8192 || keyBits % 8 !== 0) {
    throw new InvalidPkiOptionError('keyBits', keyBits, 'a multiple of 8 from 2048 to 8192');
  }
  const { privateKey: keyPem } = generateKeyPairSync('rsa', {
    modulusLength: keyBits,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const privateKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
  return { keyPem, privateKey, publicKey };
}

/** Whether a private key and a public key are two halves of one RSA pair. */
export function isKeyPairOf(privateKey: forge.pki.rsa.PrivateKey, publicKey: forge.pki.PublicKey): boolean {
  const rsa = publicKey as forge.pki.rsa.PublicKey;
  return rsa.n !== undefined && rsa.n.equals(privateKey.n) && rsa.e.equals(privateKey.e);
}
