import type { Graph } from './graph.js';
import { GRADIENT_RULES, NoGradientRuleError } from './gradRules.js';
import { GraphShapeError } from './shapes.js';

const isFloat = (g: Graph, v: string) => {
  const t = g.value(v).dtype;
  return t === 'float32' || t === 'float64';
};

/**
 * Reverse-mode differentiation on the graph itself: appends the nodes that compute
 * d(y)/d(wrt[i]) and returns their names. `y` must have a single element (a loss). The new
 * nodes are ordinary ops, so the result can be differentiated again.
 */
export function gradients(g: Graph, y: string, wrt: string[]): string[] {
  const ySize = g.shape(y);
  if (!ySize.every((d) => d === 1)) throw new GraphShapeError(`gradients() needs a one-element output, ${y} has shape [${ySize}]`, [ySize]);
  const snapshot = g.nodes.slice();

  // Values that depend on a parameter (forward reach) ...
  const reach = new Set(wrt);
  for (const node of snapshot) {
    if (g.stopped.has(node.output) || !isFloat(g, node.output)) continue;
    if (node.inputs.some((i) => reach.has(i))) reach.add(node.output);
  }
  // ... and that y depends on (backward reach).
  const needed = new Set([y]);
  for (let k = snapshot.length - 1; k >= 0; k--) {
    const node = snapshot[k];
    if (needed.has(node.output)) for (const i of node.inputs) needed.add(i);
  }

  const contributions = new Map<string, string[]>();
  const push = (v: string, grad: string) => {
    const list = contributions.get(v);
    if (list) list.push(grad);
    else contributions.set(v, [grad]);
  };
  const total = (v: string): string | undefined => {
    const list = contributions.get(v);
    if (!list) return undefined;
    return list.reduce((acc, gi) => g.add(acc, gi));
  };

  push(y, g.constant([1], ySize.map(() => 1), g.value(y).dtype)); // dL/dL = 1
  for (let k = snapshot.length - 1; k >= 0; k--) {
    const node = snapshot[k];
    if (!reach.has(node.output) || !needed.has(node.output)) continue;
    const dy = total(node.output);
    if (dy === undefined) continue;
    const rule = GRADIENT_RULES[node.op];
    if (!rule) throw new NoGradientRuleError(node.op);
    const grads = rule(g, node, dy);
    node.inputs.forEach((input, i) => {
      const gi = grads[i];
      if (gi && reach.has(input)) push(input, gi);
    });
  }
  return wrt.map((w) => total(w) ?? g.mul(w, g.scalar(0, g.value(w).dtype)));
}
