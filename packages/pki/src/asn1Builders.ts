import forge from 'node-forge';
import { wholeSeconds } from './validity.js';

// Small constructors for the DER structures forge has no writer for (the CRL). Each mirrors one
// ASN.1 type of RFC 5280 / X.690.
const { asn1 } = forge;
const UNIVERSAL = asn1.Class.UNIVERSAL;

export const OID = {
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  authorityKeyIdentifier: '2.5.29.35',
  cRLNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
} as const;

export function sequence(items: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, items);
}

export function oid(dotted: string): forge.asn1.Asn1 {
  return asn1.create(UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(dotted).getBytes());
}

/** INTEGER from its content bytes given as hex (already minimal and sign-correct). */
export function integerFromHex(hex: string): forge.asn1.Asn1 {
  return asn1.create(UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(hex));
}

/** INTEGER of a non-negative safe integer (forge's integerToDer stops at 32 bits). */
export function integer(value: number): forge.asn1.Asn1 {
  let hex = BigInt(value).toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = '00' + hex;
  return integerFromHex(hex);
}

export function octetString(bytes: string): forge.asn1.Asn1 {
  return asn1.create(UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes);
}

/** BIT STRING holding whole bytes (leading 0x00: no unused bits). */
export function bitString(bytes: string): forge.asn1.Asn1 {
  return asn1.create(UNIVERSAL, asn1.Type.BITSTRING, false, '\x00' + bytes);
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, whole seconds, Zulu. */
export function time(date: Date): forge.asn1.Asn1 {
  const whole = wholeSeconds(date);
  return whole.getUTCFullYear() < 2050
    ? asn1.create(UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(whole))
    : asn1.create(UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(whole));
}

/** AlgorithmIdentifier for sha256WithRSAEncryption, parameters NULL (RFC 4055 section 5). */
export function sha256WithRsa(): forge.asn1.Asn1 {
  return sequence([oid(OID.sha256WithRSAEncryption), asn1.create(UNIVERSAL, asn1.Type.NULL, false, '')]);
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
export function extension(extnId: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return sequence([oid(extnId), octetString(asn1.toDer(value).getBytes())]);
}

export function der(node: forge.asn1.Asn1): string {
  return asn1.toDer(node).getBytes();
}
