import { FedRadError } from '@fedrad/protocol';

/** Errors of the radiomics pipeline: one class per kind, each with a stable `code` and context. */

/** The ROI has no voxel left at some stage (segmentation, interpolation, re-segmentation). */
export class EmptyRoiError extends FedRadError {
  constructor(readonly stage: 'mask' | 'interpolation' | 're-segmentation', readonly caseId?: string) {
    super(
      'ROI_EMPTY',
      `${caseId ? `Case ${caseId}: ` : ''}the region of interest is empty after ${stage}` +
        (stage === 're-segmentation'
          ? ' — no ROI voxel lies within the re-segmentation range; check the range in the feature config against the image units (HU, SUV, …).'
          : stage === 'interpolation'
            ? ' — the ROI is smaller than half a voxel of the new grid; use a finer interpolation spacing.'
            : ' — the mask has no voxel with the selected label; check the label / ROI name.'),
      { context: { caseId } },
    );
  }
}

/** Image and mask are not on the same voxel grid. */
export class GridMismatchError extends FedRadError {
  constructor(readonly imageDims: readonly number[], readonly maskDims: readonly number[], readonly caseId?: string) {
    const expected = `the image grid ${imageDims.join('×')}`;
    const found = `mask grid ${maskDims.join('×')}`;
    super('GRID_MISMATCH', `${caseId ? `Case ${caseId}: ` : ''}image grid ${imageDims.join('×')} and mask grid ${maskDims.join('×')} differ; the mask must be drawn on the image's voxel grid.`, {
      context: { caseId, expected, found },
    });
  }
}

/** Intensities cannot be discretised as the config asks. */
export class DiscretisationError extends FedRadError {
  constructor(message: string, readonly caseId?: string) {
    super('DISCRETISATION_INVALID', `${caseId ? `Case ${caseId}: ` : ''}${message}`, { context: { caseId } });
  }
}

/** The feature config is not valid (schema violation or an impossible combination). */
export class FeatureConfigError extends FedRadError {
  constructor(message: string, readonly source?: string, cause?: unknown) {
    super('FEATURE_CONFIG_INVALID', `${source ? `${source}: ` : ''}${message}`, { context: { file: source }, cause });
  }
}

/** A filter config names an unknown family or a field outside what the family accepts. */
export class FilterConfigError extends FedRadError {
  constructor(readonly field: string, message: string, readonly source?: string) {
    super('FILTER_CONFIG_INVALID', `${source ? `${source}: ` : ''}filter field "${field}": ${message}`, { context: { file: source, field } });
  }
}
