import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyStandardisation, combatSiteApply, type CombatRows, type FeatureRows } from '@fedrad/harmonize';
import { canonicalJson, type HarmonizeParams } from '@fedrad/protocol';
import { coverageLine, loadClinical } from './clinicalTable.js';
import { SiteNodeError } from './errors.js';
import type { CohortEntry } from './siteConfig.js';

/**
 * The harmonisations a site keeps, per campaign, under the hash of the campaign step that made them
 * (issue #12: each site receives only its own batch estimates; issue #13: each step's output hash
 * feeds the next). The apply job writes one; select, tune-round, train-round and evaluate jobs name it and the rows
 * are harmonised with exactly it before use. Also the hash of the moments (and, with ComBat
 * covariates, of the residual sums) this site sent, so a job resting on other summaries is refused.
 *
 *   <workDir>/harmonizations/<sha256(campaignId)[0..32]>/<harmonizationHash>.json
 *   <workDir>/harmonizations/<sha256(campaignId)[0..32]>/basis.json (moments), basis-residuals.json
 */
export interface KeptHarmonization {
  campaignId: string;
  harmonizationHash: string;
  method: HarmonizeParams['method'];
  features: string[];
  /** ComBat with covariates: the clinical covariates whose effect it preserves, read from the site's clinical table at every use. */
  covariates?: string[];
  /** ComBat: this site's batch estimate. */
  combat?: NonNullable<HarmonizeParams['combat']>;
  /** z-scoring: the pooled (or, per site, this site's own) mean and sd. */
  standardisation?: NonNullable<HarmonizeParams['standardisation']>;
}

const HASH = /^[0-9a-f]{64}$/;

function campaignDir(workDir: string, campaignId: string): string {
  return join(workDir, 'harmonizations', createHash('sha256').update(campaignId).digest('hex').slice(0, 32));
}

/** Writes a file whole or not at all (a crash mid-write leaves the old one). */
function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/**
 * Keeps the campaign's one harmonisation. A site keeps at most one estimate per campaign: a
 * coordinator holding a second (its own per-feature scale and shift) could otherwise switch a chain
 * of verified exchanges to it and rescale the coefficients the site checked. The same estimate
 * under the same hash is kept again (a re-sent apply job); any other is refused, naming both.
 */
export function keepHarmonization(workDir: string, kept: KeptHarmonization): void {
  if (!HASH.test(kept.harmonizationHash)) throw new SiteNodeError('HARMONIZATION_REFUSED', 'A harmonisation is kept under a SHA-256 hash; the job gave none.', { field: 'params/harmonizationHash' });
  const dir = campaignDir(workDir, kept.campaignId);
  mkdirSync(dir, { recursive: true });
  const held = readdirSync(dir).filter((f) => /^[0-9a-f]{64}\.json$/.test(f)).map((f) => f.slice(0, 64));
  const other = held.find((h) => h !== kept.harmonizationHash);
  if (other !== undefined) {
    throw new SiteNodeError('HARMONIZATION_REFUSED', `This site already keeps harmonisation ${other} for campaign ${kept.campaignId}; it keeps one per campaign and refuses a second (${kept.harmonizationHash}).`, { field: 'params/harmonizationHash' });
  }
  if (held.length > 0 && canonicalJson(keptHarmonization(workDir, kept.campaignId, kept.harmonizationHash)) !== canonicalJson(JSON.parse(JSON.stringify(kept)))) {
    throw new SiteNodeError('HARMONIZATION_REFUSED', `This site keeps harmonisation ${kept.harmonizationHash} for campaign ${kept.campaignId} with another estimate; it does not replace it.`, { field: 'params' });
  }
  writeAtomic(join(dir, `${kept.harmonizationHash}.json`), JSON.stringify(kept) + '\n');
}

/** The harmonisation this site keeps for the campaign under `hash`; refused, naming the hash, when it holds none. */
export function keptHarmonization(workDir: string, campaignId: string, hash: string): KeptHarmonization {
  const file = join(campaignDir(workDir, campaignId), `${hash}.json`);
  if (!HASH.test(hash) || !existsSync(file)) {
    throw new SiteNodeError('HARMONIZATION_UNKNOWN', `This site keeps no harmonisation ${hash.slice(0, 64)} for campaign ${campaignId} (its harmonisation step hands each site its own); the job was not run on unharmonised or other rows.`, { field: 'params/harmonizationHash' });
  }
  return JSON.parse(readFileSync(file, 'utf8')) as KeptHarmonization;
}

