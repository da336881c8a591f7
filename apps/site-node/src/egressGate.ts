import { canonicalJson, sha256Hex } from '@fedrad/protocol';
import { checkEgress, describeViolations, type EgressContext, type EgressVerdict } from './egressGuard.js';
import type { SiteStore } from './siteStore.js';

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

  /** `minCohortSize` overrides the site's floor with the campaign's minimum for this message. */
  admit(schema: string, message: unknown, jobId?: string, minCohortSize?: number): EgressVerdict {
    const context = this.context();
    const verdict = checkEgress(schema, message, minCohortSize === undefined ? context : { ...context, minCohortSize: Math.max(context.minCohortSize, minCohortSize) });
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
