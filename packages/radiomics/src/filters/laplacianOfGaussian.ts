import { filterAxes, type BoundaryCondition, type FilterDimensionality, type FilterGrid } from './grid.js';
import { centredKernel, convolveSeparable, type Kernel1D } from './separable.js';

/**
 * Laplacian of Gaussian (IBSI 2 manual, section 3.3):
 *   h(x) = −1/σ² · (1/(2πσ²))^{d/2} · (d − ‖x‖²/σ²) · exp(−‖x‖²/(2σ²)),
 * σ in mm converted to voxels per axis, the kernel truncated to M = 1 + 2⌊t·σ + 1/2⌋ voxels a side
 * (t the truncation, 4 in the manual's tests). It is the sum over axes a of G″_σ(x_a) Π_{b≠a} G_σ(x_b)
 * with G_σ the 1-D Gaussian density, so it runs as d separable passes of d 1-D kernels each.
 */
export function laplacianOfGaussian(grid: FilterGrid, sigmaMm: number, truncation: number, dimensionality: FilterDimensionality, boundary: BoundaryCondition): Float64Array {
  const axes = filterAxes(dimensionality);
  const gauss: Kernel1D[] = [];
  const second: Kernel1D[] = [];
  for (let axis = 0; axis < 3; axis++) {
    const sigma = sigmaMm / grid.spacing[axis];
    const radius = Math.floor(truncation * sigma + 0.5);
    const g: number[] = [], g2: number[] = [];
    for (let x = -radius; x <= radius; x++) {
      const gx = Math.exp(-(x * x) / (2 * sigma * sigma)) / (Math.sqrt(2 * Math.PI) * sigma);
      g.push(gx);
      g2.push((gx * (x * x - sigma * sigma)) / sigma ** 4);
    }
    gauss.push(centredKernel(g));
    second.push(centredKernel(g2));
  }
  const out = new Float64Array(grid.data.length);
  for (const a of axes) {
    const kernels: Array<Kernel1D | null> = [null, null, null];
    for (const b of axes) kernels[b] = b === a ? second[b] : gauss[b];
    const part = convolveSeparable(grid, kernels, boundary);
    for (let i = 0; i < out.length; i++) out[i] += part[i];
  }
  return out;
}
