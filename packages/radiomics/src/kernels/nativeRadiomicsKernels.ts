import { PEAK_SPHERE_RADIUS_MM } from '../intensity/localIntensity.js';
import type { NativeAddon } from '../native/nativeKernels.js';
import type { RadiomicsKernels } from './radiomicsKernels.js';

/**
 * The C++ addon as RadiomicsKernels: each method spreads dims and spacing into the addon's flat
 * arguments and names the fields of its fixed-size results, nothing more, so the numbers are
 * the addon's own.
 */
export function nativeRadiomicsKernels(addon: NativeAddon): RadiomicsKernels {
  return {
    kind: 'native',
    spatialAutocorrelation(values, mask, dims, spacing) {
      const [moranI, gearyC] = addon.spatialAutocorrelation(values, mask, dims[0], dims[1], dims[2], spacing[0], spacing[1], spacing[2]);
      return { moranI, gearyC };
    },
    latticeConvexHull: (lattice, spacing) => addon.latticeConvexHull(lattice, spacing[0], spacing[1], spacing[2]),
    localIntensityPeaks({ image, dims, spacing, intensityMask }) {
      const [localPeak, globalPeak] = addon.localIntensityPeaks(image, intensityMask, ...dims, ...spacing, PEAK_SPHERE_RADIUS_MM);
      return { localPeak, globalPeak };
    },
    orientedMinimumBoundingBox(vertices, normals, faceAreas, maxFaces) {
      const [volume, area] = addon.orientedMinimumBoundingBox(vertices, normals, faceAreas, maxFaces);
      return { volume, area };
    },
    enclosingEllipsoidScatter: (vertices, tolerance, maxIterations) => addon.enclosingEllipsoidScatter(vertices, tolerance, maxIterations),
    meshMeasures(mask, dims, spacing) {
      const [triple, cross, faceCount] = addon.meshSums(mask, ...dims, ...spacing);
      return { volume: Math.abs(triple) / 6, area: cross / 2, faceCount };
    },
    hullCandidateLattice: (mask, dims) => addon.hullCandidateLattice(mask, ...dims),
    voxelMoments: (morph, intensityMask, intensities, dims) => addon.voxelMoments(morph, intensityMask, intensities, ...dims),
    maxPairDistance: (points) => addon.maxPairDistance(points),
    roiSummary: (values, morph, intensity, dims) => addon.roiSummary(values, morph, intensity, ...dims),
    statisticsSums: (sorted, median, p10, p90) => addon.statisticsSums(sorted, median, p10, p90),
    maskBox(mask, dims) {
      const b = addon.maskBox(mask, ...dims);
      return b ? { lo: [b[0], b[1], b[2]], hi: [b[3], b[4], b[5]] } : null;
    },
    maskedRange: (values, mask) => addon.maskedRange(values, mask),
    binFixedNumber: (values, mask, levels, min, max, bins) => addon.binFixedNumber(values, mask, levels, min, max, bins),
    binFixedSize: (values, mask, levels, lowerBound, binWidth) => addon.binFixedSize(values, mask, levels, lowerBound, binWidth),
  };
}
