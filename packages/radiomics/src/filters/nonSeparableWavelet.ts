import { filterByTransfer } from './fourier.js';
import { filterAxes, type BoundaryCondition, type FilterDimensionality, type FilterGrid } from './grid.js';
import { rieszTransfer, type RieszOrder } from './riesz.js';

export type NonSeparableWavelet = 'simoncelli' | 'shannon';

/**
 * Isotropic band-pass wavelets defined by their transfer function of ρ = ‖ω‖ (radians per voxel,
 * IBSI 2 manual, section 3.7), level j being the mother wavelet dilated by 2^{j−1}:
 *   Simoncelli: ψ̂(ρ) = cos(π/2 · log₂(2ρ/π)) for π/4 < ρ ≤ π, 0 elsewhere;
 *   Shannon:    ψ̂(ρ) = 1 for π/2 < ρ ≤ π, 0 elsewhere.
 * Both are real and even, so the response is real; they are rotation invariant by construction.
 */
export function waveletTransfer(wavelet: NonSeparableWavelet, level: number): (rho: number) => number {
  const scale = 2 ** (level - 1);
  if (wavelet === 'shannon') return (rho) => { const r = rho * scale; return r > Math.PI / 2 && r <= Math.PI ? 1 : 0; };
  return (rho) => {
    const r = rho * scale;
    return r > Math.PI / 4 && r <= Math.PI ? Math.cos((Math.PI / 2) * Math.log2((2 * r) / Math.PI)) : 0;
  };
}

export interface NonSeparableWaveletSettings {
  wavelet: NonSeparableWavelet;
  level: number;
  dimensionality: FilterDimensionality;
  boundary: BoundaryCondition;
  /** an optional Riesz transform of the wavelet (IBSI 2 manual, section 3.8) */
  riesz: RieszOrder | null;
}

/**
 * The wavelet's response, computed on the image's DFT grid (periodic) or on the image extended by
 * half its size on each side by the boundary condition, the transfer function sampled on the
 * reference's symmetric frequency grid (see FrequencyGrid).
 */
export function nonSeparableWavelet(grid: FilterGrid, s: NonSeparableWaveletSettings): Float64Array {
  const axes = filterAxes(s.dimensionality);
  const psi = waveletTransfer(s.wavelet, s.level);
  const riesz = s.riesz ? rieszTransfer(s.riesz) : null;
  const pad = grid.dims.map((n, a) => (axes.includes(a) ? Math.ceil(n / 2) : 0)) as [number, number, number];
  const { re } = filterByTransfer(grid, axes, pad, s.boundary, (w) => {
    const h = psi(Math.hypot(w[0], w[1], w[2]));
    if (!riesz || h === 0) return [h, 0];
    const [rr, ri] = riesz(w);
    return [h * rr, h * ri];
  }, 'symmetric');
  return re;
}
