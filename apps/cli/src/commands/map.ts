import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readImage, readMask, writeNifti, type ImageVolume } from '@fedrad/imaging';
import { checkOutputPath } from '../commandFiles.js';
import { CliUsageError } from '../errors.js';
import { integerFlag } from '../integerFlag.js';
import { provenanceOf, provenancePath } from '../provenance.js';
import { stepProgressBar } from '../stepProgressBar.js';

export interface MapOptions {
  image: string;
  mask: string;
  label?: number;
  roi?: string;
  feature: string;
  kernel?: number;
  config?: string;
  out: string;
  progress?: boolean;
}

export interface MapResult {
  family: string;
  roiVoxels: number;
  dims: ImageVolume['dims'];
}

/**
 * `fedrad map`: a voxel-wise feature map for explainability — one feature computed in the
 * neighbourhood of every ROI voxel, written as NIfTI aligned with the image so a radiologist can
 * overlay it. A map is per-voxel data of one patient: it is written locally and nothing sends it.
 */
export async function runMap(o: MapOptions): Promise<MapResult> {
  if (!/\.nii(\.gz)?$/i.test(o.out)) throw new CliUsageError(`--out ${o.out}: give a NIfTI file name ending in .nii or .nii.gz`);
  checkOutputPath(o.out, 'feature map');
  for (const [flag, path] of [['--image', o.image], ['--mask', o.mask], ['--config', o.config]] as const) {
    if (path !== undefined && !existsSync(path)) throw new CliUsageError(`${flag} ${path} does not exist`);
  }
  if (o.label !== undefined && o.roi !== undefined) throw new CliUsageError('give --label or --roi, not both');
  const kernelSize = o.kernel ?? 5;
  const { featureMap, parseFeatureConfig, recordedFeatureConfig } = await import('@fedrad/radiomics');
  const config = o.config ? parseFeatureConfig(readFileSync(o.config, 'utf8'), o.config) : {};
  const image = readImage(o.image);
  const mask = readMask(o.mask, image, { label: o.label, roi: o.roi });
  const bar = (o.progress ?? true) ? stepProgressBar(`map ${o.feature} |{bar}| {value}/{total} voxels | ETA {eta_formatted}`, 64) : undefined;
  let map;
  try {
    map = featureMap({ image, mask, tag: o.feature, kernelSize, config, onProgress: bar });
  } finally {
    bar?.stop();
  }
  writeNifti({ ...image, data: map.data }, o.out, `fedrad map ${o.feature} k${kernelSize}`.slice(0, 79));
  const provenance = provenanceOf(o.out, {
    command: 'fedrad map',
    inputs: [{ role: 'image', path: o.image }, { role: 'mask', path: o.mask }],
    config: { ...(o.config ? { path: o.config } : {}), value: recordedFeatureConfig(config) },
    details: {
      feature: o.feature, family: map.family, kernelVoxels: kernelSize, roi: mask.selected, roiVoxels: map.roiVoxels,
      outsideRoi: 'written as 0', neighbourhood: `${kernelSize}×${kernelSize}×${kernelSize} voxels ∩ ROI; re-segmentation and discretisation over the whole ROI`,
    },
  });
  writeFileSync(provenancePath(o.out), JSON.stringify(provenance, null, 2) + '\n');
  return { family: map.family, roiVoxels: map.roiVoxels, dims: image.dims };
}



export function register(program: Command): void {
  program
    .command('map')
    .description('Write a voxel-wise feature map (one feature in a sliding neighbourhood over the ROI) as NIfTI aligned with the image')
    .requiredOption('--image <path>', 'image file (NIfTI, NRRD) or DICOM series folder')
    .requiredOption('--mask <path>', 'mask: label image, .seg.nrrd, DICOM SEG or RTSTRUCT')
    .option('--label <n>', 'label value / segment number to use from the mask', integerFlag('--label'))
    .option('--roi <name>', 'structure or segment name (RTSTRUCT, SEG, .seg.nrrd)')
    .requiredOption('--feature <tag>', 'IBSI output tag of the feature, e.g. stat_mean or cm_inv_diff_3D_comb')
    .option('--kernel <n>', 'neighbourhood edge in voxels, odd (default 5: 5×5×5)', integerFlag('--kernel'))
    .option('--config <file>', 'feature config (JSON or YAML) for re-segmentation, discretisation and aggregation; no interpolation or filters')
    .requiredOption('--out <file.nii.gz>', 'NIfTI-1 map on the image\'s grid (float32, 0 outside the ROI); also writes <out>.provenance.json')
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      '\nEach ROI voxel gets the feature of its neighbourhood ∩ ROI; grey levels are set once over the whole ROI, so values\n' +
        'compare across the map. A map holds one patient\'s voxel data: it stays at the site (nothing in fedrad sends it).\n' +
        'Exit codes: 0 done, 1 bad config or image, 2 usage error.',
    )
    .action(async (opts: MapOptions) => {
      const r = await runMap(opts);
      process.stdout.write(`${opts.image} -> ${opts.out} (${opts.feature}, ${r.roiVoxels} ROI voxels, ${r.dims.join('×')} grid)\n`);
    });
}
