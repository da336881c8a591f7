import { METRICS_CONDITIONS, METRICS_ITEMS } from './metricsItems.js';
import { RQS_ITEMS } from './rqsItems.js';

/**
 * Every claim a person may attest, RQS and METRICS together (one provenance holds both tools'
 * attestations): what the software cannot know. Everything else is derived and cannot be attested.
 */
export const DECLARABLE_CLAIMS: ReadonlySet<string> = new Set([
  ...RQS_ITEMS.flatMap((i) => i.claims),
  ...METRICS_ITEMS.filter((i) => i.declared).map((i) => `metrics-${i.item}`),
  ...METRICS_CONDITIONS.filter((c) => c.condition === 2).map((c) => `metrics-condition-${c.condition}`),
]);
