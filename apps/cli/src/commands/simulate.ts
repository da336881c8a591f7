import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { validate, type CampaignProtocol } from '@fedrad/protocol';
import { readDocument } from '../commandFiles.js';
import { CliUsageError } from '../errors.js';
import { readSiteFolders, sameFederation } from '../simulation/siteFolders.js';
import { comparisonLines, resultLines, runSimulation } from '../simulation/runSimulation.js';

interface SimulateOptions {
  protocol: string[];
  sites: string;
  out?: string;
  timeout: number;
  trustCoordinatorCoefficients?: boolean;
}

/**
 * `fedrad simulate`: rehearse a whole campaign on one machine before any hospital installs
 * anything (issue #13). Thin: reads the protocol and the site folders, runs the simulation.
 */
export function register(program: Command): void {
  program
    .command('simulate')
    .description('Run a whole campaign on this machine: the real coordinator and one real site daemon per site folder, over loopback mTLS')
    .requiredOption('--protocol <file>', 'the campaign protocol (JSON or YAML, protocols/campaign-protocol.schema.json); repeat to run several campaigns in turn on the same sites and compare them', (v: string, prev: string[] = []) => [...prev, v])
    .requiredOption('--sites <folder>', 'one sub-folder per site of the protocol: site.yaml with cohorts, or manifest.csv (images) or features.csv, with outcome.csv (and clinical.csv for a campaign with a clinical baseline)')
    .option('--out <folder>', 'the run folder (new or empty): CA, SQLite files, keys, results (default: a new temporary folder)')
    .option('--timeout <seconds>', 'give up after', (v) => Number(v), 900)
    .option('--trust-coordinator-coefficients', "every simulated site's site.yaml sets trustCoordinatorCoefficients: true, so it answers rounds at coefficients it cannot verify (a protocol with neither training.shareSiteUpdates nor training.secureAggregation); without it such rounds are refused, as at a real site by default")
    .addHelpText('after', '\nWrites <out>/results: status.json (the campaign as the coordinator holds it), locked-model.json, model.onnx,\n' +
      'evaluations/<site>.json and the study report (report.html, report.json, rqs.json, metrics.json); with several --protocol,\n' +
      "one such folder per campaign, <out>/results/<campaignId>, and each test site's discrimination under each campaign side by\n" +
      'side. A site extracts its images once per feature config: a later campaign with the same config reuses the features.\n' +
      'Exit codes: 0 completed, 5 a campaign failed, 2 usage error.')
    .action(async (o: SimulateOptions) => {
      const protocols = o.protocol.map((file) => {
        const protocol = readDocument(file, '--protocol') as CampaignProtocol;
        const valid = validate('campaign-protocol', protocol);
        if (!valid.valid) throw new CliUsageError(`--protocol ${file} is not a valid campaign protocol: ${valid.message}`);
        return protocol;
      });
      sameFederation(protocols, o.protocol);
      const sites = readSiteFolders(o.sites, protocols[0]);
      if (!Number.isFinite(o.timeout) || o.timeout <= 0) throw new CliUsageError('--timeout must be a number of seconds > 0');
      const runDir = o.out ? resolve(o.out) : mkdtempSync(join(tmpdir(), 'fedrad-simulate-'));
      if (existsSync(runDir) && readdirSync(runDir).length > 0) throw new CliUsageError(`--out ${o.out} is not empty; give a new or empty folder`);
      mkdirSync(runDir, { recursive: true });
      const say = (line: string) => process.stdout.write(line + '\n');
      const logs: string[] = [];
      say(`fedrad simulate: ${protocols.map((p) => p.campaignId).join(', ')}, ${sites.length} sites, run folder ${runDir}`);
      const started = Date.now();
      let result;
      try {
        result = await runSimulation({ protocols, sites, runDir, timeoutSeconds: o.timeout, say, log: (line) => logs.push(line), trustCoordinatorCoefficients: o.trustCoordinatorCoefficients === true });
      } catch (error) {
        process.stderr.write(logs.slice(-40).join('\n') + '\n');
        throw error;
      }
      say('');
      for (const status of result.statuses) for (const line of resultLines(status)) say(line);
      for (const line of comparisonLines(result.statuses)) say(line);
      say(`results in ${result.resultsDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      if (result.statuses.some((s) => s.state !== 'completed')) process.exitCode = 5;
    });
}

