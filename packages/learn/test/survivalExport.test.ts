import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertValid } from '@fedrad/protocol';
import { exportInferenceModel, fitModel, loadInferenceModel, modelCard, predictOutputs, referenceScores } from '../src/index.js';
import { dataset, maxAbsDiff } from './helpers.js';

// A Cox model with horizons exports S(t | x) = S0(t)^exp(η) next to the linear predictor: the
// graph passes the ONNX checker, and its values equal the closed form computed here from the
// package's plain TypeScript forward pass (η) and the stored baseline survival.
describe('Cox inference model with a baseline survival', () => {
  it('outputs the linear predictor and S(t | x) at each horizon; the card says variant, ties, strata and horizons', async () => {
    const d = dataset('lung');
    delete (d.outcome as { stratum?: string[] }).stratum;
    const model = await fitModel({ family: 'cox', standardize: true }, d.features, d.outcome);
    expect(model.survival).toEqual({ variant: 'centralised', ties: 'breslow', strata: [], horizonsDays: [], baselineSurvival: [] });
    model.survival = { ...model.survival!, horizonsDays: [180, 365], baselineSurvival: [0.8, 0.55] };
    const bytes = exportInferenceModel(model);
    const path = join(mkdtempSync(join(tmpdir(), 'fedrad-cox-')), 'cox.onnx');
    writeFileSync(path, bytes);
    const check = execFileSync('/usr/bin/python3', ['-c', 'import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print([o.name for o in m.graph.output])', path], { encoding: 'utf8' }).trim();
    expect(check).toBe("['score', 'survival']");
    const loaded = await loadInferenceModel(bytes);
    expect(loaded.horizonsDays).toEqual([180, 365]);
    expect(loaded.baselineSurvival).toEqual([0.8, 0.55]);
    const out = await predictOutputs(loaded, d.features);
    const n = d.features.ids.length;
    const eta = referenceScores(model, d.features.values, n);
    expect(maxAbsDiff(out.score, eta)).toBeLessThan(1e-6);
    const expected = Float64Array.from({ length: n * 2 }, (_, k) => [0.8, 0.55][k % 2] ** Math.exp(eta[Math.floor(k / 2)]));
    expect(maxAbsDiff(out.survival!, expected)).toBeLessThan(1e-6);
    const card = modelCard(model, bytes);
    assertValid('model-card', card);
    expect(card.survival).toMatchObject({ variant: 'centralised', ties: 'breslow', horizonsDays: [180, 365] });
    await loaded.session.release();
  });

  it('refuses Efron ties for the centralised fit (its ONNX loss is Breslow\'s) instead of fitting Breslow silently', async () => {
    const d = dataset('lung');
    await expect(fitModel({ family: 'cox', ties: 'efron' }, d.features, d.outcome)).rejects.toThrow(/Breslow ties; ties "efron"/);
  });
});
