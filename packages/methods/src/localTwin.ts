import type { FederatedMethod, MethodOutcome, MethodResult, SiteFailure } from '@fedrad/federation';
import { LocalTwinError } from './errors.js';

export interface LocalTwinOptions<Rows> {
  /** Patients in a partition: when given, a partition under the method's minimum cohort is refused by site id, as a site node refuses it. */
  patientCount?: (rows: Rows) => number;
  /** Sites whose update is lost after they computed it (a dropout), by step. */
  dropAfterStep?: (step: number, siteId: string) => boolean;
  /** Safety net for methods without a step budget of their own (default 100,000). */
  maxSteps?: number;
}

export interface LocalTwinRun<State> {
  state: State;
  /** What each step's aggregate reported, without its state. */
  steps: Array<Omit<MethodOutcome<State>, 'state'>>;
  sites: string[];
}

/**
 * The local twin (DESIGN.md "Local twins"): runs a federated method over partitions of one
 * table in one process with exactly the functions a campaign uses — configure, the site step at
 * each partition, aggregate — until the method says it is done. Sites in id order; no I/O.
 */
export async function runLocalTwin<State, Params, Update, Rows>(
  method: FederatedMethod<State, Params, Update, Rows>,
  partitions: ReadonlyMap<string, Rows>,
  options: LocalTwinOptions<Rows> = {},
): Promise<LocalTwinRun<State>> {
  const sites = [...partitions.keys()].sort();
  if (sites.length === 0) throw new LocalTwinError('NO_PARTITIONS', `The ${method.name} twin needs at least one site's rows.`);
  let state = method.initialState();
  const steps: LocalTwinRun<State>['steps'] = [];
  const maxSteps = options.maxSteps ?? 100_000;
  for (let step = 0; step < maxSteps; step++) {
    const params = method.configure(state, sites);
    const results: MethodResult<Update>[] = [];
    const failures: SiteFailure[] = [];
    for (const siteId of sites) {
      const rows = partitions.get(siteId)!;
      if (options.patientCount) {
        const n = options.patientCount(rows);
        const minimum = method.egress(params[siteId]).minCohortSize;
        if (n < minimum) {
          throw new LocalTwinError('COHORT_TOO_SMALL', `Site ${siteId} has ${n} patients; the campaign requires at least ${minimum} before any aggregate may leave a site.`, { siteId, patientCount: n, minimum });
        }
      }
      const update = await method.siteStep(params[siteId], rows, { siteId });
      if (options.dropAfterStep?.(step, siteId)) failures.push({ siteId, code: 'DROPPED', message: `${siteId} dropped out after its step` });
      else results.push({ siteId, update });
    }
    const { state: next, ...report } = method.aggregate(state, results, failures);
    state = next;
    steps.push(report);
    if (report.done) return { state, steps, sites };
  }
  throw new LocalTwinError('STEP_BUDGET', `The ${method.name} twin did not finish in ${maxSteps} steps.`);
}
