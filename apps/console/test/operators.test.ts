import { describe, expect, it } from '@jest/globals';
import { sortTokens, tokenState } from '../src/logic/operators.js';

const now = new Date('2026-12-07T12:00:00Z');
const t = (tokenId: string, createdAt: string, extra: { expiresAt?: string; revokedAt?: string } = {}) => ({ tokenId, username: 'lead', label: 'api', createdAt, ...extra });

describe('API token state', () => {
  // The coordinator refuses a token once expires_at <= now (apps/coordinator/src/auth/credentials.ts) and any revoked one.
  it('is expired from its expiresAt on, revoked whatever its expiry, live otherwise', () => {
    expect(tokenState(t('a', '2026-12-01T00:00:00Z'), now)).toBe('live');
    expect(tokenState(t('a', '2026-12-01T00:00:00Z', { expiresAt: '2026-12-07T12:00:00.001Z' }), now)).toBe('live');
    expect(tokenState(t('a', '2026-12-01T00:00:00Z', { expiresAt: '2026-12-07T12:00:00Z' }), now)).toBe('expired');
    expect(tokenState(t('a', '2026-12-01T00:00:00Z', { expiresAt: '2027-01-01T00:00:00Z', revokedAt: '2026-12-02T00:00:00Z' }), now)).toBe('revoked');
  });
  it('lists live tokens first, newest first, then expired, then revoked', () => {
    const rows = sortTokens([
      t('revoked', '2026-12-06T00:00:00Z', { revokedAt: '2026-12-06T01:00:00Z' }),
      t('old-live', '2026-11-01T00:00:00Z'),
      t('expired', '2026-12-05T00:00:00Z', { expiresAt: '2026-12-06T00:00:00Z' }),
      t('new-live', '2026-12-04T00:00:00Z', { expiresAt: '2027-03-04T00:00:00Z' }),
    ], now);
    expect(rows.map((r) => [r.tokenId, r.state])).toEqual([['new-live', 'live'], ['old-live', 'live'], ['expired', 'expired'], ['revoked', 'revoked']]);
  });
});
