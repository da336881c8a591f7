import type { MethodResult, RoundState, UpdateView } from '@fedrad/federation';

// The coordinator's one seam onto federated training: the training phase asks the protocol's
// training method (@fedrad/methods, the same object the site half and the local twin use) what a
// round asks of each site, what an update must hold (protocol's updateLayout) and how updates combine.
export { trainingMethod, type TrainingMethod } from '@fedrad/methods';
export type { Json, SiteFailure, TensorView, UpdateView } from '@fedrad/federation';

/** Where training stands between rounds: the round about to run, the global parameters and the strategy's own state. */
export type TrainingState = RoundState;

/** One site's stored update, as the method aggregates it. */
export type SiteResult = MethodResult<UpdateView>;
