import type { Graph } from '../graph/graph.js';
import type { ResolvedSpec } from './spec.js';
import { outcomeKind, resolveSpec, type ModelSpec } from './spec.js';

export interface ParamInfo {
  name: string;
  shape: [number, number];
  /** Penalised by lambda (intercepts and biases are not, as in glmnet). */
  penalized: boolean;
}

/**
 * A forward model: the graph that maps standardised features X [n, p] to the linear predictor
 * η [n, 1], given its parameters. Training, Hessian and inference graphs are all derived from
 * this one builder, so they cannot disagree about the model.
 */
export interface ForwardModel {
  spec: ResolvedSpec;
  featureCount: number;
  outcome: 'binary' | 'survival';
  params: ParamInfo[];
  /** True when η is linear in the parameters (logistic, Cox): Newton/IRLS applies. */
  linear: boolean;
  /** Builds η from X; `param(name)` returns the graph value holding that parameter. */
  linearPredictor(g: Graph, x: string, param: (name: string) => string): string;
}

export function buildModel(spec: ModelSpec, featureCount: number): ForwardModel {
  const s = resolveSpec(spec);
  const outcome = outcomeKind(s.family);
  if (s.family === 'mlp') {
    const widths = [featureCount, ...s.hiddenLayers, 1];
    const params: ParamInfo[] = [];
    for (let l = 0; l + 1 < widths.length; l++) {
      params.push({ name: `W${l}`, shape: [widths[l], widths[l + 1]], penalized: true });
      params.push({ name: `b${l}`, shape: [1, widths[l + 1]], penalized: false });
    }
    return {
      spec: s,
      featureCount,
      outcome,
      params,
      linear: false,
      linearPredictor(g, x, param) {
        let h = x;
        const layers = widths.length - 1;
        for (let l = 0; l < layers; l++) {
          h = g.add(g.matmul(h, param(`W${l}`)), param(`b${l}`));
          if (l + 1 < layers) h = s.activation === 'relu' ? g.relu(h) : g.tanh(h);
        }
        return h;
      },
    };
  }
  // θ = [intercept, β₁ … βₚ], the wire's order (SITE_CHANNEL.md §6), so a site's gradients and
  // Hessians travel as the graphs compute them. The Cox partial likelihood is invariant to an
  // intercept, so Cox has none: θ = β.
  const params: ParamInfo[] = [];
  if (outcome === 'binary') params.push({ name: 'intercept', shape: [1, 1], penalized: false });
  params.push({ name: 'beta', shape: [featureCount, 1], penalized: true });
  return {
    spec: s,
    featureCount,
    outcome,
    params,
    linear: true,
    linearPredictor(g, x, param) {
      const eta = g.matmul(x, param('beta'));
      return outcome === 'binary' ? g.add(eta, param('intercept')) : eta;
    },
  };
}

export const paramSize = (p: ParamInfo) => p.shape[0] * p.shape[1];
export const totalParamSize = (ps: ParamInfo[]) => ps.reduce((a, p) => a + paramSize(p), 0);
