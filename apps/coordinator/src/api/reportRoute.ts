import { createHash } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { isFedRadError } from '@fedrad/protocol';
import { allows } from '../auth/roles.js';
import { campaignReport } from '../core/report/campaignReport.js';
import { AccessError } from '../errors.js';
import { credentialsOf, refuse } from './httpAccess.js';
import { CAMPAIGN_ID, type ApiDeps } from './router.js';

/**
 * The report page's own Content-Security-Policy: nothing may load or run. The page is
 * self-contained (packages/report: inline CSS, inline SVG plots, no script), so the only thing it
 * needs is its <style> blocks, each allowed by its SHA-256 (CSP Level 3, "hash-source") rather
 * than 'unsafe-inline'; `sandbox` (no allow-scripts) gives it an opaque origin besides, so even a
 * script slipped into a site's text could neither run nor read the console's origin.
 */
export function reportCsp(html: string): string {
  const hashes = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)].map((m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
  return [
    "default-src 'none'",
    `style-src ${hashes.length ? hashes.join(' ') : "'none'"}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    'sandbox',
  ].join('; ');
}

const notFound = (res: Response, message: string, fedradCode: string) => res.status(404).json({ error: { message, data: { code: 'NOT_FOUND', httpStatus: 404, fedradCode } } });

/**
 * GET /campaigns/<id>/report.html: the campaign's study report page, as `campaigns.report` has
 * it, for an operator who may read (bearer token or the console's session cookie, as the API).
 * Same origin as the console, so "Open report" is a plain link; the page gets its own strict CSP
 * instead of the console's (under which its inline stylesheet would not apply), is shown inline,
 * never sniffed, never cached, and not readable by another origin (no CORS; CORP same-origin).
 */
export function reportRoute(deps: ApiDeps): Router {
  const router = express.Router();
  router.get('/campaigns/:campaignId/report.html', async (req: Request, res: Response) => {
    try {
      const principal = await deps.auth.authenticate(credentialsOf(req));
      if (!principal) return refuse(res, new AccessError('UNAUTHORIZED', 'This coordinator needs an operator: sign in, or send an API token (Authorization: Bearer …)'));
      if (!allows(principal.role, 'read')) return refuse(res, new AccessError('FORBIDDEN_ROLE', `Operator ${principal.username} (${principal.role}) may not read reports`));
      const campaignId = String(req.params.campaignId);
      if (!CAMPAIGN_ID.test(campaignId)) return notFound(res, `"${campaignId.slice(0, 140)}" is not a campaign id`, 'CAMPAIGN_NOT_FOUND');
      const report = await campaignReport(deps.core, campaignId);
      if (!report) return notFound(res, `Campaign ${campaignId} has no study report yet: the report step runs after the meta-analysis, when the campaign completes`, 'REPORT_NOT_READY');
      res.setHeader('content-security-policy', reportCsp(report.html));
      res.setHeader('content-disposition', `inline; filename="${campaignId}-report.html"`);
      res.setHeader('cross-origin-resource-policy', 'same-origin');
      res.setHeader('referrer-policy', 'no-referrer');
      res.type('text/html; charset=utf-8').send(report.html);
    } catch (e) {
      if (e instanceof AccessError) return refuse(res, e);
      if (isFedRadError(e) && e.code === 'CAMPAIGN_NOT_FOUND') return notFound(res, e.message, e.code);
      console.error(`coordinator: report route: ${(e as Error).stack ?? e}`);
      res.status(500).json({ error: { message: 'Internal error of the coordinator (its log has the details)', data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, fedradCode: 'INTERNAL' } } });
    }
  });
  return router;
}
