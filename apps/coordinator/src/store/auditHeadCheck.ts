import { siteIdOf, verifySignature } from '@fedrad/pki';
import type { AuditHead } from '@fedrad/protocol';
import type { Db } from './openStore.js';

export type HeadsVerification = { ok: true; checked: number } | { ok: false; checked: number; seq: number; reason: string };

/**
 * Checks the coordinator's log against audit heads a site kept (its coordinator-audit-heads.jsonl):
 * each head must carry a valid signature by the coordinator's certificate from the campaign CA,
 * and the log's row `seq` must still have the signed hash. Whoever rewrote the log after a head
 * was sent (even dropping the triggers and recomputing every hash) cannot also change the heads
 * at the sites, nor sign new ones for the past without the key.
 */
export function verifyAgainstHeads(db: Db, heads: AuditHead[], caCertPem: string): HeadsVerification {
  let checked = 0;
  const rowHash = db.prepare('SELECT hash FROM audit_log WHERE seq = ?');
  for (const head of heads) {
    const { signature, signerCertificatePem, ...doc } = head;
    try {
      verifySignature(doc, signature, signerCertificatePem, { caCertPem });
      if (siteIdOf(signerCertificatePem) !== 'coordinator') throw new Error(`the signer is ${siteIdOf(signerCertificatePem)}, not the coordinator`);
    } catch (e) {
      return { ok: false, checked, seq: head.seq, reason: `the head for row ${head.seq} does not verify against the campaign CA: ${(e as Error).message}` };
    }
    if (head.seq > 0) {
      const row = rowHash.get(head.seq) as { hash: string } | undefined;
      if (!row) return { ok: false, checked, seq: head.seq, reason: `the coordinator signed row ${head.seq} at ${head.at}, but the log has no such row: rows were removed` };
      if (row.hash !== head.hash) return { ok: false, checked, seq: head.seq, reason: `row ${head.seq} has hash ${row.hash}, but the coordinator signed ${head.hash} at ${head.at}: the log was rewritten` };
    }
    checked++;
  }
  return { ok: true, checked };
}
