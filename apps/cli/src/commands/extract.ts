import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import cliProgress from 'cli-progress';
import type { FeatureConfig } from '@fedrad/protocol';
import {
  deltaFeatures, extractCohort, extractSingleCase, ExtractionInputError, ExtractionLockedError, hasTimepoints, ibsiKeys, JOURNAL_SUFFIX, readManifest, toCsv, toIbsiJson, toJson,
  writeDurably, type CohortProgress, type DeltaTable, type ExtractOutcome, type ExtractTask,
} from '@fedrad/extraction';
import { CliUsageError } from '../errors.js';
import { integerFlag } from '../integerFlag.js';
import { provenanceOf, provenancePath, type ProvenanceInput } from '../provenance.js';
import { FEDRAD_VERSION } from '../version.js';

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
  /** Crop masks reaching beyond their image instead of refusing the case; the count goes into the provenance. */
  cropMaskToImage?: boolean;
}

export interface ExtractSummary {
  outcomes: ExtractOutcome[];
  failed: number;
  output: string;
}

/** This program as the extraction journal records it (another version extracts every case again). */
const CLI_VERSION = `fedrad-cli@${FEDRAD_VERSION}`;

/**
 * `fedrad extract`: one case (--image/--mask) in-process, or a manifest through @fedrad/extraction's
 * cohort engine (worker pool, journal beside --out, durable output) with a progress bar.
 */
export async function runExtract(o: ExtractOptions): Promise<ExtractSummary> {
  if (o.out && !existsSync(dirname(resolve(o.out)))) throw new CliUsageError(`--out ${o.out}: folder ${dirname(resolve(o.out))} does not exist`);
  const format = o.format ?? (o.out && extname(o.out).toLowerCase() === '.csv' ? 'csv' : 'json');
  const renderCases = (outcomes: readonly ExtractOutcome[]) => (format === 'csv' ? toCsv(outcomes) : format === 'ibsi' ? toIbsiJson(outcomes, !o.manifest) : toJson(outcomes));
  if (o.manifest) {
    if (o.image || o.mask) throw new CliUsageError('give either --manifest or --image/--mask, not both');
    if (!existsSync(o.manifest)) throw new CliUsageError(`--manifest ${o.manifest} does not exist`);
    const tasks = (await usage(() => readManifest(o.manifest!, {}))).map((t) => ({ ...t, cropMaskToImage: o.cropMaskToImage }));
    // A manifest with time points (delta-radiomics) writes one row per patient: baseline, absolute and relative change.
    const delta = hasTimepoints(tasks);
    if (delta && format === 'ibsi') throw new CliUsageError('--format ibsi keys features by IBSI tags; the delta features of a manifest with time points are not IBSI features (use csv or json)');
    const render = delta ? (outcomes: readonly ExtractOutcome[]) => renderCases(deltaFeatures(tasks, outcomes).outcomes) : renderCases;
    const started = Date.now();
    let reused = 0;
    const bar = (o.progress ?? true) ? progressBar() : undefined;
    const config = loadConfig(o.config); // read while the workers start; the provenance reuses it
    let cohort;
    try {
      cohort = await usage(() => extractCohort({
        tasks,
        config,
        workers: o.workers,
        output: o.out ? { path: o.out, render } : undefined,
        fresh: o.fresh ?? false,
        caller: CLI_VERSION,
        onProgress: (p) => ((reused = p.reused), bar?.(p)),
        onNotice: (message) => process.stderr.write(`fedrad extract: ${message}\n`),
      }));
    } finally {
      bar?.stop();
    }
    reportFailures(cohort.outcomes);
    const deltas = delta ? deltaFeatures(tasks, cohort.outcomes) : undefined;
    if (deltas) reportDeltas(deltas);
    const cropped = reportCropping(cohort.outcomes);
    const text = cohort.text ?? render(cohort.outcomes);
    const deltaDetails = deltas ? { delta: { timepoints: deltas.timepoints, baseline: deltas.timepoints[0], noRelativeChange: deltas.noRelativeChange } } : {};
    if (o.out) await writeExtractProvenance(o, await config, cohort.outcomes, [{ role: 'manifest', path: o.manifest }], deltaDetails);
    else process.stdout.write(text);
    const n = cohort.outcomes.length;
    process.stderr.write(
      `fedrad extract: ${n} case(s): ${n - cohort.failed} extracted${reused ? ` (${reused} taken from the journal of an earlier run)` : ''}, ${cohort.failed} failed` +
        (cropped ? `, ${cropped} with the mask cropped to the image` : '') +
        ` in ${((Date.now() - started) / 1000).toFixed(1)} s${o.out ? ` -> ${o.out} (+ ${provenancePath(o.out)})` : ''}\n`,
    );
    // A delta cohort counts by patient: one without a row (a time point missing or failed) is a failure.
    if (deltas) return { outcomes: deltas.outcomes, failed: deltas.outcomes.filter((d) => !d.ok).length, output: text };
    return { outcomes: cohort.outcomes, failed: cohort.failed, output: text };
  }
  const config = await loadConfig(o.config);
  if (!o.image || !o.mask) throw new CliUsageError('--image and --mask are required (or --manifest for a cohort)');
  if (o.label !== undefined && o.roi !== undefined) throw new CliUsageError('give --label or --roi, not both');
  for (const [flag, path] of [['--image', o.image], ['--mask', o.mask]] as const) {
    if (!existsSync(path)) throw new CliUsageError(`${flag} ${path} does not exist`);
  }
  const task: ExtractTask = {
    id: o.id ?? caseIdFromPath(o.image), image: resolve(o.image), mask: resolve(o.mask), label: o.label, roi: o.roi, config, cropMaskToImage: o.cropMaskToImage,
  };
  // A single case fails loudly with its typed error (exit code from the CLI's error handler).
  const outcome = await extractSingleCase(task);
  // A DICOM series is named by its PatientID, not by its folder (every case's folder is often `image`).
  const patientId = outcome.ok ? outcome.provenance?.patientId : undefined;
  const outcomes = [o.id === undefined && patientId ? { ...outcome, id: patientId } : outcome];
  const cropped = outcome.ok ? outcome.provenance?.croppedOutsideImage : undefined;
  if (cropped) process.stderr.write(`fedrad extract: warning: ${cropped.count} ${cropped.unit} of the mask lay beyond the image and were cropped (--crop-mask-to-image)\n`);
  const text = renderCases(outcomes);
  if (o.out) {
    writeDurably(o.out, text);
    await writeExtractProvenance(o, config, outcomes, [], {});
  } else process.stdout.write(text);
  return { outcomes, failed: 0, output: text };
}

