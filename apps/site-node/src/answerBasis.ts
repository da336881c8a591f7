import { canonicalHash } from '@fedrad/protocol';
import type { VerifiedExchange } from './exchangeTrajectory.js';
import type { VerifiedState } from './trajectory.js';

/**
 * The `basis` of a site's answer under training.shareSiteUpdates (issue #16): the SHA-256 of the
 * verified state the answer was computed at. A signed answer otherwise names only its job, kind,
 * round and protocol, so a coordinator could show one site another valid job for the same exchange
 * (another α's chain, other features, a restarted chain) and relay that answer into a second site's
 * transcript. A site checking a transcript requires every relayed answer's basis to be the hash of
 * the state IT verified for that exchange.
 *
 * Every honest site verifying an exchange computes the same state from the same transcript, so the
 * hash is one per exchange and says nothing of a site. Hashed after a JSON round trip, as the store
 * keeps the state, so a state fresh from a check and one read back hash alike.
 */
const hashOf = (value: unknown): string => canonicalHash(JSON.parse(JSON.stringify(value)));

/**
 * A training round's basis: the round, parameters, strategy state and round 0's pinned features,
 * model and harmonisation — not the pinned cohort, which is the name this site's job gave its own
 * cohort (a per-site part; the other sites may name theirs otherwise).
 */
export function trainingBasis(state: VerifiedState): string {
  const { cohort: _cohort, ...pinned } = state.pinned ?? ({} as Record<string, unknown>);
  return hashOf({ stream: 'training', round: state.round, parameters: state.parameters, server: state.server ?? null, pinned: state.pinned ? pinned : null });
}

/** A chain exchange's basis (LASSO path, one α's cross-validation, one baseline model): its stream, exchange and state, all shared by the sites. */
export function exchangeBasis(verified: VerifiedExchange): string {
  return hashOf({ stream: verified.stream, round: verified.round, state: verified.state });
}

/** Why a relayed answer's basis is not `expected` (the hash of the state this site verified), naming the site and both hashes; undefined when it is. */
export function basisProblem(result: object | undefined, expected: string, siteId: string, what: string): string | undefined {
  const basis = (result as { basis?: unknown } | undefined)?.basis;
  if (basis === expected) return undefined;
  return `${siteId}'s answer to ${what} was computed at ${typeof basis === 'string' ? `basis ${basis}` : 'no basis'}, not at the state this site verified for it (basis ${expected}); it answered another job than this site's`;
}
