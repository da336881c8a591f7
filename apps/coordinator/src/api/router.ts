import { EventEmitter, on } from 'node:events';
import { initTRPC, TRPCError } from '@trpc/server';
import { canonicalHash, isFedRadError, toApiError, type CampaignProtocol } from '@fedrad/protocol';
import type { CampaignEvent, CoreContext } from '../core/context.js';
import { listCampaigns } from '../core/campaignStore.js';
import { cancelCampaign, createCampaign } from '../core/campaigns.js';
import { checkProtocol } from '../core/protocolCheck.js';
import { approveEnrolment, listEnrolments, rejectEnrolment } from '../core/enrolment.js';
import { createEnrolmentCode } from '../core/enrolmentCodes.js';
import { campaignOverview, campaignStatus, lockedModelOnnx } from '../core/status.js';
import { campaignReport } from '../core/report/campaignReport.js';
import { attest, campaignAttestations } from '../core/report/attestations.js';
import { listSites } from '../core/sites.js';
import { listAudit, verifyAuditLog } from '../store/auditLog.js';
import { countRefusal } from '../store/refusalCounts.js';
import { ACCESS_STATUS, AccessError } from '../errors.js';
import type { Authenticator, Credentials, Principal } from '../auth/authenticator.js';
import { addOperator, checkPassword, createApiToken, listApiTokens, listOperators, revokeApiToken } from '../auth/operators.js';
import { allows, isRole, ROLES, USERNAME_PATTERN, type Permission } from '../auth/roles.js';
import { createSession, CSRF_HEADER, endSession, sessionCookieHeader } from '../auth/sessions.js';
import type { RateLimiter } from './rateLimiter.js';

/** What the router needs from the running coordinator: the core and the operations with side effects on sockets. */
export interface ApiDeps {
  core: CoreContext;
  events: EventEmitter;
  startCampaign(campaignId: string, actor: string): void;
  revokeSite(siteId: string, reason: RevocationReasonInput, actor: string): string[];
  connectedSites(): string[];
  auth: Authenticator;
  /** Password attempts per client address and per operator name. */
  loginLimiter: RateLimiter;
  sessionTtlSeconds: number;
}

type RevocationReasonInput = 'unspecified' | 'keyCompromise' | 'affiliationChanged' | 'superseded' | 'cessationOfOperation';

export interface ApiContext {
  deps: ApiDeps;
  credentials: Credentials;
  transport: 'http' | 'ws';
  /** The client's address (rate limits). */
  clientKey: string;
  /** Over HTTP: sets the session cookie on the answer. */
  setCookie?: (value: string) => void;
  /** The request came over TLS: the session cookie gets Secure. */
  secure: boolean;
}

const t = initTRPC.context<ApiContext>().create({
  // The stable code travels in data.fedradCode; a stack never leaves the coordinator (tRPC adds one
  // outside production), nor the text of an error no FedRad code wrote (it may name server paths).
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    const known = isFedRadError(error.cause) || error.code !== 'INTERNAL_SERVER_ERROR';
    return { ...shape, message: known ? shape.message : 'Internal error of the coordinator (its log has the details)', data: { ...data, fedradCode: isFedRadError(error.cause) ? error.cause.code : undefined } };
  },
});

/** An AccessError as the API's refusal: its HTTP status, its code in data.fedradCode. */
function refuse(e: AccessError): TRPCError {
  return new TRPCError({ code: ACCESS_STATUS[e.code], message: e.message, cause: e });
}

/**
 * Every procedure but `health` and `auth.login` needs an operator: a bearer token, or the
 * session cookie of a password login. A mutation on a session must carry the session's CSRF
 * token (header x-csrf-token), and goes over HTTP only (a browser WebSocket cannot send it).
 */
const authed = t.procedure.use(async ({ ctx, type, next }) => {
  let principal: Principal | undefined;
  try {
    principal = await ctx.deps.auth.authenticate(ctx.credentials);
  } catch (e) {
    throw e instanceof AccessError ? refuse(e) : e;
  }
  if (!principal) throw refuse(new AccessError('UNAUTHORIZED', 'This coordinator needs an operator: sign in, or send an API token (Authorization: Bearer …)'));
  if (type === 'mutation' && principal.via === 'session' && (ctx.transport !== 'http' || !principal.csrfValid)) {
    throw refuse(new AccessError('CSRF_REFUSED', `A change made with a session cookie needs the session's CSRF token in the ${CSRF_HEADER} header`));
  }
  return next({ ctx: { principal } });
});

