// The signed model (issue #14.3): the coordinator signs the card of the locked model, whose
// modelSha256 names the ONNX bytes; anyone holding the campaign CA checks both offline. The
// attacker's tests: a swapped or tampered model, a tampered card, a signer that is a site, a
// signer from another campaign, a revoked coordinator certificate, no signature at all.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson, validate, type ModelCard } from '@fedrad/protocol';
import {
  CertificateNotIssuedByCaError,
  CertificateRevokedError,
  createCrl,
  ModelNotSignedError,
  ModelSignatureError,
  serialOf,
  SignatureMismatchError,
  signModel,
  verifyModel,
  type ModelSignature,
} from '../src/index.js';
import { enrol, makeCampaign, type CampaignFixture } from './campaignFixture.js';

let c: CampaignFixture;
let signature: ModelSignature;
const onnx = new Uint8Array(Buffer.from('stand-in ONNX bytes of the locked model'));
const card = (): ModelCard => ({
  ...(JSON.parse(readFileSync(new URL('../../../protocols/examples/model-card/valid-lasso.json', import.meta.url), 'utf8')) as ModelCard),
  modelSha256: createHash('sha256').update(onnx).digest('hex'),
});

beforeAll(() => {
  c = makeCampaign();
  signature = signModel(onnx, card(), c.server.keyPem, c.server.certPem, { signedAt: new Date('2026-12-06T12:00:00Z') });
});

describe('signModel / verifyModel', () => {
  it('signs the card with the coordinator key; the signature validates and OpenSSL verifies it over the canonical card', () => {
    expect(validate('model-signature', signature)).toEqual({ valid: true });
    const ok = cryptoVerify('sha256', Buffer.from(canonicalJson(card()), 'utf8'), new X509Certificate(signature.signerCertificatePem).publicKey, Buffer.from(signature.signature.signature, 'base64'));
    expect(ok).toBe(true);
    expect(verifyModel(onnx, card(), signature, { caCertPem: c.ca.certPem }).subjectCommonName).toBe('coordinator');
  });
  it('refuses to sign a card that names other bytes', () => {
    expect(() => signModel(new Uint8Array([1, 2, 3]), card(), c.server.keyPem, c.server.certPem)).toThrow(ModelSignatureError);
  });
  it('a swapped model (other ONNX bytes) is refused', () => {
    const other = new Uint8Array(onnx);
    other[0] ^= 1;
    expect(() => verifyModel(other, card(), signature, { caCertPem: c.ca.certPem })).toThrow(/the ONNX file has SHA-256 [0-9a-f]{64} but the signed card names model/);
  });
  it('a tampered card (threshold moved, or another model hash with matching bytes) is refused', () => {
    expect(() => verifyModel(onnx, { ...card(), youdenThreshold: 0.01 }, signature, { caCertPem: c.ca.certPem })).toThrow(SignatureMismatchError);
    const forged = new Uint8Array([9, 9, 9]);
    const swapped = { ...card(), modelSha256: createHash('sha256').update(forged).digest('hex') };
    expect(() => verifyModel(forged, swapped, signature, { caCertPem: c.ca.certPem })).toThrow(SignatureMismatchError);
  });
  it('a card signed by a site, or by another campaign\'s coordinator, is refused', () => {
    const bySite = signModel(onnx, card(), c.siteA.keyPem, c.siteA.certPem);
    expect(() => verifyModel(onnx, card(), bySite, { caCertPem: c.ca.certPem })).toThrow(/signed by "site-a", not by the campaign's coordinator/);
    const foreignCoordinator = enrol(c.otherCa, 'coordinator');
    const foreign = signModel(onnx, card(), foreignCoordinator.keyPem, foreignCoordinator.certPem);
    expect(() => verifyModel(onnx, card(), foreign, { caCertPem: c.ca.certPem })).toThrow(CertificateNotIssuedByCaError);
  });
  it('a revoked coordinator certificate is refused with the CRL', () => {
    const crlPem = createCrl({ caCertPem: c.ca.certPem, caKeyPem: c.ca.keyPem, revoked: [{ serial: serialOf(c.server.certPem), revokedAt: new Date(Date.now() - 60_000) }] });
    expect(() => verifyModel(onnx, card(), signature, { caCertPem: c.ca.certPem, crlPem })).toThrow(CertificateRevokedError);
  });
  it('no signature: MODEL_NOT_SIGNED', () => {
    expect(() => verifyModel(onnx, card(), undefined, { caCertPem: c.ca.certPem })).toThrow(ModelNotSignedError);
  });
});
