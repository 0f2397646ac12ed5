// The MYOB stand-in's HTTP server: routes consent, token and API requests, records every call, and runs each
// API request through this order of checks:
//   x-myobapi-key is the client id (403 DeveloperInactive "API key is missing or inactive": MYOB's
//   error-messages page gives 403 for a missing or inactive key) → rate limits (403 RateLimitError;
//   armed bursts first) → bearer token (401 OAuthTokenIsMissing / OAuthTokenIsInvalid) →
//   x-myobapi-version: v2 (400 InvalidApiVersion, the stand-in's own) → the company file (404) →
//   x-myobapi-cftoken = base64(user:password) of the file's user (401 AccessDenied: MYOB's response
//   codes page sends a 401 to "check … the company file username/password") → the route (404; 405;
//   501 for MYOB methods not modelled) → the token's scope (401 OAuthTokenIsInvalid) → armed
//   failures (500/503/504, not carried out) and slowness → the JSON body (400 SerializationError;
//   415 when not JSON) → the operation → the answer, or the socket destroyed after all of that.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorAnswer, type Answer } from './answers.ts';
import type { FaultPlan } from './faults.ts';
import type { Identity } from './identity.ts';
import type { Arrivals, RateLimiter } from './limits.ts';
import { checkQueryOptions, ODataError } from './odata.ts';
import { companyFiles } from './reads.ts';
import { COMPANY_FILE_SCOPE, LEGACY_SCOPE, matchRoute } from './routes.ts';
import type { FileState, OpContext } from './state.ts';
import type { MyobCall, MyobClock } from './types.ts';

export const API_ROOT = '/accountright';
export const TOKEN_PATH = '/identity/oauth2/v1/authorize';
/** The consent page (MYOB's is https://secure.myob.com/oauth2/account/authorize). */
export const AUTHORIZE_PATH = '/identity/oauth2/account/authorize';
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface ServerParts {
  clock: MyobClock;
  state: FileState;
  identity: Identity;
  limiter: RateLimiter;
  arrivals: Arrivals;
  faults: FaultPlan;
  calls: MyobCall[];
  clientId: string;
  fileToken: () => string;
  apiUrl: () => string;
}

const REDACTED = '[redacted]';

export function createMyobServer(parts: ServerParts): Server {
  return createServer((req, res) => {
    handle(parts, req, res).catch((error: unknown) => {
      // A bug in the stand-in, not a MYOB behaviour: say so plainly.
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`MYOB stand-in error: ${error instanceof Error ? error.stack : String(error)}`);
      }
    });
  });
}

async function handle(parts: ServerParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const path = url.pathname;
  const isApi = path.toLowerCase() === API_ROOT || path.toLowerCase().startsWith(`${API_ROOT}/`);
  const call: MyobCall = {
    kind: isApi ? 'api' : path === TOKEN_PATH ? 'token' : 'other',
    method: req.method ?? 'GET',
    path,
    query: Object.fromEntries(url.searchParams),
    headers: redactHeaders(headers),
    body: undefined,
    status: 0,
    answeredStatus: 0,
    response: undefined,
    startedAt: parts.clock.now(),
    endedAt: parts.clock.now(),
  };
  parts.calls.push(call);
  const raw = await readBody(req);
  if (raw === undefined) {
    send(parts, res, call, errorAnswer(413, 'RequestTooLarge', `The MYOB stand-in takes bodies of at most ${MAX_BODY_BYTES} bytes`), false);
    return;
  }
  call.body = raw === '' ? undefined : raw;

  if (isApi) {
    await handleApi(parts, res, call, url, headers, raw);
  } else if (call.kind === 'token' && call.method === 'POST') {
    parts.arrivals.token();
    call.body = redactForm(raw);
    const answer = parts.identity.token(headers['content-type'], raw);
    send(parts, res, call, answer, answer.status === 200 && parts.faults.takeTokenDrop());
  } else if (path === AUTHORIZE_PATH && call.method === 'GET') {
    send(parts, res, call, parts.identity.authorize(call.query), false);
  } else {
    send(parts, res, call, { status: 404, text: 'Not found' }, false);
  }
}

