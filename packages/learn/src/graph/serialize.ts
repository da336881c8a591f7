import type { Dim } from './dtype.js';
import { ONNX_DATA_TYPE } from './dtype.js';
import type { Attr, Graph } from './graph.js';
import { IR_VERSION, OPSET_VERSION, onnx, type OnnxTypes } from './onnxProto.js';

export interface SerializeOptions {
  /** Graph outputs, in order. */
  outputs: string[];
  /** Declared input order (unused inputs are dropped). Defaults to creation order. */
  inputs?: string[];
  docString?: string;
  metadata?: Record<string, string>;
}

function attribute(name: string, a: Attr): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case 'int': return { name, type: T.INT, i: a.value };
    case 'ints': return { name, type: T.INTS, ints: a.value };
    case 'float': return { name, type: T.FLOAT, f: a.value };
    case 'string': return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
  }
}

const dims = (shape: Dim[]) => ({ dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) });

/**
 * Encodes the part of the graph that the outputs need as an ONNX ModelProto, through the
 * protobufjs code generated from onnx.proto (package onnx-proto). Initializers are stored as
 * little-endian raw_data, as the ONNX IR specifies.
 */
export function serializeGraph(g: Graph, options: SerializeOptions): Uint8Array {
  const needed = new Set(options.outputs);
  const used = [];
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const node = g.nodes[k];
    if (!needed.has(node.output)) continue;
    used.push(node);
    for (const i of node.inputs) needed.add(i);
  }
  used.reverse();

  const declared = options.inputs ?? [...g.values.values()].filter((v) => v.kind === 'input').map((v) => v.name);
  const inputs = declared.filter((name) => needed.has(name)).map((name) => {
    const v = g.value(name);
    return { name, type: { tensorType: { elemType: ONNX_DATA_TYPE[v.dtype], shape: dims(v.shape) } } };
  });
  const initializer = [...g.values.values()]
    .filter((v) => v.kind === 'initializer' && needed.has(v.name))
    .map((v) => ({
      name: v.name,
      dataType: ONNX_DATA_TYPE[v.dtype],
      dims: v.shape as number[],
      rawData: new Uint8Array(v.data!.buffer, v.data!.byteOffset, v.data!.byteLength),
    }));
  const node = used.map((n) => ({
    opType: n.op,
    input: n.inputs,
    output: [n.output],
    name: n.output,
    attribute: Object.entries(n.attrs).map(([k, a]) => attribute(k, a)),
  }));
  const output = options.outputs.map((name) => {
    const v = g.value(name);
    return { name, type: { tensorType: { elemType: ONNX_DATA_TYPE[v.dtype], shape: dims(v.shape) } } };
  });
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName: 'fedrad-learn',
    producerVersion: '0.1.0',
    docString: options.docString ?? '',
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: { name: g.name, node, initializer, input: inputs, output },
  });
  return onnx.ModelProto.encode(model).finish();
}
