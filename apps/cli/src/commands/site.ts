import type { Command } from 'commander';
import { formatFingerprint } from '@fedrad/pki';
import { enrolSite, loadSiteConfig, readSiteStatus, SiteDaemon, withSiteStore } from '@fedrad/site-node';
import { assertValid, canonicalHash, type CampaignProtocol } from '@fedrad/protocol';
import { readDocument } from '../commandFiles.js';
import { CliUsageError } from '../errors.js';
import { protocolSummary } from '../protocolSummary.js';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * `fedrad site …`: what a hospital's IT person runs. `enrol` gets the site its certificate,
 * `protocol show|hash` let the operator read and hash a protocol before approving it,
 * `approve` records the local operator's approval of a campaign protocol (by hash), `start`
 * runs the daemon, `status` and `egress-log` show what it did and what the egress guard blocked.
 */
export function register(program: Command): void {
  const site = program.command('site').description('Site node: enrol, approve protocols, run the daemon');

  site
    .command('enrol')
    .description("Make the site key (0600) and CSR, submit it with the operator's one-time code, print the key fingerprint to compare, store the certificate once issued (only if it holds this key and chains to the pinned CA)")
    .requiredOption('--config <file>', 'the site configuration (site.yaml: site id, coordinator URL, data root, cohorts)')
    .option('--code <code>', "the one-time enrolment code from the coordinator's operator (or set FEDRAD_ENROLMENT_CODE)", process.env.FEDRAD_ENROLMENT_CODE)
    .option('--contact <text>', 'who the coordinator should call at the site')
    .option('--wait <seconds>', 'keep polling for the certificate this long', (v) => Number(v), 0)
    .action(async (o: { config: string; code?: string; contact?: string; wait: number }) => {
      const config = loadSiteConfig(o.config);
      const outcome = await enrolSite(config, { code: o.code, contact: o.contact, waitSeconds: o.wait });
      process.stdout.write(`key fingerprint (SHA-256 of the public key): ${formatFingerprint(outcome.keyFingerprint)}\n  read it to the coordinator's operator: it must match the one in \`fedrad coordinator enrolments list\`\n`);
      if (outcome.status === 'issued') {
        process.stdout.write(`enrolled ${config.siteId}: certificate ${outcome.certificateFile} (serial ${outcome.serial}, valid until ${outcome.notAfter})\n`);
      } else {
        process.stdout.write(`enrolment of ${config.siteId} is pending approval by the coordinator's operator; run this command again (or with --wait) to collect the certificate\n`);
        process.exitCode = 4;
      }
    });

  const protocol = site.command('protocol').description('Read a campaign protocol before approving it');
  const readProtocol = (file: string) => {
    const doc = assertValid<CampaignProtocol>('campaign-protocol', readDocument(file, 'protocol'), `Campaign protocol ${file}`);
    return { doc, hash: canonicalHash(doc) };
  };
  protocol
    .command('show <file>')
    .description("Validate a campaign protocol (JSON or YAML) and print every field, its hash (what `approve` takes) and this site's role")
    .option('--config <file>', "the site configuration, to say what the protocol asks of this site")
    .action((file: string, o: { config?: string }) => {
      const { doc, hash } = readProtocol(file);
      process.stdout.write(protocolSummary(doc, hash, o.config === undefined ? undefined : loadSiteConfig(o.config).siteId));
    });
  protocol
    .command('hash <file>')
    .description('Validate a campaign protocol and print its SHA-256 (canonical JSON), the hash the coordinator locks and `approve` takes')
    .action((file: string) => {
      process.stdout.write(readProtocol(file).hash + '\n');
    });

  site
    .command('approve <protocolHash>')
    .description("Record this site operator's approval of a campaign protocol (its SHA-256)")
    .requiredOption('--config <file>', 'the site configuration (site.yaml: site id, coordinator URL, data root, cohorts)')
    .option('--by <name>', 'who approves', process.env.USER ?? 'site-operator')
    .option('--note <text>', 'why, or which document was reviewed')
    .action((hash: string, o: { config: string; by: string; note?: string }) => {
      if (!SHA256.test(hash)) throw new CliUsageError(`"${hash}" is not a protocol hash (64 lower-case hex characters, as \`fedrad campaign\` prints it).`);
      const config = loadSiteConfig(o.config);
      const approval = withSiteStore(config, (store) => store.approve(hash, o.by, o.note));
      process.stdout.write(`approved protocol ${hash} at ${config.siteId} (by ${approval.approvedBy}, ${approval.approvedAt})\n`);
    });

  site
    .command('egress-log')
    .description('List the messages the egress guard blocked (reasons only; nothing blocked is kept)')
    .requiredOption('--config <file>', 'the site configuration (site.yaml: site id, coordinator URL, data root, cohorts)')
    .option('--json', 'print JSON')
    .action((o: { config: string; json?: boolean }) => {
      const entries = withSiteStore(loadSiteConfig(o.config), (store) => store.blockedEgress());
      if (o.json) process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
      else for (const e of entries) process.stdout.write(`${e.at}  ${e.schema}${e.jobId ? `  job ${e.jobId}` : ''}\n    ${e.reasons}\n`);
    });

  site
    .command('status')
    .description("This site's cohorts, approved protocols, recent jobs and blocked messages (nothing is contacted)")
    .requiredOption('--config <file>', 'the site configuration (site.yaml: site id, coordinator URL, data root, cohorts)')
    .option('--json', 'print JSON')
    .action((o: { config: string; json?: boolean }) => {
      const status = readSiteStatus(loadSiteConfig(o.config));
      if (o.json) return void process.stdout.write(JSON.stringify(status, null, 2) + '\n');
      const lines = [
        `site ${status.siteId} → ${status.coordinatorUrl}`,
        `cohorts: ${status.cohorts.map((c) => `${c.name} (${c.patients} patients${c.problem ? `, unusable: ${c.problem.code}` : ''})`).join(', ')}`,
        `approved protocols: ${status.approvals.length === 0 ? 'none' : ''}`,
        ...status.approvals.map((a) => `  ${a.protocolHash}  by ${a.approvedBy} at ${a.approvedAt}`),
        `recent jobs: ${status.jobs.length === 0 ? 'none' : ''}`,
        ...status.jobs.flatMap((j) => [
          `  ${j.receivedAt}  ${j.jobId}  ${j.kind}  ${j.status}${j.error ? ` (${j.error})` : ''}`,
          ...(j.reason ? j.reason.split('\n').map((line) => `      ${line}`) : []),
        ]),
        `messages blocked by the egress guard: ${status.blockedMessages}${status.blockedMessages ? ' (fedrad site egress-log)' : ''}`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });

  site
    .command('start')
    .description('Run the site daemon: outbound wss (mTLS) to the coordinator, jobs in worker threads')
    .requiredOption('--config <file>', 'the site configuration (site.yaml: site id, coordinator URL, data root, cohorts)')
    .action(async (o: { config: string }) => {
      const config = loadSiteConfig(o.config);
      await new Promise<void>((resolve) => {
        const daemon = new SiteDaemon(config, {
          onRefused: (reason) => {
            process.stderr.write(`fedrad site: [CERTIFICATE_REFUSED] ${reason}\n`);
            process.exitCode = 3;
            void daemon.stop().then(resolve);
          },
        });
        const shutdown = () => void daemon.stop().then(resolve);
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
        daemon.start();
        process.stderr.write(`[site ${config.siteId}] started; cohorts: ${daemon.registry.list().map((c) => `${c.name} (${c.patientIds.length} patients${c.problem ? `, unusable: ${c.problem.code}` : ''})`).join(', ')}\n`);
      });
    });
}
