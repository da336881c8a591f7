import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { campaignSummary } from '../campaignSummary.js';
import { checkOutputPath, readDocument } from '../commandFiles.js';
import type { Command } from 'commander';
import { createCoordinatorClient, startCoordinator } from '@fedrad/coordinator';
import { CliError, CliUsageError } from '../errors.js';
import { registerOperatorCommands } from './coordinatorOperators.js';

const DEFAULT_API = 'http://127.0.0.1:8788/trpc';

/** Thrown (exit 5) when a waited-for campaign ends failed or the wait times out. */
class CampaignWaitError extends CliError {
  constructor(code: 'CAMPAIGN_FAILED' | 'CAMPAIGN_CANCELLED' | 'CAMPAIGN_WAIT_TIMEOUT', message: string) {
    super(code, message, { kind: 'campaign-failed' });
  }
}

const apiOption = (cmd: Command) =>
  cmd
    .option('--api <url>', 'operator API of the coordinator', process.env.FEDRAD_COORDINATOR_API ?? DEFAULT_API)
    .option('--token <token>', 'operator API token (`fedrad coordinator token create`; or set FEDRAD_COORDINATOR_TOKEN)', process.env.FEDRAD_COORDINATOR_TOKEN);

const print = (value: unknown): void => void process.stdout.write(JSON.stringify(value, null, 2) + "\n");

/**
 * `fedrad coordinator …`: run the coordinator, and drive campaigns through its operator API.
 * `start` prints one JSON line `{"event":"listening",…}` once both servers accept connections.
 */
