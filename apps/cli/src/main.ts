#!/usr/bin/env node
import { Command } from 'commander';
import { rerunWithCohortFlags } from './cohortFlags.js';
import { reportAndExit } from './errors.js';
import { FEDRAD_VERSION } from './version.js';

// Before any command module loads: a re-run should not pay for loading them twice.
const rerun = await rerunWithCohortFlags(process.argv);
if (rerun !== undefined) process.exit(rerun);
const { registerCommands } = await import('./commands/index.js');

const program = new Command();
program
  .name('fedrad')
  .description('FedRad: IBSI-verified radiomics, federated training and external validation')
  .version(FEDRAD_VERSION)
  .showHelpAfterError();
await registerCommands(program);
program.parseAsync(process.argv).catch(reportAndExit);
