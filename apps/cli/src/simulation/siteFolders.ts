import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { CampaignProtocol } from '@fedrad/protocol';
import { CliUsageError } from '../errors.js';

/** One cohort of a simulated site, paths absolute. */
export type SimulatedCohort = { name: string; outcome: string; clinical?: { table: string; columns?: string[] } } & ({ features: string } | { images: string });

/** A site of a simulation: its folder and what site.yaml would list. */
export interface SimulatedSite {
  siteId: string;
  role: 'training' | 'test';
  folder: string;
  cohorts: SimulatedCohort[];
  minCohortSize?: number;
}

/**
 * What a site folder's own site.yaml may say in a simulation. The rest of a real site.yaml
 * (coordinator URL, keys, database, data root, campaign) is the simulation's to set, so a folder
 * that sets it is refused by name rather than silently overridden.
 */
const ALLOWED_KEYS = ['siteId', 'cohorts', 'minCohortSize'];

/**
 * The sites of `fedrad simulate --sites DIR`: one sub-folder per site of the protocol, named by
 * its site id, holding either
 *   - a site.yaml with `cohorts:` (as a real site lists them; paths relative to the folder), or
 *   - manifest.csv + outcome.csv: an image cohort (id,image,mask[,roi][,timepoint]), or
 *   - features.csv + outcome.csv: a feature-table cohort;
 * and, for a campaign with a clinical baseline, clinical.csv beside them (its clinical table, every
 * column offered) or a cohort's `clinical:` in site.yaml (as a real site declares it).
 * Every site of the protocol must have its folder, and every folder must be a site of the protocol.
 */
export function readSiteFolders(dir: string, protocol: CampaignProtocol): SimulatedSite[] {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new CliUsageError(`--sites ${dir} is not a folder (one sub-folder per site of the protocol)`);
  const folders = readdirSync(root).filter((f) => statSync(join(root, f)).isDirectory()).sort();
  const roles = new Map<string, 'training' | 'test'>([...protocol.trainingSites.map((s) => [s, 'training'] as const), ...protocol.testSites.map((s) => [s, 'test'] as const)]);
  const stranger = folders.find((f) => !roles.has(f));
  if (stranger) throw new CliUsageError(`--sites ${dir}: folder "${stranger}" is not a site of the protocol (its sites: ${[...roles.keys()].join(', ')})`);
  const missing = [...roles.keys()].filter((s) => !folders.includes(s));
  if (missing.length) throw new CliUsageError(`--sites ${dir}: no folder for site(s) ${missing.join(', ')} of the protocol`);
  return [...roles].map(([siteId, role]) => ({ siteId, role, folder: join(root, siteId), ...siteCohorts(join(root, siteId), siteId) }));
}

