import type { FilterSpec } from './filterConfig.js';

/**
 * IBSI 2 identifiers of the filters (IBSI 2 reference manual, arXiv:2006.05470, chapter 3: each
 * filter's permanent code): mean S60F, Laplacian of Gaussian L6PA, Laws kernels JTXT, Gabor Q88H,
 * Haar wavelet UOUE, Simoncelli wavelet PRT7, Riesz transform AYRS. A filter whose code this
 * table does not hold (Daubechies, Coiflet, Shannon) gets none rather than a guessed one.
 */
export function filterIbsiCodes(f: FilterSpec): string[] {
  switch (f.family) {
    case 'mean': return ['S60F'];
    case 'laplacian_of_gaussian': return ['L6PA'];
    case 'riesz_laplacian_of_gaussian': return ['L6PA', 'AYRS'];
    case 'laws': return ['JTXT'];
    case 'gabor': return ['Q88H'];
    case 'wavelet': return f.wavelet === 'haar' || f.wavelet === 'db1' ? ['UOUE'] : [];
    case 'simoncelli': return f.riesz ? ['PRT7', 'AYRS'] : ['PRT7'];
    case 'shannon': return f.riesz ? ['AYRS'] : [];
  }
}
