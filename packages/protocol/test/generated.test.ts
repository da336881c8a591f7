import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error the generator is a plain .mjs script without type declarations
import { generate, generatedDir } from '../scripts/generate-types.mjs';

describe('generated protocol types', () => {
  it('match what `npm run gen` would write now (run it after editing protocols/)', async () => {
    const files = (await generate()) as Record<string, string>;
    for (const [name, content] of Object.entries(files)) {
      const onDisk = readFileSync(join(generatedDir as string, name), 'utf8');
      expect({ name, stale: onDisk !== content }).toEqual({ name, stale: false });
    }
  });
});
