import { describe, expect, it } from '@jest/globals';
import { canonicalHash } from '@fedrad/protocol';
import { recordedFeatureConfig } from '../src/config/recordedConfig.js';

// A provenance record (and the site's check that a table was made with the campaign's config)
// hashes the recorded config: configs that compute different families must record differently.
describe('recorded feature config', () => {
  it('lists the families as JSON, so configs with different families hash differently', () => {
    const morphologyOnly = recordedFeatureConfig({ families: ['morphology'] });
    expect(JSON.parse(JSON.stringify(morphologyOnly)).families).toEqual(['morphology']);
    expect(canonicalHash(morphologyOnly)).not.toBe(canonicalHash(recordedFeatureConfig({})));
  });

  it('records equal family sets equally, whatever order the config lists them in', () => {
    const a = recordedFeatureConfig({ families: ['glcm', 'morphology'] });
    const b = recordedFeatureConfig({ families: ['morphology', 'glcm'] });
    expect(canonicalHash(a)).toBe(canonicalHash(b));
  });
});
