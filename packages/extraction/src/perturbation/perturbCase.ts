import type { ImageVolume, MaskVolume } from '@fedrad/imaging';
import { addNoise, estimateNoiseSd } from './imageNoise.js';
import type { Perturbation } from './perturbation.js';
import { rigidResample } from './rigidResample.js';
import { dilateMask, erodeMask } from './roiMorphology.js';

/** One case's image and ROI under one perturbation; `seed` drives the noise (the same seed, the same noise). */
export function perturbCase(image: ImageVolume, mask: MaskVolume, perturbation: Perturbation, seed: number): { image: ImageVolume; mask: MaskVolume } {
  switch (perturbation.kind) {
    case 'none': return { image, mask };
    case 'rotate': return rigidResample(image, mask, perturbation.degrees, [0, 0, 0]);
    case 'translate': return rigidResample(image, mask, 0, perturbation.shift);
    case 'noise': return { image: addNoise(image, perturbation.sd ?? estimateNoiseSd(image), seed), mask };
    case 'dilate': return { image, mask: dilateMask(mask, perturbation.voxels) };
    case 'erode': return { image, mask: erodeMask(mask, perturbation.voxels) };
  }
}
