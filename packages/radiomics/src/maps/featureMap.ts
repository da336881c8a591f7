import type { Discretisation, FamilyName, FeatureConfig } from '@fedrad/protocol';
import type { Volume, VoxelData } from '@fedrad/imaging';
import { resolveFeatureConfig, TEXTURE_FAMILIES, type ResolvedFeatureConfig } from '../config/resolveConfig.js';
import { EmptyRoiError, FeatureConfigError, GridMismatchError } from '../errors.js';
import { catalogueEntryOf } from '../featureCatalogue.js';
import { extractFeatures } from '../pipeline/extractFeatures.js';
import { discretise } from '../preprocess/discretisation.js';
import { resegment } from '../preprocess/resegmentation.js';

export interface FeatureMapInput {
  image: Volume<VoxelData>;
  /** Non-zero voxels are the ROI. */
  mask: Volume<VoxelData>;
  /** The output tag of the feature to map (`stat_mean`, `cm_inv_diff_3D_comb`, …). */
  tag: string;
  /** Edge of the cubic neighbourhood in voxels, odd (5: the 5 × 5 × 5 voxels around each). */
  kernelSize: number;
  config?: FeatureConfig;
  caseId?: string;
  /** Told after each ROI voxel's feature. */
  onProgress?: (done: number, total: number) => void;
}

export interface FeatureMap {
  /** On the image's grid: the feature of each ROI voxel's neighbourhood, 0 outside the ROI, NaN where the feature is undefined. */
  data: Float32Array;
  family: FamilyName;
  roiVoxels: number;
}

const DISCRETISED: ReadonlySet<FamilyName> = new Set<FamilyName>(['intensity_histogram', 'intensity_volume_histogram', ...TEXTURE_FAMILIES]);

/**
 * Voxel-wise feature map (the "voxel-based" extraction of PyRadiomics, van Griethuysen et al.
 * 2017): for each ROI voxel, the feature computed on its k × k × k neighbourhood ∩ ROI. The
 * re-segmentation and the discretisation are applied once to the whole ROI, as for the ROI's own
 * features, so that a grey level means the same intensity band in every neighbourhood and the map's
 * values compare across voxels; each neighbourhood is then computed by the same pipeline with
 * discretisation 'none' on those levels. The map is on the image's grid: interpolation and filters
 * are refused (filter first with `fedrad filter` and map its response).
 */
export function featureMap(input: FeatureMapInput): FeatureMap {
  const { image, mask, tag, kernelSize, caseId } = input;
  const k = kernelSize;
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0) throw new FeatureConfigError(`the kernel size must be an odd number of voxels, found ${k}`);
  if (image.dims.some((d, a) => d !== mask.dims[a])) throw new GridMismatchError(image.dims, mask.dims, caseId);
  const widest = 2 * Math.max(...image.dims) + 1;
  if (k > widest) throw new FeatureConfigError(`a ${k}-voxel kernel is wider than the image itself allows (${widest} voxels covers it from any voxel)`);
  const config = resolveFeatureConfig(input.config ?? {});
  if (config.interpolation) throw new FeatureConfigError('a feature map is written on the image\'s grid: remove "interpolation" from the config (resample the image first if needed)');
  if (config.filters.length) throw new FeatureConfigError('a feature map maps one feature of the image: remove "filters" from the config, and map a response map written by fedrad filter instead');
  const entry = catalogueEntryOf(tag);
  if (!entry) throw new FeatureConfigError(`no feature family computes "${tag}"; give an output tag such as stat_mean or cm_inv_diff_3D_comb`);
  const family = entry.family as FamilyName;

  const n = image.data.length;
  const values = Float64Array.from(image.data as ArrayLike<number>);
  if (config.roundInputIntensities) for (let i = 0; i < n; i++) values[i] = Math.round(values[i]);
  const roi = new Uint8Array(n);
  for (let i = 0; i < n; i++) roi[i] = mask.data[i] !== 0 && mask.data[i] === mask.data[i] ? 1 : 0;
  const reseg = resegment(values, roi, config.resegmentation).intensityMask;
  let roiVoxels = 0;
  for (let i = 0; i < n; i++) roiVoxels += reseg[i];
  if (roiVoxels === 0) throw new EmptyRoiError('re-segmentation', caseId);

  // Grey levels of the whole ROI, once (IBSI 1 §2.7 with the ROI's range), for the families that bin.
  let kernelValues = values;
  let kernelConfig: ResolvedFeatureConfig = { ...config, families: new Set([family]), resegmentation: {} };
  if (DISCRETISED.has(family)) {
    const spec: Discretisation = family === 'intensity_histogram' ? config.intensityHistogramDiscretisation
      : family === 'intensity_volume_histogram' ? (config.ivhDiscretisation as Discretisation)
        : config.texture[family as keyof ResolvedFeatureConfig['texture']].discretisation;
    if (spec.method !== 'none') {
      const lower = Number.isFinite(config.resegmentation.range?.[0] ?? NaN) ? (config.resegmentation.range![0] as number) : null;
      kernelValues = Float64Array.from(discretise(values, reseg, spec, lower, caseId).levels);
      const none: Discretisation = { method: 'none' };
      kernelConfig = family === 'intensity_histogram' ? { ...kernelConfig, intensityHistogramDiscretisation: none }
        : family === 'intensity_volume_histogram' ? { ...kernelConfig, ivhDiscretisation: none }
          : { ...kernelConfig, texture: { ...config.texture, [family]: { ...config.texture[family as keyof ResolvedFeatureConfig['texture']], discretisation: none } } };
    }
  }

  const [nx, ny, nz] = image.dims;
  const r = (k - 1) / 2;
  const out = new Float32Array(n);
  let done = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const centre = x + nx * (y + ny * z);
    if (!reseg[centre]) continue;
    const lo = [Math.max(0, x - r), Math.max(0, y - r), Math.max(0, z - r)];
    const hi = [Math.min(nx - 1, x + r), Math.min(ny - 1, y + r), Math.min(nz - 1, z + r)];
    const dims: [number, number, number] = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
    const cube = new Float64Array(dims[0] * dims[1] * dims[2]);
    const cubeMask = new Uint8Array(cube.length);
    for (let c = 0, j = 0; c < dims[2]; c++) for (let b = 0; b < dims[1]; b++) for (let a = 0; a < dims[0]; a++, j++) {
      const i = lo[0] + a + nx * (lo[1] + b + ny * (lo[2] + c));
      cube[j] = kernelValues[i];
      cubeMask[j] = reseg[i];
    }
    const geometry = { dims, spacing: image.spacing, origin: image.origin, direction: image.direction };
    const { features } = extractFeatures({ image: { ...geometry, data: cube }, mask: { ...geometry, data: cubeMask }, config: kernelConfig, caseId });
    if (!(tag in features)) {
      throw new FeatureConfigError(`the ${family} family does not output "${tag}" with this config (it outputs ${Object.keys(features).slice(0, 6).join(', ')}, …); check the tag's aggregation suffix against the config`);
    }
    out[centre] = features[tag];
    input.onProgress?.(++done, roiVoxels);
  }
  return { data: out, family, roiVoxels };
}
