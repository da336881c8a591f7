import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextureInput, TextureSettings } from '../src/textureContract.js';

/** Read-only IBSI reference data next to the repo root (/work/shared); never copied in. */
const here = dirname(fileURLToPath(import.meta.url));
export const IBSI1 = join(here, '../../../../shared/ibsi/ibsi1');

/**
 * The IBSI 1 digital phantom as a texture input. IBSI uses its grey levels 1, 3, 4, 6 as the
 * discretised levels directly, with Ng = 6 (levels 2 and 5 absent but counted).
 */
export function digitalPhantomInput(): TextureInput {
  const phantom = JSON.parse(readFileSync(join(IBSI1, 'digital_phantom/phantom.json'), 'utf8')) as {
    dims_xyz: [number, number, number];
    spacing_mm_xyz: [number, number, number];
    image_flat: number[];
    mask_flat: number[];
  };
  const mask = Uint8Array.from(phantom.mask_flat);
  const levels = Int32Array.from(phantom.image_flat, (v, k) => (mask[k] ? v : 0));
  return { levels, mask, dims: phantom.dims_xyz, spacing: phantom.spacing_mm_xyz, nLevels: 6 };
}

export const ALL_AGGREGATIONS: TextureSettings = {
  glcm: { aggregations: ['2D_avg', '2D_comb', '2_5D_avg', '2_5D_comb', '3D_avg', '3D_comb'], distance: 1 },
  glrlm: { aggregations: ['2D_avg', '2D_comb', '2_5D_avg', '2_5D_comb', '3D_avg', '3D_comb'] },
  glszm: { aggregations: ['2D', '2_5D', '3D'] },
  gldzm: { aggregations: ['2D', '2_5D', '3D'] },
  ngtdm: { aggregations: ['2D', '2_5D', '3D'], distance: 1 },
  ngldm: { aggregations: ['2D', '2_5D', '3D'], distance: 1, coarseness: 0 },
};

export interface ReferenceRow {
  dataset: string;
  family: string;
  feature: string;
  code: string;
  aggregationCode: string;
  tag: string;
  value: number | null;
  tolerance: number;
}

/** reference_values.csv, parsed with its quoted fields ("2D, averaged"). */
export function readReferenceValues(): ReferenceRow[] {
  const lines = readFileSync(join(IBSI1, 'reference_values.csv'), 'utf8').trim().split(/\r?\n/);
  const header = splitCsvLine(lines[0]);
  const col = (name: string): number => {
    const k = header.indexOf(name);
    if (k < 0) throw new Error(`reference_values.csv: no column ${name}`);
    return k;
  };
  const [d, fam, feat, code, agg, tag, value, tol] = ['dataset', 'family', 'feature', 'ibsi_code', 'aggregation_code', 'tag', 'value', 'tolerance'].map(col);
  return lines.slice(1).map((line) => {
    const f = splitCsvLine(line);
    return {
      dataset: f[d], family: f[fam], feature: f[feat], code: f[code], aggregationCode: f[agg], tag: f[tag],
      value: f[value] === '' ? null : Number(f[value]), tolerance: f[tol] === '' ? 0 : Number(f[tol]),
    };
  });
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let k = 0; k < line.length; k++) {
    const ch = line[k];
    if (quoted) {
      if (ch === '"' && line[k + 1] === '"') { field += '"'; k++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(field); field = ''; }
    else field += ch;
  }
  out.push(field);
  return out;
}

export const TEXTURE_FAMILIES = new Set(['glcm', 'glrlm', 'glszm', 'gldzm', 'ngtdm', 'ngldm']);

/** IBSI compares digital-phantom values after rounding to 3 significant digits. */
export function roundTo3(x: number): number {
  return Number(x.toPrecision(3));
}
