import { describe, expect, it } from '@jest/globals';
import type { TextureInput, TextureSettings } from '../src/textureContract.js';
import { computeTextureFeatures } from '../src/texture/index.js';
import { ALL_AGGREGATIONS, TEXTURE_FAMILIES, digitalPhantomInput, readReferenceValues } from './textureFixtures.js';

/**
 * Aggregation semantics checked by hand on a tiny ROI, and output keys checked against the
 * tags of reference_values.csv.
 *
 * The ROI (nx=3, ny=1, nz=2): slice z=0 holds grey levels 1, 2 at x=0,1; slice z=1 holds a
 * single voxel of level 1 at x=0. Ng = 2.
 *  - 2D: only direction (1,0,0) of slice 0 has a pair, (1,2): P = [[0, .5], [.5, 0]], so
 *    contrast = 1 and joint maximum = 0.5. Empty matrices (other directions, slice 1) carry no
 *    value and must not be averaged in as zeros.
 *  - 3D: non-empty directions are (1,0,0) with pair (1,2), (0,0,1) with pair (1,1), and
 *    (1,0,-1) from (0,0,1) to (1,0,0) with pair (1,2). Contrasts 1, 0, 1: 3D average 2/3.
 *    Merged: counts M11 = 2, M12 = M21 = 2, so joint maximum 1/3 and contrast 2/3.
 *  - (0,0,1) alone is a single grey level: correlation 0/0, reported as 1 (see glcmFeatures).
 */
const tiny: TextureInput = {
  levels: Int32Array.from([1, 2, 0, 1, 0, 0]),
  mask: Uint8Array.from([1, 1, 0, 1, 0, 0]),
  dims: [3, 1, 2],
  spacing: [1, 1, 1],
  nLevels: 2,
};

describe('texture aggregation', () => {
  it('averages only non-empty matrices (2D and 3D averaged) and merges counts (3D merged)', () => {
    const f = computeTextureFeatures(tiny, { glcm: { aggregations: ['2D_avg', '2D_comb', '2_5D_avg', '2_5D_comb', '3D_avg', '3D_comb'], distance: 1 } });
    expect(f.cm_contrast_2D_avg).toBeCloseTo(1, 12);
    expect(f.cm_joint_max_2D_avg).toBeCloseTo(0.5, 12);
    expect(f.cm_contrast_2D_comb).toBeCloseTo(1, 12);
    expect(f.cm_contrast_2_5D_avg).toBeCloseTo(1, 12);
    expect(f.cm_contrast_2_5D_comb).toBeCloseTo(1, 12);
    expect(f.cm_contrast_3D_avg).toBeCloseTo(2 / 3, 12);
    expect(f.cm_contrast_3D_comb).toBeCloseTo(2 / 3, 12);
    expect(f.cm_joint_max_3D_comb).toBeCloseTo(1 / 3, 12);
    // (1,0,0) and (1,0,-1): [[0,.5],[.5,0]] has mu = 1.5, var = .25, Σ ij p = 2: corr = -1; (0,0,1): 1.
    expect(f.cm_corr_3D_avg).toBeCloseTo((-1 - 1 + 1) / 3, 12);
  });

  it('sums N_v when GLRLM matrices are merged (run percentage)', () => {
    // 3D merged: 13 directions x 3 voxels = 39 voxel-directions; every direction cuts the ROI
    // into runs: (1,0,0): runs {1},{2} and {1} on z=1 -> 3; (0,0,1): {1,1 stacked}, {2} -> 2;
    // (1,0,-1): {(0,0,1) -> (1,0,0)} differ -> 3; every other direction: 3 single runs. Total 3*12 + 2 = 38.
    const f = computeTextureFeatures(tiny, { glrlm: { aggregations: ['3D_comb'] } });
    expect(f.rlm_r_perc_3D_comb).toBeCloseTo(38 / 39, 12);
  });

  it('emits exactly the requested aggregations', () => {
    const settings: TextureSettings = { glszm: { aggregations: ['3D'] }, ngldm: { aggregations: ['2_5D'], distance: 1, coarseness: 0 } };
    const keys = Object.keys(computeTextureFeatures(digitalPhantomInput(), settings)).sort();
    expect(keys.length).toBe(16 + 17);
    expect(keys.every((k) => (k.startsWith('szm_') && k.endsWith('_3D')) || (k.startsWith('ngl_') && k.endsWith('_2_5D')))).toBe(true);
  });

  it('emits, with every aggregation enabled, exactly the 408 texture tags of the phantom table', () => {
    const tags = readReferenceValues().filter((r) => r.dataset === 'digital_phantom' && TEXTURE_FAMILIES.has(r.family)).map((r) => r.tag);
    expect(Object.keys(computeTextureFeatures(digitalPhantomInput(), ALL_AGGREGATIONS)).sort()).toEqual([...new Set(tags)].sort());
  });

  // IBSI aggregation codes -> the aggregation names of the texture contract.
  const AGG: Record<string, string> = { BTW3: '2D_avg', SUJT: '2D_comb', JJUI: '2_5D_avg', ZW7Z: '2_5D_comb', ITBB: '3D_avg', IAZD: '3D_comb', '8QNN': '2D', '62GR': '2_5D', KOBO: '3D' };
  it.each(['A', 'B', 'C', 'D', 'E'])('produces every texture tag that IBSI lists for CT configuration %s', (config) => {
    const rows = readReferenceValues().filter((r) => r.dataset === `config_${config}` && TEXTURE_FAMILIES.has(r.family));
    const settings: Record<string, { aggregations: string[]; distance: number; coarseness: number }> = {};
    for (const r of rows) {
      const s = (settings[r.family] ??= { aggregations: [], distance: 1, coarseness: 0 });
      if (!s.aggregations.includes(AGG[r.aggregationCode])) s.aggregations.push(AGG[r.aggregationCode]);
    }
    const out = computeTextureFeatures(digitalPhantomInput(), settings as unknown as TextureSettings);
    expect(rows.filter((r) => !(r.tag in out)).map((r) => r.tag)).toEqual([]);
  });
});
