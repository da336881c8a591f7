import { createCipheriv } from 'node:crypto';

/**
 * The mask stream of a 32-byte seed: AES-256 in counter mode over zeros (the PRG of Bonawitz et
 * al. 2017, §4, instantiated with a standard stream cipher; each seed keys exactly one stream), read
 * as little-endian 48-bit words — uniform on the ring Z/2^48 of fixedPoint.ts.
 */
export function ringMask(seed: Uint8Array, length: number): Float64Array {
  const cipher = createCipheriv('aes-256-ctr', seed.subarray(0, 32), Buffer.alloc(16));
  const bytes = cipher.update(Buffer.alloc(6 * length));
  const out = new Float64Array(length);
  for (let i = 0, b = 0; i < length; i++, b += 6) out[i] = bytes.readUInt32LE(b) + bytes.readUInt16LE(b + 4) * 2 ** 32;
  return out;
}
