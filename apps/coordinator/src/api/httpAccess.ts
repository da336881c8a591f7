import type { IncomingMessage } from 'node:http';
import type { Response } from 'express';
import type { Credentials } from '../auth/authenticator.js';
import { cookieValue, CSRF_HEADER, SESSION_COOKIE } from '../auth/sessions.js';
import { ACCESS_STATUS, type AccessError } from '../errors.js';

const HTTP_STATUS = { UNAUTHORIZED: 401, FORBIDDEN: 403, TOO_MANY_REQUESTS: 429, PAYLOAD_TOO_LARGE: 413 } as const;

/** An access refusal in tRPC's error shape: `{error: {message, data: {code, httpStatus, fedradCode}}}`. */
export function refuse(res: Response, e: AccessError): void {
  const status = ACCESS_STATUS[e.code];
  res.status(HTTP_STATUS[status]).json({ error: { message: e.message, data: { code: status, httpStatus: HTTP_STATUS[status], fedradCode: e.code } } });
}

export function clientKey(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

export function credentialsOf(req: IncomingMessage, queryAuthorization?: string): Credentials {
  const csrf = req.headers[CSRF_HEADER];
  const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
  const authorization = req.headers.authorization ?? queryAuthorization;
  return {
    ...(authorization !== undefined ? { authorization } : {}),
    ...(cookie !== undefined ? { sessionCookie: cookie } : {}),
    ...(typeof csrf === 'string' ? { csrfHeader: csrf } : {}),
  };
}

