import { canonicalHash, type ExtractParams, type FeatureConfig } from '@fedrad/protocol';
import { recordedFeatureConfig } from '@fedrad/radiomics';
import { JobInputError } from '../errors.js';

/**
 * The hash of the feature config a job carries (extract, reproducibility), checked against the
 * hash the job pins (the protocol's, which the site approved): a config that does not hash to it
 * is refused.
 */
export function pinnedConfigHash(params: Pick<ExtractParams, 'featureConfig' | 'featureConfigHash'> & { kind: string }): string {
  const hash = canonicalHash(params.featureConfig);
  if (params.featureConfigHash !== undefined && params.featureConfigHash !== hash) {
    throw new JobInputError(`The ${params.kind} job's feature config hashes to ${hash}, not to the ${params.featureConfigHash} it pins.`, { field: 'featureConfigHash' });
  }
  return hash;
}

/**
 * The hash of a config with every default filled in (what `fedrad extract` records as
 * config.sha256 in its provenance): two configs that extract the same features share it.
 */
export function resolvedConfigHash(config: FeatureConfig): string {
  return canonicalHash(recordedFeatureConfig(config));
}
