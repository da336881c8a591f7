// onnx-proto ships protobufjs static code for onnx.proto (CommonJS); this is the one place
// that imports it, so the rest of the package sees a typed `onnx` namespace.
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';

/** ONNX opset and IR version accepted by onnxruntime-node 1.30 and the onnx 1.12 checker. */
export const OPSET_VERSION = 17;
export const IR_VERSION = 8;
