import type { ImageVolume } from '@fedrad/imaging';
import { SeededRandom } from '@fedrad/numeric';

/**
 * The image's noise sd by the median absolute deviation of its finest Haar detail coefficients
 * along i, d = (x₂ₘ − x₂ₘ₊₁)/√2: σ̂ = median|d| / 0.6745 (Donoho & Johnstone 1994, Biometrika
 * 81(3):425–455, §4.2), the estimate Zwanenburg et al. (2019) use (after Chang et al. 2000).
 */
export function estimateNoiseSd(image: ImageVolume): number {
  const [nx, ny, nz] = image.dims;
  const details: number[] = [];
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i + 1 < nx; i += 2) {
        const a = image.data[i + nx * (j + ny * k)];
        const b = image.data[i + 1 + nx * (j + ny * k)];
        details.push(Math.abs(a - b) / Math.SQRT2);
      }
    }
  }
  details.sort((x, y) => x - y);
  const m = details.length;
  if (m === 0) return 0;
  const median = m % 2 ? details[(m - 1) / 2] : (details[m / 2 - 1] + details[m / 2]) / 2;
  return median / 0.6744897501960817; // Φ⁻¹(0.75)
}

/** The image with seeded Gaussian noise of sd `sd` added to every voxel (Box–Muller on xoshiro128**). */
export function addNoise(image: ImageVolume, sd: number, seed: number): ImageVolume {
  const rng = new SeededRandom(seed);
  const uniform = () => (rng.nextUint32() + 0.5) / 4294967296;
  const data = new Float32Array(image.data.length);
  for (let v = 0; v < data.length; v++) {
    const z = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    data[v] = image.data[v] + sd * z;
  }
  return { ...image, data };
}
