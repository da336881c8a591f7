// A hostile client against the operator API, on 127.0.0.1: every attack must be refused with
// its status and stable code, and never reach a procedure. The expected values are the HTTP
// statuses of RFC 9110 / RFC 6585 (401, 403, 413, 429) and the browser rules of RFC 6265bis
// (HttpOnly, SameSite=Strict) — not the code under test.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { appRouter } from '../src/api/router.js';
import { CA_FILES, addOperator, createApiToken, createCoordinatorClient, initCaFolder, openStore, startCoordinator, type RunningCoordinator } from '../src/index.js';
import { protocolFor } from './fakeSites.js';

const dir = mkdtempSync(join(tmpdir(), 'fedrad-hostile-'));
const caDir = join(dir, 'ca');
let coordinator: RunningCoordinator;
let admin: { username: string; password: string };
let adminToken: string;
let leadToken: string;
let auditorToken: string;
let auditorPassword: string;
let leadPassword: string;

/** Every procedure of the router with its type, from the router itself (so a new one is covered). */
const procedures = Object.entries((appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: string } }> } })._def.procedures).map(([path, p]) => ({ path, type: p._def.type }));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { result?: { data?: unknown }; error?: { message: string; data: Record<string, unknown> } };
  text: string;
}

/** A raw HTTP call, so the test controls every header (Origin, Cookie, CSRF, Content-Length). */
function call(method: 'GET' | 'POST', path: string, options: { headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean; port?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json', ...options.headers };
    if (options.body !== undefined && !options.chunked) headers['content-length'] = Buffer.byteLength(options.body);
    const req = httpRequest({ host: '127.0.0.1', port: options.port ?? coordinator.apiPort, path: `/trpc/${path}`, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Answer['body'] = {};
        try {
          body = JSON.parse(text);
        } catch {
          body = {};
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
      });
    });
    req.on('error', reject);
    if (options.body !== undefined) {
      if (options.chunked) {
        const b = Buffer.from(options.body);
        for (let i = 0; i < b.length; i += 65536) req.write(b.subarray(i, i + 65536));
      } else req.write(options.body);
    }
    req.end();
  });
}

const query = (path: string, input: unknown, headers: Record<string, string> = {}) => call('GET', `${path}?input=${encodeURIComponent(JSON.stringify(input ?? {}))}`, { headers });
const mutate = (path: string, input: unknown, headers: Record<string, string> = {}) => call('POST', path, { headers, body: JSON.stringify(input ?? {}) });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const fedradCode = (a: Answer) => a.body.error?.data.fedradCode;

/** An answer that is a refusal: the status, the code, and nothing that names the server's inside. */
function expectRefused(a: Answer, status: number, code: string): void {
  expect({ status: a.status, code: fedradCode(a) }).toEqual({ status, code });
  expect(a.body.result).toBeUndefined();
  expect(a.text).not.toMatch(/\n\s+at |"stack"|\/src\/|node_modules/);
}

async function signIn(username: string, password: string): Promise<{ cookie: string; csrfToken: string; setCookie: string }> {
  const a = await mutate('auth.login', { username, password });
  expect(a.status).toBe(200);
  const setCookie = ([] as string[]).concat(a.headers['set-cookie'] ?? []).find((c) => c.startsWith('fedrad_session='))!;
  return { cookie: setCookie.split(';')[0], csrfToken: (a.body.result!.data as { csrfToken: string }).csrfToken, setCookie };
}

beforeAll(async () => {
  initCaFolder(caDir, 'hostile-test', 30);
  coordinator = await startCoordinator({ dataDir: join(dir, 'data'), caDir, exportModel: null, tickMs: 100, onFirstAdmin: (c) => (admin = c) });
  const db = coordinator.core.db;
  adminToken = (await createApiToken(db, 'admin', 'tests', 'test-setup')).token;
  leadPassword = (await addOperator(db, 'lead', 'study-lead', 'test-setup')).password;
  leadToken = (await createApiToken(db, 'lead', 'tests', 'test-setup')).token;
  auditorPassword = (await addOperator(db, 'auditor', 'auditor', 'test-setup')).password;
  auditorToken = (await createApiToken(db, 'auditor', 'tests', 'test-setup')).token;
});
afterAll(async () => {
  await coordinator?.close();
});

