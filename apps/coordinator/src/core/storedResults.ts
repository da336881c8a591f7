import { sha256Hex } from '@fedrad/protocol';
import { StoreError } from '../errors.js';
import type { CoreContext } from './context.js';
import { float64sOf, rebuildSigned } from './resultWire.js';

// Apart from results.ts so the phases that read stored results (secure rounds, transcripts) do not
// import the campaign runner through it: plan → training → secureRound → results → campaignRunner → plan.
/** A stored result as the site signed it: the exact signed text (rebuilt, checked against its hash) and the signature. */
export function signedResultOf(ctx: CoreContext, nonce: string): { siteId: string; signed: string; signature: string; resultHash: string } | undefined {
  const row = ctx.db.prepare('SELECT site_id, signed_json, tensor_data, signature, result_hash FROM results WHERE nonce = ?').get(nonce) as
    | { site_id: string; signed_json: string; tensor_data: Buffer | null; signature: string; result_hash: string }
    | undefined;
  if (!row) return undefined;
  const signed = rebuildSigned(row.signed_json, row.tensor_data ? float64sOf(row.tensor_data) : null);
  if (sha256Hex(signed) !== row.result_hash) {
    throw new StoreError(`Stored result ${nonce} of ${row.site_id} no longer matches its hash ${row.result_hash}: the results table was edited`, ctx.db.name);
  }
  return { siteId: row.site_id, signed, signature: row.signature, resultHash: row.result_hash };
}
