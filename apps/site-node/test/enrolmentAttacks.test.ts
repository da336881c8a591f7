// Enrolment from the site's side against a coordinator that lies: the site sends nothing without
// the operator's one-time code, and stores a certificate only when it certifies the site's own
// key and chains to the campaign CA pinned at the site. The key fingerprint is checked against
// Node's own SubjectPublicKeyInfo export, not the code under test.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate, type CampaignCa } from '@fedrad/pki';
import { enrolSite } from '../src/enrolment.js';
import { EnrolmentError } from '../src/errors.js';
import { loadSiteConfig, type SiteConfig } from '../src/siteConfig.js';
import { FakeCoordinator } from './fakeCoordinator.js';
import { generateCohorts } from './helpers.js';

const CODE = '7K3M-Q9PX-2WTR-VB6N-HC4D';
let dir: string;
let ca: CampaignCa;
let otherCa: CampaignCa;
let coordinator: FakeCoordinator;
let config: SiteConfig;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'site-enrol-attacks-'));
  const summary = generateCohorts(join(dir, 'data'), 'site-a=20', 2);
  ca = createCampaignCa({ campaignId: 'sts-grade-2026', validityDays: 30 });
  otherCa = createCampaignCa({ campaignId: 'sts-grade-2026', validityDays: 30 });
  const server = createSiteKeyAndCsr('coordinator');
  const serverCert = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: server.csrPem, validityDays: 30, subjectAltNames: ['127.0.0.1', 'localhost'] });
  coordinator = new FakeCoordinator({ certPem: serverCert, keyPem: server.keyPem, caPem: ca.certPem });
  const port = await coordinator.listen();
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys/ca.cert.pem'), ca.certPem);
  writeFileSync(join(dir, 'site.yaml'), [
    'siteId: site-new',
    'campaignId: sts-grade-2026',
    `coordinatorUrl: https://127.0.0.1:${port}`,
    'dataRoot: .',
    'cohorts:',
    `  - { name: training, features: ${summary.sites[0].featuresCsv}, outcome: ${summary.sites[0].outcomeCsv} }`,
  ].join('\n'));
  config = loadSiteConfig(join(dir, 'site.yaml'));
});
afterAll(async () => {
  await coordinator.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The coordinator "approves" with this certificate (and names this CA as its issuer). */
function answerWith(certificatePem: string, caCertificatePem = ca.certPem): void {
  const cert = new X509Certificate(certificatePem);
  coordinator.enrolments.get('site-new')!.issue = {
    type: 'certificate-issue', siteId: 'site-new', campaignId: 'sts-grade-2026', certificatePem, caCertificatePem,
    serial: cert.serialNumber.toLowerCase(), notAfter: new Date(cert.validTo).toISOString(),
  };
}

describe('site enrolment against a lying coordinator', () => {
  it('sends nothing without the one-time code', async () => {
    await expect(enrolSite(config)).rejects.toThrow(/one-time enrolment code/);
    expect(coordinator.enrolments.size).toBe(0);
  });

  it('sends the code with its CSR and reports the SHA-256 of its public key', async () => {
    const outcome = await enrolSite(config, { code: CODE.toLowerCase() });
    const request = coordinator.enrolments.get('site-new')!.request;
    expect(request.enrolmentCode).toBe(CODE);
    const spki = createPublicKey(readFileSync(config.tls.key, 'utf8')).export({ type: 'spki', format: 'der' }) as Buffer;
    expect(outcome).toEqual({ status: 'pending', keyFingerprint: createHash('sha256').update(spki).digest('hex') });
  });

  it('tries again after a connection reset, polling first: a request that arrived is never sent twice', async () => {
    // Lost before it arrived: the site polls (nothing there) and sends it again.
    const other = loadSiteConfig(join(dir, 'site.yaml'));
    const fresh = { ...other, siteId: 'site-retry', tls: { ...other.tls, key: join(dir, 'keys/retry.key.pem'), certificate: join(dir, 'keys/retry.cert.pem') } };
    coordinator.resetNextEnrolment = 'before';
    const posts = coordinator.enrolmentPosts.length;
    await expect(enrolSite(fresh, { code: CODE, waitSeconds: 0.5, pollMs: 50 })).resolves.toMatchObject({ status: 'pending' });
    expect(coordinator.enrolmentPosts.length - posts).toBe(2);
    expect(coordinator.enrolments.has('site-retry')).toBe(true);
    // Arrived, answer lost: the site polls, finds it pending, and does not send it again.
    const late = { ...fresh, siteId: 'site-late', tls: { ...fresh.tls, key: join(dir, 'keys/late.key.pem'), certificate: join(dir, 'keys/late.cert.pem') } };
    coordinator.resetNextEnrolment = 'after';
    const before = coordinator.enrolmentPosts.length;
    await expect(enrolSite(late, { code: CODE, waitSeconds: 0.5, pollMs: 50 })).resolves.toMatchObject({ status: 'pending' });
    expect(coordinator.enrolmentPosts.length - before).toBe(1);
    // Without a wait, a reset is reported, not retried.
    const once = { ...fresh, siteId: 'site-once', tls: { ...fresh.tls, key: join(dir, 'keys/once.key.pem'), certificate: join(dir, 'keys/once.cert.pem') } };
    coordinator.resetNextEnrolment = 'before';
    await expect(enrolSite(once, { code: CODE })).rejects.toThrow(/Cannot reach the coordinator/);
  });

  it("refuses a certificate for another key, even one the pinned CA issued with the site's name", async () => {
    const intruder = createSiteKeyAndCsr('site-new');
    answerWith(issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: intruder.csrPem, validityDays: 30 }));
    const refused = enrolSite(config);
    await expect(refused).rejects.toThrow(EnrolmentError);
    await expect(enrolSite(config)).rejects.toThrow(/not this site's key/);
    expect(existsSync(config.tls.certificate)).toBe(false);
  });

  it('refuses a certificate of its own key from a CA other than the pinned one, whatever CA the answer names', async () => {
    const csrPem = String(coordinator.enrolments.get('site-new')!.request.csrPem);
    answerWith(issueCertificate({ caCertPem: otherCa.certPem, caKeyPem: otherCa.keyPem, csrPem, validityDays: 30 }), otherCa.certPem);
    await expect(enrolSite(config)).rejects.toThrow(/does not chain to the campaign CA pinned/);
    expect(existsSync(config.tls.certificate)).toBe(false);
  });

  it('stores the certificate of its own key from the pinned CA', async () => {
    const csrPem = String(coordinator.enrolments.get('site-new')!.request.csrPem);
    const certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays: 30 });
    answerWith(certPem);
    await expect(enrolSite(config)).resolves.toMatchObject({ status: 'issued' });
    expect(readFileSync(config.tls.certificate, 'utf8').trim()).toBe(certPem.trim());
  });
});