/**
 * `<out>.provenance.json`: the command, fedrad's version, the kernels that ran, the config with
 * every default filled in (and its hash), and for each case its image and mask by content hash,
 * the ROI taken and anything cropped.
 */
async function writeExtractProvenance(
  o: ExtractOptions,
  config: FeatureConfig,
  outcomes: readonly ExtractOutcome[],
  inputs: Array<{ role: string; path: string } | ProvenanceInput>,
  extraDetails: Record<string, unknown>,
): Promise<void> {
  // Loaded here, not at the top: a cohort run keeps the pipeline out of its main thread until the end.
  const { resolveFeatureConfig, recordedFeatureConfig, radiomicsKernelKind, featureCatalogue, catalogueEntryOf, filterLabel, filterIbsiCodes, FILTER_SEPARATOR } = await import('@fedrad/radiomics');
  const resolved = resolveFeatureConfig(config);
  const catalogue = featureCatalogue();
  const filters = new Map(resolved.filters.map((f) => [filterLabel(f), { label: filterLabel(f), ibsiCodes: filterIbsiCodes(f), filter: f }]));
  const cases = outcomes.map((c) => (c.ok ? { id: c.id, ...c.provenance } : { id: c.id, failed: { code: c.code, message: c.message } }));
  const provenance = provenanceOf(o.out!, {
    command: 'fedrad extract',
    inputs,
    config: { ...(o.config ? { path: o.config } : {}), value: recordedFeatureConfig(config) },
    details: {
      kernels: radiomicsKernelKind(),
      format: o.format ?? 'by extension',
      cropMaskToImage: o.cropMaskToImage ?? false,
      cases,
      ...extraDetails,
      ...(o.format === 'ibsi' || filters.size > 0 ? { ibsiFeatures: ibsiCodesOf(outcomes, (tag) => catalogueEntryOf(tag, catalogue), { filters, separator: FILTER_SEPARATOR }, o.format === 'ibsi') } : {}),
    },
  });
  writeFileSync(provenancePath(o.out!), JSON.stringify(provenance, null, 2) + '\n');
}

