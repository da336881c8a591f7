import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { readCsv, type FeatureConfig } from '@fedrad/protocol';
import { ExtractionInputError } from './errors.js';
import type { ExtractTask } from './extractCase.js';

/** The columns a manifest may hold: any other is refused by name rather than ignored. */
export const MANIFEST_COLUMNS = ['id', 'image', 'mask', 'label', 'roi', 'timepoint'] as const;

/** A further segmentation of the same case (reader 2, 3, …): `mask2`, `mask3`, … (issue #13). */
const FURTHER_MASK = /^mask([2-9])$/;

export interface ManifestOptions {
  /**
   * Accept the further segmentation columns mask2…mask9, read by a site's reproducibility step
   * into each task's `segmentations`. Without it they are refused by name: a reader that
   * extracts one mask per case would otherwise drop them unseen.
   */
  segmentations?: boolean;
}

/** A time point names feature columns (`<feature>.delta.<t>`): letters, digits, `_` and `-`. */
const TIMEPOINT = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * A cohort manifest: header `id,image,mask[,label][,roi][,timepoint]`, one row per case; relative
 * paths are taken from the manifest's folder. Every task gets `config`. With a `timepoint` column
 * (delta-radiomics) a patient id appears once per time point, and each case's id becomes
 * `<patient>@<timepoint>` (deltaFeatures.ts joins them back per patient). With
 * `options.segmentations`, columns mask2, mask3, … give further segmentations of each case (other
 * readers), in that order; every case must have each one.
 */
export function readManifest(path: string, config: FeatureConfig, options: ManifestOptions = {}): ExtractTask[] {
  if (!existsSync(path)) throw new ExtractionInputError(`manifest ${path} does not exist`, { manifest: path });
  // The CSV layer every fedrad table uses (quoted commas and line breaks, CRLF, BOM, blank lines).
  const records = readCsv(readFileSync(path, 'utf8'), `manifest ${path}`);
  if (records.length < 2) throw new ExtractionInputError(`manifest ${path} has no case rows (expected a header id,image,mask and one row per case)`, { manifest: path });
  const header = records[0].cells.map((h) => h.toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const further = header.filter((h) => FURTHER_MASK.test(h)).sort();
  if (further.length > 0 && !options.segmentations) {
    throw new ExtractionInputError(`manifest ${path}: column(s) ${further.map((c) => `"${c}"`).join(', ')} hold further segmentations, which only a reproducibility step reads (a campaign site's, or fedrad reproducibility --manifest without --perturbation); this reader extracts the "mask" column of each case (remove them, or give the manifest to one of those)`, { manifest: path });
  }
  // mask2…mask9 numbered without a gap: a missing reader would shift the others' numbers.
  const gap = further.findIndex((c, i) => c !== `mask${i + 2}`);
  if (gap >= 0) throw new ExtractionInputError(`manifest ${path}: further segmentation column "${further[gap]}" without "mask${gap + 2}" (number them mask2, mask3, … without a gap)`, { manifest: path });
  const unknown = header.filter((h) => !(MANIFEST_COLUMNS as readonly string[]).includes(h) && !further.includes(h));
  if (unknown.length > 0) {
    throw new ExtractionInputError(`manifest ${path}: unknown column(s) ${unknown.map((c) => `"${c}"`).join(', ')} (a manifest holds ${MANIFEST_COLUMNS.join(', ')})`, { manifest: path });
  }
  for (const required of ['id', 'image', 'mask']) {
    if (col(required) < 0) throw new ExtractionInputError(`manifest ${path} has no "${required}" column (header: ${records[0].cells.join(',')})`, { manifest: path });
  }
  const base = dirname(resolve(path));
  const seen = new Set<string>();
  return records.slice(1).map(({ row, cells: f }) => {
    const patient = f[col('id')];
    const where = `manifest ${path} row ${row}`;
    const context = { manifest: path, row, caseId: patient || undefined };
    if (!patient) throw new ExtractionInputError(`${where}: empty id`, context);
    const timepoint = col('timepoint') >= 0 ? f[col('timepoint')] : undefined;
    if (timepoint !== undefined && !TIMEPOINT.test(timepoint)) {
      throw new ExtractionInputError(`${where} (case ${patient}): time point "${timepoint}" must be 1–32 letters, digits, "_" or "-" (it names feature columns)`, context);
    }
    const id = timepoint === undefined ? patient : `${patient}@${timepoint}`;
    if (seen.has(id)) throw new ExtractionInputError(`${where}: case id ${patient}${timepoint === undefined ? '' : ` at time point ${timepoint}`} appears twice`, context);
    seen.add(id);
    const abs = (p: string | undefined, what: string) => {
      if (!p) throw new ExtractionInputError(`${where} (case ${id}): empty ${what} path`, context);
      return isAbsolute(p) ? p : resolve(base, p);
    };
    const labelText = col('label') >= 0 ? f[col('label')] : '';
    const label = labelText ? Number(labelText) : undefined;
    if (label !== undefined && !Number.isInteger(label)) throw new ExtractionInputError(`${where} (case ${id}): label ${labelText} is not an integer`, context);
    const roi = col('roi') >= 0 && f[col('roi')] ? f[col('roi')] : undefined;
    const segmentations = further.map((c) => abs(f[col(c)], `${c} (further segmentation)`));
    return {
      id, image: abs(f[col('image')], 'image'), mask: abs(f[col('mask')], 'mask'), label, roi, config,
      ...(timepoint === undefined ? {} : { timepoint, patientId: patient }),
      ...(segmentations.length > 0 ? { segmentations } : {}),
    };
  });
}
