// Xero's identity service and connections endpoint, as its OAuth 2.0 documentation describes them:
// the authorization-code flow (authorize redirects straight back with a code, as after the user's
// consent; PKCE optional), the token endpoint (client credentials by HTTP Basic or in the form),
// access tokens valid 30 minutes on the stand-in's clock, refresh tokens single-use and rotating
// (reuse gives 400 invalid_grant unless a grace period is configured), unused refresh tokens
// expiring after 60 days, revocation, and GET /connections listing the one tenant.
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
}

export interface IdentityOptions {
  clock: XeroClock;
  clientId: string;
  clientSecret: string;
  tenantId: string;
  tenantName: string;
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
  private readonly connection = { id: randomUUID(), authEventId: randomUUID(), createdAt: 0, updatedAt: 0 };

  constructor(private readonly o: IdentityOptions) {
    this.connection.createdAt = this.connection.updatedAt = o.clock.now();
  }

  /** A refresh token as the token endpoint returns after the user's consent (reconnects a revoked connection). */
  issueRefreshToken(scope = DEFAULT_SCOPE): string {
    const scopes = splitScope(scope);
    if (!scopes.includes('offline_access')) scopes.push('offline_access');
    this.consented();
    return this.issue(scopes).refresh_token!;
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
    const code = token(32);
    this.codes.set(code, {
      clientId,
      redirectUri,
      scope: scopes,
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
      record.replacement = this.issue(record.scope);
      return json(200, record.replacement);
    }
    if (form.grant_type === 'authorization_code') {
      const record = form.code ? this.codes.get(form.code) : undefined;
      if (form.code) this.codes.delete(form.code);
      if (!record || record.expiresAt < now || record.clientId !== client.id || record.redirectUri !== form.redirect_uri) {
        return oauthError('invalid_grant');
      }
      if (record.challenge && !verifierMatches(record.challenge, form.code_verifier)) return oauthError('invalid_grant');
      this.consented();
      return json(200, this.issue(record.scope));
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

  /** GET /connections */
  connections(authorization: string | undefined): Answer {
    const auth = this.authenticate(authorization);
    if (!auth.ok) return auth.answer;
    const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '');
    return json(200, [
      {
        id: this.connection.id,
        authEventId: this.connection.authEventId,
        tenantId: this.o.tenantId,
        tenantType: 'ORGANISATION',
        tenantName: this.o.tenantName,
        createdDateUtc: iso(this.connection.createdAt),
        updatedDateUtc: iso(this.connection.updatedAt),
      },
    ]);
  }

  /** DELETE /connections/{id}: the app disconnects itself. */
  deleteConnection(authorization: string | undefined, id: string): Answer {
    const auth = this.authenticate(authorization);
    if (!auth.ok) return auth.answer;
    if (id !== this.connection.id) return problem(404, 'Not Found', 'Connection not found');
    this.revoke();
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

  private consented(): void {
    if (this.revoked) {
      this.revoked = false;
      this.generation++;
      this.connection.authEventId = randomUUID();
    }
    this.connection.updatedAt = this.o.clock.now();
  }

  private issue(scope: string[]): TokenSet {
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
      authentication_event_id: this.connection.authEventId,
      jti: randomUUID(),
      scope,
    });
    this.access.set(accessToken, { expiresAt, scope, generation: this.generation });
    const set: TokenSet = { access_token: accessToken, expires_in: ACCESS_TOKEN_SECONDS, token_type: 'Bearer', scope: scope.join(' ') };
    if (scope.includes('offline_access')) {
      const refreshToken = token(32);
      this.refresh.set(refreshToken, { scope, issuedAt: now, generation: this.generation });
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
