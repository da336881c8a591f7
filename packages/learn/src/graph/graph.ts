import { ONNX_DATA_TYPE, type DType, type Dim, type Shape } from './dtype.js';
import { broadcastShapes, GraphShapeError } from './shapes.js';

export type Attr =
  | { type: 'int'; value: number }
  | { type: 'ints'; value: number[] }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string };

export interface NodeDef {
  op: string;
  inputs: string[];
  output: string;
  attrs: Record<string, Attr>;
}

export interface ValueDef {
  name: string;
  dtype: DType;
  shape: Shape;
  kind: 'input' | 'initializer' | 'node';
  /** Initializer contents (row-major). */
  data?: Float64Array | Float32Array | BigInt64Array;
}

export type TensorData = Float64Array | Float32Array | BigInt64Array;

const ELEMENTWISE_UNARY = new Set(['Neg', 'Sigmoid', 'Tanh', 'Relu', 'Exp', 'Log', 'Softplus', 'Identity', 'Abs', 'Sqrt']);
const ELEMENTWISE_BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow']);

/**
 * A small, typed ONNX graph under construction. Every value carries its element type and a
 * (possibly symbolic) shape so the differentiator can undo broadcasting; nodes are appended in
 * topological order. Serialisation to ModelProto lives in serialize.ts.
 */
export class Graph {
  readonly values = new Map<string, ValueDef>();
  readonly nodes: NodeDef[] = [];
  readonly producer = new Map<string, NodeDef>();
  /** Values whose gradient is defined as zero (see stopGradient). */
  readonly stopped = new Set<string>();
  private counter = 0;

  constructor(readonly name = 'fedrad') {}

