import type { Discretisation, FamilyName, FeatureConfig } from '@fedrad/protocol';
import type { Volume, VoxelData } from '@fedrad/imaging';
import { resolveFeatureConfig, type ResolvedFeatureConfig } from '../config/resolveConfig.js';
import { EmptyRoiError, GridMismatchError } from '../errors.js';
import { ROI_FEATURE_FAMILIES } from '../familyRegistry.js';
import { evaluateFeatures } from '../featureDefinition.js';
import { applyFilter } from '../filters/applyFilter.js';
import { filterLabel } from '../filters/filterConfig.js';
import { filterReach } from '../filters/reach.js';
import { PEAK_SPHERE_RADIUS_MM } from '../intensity/localIntensity.js';
import type { RadiomicsKernels } from '../kernels/radiomicsKernels.js';
import { selectKernels } from '../kernels/selectKernels.js';
import { discretise } from '../preprocess/discretisation.js';
import { gatherMasked } from '../preprocess/gatherMasked.js';
import { resampleAxis, resampledAxis } from '../preprocess/interpolation.js';
import { resegment } from '../preprocess/resegmentation.js';
import { boundingBox, boxDims, crop } from '../preprocess/roiBox.js';
import type { VoxelBox } from '../preprocess/voxelBox.js';
import { computeTextureFeatures } from '../texture/index.js';
import { TEXTURE_FEATURE_FAMILIES } from '../texture/textureFamilies.js';
import type { TextureSettings } from '../textureContract.js';
import type { PreparedRoi } from './preparedRoi.js';

export interface ExtractionInput {
  image: Volume<VoxelData>;
  /** Non-zero voxels are the ROI (select a label before calling). */
  mask: Volume<VoxelData>;
  config?: FeatureConfig | ResolvedFeatureConfig;
  caseId?: string;
}

/** IBSI diagnostic values of the processed image and ROI (the `*_interp_img`, `*_reseg_roi` tags). */
export type Diagnostics = Record<string, number>;

export interface ExtractionResult {
  /** Feature values keyed by IBSI tag (e.g. `morph_volume`, `cm_joint_max_3D_comb`). */
  features: Record<string, number>;
  diagnostics: Diagnostics;
}

/**
 * The IBSI 1 chapter 2 pipeline: (rounding) → interpolation → re-segmentation → per-family
 * discretisation → features. Works on a box around the ROI, wide enough for the local-intensity
 * sphere and the interpolation kernels, so whole-image size hardly matters.
 */
