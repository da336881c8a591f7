// Test helper playing the site's part of SITE_CHANNEL.md §6: sums over a site's patients of the
// logistic negative log-likelihood's gradient and Hessian, straight from the definitions.
import type { Tensor } from '@fedrad/protocol';
import type { SiteResult } from '../src/index.js';

export interface SiteData {
  x: number[][];
  y: number[];
}

export function siteUpdate(siteId: string, data: SiteData, beta: number[], round: number, withHessian = true): SiteResult {
  const p1 = beta.length;
  const g = new Array(p1).fill(0);
  const h = new Array(p1 * p1).fill(0);
  const fs = new Array(p1 - 1).fill(0);
  const fss = new Array(p1 - 1).fill(0);
  let loss = 0;
  data.x.forEach((row, i) => {
    const xt = [1, ...row];
    const eta = xt.reduce((s, v, j) => s + v * beta[j], 0);
    const mu = 1 / (1 + Math.exp(-eta));
    loss -= data.y[i] * Math.log(mu) + (1 - data.y[i]) * Math.log(1 - mu);
    for (let j = 0; j < p1; j++) {
      g[j] += (mu - data.y[i]) * xt[j];
      for (let k = 0; k < p1; k++) h[j * p1 + k] += mu * (1 - mu) * xt[j] * xt[k];
    }
    row.forEach((v, j) => {
      fs[j] += v;
      fss[j] += v * v;
    });
  });
  const tensors: Tensor[] = [{ name: 'gradient', shape: [p1], data: g }];
  if (withHessian) tensors.push({ name: 'hessian', shape: [p1, p1], data: h });
  tensors.push({ name: 'feature-sum', shape: [p1 - 1], data: fs }, { name: 'feature-sumsq', shape: [p1 - 1], data: fss });
  return {
    siteId,
    update: {
      kind: 'train-round',
      round,
      sampleCount: data.y.length,
      eventCount: data.y.reduce((a, b) => a + b, 0),
      contents: withHessian ? 'gradient-hessian' : 'gradient',
      tensors,
      loss,
    },
  };
}
