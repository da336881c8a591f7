#!/usr/bin/env node
import { Command } from 'commander';
import { rerunWithCohortFlags } from './cohortFlags.js';
import { registerCommands } from './commands/index.js';
import { reportAndExit } from './errors.js';

const rerun = await rerunWithCohortFlags(process.argv);
if (rerun !== undefined) process.exit(rerun);

const program = new Command();
program
  .name('fedrad')
  .description('FedRad: IBSI-verified radiomics, federated training and external validation')
  .version('0.1.0')
  .showHelpAfterError();
registerCommands(program);
program.parseAsync(process.argv).catch(reportAndExit);
