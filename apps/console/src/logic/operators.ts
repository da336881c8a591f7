/** An API token as tokens.list returns it. */
export interface TokenLike {
  tokenId: string;
  username: string;
  label: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
}

export type TokenState = 'live' | 'expired' | 'revoked';

/** What the coordinator would do with the token now: a revoked one is refused whatever its expiry; an expired one after its expiresAt. */
export function tokenState(t: TokenLike, now: Date): TokenState {
  if (t.revokedAt) return 'revoked';
  if (t.expiresAt && Date.parse(t.expiresAt) <= now.getTime()) return 'expired';
  return 'live';
}

/** Live tokens first (newest first), then expired and revoked ones: the ones an operator may still act on lead. */
export function sortTokens<T extends TokenLike>(tokens: readonly T[], now: Date): Array<T & { state: TokenState }> {
  const rank: Record<TokenState, number> = { live: 0, expired: 1, revoked: 2 };
  return tokens
    .map((t) => ({ ...t, state: tokenState(t, now) }))
    .sort((a, b) => rank[a.state] - rank[b.state] || b.createdAt.localeCompare(a.createdAt));
}
