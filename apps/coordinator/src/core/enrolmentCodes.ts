import { randomInt } from 'node:crypto';
import { hashSecret, verifySecret } from '../auth/secrets.js';
import { CoordinatorError } from '../errors.js';
import { appendAudit } from '../store/auditLog.js';
import { nowIso, type CoreContext } from './context.js';

/**
 * One-time enrolment codes: the coordinator's operator makes one per site and campaign and hands
 * it to the site's operator out of band (telephone, letter); the site's enrolment request must
 * carry it. 20 characters of Crockford's base32 (no I, L, O, U) = 100 bits, in groups of four to
 * read aloud. Only its scrypt hash is stored; a new code for the same site replaces the old one.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ENROLMENT_CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/;
const DEFAULT_HOURS = 72;

export interface EnrolmentCode {
  siteId: string;
  campaignId: string;
  code: string;
  expiresAt: string;
}

export async function createEnrolmentCode(ctx: CoreContext, siteId: string, campaignId: string, actor: string, hours = DEFAULT_HOURS): Promise<EnrolmentCode> {
  if (!(Number.isFinite(hours) && hours > 0 && hours <= 24 * 90)) throw new CoordinatorError('CONFIG', `An enrolment code lives between 0 and 2160 hours, not ${hours}`, { siteId, field: 'hours' });
  const chars = Array.from({ length: 20 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  const code = chars.match(/.{4}/g)!.join('-');
  const hash = await hashSecret(code);
  const at = nowIso(ctx);
  const expiresAt = new Date(ctx.clock().getTime() + hours * 3600_000).toISOString();
  ctx.db.transaction(() => {
    ctx.db
      .prepare(
        `INSERT INTO enrolment_codes (site_id, campaign_id, code_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(site_id, campaign_id) DO UPDATE SET code_hash = excluded.code_hash, created_by = excluded.created_by, created_at = excluded.created_at, expires_at = excluded.expires_at, used_at = NULL`,
      )
      .run(siteId, campaignId, hash, actor, at, expiresAt);
    appendAudit(ctx.db, { event: 'enrolment.code-created', actor, siteId, details: { campaignId, expiresAt } }, at);
  })();
  return { siteId, campaignId, code, expiresAt };
}

/** Whether `code` is the live (unused, unexpired) code of this site and campaign; constant-time, and scrypt only when one is live. */
export async function checkEnrolmentCode(ctx: CoreContext, siteId: string, campaignId: string, code: string): Promise<boolean> {
  const row = ctx.db.prepare('SELECT code_hash, expires_at FROM enrolment_codes WHERE site_id = ? AND campaign_id = ? AND used_at IS NULL').get(siteId, campaignId) as
    | { code_hash: string; expires_at: string }
    | undefined;
  if (!row || Date.parse(row.expires_at) <= ctx.clock().getTime() || !ENROLMENT_CODE_PATTERN.test(code)) return false;
  return verifySecret(code, row.code_hash);
}

/** Marks the code used (inside the transaction that stores the request); false if another request used it first. */
export function consumeEnrolmentCode(ctx: CoreContext, siteId: string, campaignId: string, at: string): boolean {
  return ctx.db.prepare('UPDATE enrolment_codes SET used_at = ? WHERE site_id = ? AND campaign_id = ? AND used_at IS NULL').run(at, siteId, campaignId).changes === 1;
}