describe('hostile client: no credential', () => {
  it('reaches no procedure but the health probe, which tells nothing about sites or campaigns', async () => {
    expect(procedures.length).toBeGreaterThan(15);
    for (const { path, type } of procedures) {
      if (path === 'health' || path === 'auth.login' || type === 'subscription') continue;
      const a = type === 'query' ? await query(path, { campaignId: 'x' }) : await mutate(path, { campaignId: 'x', siteId: 'site-a', reason: 'unspecified', username: 'eve', role: 'admin', tokenId: '0123456789abcdef' });
      expectRefused(a, 401, 'UNAUTHORIZED');
    }
    const health = await query('health', undefined);
    expect(health.status).toBe(200);
    expect(health.body.result!.data).toEqual({ ok: true, version: '0.1.0' });
  });

  it('refuses a WebSocket subscription without a credential', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${coordinator.apiPort}/trpc`);
    await new Promise((r) => ws.once('open', r));
    const reply = new Promise<string>((r) => ws.once('message', (d) => r(d.toString())));
    ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'campaigns.events', input: { campaignId: 'x' } } }));
    expect(JSON.parse(await reply)).toMatchObject({ id: 1, error: { data: { httpStatus: 401, fedradCode: 'UNAUTHORIZED' } } });
    ws.close();
  });
});

describe('hostile client: forged, revoked and expired credentials', () => {
  it('refuses a made-up token, a real token id with a wrong secret, a revoked token and an expired one', async () => {
    const [, id] = /^fedrad_([0-9a-f]{16})_/.exec(adminToken)!;
    const forged = [`fedrad_${id}_${'A'.repeat(43)}`, 'fedrad_0000000000000000_' + 'B'.repeat(43), 'secret-token', adminToken.slice(0, -1) + (adminToken.endsWith('A') ? 'B' : 'A')];
    for (const token of forged) expectRefused(await query('campaigns.list', undefined, bearer(token)), 401, 'UNAUTHORIZED');
    const db = coordinator.core.db;
    const victim = await createApiToken(db, 'admin', 'to-revoke', 'test');
    expect((await query('campaigns.list', undefined, bearer(victim.token))).status).toBe(200);
    await createCoordinatorClient(coordinator.apiUrl, adminToken).tokens.revoke({ tokenId: victim.tokenId });
    expectRefused(await query('campaigns.list', undefined, bearer(victim.token)), 401, 'UNAUTHORIZED');
    const shortLived = await createApiToken(db, 'admin', 'short', 'test', 1);
    expect((await query('campaigns.list', undefined, bearer(shortLived.token))).status).toBe(200);
    const clock = coordinator.core.clock;
    coordinator.core.clock = () => new Date(Date.now() + 2 * 86_400_000);
    try {
      expectRefused(await query('campaigns.list', undefined, bearer(shortLived.token)), 401, 'UNAUTHORIZED');
    } finally {
      coordinator.core.clock = clock;
    }
  });

  it('keeps only scrypt hashes of passwords and tokens: neither is in the database file', async () => {
    const file = join(dir, 'data', 'coordinator.sqlite');
    const db = openStore(file, { readonly: true });
    try {
      const hashes = [
        ...(db.prepare('SELECT password_hash AS h FROM operators').all() as Array<{ h: string }>),
        ...(db.prepare('SELECT secret_hash AS h FROM operator_tokens').all() as Array<{ h: string }>),
      ].map((r) => r.h);
      expect(hashes.length).toBeGreaterThan(5);
      for (const h of hashes) expect(h).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    } finally {
      db.close();
    }
    const bytes = Buffer.concat([readFileSync(file), readFileSync(`${file}-wal`)]);
    // A token is fedrad_<16 hex id>_<secret>; the secret is base64url, so it may itself hold "_" (split('_') would cut it short).
    const secretOf = (token: string) => /^fedrad_[0-9a-f]{16}_(.+)$/.exec(token)![1];
    const secrets = [admin.password, auditorPassword, secretOf(adminToken), secretOf(leadToken)];
    for (const secret of secrets) expect(secret.length).toBeGreaterThanOrEqual(16);
    for (const secret of secrets) expect(bytes.includes(Buffer.from(secret))).toBe(false);
  });
});

describe('hostile client: wrong role', () => {
  it('an auditor reads everything and changes nothing: every mutation is refused', async () => {
    expect((await query('campaigns.list', undefined, bearer(auditorToken))).status).toBe(200);
    expect((await query('audit.verify', undefined, bearer(auditorToken))).status).toBe(200);
    const allowedToEveryone = new Set(['auth.login', 'auth.logout', 'tokens.create', 'tokens.revoke']);
    const mutations = procedures.filter((p) => p.type === 'mutation' && !allowedToEveryone.has(p.path));
    expect(mutations.map((p) => p.path)).toEqual(expect.arrayContaining(['campaigns.create', 'campaigns.start', 'sites.revoke', 'enrolments.approve', 'enrolments.reject', 'users.add']));
    for (const { path } of mutations) {
      const input = path === 'campaigns.create' ? protocolFor({ campaignId: 'by-auditor' }) : { campaignId: 'x', siteId: 'site-a', reason: 'unspecified', username: 'eve', role: 'admin' };
      expectRefused(await mutate(path, input, bearer(auditorToken)), 403, 'FORBIDDEN_ROLE');
    }
    // Its own tokens only: not one for an admin account.
    expectRefused(await mutate('tokens.create', { username: 'admin' }, bearer(auditorToken)), 403, 'FORBIDDEN_ROLE');
    expect(await createCoordinatorClient(coordinator.apiUrl, adminToken).campaigns.list()).toEqual([]);
  });

  it('a study lead runs campaigns but cannot enrol, revoke or create operators', async () => {
    expect((await mutate('campaigns.create', protocolFor({ campaignId: 'by-lead' }), bearer(leadToken))).status).toBe(200);
    expectRefused(await mutate('sites.revoke', { siteId: 'site-a', reason: 'keyCompromise' }, bearer(leadToken)), 403, 'FORBIDDEN_ROLE');
    expectRefused(await mutate('enrolments.approve', { siteId: 'site-a', campaignId: 'by-lead' }, bearer(leadToken)), 403, 'FORBIDDEN_ROLE');
    expectRefused(await mutate('users.add', { username: 'eve', role: 'admin' }, bearer(leadToken)), 403, 'FORBIDDEN_ROLE');
    expectRefused(await query('users.list', undefined, bearer(leadToken)), 403, 'FORBIDDEN_ROLE');
  });
});

describe('hostile client: a web page of another origin', () => {
  it('is refused over HTTP before authentication, with or without credentials', async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${coordinator.apiPort + 1}`, 'https://127.0.0.1']) {
      expectRefused(await mutate('campaigns.create', protocolFor({ campaignId: 'from-evil' }), { origin, ...bearer(adminToken) }), 403, 'ORIGIN_REFUSED');
      expectRefused(await query('health', undefined, { origin }), 403, 'ORIGIN_REFUSED');
    }
    // The API's own origin (the console it serves) passes.
    expect((await query('campaigns.list', undefined, { origin: `http://127.0.0.1:${coordinator.apiPort}`, ...bearer(adminToken) })).status).toBe(200);
    expect((await query('campaigns.list', undefined, { origin: `http://localhost:${coordinator.apiPort}`, ...bearer(adminToken) })).status).toBe(200);
  });

  it('cannot open the WebSocket (cross-site WebSocket hijacking), while the own origin can', async () => {
    const opened = (origin: string) =>
      new Promise<number | 'open'>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${coordinator.apiPort}/trpc?token=${adminToken}`, { origin });
        ws.once('open', () => (ws.close(), resolve('open')));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => undefined);
      });
    expect(await opened('http://evil.example')).toBe(403);
    expect(await opened(`http://127.0.0.1:${coordinator.apiPort}`)).toBe('open');
  });
});

