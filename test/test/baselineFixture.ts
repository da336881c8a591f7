import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Comparison { auc: number; baselineAuc: number; z: number; pValue: number }

/**
 * The baseline campaign's sites (features, outcome and clinical tables as CSV text) and R's glm fits
 * on the pooled training rows and AUC comparisons at the test sites (scripts/fixtures/baseline/baseline.R).
 */
export const baselineFixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures/baseline-campaign.json'), 'utf8')) as {
  sites: Array<{ siteId: string; role: 'training' | 'test'; features: string; outcome: string; clinical: string }>;
  glm: Record<'radiomics' | 'clinical' | 'combined', { coefficients: number[]; n: number; missingCovariates?: number }>;
  tests: Array<{ siteId: string; patients: number; missingCovariates: number; radiomicsVsClinical: Comparison; combinedVsClinical: Comparison }>;
};
export const BASELINE_TRAINING = baselineFixture.sites.filter((s) => s.role === 'training').map((s) => s.siteId);
export const BASELINE_TEST = baselineFixture.sites.filter((s) => s.role === 'test').map((s) => s.siteId);

/** <dir>/sites/<site>/{features,outcome,clinical}.csv for every site of the fixture: what `fedrad simulate --sites` reads. */
export function writeBaselineSites(dir: string): void {
  for (const s of baselineFixture.sites) {
    mkdirSync(join(dir, 'sites', s.siteId), { recursive: true });
    writeFileSync(join(dir, 'sites', s.siteId, 'features.csv'), s.features + '\n');
    writeFileSync(join(dir, 'sites', s.siteId, 'outcome.csv'), s.outcome + '\n');
    writeFileSync(join(dir, 'sites', s.siteId, 'clinical.csv'), s.clinical + '\n');
  }
}
