#!/usr/bin/env node
import { Command } from 'commander';
import { rerunWithCohortFlags } from './cohortFlags.js';
import { reportAndExit } from './errors.js';

// Before any command module loads: a re-run should not pay for loading them twice.
const rerun = await rerunWithCohortFlags(process.argv);
if (rerun !== undefined) process.exit(rerun);
const { registerCommands } = await import('./commands/index.js');

const program = new Command();
program
  .name('fedrad')
  .description('FedRad: IBSI-verified radiomics, federated training and external validation')
  .version('0.1.0')
  .showHelpAfterError();
await registerCommands(program);
program.parseAsync(process.argv).catch(reportAndExit);