/** The summaries a site sends before it is handed an estimate: its moments, and with ComBat covariates its residual sums. */
export type BasisStage = 'moments' | 'residuals';
const basisFile = (stage: BasisStage) => (stage === 'moments' ? 'basis.json' : 'basis-residuals.json');

/** Remembers the hash of the moments (or residual sums) this site sent for the campaign's harmonisation. */
export function keepBasis(workDir: string, campaignId: string, basisHash: string, stage: BasisStage = 'moments'): void {
  const dir = campaignDir(workDir, campaignId);
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, basisFile(stage)), JSON.stringify({ basisHash }) + '\n');
}

export function keptBasis(workDir: string, campaignId: string, stage: BasisStage = 'moments'): string | undefined {
  const file = join(campaignDir(workDir, campaignId), basisFile(stage));
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { basisHash: string }).basisHash : undefined;
}

/**
 * The site's rows harmonised with a kept harmonisation, for the features asked for (a subset of
 * those harmonised, in any order: each feature's adjustment is its own). A feature the
 * harmonisation does not hold is refused by name.
 */
export function harmonise(kept: KeptHarmonization, rows: CombatRows, siteId: string): Float64Array {
  const column = new Map(kept.features.map((f, j) => [f, j]));
  const missing = rows.featureNames.find((f) => !column.has(f));
  if (missing !== undefined) {
    throw new SiteNodeError('HARMONIZATION_UNKNOWN', `Harmonisation ${kept.harmonizationHash} does not hold feature "${missing}"; it harmonised ${kept.features.length} others.`, { field: missing });
  }
  const pick = (values: readonly number[]) => rows.featureNames.map((f) => values[column.get(f)!]);
  const featureNames = [...rows.featureNames];
  if (kept.combat) {
    const c = kept.combat;
    const covariateNames = kept.covariates ?? [];
    const beta = c.beta ?? [];
    // β is covariates × the harmonised features; the job's features may be a subset, in any order.
    const pickedBeta = covariateNames.flatMap((_, k) => rows.featureNames.map((f) => beta[k * kept.features.length + column.get(f)!]));
    return combatSiteApply({ ...rows, featureNames }, {
      featureNames, covariateNames, beta: pickedBeta, grandMean: pick(c.grandMean), varPooled: pick(c.varPooled),
      gammaStar: pick(c.gammaStar), deltaStar: pick(c.deltaStar), reference: c.reference,
    }, siteId);
  }
  const s = kept.standardisation!;
  return applyStandardisation(rows, { featureNames, mean: pick(s.mean), sd: pick(s.sd) }, siteId);
}

/** The rows a select, tune-round, train-round or evaluate job uses: harmonised when the job names a harmonisation, else as they are. */
export function rowsForJob(input: { workDir: string; siteId: string; cohort: CohortEntry; envelope: { campaignId: string } }, harmonizationHash: string | undefined, rows: FeatureRows): Float64Array {
  if (harmonizationHash === undefined) return rows.values;
  const kept = keptHarmonization(input.workDir, input.envelope.campaignId, harmonizationHash);
  return harmonise(kept, withCovariates(input.cohort, rows, kept.covariates), input.siteId);
}

/**
 * The rows with the ComBat covariates from the cohort's clinical table (none asked: as they are).
 * ComBat adjusts a patient about its covariates' effect, so a patient without one cannot be
 * harmonised: the whole job is refused, counting them by covariate, rather than leave anyone
 * unharmonised or drop them silently.
 */
export function withCovariates(cohort: CohortEntry, rows: FeatureRows, covariates: readonly string[] | undefined): CombatRows {
  if (!covariates?.length) return rows;
  const clinical = loadClinical(cohort, rows.ids, covariates);
  if (clinical.coverage.complete < clinical.coverage.patients) {
    throw new SiteNodeError(
      'HARMONIZATION_REFUSED',
      `ComBat preserves covariates ${covariates.join(', ')}, and ${clinical.coverage.patients - clinical.coverage.complete} of ${clinical.coverage.patients} patients lack one (${coverageLine(cohort.name, clinical.coverage)}): a patient cannot be harmonised without them, and none is left unharmonised. Complete the clinical table or leave those patients out of the cohort.`,
      { field: 'covariates' },
    );
  }
  return { ...rows, covariateNames: clinical.covariates, covariates: clinical.values };
}
