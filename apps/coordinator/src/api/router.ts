import { EventEmitter, on } from 'node:events';
import { initTRPC, TRPCError } from '@trpc/server';
import { canonicalHash, isFedRadError, toApiError, type CampaignProtocol } from '@fedrad/protocol';
import type { CampaignEvent, CoreContext } from '../core/context.js';
import { listCampaigns } from '../core/campaignStore.js';
import { createCampaign } from '../core/campaigns.js';
import { approveEnrolment, listEnrolments, rejectEnrolment } from '../core/enrolment.js';
import { campaignStatus, lockedModelOnnx } from '../core/status.js';
import { listSites } from '../core/sites.js';
import { listAudit, verifyAuditLog } from '../store/auditLog.js';

/** What the router needs from the running coordinator: the core and the operations with side effects on sockets. */
export interface ApiDeps {
  core: CoreContext;
  events: EventEmitter;
  startCampaign(campaignId: string): void;
  revokeSite(siteId: string, reason: RevocationReasonInput): string[];
  connectedSites(): string[];
  apiToken?: string;
}

type RevocationReasonInput = 'unspecified' | 'keyCompromise' | 'affiliationChanged' | 'superseded' | 'cessationOfOperation';

export interface ApiContext {
  deps: ApiDeps;
  authorization?: string;
}

const t = initTRPC.context<ApiContext>().create({
  // The stable code travels in data.fedradCode; a stack never leaves the coordinator (tRPC adds one outside production).
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, data: { ...data, fedradCode: isFedRadError(error.cause) ? error.cause.code : undefined } };
  },
});

/** Operator procedures: when the coordinator runs with an API token, every call must carry it. */
const operator = t.procedure.use(({ ctx, next }) => {
  const token = ctx.deps.apiToken;
  if (token && ctx.authorization !== `Bearer ${token}`) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'This coordinator needs the operator API token (Authorization: Bearer …)' });
  return next();
});

/** Core errors keep their stable code (in error.data.fedradCode) and message; the status comes from their kind (toApiError). */
function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TRPCError) throw e;
    const api = toApiError(e);
    throw new TRPCError({ code: api.status, message: api.message, cause: e });
  }
}

// Input parsers: plain functions (tRPC accepts them); protocol documents are validated by the core with the protocol validator.
const str = (name: string, pattern?: RegExp) => (v: unknown): string => {
  if (typeof v !== 'string' || (pattern && !pattern.test(v))) throw new TRPCError({ code: 'BAD_REQUEST', message: `${name} must be a string${pattern ? ` matching ${pattern}` : ''}` });
  return v;
};
const CAMPAIGN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SITE_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
const obj = (v: unknown): Record<string, unknown> => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new TRPCError({ code: 'BAD_REQUEST', message: 'expected an object' });
  return v as Record<string, unknown>;
};
const campaignIdInput = (v: unknown) => ({ campaignId: str('campaignId', CAMPAIGN_ID)(obj(v).campaignId) });
const enrolmentInput = (v: unknown) => ({ siteId: str('siteId', SITE_ID)(obj(v).siteId), campaignId: str('campaignId', CAMPAIGN_ID)(obj(v).campaignId) });
const REASONS = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation'] as const;
const revokeInput = (v: unknown) => {
  const o = obj(v);
  const reason = (o.reason ?? 'unspecified') as RevocationReasonInput;
  if (!REASONS.includes(reason)) throw new TRPCError({ code: 'BAD_REQUEST', message: `reason must be one of ${REASONS.join(', ')}` });
  return { siteId: str('siteId', SITE_ID)(o.siteId), reason };
};
const auditInput = (v: unknown) => {
  const o = v === undefined ? {} : obj(v);
  return {
    campaignId: o.campaignId === undefined ? undefined : str('campaignId', CAMPAIGN_ID)(o.campaignId),
    siteId: o.siteId === undefined ? undefined : str('siteId', SITE_ID)(o.siteId),
    event: o.event === undefined ? undefined : str('event')(o.event),
    limit: typeof o.limit === 'number' && o.limit > 0 ? Math.min(o.limit, 10_000) : 1000,
  };
};

/**
 * The operator API (HTTP for queries and mutations, WebSocket for live campaign events). Thin:
 * each procedure parses its input and calls one core function.
 */
export const appRouter = t.router({
  health: t.procedure.query(({ ctx }) => ({ ok: true as const, version: '0.1.0', connectedSites: ctx.deps.connectedSites() })),
  campaigns: t.router({
    create: operator.input((v: unknown) => v).mutation(({ ctx, input }) => call(() => createCampaign(ctx.deps.core, input))),
    hash: t.procedure.input((v: unknown) => v).query(({ input }) => ({ protocolHash: canonicalHash(input as CampaignProtocol) })),
    start: operator.input(campaignIdInput).mutation(({ ctx, input }) => call(() => (ctx.deps.startCampaign(input.campaignId), campaignStatus(ctx.deps.core, input.campaignId)))),
    status: operator.input(campaignIdInput).query(({ ctx, input }) => call(() => campaignStatus(ctx.deps.core, input.campaignId))),
    list: operator.query(({ ctx }) => listCampaigns(ctx.deps.core).map((c) => ({ campaignId: c.campaignId, title: c.protocol.title, state: c.state, protocolHash: c.protocolHash, currentRound: c.currentRound }))),
    modelOnnx: operator.input(campaignIdInput).query(({ ctx, input }) => {
      const bytes = lockedModelOnnx(ctx.deps.core, input.campaignId);
      return bytes ? { base64: Buffer.from(bytes).toString('base64') } : null;
    }),
    events: operator.input(campaignIdInput).subscription(async function* ({ ctx, input, signal }) {
      for await (const [event] of on(ctx.deps.events, 'event', { signal })) {
        if ((event as CampaignEvent).campaignId === input.campaignId) yield event as CampaignEvent;
      }
    }),
  }),
  sites: t.router({
    list: operator.query(({ ctx }) => listSites(ctx.deps.core).map((s) => ({ ...s, connected: ctx.deps.connectedSites().includes(s.siteId) }))),
    revoke: operator.input(revokeInput).mutation(({ ctx, input }) => call(() => ({ revokedSerials: ctx.deps.revokeSite(input.siteId, input.reason) }))),
  }),
  enrolments: t.router({
    list: operator.query(({ ctx }) => listEnrolments(ctx.deps.core)),
    approve: operator.input(enrolmentInput).mutation(({ ctx, input }) => call(() => approveEnrolment(ctx.deps.core, input.siteId, input.campaignId))),
    reject: operator.input(enrolmentInput).mutation(({ ctx, input }) => call(() => (rejectEnrolment(ctx.deps.core, input.siteId, input.campaignId), { status: 'rejected' as const }))),
  }),
  audit: t.router({
    verify: operator.query(({ ctx }) => verifyAuditLog(ctx.deps.core.db)),
    list: operator.input(auditInput).query(({ ctx, input }) => listAudit(ctx.deps.core.db, input)),
  }),
});

export type AppRouter = typeof appRouter;
