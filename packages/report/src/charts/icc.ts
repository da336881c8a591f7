import type { FeatureIcc } from '../reportInput.js';
import { axis, chart } from './common.js';

/** The distribution of the features' ICCs (reproducibility step), with the usual 0.75 "good" line (Koo & Li 2016). */
export const iccSpec = (values: readonly FeatureIcc[]) =>
  chart(`ICC distribution (${values.length} features)`, {
    layer: [
      {
        data: { values },
        mark: 'bar',
        encoding: { x: { field: 'icc', type: 'quantitative', bin: { extent: [0, 1], step: 0.05 }, ...axis('ICC') }, y: { aggregate: 'count', type: 'quantitative', title: 'features' } },
      },
      { data: { values: [{ x: 0.75 }] }, mark: { type: 'rule', color: '#c00', strokeDash: [4, 3] }, encoding: { x: { field: 'x', type: 'quantitative' } } },
    ],
  });
