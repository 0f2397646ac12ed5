// The stand-in's HTTP server: routes identity, connections and API requests, records every call,
// and runs each API request through Xero's order of checks:
//   JSON only (Accept: application/json; Xero answers XML otherwise) → bearer token (401) →
//   xero-tenant-id (403) → rate limits (429; armed bursts first) → the request body → the spec's
//   route and the token's scopes → 503 faults → Idempotency-Key (replay, wait, or 400) → slow and
//   500 faults → the spec's request validation (openapi-backend) and the operation → the answer,
//   kept under the key, with the remaining-calls headers — or dropped (socket destroyed) after all that.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Context, OpenAPIBackend } from 'openapi-backend';
import { postDataInvalid, problem, queryParseException, specViolation, unknownError, validationMessage, type Answer } from './answers.ts';
import type { FaultPlan } from './faults.ts';
import { IDEMPOTENCY_KEY_MAX, type IdempotencyStore } from './idempotency.ts';
import type { Identity } from './identity.ts';
import type { Arrivals, RateLimiter } from './limits.ts';
import { OPERATIONS } from './operations.ts';
import { API_ROOT, type SpecDispatcher } from './spec.ts';
import type { OpContext, OrgState } from './state.ts';
import type { XeroCall, XeroClock } from './types.ts';
import { QueryParseError } from './where.ts';

export interface ServerParts {
  api: OpenAPIBackend;
  clock: XeroClock;
  state: OrgState;
  identity: Identity;
  limiter: RateLimiter;
  arrivals: Arrivals;
  idempotency: IdempotencyStore;
  faults: FaultPlan;
  calls: XeroCall[];
  tenantId: string;
  appName: string;
  maxBodyBytes: number;
}

class BodyTooLarge extends Error {}

export function createStandInServer(parts: ServerParts): Server {
  return createServer((req, res) => {
    handle(parts, req, res).catch((error: unknown) => {
      // A bug in the stand-in, not a Xero behaviour: say so plainly.
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`Xero stand-in error: ${error instanceof Error ? error.stack : String(error)}`);
      }
    });
  });
}

async function handle(parts: ServerParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { clock, identity, faults } = parts;
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const call: XeroCall = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body: undefined,
    status: 0,
    answeredStatus: 0,
    response: undefined,
    startedAt: clock.now(),
    endedAt: clock.now(),
  };
  parts.calls.push(call);

  let raw: string;
  try {
    raw = await readBody(req, parts.maxBodyBytes);
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) throw error;
    send(parts, res, call, { status: 413, text: `Request entity too large: Xero accepts at most ${parts.maxBodyBytes} bytes` }, false);
    return;
  }
  call.body = raw === '' ? undefined : raw;

  const isApi = url.pathname === API_ROOT || url.pathname.startsWith(`${API_ROOT}/`);
  if (isApi) {
    await handleApi(parts, res, call, url, raw);
    return;
  }
  if (url.pathname === '/identity/connect/authorize' && call.method === 'GET') {
    send(parts, res, call, identity.authorize(call.query), false);
  } else if (url.pathname === '/identity/connect/token' && call.method === 'POST') {
    call.body = Object.fromEntries(new URLSearchParams(raw));
    const answer = identity.token(headers, raw);
    send(parts, res, call, answer, answer.status === 200 && faults.takeTokenDrop());
  } else if (url.pathname === '/identity/connect/revocation' && call.method === 'POST') {
    call.body = Object.fromEntries(new URLSearchParams(raw));
    send(parts, res, call, identity.revocation(headers, raw), false);
  } else if (url.pathname === '/connections' && call.method === 'GET') {
    send(parts, res, call, identity.connections(headers.authorization, call.query), false);
  } else if (url.pathname.startsWith('/connections/') && call.method === 'DELETE') {
    send(
      parts,
      res,
      call,
      identity.deleteConnection(headers.authorization, decodeURIComponent(url.pathname.slice('/connections/'.length))),
      false,
    );
  } else {
    send(parts, res, call, { status: 404, text: 'Not found' }, false);
  }
}

