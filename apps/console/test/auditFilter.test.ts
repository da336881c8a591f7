import { describe, expect, it } from '@jest/globals';
import { auditQueryInput, EMPTY_FILTER, filterProblems, withinTime, type AuditRecord } from '../src/logic/auditFilter.js';

const row = (seq: number, at: string): AuditRecord => ({ seq, at, event: 'e', actor: 'a', campaignId: null, siteId: null, details: {} });

describe('audit filters', () => {
  it('sends the server only the filters it applies, trimmed, blanks left out', () => {
    expect(auditQueryInput(EMPTY_FILTER)).toEqual({ event: undefined, siteId: undefined, campaignId: undefined, limit: 500 });
    expect(auditQueryInput({ ...EMPTY_FILTER, event: ' certificate.revoked ', siteId: 'site-a', campaignId: '  ', limit: 20 })).toEqual({
      event: 'certificate.revoked',
      siteId: 'site-a',
      campaignId: undefined,
      limit: 20,
    });
  });

  it('keeps the rows inside the time window, both ends inclusive to the minute', () => {
    // datetime-local values are local time: the expected rows are computed from the same local clock.
    const from = '2026-12-01T10:00';
    const to = '2026-12-01T10:30';
    const t = (local: string) => new Date(local).toISOString();
    const rows = [row(1, t('2026-12-01T09:59:59')), row(2, t('2026-12-01T10:00:00')), row(3, t('2026-12-01T10:30:59')), row(4, t('2026-12-01T10:31:00'))];
    expect(withinTime(rows, { from, to }).map((r) => r.seq)).toEqual([2, 3]);
    expect(withinTime(rows, { from: '', to }).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(withinTime(rows, { from, to: '' }).map((r) => r.seq)).toEqual([2, 3, 4]);
    expect(() => withinTime(rows, { from: 'yesterday', to: '' })).toThrow('Not a date: yesterday');
  });

  it('names what the server would refuse before it is sent', () => {
    expect(filterProblems(EMPTY_FILTER)).toEqual([]);
    expect(filterProblems({ ...EMPTY_FILTER, siteId: 'Site A', campaignId: '../x', from: '2026-12-02T00:00', to: '2026-12-01T00:00', limit: 0 })).toEqual([
      'Site: lower-case letters, digits and dashes, 2 to 63 characters',
      'Campaign: letters, digits, dot, dash and underscore',
      'From is after To',
      'Rows: between 1 and 10,000',
    ]);
  });
});
