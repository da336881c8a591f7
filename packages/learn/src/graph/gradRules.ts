import { LearnError } from '../errors.js';
import type { Graph, NodeDef } from './graph.js';
import { broadcastAxes, sameShape } from './shapes.js';

/** Thrown when a graph is differentiated through an op that has no gradient rule. */
export class NoGradientRuleError extends LearnError {
  constructor(readonly op: string) {
    super('LEARN_NO_GRADIENT_RULE', `no gradient rule for ONNX op ${op}; rewrite the model with supported ops or mark the value with stopGradient`, { kind: 'internal' });
  }
}

/** Sums a broadcast gradient back to the shape of the operand it came from. */
export function unbroadcast(g: Graph, grad: string, operand: string): string {
  const target = g.shape(operand);
  const full = g.shape(grad);
  if (sameShape(target, full)) return grad;
  const axes = broadcastAxes(target, full);
  let r = axes.length ? g.reduceSum(grad, axes, true) : grad;
  if (target.length !== full.length) r = g.reshape(r, g.shapeOf(operand), target);
  return r;
}

type Rule = (g: Graph, node: NodeDef, dy: string) => Array<string | null>;

const one = (g: Graph, like: string) => g.scalar(1, g.value(like).dtype);
const zero = (g: Graph, like: string) => g.scalar(0, g.value(like).dtype);

/**
 * Vector-Jacobian products, one per op: given dL/dy, return dL/dx for each input.
 * Each rule is written with differentiable ops only, so gradients can be differentiated again
 * (the Hessian graphs are reverse-over-reverse). Formulas: ONNX operator definitions
 * (onnx/docs/Operators.md) and the standard derivatives.
 */
export const GRADIENT_RULES: Record<string, Rule> = {
  Identity: (_g, _n, dy) => [dy],
  Add: (g, n, dy) => [unbroadcast(g, dy, n.inputs[0]), unbroadcast(g, dy, n.inputs[1])],
  Sub: (g, n, dy) => [unbroadcast(g, dy, n.inputs[0]), unbroadcast(g, g.neg(dy), n.inputs[1])],
  Mul: (g, n, dy) => {
    const [a, b] = n.inputs;
    return [unbroadcast(g, g.mul(dy, b), a), unbroadcast(g, g.mul(dy, a), b)];
  },
  // y = a / b:  dy/da = 1/b,  dy/db = -a/b² = -y/b
  Div: (g, n, dy) => {
    const [a, b] = n.inputs;
    return [unbroadcast(g, g.div(dy, b), a), unbroadcast(g, g.neg(g.div(g.mul(dy, n.output), b)), b)];
  },
  Neg: (g, _n, dy) => [g.neg(dy)],
  // Y = A B:  dA = dY Bᵀ,  dB = Aᵀ dY = (dYᵀ A)ᵀ. The second form transposes dY and the
  // result rather than A, which is the large data matrix in every model here.
  MatMul: (g, n, dy) => {
    const [a, b] = n.inputs;
    return [g.matmul(dy, g.transpose(b, [1, 0])), g.transpose(g.matmul(g.transpose(dy, [1, 0]), a), [1, 0])];
  },
  Transpose: (g, n, dy) => {
    const rank = g.shape(n.inputs[0]).length;
    const perm = (n.attrs.perm as { value: number[] } | undefined)?.value ?? [...Array(rank).keys()].reverse();
    const inverse = new Array<number>(rank);
    perm.forEach((p, i) => (inverse[p] = i));
    return [g.transpose(dy, inverse)];
  },
  // σ'(x) = σ(x)(1 − σ(x))
  Sigmoid: (g, n, dy) => [g.mul(dy, g.mul(n.output, g.sub(one(g, dy), n.output)))],
  // tanh'(x) = 1 − tanh²(x)
  Tanh: (g, n, dy) => [g.mul(dy, g.sub(one(g, dy), g.mul(n.output, n.output)))],
  // relu'(x) = 1[x > 0] (0 at the kink, as in PyTorch/TF)
  Relu: (g, n, dy) => [g.where(g.greater(n.inputs[0], zero(g, dy)), dy, zero(g, dy))],
  // |x|' = sign(x) (0 at 0 is irrelevant: the kink has measure zero)
  Abs: (g, n, dy) => [g.where(g.greater(n.inputs[0], zero(g, dy)), dy, g.neg(dy))],
  Exp: (g, n, dy) => [g.mul(dy, n.output)],
  Log: (g, n, dy) => [g.div(dy, n.inputs[0])],
  // softplus(x) = log(1 + eˣ), softplus'(x) = σ(x)
  Softplus: (g, n, dy) => [g.mul(dy, g.sigmoid(n.inputs[0]))],
  ReduceSum: (g, n, dy) => {
    const keep = (n.attrs.keepdims as { value: number } | undefined)?.value ?? 1;
    if (!keep) throw new NoGradientRuleError('ReduceSum(keepdims=0)');
    const x = n.inputs[0];
    return [g.expand(dy, g.shapeOf(x), g.shape(x)), null];
  },
  // mean over axes = sum / count, count read from the runtime shape
  ReduceMean: (g, n, dy) => {
    const keep = (n.attrs.keepdims as { value: number } | undefined)?.value ?? 1;
    if (!keep) throw new NoGradientRuleError('ReduceMean(keepdims=0)');
    const x = n.inputs[0];
    const axes = (n.attrs.axes as { value: number[] }).value;
    const dims = g.op('Gather', [g.shapeOf(x), g.int64s(axes)]);
    const count = g.cast(g.op('ReduceProd', [dims], { axes: { type: 'ints', value: [0] }, keepdims: { type: 'int', value: 0 } }), g.value(dy).dtype);
    return [g.div(g.expand(dy, g.shapeOf(x), g.shape(x)), count)];
  },
  // The adjoint of a (reverse) cumulative sum is the cumulative sum in the other direction.
  CumSum: (g, n, dy) => {
    const reverse = (n.attrs.reverse as { value: number } | undefined)?.value ?? 0;
    const exclusive = (n.attrs.exclusive as { value: number } | undefined)?.value ?? 0;
    return [
      g.op('CumSum', [dy, n.inputs[1]], { reverse: { type: 'int', value: 1 - reverse }, exclusive: { type: 'int', value: exclusive } }),
      null,
    ];
  },
  Expand: (g, n, dy) => [unbroadcast(g, dy, n.inputs[0]), null],
  Reshape: (g, n, dy) => [g.reshape(dy, g.shapeOf(n.inputs[0]), g.shape(n.inputs[0])), null],
  Cast: (g, n, dy) => {
    const dtype = g.value(n.inputs[0]).dtype;
    return [dtype === 'float32' || dtype === 'float64' ? g.cast(dy, dtype) : null];
  },
  Where: (g, n, dy) => {
    const [c, a, b] = n.inputs;
    const z = zero(g, dy);
    return [null, unbroadcast(g, g.where(c, dy, z), a), unbroadcast(g, g.where(c, z, dy), b)];
  },
};
