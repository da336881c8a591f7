import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SiteConfigError } from './errors.js';
import { DEFAULT_MIN_COHORT_SIZE } from './egressGuard.js';

/**
 * site.yaml, the one file a site's IT person edits. Relative paths are resolved against
 * `dataRoot`, which itself is resolved against the folder holding site.yaml.
 *
 *   siteId: site-a                         # also the certificate's subject CN
 *   campaignId: sts-grade-2026             # used when enrolling
 *   coordinatorUrl: https://coord:8443     # https base; the site channel is wss on the same host
 *   dataRoot: ./data
 *   database: site.sqlite                  # the site's own SQLite (approvals, jobs, egress log)
 *   minCohortSize: 5                       # local floor; the campaign's minimum applies if higher
 *   workers: 1
 *   jobTimeoutSeconds: 3600                # a job running longer is abandoned (retryable)
 *   tls: { key: keys/site.key.pem, certificate: keys/site.cert.pem, ca: keys/ca.cert.pem }
 *   cohortManifest: cohorts.yaml           # or an inline `cohorts:` list of the same shape:
 *   cohorts:
 *     - { name: training, features: features.csv, outcome: outcome.csv }   # features extracted by hand
 *     - { name: scans, images: manifest.csv, outcome: outcome.csv }        # or images: the campaign extracts
 *       clinical: { table: clinical.csv, columns: [age, size_cm, depth] }  # optional covariates table
 *   trustCoordinatorCoefficients: false    # see below; default false
 *
 * An image cohort's manifest is `fedrad extract`'s (id,image,mask[,roi]); the campaign's extract
 * job extracts it with the protocol's feature config and keeps the tables under
 * `<dataRoot>/features/` (extractedTables.ts), where the later jobs read them. Further
 * segmentations of each case (other readers, algorithms or software) go in columns mask2, mask3, …:
 * a campaign's reproducibility step extracts them with the same config and compares them with mask.
 *
 * A cohort's clinical table (`id` + numeric covariates, categories coded as numbers, a missing
 * value empty or NA) is what a campaign's clinical baseline and combined models use. `columns`
 * lists the covariates this site offers (default: every column of the table); a campaign asking
 * for any other is refused.
 *
 * `trustCoordinatorCoefficients: true` lets the site answer training rounds after round 0 (and the
 * later exchanges of tuning, the LASSO path and baseline models) under a protocol that sets neither
 * training.shareSiteUpdates nor training.secureAggregation: their coefficients then come from the
 * coordinator with nothing for the site to check them against, and two of them crafted can give one
 * patient's features from the gradient difference. By default such jobs are refused
 * (jobPolicy.ts, unverifiableCoefficients); the daemon warns at start when the key is set.
 */
export interface CohortEntry {
  name: string;
  /**
   * The feature table (id + features). For an image cohort: the base name of its extracted
   * tables, `<dataRoot>/features/<name>.csv`, one per feature config (extractedTables.ts).
   */
  features: string;
  outcome: string;
  /** An image cohort's manifest (id,image,mask[,roi]); absent for a feature-table cohort. */
  images?: string;
  /** The cohort's clinical covariates table and the covariates it offers (every column when not listed). */
  clinical?: ClinicalTableEntry;
}

export interface ClinicalTableEntry {
  table: string;
  columns?: string[];
}

export interface SiteConfig {
  configFile: string;
  siteId: string;
  campaignId?: string;
  coordinatorUrl: string;
  dataRoot: string;
  database: string;
  minCohortSize: number;
  workers: number;
  tls: { key: string; certificate: string; ca: string };
  cohorts: CohortEntry[];
  /** A job still running after this long is abandoned (JOB_DEADLINE, retryable). */
  jobTimeoutSeconds: number;
  /** Heartbeat period; reconnect backoff bounds. */
  heartbeatSeconds: number;
  /** The IBSI phantom verification record this installation declares (`fedrad verify-ibsi --out`), when it declares one (RQS item 3). */
  ibsiVerification?: string;
  /**
   * Answer jobs at coordinator-chosen coefficients the site cannot verify (a protocol with neither
   * training.shareSiteUpdates nor training.secureAggregation): trusts the coordinator with them. Default false.
   */
  trustCoordinatorCoefficients: boolean;
  reconnect: { initialMs: number; maxMs: number };
}

const SITE_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** Every key site.yaml may hold, at each level: anything else is refused by name, never ignored. */
const KNOWN_KEYS = {
  top: ['siteId', 'campaignId', 'coordinatorUrl', 'dataRoot', 'database', 'minCohortSize', 'workers', 'jobTimeoutSeconds', 'heartbeatSeconds', 'reconnect', 'tls', 'cohorts', 'cohortManifest', 'ibsiVerification', 'trustCoordinatorCoefficients'],
  tls: ['key', 'certificate', 'ca'],
  reconnect: ['initialMs', 'maxMs'],
  cohort: ['name', 'features', 'images', 'outcome', 'clinical'],
  clinical: ['table', 'columns'],
} as const;

