// Connecting from a browser: the OAuth 2.0 authorisation-code flow with PKCE (issue #13), Xero's.
// An admin starts it in the pane (beginAuthorization): a pending authorisation is stored with a
// random single-use state, and the person signs in to Xero and chooses the organisation there. Xero
// sends the browser back to the callback with a code (or error=access_denied); the state is taken
// once, the code exchanged for tokens, the organisation read from Xero's connections, and the
// connection stored as a refresh token's would be (completeConnection). Tokens, codes and secrets
// are never logged.
import { createHash, randomBytes } from 'node:crypto';
import type { AuthUser } from '../../context.ts';
import { mayWrite, type RoleName } from '../../domain/roles.ts';
import { ProviderCallError } from './errors.ts';
import { PROVIDERS } from './providers.ts';
import type { Accounting } from './runtime.ts';
import { completeConnection } from './service.ts';
import { requestTokens } from './token-endpoint.ts';

export const OAUTH_START_PATH = '/accounting/oauth/start';
export const OAUTH_CALLBACK_PATH = '/accounting/oauth/callback';
/** What Stocksheet asks Xero for: a refresh token, manual journals and items, the chart and settings. */
export const XERO_SCOPES = 'offline_access accounting.transactions accounting.settings';
/** How long a started sign-in may take. */
export const AUTHORIZATION_TTL_MS = 10 * 60_000;
/** Used and expired sign-ins are removed this long after they expired. */
const KEEP_MS = 24 * 3600_000;
/** A state is 43 characters (32 random bytes); anything much longer is not one of ours. */
const STATE_MAX = 200;

export interface BeginAuthorizationInput {
  provider: 'xero';
  clientId: string;
  clientSecret: string;
  /** The organisation to connect; unset, the one the person grants in Xero. */
  tenantId?: string;
}

/** The redirect URI: register exactly this with the Xero app. */
export const redirectUriOf = (accounting: Pick<Accounting, 'publicUrl'>) => `${accounting.publicUrl}${OAUTH_CALLBACK_PATH}`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

