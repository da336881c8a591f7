import { describe, expect, it } from '@jest/globals';
import { verify } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, packTensor, sha256Hex, type JobEnvelope, type JobResult } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { acceptResult, signedResultOf } from '../src/core/results.js';
import { rebuildSigned, signedForms } from '../src/core/resultWire.js';
import { openStore } from '../src/store/openStore.js';
import { SCHEMA_VERSION } from '../src/store/schema.js';
import { answerTrainJob, glmFixture, makeSite, protocolFor, refuseJob, signResult } from './fakeSites.js';

// Updates are stored as a canonical shell + Float64 blob; what comes back must be, byte for byte,
// what the site signed: checked against @fedrad/protocol's canonicalJson and node:crypto's verify.
const sites = Object.fromEntries(['site-a', 'site-b', 'site-c'].map((s) => [s, makeSite(s)]));
const unsignedOf = (doc: JobResult) => {
  const { signature: _omit, ...unsigned } = doc;
  return unsigned;
};
/** The same answer as a site node sends it: tensors packed, signed again. */
const packedAnswer = (doc: JobResult): JobResult => {
  const update = doc.result as { tensors: Array<{ name: string; shape: number[]; data: number[] }> };
  return signResult(sites[doc.siteId], { ...unsignedOf(doc), result: { ...(doc.result as object), tensors: update.tensors.map(packTensor) } } as never);
};

