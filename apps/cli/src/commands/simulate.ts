import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { validate, type CampaignProtocol } from '@fedrad/protocol';
import { readDocument } from '../commandFiles.js';
import { CliUsageError } from '../errors.js';
import { readSiteFolders } from '../simulation/siteFolders.js';
import { resultLines, runSimulation } from '../simulation/runSimulation.js';

interface SimulateOptions {
  protocol: string;
  sites: string;
  out?: string;
  timeout: number;
}

/**
 * `fedrad simulate`: rehearse a whole campaign on one machine before any hospital installs
 * anything (issue #13). Thin: reads the protocol and the site folders, runs the simulation.
 */
export function register(program: Command): void {
  program
    .command('simulate')
    .description('Run a whole campaign on this machine: the real coordinator and one real site daemon per site folder, over loopback mTLS')
    .requiredOption('--protocol <file>', 'the campaign protocol (JSON or YAML, protocols/campaign-protocol.schema.json)')
    .requiredOption('--sites <folder>', 'one sub-folder per site of the protocol: site.yaml with cohorts, or manifest.csv (images) or features.csv, with outcome.csv')
    .option('--out <folder>', 'the run folder (new or empty): CA, SQLite files, keys, results (default: a new temporary folder)')
    .option('--timeout <seconds>', 'give up after', (v) => Number(v), 900)
    .addHelpText('after', '\nWrites <out>/results: status.json (the campaign as the coordinator holds it), locked-model.json, model.onnx,\n' +
      'evaluations/<site>.json and the study report (report.html, report.json, rqs.json, metrics.json). Exit codes: 0 completed, 5 the campaign failed, 2 usage error.')
    .action(async (o: SimulateOptions) => {
      const protocol = readDocument(o.protocol, '--protocol') as CampaignProtocol;
      const valid = validate('campaign-protocol', protocol);
      if (!valid.valid) throw new CliUsageError(`--protocol ${o.protocol} is not a valid campaign protocol: ${valid.message}`);
      const sites = readSiteFolders(o.sites, protocol);
      if (!Number.isFinite(o.timeout) || o.timeout <= 0) throw new CliUsageError('--timeout must be a number of seconds > 0');
      const runDir = o.out ? resolve(o.out) : mkdtempSync(join(tmpdir(), 'fedrad-simulate-'));
      if (existsSync(runDir) && readdirSync(runDir).length > 0) throw new CliUsageError(`--out ${o.out} is not empty; give a new or empty folder`);
      mkdirSync(runDir, { recursive: true });
      const say = (line: string) => process.stdout.write(line + '\n');
      const logs: string[] = [];
      say(`fedrad simulate: ${protocol.campaignId}, ${sites.length} sites, run folder ${runDir}`);
      const started = Date.now();
      let result;
      try {
        result = await runSimulation({ protocol, sites, runDir, timeoutSeconds: o.timeout, say, log: (line) => logs.push(line) });
      } catch (error) {
        process.stderr.write(logs.slice(-40).join('\n') + '\n');
        throw error;
      }
      say('');
      for (const line of resultLines(result.status)) say(line);
      say(`results in ${result.resultsDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      if (result.status.state !== 'completed') process.exitCode = 5;
    });
}
