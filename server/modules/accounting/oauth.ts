// Connecting from a browser: the OAuth 2.0 authorisation-code flow (issue #13), one piece of code
// over a table of providers (SIGN_IN). An admin starts it in the pane (beginAuthorization): a
// pending authorisation is stored with a random single-use state and what the sign-in must carry
// (sealed), and the person signs in at the provider and consents there. The provider sends the
// browser back to the callback with a code (or error=access_denied); the state is taken once, the
// code exchanged for tokens, the tenant read from what the sign-in granted, and the connection
// stored as a refresh token's would be (completeConnection). Tokens, codes and secrets are never
// logged.
//
// What differs between Xero and MYOB is data in SIGN_IN: the scopes, PKCE (Xero) or a consent
// prompt (MYOB), the token request's shape (Xero: the client by HTTP Basic; MYOB: in the form), how
// the tenants granted are listed (Xero's connections for the sign-in's authentication event; MYOB's
// businessId on the redirect, else its company file list), what they are called, and what else the
// sign-in carries (MYOB: the company file's user name and password, for x-myobapi-cftoken).
import { createHash, randomBytes } from 'node:crypto';
import type { AuthUser } from '../../context.ts';
import { mayWrite, type RoleName } from '../../domain/roles.ts';
import type { TokenSet } from './connection.ts';
import { ProviderCallError } from './errors.ts';
import { PROVIDERS, type ProviderName } from './providers.ts';
import type { Accounting } from './runtime.ts';
import { completeConnection } from './service.ts';
import { requestTokens } from './token-endpoint.ts';

export const OAUTH_START_PATH = '/accounting/oauth/start';
export const OAUTH_CALLBACK_PATH = '/accounting/oauth/callback';
/** What Stocksheet asks Xero for: a refresh token, manual journals and items, the chart and settings, and the general ledger (the reconciliation). */
export const XERO_SCOPES = 'offline_access accounting.transactions accounting.settings accounting.journals.read';
/**
 * What Stocksheet asks MYOB for (the granular scopes of API keys made since 12 March 2025): the
 * company file, its preferences (the lock date), the general ledger (chart, tax codes, journals)
 * and inventory (items). MYOB issues a refresh token without asking for one.
 */
export const MYOB_SCOPES = 'sme-company-file sme-company-settings sme-general-ledger sme-inventory';
/** How long a started sign-in may take. */
export const AUTHORIZATION_TTL_MS = 10 * 60_000;
/** Used and expired sign-ins are removed this long after they expired. */
const KEEP_MS = 24 * 3600_000;
/** A state is 43 characters (32 random bytes); anything much longer is not one of ours. */
const STATE_MAX = 200;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type BeginAuthorizationInput =
  | {
      provider: 'xero';
      clientId: string;
      clientSecret: string;
      /** The organisation to connect; unset, the one the person grants in Xero. */
      tenantId?: string;
    }
  | {
      provider: 'myob';
      /** The API key. */
      clientId: string;
      clientSecret: string;
      /** The company file to connect; unset, the one the person chooses in MYOB. */
      companyFileId?: string;
      /** The company file's sign-in, when it has one (sent as x-myobapi-cftoken on every call). */
      companyFileUser?: string;
      companyFilePassword?: string;
    };

/** A tenant the sign-in granted: a Xero organisation, a MYOB company file. */
export interface GrantedTenant {
  tenantId: string;
  tenantName: string;
}

/** What a sign-in carries from its start to the callback besides the client, sealed in the pending row. */
interface Carried {
  /** PKCE's code verifier (Xero). */
  verifier?: string;
  /** MYOB: base64(user:password) of the company file, as x-myobapi-cftoken wants it. */
  companyFileAuth?: string;
}

interface TokenRequest {
  url: string;
  form: Record<string, string>;
  headers?: Record<string, string>;
}

/** What the provider calls its tenants, for the pages. */
interface TenantWords {
  one: string;
  many: string;
  /** The field that names one in the Accounting panel. */
  field: string;
  /** The column headings of the list of those granted. */
  columns: [string, string];
}

