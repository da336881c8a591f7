import { gradients } from '../graph/autodiff.js';
import { Graph } from '../graph/graph.js';
import { serializeGraph } from '../graph/serialize.js';
import type { ForwardModel } from '../models/forward.js';
import { totalParamSize } from '../models/forward.js';
import { coxLoss, logisticLoss } from '../models/losses.js';

/** Names of the data inputs every training graph takes (besides X and the parameters). */
export const DATA_INPUTS = {
  binary: ['label', 'weight'],
  survival: ['weight', 'weightedEvent', 'tieEvents'],
} as const;

function lossOf(g: Graph, model: ForwardModel, eta: string): string {
  if (model.outcome === 'binary') return logisticLoss(g, eta, { label: 'label', weight: 'weight' });
  return coxLoss(g, eta, { weight: 'weight', weightedEvent: 'weightedEvent', tieEvents: 'tieEvents' });
}

function declareInputs(g: Graph, model: ForwardModel): string {
  const x = g.input('X', 'float64', ['n', model.featureCount]);
  for (const p of model.params) g.input(p.name, 'float64', p.shape);
  for (const d of DATA_INPUTS[model.outcome]) g.input(d, 'float64', ['n', 1]);
  return x;
}

/** Forward graph + loss: outputs `loss` (a sum over cases). */
export function buildLossGraph(model: ForwardModel): Uint8Array {
  const g = new Graph('loss');
  const x = declareInputs(g, model);
  const eta = model.linearPredictor(g, x, (n) => n);
  const loss = g.identity(lossOf(g, model, eta), 'loss');
  return serializeGraph(g, { outputs: [loss] });
}

/** Loss and its gradient with respect to every parameter (reverse mode): `loss`, `grad_<param>`. */
export function buildGradientGraph(model: ForwardModel): Uint8Array {
  const g = new Graph('gradient');
  const x = declareInputs(g, model);
  const eta = model.linearPredictor(g, x, (n) => n);
  const loss = lossOf(g, model, eta);
  const grads = gradients(g, loss, model.params.map((p) => p.name));
  const outputs = [g.identity(loss, 'loss'), ...grads.map((gr, i) => g.identity(gr, `grad_${model.params[i].name}`))];
  return serializeGraph(g, { outputs });
}

/**
 * Loss, gradient and Hessian for a model whose η is linear in its parameters θ, η = D θ, with
 * D [n, P] the design (`design` input: standardised X, plus a column of ones for the intercept).
 * Chain rule: ∇²_θ L = Dᵀ (∇²_η L) D. ∇²_η L · D is obtained by reverse-over-reverse on the
 * loss graph: η is broadcast to E [n, P] (P independent copies, L_E = Σ_columns L), then
 * M = ∇_E Σ(∇_E L_E ⊙ D) holds (∇²_η L) D column by column, and H = Dᵀ M. Nothing here is
 * specific to the loss, so Cox (non-diagonal ∇²_η L) and logistic share it.
 */
export function buildHessianGraph(model: ForwardModel): Uint8Array {
  if (!model.linear) throw new Error('Hessian graphs are built for models linear in their parameters');
  const size = totalParamSize(model.params);
  const g = new Graph('hessian');
  const x = declareInputs(g, model);
  const design = g.input('design', 'float64', ['n', size]);
  const eta = model.linearPredictor(g, x, (n) => n);
  const loss = lossOf(g, model, eta);
  const grads = gradients(g, loss, model.params.map((p) => p.name));
  const copies = g.expand(eta, g.shapeOf(design), ['n', size]);
  const [gradE] = gradients(g, lossOf(g, model, copies), [copies]);
  const directional = g.reduceSumAll(g.mul(gradE, design));
  const [hessianTimesDesign] = gradients(g, directional, [copies]);
  const hessian = g.identity(g.matmul(g.transpose(design, [1, 0]), hessianTimesDesign), 'hessian');
  const outputs = [g.identity(loss, 'loss'), ...grads.map((gr, i) => g.identity(gr, `grad_${model.params[i].name}`)), hessian];
  return serializeGraph(g, { outputs });
}
