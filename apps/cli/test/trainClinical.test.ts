import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTrain } from '../src/commands/train.js';

// glm-sites.json's rows with columns 4-5 as clinical covariates and R's glm fits of the clinical-only and the
// combined model (scripts/fixtures/methods/clinical-baseline.R).
const fixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/glm-sites.json', import.meta.url), 'utf8')) as { sites: Record<string, { x: number[][]; y: number[] }> };
const ref = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/clinical-baseline.json', import.meta.url), 'utf8')) as { clinical: number[]; combined: number[] };

function writeTables() {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-clinical-'));
  const cases = Object.entries(fixture.sites).flatMap(([site, d]) => d.x.map((x, i) => ({ id: `${site}-${i + 1}`, site, x, y: d.y[i] })));
  writeFileSync(join(dir, 'features.csv'), ['id,f1,f2,f3', ...cases.map((c) => [c.id, ...c.x.slice(0, 3)].join(','))].join('\n') + '\n');
  // The clinical table lists the cases in another order: the join is by id.
  writeFileSync(join(dir, 'clinical.csv'), ['id,size,depth', ...[...cases].reverse().map((c) => [c.id, ...c.x.slice(3)].join(','))].join('\n') + '\n');
  writeFileSync(join(dir, 'outcome.csv'), ['id,label', ...cases.map((c) => `${c.id},${c.y}`)].join('\n') + '\n');
  writeFileSync(join(dir, 'sites.csv'), ['id,site', ...cases.map((c) => `${c.id},${c.site}`)].join('\n') + '\n');
  return (f: string) => join(dir, f);
}

const coefficients = (cardPath: string) => {
  const card = JSON.parse(readFileSync(cardPath, 'utf8'));
  return { names: card.inputs.features.map((f: { name: string }) => f.name), coef: [card.coefficients.intercept, ...Object.values<number>(card.coefficients.beta)] };
};

describe('fedrad train --clinical --model-set (the clinical baseline and the combined model)', () => {
  it("clinical-only and combined models equal R's glm fits; pooled and over --sites alike", async () => {
    const file = writeTables();
    const common = { features: file('features.csv'), outcome: file('outcome.csv'), clinical: file('clinical.csv'), model: 'logistic' as const };
    await runTrain({ ...common, modelSet: 'clinical', out: file('clinical.onnx') });
    await runTrain({ ...common, modelSet: 'combined', out: file('combined.onnx') });
    await runTrain({ ...common, modelSet: 'combined', sites: file('sites.csv'), out: file('combined-sites.onnx') });
    const clinical = coefficients(file('clinical.card.json'));
    expect(clinical.names).toEqual(['size', 'depth']);
    clinical.coef.forEach((v, j) => expect(Math.abs(v - ref.clinical[j])).toBeLessThan(1e-6));
    for (const card of ['combined.card.json', 'combined-sites.card.json']) {
      const combined = coefficients(file(card));
      expect(combined.names).toEqual(['f1', 'f2', 'f3', 'size', 'depth']);
      combined.coef.forEach((v, j) => expect(Math.abs(v - ref.combined[j])).toBeLessThan(1e-6));
    }
    const provenance = JSON.parse(readFileSync(file('combined.onnx.provenance.json'), 'utf8'));
    expect(provenance.inputs.map((i: { role: string }) => i.role)).toEqual(['features', 'outcome', 'clinical']);
    expect(provenance.config.value.modelSet).toBe('combined');
  });

  it('refuses a case without clinical covariates, a covariate named like a feature, and an unclear model set', async () => {
    const file = writeTables();
    const common = { features: file('features.csv'), outcome: file('outcome.csv'), model: 'logistic' as const, out: file('m.onnx') };
    const lines = readFileSync(file('clinical.csv'), 'utf8').split('\n');
    writeFileSync(file('short.csv'), lines.filter((l) => !l.startsWith('site-b-3,')).join('\n'));
    await expect(runTrain({ ...common, clinical: file('short.csv'), modelSet: 'combined' })).rejects.toThrow(`${file('short.csv')} has no row for case "site-b-3"`);
    writeFileSync(file('clash.csv'), lines.join('\n').replace('id,size,depth', 'id,f1,depth'));
    await expect(runTrain({ ...common, clinical: file('clash.csv'), modelSet: 'combined' })).rejects.toThrow('"f1" is both a feature');
    await expect(runTrain({ ...common, clinical: file('clinical.csv') })).rejects.toThrow('say which');
    await expect(runTrain({ ...common, modelSet: 'clinical' })).rejects.toThrow('give them with --clinical');
  });
});
