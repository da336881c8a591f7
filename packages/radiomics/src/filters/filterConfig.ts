import { FilterConfigError } from '../errors.js';
import { BOUNDARY_CONDITIONS, type BoundaryCondition, type FilterDimensionality } from './grid.js';
import { lawsKernelNames } from './laws.js';
import type { NonSeparableWavelet } from './nonSeparableWavelet.js';
import type { RieszOrder } from './riesz.js';
import type { Pooling } from './rotations.js';
import { WAVELET_NAMES } from './waveletCoefficients.js';

/**
 * A convolutional filter as a config names it (IBSI 2 manual, chapter 3 for the families and
 * table 2.1 for the parameters). Lengths are in mm, angles in degrees, sizes in voxels.
 */
export type FilterSpec =
  | ({ family: 'mean'; support: number } & Common)
  | ({ family: 'laplacian_of_gaussian'; sigma: number; truncation: number } & Common)
  | ({ family: 'laws'; kernel: string; pooling: Pooling | null; energyDistance: number | null } & Common)
  | ({ family: 'gabor'; sigma: number; lambda: number; gamma: number; theta: number; thetaStep: number | null; pooling: Pooling; truncation: number } & Common)
  | ({ family: 'wavelet'; wavelet: string; subband: string; level: number; pooling: Pooling | null } & Common)
  | ({ family: NonSeparableWavelet; level: number; riesz: RieszOrder | null } & Common)
  | ({ family: 'riesz_laplacian_of_gaussian'; sigma: number; truncation: number; riesz: RieszOrder } & Common);

interface Common {
  dimensionality: FilterDimensionality;
  boundary: BoundaryCondition;
}

export type FilterFamily = FilterSpec['family'];
export const FILTER_FAMILIES: readonly FilterFamily[] = ['mean', 'laplacian_of_gaussian', 'laws', 'gabor', 'wavelet', 'simoncelli', 'shannon', 'riesz_laplacian_of_gaussian'];

const FIELDS: Record<FilterFamily, string[]> = {
  mean: ['support'],
  laplacian_of_gaussian: ['sigma', 'truncation'],
  laws: ['kernel', 'rotationInvariance', 'pooling', 'energyDistance'],
  gabor: ['sigma', 'lambda', 'gamma', 'theta', 'rotationInvariance', 'thetaStep', 'pooling', 'truncation'],
  wavelet: ['wavelet', 'subband', 'level', 'rotationInvariance', 'pooling'],
  simoncelli: ['level', 'riesz'],
  shannon: ['level', 'riesz'],
  riesz_laplacian_of_gaussian: ['sigma', 'truncation', 'riesz'],
};
const POOLINGS: readonly Pooling[] = ['max', 'average', 'min'];

/**
 * Reads a filter object (the "filter" of a filter config, or one entry of a feature config's
 * "filters"), refusing — naming the field — anything it would otherwise have to ignore or guess.
 */
