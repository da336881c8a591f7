import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyStandardisation, combatSiteApply, type FeatureRows } from '@fedrad/harmonize';
import type { HarmonizeParams } from '@fedrad/protocol';
import { SiteNodeError } from './errors.js';

/**
 * The harmonisations a site keeps, per campaign, under the hash of the campaign step that made them
 * (issue #12: each site receives only its own batch estimates; issue #13: each step's output hash
 * feeds the next). The apply job writes one; select, tune-round, train-round and evaluate jobs name it and the rows
 * are harmonised with exactly it before use. Also the hash of the moments this site sent, so an
 * apply job resting on other summaries is refused.
 *
 *   <workDir>/harmonizations/<sha256(campaignId)[0..32]>/<harmonizationHash>.json
 *   <workDir>/harmonizations/<sha256(campaignId)[0..32]>/basis.json
 */
export interface KeptHarmonization {
  campaignId: string;
  harmonizationHash: string;
  method: HarmonizeParams['method'];
  features: string[];
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

export function keepHarmonization(workDir: string, kept: KeptHarmonization): void {
  if (!HASH.test(kept.harmonizationHash)) throw new SiteNodeError('HARMONIZATION_REFUSED', 'A harmonisation is kept under a SHA-256 hash; the job gave none.', { field: 'params/harmonizationHash' });
  const dir = campaignDir(workDir, kept.campaignId);
  mkdirSync(dir, { recursive: true });
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

/** Remembers the hash of the moments this site sent for the campaign's harmonisation. */
export function keepBasis(workDir: string, campaignId: string, basisHash: string): void {
  const dir = campaignDir(workDir, campaignId);
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, 'basis.json'), JSON.stringify({ basisHash }) + '\n');
}

export function keptBasis(workDir: string, campaignId: string): string | undefined {
  const file = join(campaignDir(workDir, campaignId), 'basis.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { basisHash: string }).basisHash : undefined;
}

/**
 * The site's rows harmonised with a kept harmonisation, for the features asked for (a subset of
 * those harmonised, in any order: each feature's adjustment is its own). A feature the
 * harmonisation does not hold is refused by name.
 */
export function harmonise(kept: KeptHarmonization, rows: FeatureRows, siteId: string): Float64Array {
  const column = new Map(kept.features.map((f, j) => [f, j]));
  const missing = rows.featureNames.find((f) => !column.has(f));
  if (missing !== undefined) {
    throw new SiteNodeError('HARMONIZATION_UNKNOWN', `Harmonisation ${kept.harmonizationHash} does not hold feature "${missing}"; it harmonised ${kept.features.length} others.`, { field: missing });
  }
  const pick = (values: readonly number[]) => rows.featureNames.map((f) => values[column.get(f)!]);
  const featureNames = [...rows.featureNames];
  if (kept.combat) {
    const c = kept.combat;
    return combatSiteApply(rows, {
      featureNames, covariateNames: [], beta: [], grandMean: pick(c.grandMean), varPooled: pick(c.varPooled),
      gammaStar: pick(c.gammaStar), deltaStar: pick(c.deltaStar), reference: c.reference,
    }, siteId);
  }
  const s = kept.standardisation!;
  return applyStandardisation(rows, { featureNames, mean: pick(s.mean), sd: pick(s.sd) }, siteId);
}

/** The rows a select, tune-round, train-round or evaluate job uses: harmonised when the job names a harmonisation, else as they are. */
export function rowsForJob(input: { workDir: string; siteId: string; envelope: { campaignId: string } }, harmonizationHash: string | undefined, rows: FeatureRows): Float64Array {
  if (harmonizationHash === undefined) return rows.values;
  return harmonise(keptHarmonization(input.workDir, input.envelope.campaignId, harmonizationHash), rows, input.siteId);
}
