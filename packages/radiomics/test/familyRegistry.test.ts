import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_FAMILIES, featureCatalogue } from '../src/index.js';
import { FEATURE_FAMILIES } from '../src/familyRegistry.js';
import { referenceValues, sharedIbsiDir } from './ibsiReference.js';

/** IBSI's feature catalogue (feature_catalogue.csv): family, family code, IBSI code and tag stem of each feature. */
function ibsiCatalogue(): Array<{ family: string; familyCode: string; code: string; tag: string }> {
  const lines = readFileSync(join(sharedIbsiDir, 'feature_catalogue.csv'), 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(',');
  const col = (name: string) => header.indexOf(name);
  // Its fields hold no quoted commas before the note column, the last one.
  return lines.slice(1).map((l) => l.split(',')).map((f) => ({ family: f[col('family')], familyCode: f[col('family_code')], code: f[col('ibsi_code')], tag: f[col('tag_base')] }));
}

describe('the feature family registry', () => {
  const catalogue = featureCatalogue();

  it('holds the families of the config, in its order', () => {
    expect(FEATURE_FAMILIES.map((f) => f.name)).toEqual([...ALL_FAMILIES]);
  });

  it('catalogues exactly the features of the IBSI catalogue, texture included, with their family and feature codes', () => {
    const ibsi = ibsiCatalogue();
    const key = (f: { family: string; familyCode: string; code: string; tag: string }) => `${f.family} ${f.familyCode} ${f.tag} ${f.code}`;
    expect(catalogue.map(key).sort()).toEqual(ibsi.map(key).sort());
    expect(catalogue.filter((f) => f.texture).length).toBe(ibsi.filter((f) => /^(glcm|glrlm|glszm|gldzm|ngtdm|ngldm)$/.test(f.family)).length);
  });

  it('gives every reference value of the IBSI table the code of the feature it names', () => {
    const byTag = new Map(catalogue.map((f) => [f.tag, f]));
    const rows = referenceValues();
    expect(rows.length).toBeGreaterThan(1700);
    for (const r of rows) {
      // A texture tag is the stem followed by the aggregation: the longest catalogued prefix names it.
      const stem = byTag.has(r.tag) ? r.tag : [...byTag.keys()].filter((t) => r.tag.startsWith(`${t}_`)).sort((a, b) => b.length - a.length)[0];
      expect([r.tag, byTag.get(stem)?.code]).toEqual([r.tag, r.ibsiCode]);
    }
  });
});
