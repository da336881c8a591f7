import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from '@fedrad/protocol';
import { originalScaleCoefficients } from './onnxCoefficients.js';
import { runFedrad } from './processes.js';

// `npm run demo` runs `fedrad demo`: the same command, in a folder we can inspect.
const dir = mkdtempSync(join(tmpdir(), 'fedrad-demo-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fedrad demo', () => {
  it('runs the campaign end to end and its locked model is the pooled elastic-net fit of the three training sites', async () => {
    const work = join(dir, 'demo');
    const out = await runFedrad(['demo', '--dir', work], join(dir, 'logs'), 'demo');
    const reportFile = join(work, 'report/evaluation-report.json');
    const modelFile = join(work, 'report/model.onnx');
    expect(out).toContain(reportFile);
    expect(out).toContain(modelFile);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    expect(validate('evaluation-report', report)).toEqual({ valid: true });
    expect(report).toMatchObject({ siteId: 'site-test', patientCount: 200 });
    const auc = report.discrimination.auc;
    expect(out).toContain(`AUC                       ${auc.estimate.toFixed(3)} (95% CI ${auc.lower.toFixed(3)} to ${auc.upper.toFixed(3)})`);
    const locked = JSON.parse(readFileSync(join(work, 'report/locked-model.json'), 'utf8'));
    expect(out).toContain(`(model hash ${locked.modelHash})`);
    expect(out).toContain(join(work, 'report/locked-model.json'));

    // Reference: `fedrad train` on the pooled rows of the demo's training sites, same model.
    const concat = (name: string) => {
      const files = ['site-a', 'site-b', 'site-c'].map((s) => join(work, 'cohorts', s, name));
      const header = readFileSync(files[0], 'utf8').split('\n')[0];
      return [header, ...files.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n').slice(1))].join('\n') + '\n';
    };
    writeFileSync(join(dir, 'features.csv'), concat('features.csv'));
    writeFileSync(join(dir, 'outcome.csv'), concat('outcome.csv'));
    await runFedrad(['train', '--features', join(dir, 'features.csv'), '--outcome', join(dir, 'outcome.csv'), '--model', 'elasticnet-logistic', '--alpha', '0.5', '--lambda', '0.005', '--out', join(dir, 'pooled.onnx')], join(dir, 'logs'), 'pooled');
    const pooled = originalScaleCoefficients(new Uint8Array(readFileSync(join(dir, 'pooled.onnx'))));
    const federated = originalScaleCoefficients(new Uint8Array(readFileSync(modelFile)));
    federated.forEach((v, k) => expect(Math.abs(v - pooled[k])).toBeLessThan(1e-6));
    expect(existsSync(join(work, 'coordinator/coordinator.sqlite'))).toBe(true);
    for (const s of ['site-a', 'site-b', 'site-c', 'site-test']) expect(existsSync(join(work, 'sites', s, 'site.sqlite'))).toBe(true);
  }, 120000);
});