function authorizeUrl(accounting: Accounting, pending: { clientId: string; redirectUri: string; verifier: string }, state: string): string {
  const url = new URL(accounting.endpoints.xero.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: pending.clientId,
    redirect_uri: pending.redirectUri,
    scope: XERO_SCOPES,
    state,
    code_challenge: challengeOf(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/**
 * Starts a sign-in: `authorizeUrl` is Xero's page; `startUrl` is this server's page that sends the
 * browser there (an Office dialog must open on the pane's own domain first). Both work once, for
 * 10 minutes.
 */
export async function beginAuthorization(accounting: Accounting, user: AuthUser, input: BeginAuthorizationInput) {
  const prisma = accounting.db.prisma;
  const now = accounting.now();
  const state = randomBytes(32).toString('base64url');
  const verifier = randomBytes(48).toString('base64url');
  const redirectUri = redirectUriOf(accounting);
  const expiresAt = new Date(now + AUTHORIZATION_TTL_MS);
  await prisma.accountingAuthorization.deleteMany({ where: { expiresAt: { lt: new Date(now - KEEP_MS) } } });
  await prisma.accountingAuthorization.create({
    data: {
      stateHash: sha256(state),
      provider: input.provider,
      clientId: input.clientId,
      clientSecret: accounting.secrets.seal(input.clientSecret),
      codeVerifier: accounting.secrets.seal(verifier),
      tenantId: input.tenantId ?? null,
      redirectUri,
      userId: user.id,
      createdAt: new Date(now),
      expiresAt,
    },
  });
  return {
    authorizeUrl: authorizeUrl(accounting, { clientId: input.clientId, redirectUri, verifier }, state),
    startUrl: `${accounting.publicUrl}${OAUTH_START_PATH}?${new URLSearchParams({ state })}`,
    redirectUri,
    expiresAt,
  };
}

/** An organisation Xero lists for the token. */
export interface GrantedTenant {
  tenantId: string;
  tenantName: string;
}

/** Why the sign-in did not connect, as the browser is told. */
export interface OAuthFailure {
  ok: false;
  /** The HTTP status of the page. */
  status: number;
  title: string;
  message: string;
  /** The organisations Xero granted, when Stocksheet could not tell which one to connect. */
  tenants?: GrantedTenant[];
}

/** What the callback (or the start page) answers the browser. */
export type OAuthOutcome = { ok: true; provider: 'xero'; tenantId: string; tenantName: string } | OAuthFailure;

const START_AGAIN = 'Nothing was changed: press “Connect with Xero” in the Accounting panel to start again.';
const failed = (status: number, title: string, message: string, tenants?: GrantedTenant[]): OAuthFailure => ({
  ok: false,
  status,
  title,
  message,
  ...(tenants ? { tenants } : {}),
});

/** Why a state cannot go on (unknown, used, expired) at `now`, or null when it can. */
function stateProblem(state: string | null, row: { usedAt: Date | null; expiresAt: Date } | null, now: number): OAuthFailure | null {
  if (!state || state.length > STATE_MAX || !row)
    return failed(
      400,
      'This sign-in is not one Stocksheet started',
      `The link does not name a sign-in this server is waiting for (it may be from another server, or was removed). ${START_AGAIN}`,
    );
  if (row.usedAt)
    return failed(
      400,
      'This sign-in was already used',
      `Each sign-in link works once, and this one has been answered already. ${START_AGAIN}`,
    );
  if (row.expiresAt.getTime() <= now)
    return failed(
      400,
      'This sign-in has expired',
      `A sign-in must be finished within ${AUTHORIZATION_TTL_MS / 60_000} minutes of starting it. ${START_AGAIN}`,
    );
  return null;
}

type PendingRow = NonNullable<Awaited<ReturnType<typeof findPending>>>;

const findPending = (accounting: Accounting, state: string | null) =>
  state && state.length <= STATE_MAX
    ? accounting.db.prisma.accountingAuthorization.findUnique({ where: { stateHash: sha256(state) } })
    : Promise.resolve(null);

/** The start page: the pending sign-in's Xero address, or why there is none (nothing is taken). */
export async function authorizeUrlFor(accounting: Accounting, state: string | null): Promise<{ url: string } | OAuthFailure> {
  const row = await findPending(accounting, state);
  const problem = stateProblem(state, row, accounting.now());
  if (problem || !row || !state) return problem!;
  const verifier = accounting.secrets.open(row.codeVerifier);
  return { url: authorizeUrl(accounting, { clientId: row.clientId, redirectUri: row.redirectUri, verifier }, state) };
}

/** Takes the state once (under the row's lock, so two answers cannot both take it): the pending sign-in, or why not. */
async function takeState(accounting: Accounting, state: string | null): Promise<{ row: PendingRow } | { problem: OAuthFailure }> {
  const now = accounting.now();
  const taken =
    state && state.length <= STATE_MAX
      ? await accounting.db.prisma.accountingAuthorization.updateMany({
          where: { stateHash: sha256(state), usedAt: null, expiresAt: { gt: new Date(now) } },
          data: { usedAt: new Date(now) },
        })
      : { count: 0 };
  const row = await findPending(accounting, state);
  if (taken.count === 1 && row) return { row };
  // Not taken: unknown, used or expired at `now` (stateProblem's conditions are the update's).
  return { problem: stateProblem(state, row, now) ?? failed(400, 'This sign-in was already used', START_AGAIN) };
}

/** A claim of a JWT access token (Xero's are JWTs), unverified: only used to narrow a listing Xero answers itself. */
function claim(token: string, name: string): string | null {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const value = payload[name];
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/**
 * The organisations this sign-in granted: Xero's connections for the token, narrowed to the
 * sign-in's authentication event (`authEventId`, the token's `authentication_event_id`) when Xero
 * lists any for it; organisations only (not Xero HQ practices).
 */
async function grantedTenants(accounting: Accounting, accessToken: string): Promise<GrantedTenant[]> {
  const base = accounting.endpoints.xero.connectionsUrl ?? 'https://api.xero.com/connections';
  const list = async (authEventId: string | null) => {
    const url = new URL(base);
    if (authEventId) url.searchParams.set('authEventId', authEventId);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(accounting.requestTimeoutMs),
      });
    } catch (error) {
      throw new ProviderCallError({ kind: 'uncertain', message: `Xero's connections did not answer (${(error as Error).message}).` });
    }
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok || !Array.isArray(body))
      throw new ProviderCallError({ kind: 'uncertain', message: `Xero's connections answered ${response.status}.` });
    return (body as { tenantId?: string; tenantName?: string; tenantType?: string }[])
      .filter((c) => c.tenantId && (c.tenantType ?? 'ORGANISATION') === 'ORGANISATION')
      .map((c) => ({ tenantId: c.tenantId!, tenantName: c.tenantName ?? c.tenantId! }));
  };
  const event = claim(accessToken, 'authentication_event_id');
  const granted = event ? await list(event) : [];
  return granted.length > 0 ? granted : list(null);
}

