import type { FilterSpec } from './filterConfig.js';
import { filterAxes } from './grid.js';
import { lawsKernelNames, LAWS_KERNELS } from './laws.js';
import { waveletFilters } from './waveletCoefficients.js';

/**
 * How far, in voxels per axis, a filter's response at a voxel looks into the image, summed over
 * all its passes (an energy map adds its δ, an à trous level its dilated half-length; a rotation-
 * invariant filter may turn any kernel onto any axis, so its longest reach applies to all). The
 * response inside a box is then exactly the whole image's when the filter runs on the box grown by
 * this reach (clipped at the image's edge, where the boundary condition acts as on the whole
 * image). Null when the response depends on the whole image: the Fourier-domain filters (Simoncelli,
 * Shannon, Riesz) and any periodic boundary, which wraps the far edge around.
 */
export function filterReach(f: FilterSpec, spacing: readonly [number, number, number]): [number, number, number] | null {
  if (f.boundary === 'periodic') return null;
  const axes = filterAxes(f.dimensionality);
  const uniform = (r: number): [number, number, number] => [0, 1, 2].map((a) => (axes.includes(a) ? r : 0)) as [number, number, number];
  switch (f.family) {
    case 'mean':
      return uniform((f.support - 1) / 2);
    case 'laplacian_of_gaussian':
      return [0, 1, 2].map((a) => (axes.includes(a) ? Math.floor((f.truncation * f.sigma) / spacing[a] + 0.5) : 0)) as [number, number, number];
    case 'laws': {
      const half = Math.max(...lawsKernelNames(f.kernel)!.map((n) => (LAWS_KERNELS[n].length - 1) / 2));
      return uniform(half + (f.energyDistance ?? 0));
    }
    case 'gabor': {
      const reach = f.truncation * Math.max(1, 1 / f.gamma);
      const inPlane = f.dimensionality === '2D' ? [0, 1] : [0, 1, 2];
      return [0, 1, 2].map((a) => (inPlane.includes(a) ? Math.floor((reach * f.sigma) / spacing[a] + 0.5) : 0)) as [number, number, number];
    }
    case 'wavelet': {
      const { low, high } = waveletFilters(f.wavelet)!;
      const half = Math.max(Math.floor(low.length / 2), low.length - 1 - Math.floor(low.length / 2), high.length - 1 - Math.floor(high.length / 2));
      let r = 0;
      for (let l = 1; l <= f.level; l++) r += half * 2 ** (l - 1);
      return uniform(r);
    }
    default:
      return null;
  }
}