  private fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.values.has(name));
    return name;
  }

  value(name: string): ValueDef {
    const v = this.values.get(name);
    if (!v) throw new GraphShapeError(`unknown graph value ${name}`, []);
    return v;
  }

  shape(name: string): Shape {
    return this.value(name).shape;
  }

  input(name: string, dtype: DType, shape: Shape): string {
    if (this.values.has(name)) throw new GraphShapeError(`duplicate graph value ${name}`, [shape]);
    this.values.set(name, { name, dtype, shape, kind: 'input' });
    return name;
  }

  constant(data: TensorData | number[], shape: Shape, dtype: DType = 'float64', name?: string): string {
    const n = name ?? this.fresh('const');
    const size = shape.reduce<number>((a, d) => a * (d as number), 1);
    let typed: TensorData;
    if (dtype === 'int64') typed = data instanceof BigInt64Array ? data : BigInt64Array.from(Array.from(data as number[], (x) => BigInt(x)));
    else if (dtype === 'float32') typed = data instanceof Float32Array ? data : Float32Array.from(data as number[]);
    else typed = data instanceof Float64Array ? data : Float64Array.from(data as number[]);
    if (typed.length !== size) throw new GraphShapeError(`constant ${n} has ${typed.length} values for shape [${shape}]`, [shape]);
    this.values.set(n, { name: n, dtype, shape, kind: 'initializer', data: typed });
    return n;
  }

  scalar(x: number, dtype: DType = 'float64'): string {
    return this.constant([x], [], dtype);
  }

  int64s(xs: number[]): string {
    return this.constant(xs, [xs.length], 'int64');
  }

  /** Appends a node; the output shape is inferred unless given (for Expand/Reshape, whose shape is data). */
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}, out?: { dtype?: DType; shape?: Shape; name?: string }): string {
    for (const i of inputs) this.value(i);
    const output = out?.name ?? this.fresh(op);
    const node: NodeDef = { op, inputs, output, attrs };
    const inferred = out?.shape && out?.dtype ? { dtype: out.dtype, shape: out.shape } : this.infer(node);
    this.values.set(output, { name: output, dtype: out?.dtype ?? inferred.dtype, shape: out?.shape ?? inferred.shape, kind: 'node' });
    this.nodes.push(node);
    this.producer.set(output, node);
    return output;
  }

  private infer(node: NodeDef): { dtype: DType; shape: Shape } {
    const ins = node.inputs.map((i) => this.value(i));
    const x = ins[0];
    if (ELEMENTWISE_UNARY.has(node.op)) return { dtype: x.dtype, shape: x.shape };
    if (ELEMENTWISE_BINARY.has(node.op)) return { dtype: x.dtype, shape: broadcastShapes(x.shape, ins[1].shape) };
    switch (node.op) {
      case 'Greater':
      case 'Less':
        return { dtype: 'bool', shape: broadcastShapes(x.shape, ins[1].shape) };
      case 'Where':
        return { dtype: ins[1].dtype, shape: broadcastShapes(x.shape, broadcastShapes(ins[1].shape, ins[2].shape)) };
      case 'MatMul': {
        const [a, b] = [x.shape, ins[1].shape];
        if (a.length !== 2 || b.length !== 2) throw new GraphShapeError('MatMul takes 2-D operands here', [a, b]);
        if (a[1] !== b[0] && a[1] !== undefined) throw new GraphShapeError(`MatMul inner dims differ: [${a}] x [${b}]`, [a, b]);
        return { dtype: x.dtype, shape: [a[0], b[1]] };
      }
      case 'Transpose': {
        const perm = (node.attrs.perm as { value: number[] } | undefined)?.value ?? x.shape.map((_, i) => x.shape.length - 1 - i);
        return { dtype: x.dtype, shape: perm.map((p) => x.shape[p]) };
      }
      case 'ReduceSum':
      case 'ReduceMean':
      case 'ReduceMax':
      case 'ReduceProd': {
        // ReduceSum (opset 13) takes axes as an int64 input; the others (opset < 18) as an attribute.
        const axes = node.op === 'ReduceSum' ? Array.from(this.value(node.inputs[1]).data as BigInt64Array, Number) : (node.attrs.axes as { value: number[] }).value;
        const keep = (node.attrs.keepdims as { value: number } | undefined)?.value ?? 1;
        const norm = axes.map((a) => (a < 0 ? a + x.shape.length : a));
        const shape: Dim[] = [];
        x.shape.forEach((d, i) => {
          if (!norm.includes(i)) shape.push(d);
          else if (keep) shape.push(1);
        });
        return { dtype: x.dtype, shape };
      }
      case 'CumSum':
        return { dtype: x.dtype, shape: x.shape };
      case 'Cast': {
        const to = (node.attrs.to as { value: number }).value;
        const dtype = (Object.keys(ONNX_DATA_TYPE) as DType[]).find((t) => ONNX_DATA_TYPE[t] === to);
        if (!dtype) throw new GraphShapeError(`Cast to ONNX data type ${to} is not supported here`, [x.shape]);
        return { dtype, shape: x.shape };
      }
      case 'Shape':
        return { dtype: 'int64', shape: [x.shape.length] };
      case 'Gather':
        return { dtype: x.dtype, shape: ins[1].shape };
      default:
        throw new GraphShapeError(`no shape rule for op ${node.op}; pass the output shape explicitly`, []);
    }
  }

  // Convenience builders, one per op the models use.
  add(a: string, b: string) { return this.op('Add', [a, b]); }
  sub(a: string, b: string) { return this.op('Sub', [a, b]); }
  mul(a: string, b: string) { return this.op('Mul', [a, b]); }
  div(a: string, b: string) { return this.op('Div', [a, b]); }
  neg(a: string) { return this.op('Neg', [a]); }
  matmul(a: string, b: string) { return this.op('MatMul', [a, b]); }
  transpose(a: string, perm?: number[]) { return this.op('Transpose', [a], perm ? { perm: { type: 'ints', value: perm } } : {}); }
  sigmoid(a: string) { return this.op('Sigmoid', [a]); }
  tanh(a: string) { return this.op('Tanh', [a]); }
  relu(a: string) { return this.op('Relu', [a]); }
  exp(a: string) { return this.op('Exp', [a]); }
  log(a: string) { return this.op('Log', [a]); }
  softplus(a: string) { return this.op('Softplus', [a]); }
  abs(a: string) { return this.op('Abs', [a]); }
  /**
   * log(1 + eˣ) = max(x, 0) + log(1 + e^(−|x|)), exact and overflow-free for any x.
   * onnxruntime's CPU Softplus kernel is float32-only, so float64 graphs use this form.
   */
  softplusStable(a: string) {
    const one = this.scalar(1, this.value(a).dtype);
    return this.add(this.relu(a), this.log(this.add(one, this.exp(this.neg(this.abs(a))))));
  }
  identity(a: string, name?: string) { return this.op('Identity', [a], {}, name ? { name } : undefined); }
  shapeOf(a: string) { return this.op('Shape', [a]); }
  greater(a: string, b: string) { return this.op('Greater', [a, b]); }
  where(c: string, a: string, b: string) { return this.op('Where', [c, a, b]); }
  cast(a: string, dtype: DType) {
    return this.op('Cast', [a], { to: { type: 'int', value: ONNX_DATA_TYPE[dtype] } });
  }
  reduceSum(a: string, axes: number[], keepdims = true) {
    return this.op('ReduceSum', [a, this.int64s(axes)], { keepdims: { type: 'int', value: keepdims ? 1 : 0 } });
  }
  reduceSumAll(a: string) { return this.reduceSum(a, this.shape(a).map((_, i) => i)); }
  reduceMean(a: string, axes: number[], keepdims = true) {
    return this.op('ReduceMean', [a], { axes: { type: 'ints', value: axes }, keepdims: { type: 'int', value: keepdims ? 1 : 0 } });
  }
  reduceMax(a: string, axes: number[], keepdims = true) {
    return this.op('ReduceMax', [a], { axes: { type: 'ints', value: axes }, keepdims: { type: 'int', value: keepdims ? 1 : 0 } });
  }
  cumsum(a: string, axis: number, reverse = false) {
    return this.op('CumSum', [a, this.constant([axis], [], 'int64')], { reverse: { type: 'int', value: reverse ? 1 : 0 } });
  }
  /** Broadcasts `a` to the runtime shape `shapeTensor`; `shape` is its symbolic shape. */
  expand(a: string, shapeTensor: string, shape: Shape) {
    return this.op('Expand', [a, shapeTensor], {}, { dtype: this.value(a).dtype, shape });
  }
  reshape(a: string, shapeTensor: string, shape: Shape) {
    return this.op('Reshape', [a, shapeTensor], {}, { dtype: this.value(a).dtype, shape });
  }
  /**
   * Same value, gradient defined as zero. Only for quantities the function is invariant to,
   * e.g. the shift in a log-sum-exp (the shift's own derivative terms cancel exactly).
   */
  stopGradient(a: string) {
    const out = this.identity(a);
    this.stopped.add(out);
    return out;
  }
}
