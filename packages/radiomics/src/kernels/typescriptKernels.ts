import { localIntensityCoefficientsTs } from '../intensity/localIntensity.js';
import { statisticsSumsTs } from '../intensity/intensityStatistics.js';
import { maxPairDistanceTs } from '../morphology/convexHull.js';
import { enclosingEllipsoidScatterTs } from '../morphology/enclosingEllipsoid.js';
import { latticeConvexHullTs } from '../morphology/latticeHull.js';
import { hullCandidateLatticeTs, meshMeasuresTs } from '../morphology/mesh.js';
import { voxelMomentsTs } from '../morphology/morphologyCoefficients.js';
import { orientedMinimumBoundingBoxTs } from '../morphology/orientedBoundingBox.js';
import { spatialAutocorrelationTs } from '../morphology/spatialAutocorrelation.js';
import { roiSummaryTs } from '../pipeline/roiSummary.js';
import { binFixedNumber, binFixedSize, maskedRange } from '../preprocess/discretisation.js';
import { boundingBox } from '../preprocess/roiBox.js';
import type { RadiomicsKernels } from './radiomicsKernels.js';

/** The TypeScript twins of the native kernels, each beside the family code it serves. */
export const typescriptKernels: RadiomicsKernels = {
  kind: 'typescript',
  spatialAutocorrelation: spatialAutocorrelationTs,
  latticeConvexHull: latticeConvexHullTs,
  localIntensityPeaks: localIntensityCoefficientsTs,
  orientedMinimumBoundingBox: orientedMinimumBoundingBoxTs,
  enclosingEllipsoidScatter: enclosingEllipsoidScatterTs,
  meshMeasures: meshMeasuresTs,
  hullCandidateLattice: hullCandidateLatticeTs,
  voxelMoments: voxelMomentsTs,
  maxPairDistance: maxPairDistanceTs,
  roiSummary: roiSummaryTs,
  statisticsSums: statisticsSumsTs,
  maskBox: boundingBox,
  maskedRange,
  binFixedNumber,
  binFixedSize,
};
