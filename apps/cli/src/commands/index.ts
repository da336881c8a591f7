import type { Command } from 'commander';
import * as train from './train.js';
import * as predict from './predict.js';
import * as evaluate from './evaluate.js';
import * as site from './site.js';
import * as demo from './demo.js';
import * as coordinator from './coordinator.js';
import * as audit from './audit.js';
import * as ca from './ca.js';
import * as extract from './extract.js';

/**
 * One module per command, each exporting `register(program)`. Commands are added here as
 * they land; a command module parses flags and calls one package function.
 */
const modules: Array<{ register(program: Command): void }> = [train, predict, evaluate, site, coordinator, audit, ca, extract, demo];

export function registerCommands(program: Command): void {
  for (const m of modules) m.register(program);
}
