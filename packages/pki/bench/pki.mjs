#!/usr/bin/env node
// Times the PKI operations a campaign performs and writes the "@fedrad/pki" section of
// BENCHMARKS.md (other sections untouched). Run after `npm run build -w @fedrad/pki`.
// Targets are what keeps the operations out of a user's way: enrolment answers interactively
// (< 1 s), a CRL for 1,000 revocations is written in < 1 s, the per-connection revocation check
// takes < 50 ms, and signing + verifying a model update of 100,000 parameters (~2 MB of canonical
// JSON) costs < 0.5 s per round and site.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createCampaignCa,
  createCrl,
  createSiteKeyAndCsr,
  isRevoked,
  issueCertificate,
  signDocument,
  verifySignature,
} from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const BENCH_FILE = join(here, '../../../BENCHMARKS.md');
const SECTION = '@fedrad/pki';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function time(runs, fn) {
  const ms = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    result = fn(i);
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { ms: median(ms), result };
}

const ca = time(3, () => createCampaignCa({ campaignId: 'bench', validityDays: 365 }));
const csr = time(5, (i) => createSiteKeyAndCsr(`site-${i}`));
const issue = time(5, () =>
  issueCertificate({ caCertPem: ca.result.certPem, caKeyPem: ca.result.keyPem, csrPem: csr.result.csrPem, validityDays: 365 }),
);
const certPem = issue.result;

// 1,000 revoked serials; the certificate under test is not among them (worst case: full scan).
const revoked = Array.from({ length: 1000 }, (_, i) => ({ serial: (0x100000 + i).toString(16), revokedAt: new Date(Date.UTC(2026, 0, 1 + (i % 300))) }));
const crl = time(3, () => createCrl({ caCertPem: ca.result.certPem, caKeyPem: ca.result.keyPem, revoked }));
const check = time(5, () => isRevoked(certPem, crl.result, { caCertPem: ca.result.certPem }));

// A model update of 100,000 Float64 parameters (deterministic values, ~2 MB of canonical JSON).
const update = { round: 3, site: 'site-0', parameters: Array.from({ length: 100_000 }, (_, i) => Math.sin(i) * 1e-3) };
const keyPem = csr.result.keyPem;
const sign = time(3, () => signDocument(update, keyPem, certPem));
const verify = time(3, () => verifySignature(update, sign.result, certPem, { caCertPem: ca.result.certPem, crlPem: crl.result }));
const docBytes = Buffer.byteLength(JSON.stringify(update));

const rows = [
  ['createCampaignCa (RSA 2048, self-signed)', ca.ms, ''],
  ['createSiteKeyAndCsr (RSA 2048 + PKCS#10)', csr.ms, ''],
  ['issueCertificate (CSR check + sign)', issue.ms, ''],
  ['enrolment = CSR + issue', csr.ms + issue.ms, '< 1000 ms'],
  ['createCrl, 1,000 revoked serials', crl.ms, '< 1000 ms'],
  ['isRevoked against it, CRL signature checked', check.ms, '< 50 ms'],
  [`signDocument, ${(docBytes / 1e6).toFixed(2)} MB model update`, sign.ms, ''],
  ['verifySignature of it (chain + CRL + RSA)', verify.ms, ''],
  ['sign + verify', sign.ms + verify.ms, '< 500 ms'],
];

const date = new Date().toISOString().slice(0, 10);
const machine = `${cpus()[0]?.model ?? 'unknown CPU'} · ${cpus().length} cores · node ${process.version}`;
const body = [
  `<!-- bench:${SECTION} -->`,
  '### PKI (packages/pki/bench/pki.mjs)',
  '',
  `${date} · ${machine} · medians of 3–5 runs`,
  '',
  'Keys are made by Node crypto (OpenSSL); certificates, CRLs and signatures by node-forge (pure JS).',
  '',
  '| what | time | target |',
  '| --- | ---: | ---: |',
  ...rows.map(([what, ms, target]) => `| ${what} | ${ms.toFixed(1)} ms | ${target} |`),
  `<!-- /bench:${SECTION} -->`,
].join('\n');

const current = existsSync(BENCH_FILE) ? readFileSync(BENCH_FILE, 'utf8') : '# Benchmarks\n';
const pattern = new RegExp(`<!-- bench:${SECTION.replace(/[/@]/g, '\\$&')} -->[\\s\\S]*?<!-- /bench:${SECTION.replace(/[/@]/g, '\\$&')} -->`);
const next = pattern.test(current) ? current.replace(pattern, () => body) : `${current.trimEnd()}\n\n${body}\n`;
writeFileSync(BENCH_FILE, next);
console.log(body);
const missed = rows.filter(([, ms, target]) => target && ms >= Number(target.replace(/[^0-9]/g, '')));
if (missed.length > 0) console.log(`\nabove target: ${missed.map(([what]) => what).join('; ')}`);
