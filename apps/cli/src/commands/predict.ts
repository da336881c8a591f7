import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadInferenceModel, predictOutputs, readFeatureTable } from '@fedrad/learn';
import { formatCsvRow } from '@fedrad/protocol';
import { checkOutputPath, readInputFile, readInputText } from '../commandFiles.js';
import { provenanceOf, provenancePath } from '../provenance.js';

export interface PredictOptions {
  model: string;
  features: string;
  out: string;
}

/**
 * `fedrad predict`: score a features CSV with an exported model; writes id,score (probability
 * for logistic models and MLPs, linear predictor for Cox) at full double precision, and for a Cox
 * model exported with horizons (a campaign's locked model) one column `survival_<days>` per
 * horizon: the model's own S(t | x) = S0(t)^exp(η) at it.
 */
export async function runPredict(o: PredictOptions): Promise<{ rows: number; score: string }> {
  const modelBytes = readInputFile(o.model, 'model');
  const featuresText = readInputText(o.features, 'features');
  checkOutputPath(o.out, 'scores');
  const model = await loadInferenceModel(new Uint8Array(modelBytes), o.model);
  try {
    const table = readFeatureTable(featuresText, o.features);
    const { score: scores, survival } = await predictOutputs(model, table, o.features);
    const horizons = survival ? model.horizonsDays ?? [] : [];
    const h = horizons.length;
    const lines = [
      ['id', 'score', ...horizons.map((d) => `survival_${d}`)].join(','),
      ...table.ids.map((id, i) => formatCsvRow([id, scores[i], ...horizons.map((_, k) => survival![i * h + k])])),
    ];
    writeFileSync(o.out, lines.join('\n') + '\n');
    const provenance = provenanceOf(o.out, {
      command: 'fedrad predict',
      inputs: [{ role: 'model', path: o.model }, { role: 'features', path: o.features }],
      details: { score: model.score, rows: table.ids.length, ...(h > 0 ? { horizonsDays: horizons } : {}) },
    });
    writeFileSync(provenancePath(o.out), JSON.stringify(provenance, null, 2) + '\n');
    return { rows: table.ids.length, score: model.score };
  } finally {
    await model.session.release();
  }
}

export function register(program: Command): void {
  program
    .command('predict')
    .description('Score a features CSV with a model exported by fedrad train; writes id,score (a Cox model with horizons adds survival_<days>, S(t | x) at each) and <out>.provenance.json')
    .requiredOption('--model <model.onnx>', 'ONNX inference model')
    .requiredOption('--features <csv>', 'features CSV with the columns the model was trained on (any order)')
    .requiredOption('--out <csv>', 'where to write id,score[,survival_<days>…]')
    .action(async (opts: PredictOptions) => {
      const r = await runPredict(opts);
      process.stdout.write(`${r.rows} cases scored (${r.score}) -> ${opts.out}\n`);
    });
}
