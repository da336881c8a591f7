import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runEvaluate } from '../src/commands/evaluate.js';
import { runPredict } from '../src/commands/predict.js';
import { runTrain } from '../src/commands/train.js';

// The table formats are shared by every command: one outcome CSV, written the way a
// spreadsheet tends to write it (ID column last, labels as 1.0/0.0), must serve both fedrad train
// and fedrad evaluate. Reference: the positives counted in the file itself (68 of MASS::Pima.tr).
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../packages/learn/test/fixtures');

describe('one outcome CSV serves train and evaluate', () => {
  it('ID column last, labels written as 1.0 / 0.0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-formats-'));
    const rows = readFileSync(join(fixtures, 'pima-outcome.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const outcome = join(dir, 'outcome.csv');
    writeFileSync(outcome, ['Label,ID', ...rows.map(([id, label]) => `${Number(label).toFixed(1)},${id}`)].join('\r\n') + '\r\n');
    const positives = rows.filter(([, label]) => label === '1').length;
    const trained = await runTrain({ features: join(fixtures, 'pima-features.csv'), outcome, model: 'lasso-logistic', lambda: 0.02, out: join(dir, 'm.onnx') });
    expect(trained.training.events).toBe(positives);
    await runPredict({ model: join(dir, 'm.onnx'), features: join(fixtures, 'pima-features.csv'), out: join(dir, 'p.csv') });
    const report = runEvaluate({ predictions: join(dir, 'p.csv'), outcomeFile: outcome, out: join(dir, 'r.json'), bootstrap: '0' });
    expect(report.patientCount).toBe(rows.length);
    expect(report.eventCount).toBe(positives);
  });
});
