// Xero's identity service and connections endpoint, as its OAuth 2.0 documentation describes them:
// the authorization-code flow (authorize redirects straight back with a code, as after the user's
// consent; PKCE optional), the token endpoint (client credentials by HTTP Basic or in the form),
// access tokens valid 30 minutes on the stand-in's clock, refresh tokens single-use and rotating
// (reuse gives 400 invalid_grant unless a grace period is configured), unused refresh tokens
// expiring after 60 days, revocation, and GET /connections listing the organisations granted
// (`?authEventId=` narrows it to one sign-in's, as Xero's identity API documents). A test chooses
// what the next consent grants: other organisations besides the default one, or Cancel
// (`error=access_denied`, as the OAuth 2.0 spec and Xero's docs give it).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { json, oauthError, problem, type Answer } from './answers.ts';
import { tokenExpiryText } from './dates.ts';
import type { XeroClock } from './types.ts';

export const ACCESS_TOKEN_SECONDS = 1800;
const REFRESH_TOKEN_MS = 60 * 24 * 3600_000;
const CODE_MS = 5 * 60_000;
export const DEFAULT_SCOPE = 'openid profile email offline_access accounting.transactions accounting.settings';

interface TokenSet {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  token_type: 'Bearer';
  scope: string;
}

interface AccessRecord {
  expiresAt: number;
  scope: string[];
  generation: number;
}

interface RefreshRecord {
  scope: string[];
  issuedAt: number;
  generation: number;
  /** The sign-in it came from: access tokens it refreshes carry its authentication_event_id. */
  authEventId: string;
  usedAt?: number;
  /** The token set its use returned (answered again within the grace period). */
  replacement?: TokenSet;
}

interface CodeRecord {
  clientId: string;
  redirectUri: string;
  scope: string[];
  expiresAt: number;
  challenge?: { value: string; method: 'S256' | 'plain' };
  /** The organisations the person granted on the consent page. */
  tenants: string[];
}

/** An organisation the stand-in's user belongs to (the default one has the API data). */
export interface XeroTenant {
  tenantId: string;
  tenantName: string;
}

/** How the person answers the next consent page: Allow access to these organisations, or Cancel. */
export type XeroConsent = { tenants: string[] } | { deny: true };

interface ConnectionRecord {
  id: string;
  tenantId: string;
  tenantName: string;
  authEventId: string;
  createdAt: number;
  updatedAt: number;
}

export interface IdentityOptions {
  clock: XeroClock;
  clientId: string;
  clientSecret: string;
  tenantId: string;
  tenantName: string;
  /** Other organisations the person may grant besides the default one. */
  otherTenants?: XeroTenant[];
  redirectUris?: string[];
  refreshTokenGraceMs: number;
  identityUrl: () => string;
}

export type Authentication = { ok: true; scope: string[] } | { ok: false; answer: Answer };

export class Identity {
  private readonly access = new Map<string, AccessRecord>();
  private readonly refresh = new Map<string, RefreshRecord>();
  private readonly codes = new Map<string, CodeRecord>();
  /** Bumped by revoke(): tokens of an earlier generation are dead. */
  private generation = 0;
  private revoked = false;
  /** The app's connections to organisations, by tenant id; the default organisation is connected from the start. */
  private readonly granted = new Map<string, ConnectionRecord>();
  private readonly consents: XeroConsent[] = [];

  constructor(private readonly o: IdentityOptions) {
    const now = o.clock.now();
    this.granted.set(o.tenantId, {
      id: randomUUID(),
      tenantId: o.tenantId,
      tenantName: o.tenantName,
      authEventId: randomUUID(),
      createdAt: now,
      updatedAt: now,
    });
  }

  /** The organisations the person may grant: the default one first. */
  get tenants(): XeroTenant[] {
    return [{ tenantId: this.o.tenantId, tenantName: this.o.tenantName }, ...(this.o.otherTenants ?? [])];
  }

  /** The next consent page is answered so (later ones grant the default organisation again). */
  answerNextConsent(consent: XeroConsent): void {
    if ('tenants' in consent) {
      const unknown = consent.tenants.filter((id) => !this.tenants.some((t) => t.tenantId === id));
      if (unknown.length > 0) throw new Error(`The stand-in's user has no organisation ${unknown.join(', ')}`);
    }
    this.consents.push(consent);
  }

  /** A refresh token as the token endpoint returns after the user's consent (reconnects a revoked connection). */
  issueRefreshToken(scope = DEFAULT_SCOPE): string {
    const scopes = splitScope(scope);
    if (!scopes.includes('offline_access')) scopes.push('offline_access');
    return this.issue(scopes, this.consented([this.o.tenantId])).refresh_token!;
  }

