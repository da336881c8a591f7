import { randomBytes } from 'node:crypto';
import { InvalidPkiOptionError } from './errors.js';

/**
 * Certificate serial numbers as lower-case hex without leading zeros, the form FedRad stores and
 * compares. RFC 5280 section 4.1.2.2: a positive integer of at most 20 octets, unique per CA.
 */
export function normaliseSerial(serial: string, option = 'serial'): string {
  if (typeof serial !== 'string' || !/^[0-9a-fA-F]+$/.test(serial)) {
    throw new InvalidPkiOptionError(option, serial, 'a positive integer written in hexadecimal');
  }
  const hex = serial.toLowerCase().replace(/^0+/, '');
  if (hex === '') throw new InvalidPkiOptionError(option, serial, 'a positive integer (serial 0 is not allowed, RFC 5280 4.1.2.2)');
  // 20 octets of DER content, one of which may be the 0x00 sign byte.
  if (hex.length > 40 || (hex.length === 40 && parseInt(hex[0], 16) >= 8)) {
    throw new InvalidPkiOptionError(option, serial, 'at most 20 octets once DER-encoded (RFC 5280 4.1.2.2)');
  }
  return hex;
}

/** Hex of the DER INTEGER content: even length, with a 00 byte when the top bit would read as negative. */
export function serialToDerHex(serial: string): string {
  let hex = normaliseSerial(serial);
  if (hex.length % 2 === 1) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = '00' + hex;
  return hex;
}

/** Reads a DER INTEGER's content bytes (forge binary string) back into the normal form. */
export function serialFromDerBytes(bytes: string): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += bytes.charCodeAt(i).toString(16).padStart(2, '0');
  const normal = hex.replace(/^0+/, '');
  return normal === '' ? '0' : normal;
}

/** 128 random bits, top bit clear: unpredictable serials as CA/Browser Forum practice asks (>= 64 bits). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString('hex');
}
