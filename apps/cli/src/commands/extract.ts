import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import cliProgress from 'cli-progress';
import { Piscina } from 'piscina';
import { formatCsvRow, readCsv, type FeatureConfig } from '@fedrad/protocol';
import { writeDurably } from '../durableFile.js';
import { CliUsageError } from '../errors.js';
import type { ExtractOutcome, ExtractTask } from './extractCase.js';
import { caseFingerprint, ExtractJournal, JOURNAL_SUFFIX } from './extractJournal.js';

export type { ExtractOutcome, ExtractTask } from './extractCase.js';

// The pipeline (imaging, radiomics) is loaded by extractCase.ts: in each worker for a cohort,
// here only for a single case, so the cohort's main thread starts its workers without it.
const CASE_MODULE = new URL('./extractCase.js', import.meta.url);

export interface ExtractOptions {
  image?: string;
  mask?: string;
  label?: number;
  roi?: string;
  id?: string;
  manifest?: string;
  config?: string;
  out?: string;
  format?: 'csv' | 'json' | 'ibsi';
  workers?: number;
  progress?: boolean;
  /** Extract every case again, ignoring the journal an earlier run left beside --out. */
  fresh?: boolean;
}

export interface ExtractSummary {
  outcomes: ExtractOutcome[];
  failed: number;
  output: string;
}

/** `fedrad extract`: one case (--image/--mask) in-process, or a manifest in a worker pool. */
export async function runExtract(o: ExtractOptions): Promise<ExtractSummary> {
  let tasks: ExtractTask[];
  let pool: Piscina<ExtractTask, ExtractOutcome> | undefined;
  if (o.out && !existsSync(dirname(resolve(o.out)))) throw new CliUsageError(`--out ${o.out}: folder ${dirname(resolve(o.out))} does not exist`);
  if (o.manifest) {
    if (o.image || o.mask) throw new CliUsageError('give either --manifest or --image/--mask, not both');
    tasks = readManifest(o.manifest, {});
    // Workers start loading the pipeline now, while this thread reads and checks the config.
    pool = startPool(tasks.length, o.workers);
    try {
      const config = await loadConfig(o.config);
      for (const t of tasks) t.config = config;
    } catch (e) {
      await pool.destroy();
      throw e;
    }
  } else {
    const config = await loadConfig(o.config);
    if (!o.image || !o.mask) throw new CliUsageError('--image and --mask are required (or --manifest for a cohort)');
    if (o.label !== undefined && o.roi !== undefined) throw new CliUsageError('give --label or --roi, not both');
    for (const [flag, path] of [['--image', o.image], ['--mask', o.mask]] as const) {
      if (!existsSync(path)) throw new CliUsageError(`${flag} ${path} does not exist`);
    }
    tasks = [{ id: o.id ?? caseIdFromPath(o.image), image: resolve(o.image), mask: resolve(o.mask), label: o.label, roi: o.roi, config }];
  }
  const format = o.format ?? (o.out && extname(o.out).toLowerCase() === '.csv' ? 'csv' : 'json');
  let outcomes: ExtractOutcome[];
  let journal: ExtractJournal | undefined;
  if (pool) {
    // With --out, every finished case goes to a journal first: a killed run loses nothing, and
    // the same command run again extracts only what is missing or failed.
    let reused = new Map<string, ExtractOutcome>();
    if (o.out) {
      try {
        const opened = ExtractJournal.open(o.out, tasks[0].config, tasks, o.fresh ?? false);
        journal = opened.journal;
        reused = opened.reused;
        if (opened.notice) process.stderr.write(`fedrad extract: ${opened.notice}\n`);
      } catch (e) {
        await pool.destroy();
        throw e;
      }
    }
    try {
      outcomes = await runPool(pool, tasks, o.progress ?? true, reused, journal); // destroys the pool
    } catch (e) {
      journal?.close(false);
      throw e;
    }
  } else {
    // A single case fails loudly with its typed error (exit code from the CLI's error handler).
    const { extractCase } = (await import(CASE_MODULE.href)) as typeof import('./extractCase.js');
    outcomes = [extractCase(tasks[0])];
  }
  const failures = outcomes.filter((r): r is Extract<ExtractOutcome, { ok: false }> => !r.ok);
  for (const f of failures) process.stderr.write(`fedrad extract: case ${f.id} failed: [${f.code}] ${f.message}\n`);
  const text = format === 'csv' ? toCsv(outcomes) : format === 'ibsi' ? toIbsiJson(outcomes, !o.manifest) : toJson(outcomes);
  if (o.out) {
    writeDurably(o.out, text);
  } else {
    process.stdout.write(text);
  }
  journal?.close(failures.length === 0);
  if (journal && failures.length > 0) {
    process.stderr.write(`fedrad extract: run the same command again to retry only the failed case(s); the others are kept in ${o.out}${JOURNAL_SUFFIX}\n`);
  }
  return { outcomes, failed: failures.length, output: text };
}