  expireAccessTokens(): void {
    const now = this.o.clock.now();
    for (const record of this.access.values()) record.expiresAt = Math.min(record.expiresAt, now);
  }

  revoke(): void {
    this.revoked = true;
    this.generation++;
  }

  /** GET /identity/connect/authorize: no login page; answers as if the user consented. */
  authorize(query: Record<string, string>): Answer {
    const { client_id: clientId, redirect_uri: redirectUri, response_type: responseType, scope, state } = query;
    if (clientId !== this.o.clientId) return { status: 400, text: 'Error: unauthorized_client (unknown client_id)' };
    if (!redirectUri || !isHttpUrl(redirectUri) || (this.o.redirectUris && !this.o.redirectUris.includes(redirectUri))) {
      return { status: 400, text: 'Error: invalid_request (redirect_uri is missing or not registered for this app)' };
    }
    const back = new URL(redirectUri);
    const fail = (error: string) => {
      back.searchParams.set('error', error);
      if (state !== undefined) back.searchParams.set('state', state);
      return { status: 302, headers: { location: back.toString() } };
    };
    if (responseType !== 'code') return fail('unsupported_response_type');
    const scopes = splitScope(scope ?? '');
    if (scopes.length === 0) return fail('invalid_scope');
    const method = query.code_challenge_method ?? 'plain';
    if (query.code_challenge !== undefined && method !== 'S256' && method !== 'plain') return fail('invalid_request');
    const consent = this.consents.shift() ?? { tenants: [this.o.tenantId] };
    if ('deny' in consent) return fail('access_denied');
    const code = token(32);
    this.codes.set(code, {
      clientId,
      redirectUri,
      scope: scopes,
      tenants: consent.tenants,
      expiresAt: this.o.clock.now() + CODE_MS,
      ...(query.code_challenge !== undefined ? { challenge: { value: query.code_challenge, method: method as 'S256' | 'plain' } } : {}),
    });
    back.searchParams.set('code', code);
    if (state !== undefined) back.searchParams.set('state', state);
    return { status: 302, headers: { location: back.toString() } };
  }

  /** POST /identity/connect/token (grant_type refresh_token or authorization_code). */
  token(headers: Record<string, string>, rawBody: string): Answer {
    if (!(headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return oauthError('invalid_request', 'the token endpoint takes application/x-www-form-urlencoded');
    }
    const form = Object.fromEntries(new URLSearchParams(rawBody));
    const client = clientCredentials(headers.authorization, form);
    if (!client || client.id !== this.o.clientId || client.secret !== this.o.clientSecret) return oauthError('invalid_client');
    const now = this.o.clock.now();
    if (form.grant_type === 'refresh_token') {
      const record = form.refresh_token ? this.refresh.get(form.refresh_token) : undefined;
      if (!record || record.generation !== this.generation || this.revoked || now - record.issuedAt > REFRESH_TOKEN_MS) {
        return oauthError('invalid_grant');
      }
      if (record.usedAt !== undefined) {
        if (record.replacement && now - record.usedAt <= this.o.refreshTokenGraceMs) return json(200, record.replacement);
        return oauthError('invalid_grant');
      }
      record.usedAt = now;
      record.replacement = this.issue(record.scope, record.authEventId);
      return json(200, record.replacement);
    }
    if (form.grant_type === 'authorization_code') {
      const record = form.code ? this.codes.get(form.code) : undefined;
      if (form.code) this.codes.delete(form.code);
      if (!record || record.expiresAt < now || record.clientId !== client.id || record.redirectUri !== form.redirect_uri) {
        return oauthError('invalid_grant');
      }
      if (record.challenge && !verifierMatches(record.challenge, form.code_verifier)) return oauthError('invalid_grant');
      return json(200, this.issue(record.scope, this.consented(record.tenants)));
    }
    return oauthError('unsupported_grant_type');
  }

  /** Checks `Authorization: Bearer …` for an API or connections call. */
  authenticate(authorization: string | undefined): Authentication {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const record = m ? this.access.get(m[1]!) : undefined;
    if (!record || record.generation !== this.generation || this.revoked) {
      return { ok: false, answer: problem(401, 'Unauthorized', 'AuthenticationUnsuccessful') };
    }
    if (record.expiresAt <= this.o.clock.now()) {
      return { ok: false, answer: problem(401, 'Unauthorized', `TokenExpired: token expired at ${tokenExpiryText(record.expiresAt)}`) };
    }
    return { ok: true, scope: record.scope };
  }

  /** GET /connections, optionally `?authEventId=` (the connections one sign-in made or renewed). */
  connections(authorization: string | undefined, query: Record<string, string> = {}): Answer {
    const auth = this.authenticate(authorization);
    if (!auth.ok) return auth.answer;
    const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '');
    return json(
      200,
      [...this.granted.values()]
        .filter((c) => query.authEventId === undefined || c.authEventId === query.authEventId)
        .map((c) => ({
          id: c.id,
          authEventId: c.authEventId,
          tenantId: c.tenantId,
          tenantType: 'ORGANISATION',
          tenantName: c.tenantName,
          createdDateUtc: iso(c.createdAt),
          updatedDateUtc: iso(c.updatedAt),
        })),
    );
  }

