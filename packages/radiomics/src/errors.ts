/** Errors of the radiomics pipeline: one class per kind, each with a stable `code` and context. */

/** The ROI has no voxel left at some stage (segmentation, interpolation, re-segmentation). */
export class EmptyRoiError extends Error {
  readonly code = 'ROI_EMPTY';
  constructor(readonly stage: 'mask' | 'interpolation' | 're-segmentation', readonly caseId?: string) {
    super(
      `${caseId ? `Case ${caseId}: ` : ''}the region of interest is empty after ${stage}` +
        (stage === 're-segmentation'
          ? ' — no ROI voxel lies within the re-segmentation range; check the range in the feature config against the image units (HU, SUV, …).'
          : stage === 'interpolation'
            ? ' — the ROI is smaller than half a voxel of the new grid; use a finer interpolation spacing.'
            : ' — the mask has no voxel with the selected label; check the label / ROI name.'),
    );
    this.name = 'EmptyRoiError';
  }
}

/** Image and mask are not on the same voxel grid. */
export class GridMismatchError extends Error {
  readonly code = 'GRID_MISMATCH';
  constructor(readonly imageDims: readonly number[], readonly maskDims: readonly number[], readonly caseId?: string) {
    super(`${caseId ? `Case ${caseId}: ` : ''}image grid ${imageDims.join('×')} and mask grid ${maskDims.join('×')} differ; the mask must be drawn on the image's voxel grid.`);
    this.name = 'GridMismatchError';
  }
}

/** Intensities cannot be discretised as the config asks. */
export class DiscretisationError extends Error {
  readonly code = 'DISCRETISATION_INVALID';
  constructor(message: string, readonly caseId?: string) {
    super(`${caseId ? `Case ${caseId}: ` : ''}${message}`);
    this.name = 'DiscretisationError';
  }
}

/** The feature config is not valid (schema violation or an impossible combination). */
export class FeatureConfigError extends Error {
  readonly code = 'FEATURE_CONFIG_INVALID';
  constructor(message: string, readonly source?: string) {
    super(`${source ? `${source}: ` : ''}${message}`);
    this.name = 'FeatureConfigError';
  }
}