export function extractFeatures(input: ExtractionInput): ExtractionResult {
  const config = isResolved(input.config) ? input.config : resolveFeatureConfig(input.config ?? {});
  const { image, mask, caseId } = input;
  const kernels = selectKernels();
  if (image.dims.some((d, k) => d !== mask.dims[k])) throw new GridMismatchError(image.dims, mask.dims, caseId);
  const fullDims = image.dims;
  const roiBox = maskBoundingBox(kernels, mask.data, fullDims);
  if (!roiBox) throw new EmptyRoiError('mask', caseId);

  // Work box: ROI ± (sphere radius + interpolation kernel support + the filters' reach), clipped
  // to the image, where a filter's boundary condition then acts as on the whole image (IBSI 2,
  // section 2.3). A filter whose response depends on the whole image (Fourier-domain, periodic)
  // gets the whole image.
  const kernelMargin = config.interpolation ? (config.interpolation.imageMethod === 'cubic' ? 14 : 3) : 0;
  const work: VoxelBox = { lo: [0, 0, 0], hi: [0, 0, 0] };
  const reachMm = filtersReachMm(config, image.spacing);
  const wholeImage = reachMm === null;
  for (let a = 0; a < 3 && wholeImage; a++) work.hi[a] = fullDims[a] - 1;
  for (let a = 0; a < 3 && !wholeImage; a++) {
    const m = Math.ceil(PEAK_SPHERE_RADIUS_MM / image.spacing[a]) + 1 + kernelMargin + Math.ceil(reachMm![a] / image.spacing[a]);
    work.lo[a] = Math.max(0, roiBox.lo[a] - m);
    work.hi[a] = Math.min(fullDims[a] - 1, roiBox.hi[a] + m);
  }
  let dims = boxDims(work);
  let values: Float64Array = cropToFloat64(image.data, fullDims, work);
  if (config.roundInputIntensities) for (let i = 0; i < values.length; i++) values[i] = Math.round(values[i]);
  let roi = cropToBinary(mask.data, fullDims, work);
  let spacing: [number, number, number] = [image.spacing[0], image.spacing[1], image.spacing[2]];
  const diagnostics: Diagnostics = {
    img_dim_x_init_img: fullDims[0], img_dim_y_init_img: fullDims[1], img_dim_z_init_img: fullDims[2],
    vox_dim_x_init_img: image.spacing[0], vox_dim_y_init_img: image.spacing[1], vox_dim_z_init_img: image.spacing[2],
    ...roiDiagnostics('init_roi', kernels.roiSummary(values, roi, roi, dims)),
  };

  if (config.interpolation) {
    const interp = config.interpolation;
    let maskValues: Float64Array = Float64Array.from(roi);
    for (let a = 0 as 0 | 1 | 2; a < 3; a = (a + 1) as 0 | 1 | 2) {
      const target = interp.spacing[a];
      if (target === null) continue;
      const axis = resampledAxis(fullDims[a], image.spacing[a], target);
      diagnostics[`img_dim_${'xyz'[a]}_interp_img`] = axis.n;
      // New points whose position falls inside the work box; at a true image edge the
      // extrapolated points beyond it are kept too (IBSI: grid may extend past the image).
      const first = work.lo[a] === 0 ? 0 : Math.ceil((work.lo[a] - axis.start) / axis.step - 1e-9);
      const last = work.hi[a] === fullDims[a] - 1 ? axis.n - 1 : Math.floor((work.hi[a] - axis.start) / axis.step + 1e-9);
      const positions = new Float64Array(Math.max(0, last - first + 1));
      for (let j = 0; j < positions.length; j++) positions[j] = axis.start + (first + j) * axis.step - work.lo[a];
      const img = resampleAxis(values, dims, a, positions, interp.imageMethod);
      const msk = resampleAxis(maskValues, dims, a, positions, interp.maskMethod);
      values = img.data;
      maskValues = msk.data;
      dims = img.dims;
      spacing[a] = target;
    }
    if (interp.intensityRounding === 'nearest_integer') for (let i = 0; i < values.length; i++) values[i] = Math.round(values[i]);
    roi = new Uint8Array(maskValues.length);
    // Partial-volume threshold δ (E8H9); the tiny tolerance keeps 0.4999… from dropping a voxel.
    for (let i = 0; i < roi.length; i++) roi[i] = maskValues[i] >= interp.maskThreshold - 1e-9 ? 1 : 0;
    spacing = [spacing[0], spacing[1], spacing[2]];
  }
  // IBSI 1 ch. 5 diagnostic features ("interpolated image stack"): an axis that is not resampled
  // (config A, z in config B) keeps its size, as the CT phantom table lists it.
  for (let a = 0; a < 3; a++) diagnostics[`img_dim_${'xyz'[a]}_interp_img`] ??= fullDims[a];
  diagnostics.vox_dim_x_interp_img = spacing[0];
  diagnostics.vox_dim_y_interp_img = spacing[1];
  diagnostics.vox_dim_z_interp_img = spacing[2];

  // The interpolated ROI's summary gives its diagnostics and the morphological box.
  const interp = kernels.roiSummary(values, roi, roi, dims);
  if (interp[0] === 0) throw new EmptyRoiError('interpolation', caseId);
  const morphBox: VoxelBox = { lo: [interp[5], interp[6], interp[7]], hi: [interp[8], interp[9], interp[10]] };
  Object.assign(diagnostics, roiDiagnostics('interp_roi', interp));
  const reseg = resegment(values, roi, config.resegmentation);
  Object.assign(diagnostics, roiDiagnostics('reseg_roi', kernels.roiSummary(values, roi, reseg.intensityMask, dims)));
  const intensityCount = diagnostics.int_mask_vox_count_reseg_roi;
  if (intensityCount === 0) throw new EmptyRoiError('re-segmentation', caseId);
  const mb = boxDims(morphBox);

  // ROI box: both masks and the intensities, for morphology, statistics and texture.
  const boxValues = crop(values, dims, morphBox);
  const boxMorph = crop(roi, dims, morphBox);
  const boxIntensity = crop(reseg.intensityMask, dims, morphBox);
  const roiValues = new Float64Array(intensityCount);
  gatherMasked(boxValues, boxIntensity, roiValues);
  const lowerBound = Number.isFinite(config.resegmentation.range?.[0] ?? NaN) ? (config.resegmentation.range![0] as number) : null;

  const prepared: PreparedRoi = {
    image: values, dims, spacing, intensityMask: reseg.intensityMask,
    box: { values: boxValues, morphologicalMask: boxMorph, intensityMask: boxIntensity, dims: mb },
    roiValues, lowerBound, config, kernels, caseId,
  };

  const features = computeFamilies(prepared, config.families);
  // IBSI 2 chapter 6: each response map over the same ROI (re-segmented on the original
  // intensities), its features named by the filter.
  for (const spec of config.filters) {
    const response = applyFilter({ data: values, dims, spacing }, spec);
    const boxResponse = crop(response, dims, morphBox);
    const responseValues = new Float64Array(intensityCount);
    gatherMasked(boxResponse, boxIntensity, responseValues);
    const filtered = computeFamilies(
      { ...prepared, image: response, box: { ...prepared.box, values: boxResponse }, roiValues: responseValues, lowerBound: null },
      config.filteredFamilies,
    );
    const label = filterLabel(spec);
    for (const [tag, value] of Object.entries(filtered)) features[`${label}${FILTER_SEPARATOR}${tag}`] = value;
  }
  return { features, diagnostics };
}