/** The worker-thread pool for a cohort: one thread per core unless --workers says, never more than cases. */
function startPool(caseCount: number, workers: number | undefined): Piscina<ExtractTask, ExtractOutcome> {
  const threads = Math.max(1, Math.min(workers ?? availableParallelism(), caseCount));
  return new Piscina<ExtractTask, ExtractOutcome>({ filename: CASE_MODULE.href, minThreads: threads, maxThreads: threads, idleTimeout: 1000 });
}

/**
 * Runs the cases not in `reused` through the pool, recording each in the journal as it ends;
 * returns every case's outcome in manifest order.
 */
async function runPool(
  pool: Piscina<ExtractTask, ExtractOutcome>, tasks: ExtractTask[], progress: boolean,
  reused: ReadonlyMap<string, ExtractOutcome>, journal: ExtractJournal | undefined,
): Promise<ExtractOutcome[]> {
  const bar = new cliProgress.SingleBar(
    {
      format: 'extract |{bar}| {value}/{total} cases | {rate} cases/s | ETA {eta_formatted} | failed {failed}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let done = reused.size, failed = 0;
  if (progress) bar.start(tasks.length, done, { rate: '0.0', failed: 0 });
  try {
    return await Promise.all(
      tasks.map(async (task) => {
        const earlier = reused.get(task.id);
        if (earlier) return earlier;
        const fingerprint = journal && caseFingerprint(task);
        let outcome: ExtractOutcome;
        try {
          outcome = await pool.run(task);
        } catch (e) {
          // A worker that died (out of memory, native crash) still reports its case.
          outcome = { id: task.id, ok: false, code: 'WORKER_FAILED', message: (e as Error).message };
        }
        if (journal && fingerprint) journal.record(fingerprint, outcome);
        done++;
        if (!outcome.ok) failed++;
        if (progress) bar.update(done, { rate: ((done - reused.size) / Math.max(1e-3, (Date.now() - started) / 1000)).toFixed(1), failed });
        return outcome;
      }),
    );
  } finally {
    if (progress) bar.stop();
    await pool.destroy();
  }
}

async function loadConfig(path: string | undefined): Promise<FeatureConfig> {
  if (!path) return {};
  if (!existsSync(path)) throw new CliUsageError(`--config ${path} does not exist`);
  const { parseFeatureConfig } = await import('@fedrad/radiomics');
  return parseFeatureConfig(readFileSync(path, 'utf8'), path);
}

function caseIdFromPath(path: string): string {
  return basename(path).replace(/(\.nii\.gz|\.nii|\.nrrd|\.seg\.nrrd)$/i, '') || path;
}

/** Manifest: header `id,image,mask[,label][,roi]`; relative paths are taken from the manifest's folder. */
export function readManifest(path: string, config: FeatureConfig): ExtractTask[] {
  if (!existsSync(path)) throw new CliUsageError(`--manifest ${path} does not exist`);
  // The CSV layer every fedrad table uses (quoted commas and line breaks, CRLF, BOM, blank lines).
  const records = readCsv(readFileSync(path, 'utf8'), `manifest ${path}`);
  if (records.length < 2) throw new CliUsageError(`manifest ${path} has no case rows (expected a header id,image,mask and one row per case)`);
  const header = records[0].cells.map((h) => h.toLowerCase());
  const col = (name: string) => header.indexOf(name);
  for (const required of ['id', 'image', 'mask']) {
    if (col(required) < 0) throw new CliUsageError(`manifest ${path} has no "${required}" column (header: ${records[0].cells.join(',')})`);
  }
  const base = dirname(resolve(path));
  const seen = new Set<string>();
  return records.slice(1).map(({ row, cells: f }) => {
    const id = f[col('id')];
    const where = `manifest ${path} row ${row}`;
    if (!id) throw new CliUsageError(`${where}: empty id`);
    if (seen.has(id)) throw new CliUsageError(`${where}: case id ${id} appears twice`);
    seen.add(id);
    const abs = (p: string | undefined, what: string) => {
      if (!p) throw new CliUsageError(`${where} (case ${id}): empty ${what} path`);
      return isAbsolute(p) ? p : resolve(base, p);
    };
    const labelText = col('label') >= 0 ? f[col('label')] : '';
    const label = labelText ? Number(labelText) : undefined;
    if (label !== undefined && !Number.isInteger(label)) throw new CliUsageError(`${where} (case ${id}): label ${labelText} is not an integer`);
    const roi = col('roi') >= 0 && f[col('roi')] ? f[col('roi')] : undefined;
    return { id, image: abs(f[col('image')], 'image'), mask: abs(f[col('mask')], 'mask'), label, roi, config };
  });
}

/** Union of feature names in first-seen order. */
function featureNames(outcomes: ExtractOutcome[]): string[] {
  const names = new Set<string>();
  for (const r of outcomes) if (r.ok) for (const k of Object.keys(r.features)) names.add(k);
  return [...names];
}

/** One row per successful case: id, then one column per IBSI tag. */
export function toCsv(outcomes: ExtractOutcome[]): string {
  const names = featureNames(outcomes);
  const rows = [formatCsvRow(['id', ...names])];
  for (const r of outcomes) {
    if (!r.ok) continue;
    rows.push(formatCsvRow([r.id, ...names.map((n) => (n in r.features ? String(r.features[n]) : ''))]));
  }
  return rows.join('\n') + '\n';
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

export function toJson(outcomes: ExtractOutcome[]): string {
  const cases = outcomes.filter((r) => r.ok).map((r) => r as Extract<ExtractOutcome, { ok: true }>).map((r) => ({
    id: r.id,
    features: Object.fromEntries(Object.entries(r.features).map(([k, v]) => [k, finiteOrNull(v)])),
    diagnostics: r.diagnostics,
  }));
  const failures = outcomes.filter((r) => !r.ok).map((r) => r as Extract<ExtractOutcome, { ok: false }>).map(({ id, code, message }) => ({ id, code, message }));
  return JSON.stringify({ features: featureNames(outcomes), cases, failures }, null, 2) + '\n';
}

/**
 * `--format ibsi`: keyed by the IBSI tags of reference_values.csv (morph_volume, stat_mean, …) so a
 * result compares with the IBSI table directly; one case gives a flat object, a cohort {id: {…}}.
 */
export function toIbsiJson(outcomes: ExtractOutcome[], single: boolean): string {
  const flat = (r: Extract<ExtractOutcome, { ok: true }>) => Object.fromEntries(Object.entries(r.features).map(([k, v]) => [k, finiteOrNull(v)]));
  const ok = outcomes.filter((r) => r.ok) as Array<Extract<ExtractOutcome, { ok: true }>>;
  const doc = single ? flat(ok[0]) : Object.fromEntries(ok.map((r) => [r.id, flat(r)]));
  return JSON.stringify(doc, null, 2) + '\n';
}

function integer(flag: string) {
  return (v: string): number => {
    const x = Number(v);
    if (!Number.isInteger(x)) throw new CliUsageError(`${flag} ${v} is not an integer`);
    return x;
  };
}

export function register(program: Command): void {
  program
    .command('extract')
    .description('IBSI features for one case (--image/--mask) or a cohort (--manifest id,image,mask[,label|roi])')
    .option('--image <path>', 'image file (NIfTI, NRRD) or DICOM series folder')
    .option('--mask <path>', 'mask: label image, .seg.nrrd, DICOM SEG or RTSTRUCT')
    .option('--label <n>', 'label value / segment number to use from the mask', integer('--label'))
    .option('--roi <name>', 'structure or segment name (RTSTRUCT, SEG, .seg.nrrd)')
    .option('--id <id>', 'case id for the output (default: the image file name)')
    .option('--manifest <csv>', 'cohort manifest: id,image,mask and optional label or roi columns')
    .option('--config <file>', 'feature-extraction config (JSON or YAML, protocols/feature-config.schema.json)')
    .option('--out <file>', 'output file (.csv → CSV, otherwise JSON); default stdout')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json', 'ibsi']))
    .option('--workers <n>', 'worker threads for a manifest (default: CPU count)', integer('--workers'))
    .option('--no-progress', 'no progress bar')
    .option('--fresh', `extract every case again, ignoring the journal (<out>${JOURNAL_SUFFIX}) a killed or partly failed run left`)
    .action(async (opts: ExtractOptions) => {
      const summary = await runExtract(opts);
      if (summary.failed > 0) {
        process.stderr.write(`fedrad extract: ${summary.failed} of ${summary.outcomes.length} case(s) failed\n`);
        process.exitCode = 1;
      }
    });
}