export function register(program: Command): void {
  const coord = program.command('coordinator').description('Coordinator: run it, create and start campaigns, revoke sites');

  coord
    .command('start')
    .description('Run the coordinator (site channel with mTLS + operator API) until interrupted')
    .requiredOption('--data <dir>', 'data folder (coordinator.sqlite); restarting on the same folder resumes every campaign')
    .requiredOption('--ca-dir <dir>', 'campaign CA folder (`fedrad ca init`)')
    .option('--host <host>', 'address the site channel listens on', '127.0.0.1')
    .option('--site-port <port>', 'site channel port (0 = any free port)', (v) => Number(v), 8787)
    .option('--api-host <host>', 'address the operator API listens on', '127.0.0.1')
    .option('--api-port <port>', 'operator API port (0 = any free port)', (v) => Number(v), 8788)
    .option('--allow-origin <origin...>', 'browser origins allowed to call the operator API besides its own (a console served elsewhere)')
    .option('--secure-cookies', 'mark session cookies Secure (the operator API is behind a TLS-terminating proxy)')
    .option('--auto-approve', 'approve every enrolment request at once (demo and tests only)')
    .option('--tick-ms <ms>', 'scheduler period', (v) => Number(v), 250)
    .option('--no-evaluation', 'lock the model without sending evaluation jobs to test sites')
    .action(async (o: { data: string; caDir: string; host: string; sitePort: number; apiHost: string; apiPort: number; allowOrigin?: string[]; secureCookies?: boolean; autoApprove?: boolean; tickMs: number; evaluation: boolean }) => {
      const running = await startCoordinator({
        dataDir: o.data,
        caDir: o.caDir,
        host: o.host,
        sitePort: o.sitePort,
        apiHost: o.apiHost,
        apiPort: o.apiPort,
        allowedOrigins: o.allowOrigin,
        secureCookies: o.secureCookies,
        // First start only: the admin's one-time password, on stdout once (never in the log).
        onFirstAdmin: (c) => process.stdout.write(JSON.stringify({ event: 'admin-created', username: c.username, password: c.password, note: 'shown once: sign in with it, then create tokens (`fedrad coordinator token create`)' }) + '\n'),
        autoApproveEnrolment: o.autoApprove,
        tickMs: o.tickMs,
        ...(o.evaluation ? {} : { exportModel: null }),
        log: (line) => process.stderr.write(`coordinator: ${line}\n`),
      });
      process.stdout.write(JSON.stringify({ event: 'listening', sitePort: running.sitePort, apiPort: running.apiPort, siteUrl: running.siteUrl, apiUrl: running.apiUrl, pid: process.pid }) + '\n');
      const stop = () => void running.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  const campaign = coord.command('campaign').description('Create, start and follow campaigns');
  apiOption(campaign.command('create').description('Lock a campaign protocol (JSON or YAML); prints its hash').requiredOption('--protocol <file>', 'campaign protocol')).action(
    async (o: { protocol: string; api: string; token?: string }) => print(await createCoordinatorClient(o.api, o.token).campaigns.create(readDocument(o.protocol, 'protocol'))),
  );
  apiOption(campaign.command('start').description('Start training (round 0)').requiredOption('--campaign <id>', 'campaign id')).action(async (o: { campaign: string; api: string; token?: string }) => {
    const s = await createCoordinatorClient(o.api, o.token).campaigns.start({ campaignId: o.campaign });
    process.stdout.write(`campaign ${s.campaignId} is ${s.state} (round ${s.currentRound})\n`);
  });
  apiOption(campaign.command('status').description('Campaign state, rounds, jobs, model and evaluations (JSON)').requiredOption('--campaign <id>', 'campaign id')).action(
    async (o: { campaign: string; api: string; token?: string }) => print(await createCoordinatorClient(o.api, o.token).campaigns.status({ campaignId: o.campaign })),
  );
  apiOption(
    campaign
      .command('attest')
      .description("State what no software can know about a campaign (an RQS or METRICS claim: rqs-7 biological correlates, rqs-11 prospective registration, rqs-15 cost-effectiveness, rqs-16.scans, ...), recorded once with your name and the time; a finished campaign's report is scored again")
      .requiredOption('--campaign <id>', 'campaign id')
      .requiredOption('--claim <claim>', 'rqs-N, rqs-N.part, metrics-N or metrics-condition-N (the coordinator names the attestable ones when refused)')
      .requiredOption('--value <yes|no>', 'whether the study did it')
      .option('--evidence <text>', 'where a reader can check it (registry id, DOI, URL)'),
  ).action(async (o: { campaign: string; claim: string; value: string; evidence?: string; api: string; token?: string }) => {
    if (o.value !== 'yes' && o.value !== 'no') throw new CliUsageError(`--value must be yes or no, not "${o.value}"`);
    const out = await createCoordinatorClient(o.api, o.token).campaigns.attest({ campaignId: o.campaign, claim: o.claim, value: o.value === 'yes', evidence: o.evidence });
    process.stdout.write(`${o.campaign}: ${out.attestations.map((a) => `${a.claim} ${a.value ? 'yes' : 'no'} (${a.by}, ${a.at})`).join('; ')}\n`);
  });
  apiOption(campaign.command('list').description('All campaigns')).action(async (o: { api: string; token?: string }) => print(await createCoordinatorClient(o.api, o.token).campaigns.list()));
  apiOption(
    campaign
      .command('wait')
      .description('Wait until the campaign completes, then print its summary (exit 5 if it failed or the wait timed out)')
      .requiredOption('--campaign <id>', 'campaign id')
      .option('--timeout <seconds>', 'give up after', (v) => Number(v), 600)
      .option('--json', 'print the full status as JSON instead of the summary'),
  ).action(async (o: { campaign: string; timeout: number; json?: boolean; api: string; token?: string }) => {
    const client = createCoordinatorClient(o.api, o.token);
    const until = Date.now() + o.timeout * 1000;
    for (;;) {
      const s = await client.campaigns.status({ campaignId: o.campaign });
      if (s.state === 'completed') return o.json ? print(s) : void process.stdout.write(campaignSummary(s));
      if (s.state === 'failed' || s.state === 'cancelled') {
        if (!o.json) process.stdout.write(campaignSummary(s));
        // A cancelled campaign ends too (campaigns.cancel): waiting on would only time out.
        throw new CampaignWaitError(s.state === 'failed' ? 'CAMPAIGN_FAILED' : 'CAMPAIGN_CANCELLED', `Campaign ${o.campaign} ${s.state === 'failed' ? 'failed' : 'was cancelled'}: ${s.failure?.code} ${s.failure?.message}`);
      }
      if (Date.now() > until) throw new CampaignWaitError('CAMPAIGN_WAIT_TIMEOUT', `Campaign ${o.campaign} is still ${s.state} (round ${s.currentRound}) after ${o.timeout} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  apiOption(
    campaign
      .command('export')
      .description("Write a campaign's results as files: status.json, summary.txt, locked-model.json, model.onnx with model.card.json and model.signature.json (check them with fedrad verify-model), one evaluation report per test site, meta-analysis.json (their pooled report) and the campaign's study report (report.html, report.json) with the RQS, METRICS and campaign provenance they were scored from (rqs.json, metrics.json, campaign-provenance.json)")
      .requiredOption('--campaign <id>', 'campaign id')
      .requiredOption('--out <dir>', 'folder to write into (created if missing; its parent must exist)'),
  ).action(async (o: { campaign: string; out: string; api: string; token?: string }) => {
    checkOutputPath(o.out, 'export folder');
    const client = createCoordinatorClient(o.api, o.token);
    const s = await client.campaigns.status({ campaignId: o.campaign });
    mkdirSync(join(o.out, 'evaluations'), { recursive: true });
    const written: string[] = [];
    const write = (name: string, data: string | Uint8Array) => (writeFileSync(join(o.out, name), data), written.push(join(o.out, name)));
    write('status.json', JSON.stringify(s, null, 2) + '\n');
    write('summary.txt', campaignSummary(s));
    if (s.model) {
      write('locked-model.json', JSON.stringify(s.model, null, 2) + '\n');
      const onnx = await client.campaigns.modelOnnx({ campaignId: o.campaign });
      if (onnx) write('model.onnx', Buffer.from(onnx.base64, 'base64'));
      if (s.modelRelease) {
        write('model.card.json', JSON.stringify(s.modelRelease.card, null, 2) + '\n');
        write('model.signature.json', JSON.stringify(s.modelRelease.signature, null, 2) + '\n');
      }
    }
    for (const e of s.evaluations) write(join('evaluations', `${e.siteId}.json`), JSON.stringify(e.report, null, 2) + '\n');
    if (s.metaAnalysis) write('meta-analysis.json', JSON.stringify(s.metaAnalysis, null, 2) + '\n');
    // The campaign's own study report (its report step: RQS and METRICS scored from its provenance, feature
    // distributions, TRIPOD+AI); for a campaign that ended before that step, the report of what was exported.
    const stored = await client.campaigns.report({ campaignId: o.campaign });
    if (stored) {
      write('report.html', stored.html);
      write('report.json', JSON.stringify(stored.json, null, 2) + '\n');
      if (stored.rqs) write('rqs.json', JSON.stringify(stored.rqs, null, 2) + '\n');
      if (stored.metrics) write('metrics.json', JSON.stringify(stored.metrics, null, 2) + '\n');
      if (stored.provenance) write('campaign-provenance.json', JSON.stringify(stored.provenance, null, 2) + '\n');
    } else if (s.evaluations.length > 0) {
      const { runReport } = await import('./report.js');
      const report = await runReport({ run: o.out, out: join(o.out, 'report.html') });
      written.push(report.html, report.twin);
    }
    process.stdout.write(`campaign ${s.campaignId} (${s.state}): wrote ${written.length} files\n${written.map((f) => `  ${f}`).join('\n')}\n`);
    if (!s.model) process.stdout.write('  (no locked model yet: the campaign has not finished training)\n');
  });

  apiOption(
    coord
      .command('revoke')
      .description("Revoke a site's certificates now: CRL updated, live connection closed, later connections refused")
      .requiredOption('--site <id>', 'site id')
      .option('--reason <reason>', 'unspecified | keyCompromise | affiliationChanged | superseded | cessationOfOperation', 'unspecified'),
  ).action(async (o: { site: string; reason: string; api: string; token?: string }) => {
    const { revokedSerials } = await createCoordinatorClient(o.api, o.token).sites.revoke({ siteId: o.site, reason: o.reason as 'unspecified' });
    process.stdout.write(`revoked ${o.site}: ${revokedSerials.join(', ') || 'no live certificate'}\n`);
  });
  apiOption(coord.command('sites').description('Known sites, certificates, approvals, connection')).action(async (o: { api: string; token?: string }) => print(await createCoordinatorClient(o.api, o.token).sites.list()));

  registerOperatorCommands(coord);

  const enrol = coord.command('enrolments').description('Pending and decided enrolment requests');
  apiOption(enrol.command('list').description('Requests with their key fingerprints (compare with what the site prints)')).action(async (o: { api: string; token?: string }) => print(await createCoordinatorClient(o.api, o.token).enrolments.list()));
  apiOption(
    enrol
      .command('code')
      .description("Make the one-time code a site enrols with (hand it over out of band: telephone, letter); a new code replaces the site's previous one")
      .requiredOption('--site <id>', 'site id')
      .requiredOption('--campaign <id>', 'campaign id')
      .option('--hours <n>', 'the code expires after', (v) => Number(v), 72),
  ).action(async (o: { site: string; campaign: string; hours: number; api: string; token?: string }) => {
    const c = await createCoordinatorClient(o.api, o.token).enrolments.createCode({ siteId: o.site, campaignId: o.campaign, hours: o.hours });
    process.stdout.write(`enrolment code for ${c.siteId} in ${c.campaignId}: ${c.code}\n  valid once, until ${c.expiresAt}; the site runs \`fedrad site enrol --code ${c.code}\`\n`);
  });
  for (const verb of ['approve', 'reject'] as const) {
    const cmd = enrol.command(verb).requiredOption('--site <id>', 'site id').requiredOption('--campaign <id>', 'campaign id');
    if (verb === 'approve') cmd.option('--fingerprint <hex>', "the key fingerprint the site's operator read out: a request holding another key is refused");
    apiOption(cmd).action(
      async (o: { site: string; campaign: string; fingerprint?: string; api: string; token?: string }) => {
        if (!o.site || !o.campaign) throw new CliUsageError('--site and --campaign are required');
        const client = createCoordinatorClient(o.api, o.token);
        const out = verb === 'approve' ? await client.enrolments.approve({ siteId: o.site, campaignId: o.campaign, ...(o.fingerprint ? { fingerprint: o.fingerprint } : {}) }) : await client.enrolments.reject({ siteId: o.site, campaignId: o.campaign });
        process.stdout.write(`${o.site} for ${o.campaign}: ${out.status}\n`);
      },
    );
  }
}
