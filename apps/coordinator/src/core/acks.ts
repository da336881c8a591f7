import type { CoordinatorAck } from '@fedrad/protocol';

export type RefusalCode =
  | 'PROTOCOL_INVALID'
  | 'SITE_MISMATCH'
  | 'BAD_SIGNATURE'
  | 'UNKNOWN_JOB'
  | 'NONCE_MISMATCH'
  | 'REPLAY'
  | 'STALE_ROUND'
  | 'JOB_CLOSED'
  | 'UPDATE_INVALID'
  | 'CERT_REVOKED'
  | 'INTERNAL_ERROR';

export function acceptedAck(doc: { jobId: string; attempt: number; nonce: string }, at: string): CoordinatorAck {
  return { type: 'coordinator-ack', of: 'job-result', jobId: doc.jobId, attempt: doc.attempt, nonce: doc.nonce, status: 'accepted', sentAt: at };
}

/** A refusal ack; copies jobId/attempt/nonce only when they are well-formed (an invalid document may not have them). */
export function refusedAck(doc: unknown, code: RefusalCode, message: string, at: string): CoordinatorAck {
  const d = (doc ?? {}) as Record<string, unknown>;
  const ack: CoordinatorAck = { type: 'coordinator-ack', of: d.type === 'job-result' ? 'job-result' : 'unknown', status: 'refused', code, message: message.slice(0, 2000), sentAt: at };
  if (typeof d.jobId === 'string' && d.jobId.length >= 1 && d.jobId.length <= 128) ack.jobId = d.jobId;
  if (Number.isInteger(d.attempt) && (d.attempt as number) >= 1) ack.attempt = d.attempt as number;
  if (typeof d.nonce === 'string' && /^[0-9a-f]{32,128}$/.test(d.nonce)) ack.nonce = d.nonce;
  return ack;
}