function siteCohorts(folder: string, siteId: string): { cohorts: SimulatedCohort[]; minCohortSize?: number } {
  const yamlFile = join(folder, 'site.yaml');
  const at = (p: string) => (isAbsolute(p) ? p : join(folder, p));
  if (existsSync(yamlFile)) {
    const doc = (parseYaml(readFileSync(yamlFile, 'utf8')) ?? {}) as Record<string, unknown>;
    const foreign = Object.keys(doc).filter((k) => !ALLOWED_KEYS.includes(k));
    if (foreign.length) {
      throw new CliUsageError(`${yamlFile}: ${foreign.map((k) => `"${k}"`).join(', ')} cannot be set in a simulation (the simulation sets the coordinator, keys, database and data root; a site folder's site.yaml holds ${ALLOWED_KEYS.join(', ')})`);
    }
    if (doc.siteId !== undefined && doc.siteId !== siteId) throw new CliUsageError(`${yamlFile}: siteId "${String(doc.siteId)}" is not its folder's name "${siteId}"`);
    if (!Array.isArray(doc.cohorts) || doc.cohorts.length === 0) throw new CliUsageError(`${yamlFile}: list the site's cohorts under "cohorts:" ({ name, images | features, outcome })`);
    // A campaign's jobs name no cohort, so a site runs them on its first: a second one would sit unused.
    if (doc.cohorts.length > 1) throw new CliUsageError(`${yamlFile}: ${doc.cohorts.length} cohorts listed; a campaign's jobs use a site's first cohort, so list the one this site brings`);
    const cohorts = doc.cohorts.map((c: Record<string, unknown>, i: number): SimulatedCohort => {
      if (typeof c?.name !== 'string' || typeof c.outcome !== 'string' || (typeof c.images === 'string') === (typeof c.features === 'string')) {
        throw new CliUsageError(`${yamlFile}: cohort #${i + 1} needs a name, an outcome and exactly one of images or features`);
      }
      const clinical = clinicalOf(c.clinical, yamlFile, i, at);
      return typeof c.images === 'string'
        ? { name: c.name, images: at(c.images), outcome: at(c.outcome), ...clinical }
        : { name: c.name, features: at(c.features as string), outcome: at(c.outcome), ...clinical };
    });
    if (doc.minCohortSize !== undefined && (typeof doc.minCohortSize !== 'number' || doc.minCohortSize < 1)) throw new CliUsageError(`${yamlFile}: minCohortSize must be a number ≥ 1`);
    return { cohorts, ...(typeof doc.minCohortSize === 'number' ? { minCohortSize: doc.minCohortSize } : {}) };
  }
  const has = (f: string) => existsSync(join(folder, f));
  if (!has('outcome.csv')) throw new CliUsageError(`site folder ${folder} has no site.yaml and no outcome.csv (expected manifest.csv or features.csv, and outcome.csv)`);
  const clinical = has('clinical.csv') ? { clinical: { table: join(folder, 'clinical.csv') } } : {};
  if (has('manifest.csv')) return { cohorts: [{ name: 'local', images: join(folder, 'manifest.csv'), outcome: join(folder, 'outcome.csv'), ...clinical }] };
  if (has('features.csv')) return { cohorts: [{ name: 'local', features: join(folder, 'features.csv'), outcome: join(folder, 'outcome.csv'), ...clinical }] };
  throw new CliUsageError(`site folder ${folder} has outcome.csv but neither manifest.csv (images) nor features.csv (a feature table)`);
}

/** A cohort's `clinical:` in a site folder's site.yaml: a path, or { table, columns? } (the site daemon checks the rest). */
function clinicalOf(raw: unknown, yamlFile: string, i: number, at: (p: string) => string): { clinical?: { table: string; columns?: string[] } } {
  if (raw === undefined) return {};
  const value = typeof raw === 'string' ? { table: raw } : (raw as { table?: unknown; columns?: unknown });
  if (typeof value?.table !== 'string') throw new CliUsageError(`${yamlFile}: cohort #${i + 1}'s clinical needs a table (a path, or { table, columns })`);
  return { clinical: { table: at(value.table), ...(Array.isArray(value.columns) ? { columns: value.columns as string[] } : {}) } };
}

/** The lines of the cohorts in a generated site.yaml. */
export function cohortYaml(cohorts: readonly SimulatedCohort[]): string[] {
  const quote = (s: string) => JSON.stringify(s);
  const clinical = (c: SimulatedCohort) => (c.clinical ? `, clinical: { table: ${quote(c.clinical.table)}${c.clinical.columns ? `, columns: ${JSON.stringify(c.clinical.columns)}` : ''} }` : '');
  return [
    'cohorts:',
    ...cohorts.map((c) => `  - { name: ${quote(c.name)}, ${'images' in c ? `images: ${quote(c.images)}` : `features: ${quote(c.features)}`}, outcome: ${quote(c.outcome)}${clinical(c)} }`),
  ];
}

/**
 * Several protocols run on one federation: each must name the same training and test sites, and
 * have its own campaign id (the coordinator keeps one campaign per id).
 */
export function sameFederation(protocols: readonly CampaignProtocol[], files: readonly string[]): void {
  const roles = (p: CampaignProtocol) => JSON.stringify([[...p.trainingSites].sort(), [...p.testSites].sort()]);
  protocols.forEach((p, i) => {
    if (i > 0 && roles(p) !== roles(protocols[0])) {
      throw new CliUsageError(`--protocol ${files[i]}: its training and test sites differ from those of ${files[0]}; campaigns simulated together run on the same sites in the same roles`);
    }
    const twin = protocols.findIndex((q) => q.campaignId === p.campaignId);
    if (twin !== i) throw new CliUsageError(`--protocol ${files[i]} and ${files[twin]} have the same campaignId "${p.campaignId}"; give each campaign its own`);
  });
}