interface FilterIdentity {
  label: string;
  ibsiCodes: string[];
  filter: unknown;
}

interface IbsiIdentity {
  code: string;
  name: string;
  family: string;
  familyCode: string;
  /** For a feature of a response map: the filter, its IBSI 2 codes and parameters. */
  filter?: FilterIdentity;
}

/**
 * For `--format ibsi` (and any output with filtered features): each output key with its IBSI
 * feature code, name and family (code), from the radiomics registry's catalogue; a texture tag is
 * its family's stem plus the aggregation suffix; a filtered feature `<filter>__<tag>` also names
 * its filter with the IBSI 2 filter codes. Keys are those of the output (`ibsiKeys` for ibsi).
 */
function ibsiCodesOf(
  outcomes: readonly ExtractOutcome[],
  entryOf: (tag: string) => { code: string; name: string; family: string; familyCode: string } | undefined,
  { filters, separator }: { filters: ReadonlyMap<string, FilterIdentity>; separator: string },
  ibsiFormat: boolean,
): Record<string, IbsiIdentity> {
  const out: Record<string, IbsiIdentity> = {};
  const names = [...new Set(outcomes.flatMap((c) => (c.ok ? Object.keys(c.features) : [])))];
  const keys = ibsiFormat ? ibsiKeys(names) : new Map(names.map((n) => [n, n]));
  for (const name of names) {
    const cut = name.indexOf(separator);
    const filter = cut > 0 ? filters.get(name.slice(0, cut)) : undefined;
    const tag = filter ? name.slice(cut + separator.length) : name;
    const entry = entryOf(tag);
    if (entry) out[keys.get(name)!] = { code: entry.code, name: entry.name, family: entry.family, familyCode: entry.familyCode, ...(filter ? { filter } : {}) };
  }
  return out;
}

/** The engine's input and lock errors are usage errors here (exit code 2), with the same message. */
async function usage<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ExtractionInputError || e instanceof ExtractionLockedError) throw new CliUsageError(e.message);
    throw e;
  }
}

/** One warning per case whose mask was cropped to its image (--crop-mask-to-image); returns how many. */
function reportCropping(outcomes: readonly ExtractOutcome[]): number {
  let n = 0;
  for (const c of outcomes) {
    const cut = c.ok ? c.provenance?.croppedOutsideImage : undefined;
    if (!cut) continue;
    n++;
    process.stderr.write(`fedrad extract: warning: case ${c.id}: ${cut.count} ${cut.unit} of the mask lay beyond the image and were cropped (--crop-mask-to-image)\n`);
  }
  return n;
}

function reportFailures(outcomes: readonly ExtractOutcome[]): void {
  for (const f of outcomes) if (!f.ok) process.stderr.write(`fedrad extract: case ${f.id} failed: [${f.code}] ${f.message}\n`);
}

/** A delta cohort's patients left without a row, and the relative changes left out. */
function reportDeltas(deltas: DeltaTable): void {
  for (const f of deltas.outcomes) if (!f.ok) process.stderr.write(`fedrad extract: no delta features for ${f.message}\n`);
  if (deltas.noRelativeChange.length > 0) {
    process.stderr.write(`fedrad extract: relative change left out for ${deltas.noRelativeChange.length} feature(s) with a baseline value of 0 (${deltas.noRelativeChange.slice(0, 5).join(', ')}${deltas.noRelativeChange.length > 5 ? ', …' : ''})\n`);
  }
}