/** A provider's authorisation-code flow, as data: one piece of code (below) works over it. */
interface SignInFamily {
  scopes: string;
  /** Sends a PKCE S256 challenge (and the verifier with the code). */
  pkce: boolean;
  /** More parameters on the authorize address. */
  authorizeParams: Record<string, string>;
  words: TenantWords;
  /** The tenant asked for, and what else the sign-in carries, from beginAuthorization's input. */
  asked(input: BeginAuthorizationInput): { tenantId: string | null; carried: Carried };
  /** The token endpoint's request exchanging a code. */
  codeRequest(
    accounting: Accounting,
    pending: { clientId: string; clientSecret: string; redirectUri: string },
    code: string,
    carried: Carried,
  ): TokenRequest;
  /** The tenants this sign-in granted, read with its access token (and the callback's query). */
  granted(accounting: Accounting, tokens: TokenSet, pending: { clientId: string }, query: URLSearchParams): Promise<GrantedTenant[]>;
}

const basic = (clientId: string, clientSecret: string) => `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;

export const SIGN_IN: Record<ProviderName, SignInFamily> = {
  // developer.xero.com/documentation/guides/oauth2/auth-flow (and its PKCE flow).
  xero: {
    scopes: XERO_SCOPES,
    pkce: true,
    authorizeParams: {},
    words: { one: 'organisation', many: 'organisations', field: 'tenant id', columns: ['Organisation', 'Tenant id'] },
    asked: (input) => ({ tenantId: (input.provider === 'xero' && input.tenantId) || null, carried: {} }),
    codeRequest: (accounting, pending, code, carried) => ({
      url: `${accounting.endpoints.xero.identityUrl}/connect/token`,
      headers: { authorization: basic(pending.clientId, pending.clientSecret) },
      form: {
        grant_type: 'authorization_code',
        code,
        redirect_uri: pending.redirectUri,
        ...(carried.verifier ? { code_verifier: carried.verifier } : {}),
      },
    }),
    granted: (accounting, tokens) => xeroConnections(accounting, tokens.accessToken),
  },
  // developer.myob.com's authentication pages; apisupport.myob.com "Retrieving Company File GUIDs
  // via MYOB API Post March 2025": the consent names one company file (businessId, businessName on
  // the redirect) when the authorize address asks for the consent page (prompt=consent).
  myob: {
    scopes: MYOB_SCOPES,
    pkce: false,
    authorizeParams: { prompt: 'consent' },
    words: { one: 'company file', many: 'company files', field: 'company file id', columns: ['Company file', 'Company file id'] },
    asked: (input) => {
      if (input.provider !== 'myob') return { tenantId: null, carried: {} };
      const auth = input.companyFileUser
        ? Buffer.from(`${input.companyFileUser}:${input.companyFilePassword ?? ''}`).toString('base64')
        : undefined;
      return { tenantId: input.companyFileId ?? null, carried: auth ? { companyFileAuth: auth } : {} };
    },
    codeRequest: (accounting, pending, code) => ({
      url: `${accounting.endpoints.myob.identityUrl}/oauth2/v1/authorize`,
      form: {
        client_id: pending.clientId,
        client_secret: pending.clientSecret,
        code,
        redirect_uri: pending.redirectUri,
        grant_type: 'authorization_code',
      },
    }),
    granted: (accounting, tokens, pending, query) => myobCompanyFiles(accounting, tokens.accessToken, pending.clientId, query),
  },
};

/** The redirect URI: register exactly this with the Xero app or the MYOB API key. */
export const redirectUriOf = (accounting: Pick<Accounting, 'publicUrl'>) => `${accounting.publicUrl}${OAUTH_CALLBACK_PATH}`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
const nameOf = (provider: ProviderName) => PROVIDERS[provider].name;

// The pending row's code_verifier column holds what the sign-in carries, sealed, as JSON. A row
// written before the table (a bare verifier) is read as Xero's verifier.
const sealCarried = (accounting: Accounting, carried: Carried) => accounting.secrets.seal(JSON.stringify(carried));
function openCarried(accounting: Accounting, sealed: string): Carried {
  const text = accounting.secrets.open(sealed);
  return text.startsWith('{') ? (JSON.parse(text) as Carried) : { verifier: text };
}

function authorizeUrl(
  accounting: Accounting,
  provider: ProviderName,
  pending: { clientId: string; redirectUri: string; carried: Carried },
  state: string,
): string {
  const family = SIGN_IN[provider];
  const url = new URL(accounting.endpoints[provider].authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: pending.clientId,
    redirect_uri: pending.redirectUri,
    scope: family.scopes,
    state,
    ...(family.pkce && pending.carried.verifier
      ? { code_challenge: challengeOf(pending.carried.verifier), code_challenge_method: 'S256' }
      : {}),
    ...family.authorizeParams,
  }).toString();
  return url.toString();
}

/**
 * Starts a sign-in: `authorizeUrl` is the provider's page; `startUrl` is this server's page that
 * sends the browser there (an Office dialog must open on the pane's own domain first). Both work
 * once, for 10 minutes.
 */
export async function beginAuthorization(accounting: Accounting, user: AuthUser, input: BeginAuthorizationInput) {
  const prisma = accounting.db.prisma;
  const family = SIGN_IN[input.provider];
  const now = accounting.now();
  const state = randomBytes(32).toString('base64url');
  const asked = family.asked(input);
  const carried: Carried = { ...asked.carried, ...(family.pkce ? { verifier: randomBytes(48).toString('base64url') } : {}) };
  const redirectUri = redirectUriOf(accounting);
  const expiresAt = new Date(now + AUTHORIZATION_TTL_MS);
  await prisma.accountingAuthorization.deleteMany({ where: { expiresAt: { lt: new Date(now - KEEP_MS) } } });
  await prisma.accountingAuthorization.create({
    data: {
      stateHash: sha256(state),
      provider: input.provider,
      clientId: input.clientId,
      clientSecret: accounting.secrets.seal(input.clientSecret),
      codeVerifier: sealCarried(accounting, carried),
      tenantId: asked.tenantId,
      redirectUri,
      userId: user.id,
      createdAt: new Date(now),
      expiresAt,
    },
  });
  return {
    authorizeUrl: authorizeUrl(accounting, input.provider, { clientId: input.clientId, redirectUri, carried }, state),
    startUrl: `${accounting.publicUrl}${OAUTH_START_PATH}?${new URLSearchParams({ state })}`,
    redirectUri,
    expiresAt,
  };
}

/** Why the sign-in did not connect, as the browser is told. */
export interface OAuthFailure {
  ok: false;
  /** The HTTP status of the page. */
  status: number;
  title: string;
  message: string;
  /** The tenants granted, when Stocksheet could not tell which one to connect, and what they are called. */
  tenants?: GrantedTenant[];
  columns?: [string, string];
}

/** What the callback (or the start page) answers the browser. */
export type OAuthOutcome = { ok: true; provider: ProviderName; tenantId: string; tenantName: string } | OAuthFailure;

/** The page's closing words: where to start again (the provider unknown when the state is not ours). */
const startAgain = (provider: ProviderName | null) =>
  `Nothing was changed: press ${provider ? `“Connect with ${nameOf(provider)}”` : '“Connect with Xero” or “Connect with MYOB”'} in the Accounting panel to start again.`;
const failed = (
  status: number,
  title: string,
  message: string,
  listed?: { tenants: GrantedTenant[]; words: TenantWords },
): OAuthFailure => ({
  ok: false,
  status,
  title,
  message,
  ...(listed ? { tenants: listed.tenants, columns: listed.words.columns } : {}),
});

/** Why a state cannot go on (unknown, used, expired) at `now`, or null when it can. */
function stateProblem(
  state: string | null,
  row: { usedAt: Date | null; expiresAt: Date; provider: ProviderName } | null,
  now: number,
): OAuthFailure | null {
  if (!state || state.length > STATE_MAX || !row)
    return failed(
      400,
      'This sign-in is not one Stocksheet started',
      `The link does not name a sign-in this server is waiting for (it may be from another server, or was removed). ${startAgain(null)}`,
    );
  if (row.usedAt)
    return failed(
      400,
      'This sign-in was already used',
      `Each sign-in link works once, and this one has been answered already. ${startAgain(row.provider)}`,
    );
  if (row.expiresAt.getTime() <= now)
    return failed(
      400,
      'This sign-in has expired',
      `A sign-in must be finished within ${AUTHORIZATION_TTL_MS / 60_000} minutes of starting it. ${startAgain(row.provider)}`,
    );
  return null;
}

type PendingRow = NonNullable<Awaited<ReturnType<typeof findPending>>>;

const findPending = (accounting: Accounting, state: string | null) =>
  state && state.length <= STATE_MAX
    ? accounting.db.prisma.accountingAuthorization.findUnique({ where: { stateHash: sha256(state) } })
    : Promise.resolve(null);

/** The start page: the pending sign-in's address at the provider, or why there is none (nothing is taken). */
export async function authorizeUrlFor(accounting: Accounting, state: string | null): Promise<{ url: string } | OAuthFailure> {
  const row = await findPending(accounting, state);
  const problem = stateProblem(state, row, accounting.now());
  if (problem || !row || !state) return problem!;
  const carried = openCarried(accounting, row.codeVerifier);
  return { url: authorizeUrl(accounting, row.provider, { clientId: row.clientId, redirectUri: row.redirectUri, carried }, state) };
}

/** Takes the state once (under the row's lock, so two answers cannot both take it): the pending sign-in, or why not. */
async function takeState(
  accounting: Accounting,
  state: string | null,
): Promise<{ row: PendingRow } | { problem: OAuthFailure; row: PendingRow | null }> {
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
  return { problem: stateProblem(state, row, now) ?? failed(400, 'This sign-in was already used', startAgain(row?.provider ?? null)), row };
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

/** A GET with the token, read as JSON; no answer or another status is uncertain (the page says the provider did not answer). */
async function getJson(accounting: Accounting, provider: ProviderName, url: URL, headers: Record<string, string>, what: string) {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(accounting.requestTimeoutMs),
    });
  } catch (error) {
    throw new ProviderCallError({
      kind: 'uncertain',
      message: `${nameOf(provider)}'s ${what} did not answer (${(error as Error).message}).`,
    });
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok || !Array.isArray(body))
    throw new ProviderCallError({ kind: 'uncertain', message: `${nameOf(provider)}'s ${what} answered ${response.status}.` });
  return body as Record<string, unknown>[];
}

