import { nativeKernels } from '../native/nativeKernels.js';
import { nativeRadiomicsKernels } from './nativeRadiomicsKernels.js';
import type { RadiomicsKernels } from './radiomicsKernels.js';
import { typescriptKernels } from './typescriptKernels.js';

let selected: RadiomicsKernels | undefined;

/**
 * The kernels this process runs, chosen once: the native addon unless FEDRAD_NATIVE=0 or it was
 * not built (then nativeKernels() warns once), else the TypeScript twins.
 */
export function selectKernels(): RadiomicsKernels {
  if (selected) return selected;
  const addon = nativeKernels();
  return (selected = addon ? nativeRadiomicsKernels(addon) : typescriptKernels);
}

/** Which kernels this process runs ('native' or 'typescript'), for an output's provenance. */
export function radiomicsKernelKind(): RadiomicsKernels['kind'] {
  return selectKernels().kind;
}
