// The three-site fixture written by scripts/fixtures/methods/glm-sites.R: each site's rows, and
// R's POOLED fits (glmnet, glm) — the independent reference every federated fit is held to.
import { readFileSync } from 'node:fs';
import type { CampaignProtocol, ModelSpec } from '@fedrad/protocol';
import type { TrainingRows } from '../src/index.js';

export interface SiteData {
  x: number[][];
  y: number[];
}

export const fixture = JSON.parse(readFileSync(new URL('./fixtures/glm-sites.json', import.meta.url), 'utf8')) as {
  sites: Record<string, SiteData>;
  pooledFits: Array<{ family: ModelSpec['family']; alpha: number; lambda: number; coef: number[] }>;
};

export const siteIds = Object.keys(fixture.sites);
export const featureNames = fixture.sites[siteIds[0]].x[0].map((_, j) => `f${j + 1}`);

export function rowsOf(data: SiteData): TrainingRows {
  return { featureNames, x: Float64Array.from(data.x.flat()), label: Float64Array.from(data.y) };
}

export const partitions = new Map(siteIds.map((s) => [s, rowsOf(fixture.sites[s])]));

export function protocolFor(model: ModelSpec, training: Partial<CampaignProtocol['training']> = {}): CampaignProtocol {
  return {
    type: 'campaign-protocol',
    campaignId: 'twin-test',
    title: 'Local twin test',
    version: 1,
    outcome: { type: 'binary', label: 'y' },
    features: featureNames,
    model,
    trainingSites: siteIds,
    testSites: [],
    minCohortSize: 5,
    training: { strategy: 'exact-newton', rounds: 50, ...training },
  };
}
