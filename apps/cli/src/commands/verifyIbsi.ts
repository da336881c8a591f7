import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { verifyIbsiPhantom } from '@fedrad/extraction';
import type { IbsiVerification } from '@fedrad/protocol';
import { FEDRAD_VERSION } from '../version.js';

export interface VerifyIbsiOptions {
  ibsi: string;
  out: string;
}

/**
 * `fedrad verify-ibsi`: runs the IBSI 1 digital phantom through this installation's extraction
 * engine and writes the record (software version, engine hash, the phantom configuration's hash,
 * features checked and matched within the IBSI tolerance, date). A site names it in site.yaml
 * (ibsiVerification); its extract results carry its hash and counts, and the campaign's RQS item 3
 * (phantom study) earns its point only when every extracting site ran an engine whose record passed.
 */
export function runVerifyIbsi(o: VerifyIbsiOptions, clock: () => Date = () => new Date()): IbsiVerification {
  const record = verifyIbsiPhantom(o.ibsi, FEDRAD_VERSION, clock());
  writeFileSync(o.out, JSON.stringify(record, null, 2) + '\n');
  return record;
}

export function register(program: Command): void {
  program
    .command('verify-ibsi')
    .description("Run the IBSI digital phantom through this installation's extraction engine and write the verification record a site declares (RQS item 3)")
    .requiredOption('--ibsi <dir>', 'the IBSI 1 data folder (digital_phantom/phantom.json and reference_values.csv), or its parent')
    .requiredOption('--out <json>', 'where to write the record (name it in site.yaml as ibsiVerification)')
    .action((opts: VerifyIbsiOptions) => {
      const r = runVerifyIbsi(opts);
      process.stdout.write(`${r.passed ? 'passed' : 'FAILED'}: ${r.featuresMatched} of ${r.featuresChecked} IBSI reference values of the digital phantom matched by fedrad ${r.softwareVersion} (engine ${r.engineSha256}); record ${opts.out}\n`);
      if (!r.passed) process.exitCode = 1;
    });
}
