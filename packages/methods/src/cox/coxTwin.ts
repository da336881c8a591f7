import type { CoxState } from '@fedrad/federation';
import { runLocalTwin, type LocalTwinRun } from '../localTwin.js';
import { coxMethod, type CoxMethodOptions } from './coxMethod.js';
import { coxTimeBinsMethod } from './coxTimeBinsMethod.js';
import type { SurvivalRows } from './survivalRows.js';
import { eventTimes } from './timeBins.js';

export interface CoxTwinRun extends LocalTwinRun<CoxState> {
  /** Pooled: the bins' lower edges the time-bin step settled on. */
  timeEdges?: number[];
}

/**
 * Federated Cox over partitions of one table, in one process, with the functions a campaign uses
 * (the local twin). Pooled: in the bins `timeEdges` gives (a campaign's model.timeGridDays), each
 * site refusing a bin that holds too few of its events; without them, first the time-bin step,
 * from candidate edges at every distinct event time of the partitions (the twin holds all the
 * rows; with a minimum of 1 the bins are the exact event times), then the Newton rounds in those bins.
 */
export async function runCoxTwin(options: CoxMethodOptions, partitions: ReadonlyMap<string, SurvivalRows>): Promise<CoxTwinRun> {
  const patientCount = (rows: SurvivalRows) => rows.time.length;
  let timeEdges = options.timeEdges;
  if (options.variant === 'pooled' && timeEdges === undefined) {
    const all = [...partitions.values()];
    const candidateEdges = eventTimes(all.flatMap((r) => Array.from(r.time)), all.flatMap((r) => Array.from(r.event)));
    const minEventsPerTimeBin = options.minEventsPerTimeBin ?? options.minCohortSize;
    const bins = await runLocalTwin(coxTimeBinsMethod({ candidateEdges, minEventsPerTimeBin, minCohortSize: options.minCohortSize }), partitions, { patientCount });
    timeEdges = bins.state.edges;
  }
  const run = await runLocalTwin(coxMethod({ ...options, timeEdges }), partitions, { patientCount });
  return { ...run, ...(timeEdges ? { timeEdges } : {}) };
}
