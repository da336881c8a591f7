import { afterAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from '@fedrad/protocol';
import { radiomicsEngineSha256, verifyIbsiPhantom } from '../src/index.js';

// RQS item 3: the IBSI 1 digital phantom through the engine, against the IBSI reference table read
// from ../shared/ibsi (never copied into the repo). Reference: the table itself — its digital-phantom
// rows with a value are counted here by plain line splitting, and a table with one value changed
// must fail on exactly that feature.
const ibsi = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/ibsi');
const referenceCsv = readFileSync(join(ibsi, 'ibsi1/reference_values.csv'), 'utf8');
const header = referenceCsv.split('\n')[0].split(',');
const valueCol = header.indexOf('value');
// No quoted cell holds a comma before the value column on the phantom's rows whose aggregation is empty.
const phantomRows = referenceCsv.trim().split('\n').slice(1).filter((l) => l.startsWith('digital_phantom,'));

let dir: string | undefined;
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('fedrad verify-ibsi: the IBSI digital phantom through the extraction engine', () => {
  const at = new Date('2026-12-07T04:00:00Z');
  const record = verifyIbsiPhantom(ibsi, '0.1.0', at);

  it('checks every reference value of the phantom and every one matches: the record passes and names the engine', () => {
    expect(validate('ibsi-verification', record).valid).toBe(true);
    expect(phantomRows.length).toBe(482);
    expect(record.featuresChecked).toBe(482);
    expect(record).toMatchObject({ featuresMatched: 482, passed: true, mismatched: [], softwareVersion: '0.1.0', createdAt: at.toISOString(), engineSha256: radiomicsEngineSha256() });
    expect(record.referenceSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fails, naming the feature, when the reference says otherwise (one value changed)', () => {
    dir = mkdtempSync(join(tmpdir(), 'ibsi-'));
    cpSync(join(ibsi, 'ibsi1/digital_phantom'), join(dir, 'digital_phantom'), { recursive: true });
    const volume = phantomRows.find((l) => l.includes(',morph_volume,'))!;
    const cells = volume.split(',');
    expect(Number(cells[valueCol])).toBe(556);
    cells[valueCol] = '600';
    writeFileSync(join(dir, 'reference_values.csv'), referenceCsv.replace(volume, cells.join(',')));
    const failed = verifyIbsiPhantom(dir, '0.1.0', at);
    expect(failed).toMatchObject({ passed: false, featuresChecked: 482, featuresMatched: 481 });
    expect(failed.mismatched).toEqual([expect.objectContaining({ tag: 'morph_volume', reference: 600, tolerance: 4 })]);
    expect(failed.mismatched[0].value).toBeCloseTo(556, -1);
    expect(failed.referenceSha256).not.toBe(record.referenceSha256);
  });

  it('refuses a folder that is not the IBSI data, naming the file it needs', () => {
    expect(() => verifyIbsiPhantom(tmpdir(), '0.1.0')).toThrow(/phantom\.json is missing/);
  });
});
