import type { Inputs, Outputs } from '../api';

export type AuditRecord = Outputs['audit']['list'][number];

/** The audit page's filter form, as typed. */
export interface AuditFilterForm {
  event: string;
  siteId: string;
  campaignId: string;
  /** datetime-local values (the operator's local time), '' for open. */
  from: string;
  to: string;
  limit: number;
}

export const EMPTY_FILTER: AuditFilterForm = { event: '', siteId: '', campaignId: '', from: '', to: '', limit: 500 };

/** What the server filters (audit.list: event, site, campaign, limit); blank fields are left out. */
export function auditQueryInput(f: AuditFilterForm): Inputs['audit']['list'] {
  const blankless = (v: string) => v.trim() || undefined;
  return { event: blankless(f.event), siteId: blankless(f.siteId), campaignId: blankless(f.campaignId), limit: f.limit };
}

/** The time window, applied to the rows the server sent (inclusive; `to` counts to the end of its minute). */
export function withinTime(rows: AuditRecord[], f: Pick<AuditFilterForm, 'from' | 'to'>): AuditRecord[] {
  const from = f.from ? new Date(f.from).getTime() : -Infinity;
  const to = f.to ? new Date(f.to).getTime() + 59_999 : Infinity;
  if (Number.isNaN(from) || Number.isNaN(to)) throw new RangeError(`Not a date: ${Number.isNaN(from) ? f.from : f.to}`);
  return rows.filter((r) => {
    const t = Date.parse(r.at);
    return t >= from && t <= to;
  });
}

/** A filter the server would refuse, in words, before sending it (audit.list's patterns). */
export function filterProblems(f: AuditFilterForm): string[] {
  const problems: string[] = [];
  if (f.siteId.trim() && !/^[a-z0-9][a-z0-9-]{1,62}$/.test(f.siteId.trim())) problems.push('Site: lower-case letters, digits and dashes, 2 to 63 characters');
  if (f.campaignId.trim() && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(f.campaignId.trim())) problems.push('Campaign: letters, digits, dot, dash and underscore');
  if (f.from && f.to && new Date(f.from).getTime() > new Date(f.to).getTime()) problems.push('From is after To');
  if (!(f.limit >= 1 && f.limit <= 10_000)) problems.push('Rows: between 1 and 10,000');
  return problems;
}
