import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPrivateKey, verify, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCampaignCa, issueCertificate } from '@fedrad/pki';
import { canonicalHash, canonicalJson, validate } from '@fedrad/protocol';
import { enrolSite } from '../src/enrolment.js';
import { loadSiteConfig } from '../src/siteConfig.js';
import { SiteDaemon } from '../src/siteDaemon.js';
import { SiteStore } from '../src/siteStore.js';
import { FakeCoordinator, type Frame } from './fakeCoordinator.js';
import { certificateIssuer, generateCohorts, repoRoot, siteYaml, writeSiteKeys } from './helpers.js';

let dir: string;
let features: string[];
let patientIds: string[];
let siteCertPem: string;
let caPem: string;
let caKeyPem: string;
let coordinator: FakeCoordinator;
let port: number;
const protocol = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8'));
protocol.minCohortSize = 10;
// Set with the generated cohort's features below: a protocol a site can train names its model's features.
let protocolHash: string;
const otherHash = 'ee'.repeat(32);
const otherHash2 = 'dd'.repeat(32);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'site-daemon-'));
  const summary = generateCohorts(join(dir, 'data'), 'site-a=40', 3);
  features = summary.features;
  protocol.features = features;
  protocolHash = canonicalHash(protocol);
  patientIds = readFileSync(summary.sites[0].outcomeCsv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
  const ca = createCampaignCa({ campaignId: 'sts-grade-2026', validityDays: 30 });
  caPem = ca.certPem;
  caKeyPem = ca.keyPem;
  const issue = certificateIssuer(ca);
  const server = issue('coordinator', ['127.0.0.1', 'localhost']);
  const site = issue('site-a');
  siteCertPem = site.certPem;
  writeSiteKeys(dir, site, ca.certPem);
  coordinator = new FakeCoordinator({ certPem: server.certPem, keyPem: server.keyPem, caPem: ca.certPem });
  port = await coordinator.listen();
  coordinator.onHello = () => coordinator.send({
    type: 'coordinator-welcome', siteId: 'site-a', coordinatorVersion: '0.1.0', heartbeatSeconds: 0.5, sentAt: new Date().toISOString(),
    campaigns: [{ campaignId: protocol.campaignId, protocolHash, role: 'training', state: 'training', protocol }],
  });
  // The tests' rounds after 0 (egress, non-finite updates, restarts) are of a plain protocol: this site
  // trusts the coordinator with their coefficients (site.yaml's opt-in; hostileCoefficients.test.ts tries the default).
  writeFileSync(join(dir, 'site.yaml'), siteYaml(port, [{ name: 'training', features: summary.sites[0].featuresCsv, outcome: summary.sites[0].outcomeCsv }], ['trustCoordinatorCoefficients: true']));
});
afterAll(async () => {
  await coordinator.close();
  rmSync(dir, { recursive: true, force: true });
});

let nonceCounter = 0;
// Job ids are SITE_CHANNEL.md §3's `<campaignId>/r<round>/<siteId>`, and the site checks that they
// are (jobIds.ts): the round comes from the id. The tests share one site database, so their rounds
// go forward from one test to the next (jobPolicy.ts).
const job = (hash: string, attempt = 1, jobId = 'sts-grade-2026/r0/site-a', round = Number(/\/r(\d+)\//.exec(jobId)?.[1] ?? 0)) => ({
  type: 'job', jobId, campaignId: 'sts-grade-2026', protocolHash: hash, siteId: 'site-a', kind: 'train-round', attempt, round,
  deadline: new Date(Date.now() + 60000).toISOString(), nonce: (++nonceCounter).toString(16).padStart(64, '0'),
  params: {
    kind: 'train-round', round, strategy: 'exact-newton', model: protocol.model, features,
    globalParameters: [{ name: 'coef', shape: [features.length + 1], data: new Array(features.length + 1).fill(0) }],
  },
});

