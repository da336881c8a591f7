import { describe, expect, it } from '@jest/globals';
import { selectByName } from '../src/roiSelect.js';
import { expectImagingError } from './errorAssert.js';

const entries = (...names: string[]) => names.map((name, value) => ({ name, value }));

describe('selectByName (rule documented in roiSelect.ts)', () => {
  it('prefers the exact name over longer names that start with it', () => {
    expect(selectByName('rs.dcm', 'GTV', entries('GTV_boost', 'GTV')).value).toBe(1);
  });
  it('falls back to a case-insensitive match', () => {
    expect(selectByName('rs.dcm', 'gtv_mass', entries('Body', 'GTV_Mass')).value).toBe(1);
  });
  it('never takes a name that only starts with the request (issue #19.2: --roi GTV took GTV_Mass_CT)', () => {
    expectImagingError(() => selectByName('rs.dcm', 'GTV', entries('Body', 'GTV_Mass_CT')), 'UNKNOWN_ROI',
      /no ROI\/segment "GTV" \(names must match exactly, letter case aside\)/, /the file holds: "Body", "GTV_Mass_CT"/);
    expectImagingError(() => selectByName('rs.dcm', 'GTV_Mass', entries('GTV_Mass_CT', 'GTV_Mass_PET')), 'UNKNOWN_ROI', /"GTV_Mass_CT", "GTV_Mass_PET"/);
    expectImagingError(() => selectByName('rs.dcm', 'GTV', entries('GTVnode')), 'UNKNOWN_ROI', /"GTVnode"/);
  });
  it('refuses two names that differ only by letter case as ambiguous', () => {
    expectImagingError(() => selectByName('rs.dcm', 'gtv', entries('GTV', 'Gtv')), 'UNKNOWN_ROI', /ambiguous: 2 structures have that name/, /"GTV", "Gtv"/);
  });
});