/** A procedure that needs a permission of the caller's role (roles.ts). */
const needs = (permission: Permission) =>
  authed.use(({ ctx, next }) => {
    if (!allows(ctx.principal.role, permission)) throw refuse(new AccessError('FORBIDDEN_ROLE', `Operator ${ctx.principal.username} (${ctx.principal.role}) may not do this: it needs the ${permission} right`));
    return next();
  });
const reader = needs('read');
const studyLead = needs('campaign');
const admin = needs('admin');

/** Core errors keep their stable code (in error.data.fedradCode) and message; the status comes from their kind (toApiError). */
function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw asTrpc(e);
  }
}
async function callAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asTrpc(e);
  }
}
function asTrpc(e: unknown): unknown {
  if (e instanceof TRPCError) return e;
  if (e instanceof AccessError) return refuse(e);
  const api = toApiError(e);
  return new TRPCError({ code: api.status, message: api.message, cause: e });
}

// Input parsers: plain functions (tRPC accepts them); protocol documents are validated by the core with the protocol validator.
const str = (name: string, pattern?: RegExp) => (v: unknown): string => {
  if (typeof v !== 'string' || (pattern && !pattern.test(v))) throw new TRPCError({ code: 'BAD_REQUEST', message: `${name} must be a string${pattern ? ` matching ${pattern}` : ''}` });
  return v;
};
export const CAMPAIGN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SITE_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
const obj = (v: unknown): Record<string, unknown> => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new TRPCError({ code: 'BAD_REQUEST', message: 'expected an object' });
  return v as Record<string, unknown>;
};
const campaignIdInput = (v: unknown) => ({ campaignId: str('campaignId', CAMPAIGN_ID)(obj(v).campaignId) });
const enrolmentInput = (v: unknown) => ({ siteId: str('siteId', SITE_ID)(obj(v).siteId), campaignId: str('campaignId', CAMPAIGN_ID)(obj(v).campaignId) });
const approveInput = (v: unknown) => {
  const fingerprint = obj(v).fingerprint;
  return { ...enrolmentInput(v), fingerprint: fingerprint === undefined ? undefined : str('fingerprint', /^([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/)(fingerprint) };
};
const codeInput = (v: unknown) => {
  const hours = obj(v).hours;
  if (hours !== undefined && (typeof hours !== 'number' || !(hours > 0 && hours <= 2160))) throw new TRPCError({ code: 'BAD_REQUEST', message: 'hours must be a number between 0 and 2160' });
  return { ...enrolmentInput(v), hours: hours as number | undefined };
};
const attestInput = (v: unknown) => {
  const o = obj(v);
  if (typeof o.value !== 'boolean') throw new TRPCError({ code: 'BAD_REQUEST', message: 'value must be true or false' });
  const evidence = o.evidence === undefined ? undefined : str('evidence', /^[\s\S]{1,1000}$/)(o.evidence);
  return { ...campaignIdInput(v), claim: str('claim', /^[a-z0-9.-]{1,40}$/)(o.claim), value: o.value, ...(evidence !== undefined ? { evidence } : {}) };
};
const cancelInput = (v: unknown) => ({ ...campaignIdInput(v), reason: str('reason', /^(?=[\s\S]*\S)[\s\S]{1,500}$/)(obj(v).reason) });
const REASONS = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation'] as const;
const revokeInput = (v: unknown) => {
  const o = obj(v);
  const reason = (o.reason ?? 'unspecified') as RevocationReasonInput;
  if (!REASONS.includes(reason)) throw new TRPCError({ code: 'BAD_REQUEST', message: `reason must be one of ${REASONS.join(', ')}` });
  return { siteId: str('siteId', SITE_ID)(o.siteId), reason };
};
const loginInput = (v: unknown) => ({ username: str('username')(obj(v).username).slice(0, 64), password: str('password')(obj(v).password).slice(0, 256) });
const userInput = (v: unknown) => {
  const o = obj(v);
  if (!isRole(o.role)) throw new TRPCError({ code: 'BAD_REQUEST', message: `role must be one of ${ROLES.join(', ')}` });
  return { username: str('username', USERNAME_PATTERN)(o.username), role: o.role };
};
const tokenInput = (v: unknown) => {
  const o = v === undefined ? {} : obj(v);
  const days = o.days;
  if (days !== undefined && (typeof days !== 'number' || !(days > 0 && days <= 3650))) throw new TRPCError({ code: 'BAD_REQUEST', message: 'days must be a number of days between 0 and 3650' });
  return {
    username: o.username === undefined ? undefined : str('username', USERNAME_PATTERN)(o.username),
    label: o.label === undefined ? 'api' : str('label', /^[\w .:@-]{1,64}$/)(o.label),
    days: days as number | undefined,
  };
};
const tokenIdInput = (v: unknown) => ({ tokenId: str('tokenId', /^[0-9a-f]{16}$/)(obj(v).tokenId) });
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
  /** The one unauthenticated procedure: is the coordinator up. */
  health: t.procedure.query(() => ({ ok: true as const, version: '0.1.0' })),
  auth: t.router({
    /** Password sign-in for the console: sets the HttpOnly session cookie, returns the CSRF token for mutations. */
    login: t.procedure.input(loginInput).mutation(async ({ ctx, input }) => {
      const { deps } = ctx;
      if (!deps.loginLimiter.take(`addr:${ctx.clientKey}`) || !deps.loginLimiter.take(`user:${input.username}`)) {
        throw refuse(new AccessError('RATE_LIMITED', 'Too many sign-in attempts; wait a minute'));
      }
      let operator;
      try {
        operator = await checkPassword(deps.core.db, input.username, input.password);
      } catch (e) {
        if (e instanceof AccessError) {
          countRefusal(deps.core.db, { event: 'operator.sign-in-refused', peer: `${ctx.clientKey} as ${input.username}`, code: 'LOGIN_FAILED' }, deps.core.clock());
          throw refuse(e);
        }
        throw e;
      }
      if (!ctx.setCookie) throw refuse(new AccessError('CSRF_REFUSED', 'Sign in over HTTP, not over the WebSocket'));
      const session = await createSession(deps.core.db, operator.username, deps.sessionTtlSeconds, deps.core.clock());
      ctx.setCookie(sessionCookieHeader(session.cookieValue, deps.sessionTtlSeconds, ctx.secure));
      return { username: operator.username, role: operator.role, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
    }),
    logout: authed.mutation(({ ctx }) => {
      if (ctx.principal.via === 'session') {
        endSession(ctx.deps.core.db, ctx.principal.credentialId, ctx.principal.username, ctx.deps.core.clock());
        ctx.deps.auth.forget(ctx.principal.credentialId);
        ctx.setCookie?.(sessionCookieHeader('', 0, ctx.secure));
      }
      return { signedOut: ctx.principal.via === 'session' };
    }),
    /** Who is calling; a console reloading its page gets its CSRF token back from here. */
    me: authed.query(({ ctx }) => ({
      username: ctx.principal.username,
      role: ctx.principal.role,
      via: ctx.principal.via,
      // What the role may change (roles.ts): the console disables every other control; the procedures refuse them anyway.
      can: { campaign: allows(ctx.principal.role, 'campaign'), admin: allows(ctx.principal.role, 'admin') },
      ...(ctx.principal.csrfToken ? { csrfToken: ctx.principal.csrfToken } : {}),
    })),
  }),
  users: t.router({
    list: admin.query(({ ctx }) => listOperators(ctx.deps.core.db)),
    /** A new operator account; its generated password is in the answer, once. */
    add: admin.input(userInput).mutation(({ ctx, input }) => callAsync(() => addOperator(ctx.deps.core.db, input.username, input.role, ctx.principal.username))),
  }),
  tokens: t.router({
    /** A bearer token for the caller (or, for an admin, any operator); shown once. */
    create: authed.input(tokenInput).mutation(({ ctx, input }) => {
      const username = input.username ?? ctx.principal.username;
      if (username !== ctx.principal.username && !allows(ctx.principal.role, 'admin')) throw refuse(new AccessError('FORBIDDEN_ROLE', 'Only an admin creates tokens for another operator'));
      return callAsync(() => createApiToken(ctx.deps.core.db, username, input.label, ctx.principal.username, input.days));
    }),
    list: authed.query(({ ctx }) => listApiTokens(ctx.deps.core.db, allows(ctx.principal.role, 'admin') ? undefined : ctx.principal.username)),
    revoke: authed.input(tokenIdInput).mutation(({ ctx, input }) => {
      const own = listApiTokens(ctx.deps.core.db, ctx.principal.username).some((t) => t.tokenId === input.tokenId);
      if (!own && !allows(ctx.principal.role, 'admin')) throw refuse(new AccessError('FORBIDDEN_ROLE', 'Only an admin revokes another operator\'s token'));
      call(() => revokeApiToken(ctx.deps.core.db, input.tokenId, ctx.principal.username));
      ctx.deps.auth.forget(input.tokenId);
      return { revoked: input.tokenId };
    }),
  }),
  campaigns: t.router({
    create: studyLead.input((v: unknown) => v).mutation(({ ctx, input }) => call(() => createCampaign(ctx.deps.core, input, ctx.principal.username))),
    hash: reader.input((v: unknown) => v).query(({ input }) => ({ protocolHash: canonicalHash(input as CampaignProtocol) })),
    /** Read-only: schema issues, canonical hash and every refusal `create` would raise for this document (the console's editor). */
    check: reader.input((v: unknown) => v).query(({ ctx, input }) => checkProtocol(ctx.deps.core, input)),
    start: studyLead.input(campaignIdInput).mutation(({ ctx, input }) => call(() => (ctx.deps.startCampaign(input.campaignId, ctx.principal.username), campaignStatus(ctx.deps.core, input.campaignId)))),
    /** Stops a locked or running campaign for good: its open jobs close, nothing more is sent for it; the reason is audited. */
    cancel: studyLead.input(cancelInput).mutation(({ ctx, input }) => call(() => cancelCampaign(ctx.deps.core, input.campaignId, input.reason, ctx.principal.username))),
    status: reader.input(campaignIdInput).query(({ ctx, input }) => call(() => campaignStatus(ctx.deps.core, input.campaignId))),
    /** The status with each site's jobs counted rather than listed (the console's campaign and results pages). */
    overview: reader.input(campaignIdInput).query(({ ctx, input }) => call(() => campaignOverview(ctx.deps.core, input.campaignId))),
    list: reader.query(({ ctx }) => listCampaigns(ctx.deps.core).map((c) => ({ campaignId: c.campaignId, title: c.protocol.title, state: c.state, protocolHash: c.protocolHash, currentRound: c.currentRound }))),
    modelOnnx: reader.input(campaignIdInput).query(({ ctx, input }) => {
      const bytes = call(() => lockedModelOnnx(ctx.deps.core, input.campaignId));
      return bytes ? { base64: Buffer.from(bytes).toString('base64') } : null;
    }),
    /** An operator's attestation of an RQS/METRICS claim no software can know (recorded with who and when; the report is re-scored). */
    attest: studyLead.input(attestInput).mutation(({ ctx, input }) =>
      call(() => ({ attestations: attest(ctx.deps.core, input.campaignId, { claim: input.claim, value: input.value, ...(input.evidence ? { evidence: input.evidence } : {}) }, ctx.principal.username) })),
    ),
    /** The claims an operator may attest and the campaign's attestations so far (the console's form). */
    attestations: reader.input(campaignIdInput).query(({ ctx, input }) => call(() => campaignAttestations(ctx.deps.core, input.campaignId))),
    /** The campaign's study report (the report phase's): the self-contained HTML page to download and its JSON twin; null before the phase ran. */
    report: reader.input(campaignIdInput).query(({ ctx, input }) => callAsync(() => campaignReport(ctx.deps.core, input.campaignId))),
    events: reader.input(campaignIdInput).subscription(async function* ({ ctx, input, signal }) {
      for await (const [event] of on(ctx.deps.events, 'event', { signal })) {
        if ((event as CampaignEvent).campaignId === input.campaignId) yield event as CampaignEvent;
      }
    }),
  }),
  sites: t.router({
    list: reader.query(({ ctx }) => listSites(ctx.deps.core).map((s) => ({ ...s, connected: ctx.deps.connectedSites().includes(s.siteId) }))),
    /** The sites connected now (what `health` showed before it became the one unauthenticated probe). */
    connected: reader.query(({ ctx }) => ({ connectedSites: ctx.deps.connectedSites() })),
    revoke: admin.input(revokeInput).mutation(({ ctx, input }) => call(() => ({ revokedSerials: ctx.deps.revokeSite(input.siteId, input.reason, ctx.principal.username) }))),
  }),
  enrolments: t.router({
    list: reader.query(({ ctx }) => listEnrolments(ctx.deps.core)),
    /** A one-time code for one site to enrol with, handed over out of band; shown once. */
    createCode: admin.input(codeInput).mutation(({ ctx, input }) => callAsync(() => createEnrolmentCode(ctx.deps.core, input.siteId, input.campaignId, ctx.principal.username, input.hours))),
    approve: admin.input(approveInput).mutation(({ ctx, input }) => call(() => approveEnrolment(ctx.deps.core, input.siteId, input.campaignId, ctx.principal.username, input.fingerprint))),
    reject: admin.input(enrolmentInput).mutation(({ ctx, input }) => call(() => (rejectEnrolment(ctx.deps.core, input.siteId, input.campaignId, ctx.principal.username), { status: 'rejected' as const }))),
  }),
  audit: t.router({
    verify: reader.query(({ ctx }) => verifyAuditLog(ctx.deps.core.db)),
    list: reader.input(auditInput).query(({ ctx, input }) => listAudit(ctx.deps.core.db, input)),
  }),
});

export type AppRouter = typeof appRouter;
