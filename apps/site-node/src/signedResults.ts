import { verify, X509Certificate } from 'node:crypto';

/** A job-result as another site signed it, relayed by the coordinator (a transcript entry, a key advertisement). */
export interface RelayedResult {
  signed: string;
  signature: string;
  certificatePem: string;
}

/**
 * Who signed a relayed result: its certificate must be issued by the campaign CA and valid now,
 * name one of `sites` (the protocol's training sites) and verify the signature over the exact
 * signed bytes (`what` names the entry, `noun` what it holds, in messages). Returns the signer's site id and the parsed document, or what is wrong.
 */
export function relayedResultSigner(entry: RelayedResult, ca: X509Certificate, sites: readonly string[], what: string, noun: string): { siteId: string; doc: Record<string, unknown> } | { problem: string } {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(entry.certificatePem);
  } catch {
    return { problem: `${what} comes with no readable certificate` };
  }
  const siteId = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1] ?? '';
  const now = Date.now();
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey) || now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
    return { problem: `${what} is signed under a certificate the campaign CA did not issue, or one not valid now` };
  }
  if (!sites.includes(siteId)) return { problem: `${what} is signed by ${siteId}, not a training site of the protocol` };
  if (!verify('sha256', Buffer.from(entry.signed, 'utf8'), cert.publicKey, Buffer.from(entry.signature, 'base64'))) return { problem: `the signature of ${siteId}'s ${noun} does not verify` };
  try {
    return { siteId, doc: JSON.parse(entry.signed) as Record<string, unknown> };
  } catch {
    return { problem: `${siteId}'s signed ${noun} is not JSON` };
  }
}
