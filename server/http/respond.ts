import type { ServerResponse } from 'node:http';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { DomainError, type Reason } from '../domain/errors.ts';
import { INTERNAL_ERROR_MESSAGE, trpcErrorOf } from '../trpc.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Reasons only the HTTP layer refuses with, before any procedure runs: an upload past its limits
 * (server/uploads/guard.ts), a tRPC batch with too many calls (server.ts). Not in REASONS, since no
 * procedure throws them.
 */
export type HttpReason = Reason | 'UPLOAD_TOO_LARGE' | 'BATCH_TOO_LARGE';

/** A refusal that only plain HTTP has a status for (a method not allowed, a body too large). */
export class HttpRefusal extends DomainError {
  constructor(
    readonly status: number,
    reason: HttpReason,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    // The reason is one of REASONS or an HTTP-only one; errorResponse answers it with `status`.
    super(reason as Reason, message);
  }
}

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  /** The reason code and a message a person can act on; never internal details. */
  body: { reason: HttpReason | 'INTERNAL_ERROR'; message: string };
}

/**
 * The headers a refusal's reason calls for, on tRPC and plain routes alike: how to authenticate,
 * or when to send a request the database was too busy to start again.
 */
export function headersForReason(reason: string): Record<string, string> {
  if (reason === 'UNAUTHENTICATED') return { 'www-authenticate': 'Bearer' };
  if (reason === 'DATABASE_BUSY') return { 'retry-after': String(RETRY_AFTER_SECONDS) };
  return {};
}

/** How long a client waits before sending again a request refused with DATABASE_BUSY. */
export const RETRY_AFTER_SECONDS = 2;

/** What a plain HTTP route answers for an error: for a DomainError, the status tRPC gives its reason. */
export function errorResponse(error: unknown): ErrorResponse {
  if (error instanceof HttpRefusal) {
    return { status: error.status, headers: error.headers, body: { reason: error.reason, message: error.message } };
  }
  if (error instanceof DomainError) {
    return {
      status: getHTTPStatusCodeFromError(trpcErrorOf(error)),
      headers: headersForReason(error.reason),
      body: { reason: error.reason, message: error.message },
    };
  }
  return { status: 500, headers: {}, body: { reason: 'INTERNAL_ERROR', message: INTERNAL_ERROR_MESSAGE } };
}
