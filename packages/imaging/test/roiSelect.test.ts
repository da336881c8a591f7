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
  it('accepts the single name that extends the request after a separator (GTV_Mass -> GTV_Mass_CT)', () => {
    expect(selectByName('rs.dcm', 'GTV_Mass', entries('Body', 'GTV_Mass_CT')).name).toBe('GTV_Mass_CT');
  });
  it('does not extend without a separator', () => {
    expectImagingError(() => selectByName('rs.dcm', 'GTV', entries('GTVnode')), 'UNKNOWN_ROI', /"GTVnode"/);
  });
  it('refuses two candidate extensions as ambiguous, listing all names', () => {
    expectImagingError(() => selectByName('rs.dcm', 'GTV_Mass', entries('GTV_Mass_CT', 'GTV_Mass_PET')), 'UNKNOWN_ROI',
      /ambiguous: 2 names match/, /"GTV_Mass_CT", "GTV_Mass_PET"/);
  });
});
