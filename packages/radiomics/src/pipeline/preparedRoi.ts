import type { ResolvedFeatureConfig } from '../config/resolveConfig.js';
import type { RadiomicsKernels } from '../kernels/radiomicsKernels.js';

/**
 * The ROI after interpolation and re-segmentation, as the pipeline hands it to every family
 * computed on the ROI itself (all but texture, which gets its discretised TextureInput).
 */
export interface PreparedRoi {
  /** Intensities of the work box (the ROI ± the local-intensity sphere), x fastest. */
  image: Float64Array;
  dims: [number, number, number];
  /** mm per voxel after interpolation. */
  spacing: [number, number, number];
  /** Intensity (re-segmented) mask of the work box. */
  intensityMask: Uint8Array;
  /** Intensities and both masks cropped to the morphological mask's bounding box. */
  box: { values: Float64Array; morphologicalMask: Uint8Array; intensityMask: Uint8Array; dims: [number, number, number] };
  /** The intensity-mask voxels' intensities, in voxel order. */
  roiValues: Float64Array;
  /** The re-segmentation range's lower bound (where FBS starts by default), or null. */
  lowerBound: number | null;
  config: ResolvedFeatureConfig;
  kernels: RadiomicsKernels;
  caseId?: string;
}