/**
 * How far (mm per axis) the config's filters look from a voxel, on the grid they run on (the
 * interpolated one when the config interpolates), or null when one needs the whole image.
 */
function filtersReachMm(config: ResolvedFeatureConfig, imageSpacing: readonly [number, number, number]): [number, number, number] | null {
  const grid = [0, 1, 2].map((a) => config.interpolation?.spacing[a] ?? imageSpacing[a]) as [number, number, number];
  const out: [number, number, number] = [0, 0, 0];
  for (const f of config.filters) {
    const reach = filterReach(f, grid);
    if (!reach) return null;
    for (let a = 0; a < 3; a++) out[a] = Math.max(out[a], reach[a] * grid[a]);
  }
  return out;
}

/** Between a filter's label and a feature's IBSI tag in a filtered feature's name (no IBSI tag holds it). */
export const FILTER_SEPARATOR = '__';

/** The features of the wanted families over a prepared ROI (of the image or of a response map). */
function computeFamilies(prepared: PreparedRoi, want: ReadonlySet<FamilyName>): Record<string, number> {
  const { config, caseId, kernels, lowerBound, spacing } = prepared;
  const { values: boxValues, intensityMask: boxIntensity, morphologicalMask: boxMorph, dims: mb } = prepared.box;
  const features: Record<string, number> = {};
  for (const family of ROI_FEATURE_FAMILIES) {
    if (want.has(family.name)) Object.assign(features, evaluateFeatures(family.features, family.coefficients(prepared)));
  }
  // Texture: one discretised volume per distinct discretisation, the families sharing it together.
  const groups = new Map<string, { discretisation: Discretisation; settings: TextureSettings }>();
  for (const family of TEXTURE_FEATURE_FAMILIES) {
    if (!want.has(family.name)) continue;
    const { discretisation } = config.texture[family.name];
    const key = JSON.stringify(discretisation);
    const group = groups.get(key) ?? { discretisation, settings: {} };
    groups.set(key, group);
    Object.assign(group.settings, { [family.name]: family.settings(config) });
  }
  for (const group of groups.values()) {
    const d = discretise(boxValues, boxIntensity, group.discretisation, lowerBound, caseId, kernels);
    Object.assign(features, computeTextureFeatures(
      { levels: d.levels, mask: boxIntensity, morphologicalMask: boxMorph, dims: mb, spacing, nLevels: d.nLevels },
      group.settings,
    ));
  }
  return features;
}