async function handleApi(parts: ServerParts, res: ServerResponse, call: XeroCall, url: URL, raw: string): Promise<void> {
  const leave = parts.arrivals.arrive();
  let release: (() => void) | undefined;
  let admitted = false;
  try {
    const answer = await (async (): Promise<Answer> => {
      const { headers } = call;
      if (!(headers.accept ?? '').toLowerCase().includes('application/json')) {
        return { status: 406, text: 'The Xero stand-in answers JSON only: send Accept: application/json (Xero answers XML without it)' };
      }
      const auth = parts.identity.authenticate(headers.authorization);
      if (!auth.ok) return auth.answer;
      if (headers['xero-tenant-id'] !== parts.tenantId) return problem(403, 'Forbidden', 'AuthenticationUnsuccessful');

      const burst = parts.faults.takeBurst();
      if (burst) return tooManyRequests(burst.problem, burst.retryAfter, true);
      const admission = parts.limiter.admit();
      if (!admission.ok) return tooManyRequests(admission.problem, admission.retryAfter, false);
      release = admission.release;
      admitted = true;

      let body: unknown;
      if (raw !== '') {
        if (!(headers['content-type'] ?? '').toLowerCase().includes('application/json')) {
          return postDataInvalid(`the Xero stand-in takes JSON bodies (Content-Type was '${headers['content-type'] ?? ''}')`);
        }
        try {
          body = JSON.parse(raw);
        } catch (error) {
          return postDataInvalid(error instanceof Error ? error.message : String(error));
        }
        call.body = body;
      }

      const specRequest = { method: call.method, path: url.pathname, query: url.search.slice(1), headers, body };
      const operation = parts.api.router.matchOperation(specRequest);
      if (operation?.operationId) {
        call.operationId = operation.operationId;
        const needed = (operation.security ?? []).flatMap((s) => (s as Record<string, string[]>).OAuth2 ?? []);
        if (needed.length && !needed.some((scope) => auth.scope.includes(scope)))
          return problem(401, 'Unauthorized', 'AuthorizationUnsuccessful');
      }

      if (parts.faults.takeUnavailable()) return problem(503, 'Service Unavailable', 'The Xero API is currently unavailable');

      let settle: ((answer: Answer) => void) | undefined;
      const key = headers['idempotency-key'];
      if (key && (call.method === 'PUT' || call.method === 'POST')) {
        if (key.length > IDEMPOTENCY_KEY_MAX)
          return validationMessage(`The Idempotency-Key must be at most ${IDEMPOTENCY_KEY_MAX} characters`);
        const claim = parts.idempotency.claim(key, { method: call.method, path: url.pathname, query: url.search, body: raw });
        if (claim.kind === 'mismatch') return validationMessage(`The Idempotency-Key '${key}' was already used with a different request`);
        if (claim.kind === 'replay') {
          call.replayed = true;
          return await claim.answer;
        }
        settle = claim.settle;
      }
      let result: Answer;
      try {
        const delay = parts.faults.takeSlow();
        if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
        if (parts.faults.takeServerError()) result = unknownError();
        else result = await runOperation(parts, specRequest, call, key);
      } catch {
        result = unknownError();
      }
      settle?.(result);
      return result;
    })();
    const drop = admitted && parts.faults.takeDrop();
    send(parts, res, call, { ...answer, headers: { ...parts.limiter.headers(), ...answer.headers } }, drop);
  } finally {
    release?.();
    leave();
  }
}

async function runOperation(
  parts: ServerParts,
  specRequest: { method: string; path: string; query: string; headers: Record<string, string>; body: unknown },
  call: XeroCall,
  key: string | undefined,
): Promise<Answer> {
  const dispatcher: SpecDispatcher = {
    operation: (c: Context) => {
      const id = c.operation.operationId ?? '';
      const run = OPERATIONS[id];
      if (!run) return problem(501, 'Not Implemented', `The Xero stand-in does not model the operation '${id}'`);
      const query: Record<string, string> = {};
      for (const [name, value] of Object.entries(c.request.query ?? {}))
        query[name] = Array.isArray(value) ? String(value[0]) : String(value);
      const ctx: OpContext = {
        state: parts.state,
        now: parts.clock.now(),
        query,
        headers: call.headers,
        params: (c.request.params ?? {}) as Record<string, string>,
        body: specRequest.body,
        ...(key ? { key } : {}),
        appName: parts.appName,
      };
      try {
        return run(ctx);
      } catch (error) {
        if (error instanceof QueryParseError) return queryParseException(error.message);
        throw error;
      }
    },
    validationFail: (c: Context) =>
      specViolation((c.validation.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`)),
    notFound: () => problem(404, 'Not Found', "The resource you're looking for cannot be found"),
  };
  return (await parts.api.handleRequest(specRequest, dispatcher)) as Answer;
}

function tooManyRequests(problemName: string, retryAfter: number, armed: boolean): Answer {
  const headers: Record<string, string> = { 'retry-after': String(retryAfter), 'x-rate-limit-problem': problemName };
  if (armed && problemName === 'minute') headers['x-minlimit-remaining'] = '0';
  if (armed && problemName === 'day') headers['x-daylimit-remaining'] = '0';
  return { ...problem(429, 'Too Many Requests', `Rate limit exceeded: ${problemName}`), headers };
}

function send(parts: ServerParts, res: ServerResponse, call: XeroCall, answer: Answer, drop: boolean): void {
  call.answeredStatus = answer.status;
  call.response = answer.body !== undefined ? answer.body : answer.text;
  call.endedAt = parts.clock.now();
  if (drop) {
    call.dropped = true;
    call.status = 0;
    res.socket?.destroy();
    return;
  }
  call.status = answer.status;
  const text = answer.body !== undefined ? JSON.stringify(answer.body) : (answer.text ?? '');
  const headers: Record<string, string> = {
    'xero-correlation-id': randomUUID(),
    ...(text ? { 'content-type': answer.body !== undefined ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8' } : {}),
    'content-length': String(Buffer.byteLength(text)),
    ...answer.headers,
  };
  res.writeHead(answer.status, headers);
  res.end(text);
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => (tooLarge ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}
