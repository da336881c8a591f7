import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runEvaluate } from '../src/commands/evaluate.js';
import { runPredict } from '../src/commands/predict.js';
import { runTrain } from '../src/commands/train.js';
import { hashInput, provenancePath, type Provenance } from '../src/provenance.js';

// Issue #19.4: every output says how it was made. Hashes are checked against the openssl CLI.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../packages/learn/test/fixtures');
const fx = (f: string) => join(fixtures, f);
const opensslSha256 = (file: string) => execFileSync('openssl', ['dgst', '-sha256', '-r', file], { encoding: 'utf8' }).split(' ')[0];
const cliVersion = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../package.json'), 'utf8')).version;

describe('provenance sidecars', () => {
  it('train, predict and evaluate write <out>.provenance.json naming every input and the output by SHA-256', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-provenance-'));
    await runTrain({ features: fx('pima-features.csv'), outcome: fx('pima-outcome.csv'), model: 'logistic', out: join(dir, 'm.onnx') });
    const t = JSON.parse(readFileSync(provenancePath(join(dir, 'm.onnx')), 'utf8')) as Provenance;
    expect(t.command).toBe('fedrad train');
    expect(t.inputs.map((i) => [i.role, i.sha256])).toEqual([
      ['features', opensslSha256(fx('pima-features.csv'))],
      ['outcome', opensslSha256(fx('pima-outcome.csv'))],
    ]);
    expect(t.output.sha256).toBe(opensslSha256(join(dir, 'm.onnx')));
    expect(t.config!.value).toMatchObject({ family: 'logistic', alpha: 0, lambda: 0, standardize: true, classWeights: 'none' });
    expect((t.details!.card as { sha256: string }).sha256).toBe(opensslSha256(join(dir, 'm.card.json')));
    const preds = join(dir, 'preds.csv');
    await runPredict({ model: join(dir, 'm.onnx'), features: fx('pima-features.csv'), out: preds });
    const p = JSON.parse(readFileSync(provenancePath(preds), 'utf8')) as Provenance;
    expect(p).toMatchObject({ type: 'fedrad-provenance', command: 'fedrad predict', fedradVersion: cliVersion });
    expect(p.inputs.map((i) => [i.role, i.sha256])).toEqual([
      ['model', opensslSha256(join(dir, 'm.onnx'))],
      ['features', opensslSha256(fx('pima-features.csv'))],
    ]);
    expect(p.output.sha256).toBe(opensslSha256(preds));
    expect(Number.isNaN(Date.parse(p.createdAt))).toBe(false);

    const report = join(dir, 'report.json');
    await runEvaluate({ predictions: preds, outcomeFile: fx('pima-outcome.csv'), out: report } as Parameters<typeof runEvaluate>[0]);
    const e = JSON.parse(readFileSync(provenancePath(report), 'utf8')) as Provenance;
    expect(e.command).toBe('fedrad evaluate');
    expect(e.inputs.map((i) => [i.role, i.sha256])).toEqual([
      ['predictions', opensslSha256(preds)],
      ['outcome', opensslSha256(fx('pima-outcome.csv'))],
    ]);
    expect(e.output.sha256).toBe(opensslSha256(report));
  });

  it('a folder (a DICOM series) is hashed over its files in order, so a changed slice changes the hash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-provenance-dir-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.dcm'), 'slice a');
    writeFileSync(join(dir, 'sub', 'b.dcm'), 'slice b');
    const before = hashInput('image', dir);
    expect(before.files).toBe(2);
    // Independent: the same listing built from openssl's digests.
    const listing = `a.dcm\0${opensslSha256(join(dir, 'a.dcm'))}\nsub/b.dcm\0${opensslSha256(join(dir, 'sub', 'b.dcm'))}\n`;
    const listingFile = join(mkdtempSync(join(tmpdir(), 'fedrad-provenance-listing-')), 'listing.txt');
    writeFileSync(listingFile, listing);
    expect(before.sha256).toBe(opensslSha256(listingFile));
    writeFileSync(join(dir, 'sub', 'b.dcm'), 'slice b, edited');
    expect(hashInput('image', dir).sha256).not.toBe(before.sha256);
  });
});