describe('signed results kept as shell + Float64 blob', () => {
  it('splits and rebuilds the exact canonical text, for edge-case numbers and several tensors', () => {
    const edge = [-0, 0, 1e21, 1e-7, 5e-324, 0.1 + 0.2, -1.7976931348623157e308, 1 / 3, -2.5e-10];
    const doc = {
      type: 'job-result', jobId: 'c/r0/site-a', note: 'x', result: {
        kind: 'train-round', round: 0, sampleCount: 9, contents: 'gradient-hessian',
        tensors: [{ name: 'gradient', shape: [edge.length], data: edge }, { name: 'h"é', shape: [0], data: [] }, { name: 'z', shape: [2], data: [7, -3.5] }],
      },
    };
    const forms = signedForms(doc);
    expect(forms.signed).toBe(canonicalJson(doc));
    expect(Array.from(forms.tensorData!)).toEqual([...edge, 7, -3.5]);
    expect(forms.shell.length).toBeLessThan(forms.signed.length);
    expect(rebuildSigned(forms.shell, forms.tensorData)).toBe(canonicalJson(doc));
  });

  it('elides nothing for error reports, or when a tensor object is shared with another field', () => {
    const error = { type: 'job-result', result: { type: 'error-report', code: 'X', message: 'm', retryable: false } };
    expect(signedForms(error)).toEqual({ signed: canonicalJson(error), shell: canonicalJson(error), tensorData: null });
    const tensor = { name: 'a', shape: [2], data: [1, 2] };
    const aliased = { extra: tensor, result: { kind: 'train-round', tensors: [tensor] } };
    expect(signedForms(aliased)).toEqual({ signed: canonicalJson(aliased), shell: canonicalJson(aliased), tensorData: null });
    // A data array shared with another field is fine: whole tensors are what gets elided.
    const sharedData = { extra: tensor.data, result: { kind: 'train-round', tensors: [{ ...tensor }] } };
    const forms = signedForms(sharedData);
    expect(forms.signed).toBe(canonicalJson(sharedData));
    expect(rebuildSigned(forms.shell, forms.tensorData)).toBe(canonicalJson(sharedData));
  });

  it('a stored update and a stored error report come back as the signed bytes, and the site signature verifies on them', async () => {
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-11-26T12:00:00Z') };
    createCampaign(ctx, protocolFor({ campaignId: 'kept', training: { strategy: 'exact-newton', rounds: 2 } }));
    const jobs = startCampaign(ctx, 'kept');
    const answers: JobResult[] = await Promise.all(jobs.map(async (job: JobEnvelope) =>
      job.siteId === 'site-c' ? refuseJob(sites[job.siteId], job, 'SITE_BUSY', 'busy') : answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job),
    ));
    for (const a of answers) expect(acceptResult(ctx, sites[a.siteId].peer, a).ack.status).toBe('accepted');
    for (const a of answers) {
      const kept = signedResultOf(ctx, a.nonce)!;
      expect(kept.signed).toBe(canonicalJson(unsignedOf(a)));
      expect(kept.resultHash).toBe(sha256Hex(canonicalJson(unsignedOf(a))));
      expect(verify('sha256', Buffer.from(kept.signed, 'utf8'), sites[a.siteId].peer.publicKey, Buffer.from(kept.signature, 'base64'))).toBe(true);
    }
    const row = ctx.db.prepare("SELECT length(signed_json) AS text, length(tensor_data) AS blob FROM results WHERE site_id = 'site-a'").get() as { text: number; blob: number };
    const update = answers.find((a) => a.siteId === 'site-a')!.result as { tensors: Array<{ data: number[] }> };
    expect(row.blob).toBe(8 * update.tensors.reduce((n, t) => n + t.data.length, 0));
    // An edited blob no longer matches the stored hash.
    ctx.db.prepare("UPDATE results SET tensor_data = zeroblob(length(tensor_data)) WHERE site_id = 'site-a'").run();
    expect(() => signedResultOf(ctx, answers[0].nonce)).toThrow(/no longer matches its hash/);
  });

  it('splits and rebuilds packed tensors (base64 Float64) and a mix of both forms exactly', () => {
    const values = [-0, 1e21, 5e-324, 0.1 + 0.2, -2.5e-10];
    const doc = {
      type: 'job-result', result: {
        kind: 'train-round', round: 0, sampleCount: 9, contents: 'gradient',
        tensors: [packTensor({ name: 'gradient', shape: [5], data: values }), { name: 'feature-sum', shape: [2], data: [7, -3.5] }],
      },
    };
    const forms = signedForms(doc);
    expect(forms.signed).toBe(canonicalJson(doc));
    expect(forms.tensorError).toBeUndefined();
    expect(Array.from(forms.tensorData!)).toEqual([...values, 7, -3.5]);
    expect(forms.shell).not.toContain(packTensor({ name: 'gradient', shape: [5], data: values }).f64le);
    expect(rebuildSigned(forms.shell, forms.tensorData)).toBe(canonicalJson(doc));
  });

  it('a packed update aggregates to the same model as the JSON one, and its signed bytes are kept', async () => {
    const run = async (pack: boolean) => {
      const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-11-26T12:00:00Z') };
      createCampaign(ctx, protocolFor({ campaignId: 'same', training: { strategy: 'exact-newton', rounds: 1 } }));
      for (const job of startCampaign(ctx, 'same')) {
        const answer = await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job);
        const sent = pack ? packedAnswer(answer) : answer;
        expect(acceptResult(ctx, sites[job.siteId].peer, sent).ack.status).toBe('accepted');
        expect(signedResultOf(ctx, sent.nonce)!.signed).toBe(canonicalJson(unsignedOf(sent)));
      }
      return (ctx.db.prepare("SELECT parameters_json FROM models WHERE campaign_id = 'same' ORDER BY round DESC LIMIT 1").get() as { parameters_json: string }).parameters_json;
    };
    expect(await run(true)).toBe(await run(false));
  });

  it('refuses a packed tensor whose base64 is not canonical or whose length disagrees with its shape', async () => {
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-11-26T12:00:00Z') };
    createCampaign(ctx, protocolFor({ campaignId: 'bad', training: { strategy: 'fedavg', rounds: 2 } }));
    const [job] = startCampaign(ctx, 'bad');
    const answer = await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job);
    const coef = (answer.result as { tensors: Array<{ name: string; shape: number[]; data: number[] }> }).tensors[0];
    const withTensor = (t: object) => signResult(sites[job.siteId], { ...unsignedOf(answer), result: { ...(answer.result as object), tensors: [t] } } as never);
    const short = withTensor({ ...packTensor(coef), f64le: packTensor({ ...coef, data: coef.data.slice(1) }).f64le });
    expect(acceptResult(ctx, sites[job.siteId].peer, short).ack).toMatchObject({ status: 'refused', code: 'UPDATE_INVALID' });
    const unpadded = withTensor({ ...packTensor(coef), f64le: packTensor(coef).f64le + '\n' });
    expect(acceptResult(ctx, sites[job.siteId].peer, unpadded).ack).toMatchObject({ status: 'refused', code: 'UPDATE_INVALID', message: expect.stringContaining('not canonical base64') });
    expect(acceptResult(ctx, sites[job.siteId].peer, packedAnswer(answer)).ack.status).toBe('accepted');
  });

  it('opens a schema-1 database by adding the tensor column; its text-only rows stay readable', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fedrad-coord-v1-')), 'c.sqlite');
    let db = openStore(path);
    // A v1 file: no tensor column, and nothing of later versions either (the campaign's plan step).
    db.exec("ALTER TABLE results DROP COLUMN tensor_data; ALTER TABLE campaigns DROP COLUMN phase; UPDATE meta SET value = '1' WHERE key = 'schema_version'");
    db.close();
    db = openStore(path);
    expect((db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value).toBe(String(SCHEMA_VERSION));
    expect((db.prepare('PRAGMA table_info(results)').all() as Array<{ name: string }>).map((c) => c.name)).toContain('tensor_data');
    const text = canonicalJson({ type: 'job-result', result: { kind: 'train-round', tensors: [{ name: 'a', shape: [1], data: [0.5] }] } });
    db.prepare("INSERT INTO results (job_id, campaign_id, site_id, kind, round, attempt, nonce, is_error, signed_json, signature, result_hash, received_at) VALUES ('j', 'c', 's', 'train-round', 0, 1, ?, 0, ?, 'sig', ?, 't')")
      .run('f'.repeat(64), text, sha256Hex(text));
    expect(signedResultOf({ db, clock: () => new Date() }, 'f'.repeat(64))!.signed).toBe(text);
    db.close();
  });
});
