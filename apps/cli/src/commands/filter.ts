import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readImage, readMask, writeNifti, type ImageVolume } from '@fedrad/imaging';
import { checkOutputPath } from '../commandFiles.js';
import { CliUsageError } from '../errors.js';
import { integerFlag } from '../integerFlag.js';
import { provenanceOf, provenancePath } from '../provenance.js';
import { stepProgressBar } from '../stepProgressBar.js';

export interface FilterOptions {
  image: string;
  mask?: string;
  label?: number;
  roi?: string;
  config: string;
  out: string;
  progress?: boolean;
}

export interface FilterResult {
  filter: string;
  dims: ImageVolume['dims'];
  /** voxels of the response kept (all, or those in the mask) */
  keptVoxels: number;
}

/**
 * `fedrad filter`: the response map of one IBSI 2 filter (config: packages/radiomics/configs/ibsi2-phase1/
 * for examples) over the whole image, written as NIfTI on the image's grid. The filter always sees
 * the whole image so that its boundary condition acts at the image's edge, as the manual
 * prescribes; with --mask the response outside the mask is written as 0 (and the provenance says so).
 */
export async function runFilter(o: FilterOptions): Promise<FilterResult> {
  if (!/\.nii(\.gz)?$/i.test(o.out)) throw new CliUsageError(`--out ${o.out}: give a NIfTI file name ending in .nii or .nii.gz`);
  checkOutputPath(o.out, 'response map');
  for (const [flag, path] of [['--image', o.image], ['--config', o.config], ['--mask', o.mask]] as const) {
    if (path !== undefined && !existsSync(path)) throw new CliUsageError(`${flag} ${path} does not exist`);
  }
  if (!o.mask && (o.label !== undefined || o.roi !== undefined)) throw new CliUsageError('--label and --roi select from a mask: give --mask too');
  const { applyFilter, parseFilterConfigFile, filterLabel } = await import('@fedrad/radiomics');
  const spec = parseFilterConfigFile(readFileSync(o.config, 'utf8'), o.config);
  const image = readImage(o.image);
  const mask = o.mask ? readMask(o.mask, image, { label: o.label, roi: o.roi }) : undefined;
  const bar = (o.progress ?? true) ? stepProgressBar(`filter ${filterLabel(spec)} |{bar}| {value}/{total}`) : undefined;
  let response: Float64Array;
  try {
    response = applyFilter({ data: Float64Array.from(image.data), dims: image.dims, spacing: image.spacing }, spec, bar);
  } finally {
    bar?.stop();
  }
  const data = Float32Array.from(response);
  let kept = data.length;
  if (mask) {
    kept = 0;
    for (let i = 0; i < data.length; i++) if (mask.data[i]) kept++; else data[i] = 0;
  }
  writeNifti({ ...image, data }, o.out, `fedrad filter ${filterLabel(spec)}`.slice(0, 79));
  const provenance = provenanceOf(o.out, {
    command: 'fedrad filter',
    inputs: [{ role: 'image', path: o.image }, ...(o.mask ? [{ role: 'mask', path: o.mask }] : [])],
    config: { path: o.config, value: spec },
    details: {
      filter: filterLabel(spec),
      outsideMask: mask ? 'written as 0; the filter ran over the whole image' : 'no mask: every voxel',
      ...(mask ? { roi: mask.selected, roiVoxels: kept } : {}),
    },
  });
  writeFileSync(provenancePath(o.out), JSON.stringify(provenance, null, 2) + '\n');
  return { filter: filterLabel(spec), dims: image.dims, keptVoxels: kept };
}



export function register(program: Command): void {
  program
    .command('filter')
    .description('Write the response map of an IBSI 2 convolutional filter (mean, LoG, Laws, Gabor, wavelets, Riesz) as NIfTI')
    .requiredOption('--image <path>', 'image file (NIfTI, NRRD) or DICOM series folder')
    .option('--mask <path>', 'mask (label image, .seg.nrrd, DICOM SEG, RTSTRUCT): the response outside it is written as 0')
    .option('--label <n>', 'label value / segment number to use from the mask', integerFlag('--label'))
    .option('--roi <name>', 'structure or segment name (RTSTRUCT, SEG, .seg.nrrd)')
    .requiredOption('--config <file.json>', 'filter config: {"filter": {"family": …, "boundary": …, …}} (see packages/radiomics/configs/ibsi2-phase1/)')
    .requiredOption('--out <file.nii.gz>', 'NIfTI-1 response map on the image\'s grid (float32); also writes <out>.provenance.json')
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      '\nFamilies: mean, laplacian_of_gaussian, laws, gabor, wavelet (haar, db1-db3, coif1), simoncelli, shannon,\n' +
        'riesz_laplacian_of_gaussian; boundary: constant, nearest, periodic, mirror. Lengths in mm, angles in degrees.\n' +
        'A field the family does not take is refused, naming it. Exit codes: 0 done, 1 bad config or image, 2 usage error.',
    )
    .action(async (opts: FilterOptions) => {
      const r = await runFilter(opts);
      process.stdout.write(`${opts.image} -> ${opts.out} (${r.filter}, ${r.dims.join('×')} voxels${opts.mask ? `, ${r.keptVoxels} in the mask` : ''})\n`);
    });
}
