import type { Command } from 'commander';

/**
 * One module per command, each exporting `register(program)`; a command module parses flags and
 * calls one package function. Modules are imported when needed: together they pull in
 * onnxruntime, SQLite, express and the radiomics pipeline, about 0.6 s before any command runs,
 * while one command needs only its own.
 */
const MODULES: Record<string, () => Promise<{ register(program: Command): void }>> = {
  train: () => import('./train.js'),
  tune: () => import('./tune.js'),
  select: () => import('./select.js'),
  predict: () => import('./predict.js'),
  evaluate: () => import('./evaluate.js'),
  'meta-analyze': () => import('./metaAnalyze.js'),
  rqs: () => import('./rqs.js'),
  'verify-model': () => import('./verifyModel.js'),
  'verify-ibsi': () => import('./verifyIbsi.js'),
  report: () => import('./report.js'),
  site: () => import('./site.js'),
  coordinator: () => import('./coordinator.js'),
  audit: () => import('./audit.js'),
  ca: () => import('./ca.js'),
  extract: () => import('./extract.js'),
  convert: () => import('./convert.js'),
  filter: () => import('./filter.js'),
  map: () => import('./map.js'),
  harmonize: () => import('./harmonize.js'),
  reproducibility: () => import('./reproducibility.js'),
  demo: () => import('./demo.js'),
  simulate: () => import('./simulate.js'),
};

/**
 * Registers the command named by `argv[2]` alone when it is one of ours, none for `--version`,
 * else every command (for the overall help, and for commander's "did you mean" on a misspelt name).
 */
export async function registerCommands(program: Command, argv: readonly string[] = process.argv): Promise<void> {
  const name = argv[2];
  if (name === '--version' || name === '-V') return;
  const wanted = name !== undefined && Object.prototype.hasOwnProperty.call(MODULES, name) ? [MODULES[name]] : Object.values(MODULES);
  for (const m of await Promise.all(wanted.map((load) => load()))) m.register(program);
}