describe('hostile client: console sessions, CSRF and sign-out', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie (Secure only over TLS) and no other credential', async () => {
    const { setCookie } = await signIn(admin.username, admin.password);
    const attributes = setCookie.split(';').map((p) => p.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/']));
    expect(attributes).not.toContain('secure'); // plain HTTP on loopback here
    expect(attributes.find((a) => a.startsWith('max-age='))).toBe('max-age=28800');
  });

  it('refuses a mutation on a session cookie without the CSRF token, or with a wrong one; accepts the right one', async () => {
    const s = await signIn(admin.username, admin.password);
    expect((await query('campaigns.list', undefined, { cookie: s.cookie })).status).toBe(200);
    const campaign = protocolFor({ campaignId: 'csrf-test' });
    expectRefused(await mutate('campaigns.create', campaign, { cookie: s.cookie }), 403, 'CSRF_REFUSED');
    expectRefused(await mutate('campaigns.create', campaign, { cookie: s.cookie, 'x-csrf-token': s.csrfToken.slice(0, -2) + 'xx' }), 403, 'CSRF_REFUSED');
    const other = await signIn(admin.username, admin.password);
    expectRefused(await mutate('campaigns.create', campaign, { cookie: s.cookie, 'x-csrf-token': other.csrfToken }), 403, 'CSRF_REFUSED');
    expect((await mutate('campaigns.create', campaign, { cookie: s.cookie, 'x-csrf-token': s.csrfToken })).status).toBe(200);
    // The page gets its CSRF token back after a reload.
    expect((await query('auth.me', undefined, { cookie: s.cookie })).body.result!.data).toEqual({ username: 'admin', role: 'admin', via: 'session', can: { campaign: true, admin: true }, csrfToken: s.csrfToken });
  });

  it('ends a session at sign-out and at expiry; a forged cookie never works', async () => {
    const s = await signIn('auditor', auditorPassword);
    expect((await mutate('auth.logout', {}, { cookie: s.cookie, 'x-csrf-token': s.csrfToken })).status).toBe(200);
    expectRefused(await query('campaigns.list', undefined, { cookie: s.cookie }), 401, 'UNAUTHORIZED');
    const t = await signIn('auditor', auditorPassword);
    const clock = coordinator.core.clock;
    coordinator.core.clock = () => new Date(Date.now() + 9 * 3600_000);
    try {
      expectRefused(await query('campaigns.list', undefined, { cookie: t.cookie }), 401, 'UNAUTHORIZED');
    } finally {
      coordinator.core.clock = clock;
    }
    const [id] = t.cookie.split('=')[1].split('.');
    expectRefused(await query('campaigns.list', undefined, { cookie: `fedrad_session=${id}.${'C'.repeat(43)}` }), 401, 'UNAUTHORIZED');
  });

  it('answers a wrong password and an unknown operator alike, and stops guessing after ten tries', async () => {
    // The limiter reads the core clock: frozen here, so no refill can happen while the guesses run
    // (on a loaded machine a wall-clock test could not tell a refill from a missing limit).
    const clock = coordinator.core.clock;
    let now = Date.parse('2040-01-01T00:00:00Z');
    coordinator.core.clock = () => new Date(now);
    try {
      const wrong = await mutate('auth.login', { username: 'admin', password: 'guess' });
      const unknown = await mutate('auth.login', { username: 'nobody', password: 'guess' });
      expectRefused(wrong, 401, 'LOGIN_FAILED');
      expectRefused(unknown, 401, 'LOGIN_FAILED');
      expect(wrong.body.error!.message).toBe(unknown.body.error!.message);
      // An hour later every bucket is full again (burst 10, one token per 6 s: full after 60 s).
      now += 3600_000;
      const codes: string[] = [];
      for (let i = 0; i < 13; i++) codes.push(String(fedradCode(await mutate('auth.login', { username: 'lead', password: `guess-${i}` }))));
      expect(codes).toEqual([...Array(10).fill('LOGIN_FAILED'), ...Array(3).fill('RATE_LIMITED')]);
      // Even the right password waits now: the name is locked for this while.
      expectRefused(await mutate('auth.login', { username: 'lead', password: leadPassword }), 429, 'RATE_LIMITED');
      // 5.9 s later the bucket holds 0.98 of a token: still refused.
      now += 5900;
      expectRefused(await mutate('auth.login', { username: 'lead', password: leadPassword }), 429, 'RATE_LIMITED');
      // One refill interval (6 s) after the last taken token: exactly one more try, and the right password is let in.
      now += 100;
      expect((await mutate('auth.login', { username: 'lead', password: leadPassword })).status).toBe(200);
      expectRefused(await mutate('auth.login', { username: 'lead', password: leadPassword }), 429, 'RATE_LIMITED');
    } finally {
      coordinator.core.clock = clock;
    }
  });
});

