import { timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { getErrorShape, TRPCError, transformTRPCResponse } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { OfficeJsSource } from '../config.ts';
import { createHttpContext } from '../context.ts';
import { oauthRoute } from '../modules/accounting/oauth-routes.ts';
import type { Accounting } from '../modules/accounting/runtime.ts';
import type { Database } from '../db/database.ts';
import { DomainError } from '../domain/errors.ts';
import { ROLES } from '../domain/roles.ts';
import { reportDownloadRoute } from '../modules/reports/routes.ts';
import { productsXlsxRoute } from '../modules/products/xlsx-routes.ts';
import { countSheetRoute } from '../modules/stocktakes/xlsx-routes.ts';
import { createUser } from '../modules/users/service.ts';
import { appRouter } from '../router.ts';
import { errorResponse, headersForReason, HttpRefusal, sendJson } from './respond.ts';
import { serveStatic } from './static.ts';

export interface HttpOptions {
  db: Database;
  log: Logger;
  tls: { key: string; cert: string } | null;
  /** Lets `npm run token` on this machine create users while the server holds the PGlite folder. */
  localSecret?: string;
  /** Where the pane loads Office.js from (Config.officeJs); unset, Microsoft's CDN. */
  officeJs?: OfficeJsSource;
  /** The accounting runtime (endpoints, secret key) the procedures use; unset, one made for the database. */
  accounting?: Accounting;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new HttpRefusal(413, 'INVALID_INPUT', 'The body is over 10,000 characters.', { connection: 'close' });
  }
  try {
    return JSON.parse(body);
  } catch {
    throw new DomainError('INVALID_INPUT', 'The body is not JSON: send a JSON object.');
  }
}

/** Calls one tRPC request may batch: the add-in sends at most 10 (httpBatchLink maxItems). */
export const MAX_BATCH_CALLS = 50;

/**
 * A batch over MAX_BATCH_CALLS, refused whole before any of its calls runs (1,100 calls in one
 * request took 1.9 s). Counted as tRPC splits them: the decoded path after /trpc/, at commas.
 */
function batchTooLarge(url: URL): TRPCError | null {
  if (url.searchParams.get('batch') !== '1') return null;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname.slice('/trpc/'.length));
  } catch {
    return null; // tRPC refuses a malformed path itself
  }
  const calls = path.split(',').length;
  if (calls <= MAX_BATCH_CALLS) return null;
  const message = `This request batches ${calls.toLocaleString('en-US')} calls; at most ${MAX_BATCH_CALLS} may go in one request (httpBatchLink's maxItems). Nothing was run.`;
  return new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message, cause: new HttpRefusal(413, 'BATCH_TOO_LARGE', message) });
}

/** A refusal in tRPC's own response format (through the router's error formatter), which a tRPC client reads as every call's error. */
function sendTrpcError(res: http.ServerResponse, error: TRPCError, headers: Record<string, string>) {
  const config = appRouter._def._config;
  const shape = getErrorShape({ config, error, type: 'unknown', path: undefined, input: undefined, ctx: undefined });
  sendJson(res, getHTTPStatusCodeFromError(error), transformTRPCResponse(config, { error: shape }), headers);
}

export function createRequestListener({ db, log, localSecret, officeJs, accounting }: HttpOptions): http.RequestListener {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    // Checked here first with a reason code (batchTooLarge); tRPC's own check stays as a backstop.
    maxBatchSize: MAX_BATCH_CALLS,
    // Large queries (100,000 serials to preview) do not fit in a URL: clients send them as POST.
    allowMethodOverride: true,
    maxBodySize: 50 * 1024 * 1024,
    createContext: ({ req }) => createHttpContext(db, req, log, accounting),
    // The same headers a plain route's refusal carries (Retry-After when the database was busy).
    responseMeta: ({ errors }) => ({
      headers: Object.assign({}, ...errors.map((e) => (e.cause instanceof DomainError ? headersForReason(e.cause.reason) : {}))),
    }),
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') log.error({ err: error.cause ?? error, path }, 'procedure failed');
    },
  });

  const localUser = z.object({ name: z.string().trim().min(1).max(100), role: z.enum(ROLES) });
  // Compared as bytes: a non-ASCII header of the right length in characters made timingSafeEqual
  // throw (different byte lengths), answering 500 instead of 403.
  const secretMatches = (given: string | string[] | undefined) => {
    if (typeof given !== 'string' || !localSecret) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(localSecret);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  return async (req, res) => {
    const started = performance.now();
    // 'close', not 'finish': a request whose client went away never finishes, and is logged too.
    res.once('close', () => {
      const line = { method: req.method, url: req.url?.split('?')[0], status: res.statusCode, ms: Math.round(performance.now() - started) };
      log.info(res.writableFinished ? line : { ...line, aborted: true }, 'request');
    });
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (url.pathname.startsWith('/trpc/')) {
        const tooLarge = batchTooLarge(url);
        // Connection: close after a POST, whose body is not read.
        if (tooLarge) return sendTrpcError(res, tooLarge, req.method === 'GET' ? {} : { connection: 'close' });
        return trpc(req, res);
      }
      if (url.pathname === '/health' && req.method === 'GET') {
        const [row] = await db.prisma.$queryRaw<{ count: number }[]>`
          SELECT COUNT(*)::int AS count FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
        return sendJson(res, 200, { status: 'ok', database: db.kind, migrations: row?.count ?? 0 });
      }
      if (url.pathname === '/local/users' && req.method === 'POST') {
        if (!secretMatches(req.headers['x-stocksheet-local-secret'])) {
          throw new DomainError('FORBIDDEN', 'local secret required: this route is for `npm run token` on the server machine.');
        }
        const parsed = localUser.safeParse(await readJson(req));
        if (!parsed.success) throw new DomainError('INVALID_INPUT', z.prettifyError(parsed.error));
        return sendJson(res, 200, await createUser(db.prisma, parsed.data));
      }
      // The count sheet as an .xlsx file, for teams counting without the add-in.
      if (await countSheetRoute(db, req, res, url.pathname)) return;
      // The products sheet as an .xlsx file: download, and upload to check or import.
      if (await productsXlsxRoute(db, req, res, url)) return;
      // Any report as .xlsx or CSV.
      if (await reportDownloadRoute(db, log, req, res, url)) return;
      // Connecting Xero from a browser: the sign-in's start page and Xero's callback.
      if (await oauthRoute({ db, accounting, officeJs }, req, res, url)) return;
      if (serveStatic(req, res, url.pathname, officeJs)) return;
      return sendJson(res, 404, {
        reason: 'NOT_FOUND',
        message: `Nothing at ${url.pathname}; the task pane is at /, the API at /trpc and the health check at /health.`,
      });
    } catch (error) {
      // A refusal is an answer, logged with its request line; anything else is a failure.
      if (!(error instanceof DomainError)) log.error({ err: error }, 'request failed');
      if (!res.headersSent) {
        const { status, headers, body } = errorResponse(error);
        sendJson(res, status, body, headers);
      }
    }
  };
}

export function createServer(options: HttpOptions): http.Server {
  const listener = createRequestListener(options);
  return options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
}
