// A hostile client against enrolment (POST /enrol, unauthenticated by nature): no request is
// stored without the site's live one-time code, a pending request's key cannot be replaced, a
// code works once, the operator's fingerprint check catches a swapped key, and junk is neither
// stored nor allowed to flood. Fingerprints are checked against Node's SPKI export.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSiteKeyAndCsr } from '@fedrad/pki';
import { CA_FILES, createApiToken, createCoordinatorClient, initCaFolder, MAX_PENDING_ENROLMENTS, startCoordinator, type CoordinatorClient, type RunningCoordinator } from '../src/index.js';
import { siteHttps } from './siteHttps.js';

const dir = mkdtempSync(join(tmpdir(), 'fedrad-hostile-enrol-'));
const caDir = join(dir, 'ca');
const CAMPAIGN = 'enrol-test';
let coordinator: RunningCoordinator;
let caPem: string;
let api: CoordinatorClient;

const https = (method: 'GET' | 'POST', path: string, body?: unknown) => siteHttps(coordinator.sitePort, caPem, method, path, body);

const enrolment = (siteId: string, csrPem: string, enrolmentCode: string) => ({ type: 'enrolment-request', siteId, campaignId: CAMPAIGN, csrPem, enrolmentCode, softwareVersion: '0.1.0' });
const spkiSha256 = (keyPem: string) => createHash('sha256').update(createPublicKey(keyPem).export({ type: 'spki', format: 'der' }) as Buffer).digest('hex');
const stored = () => coordinator.core.db.prepare('SELECT site_id, status, request_json FROM enrolments ORDER BY site_id').all() as Array<{ site_id: string; status: string; request_json: string }>;

beforeAll(async () => {
  initCaFolder(caDir, CAMPAIGN, 30);
  caPem = readFileSync(join(caDir, CA_FILES.cert), 'utf8');
  coordinator = await startCoordinator({ dataDir: join(dir, 'data'), caDir, exportModel: null, tickMs: 100, onFirstAdmin: () => undefined });
  api = createCoordinatorClient(coordinator.apiUrl, (await createApiToken(coordinator.core.db, 'admin', 'tests', 'test-setup')).token);
});
afterAll(async () => {
  await coordinator?.close();
});

