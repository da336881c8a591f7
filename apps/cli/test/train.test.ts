import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { validate } from '@fedrad/protocol';
import { register, runTrain } from '../src/commands/train.js';

// Fixtures and R reference numbers from scripts/fixtures/learn/make-fixtures.R
// (glmnet on MASS::Pima.tr, survival::coxph on survival::lung).
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../packages/learn/test/fixtures');
const fx = (f: string) => join(fixtures, f);
const ref = (name: string) => JSON.parse(readFileSync(fx(`${name}-reference.json`), 'utf8'));
const tmp = () => mkdtempSync(join(tmpdir(), 'fedrad-train-'));

describe('fedrad train', () => {
  it('lasso-logistic: writes model.onnx and a schema-valid card whose coefficients are glmnet’s (1e-4)', async () => {
    const r = ref('pima').glmnet[0];
    const out = join(tmp(), 'model.onnx');
    const program = new Command().exitOverride();
    register(program);
    await program.parseAsync(['train', '--features', fx('pima-features.csv'), '--outcome', fx('pima-outcome.csv'), '--model', 'lasso-logistic', '--lambda', String(r.lambda), '--standardize', '--out', out], { from: 'user' });
    expect(existsSync(out)).toBe(true);
    const card = JSON.parse(readFileSync(join(dirname(out), 'model.card.json'), 'utf8'));
    expect(validate('model-card', card).valid).toBe(true);
    expect(card.family).toBe('lasso-logistic');
    expect(card.training.n).toBe(200);
    expect(card.training.events).toBe(68); // Pima.tr: 68 of 200 have diabetes
    expect(card.hyperParameters).toMatchObject({ alpha: 1, lambda: r.lambda, standardize: true });
    expect(Math.abs(card.coefficients.intercept - r.intercept)).toBeLessThan(1e-4);
    const names = ref('pima').features as string[];
    names.forEach((f, j) => expect(Math.abs(card.coefficients.beta[f] - r.beta[j])).toBeLessThan(1e-4));
    expect(card.youdenThreshold).toBeGreaterThan(0);
    expect(card.youdenThreshold).toBeLessThan(1);
  });

  it('cox: card coefficients equal coxph(ties = "breslow") to 1e-5 and the hash is of the written bytes', async () => {
    const r = ref('lung');
    const dir = tmp();
    const out = join(dir, 'cox.onnx');
    // lung's outcome CSV carries a sex stratum and sex is a feature; the unstratified reference needs id,time,event only.
    const outcome = readFileSync(fx('lung-outcome.csv'), 'utf8').split('\n').map((l) => l.split(',').slice(0, 3).join(',')).join('\n');
    writeFileSync(join(dir, 'o.csv'), outcome);
    const res = await runTrain({ features: fx('lung-features.csv'), outcome: join(dir, 'o.csv'), model: 'cox', out, standardize: false });
    expect(res.cardPath).toBe(join(dirname(out), 'cox.card.json'));
    const { createHash } = await import('node:crypto');
    const card = JSON.parse(readFileSync(res.cardPath, 'utf8'));
    expect(card.modelSha256).toBe(createHash('sha256').update(readFileSync(out)).digest('hex'));
    expect(card.outcome).toEqual({ kind: 'survival', score: 'linear-predictor' });
    expect(card.training.events).toBe(r.events);
    expect(card.coefficients.intercept).toBeUndefined();
    (r.features as string[]).forEach((f, j) => expect(Math.abs(card.coefficients.beta[f] - r.cox.beta[j])).toBeLessThan(1e-5));
  });

  it('mlp: the flags reach the card (optimiser, epochs, layers), and a fixed epoch budget is not reported as converged', async () => {
    const out = join(tmp(), 'mlp.onnx');
    const program = new Command().exitOverride();
    register(program);
    const args = ['train', '--features', fx('pima-features.csv'), '--outcome', fx('pima-outcome.csv'), '--model', 'mlp', '--hidden', '4,3', '--activation', 'tanh', '--optimizer', 'sgd', '--epochs', '5', '--seed', '7', '--out', out];
    const write0 = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await program.parseAsync(args, { from: 'user' });
    } finally {
      process.stdout.write = write0;
    }
    const card = JSON.parse(readFileSync(join(dirname(out), 'mlp.card.json'), 'utf8'));
    expect(validate('model-card', card).valid).toBe(true);
    expect(card.training).toMatchObject({ optimizer: 'sgd', iterations: 5, converged: false });
    expect(card.hyperParameters).toMatchObject({ hiddenLayers: [4, 3], activation: 'tanh', epochs: 5, seed: 7 });
  });

  it('a stratified Cox model with a feature constant within every stratum is refused as singular', async () => {
    await expect(runTrain({ features: fx('lung-features.csv'), outcome: fx('lung-outcome.csv'), model: 'cox', out: join(tmp(), 'm.onnx') }))
      .rejects.toMatchObject({ code: 'LEARN_SINGULAR_HESSIAN' });
  });

  it('refuses an unknown family and missing files with a usage error', async () => {
    const program = new Command().exitOverride();
    program.configureOutput({ writeErr: () => {} });
    register(program);
    await expect(program.parseAsync(['train', '--features', 'f.csv', '--outcome', 'o.csv', '--model', 'svm', '--out', 'm.onnx'], { from: 'user' })).rejects.toThrow(/svm/);
    await expect(runTrain({ features: '/nonexistent.csv', outcome: 'o.csv', model: 'cox', out: 'm.onnx' })).rejects.toMatchObject({
      code: 'CLI_USAGE',
      message: 'features file not found: /nonexistent.csv',
    });
    // An output folder that does not exist is found before training, not after it.
    await expect(runTrain({ features: fx('pima-features.csv'), outcome: fx('pima-outcome.csv'), model: 'lasso-logistic', out: join(tmp(), 'missing', 'm.onnx') }))
      .rejects.toMatchObject({ code: 'CLI_USAGE', message: expect.stringContaining('cannot write the model to') });
  });
});
