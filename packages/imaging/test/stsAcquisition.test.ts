import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDicomSeries } from '../src/index.js';
import { FIXTURES, STS_DICOM } from './paths.js';

/** Acquisition parameters read with pydicom by scripts/fixtures/imaging/make_sts_acquisition.py. */
interface AcquisitionRef {
  modality: string;
  manufacturer?: string;
  model?: string;
  sliceThickness?: number;
  kvp?: number;
  fieldStrength?: number;
}
const reference: Record<string, AcquisitionRef> = JSON.parse(readFileSync(join(FIXTURES, 'sts/acquisition.json'), 'utf8')).series;

describe('acquisition parameters of the real sarcoma series (what a site reports as counts)', () => {
  it('covers CT, MR and PET series', () => {
    expect(new Set(Object.values(reference).map((r) => r.modality))).toEqual(new Set(['CT', 'MR', 'PT']));
  });

  it.each(Object.keys(reference))('%s: modality, manufacturer, model, slice thickness, kVp and field strength as pydicom reads them', (rel) => {
    const { modality, ...acquisition } = reference[rel];
    const v = readDicomSeries(join(STS_DICOM, rel, 'image'));
    expect(v.dicom.modality).toBe(modality);
    expect(v.dicom.acquisition).toEqual(acquisition);
  });
});