/**
 * The organisations this sign-in granted: Xero's connections for the token, narrowed to the
 * sign-in's authentication event (`authEventId`, the token's `authentication_event_id`) when Xero
 * lists any for it; organisations only (not Xero HQ practices).
 */
async function xeroConnections(accounting: Accounting, accessToken: string): Promise<GrantedTenant[]> {
  const base = accounting.endpoints.xero.connectionsUrl ?? 'https://api.xero.com/connections';
  const list = async (authEventId: string | null) => {
    const url = new URL(base);
    if (authEventId) url.searchParams.set('authEventId', authEventId);
    const body = await getJson(accounting, 'xero', url, { authorization: `Bearer ${accessToken}` }, 'connections');
    return (body as { tenantId?: string; tenantName?: string; tenantType?: string }[])
      .filter((c) => c.tenantId && (c.tenantType ?? 'ORGANISATION') === 'ORGANISATION')
      .map((c) => ({ tenantId: c.tenantId!, tenantName: c.tenantName ?? c.tenantId! }));
  };
  const event = claim(accessToken, 'authentication_event_id');
  const granted = event ? await list(event) : [];
  return granted.length > 0 ? granted : list(null);
}

/**
 * The company file this sign-in granted: the one the consent named on the redirect (`businessId`,
 * `businessName`: API keys made since 12 March 2025, whose consent is to one company file, and for
 * which `GET /accountright/` lists none); else the company files the token can reach (the list, as
 * keys made before then have it).
 */