export function parseFilterSpec(raw: unknown, source?: string): FilterSpec {
  const fail = (field: string, message: string): never => { throw new FilterConfigError(field, message, source); };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('filter', 'expected an object');
  const o = raw as Record<string, unknown>;
  const family = o.family as FilterFamily;
  if (!FILTER_FAMILIES.includes(family)) return fail('family', `expected one of ${FILTER_FAMILIES.join(', ')}, found ${JSON.stringify(o.family)}`);
  const allowed = new Set(['family', 'dimensionality', 'boundary', ...FIELDS[family]]);
  for (const key of Object.keys(o)) if (!allowed.has(key)) fail(key, `not a field of the ${family} filter (its fields: ${[...allowed].join(', ')})`);

  const positive = (field: string, fallback?: number): number => {
    const v = o[field] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(field, `expected a positive number, found ${JSON.stringify(o[field])}`);
    return v as number;
  };
  const oddSize = (field: string): number => {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v % 2 === 0) fail(field, `expected an odd number of voxels ≥ 1, found ${JSON.stringify(v)}`);
    return v as number;
  };
  const level = (): number => {
    const v = o.level ?? 1;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 6) fail('level', `expected a decomposition level from 1 to 6, found ${JSON.stringify(o.level)}`);
    return v as number;
  };
  const invariant = (): boolean => {
    const v = o.rotationInvariance ?? false;
    if (typeof v !== 'boolean') fail('rotationInvariance', `expected true or false, found ${JSON.stringify(v)}`);
    return v as boolean;
  };
  const pooling = (fallback: Pooling): Pooling => {
    const v = o.pooling ?? fallback;
    if (!POOLINGS.includes(v as Pooling)) fail('pooling', `expected one of ${POOLINGS.join(', ')}, found ${JSON.stringify(o.pooling)}`);
    return v as Pooling;
  };
  const poolingIfInvariant = (fallback: Pooling): Pooling | null => {
    if (invariant()) return pooling(fallback);
    if (o.pooling !== undefined) fail('pooling', 'pooling applies only with "rotationInvariance": true');
    return null;
  };
  const riesz = (required: boolean): RieszOrder | null => {
    const v = o.riesz;
    if (v === undefined && !required) return null;
    if (!Array.isArray(v) || v.length !== 3 || v.some((n) => typeof n !== 'number' || !Number.isInteger(n) || n < 0) || v.every((n) => n === 0)) {
      fail('riesz', `expected the order [nx, ny, nz] of non-negative integers, not all 0, found ${JSON.stringify(v)}`);
    }
    return v as unknown as RieszOrder;
  };

  const dimensionality = o.dimensionality ?? '3D';
  if (dimensionality !== '2D' && dimensionality !== '3D') fail('dimensionality', `expected "2D" or "3D", found ${JSON.stringify(o.dimensionality)}`);
  const boundary = o.boundary;
  if (!BOUNDARY_CONDITIONS.includes(boundary as BoundaryCondition)) fail('boundary', `expected one of ${BOUNDARY_CONDITIONS.join(', ')}, found ${JSON.stringify(boundary)}`);
  const common: Common = { dimensionality: dimensionality as FilterDimensionality, boundary: boundary as BoundaryCondition };
  const axes = dimensionality === '2D' ? 2 : 3;

  switch (family) {
    case 'mean':
      return { family, support: oddSize('support'), ...common };
    case 'laplacian_of_gaussian':
      return { family, sigma: positive('sigma'), truncation: positive('truncation', 4), ...common };
    case 'riesz_laplacian_of_gaussian':
      return { family, sigma: positive('sigma'), truncation: positive('truncation', 4), riesz: riesz(true) as RieszOrder, ...common };
    case 'laws': {
      const names = typeof o.kernel === 'string' ? lawsKernelNames(o.kernel) : null;
      if (!names || names.length !== axes) fail('kernel', `expected ${axes} of L3 E3 S3 L5 E5 S5 W5 R5 (one per axis, e.g. ${axes === 2 ? 'L5S5' : 'E5L5S5'}), found ${JSON.stringify(o.kernel)}`);
      const energyDistance = o.energyDistance === undefined ? null : o.energyDistance;
      if (energyDistance !== null && (typeof energyDistance !== 'number' || !Number.isInteger(energyDistance) || energyDistance < 1)) fail('energyDistance', `expected the energy map's distance δ in voxels (an integer ≥ 1), found ${JSON.stringify(energyDistance)}`);
      return { family, kernel: o.kernel as string, pooling: poolingIfInvariant('max'), energyDistance: energyDistance as number | null, ...common };
    }
    case 'gabor': {
      const rotationInvariant = invariant();
      if (rotationInvariant && o.theta !== undefined) fail('theta', 'a rotation-invariant Gabor filter pools over thetaStep; theta would be ignored');
      if (!rotationInvariant && o.thetaStep !== undefined) fail('thetaStep', 'thetaStep applies only with "rotationInvariance": true');
      if (!rotationInvariant && o.pooling !== undefined) fail('pooling', 'pooling applies only with "rotationInvariance": true');
      const theta = rotationInvariant ? 0 : (typeof o.theta === 'number' && Number.isFinite(o.theta) ? o.theta : fail('theta', `expected an angle in degrees, found ${JSON.stringify(o.theta)}`));
      const thetaStep = rotationInvariant ? positive('thetaStep') : null;
      if (thetaStep !== null && Math.abs(360 / thetaStep - Math.round(360 / thetaStep)) > 1e-9) fail('thetaStep', `expected a divisor of 360°, found ${thetaStep}`);
      // each orientation is a full convolution: a step below 1° would be a denial of service, not a filter
      if (thetaStep !== null && thetaStep < 1) fail('thetaStep', `at most 360 orientations: expected a step of at least 1°, found ${thetaStep}`);
      return {
        family, sigma: positive('sigma'), lambda: positive('lambda'), gamma: positive('gamma'), theta: theta as number, thetaStep,
        pooling: rotationInvariant ? pooling('average') : 'average', truncation: positive('truncation', 4), ...common,
      };
    }
    case 'wavelet': {
      if (!WAVELET_NAMES.includes(o.wavelet as string)) fail('wavelet', `expected one of ${WAVELET_NAMES.join(', ')}, found ${JSON.stringify(o.wavelet)}`);
      const subband = o.subband;
      if (typeof subband !== 'string' || subband.length !== axes || /[^LH]/.test(subband)) fail('subband', `expected ${axes} letters of L and H (e.g. ${axes === 2 ? 'LH' : 'LHL'}), found ${JSON.stringify(subband)}`);
      return { family, wavelet: o.wavelet as string, subband: subband as string, level: level(), pooling: poolingIfInvariant('average'), ...common };
    }
    case 'simoncelli':
    case 'shannon':
      return { family, level: level(), riesz: riesz(false), ...common };
  }
}

