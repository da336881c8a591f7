// Jest runs each test file in its own vm context, so typed arrays made there are
// instances of that context's constructors. onnxruntime-node checks tensor data with
// `instanceof` against the main realm's constructors and refuses the sandbox's
// ("A float32 tensor's data must be type of function Float32Array"). Handing the
// sandbox the main realm's constructors makes both sides agree.
const NodeEnvironment = require('jest-environment-node').TestEnvironment;

const SHARED_CONSTRUCTORS = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array',
  'BigInt64Array', 'BigUint64Array',
];

class FedRadEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED_CONSTRUCTORS) this.global[name] = globalThis[name];
  }
}

module.exports = FedRadEnvironment;
