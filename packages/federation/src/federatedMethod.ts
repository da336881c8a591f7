import type { TensorLayout } from '@fedrad/protocol';
import type { SiteFailure } from './types.js';

/**
 * What leaves a site for one step of a method, written down so a site's operator (and the
 * egress guard) can read it: aggregate tensors with fixed shapes — no dimension counts patients —
 * the counts that travel beside them, and the minimum cohort under any of it.
 */
export interface EgressDescription {
  /** Every tensor an update holds, with its shape (protocol's updateLayout). */
  tensors: TensorLayout;
  /** Patient-level counts sent in the clear (each at least `minCohortSize`). */
  counts: readonly string[];
  /** Scalars that are sums over the site's patients (e.g. the loss). */
  scalars: readonly string[];
  /** The campaign's minimum number of patients under any aggregate. */
  minCohortSize: number;
  /** One sentence on what the numbers are, for the site operator. */
  summary: string;
}

/** Who runs a site step: the site's own id (pairwise masks need it; most methods ignore it). */
export interface SiteContext {
  siteId: string;
}

/** One site's answer to a step. */
export interface MethodResult<Update> {
  siteId: string;
  update: Update;
}

/** What aggregating one step gives: the new state and whether the method is finished. */
export interface MethodOutcome<State> {
  state: State;
  /** The method's own stopping rule says another step would not change the result. */
  converged: boolean;
  /** No further step: converged, or the step budget is spent. */
  done: boolean;
  /** Sites whose updates entered the aggregate, sorted. */
  sites: string[];
  sampleCount: number;
  /** Pooled loss (sum of the sites' losses) when every site reported one. */
  loss?: number;
  /** Methods that stop early: the pooled validation loss (mean over the sites' validation rows) of this step's model. */
  validationLoss?: number;
}

/**
 * A federated method (after Flower's Strategy, widened to both halves): what each site is asked
 * to do (configure), what a site computes from its own rows (siteStep), how the answers combine
 * (aggregate), and optionally what a site does with the final result (apply). Plain functions, no
 * I/O: the coordinator's runner does the network, deadlines, quorum and persistence; the site node
 * loads the cohort; the local twin (@fedrad/methods' runLocalTwin) calls exactly these over
 * partitions of one table.
 */
export interface FederatedMethod<State, Params, Update, Rows> {
  readonly name: string;
  /** The state before the first step. */
  initialState(): State;
  /** The complete parameters of this step's job at each site. */
  configure(state: State, sites: readonly string[]): Record<string, Params>;
  /** The site half: summaries of the site's own rows, as the update that leaves it. */
  siteStep(params: Params, rows: Rows, site: SiteContext): Promise<Update>;
  /** Combines the sites' updates (any order; failures are the sites that did not answer). */
  aggregate(state: State, results: readonly MethodResult<Update>[], failures: readonly SiteFailure[]): MethodOutcome<State>;
  /** The site applies the final result to its rows (e.g. ComBat's harmonisation); absent when nothing is applied. */
  apply?(state: State, rows: Rows, site: SiteContext): Promise<Rows>;
  /** The tensors an update to `params` holds (protocol's updateLayout). */
  layout(params: Params): TensorLayout;
  /** What leaves a site for `params`. */
  egress(params: Params): EgressDescription;
}