async function handleApi(parts: ServerParts, res: ServerResponse, call: MyobCall, url: URL, headers: Record<string, string>, raw: string) {
  const leave = parts.arrivals.arrive();
  let admitted = false;
  try {
    const answer = await (async (): Promise<Answer> => {
      if (headers['x-myobapi-key'] !== parts.clientId)
        return errorAnswer(403, 'DeveloperInactive', 'API key is missing or inactive', 'Header: x-myobapi-key');
      const burst = parts.faults.takeBurst();
      const admission = burst ? { ok: false as const, problem: burst } : parts.limiter.admit();
      if (!admission.ok) {
        const which = admission.problem === 'day' ? 'daily' : 'per-second';
        return errorAnswer(403, 'RateLimitError', `API key has exceeded the ${which} rate limit`, 'Header: x-myobapi-key');
      }
      admitted = true;
      const auth = parts.identity.authenticate(headers.authorization);
      if (!auth.ok) return auth.answer;
      if ((headers['x-myobapi-version'] ?? '').toLowerCase() !== 'v2') {
        return errorAnswer(
          400,
          'InvalidApiVersion',
          `x-myobapi-version must be v2, not '${headers['x-myobapi-version'] ?? ''}'`,
          'Header: x-myobapi-version',
        );
      }
      const allowed = (scope: string) => auth.scope.includes(scope) || auth.scope.includes(LEGACY_SCOPE);
      const noScope = (scope: string) =>
        errorAnswer(
          401,
          'OAuthTokenIsInvalid',
          'The supplied OAuth token (Bearer) is not valid',
          `The token was not granted the scope ${scope}`,
        );

      const segments = url.pathname.slice(API_ROOT.length).split('/').filter(Boolean).map(decodeURIComponent);
      if (segments.length === 0) {
        if (call.method !== 'GET') return methodNotAllowed(['GET']);
        return allowed(COMPANY_FILE_SCOPE) ? companyFiles(parts.state, parts.apiUrl()) : noScope(COMPANY_FILE_SCOPE);
      }
      const [fileId, ...rest] = segments;
      if (fileId!.toLowerCase() !== parts.state.companyFileId.toLowerCase()) {
        return errorAnswer(404, 'ResourceNotFound', `No company file '${fileId}'`, 'GET /accountright/ lists the company files');
      }
      if (headers['x-myobapi-cftoken'] !== parts.fileToken()) {
        return errorAnswer(
          401,
          'AccessDenied',
          'Access denied',
          'Invalid credentials: x-myobapi-cftoken must be base64(user:password) of a company file user',
        );
      }
      const matched = matchRoute(rest);
      if (!matched) return errorAnswer(404, 'ResourceNotFound', `No resource '${rest.join('/')}' in the company file`);
      const { route } = matched;
      const handler = route.handlers[call.method];
      if (!handler) {
        if (route.unmodelled.includes(call.method)) {
          return errorAnswer(501, 'NotImplemented', `The MYOB stand-in does not model ${call.method} ${route.path}`);
        }
        return methodNotAllowed([...Object.keys(route.handlers), ...route.unmodelled]);
      }
      if (!allowed(route.scope)) return noScope(route.scope);

      const failure = parts.faults.takeFailure();
      if (failure === 504)
        return errorAnswer(504, 'GatewayTimeout', 'Connection to the API has timed out', 'Maximum call time is 120 seconds');
      if (failure === 503) return errorAnswer(503, 'ServiceUnavailable', 'The service is temporarily unavailable');
      if (failure === 500) return errorAnswer(500, 'InternalError', 'An error has occurred');
      const delay = parts.faults.takeSlow();
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));

      let body: unknown;
      if (call.method === 'POST' || call.method === 'PUT') {
        if (!(headers['content-type'] ?? '').toLowerCase().includes('application/json')) {
          return errorAnswer(
            415,
            'UnsupportedMediaType',
            `Send JSON bodies with Content-Type: application/json, not '${headers['content-type'] ?? ''}'`,
          );
        }
        try {
          body = JSON.parse(raw);
        } catch (error) {
          return errorAnswer(
            400,
            'SerializationError',
            `The request body is not JSON: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        call.body = body;
      }
      const ctx: OpContext = {
        state: parts.state,
        now: parts.clock.now(),
        fileUrl: `${parts.apiUrl()}/${parts.state.companyFileId}`,
        resource: route.path.replace('/{UID}', ''),
        query: call.query,
        ...(matched.uid !== undefined ? { uid: matched.uid } : {}),
        body,
      };
      try {
        if (!(route.collection && call.method === 'GET')) checkQueryOptions(call.query, false);
        return handler(ctx);
      } catch (error) {
        if (error instanceof ODataError) return errorAnswer(400, 'InvalidQuery', error.message);
        throw error;
      }
    })();
    send(parts, res, call, answer, admitted && parts.faults.takeDrop());
  } finally {
    leave();
  }
}

function methodNotAllowed(methods: string[]): Answer {
  return { ...errorAnswer(405, 'MethodNotAllowed', `Allowed: ${methods.join(', ')}`), headers: { allow: methods.join(', ') } };
}

function send(parts: ServerParts, res: ServerResponse, call: MyobCall, answer: Answer, drop: boolean): void {
  call.answeredStatus = answer.status;
  call.response = redactTokens(answer.body !== undefined ? answer.body : answer.text);
  call.endedAt = parts.clock.now();
  if (drop) {
    call.dropped = true;
    res.socket?.destroy();
    return;
  }
  call.status = answer.status;
  const text = answer.body !== undefined ? JSON.stringify(answer.body) : (answer.text ?? '');
  res.writeHead(answer.status, {
    ...(text ? { 'content-type': answer.body !== undefined ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8' } : {}),
    'content-length': String(Buffer.byteLength(text)),
    ...answer.headers,
  });
  res.end(text);
}

function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out = { ...headers };
  if (out.authorization !== undefined) out.authorization = out.authorization.replace(/^(\S+\s+).*$/, `$1${REDACTED}`);
  if (out['x-myobapi-cftoken'] !== undefined) out['x-myobapi-cftoken'] = REDACTED;
  return out;
}

function redactForm(raw: string): Record<string, string> {
  const form = Object.fromEntries(new URLSearchParams(raw));
  for (const key of ['client_secret', 'refresh_token', 'code']) if (form[key] !== undefined) form[key] = REDACTED;
  return form;
}

function redactTokens(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || !('access_token' in body)) return body;
  return { ...body, access_token: REDACTED, refresh_token: REDACTED };
}

/** The body's text, or undefined when it is over the limit. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