async function myobCompanyFiles(
  accounting: Accounting,
  accessToken: string,
  apiKey: string,
  query: URLSearchParams,
): Promise<GrantedTenant[]> {
  const businessId = query.get('businessId');
  if (businessId && GUID.test(businessId)) return [{ tenantId: businessId, tenantName: query.get('businessName') || businessId }];
  const body = await getJson(
    accounting,
    'myob',
    new URL(`${accounting.endpoints.myob.apiUrl}/`),
    { authorization: `Bearer ${accessToken}`, 'x-myobapi-key': apiKey, 'x-myobapi-version': 'v2' },
    'company file list',
  );
  return (body as { Id?: string; Name?: string }[])
    .filter((f) => typeof f.Id === 'string' && GUID.test(f.Id))
    .map((f) => ({ tenantId: f.Id!, tenantName: f.Name || f.Id! }));
}

/** The tenant to connect: the one asked for, or the only one granted; else why not. */
function pickTenant(provider: ProviderName, asked: string | null, granted: GrantedTenant[]): GrantedTenant | OAuthFailure {
  const name = nameOf(provider);
  const words = SIGN_IN[provider].words;
  const names = (tenants: GrantedTenant[]) => tenants.map((t) => `${t.tenantName} (${t.tenantId})`).join(', ');
  if (asked) {
    const found = granted.find((t) => t.tenantId.toLowerCase() === asked.toLowerCase());
    if (found) return found;
    return failed(
      400,
      `That ${words.one} was not granted`,
      granted.length > 0
        ? `Stocksheet asked for the ${words.one} ${asked}, but ${name} granted access to ${names(granted)} only. Start again and choose that ${words.one} when ${name} asks, or leave the ${words.field} empty to connect the one you grant. Nothing was changed.`
        : `Stocksheet asked for the ${words.one} ${asked}, but ${name} granted access to no ${words.one}. Start again and choose it when ${name} asks. Nothing was changed.`,
      { tenants: granted, words },
    );
  }
  if (granted.length === 1) return granted[0]!;
  if (granted.length === 0)
    return failed(400, `No ${words.one} was granted`, `${name} granted Stocksheet access to no ${words.one}. ${startAgain(provider)}`);
  return failed(
    400,
    `Choose one ${words.one}`,
    `${name} granted access to ${granted.length} ${words.many}, and Stocksheet posts to one. Start again with the ${words.field} of the one to connect (below) in the Accounting panel. Nothing was changed.`,
    { tenants: granted, words },
  );
}

