import { assertValid, type SchemaName } from '@fedrad/protocol';
import { prevalidatedParams } from '../core/jobs.js';

/** Schema of each coordinator→site message type (SITE_CHANNEL.md §2). */
const OUTGOING: Record<string, SchemaName> = {
  job: 'job-envelope',
  'coordinator-welcome': 'coordinator-welcome',
  'coordinator-ack': 'coordinator-ack',
  'certificate-revocation': 'certificate-revocation',
  'audit-head': 'audit-head',
};

// A round's params (the model's parameters) are shared by many envelopes: serialise them once.
const paramsJson = new WeakMap<object, string>();

/**
 * Serialises an outgoing message after validating it: the coordinator never sends what a site
 * would have to refuse. Job params validated when the job was made are not validated again
 * (the envelope around them is); the site validates the whole envelope when it arrives.
 */
export function encodeOutgoing(doc: { type: string; params?: object }): string {
  const schema = OUTGOING[doc.type];
  if (!schema) throw new Error(`No schema for outgoing message type ${doc.type}`);
  if (doc.type === 'job' && doc.params && prevalidatedParams.has(doc.params)) {
    const { params, ...shell } = doc;
    assertValid(schema, { ...shell, params: SHELL_PARAMS }, `Outgoing ${doc.type}`);
    let json = paramsJson.get(params);
    if (json === undefined) paramsJson.set(params, (json = JSON.stringify(params)));
    return JSON.stringify(shell).slice(0, -1) + ',"params":' + json + '}';
  }
  assertValid(schema, doc, `Outgoing ${doc.type}`);
  return JSON.stringify(doc);
}

/** The smallest valid params, standing in for already-validated ones while the envelope fields are checked. */
const SHELL_PARAMS = { kind: 'evaluate', modelHash: '0'.repeat(64), modelOnnxBase64: '' };

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
