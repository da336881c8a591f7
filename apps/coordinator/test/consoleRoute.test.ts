import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalHash } from '@fedrad/protocol';
import { addOperator, createApiToken, createCoordinatorClient, initCaFolder, startCoordinator, type RunningCoordinator } from '../src/index.js';
import { protocolFor } from './fakeSites.js';

// The web console's static route (apps/console's built files, same origin) and campaigns.check,
// the read-only query its protocol editor calls.
const dir = mkdtempSync(join(tmpdir(), 'fedrad-console-route-'));
const consoleDir = join(dir, 'console');
let coordinator: RunningCoordinator;
let bare: RunningCoordinator;
let token: string;
let auditorToken: string;

beforeAll(async () => {
  mkdirSync(join(consoleDir, 'assets'), { recursive: true });
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><script type="module" src="/assets/app-1.js"></script>');
  writeFileSync(join(consoleDir, 'assets/app-1.js'), 'console.log(1)');
  writeFileSync(join(consoleDir, 'assets/app-1.css'), 'body{}');
  initCaFolder(join(dir, 'ca'), 'route-test', 30);
  coordinator = await startCoordinator({ dataDir: join(dir, 'data'), caDir: join(dir, 'ca'), exportModel: null, consoleDir, onFirstAdmin: () => undefined });
  bare = await startCoordinator({ dataDir: join(dir, 'data2'), caDir: join(dir, 'ca'), exportModel: null, consoleDir: null, onFirstAdmin: () => undefined });
  token = (await createApiToken(coordinator.core.db, 'admin', 'tests', 'test-setup')).token;
  await addOperator(coordinator.core.db, 'aud', 'auditor', 'test-setup');
  auditorToken = (await createApiToken(coordinator.core.db, 'aud', 'tests', 'test-setup')).token;
});
afterAll(async () => {
  await coordinator?.close();
  await bare?.close();
});

const origin = () => `http://127.0.0.1:${coordinator.apiPort}`;

describe('console static route', () => {
  it('serves index.html and assets with their content types, a CSP allowing only this origin, and cache rules by kind', async () => {
    const index = await fetch(`${origin()}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-store');
    const csp = index.headers.get('content-security-policy')!;
    expect(csp.split('; ')).toEqual(expect.arrayContaining(["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", `connect-src 'self' ws://127.0.0.1:${coordinator.apiPort}`]));
    expect(csp).not.toMatch(/unsafe|\*|https?:/);
    const js = await fetch(`${origin()}/assets/app-1.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${origin()}/assets/app-1.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
  });

  it('serves nothing outside the console folder and keeps the API answering as before', async () => {
    expect((await fetch(`${origin()}/assets/../../data/coordinator.sqlite`)).status).toBe(404);
    expect((await fetch(`${origin()}/%2e%2e/data/coordinator.sqlite`)).status).toBe(404);
    expect((await fetch(`${origin()}/nothing-here`)).status).toBe(404);
    expect((await fetch(`${origin()}/trpc/health`)).status).toBe(200);
    // Another origin's page cannot even load the console's assets through the allow-list.
    expect((await fetch(`${origin()}/`, { headers: { origin: 'http://evil.example' } })).status).toBe(403);
  });

  it('without a built console, / says how to build it', async () => {
    const r = await fetch(`http://127.0.0.1:${bare.apiPort}/`);
    expect(r.status).toBe(404);
    expect(await r.text()).toContain('npm run setup');
  });
});

describe('campaigns.check', () => {
  const check = async (doc: unknown, who = token) =>
    ((await (await fetch(`${coordinator.apiUrl}/campaigns.check`, { method: 'POST', headers: { authorization: `Bearer ${who}`, 'content-type': 'application/json', 'x-trpc-method-override': 'query' } as Record<string, string>, body: JSON.stringify(doc) })).json()) as { result: { data: { valid: boolean; issues: unknown[]; protocolHash: string | null; refused: Array<{ field: string; reason: string }>; notices: Array<{ field: string; notice: string }> } } }).result.data;

  it('gives the canonical hash create would lock and no refusal for a protocol this coordinator runs (any role may ask)', async () => {
    const p = protocolFor({ campaignId: 'check-ok', training: { shareSiteUpdates: true } });
    expect(await check(p, auditorToken)).toEqual({ valid: true, issues: [], protocolHash: canonicalHash(p), refused: [], notices: [] });
    expect(await createCoordinatorClient(coordinator.apiUrl, token).campaigns.create(p)).toEqual({ campaignId: 'check-ok', protocolHash: canonicalHash(p), notices: [] });
  });

  it('gives, with no refusal, the notice of rounds the sites cannot verify, and create returns it with the hash', async () => {
    const p = protocolFor({ campaignId: 'check-plain' });
    const notice = { field: 'training.shareSiteUpdates', notice: expect.stringContaining('a site refuses those jobs unless its site.yaml sets trustCoordinatorCoefficients: true') };
    expect(await check(p)).toEqual({ valid: true, issues: [], protocolHash: canonicalHash(p), refused: [], notices: [notice] });
    expect(await createCoordinatorClient(coordinator.apiUrl, token).campaigns.create(p)).toEqual({ campaignId: 'check-plain', protocolHash: canonicalHash(p), notices: [notice] });
  });

  it('lists every refusal, each of which create refuses naming that field', async () => {
    const api = createCoordinatorClient(coordinator.apiUrl, token);
    const cases: Array<[unknown, string]> = [
      [{ ...protocolFor({ campaignId: 'check-positive' }), outcome: { type: 'binary', label: 'y', positive: 'yes' } }, 'outcome.positive'],
      [protocolFor({ campaignId: 'check-overlap', testSites: ['site-a'] }), 'testSites'],
    ];
    for (const [doc, field] of cases) {
      const r = await check(doc);
      expect(r.valid).toBe(true);
      expect(r.refused.map((x) => x.field)).toContain(field);
      await expect(api.campaigns.create(doc)).rejects.toMatchObject({ code: 'PROTOCOL_UNSUPPORTED' });
    }
    // Both at once: the check names both, where create stops at the first.
    const both = await check({ ...protocolFor({ campaignId: 'check-both', testSites: ['site-a'] }), outcome: { type: 'binary', label: 'y', positive: 'yes' } });
    expect(both.refused.map((x) => x.field)).toEqual(['outcome.positive', 'testSites']);
  });

  it('reports schema issues by field and hashes nothing it cannot', async () => {
    const r = await check({ ...protocolFor({ campaignId: 'check-bad' }), minCohortSize: 0 });
    expect(r).toMatchObject({ valid: false, refused: [], issues: [{ field: '/minCohortSize', message: 'must be >= 1' }] });
    expect(await check(null)).toMatchObject({ valid: false });
  });
});