async function waitUntilCount(ok: () => boolean, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Checks a job-result's signature with Node's own RSA verify against the site certificate. */
function signatureVerifies(frame: Frame): boolean {
  const { signature, ...body } = frame as Frame & { signature: { value: string; signerFingerprint: string } };
  const fingerprint = new X509Certificate(siteCertPem).fingerprint256.replace(/:/g, '').toLowerCase();
  return signature.signerFingerprint === fingerprint
    && verify('sha256', Buffer.from(canonicalJson(body), 'utf8'), siteCertPem, Buffer.from(signature.value, 'base64'));
}

describe('site daemon against a coordinator over mTLS', () => {
  it('says hello, refuses an unapproved protocol, answers an approved job once, and keeps that answer for retries', async () => {
    const config = loadSiteConfig(join(dir, 'site.yaml'));
    const store = new SiteStore(config.database);
    store.approve(protocolHash, 'test-operator');
    store.close();
    const daemon = new SiteDaemon(config, { log: () => {} });
    daemon.start();
    try {
      const hello = await coordinator.waitFor((f) => f.type === 'site-hello');
      expect(validate('site-hello', hello).valid).toBe(true);
      expect(hello).toMatchObject({ siteId: 'site-a', approvedProtocols: [protocolHash] });
      await coordinator.waitFor((f) => f.type === 'heartbeat');

      const refusedJob = job(otherHash, 1, 'sts-grade-2026/r0/site-a');
      const refusal = await coordinator.ask(refusedJob);
      expect(refusal.result).toMatchObject({ type: 'error-report', code: 'PROTOCOL_NOT_APPROVED', retryable: false });
      expect(signatureVerifies(refusal)).toBe(true);

      // Approved, but asking for something the protocol does not say: refused with the reason.
      const offProtocol = job(protocolHash, 1, 'sts-grade-2026/r9/site-a');
      offProtocol.params.model = { ...protocol.model, lambda: 0.0001 };
      const outside = await coordinator.ask(offProtocol);
      expect(outside.result).toMatchObject({ type: 'error-report', code: 'JOB_OUTSIDE_PROTOCOL', retryable: false });

      // Approved here, but a campaign the coordinator's welcome (asked for again) does not list.
      const store2 = new SiteStore(config.database);
      store2.approve(otherHash2, 'test-operator');
      store2.close();
      const unknown = job(otherHash2, 1, 'sts-grade-2026/r0/site-a');
      const ghost = await coordinator.ask(unknown);
      expect(ghost.result).toMatchObject({ type: 'error-report', code: 'PROTOCOL_UNKNOWN' });
      // Counted on the connection that answered, so that a re-dial under load (a new connection,
      // with its own hello) is not taken for the site asking again: its opening hello, then one more.
      const hellosOn = coordinator.frames.filter((f) => f.type === 'site-hello' && coordinator.connectionOf(f) === coordinator.connectionOf(ghost));
      expect(hellosOn).toHaveLength(2);
      expect(coordinator.frames.indexOf(hellosOn[1])).toBeLessThan(coordinator.frames.indexOf(ghost));

      const first = job(protocolHash);
      const answer = await coordinator.ask(first);
      expect(validate('job-result', answer).valid).toBe(true);
      expect(answer).toMatchObject({ jobId: first.jobId, attempt: 1, round: 0, siteId: 'site-a', protocolHash });
      expect(answer.result).toMatchObject({ kind: 'train-round', sampleCount: 40, contents: 'gradient-hessian' });
      expect(signatureVerifies(answer)).toBe(true);

      // The coordinator retries (attempt 2, fresh nonce): same body, re-wrapped and re-signed.
      const retry = job(protocolHash, 2);
      const again = await coordinator.ask(retry);
      expect(again.attempt).toBe(2);
      expect(again.result).toEqual(answer.result);
      expect(signatureVerifies(again)).toBe(true);

      // A refusal that is the coordinator's own trouble: the same signed result comes again.
      const countOf = (nonce: string) => coordinator.frames.filter((f) => f.type === 'job-result' && f.nonce === nonce).length;
      const sentBefore = countOf(retry.nonce);
      coordinator.send({ type: 'coordinator-ack', of: 'job-result', jobId: retry.jobId, attempt: 2, nonce: retry.nonce, status: 'refused', code: 'INTERNAL_ERROR', message: 'database busy; resend it', sentAt: new Date().toISOString() });
      await waitUntilCount(() => countOf(retry.nonce) > sentBefore);
      const resent = coordinator.frames.filter((f) => f.type === 'job-result' && f.nonce === retry.nonce).pop()!;
      expect(resent).toEqual(again);

      // A dropped connection is re-dialled (backoff 100–400 ms) and the site says hello again.
      const before = coordinator.frames.length;
      const dropped = coordinator.connections;
      coordinator.dropConnection();
      await coordinator.waitFor((f) => f.type === 'site-hello' && coordinator.connectionOf(f) > dropped, before);
      expect(coordinator.connections).toBe(dropped + 1);
    } finally {
      await daemon.stop();
    }
  });

  it('dials again when the coordinator stops answering pings (a vanished host sends no FIN)', async () => {
    const config = loadSiteConfig(join(dir, 'site.yaml'));
    const lines: string[] = [];
    const daemon = new SiteDaemon(config, { log: (l) => lines.push(l) });
    const from = coordinator.frames.length;
    daemon.start();
    try {
      await coordinator.waitFor((f) => f.type === 'site-hello', from);
      // Everything from here on is about the connection frozen now (the latest one), whatever
      // the site did before: the hello awaited is the first one on a newer connection.
      const frozen = coordinator.connections;
      const frozenAt = coordinator.frames.length;
      const linesBefore = lines.length;
      coordinator.freeze(); // the welcome set heartbeatSeconds 0.5: pings every second
      const hello = await coordinator.waitFor((f) => f.type === 'site-hello' && coordinator.connectionOf(f) > frozen, frozenAt, 30000);
      expect(coordinator.connectionOf(hello)).toBe(frozen + 1);
      expect(lines.slice(linesBefore)).toContain('the coordinator answered no ping; dropping the connection to dial again');
    } finally {
      await daemon.stop();
    }
  });

  it('blocks a result carrying per-patient values, logs it locally and tells the coordinator only why', async () => {
    const config = loadSiteConfig(join(dir, 'site.yaml'));
    const daemon = new SiteDaemon(config, {
      log: () => {},
      // A job implementation gone wrong: it attaches every patient's score to its update.
      runJob: async () => ({
        ok: true,
        result: {
          kind: 'train-round', round: 0, sampleCount: 40, contents: 'parameters',
          tensors: [{ name: 'coef', shape: [4], data: [0, 0, 0, 0] }, { name: 'scores', shape: [40], data: patientIds.map((_, i) => i / 40) }],
        },
      }),
    });
    const from = coordinator.frames.length;
    daemon.start();
    try {
      await coordinator.waitFor((f) => f.type === 'site-hello', from);
      const leaky = job(protocolHash, 1, 'sts-grade-2026/r1/site-a');
      const answer = await coordinator.ask(leaky);
      expect(answer.result).toMatchObject({ type: 'error-report', code: 'EGRESS_BLOCKED' });
      expect((answer.result as { message: string }).message).toMatch(/per-patient-array at \/result\/tensors\/1/);
      const sent = JSON.stringify(coordinator.frames);
      expect(sent).not.toContain(String(1 / 40));
      for (const id of patientIds) expect(sent).not.toContain(id);
      expect(daemon.store.blockedEgress()).toEqual([expect.objectContaining({ schema: 'job-result', jobId: leaky.jobId })]);
    } finally {
      await daemon.stop();
    }
  });

  it('blocks an update whose tensors are not its strategy\'s, and names no patient in the report it sends instead', async () => {
    const config = loadSiteConfig(join(dir, 'site.yaml'));
    const scores = patientIds.map((_, i) => (i + 0.5) / 40);
    const daemon = new SiteDaemon(config, {
      log: () => {},
      // Every patient's score behind an intercept (41 numbers, so no array is a cohort long),
      // a tensor named after a patient, and a field whose key is a patient id.
      runJob: async () => ({
        ok: true,
        result: {
          kind: 'train-round', round: 0, sampleCount: 40, contents: 'parameters', [patientIds[4]]: patientIds[5],
          tensors: [{ name: 'coef', shape: [41], data: [0, ...scores] }, { name: `${patientIds[3]}-score`, shape: [1], data: [0.3] }],
        } as never,
      }),
    });
    const from = coordinator.frames.length;
    daemon.start();
    try {
      await coordinator.waitFor((f) => f.type === 'site-hello', from);
      const leaky = job(protocolHash, 1, 'sts-grade-2026/r2/site-a');
      const answer = await coordinator.ask(leaky);
      expect(answer.result).toMatchObject({ type: 'error-report', code: 'EGRESS_BLOCKED' });
      const message = (answer.result as { message: string }).message;
      expect(message).toContain('tensor-layout at /result/tensors/0');
      expect(message).toContain('tensor-layout at /result/tensors/1');
      expect(message).toContain('identifier at /result/*'); // the key, not its value
      const sent = JSON.stringify(coordinator.frames.slice(from));
      expect(sent).not.toContain(String(scores[7]));
      for (const id of patientIds) expect(sent).not.toContain(id);
      // The site's own log keeps the details, for its operator.
      const local = daemon.store.blockedEgress().find((e) => e.jobId === leaky.jobId)!;
      expect(local.reasons).toContain(`/result/${patientIds[4]}`);
      expect(local.reasons).toContain(`tensor "coef" is not part of this job's update`);
    } finally {
      await daemon.stop();
    }
  });

  it('sends no update holding NaN or Infinity: the coordinator gets UPDATE_NOT_FINITE from this site instead', async () => {
    const config = loadSiteConfig(join(dir, 'site.yaml'));
    const daemon = new SiteDaemon(config, {
      log: () => {},
      // A local fit that diverged: one coefficient is NaN, another Infinity.
      runJob: async () => ({ ok: true, result: { kind: 'train-round', round: 5, sampleCount: 40, contents: 'parameters', tensors: [{ name: 'coef', shape: [4], data: [0, NaN, Infinity, 0] }] } }),
    });
    const from = coordinator.frames.length;
    daemon.start();
    try {
      await coordinator.waitFor((f) => f.type === 'site-hello', from);
      const answer = await coordinator.ask(job(protocolHash, 1, 'sts-grade-2026/r5/site-a'));
      expect(answer.result).toMatchObject({ type: 'error-report', code: 'UPDATE_NOT_FINITE', retryable: false });
      expect((answer.result as { message: string }).message).toContain('NaN in tensor "coef" at index 1');
      expect(signatureVerifies(answer)).toBe(true);
    } finally {
      await daemon.stop();
    }
  });

  it('stopping in the middle of a job loses nothing: on restart the re-sent job runs again', async () => {
    const config = loadSiteConfig(join(dir, 'site.yaml'));
    let release!: () => void;
    const slow = new SiteDaemon(config, { log: () => {}, runJob: () => new Promise((r) => (release = () => r({ ok: false, report: { type: 'error-report', code: 'TOO_LATE', message: 'x' } }))) });
    let from = coordinator.frames.length;
    const interrupted = job(protocolHash, 1, 'sts-grade-2026/r7/site-a');
    slow.start();
    try {
      await coordinator.waitFor((f) => f.type === 'site-hello', from);
      await coordinator.deliver(interrupted, () => (release !== undefined ? true : undefined), 'the job to be running');
    } finally {
      await slow.stop(); // also when the job never started: a daemon left dialling keeps jest from exiting
    }
    release(); // the job "finishes" after the daemon stopped: nothing is sent or stored
    await new Promise((r) => setTimeout(r, 100));
    expect(coordinator.frames.some((f) => f.type === 'job-result' && f.nonce === interrupted.nonce)).toBe(false);
    const restarted = new SiteDaemon(config, { log: () => {} });
    from = coordinator.frames.length;
    restarted.start();
    try {
      await coordinator.waitFor((f) => f.type === 'site-hello', from);
      const answer = await coordinator.ask(interrupted);
      expect(answer.result).toMatchObject({ kind: 'train-round', sampleCount: 40 });
    } finally {
      await restarted.stop();
    }
  });

  it('stops dialling when the coordinator refuses its certificate (HTTP 403 on upgrade)', async () => {
    const config = loadSiteConfig(join(dir, 'site.yaml'));
    coordinator.refuseWith = 403;
    try {
      const reason = await new Promise<string>((resolve) => {
        const daemon = new SiteDaemon(config, { log: () => {}, onRefused: (r) => void daemon.stop().then(() => resolve(r)) });
        daemon.start();
      });
      expect(reason).toMatch(/HTTP 403/);
    } finally {
      coordinator.refuseWith = undefined;
    }
  });
});

describe('site enrolment', () => {
  it('makes a 0600 key and a CSR with CN = site id, waits for approval, then stores the certificate', async () => {
    const enrolDir = join(dir, 'enrol');
    mkdirSync(join(enrolDir, 'keys'), { recursive: true });
    writeFileSync(join(enrolDir, 'keys/ca.cert.pem'), readFileSync(join(dir, 'keys/ca.cert.pem')));
    writeFileSync(join(enrolDir, 'site.yaml'), readFileSync(join(dir, 'site.yaml'), 'utf8').replace('siteId: site-a', 'siteId: site-new\ncampaignId: sts-grade-2026'));
    const config = loadSiteConfig(join(enrolDir, 'site.yaml'));
    expect(await enrolSite(config, { code: '7K3M-Q9PX-2WTR-VB6N-HC4D' })).toEqual({ status: 'pending', keyFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const { request } = coordinator.enrolments.get('site-new')!;
    expect(validate('enrolment-request', request).valid).toBe(true);
    // The coordinator's operator approves: the CA signs the submitted CSR.
    const certPem = issueCertificate({ caCertPem: caPem, caKeyPem: caKeyPem, csrPem: String(request.csrPem), validityDays: 30 });
    const cert = new X509Certificate(certPem);
    expect(cert.subject).toBe('CN=site-new');
    coordinator.enrolments.get('site-new')!.issue = {
      type: 'certificate-issue', siteId: 'site-new', campaignId: 'sts-grade-2026', certificatePem: certPem, caCertificatePem: caPem,
      serial: cert.serialNumber.toLowerCase(), notAfter: new Date(cert.validTo).toISOString(),
    };
    const outcome = await enrolSite(config, { waitSeconds: 5, pollMs: 50 });
    expect(outcome).toMatchObject({ status: 'issued', serial: cert.serialNumber.toLowerCase() });
    expect(readFileSync(config.tls.certificate, 'utf8').trim()).toBe(certPem.trim());
    expect(statSync(config.tls.key).mode & 0o777).toBe(0o600);
    // The stored key is the one the certificate certifies.
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(config.tls.key, 'utf8')))).toBe(true);
  });
});
