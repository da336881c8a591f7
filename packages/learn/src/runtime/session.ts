import * as ort from 'onnxruntime-node';

export interface Feed {
  data: Float64Array | Float32Array | BigInt64Array;
  dims: number[];
}

export interface Result {
  data: Float64Array | Float32Array;
  dims: readonly number[];
}

/**
 * One onnxruntime-node InferenceSession per graph, created once and reused for every call.
 * Single-threaded on purpose: the same inputs must give bit-identical outputs (a multithreaded
 * reduction may sum in a different order), and the site machines share their cores.
 */
export class CompiledGraph {
  private constructor(private readonly session: ort.InferenceSession, readonly bytes: Uint8Array) {}

  static async create(bytes: Uint8Array): Promise<CompiledGraph> {
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new CompiledGraph(session, bytes);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the graph; feeds the graph does not use are ignored. */
  async run(feeds: Record<string, Feed>): Promise<Record<string, Result>> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const name of this.session.inputNames) {
      const f = feeds[name];
      if (!f) throw new Error(`graph input ${name} was not fed`);
      const type = f.data instanceof Float64Array ? 'float64' : f.data instanceof Float32Array ? 'float32' : 'int64';
      tensors[name] = new ort.Tensor(type, f.data, f.dims);
    }
    const out = await this.session.run(tensors);
    const result: Record<string, Result> = {};
    for (const name of this.session.outputNames) {
      const t = out[name];
      result[name] = { data: t.data as Float64Array | Float32Array, dims: t.dims };
    }
    return result;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
