import { describe, expect, it } from '@jest/globals';
import { Graph } from '../src/graph/graph.js';
import { gradients } from '../src/graph/autodiff.js';
import { serializeGraph } from '../src/graph/serialize.js';
import { CompiledGraph } from '../src/runtime/session.js';

// Every op's vector-Jacobian product is checked against central finite differences of the
// forward graph itself: f(x) = Σ op(x, …) ⊙ R with a fixed random R (the closed-form reference
// is the definition of the derivative; h = 1e-6 gives ~1e-9 truncation error in float64).

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

interface Arg { shape: number[]; lo?: number; hi?: number }

async function checkOp(build: (g: Graph, xs: string[]) => string, args: Arg[], seed = 1, dtype: 'float64' | 'float32' = 'float64', step?: { h: number; tol: number }) {
  // Typed as Float64ArrayConstructor only to share one code path; the runtime type follows dtype.
  const Arr = (dtype === 'float64' ? Float64Array : Float32Array) as Float64ArrayConstructor;
  const rnd = lcg(seed);
  const g = new Graph('t');
  const xs = args.map((a, i) => g.input(`x${i}`, dtype, a.shape));
  const y = build(g, xs);
  const yShape = g.shape(y) as number[];
  const r = g.constant(Arr.from({ length: yShape.reduce((a, b) => a * b, 1) }, () => rnd() * 2 - 1), yShape, dtype);
  const f = g.reduceSumAll(g.mul(y, r));
  const grads = gradients(g, f, xs);
  const fOut = g.identity(f, 'f');
  const gradOut = grads.map((gr, i) => g.identity(gr, `g${i}`));
  const session = await CompiledGraph.create(serializeGraph(g, { outputs: [fOut, ...gradOut] }));
  const values = args.map((a) => Arr.from({ length: a.shape.reduce((p, d) => p * d, 1) }, () => (a.lo ?? -2) + rnd() * ((a.hi ?? 2) - (a.lo ?? -2))));
  const feeds = () => Object.fromEntries(values.map((v, i) => [`x${i}`, { data: Arr.from(v), dims: args[i].shape }]));
  const base = await session.run(feeds());
  // float32 (only Softplus, whose onnxruntime kernel is float32-only) needs a coarser step.
  const h = step?.h ?? (dtype === 'float64' ? 1e-6 : 1e-2);
  const tol = step?.tol ?? (dtype === 'float64' ? 1e-6 : 2e-3);
  for (let i = 0; i < args.length; i++) {
    const analytic = base[`g${i}`].data;
    expect(analytic.length).toBe(values[i].length);
    for (let k = 0; k < values[i].length; k++) {
      const x0 = values[i][k];
      values[i][k] = x0 + h;
      const fp = (await session.run(feeds())).f.data[0];
      values[i][k] = x0 - h;
      const fm = (await session.run(feeds())).f.data[0];
      values[i][k] = x0;
      const numeric = (fp - fm) / (2 * h);
      expect(Math.abs(analytic[k] - numeric)).toBeLessThan(tol * Math.max(1, Math.abs(numeric)));
    }
  }
}

describe('reverse-mode gradients agree with central finite differences', () => {
  const m = { shape: [3, 4] };
  it('Sigmoid', () => checkOp((g, [x]) => g.sigmoid(x), [m]));
  it('Tanh', () => checkOp((g, [x]) => g.tanh(x), [m]));
  it('Relu (away from the kink)', () => checkOp((g, [x]) => g.relu(g.sub(x, g.scalar(0.05))), [m], 7));
  it('Exp', () => checkOp((g, [x]) => g.exp(x), [m]));
  it('Log', () => checkOp((g, [x]) => g.log(x), [{ shape: [3, 4], lo: 0.5, hi: 3 }]));
  it('Softplus (float32 kernel)', () => checkOp((g, [x]) => g.softplus(x), [m], 1, 'float32'));
  it('Abs (away from 0)', () => checkOp((g, [x]) => g.abs(x), [m], 3));
  it('stable softplus composite', () => checkOp((g, [x]) => g.softplusStable(x), [{ shape: [3, 4], lo: -40, hi: 40 }]));
  it('Neg and Identity', () => checkOp((g, [x]) => g.identity(g.neg(x)), [m]));
  it('Add with broadcasting', () => checkOp((g, [a, b]) => g.add(a, b), [m, { shape: [1, 4] }]));
  it('Sub with broadcasting', () => checkOp((g, [a, b]) => g.sub(a, b), [m, { shape: [3, 1] }]));
  it('Mul with rank broadcasting', () => checkOp((g, [a, b]) => g.mul(a, b), [m, { shape: [4] }]));
  it('Div with broadcasting', () => checkOp((g, [a, b]) => g.div(a, b), [m, { shape: [3, 1], lo: 0.5, hi: 2 }]));
  it('MatMul', () => checkOp((g, [a, b]) => g.matmul(a, b), [m, { shape: [4, 2] }]));
  it('Transpose', () => checkOp((g, [a]) => g.transpose(a, [1, 0]), [m]));
  it('ReduceSum over rows', () => checkOp((g, [a]) => g.reduceSum(a, [0]), [m]));
  it('ReduceMean over columns', () => checkOp((g, [a]) => g.reduceMean(a, [1]), [m]));
  it('CumSum forward', () => checkOp((g, [a]) => g.cumsum(a, 0), [m]));
  it('CumSum reverse', () => checkOp((g, [a]) => g.cumsum(a, 0, true), [m]));
  it('Expand', () => checkOp((g, [a]) => g.expand(a, g.int64s([3, 4]), [3, 4]), [{ shape: [1, 4] }]));
  it('Reshape', () => checkOp((g, [a]) => g.reshape(a, g.int64s([4, 3]), [4, 3]), [m]));
  // Through float32 and back: the function is flat below float32 resolution, so a coarse step.
  it('Cast float64 → float32 → float64', () =>
    checkOp((g, [a]) => g.cast(g.mul(g.cast(a, 'float32'), g.scalar(3, 'float32')), 'float64'), [m], 5, 'float64', { h: 1e-2, tol: 1e-4 }));
  it('Where', () =>
    checkOp((g, [a, b]) => g.where(g.greater(g.constant([1, -1, 1, -1], [1, 4]), g.scalar(0)), a, b), [m, { shape: [3, 1] }]));
  it('a composite: log-sum-exp with a stopped shift', () =>
    checkOp((g, [a]) => {
      const shift = g.stopGradient(g.reduceMax(a, [0]));
      return g.add(shift, g.log(g.cumsum(g.exp(g.sub(a, shift)), 0)));
    }, [m]));
});
