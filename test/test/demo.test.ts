import { afterAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from '@fedrad/protocol';
import { originalScaleCoefficients } from './onnxCoefficients.js';
import { runFedrad } from './processes.js';

// `npm run demo` runs `fedrad demo`: the whole study from generated images, twice through
// `fedrad simulate` (without harmonisation and with federated ComBat), in a folder we can inspect.
// Reference for the campaign without harmonisation: `fedrad train` on the pooled rows that the
// training sites extracted (the tables each site keeps), with the protocol's model.
const dir = mkdtempSync(join(tmpdir(), 'fedrad-demo-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FEATURES = ['stat_mean', 'stat_var', 'morph_volume', 'cm_contrast_3D_comb', 'cm_joint_entr_3D_comb'];

describe('fedrad demo', () => {
  it('runs the study from images with and without ComBat on the same patients; the plain campaign locks the pooled fit of what its sites extracted', async () => {
    const work = join(dir, 'demo');
    const out = await runFedrad(['demo', '--dir', work], join(dir, 'logs'), 'demo');
    const results = join(work, 'run/results');
    const status = (id: string) => JSON.parse(readFileSync(join(results, id, 'status.json'), 'utf8'));
    const plain = status('demo-no-harmonisation');
    const combat = status('demo-combat');
    expect([plain.state, combat.state]).toEqual(['completed', 'completed']);
    expect(plain.plan.map((s: { phase: string }) => s.phase)).not.toContain('harmonization');
    expect(combat.plan.map((s: { phase: string }) => s.phase)).toContain('harmonization');

    // Each test site's AUC under each campaign, as its evaluation report gives it, side by side.
    for (const id of ['demo-no-harmonisation', 'demo-combat']) {
      for (const site of ['site-d', 'site-e']) {
        const report = JSON.parse(readFileSync(join(results, id, 'evaluations', `${site}.json`), 'utf8'));
        expect(validate('evaluation-report', report)).toEqual({ valid: true });
        const auc = report.discrimination.auc;
        expect(out).toContain(`${id.padEnd('demo-no-harmonisation'.length)}  AUC ${auc.estimate.toFixed(3)} (95% CI ${auc.lower.toFixed(3)} to ${auc.upper.toFixed(3)})`);
      }
    }
    const pooledAuc = (s: { metaAnalysis: { report: { metaAnalyses: Array<{ measure: string; pooled: { estimate: number } }> } } }) =>
      s.metaAnalysis.report.metaAnalyses.find((m) => m.measure === 'auc')!.pooled.estimate.toFixed(3);
    expect(out).toContain(`federated ComBat at the held-out sites, pooled: AUC ${pooledAuc(plain)} → ${pooledAuc(combat)}`);

    // Reference: the training sites' own extracted tables, pooled, fitted centrally with the protocol's model.
    const rows = (site: string, suffix: string) => {
      const folder = join(work, 'run/sites', site, 'features');
      const file = readdirSync(folder).find((f) => f.endsWith(suffix) && f.split('.').length === (suffix === '.csv' ? 3 : 4))!;
      return readFileSync(join(folder, file), 'utf8').trim().split('\n');
    };
    const pick = (lines: string[], columns: string[]) => {
      const names = lines[0].split(',');
      const at = columns.map((c) => names.indexOf(c));
      return lines.map((l) => at.map((j) => l.split(',')[j]).join(','));
    };
    const training = ['site-a', 'site-b', 'site-c'];
    const features = training.map((s) => pick(rows(s, '.csv'), ['id', ...FEATURES]));
    const outcomes = training.map((s) => rows(s, '.outcome.csv'));
    writeFileSync(join(dir, 'features.csv'), [features[0][0], ...features.flatMap((f) => f.slice(1))].join('\n') + '\n');
    writeFileSync(join(dir, 'outcome.csv'), [outcomes[0][0], ...outcomes.flatMap((o) => o.slice(1))].join('\n') + '\n');
    await runFedrad(['train', '--features', join(dir, 'features.csv'), '--outcome', join(dir, 'outcome.csv'), '--model', 'elasticnet-logistic', '--alpha', '0.5', '--lambda', '0.05', '--out', join(dir, 'pooled.onnx')], join(dir, 'logs'), 'pooled');
    const pooled = originalScaleCoefficients(new Uint8Array(readFileSync(join(dir, 'pooled.onnx'))));
    const federated = originalScaleCoefficients(new Uint8Array(readFileSync(join(results, 'demo-no-harmonisation/model.onnx'))));
    expect(federated).toHaveLength(FEATURES.length + 1);
    federated.forEach((v, k) => expect(Math.abs(v - pooled[k]) / Math.max(1, Math.abs(pooled[k]))).toBeLessThan(1e-6));
  }, 400000);
});
