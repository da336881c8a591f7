import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate } from '@fedrad/pki';
import { canonicalHash, type CampaignProtocol, type JobEnvelope } from '@fedrad/protocol';
import { loadSiteConfig } from '../src/siteConfig.js';
import { SiteDaemon } from '../src/siteDaemon.js';
import { SiteStore } from '../src/siteStore.js';
import { FakeCoordinator } from './fakeCoordinator.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Runs the committed synthetic-cohort generator; returns its JSON summary. */
export function generateCohorts(outDir: string, sizes: string, features: number, seed = 7): {
  features: string[];
  sites: Array<{ siteId: string; featuresCsv: string; outcomeCsv: string; patients: number; events: number }>;
} {
  const out = execFileSync(process.execPath, [join(repoRoot, 'scripts/generate-site-cohorts.mjs'), '--out', outDir, '--sizes', sizes, '--features', String(features), '--seed', String(seed)], { encoding: 'utf8' });
  return JSON.parse(out);
}

/** A plain CSV parse for the test's own reference computations (independent of learn's reader). */
export function readCsv(file: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

export function envelope(kind: JobEnvelope['kind'], params: Record<string, unknown>, round?: number): JobEnvelope {
  return {
    type: 'job',
    jobId: `test/${kind}/site-a`,
    campaignId: 'test',
    protocolHash: 'ab'.repeat(32),
    siteId: 'site-a',
    kind,
    attempt: 1,
    ...(round !== undefined ? { round } : {}),
    deadline: new Date(Date.now() + 60000).toISOString(),
    nonce: 'cd'.repeat(32),
    params,
  } as unknown as JobEnvelope;
}

/** site.yaml of site-a against a stand-in coordinator on 127.0.0.1:port, quick to re-dial, with these cohorts (and any further lines). */
export function siteYaml(port: number, cohorts: Array<{ name: string; features: string; outcome: string }>, extra: string[] = []): string {
  return [
    'siteId: site-a',
    `coordinatorUrl: https://127.0.0.1:${port}`,
    'dataRoot: .',
    'minCohortSize: 5',
    'reconnect: { initialMs: 100, maxMs: 400 }',
    'cohorts:',
    ...cohorts.map((c) => `  - { name: ${c.name}, features: ${c.features}, outcome: ${c.outcome} }`),
    ...extra,
  ].join('\n');
}

/** Issues a key and a 30-day certificate for a CN (with these SANs) under the given campaign CA. */
export function certificateIssuer(ca: { certPem: string; keyPem: string }): (cn: string, san?: string[]) => { keyPem: string; certPem: string } {
  return (cn, san) => {
    const { keyPem, csrPem } = createSiteKeyAndCsr(cn);
    return { keyPem, certPem: issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays: 30, ...(san ? { subjectAltNames: san } : {}) }) };
  };
}

/** keys/site.key.pem (0600), keys/site.cert.pem and keys/ca.cert.pem under dir, where site.yaml looks for them. */
export function writeSiteKeys(dir: string, site: { keyPem: string; certPem: string }, caPem: string): void {
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys/site.key.pem'), site.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'keys/site.cert.pem'), site.certPem);
  writeFileSync(join(dir, 'keys/ca.cert.pem'), caPem);
}

/** Stops a test's site daemon and stand-in coordinator, and removes the test's folder. */
export async function tearDown(daemon: { stop(): Promise<void> } | undefined, coordinator: { close(): Promise<void> }, dir: string): Promise<void> {
  await daemon?.stop();
  await coordinator.close();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A stand-in coordinator under a fresh campaign CA (site-a's keys written under dir) that welcomes
 * site-a as a training site of these protocols: what the hostile-coordinator tests drive a real daemon with.
 */
export async function welcomingCoordinator(dir: string, caName: string, protocols: readonly CampaignProtocol[]): Promise<{ coordinator: FakeCoordinator; port: number }> {
  const ca = createCampaignCa({ campaignId: caName, validityDays: 30 });
  const issue = certificateIssuer(ca);
  const server = issue('coordinator', ['127.0.0.1', 'localhost']);
  writeSiteKeys(dir, issue('site-a'), ca.certPem);
  const coordinator = new FakeCoordinator({ certPem: server.certPem, keyPem: server.keyPem, caPem: ca.certPem });
  const port = await coordinator.listen();
  coordinator.onHello = () => coordinator.send({
    type: 'coordinator-welcome', siteId: 'site-a', coordinatorVersion: '0.1.0', heartbeatSeconds: 0.5, sentAt: new Date().toISOString(),
    campaigns: protocols.map((p) => ({ campaignId: p.campaignId, protocolHash: canonicalHash(p), role: 'training' as const, state: 'training', protocol: p })),
  });
  return { coordinator, port };
}

/** The site daemon of this site.yaml, its operator having approved these protocols, started and connected to the stand-in coordinator. */
export async function approvedDaemon(siteYamlFile: string, protocols: readonly CampaignProtocol[], coordinator: FakeCoordinator): Promise<SiteDaemon> {
  const config = loadSiteConfig(siteYamlFile);
  const store = new SiteStore(config.database);
  for (const p of protocols) store.approve(canonicalHash(p), 'site-a operator');
  store.close();
  const daemon = new SiteDaemon(config, { log: () => {} });
  daemon.start();
  await coordinator.waitFor((fr) => fr.type === 'site-hello');
  return daemon;
}