/** The cohort's progress bar on stderr, fed by the engine's progress reports. */
function progressBar(): ((p: CohortProgress) => void) & { stop(): void } {
  const bar = new cliProgress.SingleBar(
    {
      format: 'extract |{bar}| {value}/{total} cases | {rate} cases/s | ETA {eta_formatted} | failed {failed}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const update = (p: CohortProgress) => {
    if (!started) {
      started = true;
      bar.start(p.total, p.done, { rate: '0.0', failed: 0 });
      return;
    }
    bar.update(p.done, { rate: ((p.done - p.reused) / Math.max(1e-3, p.elapsedMs / 1000)).toFixed(1), failed: p.failed });
  };
  return Object.assign(update, { stop: () => { if (started) bar.stop(); } });
}

export async function loadConfig(path: string | undefined): Promise<FeatureConfig> {
  if (!path) return {};
  if (!existsSync(path)) throw new CliUsageError(`--config ${path} does not exist`);
  const { parseFeatureConfig } = await import('@fedrad/radiomics');
  return parseFeatureConfig(readFileSync(path, 'utf8'), path);
}

function caseIdFromPath(path: string): string {
  return basename(path).replace(/(\.nii\.gz|\.nii|\.nrrd|\.seg\.nrrd)$/i, '') || path;
}


export function register(program: Command): void {
  program
    .command('extract')
    .description('IBSI features for one case (--image/--mask) or a cohort (--manifest id,image,mask[,label|roi])')
    .option('--image <path>', 'image file (NIfTI, NRRD) or DICOM series folder')
    .option('--mask <path>', 'mask: label image, .seg.nrrd, DICOM SEG or RTSTRUCT')
    .option('--label <n>', 'label value / segment number to use from the mask', integerFlag('--label'))
    .option('--roi <name>', 'structure or segment name (RTSTRUCT, SEG, .seg.nrrd)')
    .option('--id <id>', 'case id for the output (default: the DICOM PatientID of a DICOM series, else the image file name)')
    .option('--manifest <csv>', 'cohort manifest: id,image,mask and optional label, roi and timepoint columns (with timepoint: one row per patient of delta features)')
    .option('--config <file>', 'feature-extraction config (JSON or YAML, protocols/feature-config.schema.json)')
    .option('--out <file>', 'output file (.csv → CSV, otherwise JSON); default stdout')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json', 'ibsi']))
    .option('--workers <n>', 'worker threads for a manifest (default: CPU count)', integerFlag('--workers'))
    .option('--no-progress', 'no progress bar')
    .option('--fresh', `extract every case again, ignoring the journal (<out>${JOURNAL_SUFFIX}) a killed or partly failed run left`)
    .option('--crop-mask-to-image', 'crop a mask that reaches beyond its image instead of refusing the case (the count is warned about and recorded)')
    .addHelpText(
      'after',
      '\nWithout --config the IBSI defaults apply: no interpolation, no re-segmentation, fixed bin number 32 (intensity\n' +
        'histogram and texture), IVH 1000 bins, every family, texture 3D merged. --out FILE also writes\n' +
        'FILE.provenance.json: fedrad version, kernels, the config with its defaults and hash, each case\'s inputs by SHA-256 and\n' +
        'the ROI taken.\n' +
        'Delta-radiomics: a manifest with a timepoint column lists each patient once per time point (the first time point\n' +
        'listed is the baseline); the output has one row per patient: <feature>.<baseline>, <feature>.delta.<t> (x_t - x_0)\n' +
        'and <feature>.rel.<t> ((x_t - x_0) / |x_0|, left out for a feature with a baseline of 0), all from one config.\n' +
        'Exit codes: 0 done, 1 some cases failed, 2 usage error.',
    )
    .action(async (opts: ExtractOptions) => {
      const summary = await runExtract(opts);
      if (summary.failed > 0) {
        process.stderr.write(`fedrad extract: ${summary.failed} of ${summary.outcomes.length} case(s) failed\n`);
        process.exitCode = 1;
      }
    });
}
