import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CA_FILES, initCaFolder, issueServerCertificate, issuedInFolder, revokeInFolder, signSiteCsr } from '@fedrad/coordinator';
import { REVOCATION_REASONS, serialOf, type RevocationReason } from '@fedrad/pki';
import { CliUsageError } from '../errors.js';

/**
 * `fedrad ca …`: the campaign CA kept in a folder (ca.cert.pem, ca.key.pem 0600, server
 * certificate, issued/revoked lists, crl.pem) that `fedrad coordinator start --ca-dir` uses.
 */
export function register(program: Command): void {
  const ca = program.command('ca').description('Campaign certificate authority: create it, issue certificates, revoke them');

  ca.command('init')
    .description('Create a campaign CA in a folder (refuses to overwrite an existing one)')
    .requiredOption('--ca-dir <dir>', 'folder to create the CA in')
    .requiredOption('--campaign <id>', 'campaign id (the CA subject CN)')
    .option('--days <n>', 'validity in days', (v) => Number(v), 3650)
    .option('--server-host <host...>', 'also issue the coordinator server certificate for these hosts')
    .action((o: { caDir: string; campaign: string; days: number; serverHost?: string[] }) => {
      const { fingerprint } = initCaFolder(o.caDir, o.campaign, o.days);
      process.stdout.write(`campaign CA for ${o.campaign} in ${o.caDir} (certificate SHA-256 ${fingerprint})\n`);
      if (o.serverHost) {
        issueServerCertificate(o.caDir, o.serverHost);
        process.stdout.write(`coordinator server certificate for ${o.serverHost.join(', ')} in ${join(o.caDir, CA_FILES.serverCert)}\n`);
      }
    });

  ca.command('issue-server')
    .description('Issue (or replace) the coordinator TLS server certificate')
    .requiredOption('--ca-dir <dir>', 'campaign CA folder')
    .option('--host <host...>', 'IP addresses or DNS names sites dial', ['127.0.0.1', 'localhost'])
    .action((o: { caDir: string; host: string[] }) => {
      issueServerCertificate(o.caDir, o.host);
      process.stdout.write(`coordinator server certificate for ${o.host.join(', ')} in ${join(o.caDir, CA_FILES.serverCert)}\n`);
    });

  ca.command('sign')
    .description("Issue a site certificate from its CSR (offline enrolment; the CSR's CN is the site id)")
    .requiredOption('--ca-dir <dir>', 'campaign CA folder')
    .requiredOption('--csr <file>', 'the site CSR (PEM)')
    .requiredOption('--out <file>', 'where to write the site certificate (PEM)')
    .option('--days <n>', 'validity in days', (v) => Number(v), 365)
    .action((o: { caDir: string; csr: string; out: string; days: number }) => {
      const { certPem, entry } = signSiteCsr(o.caDir, readFileSync(o.csr, 'utf8'), o.days);
      writeFileSync(o.out, certPem);
      process.stdout.write(`issued ${entry.siteId}: serial ${entry.serial}, SHA-256 ${entry.fingerprint}, valid until ${entry.notAfter} -> ${o.out}\n`);
    });

  ca.command('revoke')
    .description('Revoke a certificate (by file or serial) and rewrite crl.pem; a running coordinator on this CA folder applies it within a second (new CRL, live connection closed)')
    .requiredOption('--ca-dir <dir>', 'campaign CA folder')
    .option('--cert <file>', 'the certificate to revoke (PEM)')
    .option('--serial <hex>', 'or its serial number')
    .option('--reason <reason>', `one of ${Object.keys(REVOCATION_REASONS).join(', ')}`, 'unspecified')
    .action((o: { caDir: string; cert?: string; serial?: string; reason: string }) => {
      if (!!o.cert === !!o.serial) throw new CliUsageError('Give exactly one of --cert <file> or --serial <hex>.');
      if (!(o.reason in REVOCATION_REASONS)) throw new CliUsageError(`--reason must be one of ${Object.keys(REVOCATION_REASONS).join(', ')}`);
      const serial = o.cert ? serialOf(readFileSync(o.cert, 'utf8'), o.cert) : o.serial!;
      const siteId = issuedInFolder(o.caDir).find((e) => e.serial === serial.toLowerCase())?.siteId;
      revokeInFolder(o.caDir, [{ serial, siteId, revokedAt: new Date().toISOString(), reason: o.reason as RevocationReason }]);
      process.stdout.write(`revoked ${serial}${siteId ? ` (${siteId})` : ''}; CRL rewritten at ${join(o.caDir, CA_FILES.crl)}\n`);
    });

  ca.command('list')
    .description('Certificates this CA issued')
    .requiredOption('--ca-dir <dir>', 'campaign CA folder')
    .action((o: { caDir: string }) => {
      process.stdout.write(JSON.stringify(issuedInFolder(o.caDir), null, 2) + '\n');
    });
}
