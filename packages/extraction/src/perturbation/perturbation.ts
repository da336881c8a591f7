import { PerturbationSpecError } from '../errors.js';

/**
 * The image perturbations of Zwanenburg et al. (2019), "Assessing robustness of radiomic features
 * by image perturbation", Sci Rep 9:614: features re-extracted from a perturbed image or ROI of the
 * same case stand in for a second reader, and their ICC over the perturbations measures robustness.
 *
 * - `none`: the case as it is (one measurement among the others);
 * - `rotate`: the image and ROI rotated in-plane (about the k axis through the ROI centroid) by `degrees`;
 * - `translate`: the grid shifted by a fraction of a voxel along i, j, k (`shift`);
 * - `noise`: Gaussian noise added to the image, with sd `sd` or, without it, the image's own noise
 *   level (Donoho & Johnstone's MAD estimate);
 * - `dilate` / `erode`: the ROI grown or shrunk by `voxels` voxels (6-connected), the volume adaptation.
 */
export type Perturbation =
  | { kind: 'none' }
  | { kind: 'rotate'; degrees: number }
  | { kind: 'translate'; shift: [number, number, number] }
  | { kind: 'noise'; sd?: number }
  | { kind: 'dilate'; voxels: number }
  | { kind: 'erode'; voxels: number };

const SYNTAX = 'none, rotate:DEGREES, translate:DI,DJ,DK (voxel fractions), noise or noise:SD, dilate:VOXELS, erode:VOXELS';

/** Reads `rotate:10`, `translate:0.5,0,0`, `noise`, `noise:12`, `dilate:1`, `erode:1`, `none`; anything else is refused naming the syntax. */
export function parsePerturbation(spec: string): Perturbation {
  const [kind, arg] = spec.trim().split(':', 2);
  const refuse = (why: string): never => {
    throw new PerturbationSpecError(`perturbation "${spec}": ${why}; expected one of ${SYNTAX}`);
  };
  const finite = (text: string | undefined) => {
    const x = Number(text);
    if (text === undefined || text === '' || !Number.isFinite(x)) refuse(`"${text ?? ''}" is not a number`);
    return x;
  };
  switch (kind) {
    case 'none':
      if (arg !== undefined) refuse('none takes no value');
      return { kind: 'none' };
    case 'rotate':
      return { kind: 'rotate', degrees: finite(arg) };
    case 'translate': {
      const parts = (arg ?? '').split(',');
      if (parts.length !== 3) refuse('translate takes three voxel fractions, DI,DJ,DK');
      return { kind: 'translate', shift: [finite(parts[0]), finite(parts[1]), finite(parts[2])] };
    }
    case 'noise': {
      if (arg === undefined) return { kind: 'noise' };
      const sd = finite(arg);
      if (!(sd > 0)) refuse('the noise sd must be above 0');
      return { kind: 'noise', sd };
    }
    case 'dilate':
    case 'erode': {
      const voxels = finite(arg);
      if (!Number.isInteger(voxels) || voxels < 1) refuse(`${kind} takes a whole number of voxels ≥ 1`);
      return { kind, voxels };
    }
    default:
      return refuse(`unknown kind "${kind}"`);
  }
}

/** The perturbation as written (its name in outputs and provenance). */
export function perturbationName(p: Perturbation): string {
  switch (p.kind) {
    case 'none': return 'none';
    case 'rotate': return `rotate:${p.degrees}`;
    case 'translate': return `translate:${p.shift.join(',')}`;
    case 'noise': return p.sd === undefined ? 'noise' : `noise:${p.sd}`;
    default: return `${p.kind}:${p.voxels}`;
  }
}
