import type { Command } from 'commander';
import { readImage, writeNifti, type DicomImageVolume, type ImageVolume, type LossyCompression } from '@fedrad/imaging';
import { checkOutputPath } from '../commandFiles.js';
import { CliUsageError } from '../errors.js';

export interface ConvertOptions {
  image: string;
  out: string;
}

export interface ConvertResult {
  dims: ImageVolume['dims'];
  spacing: ImageVolume['spacing'];
  /** Present when the source was lossy-compressed DICOM, so the caller can say so. */
  lossyCompression?: LossyCompression;
}

/**
 * `fedrad convert`: any image the readers take (DICOM series folder, multi-frame or compressed
 * DICOM file, NRRD, NIfTI) written as NIfTI-1 with its geometry, what users otherwise do with
 * dcm2niix. The volume is exactly what `fedrad extract` would compute features on.
 */
export function runConvert(o: ConvertOptions): ConvertResult {
  if (!/\.nii(\.gz)?$/i.test(o.out)) throw new CliUsageError(`--out ${o.out}: give a NIfTI file name ending in .nii or .nii.gz`);
  checkOutputPath(o.out, 'NIfTI image');
  const volume = readImage(o.image);
  writeNifti(volume, o.out, `fedrad convert`);
  const lossy = (volume as Partial<DicomImageVolume>).dicom?.lossyCompression;
  return { dims: volume.dims, spacing: volume.spacing, ...(lossy ? { lossyCompression: lossy } : {}) };
}

export function register(program: Command): void {
  program
    .command('convert')
    .description('Write an image (DICOM series folder, multi-frame or compressed DICOM file, NRRD, NIfTI) as NIfTI-1 with its geometry')
    .requiredOption('--image <path>', 'DICOM series folder or file (uncompressed, deflate, RLE, JPEG lossless, JPEG-LS, JPEG 2000; Enhanced CT/MR multi-frame), NRRD or NIfTI')
    .requiredOption('--out <file.nii.gz>', 'NIfTI-1 file to write (.nii, or .nii.gz for gzip); float32 voxels, RAS sform and qform')
    .action((opts: ConvertOptions) => {
      const r = runConvert(opts);
      const fmt = (xs: readonly number[]) => xs.map((x) => +x.toFixed(4)).join('×');
      process.stdout.write(`${opts.image} -> ${opts.out} (${r.dims.join('×')} voxels of ${fmt(r.spacing)} mm)\n`);
      if (r.lossyCompression) {
        const { transferSyntaxName, transferSyntax, ratio } = r.lossyCompression;
        process.stderr.write(`warning: the source was lossy-compressed (${transferSyntaxName}, ${transferSyntax}` +
          `${ratio !== undefined ? `, ratio ${ratio}` : ''}); texture features of such images are not comparable with those of lossless ones\n`);
      }
    });
}
