import { readFileSync } from 'node:fs';
import { canonicalHash, readFeatureTable, type HarmonizeParams, type JobEnvelope } from '@fedrad/protocol';
import type { CohortRegistry } from './cohortRegistry.js';
import { extractedTables } from './extractedTables.js';

/**
 * The features a summary job's answer is about, so that the egress guard can tell its
 * per-feature arrays from per-patient ones of the same length: a harmonize job's own list, or
 * the columns of the feature table an extract or reproducibility job read (an image cohort's:
 * the table its extraction with the protocol's feature config made). Unknown (another kind,
 * no table yet, an unreadable one): undefined, and the guard judges every array by length.
 */
export function answeredFeatures(job: JobEnvelope, registry: Pick<CohortRegistry, 'get'>, featureConfig: unknown): readonly string[] | undefined {
  if (job.kind === 'harmonize') return (job.params as HarmonizeParams).features;
  if (job.kind !== 'extract' && job.kind !== 'reproducibility') return undefined;
  try {
    const cohort = registry.get((job.params as { cohort?: string }).cohort);
    const file = cohort.images && featureConfig ? extractedTables(cohort, canonicalHash(featureConfig)).features : cohort.features;
    return readFeatureTable(readFileSync(file, 'utf8'), file).featureNames;
  } catch {
    return undefined;
  }
}