function refuseUnknownKeys(value: unknown, known: readonly string[], where: string, configFile: string, fieldPrefix = ''): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new SiteConfigError(`${where}: unknown key "${key}" (known keys: ${known.join(', ')}). A misspelt key would otherwise be ignored.`, {
        file: configFile,
        field: fieldPrefix + key,
      });
    }
  }
}

export function loadSiteConfig(file: string): SiteConfig {
  const configFile = resolve(file);
  if (!existsSync(configFile)) throw new SiteConfigError(`Site configuration ${configFile} does not exist.`, { file: configFile });
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(configFile, 'utf8'));
  } catch (e) {
    throw new SiteConfigError(`Site configuration ${configFile} is not valid YAML: ${(e as Error).message}`, { file: configFile }, e);
  }
  return parseSiteConfig(raw, configFile);
}

export function parseSiteConfig(raw: unknown, configFile: string): SiteConfig {
  if (typeof raw !== 'object' || raw === null) throw new SiteConfigError(`${configFile} must hold a YAML mapping.`, { file: configFile });
  const doc = raw as Record<string, unknown>;
  refuseUnknownKeys(doc, KNOWN_KEYS.top, configFile, configFile);
  refuseUnknownKeys(doc.tls, KNOWN_KEYS.tls, `${configFile} (tls)`, configFile, 'tls/');
  refuseUnknownKeys(doc.reconnect, KNOWN_KEYS.reconnect, `${configFile} (reconnect)`, configFile, 'reconnect/');
  const need = (field: string): string => {
    const v = doc[field];
    if (typeof v !== 'string' || v.length === 0) throw new SiteConfigError(`${configFile}: "${field}" is required (a string).`, { file: configFile, field });
    return v;
  };
  const siteId = need('siteId');
  if (!SITE_ID.test(siteId)) throw new SiteConfigError(`${configFile}: siteId "${siteId}" must be lower-case letters, digits and dashes (2–63 characters).`, { file: configFile, field: 'siteId' });
  const coordinatorUrl = need('coordinatorUrl');
  const dataRoot = resolve(dirname(configFile), typeof doc.dataRoot === 'string' ? doc.dataRoot : '.');
  const at = (p: string) => (isAbsolute(p) ? p : resolve(dataRoot, p));
  const tlsRaw = (doc.tls ?? {}) as Record<string, unknown>;
  const tls = {
    key: at(typeof tlsRaw.key === 'string' ? tlsRaw.key : 'keys/site.key.pem'),
    certificate: at(typeof tlsRaw.certificate === 'string' ? tlsRaw.certificate : 'keys/site.cert.pem'),
    ca: at(typeof tlsRaw.ca === 'string' ? tlsRaw.ca : 'keys/ca.cert.pem'),
  };
  let cohortList: unknown = doc.cohorts;
  let cohortBase = dataRoot;
  if (typeof doc.cohortManifest === 'string') {
    const manifest = at(doc.cohortManifest);
    if (!existsSync(manifest)) throw new SiteConfigError(`Cohort manifest ${manifest} (named in ${configFile}) does not exist.`, { file: manifest, field: 'cohortManifest' });
    const parsed = parseYaml(readFileSync(manifest, 'utf8')) as Record<string, unknown> | unknown[];
    cohortList = Array.isArray(parsed) ? parsed : (parsed as Record<string, unknown>)?.cohorts;
    cohortBase = dirname(manifest);
  }
  if (!Array.isArray(cohortList) || cohortList.length === 0) {
    throw new SiteConfigError(`${configFile}: list at least one cohort (name, features, outcome) under "cohorts" or in "cohortManifest".`, { file: configFile, field: 'cohorts' });
  }
  const cohorts = cohortList.map((c, i) => {
    const entry = c as Record<string, unknown>;
    refuseUnknownKeys(entry, KNOWN_KEYS.cohort, `${configFile} (cohort #${i + 1})`, configFile, `cohorts/${i}/`);
    for (const f of ['name', 'outcome']) {
      if (typeof entry?.[f] !== 'string') throw new SiteConfigError(`${configFile}: cohort #${i + 1} needs "${f}".`, { file: configFile, field: `cohorts/${i}/${f}` });
    }
    const hasFeatures = typeof entry.features === 'string';
    const hasImages = typeof entry.images === 'string';
    if (hasFeatures === hasImages) {
      throw new SiteConfigError(
        `${configFile}: cohort #${i + 1} ("${String(entry.name)}") needs exactly one of "features" (a feature table) or "images" (a manifest id,image,mask the campaign extracts)${hasFeatures ? ', not both' : ''}.`,
        { file: configFile, field: `cohorts/${i}/${hasFeatures ? 'images' : 'features'}` },
      );
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(entry.name as string)) {
      throw new SiteConfigError(`${configFile}: cohort name "${String(entry.name)}" must be letters, digits, dots, dashes or underscores (it names files under the data root).`, { file: configFile, field: `cohorts/${i}/name` });
    }
    const file = (p: string) => (isAbsolute(p) ? p : resolve(cohortBase, p));
    const clinical = entry.clinical === undefined ? undefined : clinicalEntry(entry.clinical, i, String(entry.name), configFile, file);
    return {
      ...(hasImages
        ? { name: entry.name as string, images: file(entry.images as string), features: resolve(dataRoot, 'features', `${entry.name as string}.csv`), outcome: file(entry.outcome as string) }
        : { name: entry.name as string, features: file(entry.features as string), outcome: file(entry.outcome as string) }),
      ...(clinical ? { clinical } : {}),
    };
  });
  const number = (field: string, fallback: number, min: number): number => {
    const v = doc[field] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new SiteConfigError(`${configFile}: "${field}" must be a number ≥ ${min}.`, { file: configFile, field });
    return v;
  };
  const reconnectRaw = (doc.reconnect ?? {}) as Record<string, unknown>;
  return {
    configFile,
    siteId,
    campaignId: typeof doc.campaignId === 'string' ? doc.campaignId : undefined,
    coordinatorUrl,
    dataRoot,
    database: at(typeof doc.database === 'string' ? doc.database : 'site.sqlite'),
    minCohortSize: number('minCohortSize', DEFAULT_MIN_COHORT_SIZE, 1),
    workers: number('workers', 1, 1),
    tls,
    cohorts,
    jobTimeoutSeconds: number('jobTimeoutSeconds', 3600, 1),
    heartbeatSeconds: number('heartbeatSeconds', 10, 0.1),
    ...(ibsiVerificationOf(doc.ibsiVerification, at, configFile)),
    trustCoordinatorCoefficients: booleanOf(doc, 'trustCoordinatorCoefficients', configFile),
    reconnect: {
      initialMs: typeof reconnectRaw.initialMs === 'number' ? reconnectRaw.initialMs : 250,
      maxMs: typeof reconnectRaw.maxMs === 'number' ? reconnectRaw.maxMs : 15000,
    },
  };
}

