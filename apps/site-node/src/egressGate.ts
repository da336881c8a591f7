import { canonicalJson, sha256Hex } from '@fedrad/protocol';
import { checkEgress, describeViolations, type EgressContext, type EgressVerdict } from './egressGuard.js';
import type { SiteStore } from './siteStore.js';

/** What one job adds to the site's own egress context. */
export type JobEgressLimits = Partial<Pick<EgressContext, 'minCohortSize' | 'modelUpdateTensors' | 'featureNames'>>;

/**
 * The guard with a memory: every outgoing message passes through `admit`; a blocked one is
 * logged in the site's SQLite (schema, job, reasons and the SHA-256 of the message — not the
 * message, which may be exactly what must not be copied around) and never handed to the socket.
 */
export class EgressGate {
  constructor(
    private readonly store: SiteStore,
    private readonly context: () => EgressContext,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /**
   * `job.minCohortSize` raises the site's floor to the campaign's minimum for this message;
   * `job.modelUpdateTensors` is the layout a train-round's update must have; `job.featureNames`
   * the features a summary's per-feature arrays are aligned with.
   */
  admit(schema: string, message: unknown, jobId?: string, job: JobEgressLimits = {}): EgressVerdict {
    const site = this.context();
    const context: EgressContext = { ...site, minCohortSize: Math.max(site.minCohortSize, job.minCohortSize ?? 0) };
    if (job.modelUpdateTensors) context.modelUpdateTensors = job.modelUpdateTensors;
    if (job.featureNames) context.featureNames = job.featureNames;
    const verdict = checkEgress(schema, message, context);
    if (!verdict.allowed) {
      const reasons = truncate(describeViolations(verdict), 4000);
      let digest: string;
      try {
        digest = sha256Hex(canonicalJson(message));
      } catch {
        digest = sha256Hex(String(message));
      }
      this.store.logBlockedEgress({ schema, jobId, reasons, messageSha256: digest });
      this.log(`egress blocked (${schema}${jobId ? `, job ${jobId}` : ''}): ${truncate(reasons, 300)}`);
    }
    return verdict;
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}
