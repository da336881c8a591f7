/** Element types the graphs use, with their ONNX TensorProto.DataType codes. */
export type DType = 'float32' | 'float64' | 'int64' | 'bool';

export const ONNX_DATA_TYPE: Record<DType, number> = {
  float32: 1, // TensorProto.FLOAT
  int64: 7, // TensorProto.INT64
  bool: 9, // TensorProto.BOOL
  float64: 11, // TensorProto.DOUBLE
};

/** A dimension is a fixed size or a symbolic name (rows differ from site to site). */
export type Dim = number | string;
export type Shape = Dim[];