describe('hostile client: enrolment', () => {
  it('stores nothing without the live code: none, a guessed one, or the code of another site', async () => {
    const { code: codeA } = await api.enrolments.createCode({ siteId: 'site-a', campaignId: CAMPAIGN });
    const { csrPem } = createSiteKeyAndCsr('site-a');
    const { code: codeZ } = await api.enrolments.createCode({ siteId: 'site-z', campaignId: CAMPAIGN });
    const { enrolmentCode: _none, ...withoutCode } = enrolment('site-a', csrPem, codeA);
    expect(await https('POST', '/enrol', withoutCode)).toMatchObject({ status: 400, json: { code: 'PROTOCOL_INVALID' } });
    const guessed = codeA.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    expect(await https('POST', '/enrol', enrolment('site-a', csrPem, guessed))).toMatchObject({ status: 400, json: { code: 'ENROLMENT_CODE_INVALID' } });
    expect(await https('POST', '/enrol', enrolment('site-a', csrPem, codeZ))).toMatchObject({ status: 400, json: { code: 'ENROLMENT_CODE_INVALID' } });
    expect(await https('POST', '/enrol', enrolment('site-q', createSiteKeyAndCsr('site-q').csrPem, codeA))).toMatchObject({ status: 400, json: { code: 'ENROLMENT_CODE_INVALID' } });
    expect(stored()).toEqual([]);
  });

  it('refuses a second CSR for a pending site (the hijack), keeps the first key, and shows its fingerprint to the operator', async () => {
    const { code } = await api.enrolments.createCode({ siteId: 'site-b', campaignId: CAMPAIGN });
    const site = createSiteKeyAndCsr('site-b');
    const first = enrolment('site-b', site.csrPem, code);
    expect(await https('POST', '/enrol', first)).toEqual({ status: 202, json: { status: 'pending' } });
    // The site retrying its own request (a lost answer) gets the same answer.
    expect(await https('POST', '/enrol', first)).toEqual({ status: 202, json: { status: 'pending' } });
    const attacker = createSiteKeyAndCsr('site-b');
    expect(await https('POST', '/enrol', enrolment('site-b', attacker.csrPem, code))).toMatchObject({ status: 400, json: { code: 'ENROLMENT_PENDING' } });
    // Even with a fresh code the pending key stays until the operator decides.
    const { code: fresh } = await api.enrolments.createCode({ siteId: 'site-b', campaignId: CAMPAIGN });
    expect(await https('POST', '/enrol', enrolment('site-b', attacker.csrPem, fresh))).toMatchObject({ status: 400, json: { code: 'ENROLMENT_PENDING' } });
    expect(JSON.parse(stored().find((r) => r.site_id === 'site-b')!.request_json).csrPem).toBe(site.csrPem);
    expect((await api.enrolments.list()).find((e) => e.siteId === 'site-b')).toMatchObject({ status: 'pending', keyFingerprint: spkiSha256(site.keyPem) });
  });

  it('approves only the key the site read out: another fingerprint is refused', async () => {
    const { code } = await api.enrolments.createCode({ siteId: 'site-c', campaignId: CAMPAIGN });
    const intruder = createSiteKeyAndCsr('site-c');
    expect((await https('POST', '/enrol', enrolment('site-c', intruder.csrPem, code))).status).toBe(202);
    const realSite = createSiteKeyAndCsr('site-c');
    await expect(api.enrolments.approve({ siteId: 'site-c', campaignId: CAMPAIGN, fingerprint: spkiSha256(realSite.keyPem) })).rejects.toMatchObject({ code: 'FINGERPRINT_MISMATCH' });
    expect((await https('GET', `/enrol/site-c?campaignId=${CAMPAIGN}`)).status).toBe(202);
    // The read-out form with colons and capitals is the same fingerprint.
    const readOut = spkiSha256(intruder.keyPem).toUpperCase().match(/.{2}/g)!.join(':');
    await expect(api.enrolments.approve({ siteId: 'site-c', campaignId: CAMPAIGN, fingerprint: readOut })).resolves.toMatchObject({ status: 'approved' });
  });

  it('uses a code once: after a rejection the same code cannot enrol again; an expired code never works', async () => {
    const { code } = await api.enrolments.createCode({ siteId: 'site-d', campaignId: CAMPAIGN });
    expect((await https('POST', '/enrol', enrolment('site-d', createSiteKeyAndCsr('site-d').csrPem, code))).status).toBe(202);
    await api.enrolments.reject({ siteId: 'site-d', campaignId: CAMPAIGN });
    expect(await https('POST', '/enrol', enrolment('site-d', createSiteKeyAndCsr('site-d').csrPem, code))).toMatchObject({ status: 400, json: { code: 'ENROLMENT_CODE_INVALID' } });
    const { code: shortLived } = await api.enrolments.createCode({ siteId: 'site-e', campaignId: CAMPAIGN, hours: 1 });
    const clock = coordinator.core.clock;
    coordinator.core.clock = () => new Date(Date.now() + 2 * 3600_000);
    try {
      expect(await https('POST', '/enrol', enrolment('site-e', createSiteKeyAndCsr('site-e').csrPem, shortLived))).toMatchObject({ status: 400, json: { code: 'ENROLMENT_CODE_INVALID' } });
    } finally {
      coordinator.core.clock = clock;
    }
  });

  it(`keeps at most ${MAX_PENDING_ENROLMENTS} pending requests: beyond, even a valid code waits for the operator`, async () => {
    const db = coordinator.core.db;
    const pending = (db.prepare("SELECT COUNT(*) AS n FROM enrolments WHERE status = 'pending'").get() as { n: number }).n;
    const insert = db.prepare("INSERT INTO enrolments (site_id, campaign_id, request_json, status, requested_at) VALUES (?, ?, '{}', 'pending', 't')");
    db.transaction(() => {
      for (let i = pending; i < MAX_PENDING_ENROLMENTS; i++) insert.run(`filler-${i}`, CAMPAIGN);
    })();
    const { code } = await api.enrolments.createCode({ siteId: 'site-f', campaignId: CAMPAIGN });
    expect(await https('POST', '/enrol', enrolment('site-f', createSiteKeyAndCsr('site-f').csrPem, code))).toMatchObject({ status: 400, json: { code: 'ENROLMENT_LIMIT' } });
    db.prepare("DELETE FROM enrolments WHERE site_id LIKE 'filler-%'").run();
    // The code was not spent by the refused request.
    expect((await https('POST', '/enrol', enrolment('site-f', createSiteKeyAndCsr('site-f').csrPem, code))).status).toBe(202);
  });

  it('stores none of a flood of junk requests and answers 429 once the address spent its budget', async () => {
    const before = stored().length;
    const { csrPem } = createSiteKeyAndCsr('site-junk');
    const statuses: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 40; i++) statuses.push((await https('POST', '/enrol', enrolment(`junk-${i}`, csrPem, 'AAAA-AAAA-AAAA-AAAA-AAAA'))).status);
    const elapsedSeconds = (Date.now() - started) / 1000;
    expect(stored().length).toBe(before);
    // The budget: a burst of 20 (earlier tests spent some of it), then one request per 3 s of the
    // time the flood took — so on a slow machine a few more get through, and never more than that.
    const answered = statuses.filter((s) => s === 400).length;
    expect(answered).toBeLessThanOrEqual(20 + Math.floor(elapsedSeconds / 3) + 1);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(40 - (20 + Math.floor(elapsedSeconds / 3) + 1));
    expect(statuses.every((s) => s === 400 || s === 429)).toBe(true);
  });
});
