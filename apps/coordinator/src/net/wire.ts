import { assertValid, type SchemaName } from '@fedrad/protocol';

/** Schema of each coordinator→site message type (SITE_CHANNEL.md §2). */
const OUTGOING: Record<string, SchemaName> = {
  job: 'job-envelope',
  'coordinator-welcome': 'coordinator-welcome',
  'coordinator-ack': 'coordinator-ack',
  'certificate-revocation': 'certificate-revocation',
};

/** Serialises an outgoing message after validating it: the coordinator never sends what a site would have to refuse. */
export function encodeOutgoing(doc: { type: string }): string {
  const schema = OUTGOING[doc.type];
  if (!schema) throw new Error(`No schema for outgoing message type ${doc.type}`);
  assertValid(schema, doc, `Outgoing ${doc.type}`);
  return JSON.stringify(doc);
}

/** Parses one text frame; returns undefined for anything that is not a JSON object. */
export function decodeFrame(data: unknown, isBinary: boolean): Record<string, unknown> | undefined {
  if (isBinary) return undefined;
  try {
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const doc = JSON.parse(text) as unknown;
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
