import type { TextureInput, TextureSettings } from '../textureContract.js';

/** Placeholder until the texture families land: computes nothing. */
export function computeTextureFeatures(_input: TextureInput, _settings: TextureSettings): Record<string, number> {
  return {};
}