/** A yes/no key, false when absent; anything but true or false is refused by name (a quoted "false" would read as set). */
function booleanOf(doc: Record<string, unknown>, field: string, configFile: string): boolean {
  const v = doc[field] ?? false;
  if (typeof v !== 'boolean') throw new SiteConfigError(`${configFile}: "${field}" must be true or false.`, { file: configFile, field });
  return v;
}

/** The declared IBSI verification record's path (resolved like the other paths), refused by name when it is not a file that exists. */
function ibsiVerificationOf(value: unknown, at: (p: string) => string, configFile: string): { ibsiVerification?: string } {
  if (value === undefined) return {};
  if (typeof value !== 'string') throw new SiteConfigError(`${configFile}: "ibsiVerification" must be the path of the record \`fedrad verify-ibsi --out\` wrote.`, { file: configFile, field: 'ibsiVerification' });
  const file = at(value);
  if (!existsSync(file)) throw new SiteConfigError(`The IBSI verification record ${file} (named in ${configFile}) does not exist: write it with \`fedrad verify-ibsi --ibsi DIR --out ${value}\`.`, { file, field: 'ibsiVerification' });
  return { ibsiVerification: file };
}

/** A cohort's `clinical` key: `{ table, columns? }` (a path alone stands for `{ table }`). */
function clinicalEntry(raw: unknown, i: number, cohort: string, configFile: string, file: (p: string) => string): ClinicalTableEntry {
  const field = `cohorts/${i}/clinical`;
  const value = typeof raw === 'string' ? { table: raw } : raw;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SiteConfigError(`${configFile}: cohort "${cohort}": "clinical" must be a table path or { table, columns }.`, { file: configFile, field });
  }
  refuseUnknownKeys(value, KNOWN_KEYS.clinical, `${configFile} (cohort "${cohort}", clinical)`, configFile, `${field}/`);
  const { table, columns } = value as Record<string, unknown>;
  if (typeof table !== 'string' || table.length === 0) throw new SiteConfigError(`${configFile}: cohort "${cohort}": clinical needs "table" (the covariates CSV, id first).`, { file: configFile, field: `${field}/table` });
  if (columns === undefined) return { table: file(table) };
  if (!Array.isArray(columns) || columns.length === 0 || !columns.every((c) => typeof c === 'string' && c.length > 0)) {
    throw new SiteConfigError(`${configFile}: cohort "${cohort}": clinical "columns" must be a non-empty list of column names.`, { file: configFile, field: `${field}/columns` });
  }
  const twice = columns.find((c, k) => columns.indexOf(c) !== k);
  if (twice !== undefined) throw new SiteConfigError(`${configFile}: cohort "${cohort}": clinical column "${twice}" is listed twice.`, { file: configFile, field: `${field}/columns` });
  return { table: file(table), columns: columns as string[] };
}