describe('hostile client: oversized bodies and floods', () => {
  it('refuses a body over the limit, whether it declares its length or streams it chunked', async () => {
    const big = JSON.stringify({ ...protocolFor({ campaignId: 'big' }), title: 'x'.repeat(2_000_000) });
    expectRefused(await call('POST', 'campaigns.create', { body: big, headers: bearer(adminToken) }), 413, 'BODY_TOO_LARGE');
    const chunked = await call('POST', 'campaigns.create', { body: big, chunked: true, headers: bearer(adminToken) });
    expect(chunked.status).toBe(413);
    expect(chunked.text).not.toMatch(/\n\s+at |"stack"|\/src\//);
    expect(await createCoordinatorClient(coordinator.apiUrl, adminToken).campaigns.list()).not.toContainEqual(expect.objectContaining({ campaignId: 'big' }));
  });

  it('answers 429 once an address spends its request budget, and serves it again after a pause', async () => {
    const small = await startCoordinator({ dataDir: join(dir, 'data-rate'), caDir, exportModel: null, tickMs: 1000, onFirstAdmin: () => undefined, apiLimits: { rate: { perSecond: 1, burst: 10 } } });
    try {
      const statuses: number[] = [];
      // The core clock stands still during the flood: exactly the burst is served, then nothing.
      let now = Date.parse('2040-01-01T00:00:00Z');
      small.core.clock = () => new Date(now);
      for (let i = 0; i < 30; i++) statuses.push((await call('GET', 'health', { port: small.apiPort })).status);
      expect(statuses).toEqual([...Array(10).fill(200), ...Array(20).fill(429)]);
      const flood = await call('GET', 'health', { port: small.apiPort });
      expectRefused(flood, 429, 'RATE_LIMITED');
      now += 1000;
      expect((await call('GET', 'health', { port: small.apiPort })).status).toBe(200);
      expect((await call('GET', 'health', { port: small.apiPort })).status).toBe(429);
    } finally {
      await small.close();
    }
  });
});

describe('hostile client: errors', () => {
  it('never shows a stack or a server path, even for malformed input', async () => {
    for (const a of [
      await call('GET', 'campaigns.status?input=%7Bnot-json', { headers: bearer(adminToken) }),
      await call('POST', 'campaigns.create', { body: '{"truncated', headers: bearer(adminToken) }),
      await call('GET', 'no.such.procedure', { headers: bearer(adminToken) }),
      await call('GET', '../../etc/passwd', { headers: bearer(adminToken) }),
    ]) {
      expect(a.status).toBeGreaterThanOrEqual(400);
      expect(a.text).not.toMatch(/\n\s+at |"stack"|\/src\/|node_modules|\/work\//);
    }
  });
});