  /** DELETE /connections/{id}: the app disconnects itself from an organisation (the default one: everything is revoked). */
  deleteConnection(authorization: string | undefined, id: string): Answer {
    const auth = this.authenticate(authorization);
    if (!auth.ok) return auth.answer;
    const found = [...this.granted.values()].find((c) => c.id === id);
    if (!found) return problem(404, 'Not Found', 'Connection not found');
    if (found.tenantId === this.o.tenantId) this.revoke();
    else this.granted.delete(found.tenantId);
    return { status: 204 };
  }

  /** POST /identity/connect/revocation: revoking a refresh token removes the connection. */
  revocation(headers: Record<string, string>, rawBody: string): Answer {
    const form = Object.fromEntries(new URLSearchParams(rawBody));
    const client = clientCredentials(headers.authorization, form);
    if (!client || client.id !== this.o.clientId || client.secret !== this.o.clientSecret) return oauthError('invalid_client');
    if (form.token && this.refresh.has(form.token)) this.revoke();
    return { status: 200 };
  }

  /** A consent to these organisations: one new authentication event, their connections made or renewed; its id. */
  private consented(tenants: string[]): string {
    if (this.revoked) {
      this.revoked = false;
      this.generation++;
    }
    const now = this.o.clock.now();
    const authEventId = randomUUID();
    for (const tenantId of tenants) {
      const tenant = this.tenants.find((t) => t.tenantId === tenantId)!;
      const existing = this.granted.get(tenantId);
      this.granted.set(tenantId, {
        id: existing?.id ?? randomUUID(),
        tenantId,
        tenantName: tenant.tenantName,
        authEventId,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      });
    }
    return authEventId;
  }

  private issue(scope: string[], authEventId: string): TokenSet {
    const now = this.o.clock.now();
    const expiresAt = now + ACCESS_TOKEN_SECONDS * 1000;
    const accessToken = jwtLike({
      nbf: Math.floor(now / 1000),
      exp: Math.floor(expiresAt / 1000),
      iss: this.o.identityUrl(),
      aud: `${this.o.identityUrl()}/resources`,
      client_id: this.o.clientId,
      sub: 'stand-in-user',
      auth_time: Math.floor(now / 1000),
      xero_userid: 'stand-in-user',
      authentication_event_id: authEventId,
      jti: randomUUID(),
      scope,
    });
    this.access.set(accessToken, { expiresAt, scope, generation: this.generation });
    const set: TokenSet = { access_token: accessToken, expires_in: ACCESS_TOKEN_SECONDS, token_type: 'Bearer', scope: scope.join(' ') };
    if (scope.includes('offline_access')) {
      const refreshToken = token(32);
      this.refresh.set(refreshToken, { scope, issuedAt: now, generation: this.generation, authEventId });
      set.refresh_token = refreshToken;
    }
    return set;
  }
}

function splitScope(scope: string): string[] {
  return [...new Set(scope.split(/\s+/).filter(Boolean))];
}

function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** A JWT-shaped access token (Xero's are JWTs); its signature is not meant to be checked. */
function jwtLike(payload: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'stand-in', typ: 'JWT' })}.${part(payload)}.${token(32)}`;
}

function clientCredentials(authorization: string | undefined, form: Record<string, string>): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (m) {
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    try {
      return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
    } catch {
      return undefined;
    }
  }
  if (form.client_id !== undefined && form.client_secret !== undefined) return { id: form.client_id, secret: form.client_secret };
  return undefined;
}

function verifierMatches(challenge: { value: string; method: 'S256' | 'plain' }, verifier: string | undefined): boolean {
  if (!verifier) return false;
  const computed = challenge.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return computed === challenge.value;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
