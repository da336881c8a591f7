import { CompiledGraph, type Feed } from '../runtime/session.js';
import type { ForwardModel } from '../models/forward.js';
import { paramSize, totalParamSize } from '../models/forward.js';
import { buildGradientGraph, buildHessianGraph, buildLossGraph } from './trainingGraphs.js';
import type { Objective, Evaluation } from './objective.js';

/** Local training data, already standardised, row-major Float64 (statistics stay in double). */
export interface LocalData {
  n: number;
  p: number;
  x: Float64Array;
  weight: Float64Array;
  /** Binary outcome 0/1 (logistic, MLP). */
  label?: Float64Array;
  /** Survival outcome (Cox). */
  time?: Float64Array;
  event?: Float64Array;
  /** Optional stratum per case; the Cox partial likelihood is summed over strata. */
  stratum?: string[];
}

interface Block {
  n: number;
  feeds: Record<string, Feed>;
}

/**
 * Splits the cases into blocks the graphs run on: one block for binary outcomes; for Cox one
 * block per stratum, rows sorted by time descending, with the Breslow tie-group event totals
 * placed on the last row of each group (see coxLoss).
 */
function makeBlocks(model: ForwardModel, data: LocalData, withDesign: boolean): Block[] {
  const { p } = data;
  const P = totalParamSize(model.params);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < data.n; i++) {
    const key = model.outcome === 'survival' ? data.stratum?.[i] ?? '' : '';
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  }
  const blocks: Block[] = [];
  for (const key of [...groups.keys()].sort()) {
    const rows = groups.get(key)!;
    // Stable sort by time descending (ties keep file order: the loss does not depend on it).
    if (model.outcome === 'survival') rows.sort((a, b) => data.time![b] - data.time![a] || a - b);
    const n = rows.length;
    const x = new Float64Array(n * p);
    const weight = new Float64Array(n);
    rows.forEach((r, i) => {
      x.set(data.x.subarray(r * p, (r + 1) * p), i * p);
      weight[i] = data.weight[r];
    });
    const feeds: Record<string, Feed> = { X: { data: x, dims: [n, p] }, weight: { data: weight, dims: [n, 1] } };
    if (model.outcome === 'binary') {
      feeds.label = { data: Float64Array.from(rows, (r) => data.label![r]), dims: [n, 1] };
    } else {
      const weightedEvent = Float64Array.from(rows, (r) => data.weight[r] * data.event![r]);
      const tieEvents = new Float64Array(n);
      let start = 0;
      while (start < n) {
        let end = start;
        while (end + 1 < n && data.time![rows[end + 1]] === data.time![rows[start]]) end++;
        let d = 0;
        for (let i = start; i <= end; i++) d += weightedEvent[i];
        tieEvents[end] = d;
        start = end + 1;
      }
      feeds.weightedEvent = { data: weightedEvent, dims: [n, 1] };
      feeds.tieEvents = { data: tieEvents, dims: [n, 1] };
    }
    if (withDesign) {
      // η = (intercept +) X β: the design is ∂η/∂θ in parameter order (intercept, then beta).
      const withIntercept = P > p ? 1 : 0;
      const design = new Float64Array(n * P);
      for (let i = 0; i < n; i++) {
        if (withIntercept) design[i * P] = 1;
        design.set(x.subarray(i * p, (i + 1) * p), i * P + withIntercept);
      }
      feeds.design = { data: design, dims: [n, P] };
    }
    blocks.push({ n, feeds });
  }
  return blocks;
}

/**
 * Evaluates loss, gradient and (for linear models) Hessian sums on one site's data by running
 * the derived ONNX graphs. Each graph gets one session, created here and reused for every call.
 * Sums, not means, so that a federation can add site results and take one global step.
 */
export class LocalTrainer implements Objective {
  readonly paramCount: number;
  readonly weightSum: number;

  private constructor(
    readonly model: ForwardModel,
    private readonly blocks: Block[],
    private readonly lossSession: CompiledGraph,
    private readonly gradientSession: CompiledGraph,
    private readonly hessianSession: CompiledGraph | undefined,
  ) {
    this.paramCount = totalParamSize(model.params);
    this.weightSum = blocks.reduce((a, b) => a + (b.feeds.weight.data as Float64Array).reduce((s, w) => s + w, 0), 0);
  }

  static async create(model: ForwardModel, data: LocalData): Promise<LocalTrainer> {
    const blocks = makeBlocks(model, data, model.linear);
    const [loss, gradient, hessian] = await Promise.all([
      CompiledGraph.create(buildLossGraph(model)),
      CompiledGraph.create(buildGradientGraph(model)),
      model.linear ? CompiledGraph.create(buildHessianGraph(model)) : Promise.resolve(undefined),
    ]);
    return new LocalTrainer(model, blocks, loss, gradient, hessian);
  }

  get hasHessian(): boolean {
    return this.hessianSession !== undefined;
  }

  /** Splits a flat parameter vector into the graph's named parameter feeds. */
  paramFeeds(theta: Float64Array): Record<string, Feed> {
    const feeds: Record<string, Feed> = {};
    let offset = 0;
    for (const p of this.model.params) {
      const size = paramSize(p);
      feeds[p.name] = { data: theta.subarray(offset, offset + size), dims: p.shape };
      offset += size;
    }
    return feeds;
  }

  private async runBlocks(session: CompiledGraph, theta: Float64Array, withGradient: boolean, withHessian: boolean): Promise<Evaluation> {
    const params = this.paramFeeds(theta);
    let loss = 0;
    const gradient = withGradient ? new Float64Array(this.paramCount) : undefined;
    const hessian = withHessian ? new Float64Array(this.paramCount * this.paramCount) : undefined;
    for (const block of this.blocks) {
      const out = await session.run({ ...block.feeds, ...params });
      loss += out.loss.data[0];
      if (gradient) {
        let offset = 0;
        for (const p of this.model.params) {
          const gp = out[`grad_${p.name}`].data;
          for (let k = 0; k < gp.length; k++) gradient[offset + k] += gp[k];
          offset += gp.length;
        }
      }
      if (hessian) {
        const h = out.hessian.data;
        for (let k = 0; k < h.length; k++) hessian[k] += h[k];
      }
    }
    return { loss, gradient, hessian, weightSum: this.weightSum };
  }

  loss(theta: Float64Array): Promise<Evaluation> {
    return this.runBlocks(this.lossSession, theta, false, false);
  }

  gradient(theta: Float64Array): Promise<Evaluation> {
    return this.runBlocks(this.gradientSession, theta, true, false);
  }

  hessian(theta: Float64Array): Promise<Evaluation> {
    if (!this.hessianSession) throw new Error(`${this.model.spec.family} has no Hessian graph (not linear in its parameters)`);
    return this.runBlocks(this.hessianSession, theta, true, true);
  }

  async release(): Promise<void> {
    await Promise.all([this.lossSession.release(), this.gradientSession.release(), this.hessianSession?.release()]);
  }
}
