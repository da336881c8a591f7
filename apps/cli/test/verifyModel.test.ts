import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate, signModel } from '@fedrad/pki';
import type { ModelCard } from '@fedrad/protocol';
import * as verify from '../src/commands/verifyModel.js';
import { runVerifyModel } from '../src/commands/verifyModel.js';
import { runCommands } from './commandRunner.js';

// A campaign CA folder as `fedrad ca init` writes it, a coordinator certificate under it, and a model
// with its card signed by the coordinator, written as `campaign export` writes them.
const dir = mkdtempSync(join(tmpdir(), 'fedrad-verify-model-'));
const file = (name: string, data: string | Uint8Array) => (writeFileSync(join(dir, name), data), join(dir, name));
let paths: { model: string; card: string; signature: string; caDir: string };

beforeAll(() => {
  const ca = createCampaignCa({ campaignId: 'verify', validityDays: 30 });
  const { keyPem, csrPem } = createSiteKeyAndCsr('coordinator');
  const certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays: 30 });
  file('ca.cert.pem', ca.certPem);
  const onnx = new Uint8Array(Buffer.from('locked model bytes'));
  const card = { ...(JSON.parse(readFileSync(new URL('../../../protocols/examples/model-card/valid-lasso.json', import.meta.url), 'utf8')) as ModelCard), modelSha256: createHash('sha256').update(onnx).digest('hex') };
  paths = {
    model: file('model.onnx', onnx),
    card: file('model.card.json', JSON.stringify(card)),
    signature: file('model.signature.json', JSON.stringify(signModel(onnx, card, keyPem, certPem))),
    caDir: dir,
  };
});

describe('fedrad verify-model', () => {
  it('verifies the exported model, card and signature offline with the CA folder', async () => {
    const out = await runCommands([verify], ['verify-model', '--model', paths.model, '--card', paths.card, '--signature', paths.signature, '--ca-dir', paths.caDir]);
    expect(out).toMatch(/^verified: .*model\.onnx is the model of .*model\.card\.json, signed by "coordinator" \(certificate SHA-256 [0-9a-f]{64}\) under the campaign CA\n$/);
  });
  it('refuses a tampered model file and a tampered card', () => {
    const tampered = file('tampered.onnx', 'locked model bytez');
    expect(() => runVerifyModel({ ...paths, model: tampered })).toThrow(/MODEL_SIGNATURE_INVALID|the ONNX file has SHA-256/);
    const card = JSON.parse(readFileSync(paths.card, 'utf8'));
    const moved = file('moved.card.json', JSON.stringify({ ...card, youdenThreshold: 0.2 }));
    expect(() => runVerifyModel({ ...paths, card: moved })).toThrow(/does not match the document/);
  });
  it('a usage error without exactly one of --ca-dir and --ca-cert', () => {
    expect(() => runVerifyModel({ model: paths.model, card: paths.card, signature: paths.signature })).toThrow(/--ca-dir DIR .* or --ca-cert FILE/);
  });
});