/**
 * IBSI diagnostic values of one ROI stage (ct_phantom_diagnostics.csv: `*_init_roi`,
 * `*_interp_roi`, `*_reseg_roi`) from its roiSummary: voxel counts, bounding boxes, intensities in
 * the intensity mask.
 */
function roiDiagnostics(stage: 'init_roi' | 'interp_roi' | 'reseg_roi', s: Float64Array): Diagnostics {
  const out: Diagnostics = {};
  const nMorph = s[0], nInt = s[1];
  ['x', 'y', 'z'].forEach((a, k) => {
    if (nInt > 0) out[`int_mask_bb_dim_${a}_${stage}`] = s[14 + k] - s[11 + k] + 1;
    if (nMorph > 0) out[`morph_mask_bb_dim_${a}_${stage}`] = s[8 + k] - s[5 + k] + 1;
  });
  out[`int_mask_vox_count_${stage}`] = nInt;
  out[`morph_mask_vox_count_${stage}`] = nMorph;
  if (nInt > 0) {
    out[`int_mask_mean_int_${stage}`] = s[2] / nInt;
    out[`int_mask_min_int_${stage}`] = s[3];
    out[`int_mask_max_int_${stage}`] = s[4];
  }
  return out;
}

function isResolved(c: FeatureConfig | ResolvedFeatureConfig | undefined): c is ResolvedFeatureConfig {
  return !!c && (c as ResolvedFeatureConfig).families instanceof Set;
}

/**
 * The ROI's bounding box in the whole mask, through the kernels for a byte mask (millions of
 * voxels, scanned once per case), else by the TypeScript scan of any voxel type.
 */
function maskBoundingBox(kernels: RadiomicsKernels, mask: ArrayLike<number>, dims: readonly [number, number, number]): VoxelBox | null {
  if (!(mask instanceof Uint8Array) || mask.length !== dims[0] * dims[1] * dims[2]) return boundingBox(mask, dims);
  return kernels.maskBox(mask, dims);
}

/** Copies the box out of a mask as 0/1 (non-zero, non-NaN voxels are the ROI). */
function cropToBinary(data: VoxelData, dims: readonly [number, number, number], box: VoxelBox): Uint8Array {
  const [bx, by, bz] = boxDims(box);
  const out = new Uint8Array(bx * by * bz);
  for (let z = 0, k = 0; z < bz; z++) {
    for (let y = 0; y < by; y++, k += bx) {
      binaryRow(data, box.lo[0] + dims[0] * (box.lo[1] + y + dims[1] * (box.lo[2] + z)), out, k, bx);
    }
  }
  return out;
}

/** One row as 0/1; a small function so the JIT optimises it within the first case. */
function binaryRow(data: VoxelData, src: number, out: Uint8Array, k: number, n: number): void {
  for (let x = 0; x < n; x++) {
    const v = data[src + x];
    out[k + x] = v !== 0 && v === v ? 1 : 0;
  }
}

/** The box as Float64, row by row with the native typed-array conversion (no JS loop per voxel). */
function cropToFloat64(data: VoxelData, dims: readonly [number, number, number], box: VoxelBox): Float64Array {
  const [bx, by, bz] = boxDims(box);
  const out = new Float64Array(bx * by * bz);
  for (let z = 0, k = 0; z < bz; z++) {
    for (let y = 0; y < by; y++, k += bx) {
      const src = box.lo[0] + dims[0] * (box.lo[1] + y + dims[1] * (box.lo[2] + z));
      out.set(data.subarray(src, src + bx), k);
    }
  }
  return out;
}