/**
 * A short stable name of a filter and its parameters, used to name the features of its response
 * map: letters, digits and underscores only (a decimal point is written p, a minus sign m).
 */
export function filterLabel(f: FilterSpec): string {
  return labelOf(f).replace(/-/g, 'm').replace(/\./g, 'p');
}

function labelOf(f: FilterSpec): string {
  const inv = (p: Pooling | null): string => (p ? `_rot${p}` : '');
  const d = f.dimensionality.toLowerCase();
  switch (f.family) {
    case 'mean': return `mean${d}_m${f.support}_${f.boundary}`;
    case 'laplacian_of_gaussian': return `log${d}_s${f.sigma}_${f.boundary}`;
    case 'riesz_laplacian_of_gaussian': return `rieszlog${d}_s${f.sigma}_r${f.riesz.join('')}_${f.boundary}`;
    case 'laws': return `laws${d}_${f.kernel}${inv(f.pooling)}${f.energyDistance ? `_energy${f.energyDistance}` : ''}_${f.boundary}`;
    case 'gabor': return `gabor${d}_s${f.sigma}_l${f.lambda}_g${f.gamma}_${f.thetaStep === null ? `t${f.theta}` : `dt${f.thetaStep}`}_${f.boundary}`;
    case 'wavelet': return `wavelet${d}_${f.wavelet}_${f.subband}_l${f.level}${inv(f.pooling)}_${f.boundary}`;
    case 'simoncelli':
    case 'shannon': return `${f.family}${d}_l${f.level}${f.riesz ? `_r${f.riesz.join('')}` : ''}_${f.boundary}`;
  }
}

/** The descriptive fields a filter config file may carry beside its "filter". */
const FILE_FIELDS = ['filter', 'id', 'name', 'description', 'phantom', 'reference'];

/**
 * A filter config file (JSON): `{ "filter": { … } }` with optional descriptive fields (the
 * phase 1 configs' "id", "phantom" and "reference", a "name", a "description"), or the bare
 * filter object itself. Anything else is refused with the field named.
 */
export function parseFilterConfigFile(text: string, source?: string): FilterSpec {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FilterConfigError('(file)', `not valid JSON: ${(e as Error).message}`, source);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new FilterConfigError('(file)', 'expected a JSON object', source);
  const o = doc as Record<string, unknown>;
  if ('family' in o) return parseFilterSpec(o, source);
  for (const key of Object.keys(o)) if (!FILE_FIELDS.includes(key)) throw new FilterConfigError(key, `not a field of a filter config (its fields: ${FILE_FIELDS.join(', ')}, or a bare filter with "family")`, source);
  if (o.filter === undefined) throw new FilterConfigError('filter', 'missing: give the filter to apply', source);
  return parseFilterSpec(o.filter, source);
}
