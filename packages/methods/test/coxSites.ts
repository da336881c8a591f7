// The three-site survival fixture written by scripts/fixtures/methods/cox-sites.R: each site's rows,
// and R's fits on the POOLED rows (coxph with strata(site) or without, glmnet's stratified Cox,
// coxph on coarsened times): the independent references every federated Cox fit is held to.
import { readFileSync } from 'node:fs';
import type { SurvivalRows } from '../src/index.js';

interface Fit {
  coef: number[];
  loglik: number;
  loglik0: number;
}

export const coxFixture = JSON.parse(readFileSync(new URL('./fixtures/cox-sites.json', import.meta.url), 'utf8')) as {
  sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
  stratifiedBreslow: Fit;
  stratifiedEfron: Fit;
  pooledBreslow: Fit;
  pooledEfron: Fit;
  coarsened: { minEvents: number; edges: number[]; loneEventGrid: number[]; breslow: Fit; efron: Fit };
  stratifiedGlmnet: Array<{ alpha: number; lambda: number; coef: number[] }>;
};

export const coxSiteIds = Object.keys(coxFixture.sites);
export const coxFeatures = coxFixture.sites[coxSiteIds[0]].x[0].map((_, j) => `f${j + 1}`);

export const coxPartitions = new Map<string, SurvivalRows>(
  coxSiteIds.map((s) => {
    const d = coxFixture.sites[s];
    return [s, { featureNames: coxFeatures, x: Float64Array.from(d.x.flat()), time: Float64Array.from(d.time), event: Float64Array.from(d.event) }];
  }),
);