/**
 * The callback: `code` and `state` (or `error`) as the provider sends them. The state is taken
 * first, so whatever happens after, the link cannot be used again. Nothing changes unless the
 * connection is stored at the end.
 */
export async function finishAuthorization(accounting: Accounting, query: URLSearchParams): Promise<OAuthOutcome> {
  const taken = await takeState(accounting, query.get('state'));
  const error = query.get('error');
  if ('problem' in taken) {
    // The provider's refusal is still worth saying when the state is no good.
    const who = taken.row ? nameOf(taken.row.provider) : 'The accounting system';
    if (error) return { ...taken.problem, message: `${who} answered "${error}". ${taken.problem.message}` };
    return taken.problem;
  }
  const { row } = taken;
  const provider = row.provider;
  const name = nameOf(provider);
  if (error === 'access_denied')
    return failed(
      400,
      'Stocksheet was not allowed to connect',
      `The sign-in was cancelled in ${name} (access_denied). ${startAgain(provider)}`,
    );
  if (error) {
    const detail = query.get('error_description');
    return failed(400, `${name} did not sign in`, `${name} answered "${error}"${detail ? `: ${detail}` : ''}. ${startAgain(provider)}`);
  }
  const code = query.get('code');
  if (!code) return failed(400, `${name} sent no code`, `The answer from ${name} has neither a code nor an error. ${startAgain(provider)}`);

  const starter = await accounting.db.prisma.user.findUnique({ where: { id: row.userId }, select: { active: true, role: true } });
  if (!starter?.active || !mayWrite(starter.role as RoleName, 'accounting.connect'))
    return failed(
      403,
      'Not allowed',
      `The user who started this sign-in may no longer connect the accounting system. ${startAgain(provider)}`,
    );

  const family = SIGN_IN[provider];
  const clientSecret = accounting.secrets.open(row.clientSecret);
  const carried = openCarried(accounting, row.codeVerifier);
  try {
    const pending = { clientId: row.clientId, clientSecret, redirectUri: row.redirectUri };
    const tokens = await requestTokens(accounting, provider, family.codeRequest(accounting, pending, code, carried));
    const picked = pickTenant(provider, row.tenantId, await family.granted(accounting, tokens, pending, query));
    if ('ok' in picked) return picked;
    await completeConnection(
      accounting,
      {
        provider,
        tenantId: picked.tenantId,
        tenantName: picked.tenantName,
        clientId: row.clientId,
        clientSecret,
        companyFileAuth: carried.companyFileAuth ?? null,
      },
      tokens,
    );
    return { ok: true, provider, tenantId: picked.tenantId, tenantName: picked.tenantName };
  } catch (caught) {
    if (!(caught instanceof ProviderCallError)) throw caught;
    const refused = caught.failure.kind === 'disconnected';
    return failed(
      refused ? 400 : 502,
      refused ? `${name} did not accept the sign-in` : `${name} did not answer`,
      `${caught.message} ${startAgain(provider)}`,
    );
  }
}
