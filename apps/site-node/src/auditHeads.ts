import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { siteIdOf, verifySignature } from '@fedrad/pki';
import { validate, type AuditHead } from '@fedrad/protocol';
import type { SiteConfig } from './siteConfig.js';

/**
 * The coordinator's signed audit heads this site received (protocols/audit-head.schema.json),
 * one JSON line each in `coordinator-audit-heads.jsonl` beside the site's database, appended and
 * fsynced. They anchor the coordinator's log outside the coordinator: `fedrad audit verify
 * --site-heads <this file>` checks the coordinator's log still holds each (seq, hash). A head is
 * kept only when its signature verifies with a certificate the pinned campaign CA issued to the
 * coordinator; a head that goes back (lower seq, or the same seq with another hash) is kept too,
 * as evidence, and reported.
 */
export function auditHeadsFile(config: Pick<SiteConfig, 'database'>): string {
  return join(dirname(config.database), 'coordinator-audit-heads.jsonl');
}

export type HeadOutcome = 'stored' | 'duplicate' | 'refused' | 'rewound';

export class AuditHeadRecorder {
  private last?: { seq: number; hash: string };

  constructor(private readonly file: string, private readonly pinnedCaPem: string, private readonly log: (line: string) => void) {
    const heads = readAuditHeads(file);
    const newest = heads[heads.length - 1];
    if (newest) this.last = { seq: newest.seq, hash: newest.hash };
  }

  record(head: AuditHead): HeadOutcome {
    const { signature, signerCertificatePem, ...doc } = head;
    try {
      verifySignature(doc, signature, signerCertificatePem, { caCertPem: this.pinnedCaPem });
      if (siteIdOf(signerCertificatePem) !== 'coordinator') throw new Error(`signed by ${siteIdOf(signerCertificatePem)}, not the coordinator`);
    } catch (e) {
      this.log(`refused an audit head that does not verify against the pinned campaign CA: ${(e as Error).message}`);
      return 'refused';
    }
    if (this.last && this.last.seq === head.seq && this.last.hash === head.hash) return 'duplicate';
    const rewound = this.last !== undefined && (head.seq < this.last.seq || (head.seq === this.last.seq && head.hash !== this.last.hash));
    if (rewound) this.log(`the coordinator's audit log went back from row ${this.last!.seq} to row ${head.seq} (or changed that row's hash): its log may have been rewritten; both heads are kept in ${this.file}`);
    const fd = openSync(this.file, 'a', 0o600);
    try {
      writeSync(fd, JSON.stringify(head) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.last = { seq: head.seq, hash: head.hash };
    return rewound ? 'rewound' : 'stored';
  }
}

/** The heads kept in a site's file, oldest first; lines that are not valid heads are skipped. */
export function readAuditHeads(file: string): AuditHead[] {
  if (!existsSync(file)) return [];
  const heads: AuditHead[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const doc = JSON.parse(line) as unknown;
      if (validate('audit-head', doc).valid) heads.push(doc as AuditHead);
    } catch {
      // a torn last line after a crash: the heads before it stand
    }
  }
  return heads;
}
