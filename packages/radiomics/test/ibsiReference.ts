// Test helpers: IBSI reference data read from ../shared/ibsi (never copied into the repo).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const sharedIbsiDir = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/ibsi/ibsi1');

export interface ReferenceRow {
  dataset: string;
  family: string;
  feature: string;
  ibsiCode: string;
  tag: string;
  value: number | null;
  tolerance: number;
}

/** Parses reference_values.csv (RFC 4180 quoting: some aggregation names hold commas). */
export function referenceValues(): ReferenceRow[] {
  const text = readFileSync(join(sharedIbsiDir, 'reference_values.csv'), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = splitCsvLine(lines[0]);
  const col = (name: string): number => header.indexOf(name);
  return lines.slice(1).map((line) => {
    const f = splitCsvLine(line);
    return {
      dataset: f[col('dataset')],
      family: f[col('family')],
      feature: f[col('feature')],
      ibsiCode: f[col('ibsi_code')],
      tag: f[col('tag')],
      value: f[col('value')] === '' ? null : Number(f[col('value')]),
      tolerance: Number(f[col('tolerance')] || 0),
    };
  });
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

export interface DigitalPhantom {
  dims: [number, number, number];
  spacing: [number, number, number];
  image: Float32Array;
  mask: Uint8Array;
}

export function digitalPhantom(): DigitalPhantom {
  const p = JSON.parse(readFileSync(join(sharedIbsiDir, 'digital_phantom/phantom.json'), 'utf8'));
  return {
    dims: p.dims_xyz,
    spacing: p.spacing_mm_xyz,
    image: Float32Array.from(p.image_flat),
    mask: Uint8Array.from(p.mask_flat),
  };
}

/** Rounds to 3 significant digits, as the IBSI phantom values are given. */
export function round3(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(3));
}