/** The organisation to connect: the one asked for, or the only one granted; else why not. */
function pickTenant(asked: string | null, granted: GrantedTenant[]): GrantedTenant | OAuthFailure {
  const names = (tenants: GrantedTenant[]) => tenants.map((t) => `${t.tenantName} (${t.tenantId})`).join(', ');
  if (asked) {
    const found = granted.find((t) => t.tenantId.toLowerCase() === asked.toLowerCase());
    if (found) return found;
    return failed(
      400,
      'That organisation was not granted',
      granted.length > 0
        ? `Stocksheet asked for the organisation ${asked}, but Xero granted access to ${names(granted)} only. Start again and choose that organisation when Xero asks, or leave the tenant id empty to connect the one you grant. Nothing was changed.`
        : `Stocksheet asked for the organisation ${asked}, but Xero granted access to no organisation. Start again and choose it when Xero asks. Nothing was changed.`,
      granted,
    );
  }
  if (granted.length === 1) return granted[0]!;
  if (granted.length === 0)
    return failed(400, 'No organisation was granted', `Xero granted Stocksheet access to no organisation. ${START_AGAIN}`);
  return failed(
    400,
    'Choose one organisation',
    `Xero granted access to ${granted.length} organisations, and Stocksheet posts to one. Start again with the tenant id of the one to connect (below) in the Accounting panel. Nothing was changed.`,
    granted,
  );
}

/**
 * The callback: `code` and `state` (or `error`) as Xero sends them. The state is taken first, so
 * whatever happens after, the link cannot be used again. Nothing changes unless the connection is
 * stored at the end.
 */
export async function finishAuthorization(accounting: Accounting, query: URLSearchParams): Promise<OAuthOutcome> {
  const taken = await takeState(accounting, query.get('state'));
  const error = query.get('error');
  if ('problem' in taken) {
    // Xero's refusal is still worth saying when the state is no good.
    if (error) return { ...taken.problem, message: `Xero answered "${error}". ${taken.problem.message}` };
    return taken.problem;
  }
  const { row } = taken;
  if (error === 'access_denied')
    return failed(400, 'Stocksheet was not allowed to connect', `The sign-in was cancelled in Xero (access_denied). ${START_AGAIN}`);
  if (error) {
    const detail = query.get('error_description');
    return failed(400, 'Xero did not sign in', `Xero answered "${error}"${detail ? `: ${detail}` : ''}. ${START_AGAIN}`);
  }
  const code = query.get('code');
  if (!code) return failed(400, 'Xero sent no code', `The answer from Xero has neither a code nor an error. ${START_AGAIN}`);

  const starter = await accounting.db.prisma.user.findUnique({ where: { id: row.userId }, select: { active: true, role: true } });
  if (!starter?.active || !mayWrite(starter.role as RoleName, 'accounting.connect'))
    return failed(403, 'Not allowed', `The user who started this sign-in may no longer connect the accounting system. ${START_AGAIN}`);

  const clientSecret = accounting.secrets.open(row.clientSecret);
  try {
    const tokens = await requestTokens(accounting, 'xero', {
      url: `${accounting.endpoints.xero.identityUrl}/connect/token`,
      headers: { authorization: `Basic ${Buffer.from(`${row.clientId}:${clientSecret}`).toString('base64')}` },
      form: {
        grant_type: 'authorization_code',
        code,
        redirect_uri: row.redirectUri,
        code_verifier: accounting.secrets.open(row.codeVerifier),
      },
    });
    const picked = pickTenant(row.tenantId, await grantedTenants(accounting, tokens.accessToken));
    if ('ok' in picked) return picked;
    await completeConnection(
      accounting,
      {
        provider: 'xero',
        tenantId: picked.tenantId,
        tenantName: picked.tenantName,
        clientId: row.clientId,
        clientSecret,
        companyFileAuth: null,
      },
      tokens,
    );
    return { ok: true, provider: 'xero', tenantId: picked.tenantId, tenantName: picked.tenantName };
  } catch (caught) {
    if (!(caught instanceof ProviderCallError)) throw caught;
    const refused = caught.failure.kind === 'disconnected';
    return failed(
      refused ? 400 : 502,
      refused ? `${PROVIDERS.xero.name} did not accept the sign-in` : `${PROVIDERS.xero.name} did not answer`,
      `${caught.message} ${START_AGAIN}`,
    );
  }
}
