// MYOB's OAuth 2.0 token endpoint, `POST https://secure.myob.com/oauth2/v1/authorize` (pymyob
// myob/constants.py; developer.myob.com's authentication page), form-encoded, client credentials in
// the form:
//   - grant_type=refresh_token (client_id, client_secret, refresh_token) and grant_type=
//     authorization_code (client_id, client_secret, code, redirect_uri) answer
//     {access_token, token_type: 'bearer', expires_in: '1200' (a string, as MYOB sends it),
//     refresh_token, scope, user: {uid, username}};
//   - refresh tokens rotate and are single-use: a used or unknown one is 400 invalid_grant;
//     codes are single-use and expire after 5 minutes (MYOB: "2–5 minutes");
//   - a wrong client id or secret is 400 invalid_client (RFC 6749 §5.2 allows 400 when the client
//     authenticates in the form; MYOB's status is not documented), a missing field or another
//     content type 400 invalid_request (as MYOB answers it, SDK issue #192), another grant
//     unsupported_grant_type;
//   - access tokens live 20 minutes on the stand-in's clock. Refresh-token lifetime is not
//     documented: they do not expire here.
// API calls present the access token as `Authorization: Bearer …`: missing → 401
// OAuthTokenIsMissing, unknown, expired or revoked → 401 OAuthTokenIsInvalid (ErrorCode 31001).
// The authorize page, `GET https://secure.myob.com/oauth2/account/authorize` (client_id,
// redirect_uri, response_type=code, scope, state; developer.myob.com's authentication page), has no
// login form: it redirects back as after the person's consent, with a code (5 minutes) and the
// state, or error=access_denied for Cancel. Asked with prompt=consent, the consent is to one company
// file, named on the redirect as businessId and businessName (apisupport.myob.com, "Retrieving
// Company File GUIDs via MYOB API Post March 2025"); a test chooses which, or a consent that names
// none (as for API keys made before 12 March 2025, whose callers read GET /accountright/).
import { randomBytes, randomUUID } from 'node:crypto';
import { errorAnswer, json, oauthError, type Answer } from './answers.ts';
import type { MyobClock } from './types.ts';

export const ACCESS_TOKEN_SECONDS = 1200;
const CODE_MS = 5 * 60_000;
export const DEFAULT_SCOPE = 'sme-company-file sme-company-settings sme-general-ledger sme-inventory';

interface AccessRecord {
  expiresAt: number;
  scope: string[];
  generation: number;
}

interface RefreshRecord {
  scope: string[];
  generation: number;
  used: boolean;
}

interface CodeRecord {
  redirectUri: string;
  scope: string[];
  expiresAt: number;
}

export type Authentication = { ok: true; scope: string[] } | { ok: false; answer: Answer };

/** A company file the stand-in's user has. */
export interface MyobCompanyFile {
  Id: string;
  Name: string;
}

/**
 * How the person answers the next consent page: Cancel; Allow for one company file (by default the
 * stand-in's own); or Allow for the person's whole MYOB account, as API keys made before 12 March
 * 2025 are consented (the redirect names no company file).
 */
export type MyobConsent = { deny: true } | { companyFileId: string } | { allFiles: true };

export class Identity {
  private readonly access = new Map<string, AccessRecord>();
  private readonly refresh = new Map<string, RefreshRecord>();
  private readonly codes = new Map<string, CodeRecord>();
  /** Bumped by revoke(): tokens of an earlier generation are dead. */
  private generation = 0;
  private readonly user = { uid: randomUUID(), username: 'stand-in.user@example.com' };
  private readonly consents: MyobConsent[] = [];

  constructor(
    private readonly clock: MyobClock,
    private readonly clientId: string,
    private readonly clientSecret: string,
    /** The company files the person may consent to, the stand-in's own first. */
    private readonly files: () => MyobCompanyFile[] = () => [],
  ) {}

  /** The next consent page is answered so (later ones allow the stand-in's own company file again). */
  answerNextConsent(consent: MyobConsent): void {
    if ('companyFileId' in consent && !this.files().some((f) => f.Id.toLowerCase() === consent.companyFileId.toLowerCase()))
      throw new Error(`The stand-in's user has no company file ${consent.companyFileId}`);
    this.consents.push(consent);
  }

  /** GET /oauth2/account/authorize: no login page; answers as if the person consented (or cancelled). */
  authorize(query: Record<string, string>): Answer {
    const { client_id: clientId, redirect_uri: redirectUri, response_type: responseType, scope, state } = query;
    if (clientId !== this.clientId) return { status: 400, text: 'Error: invalid_client (unknown client_id)' };
    if (!redirectUri || !isHttpUrl(redirectUri))
      return { status: 400, text: 'Error: invalid_request (redirect_uri is missing or not a URL)' };
    const back = new URL(redirectUri);
    const redirect = (params: Record<string, string>) => {
      for (const [name, value] of Object.entries(params)) back.searchParams.set(name, value);
      if (state !== undefined) back.searchParams.set('state', state);
      return { status: 302, headers: { location: back.toString() } };
    };
    if (responseType !== 'code') return redirect({ error: 'unsupported_response_type' });
    const scopes = splitScope(scope ?? '');
    if (scopes.length === 0) return redirect({ error: 'invalid_scope' });
    const consent = this.consents.shift() ?? { companyFileId: this.files()[0]?.Id ?? '' };
    if ('deny' in consent) return redirect({ error: 'access_denied' });
    const code = this.issueAuthorizationCode(redirectUri, scopes.join(' '));
    const file =
      'companyFileId' in consent ? this.files().find((f) => f.Id.toLowerCase() === consent.companyFileId.toLowerCase()) : undefined;
    // Only a consent page shown (prompt=consent) names the company file chosen on it.
    const named: Record<string, string> = file && query.prompt === 'consent' ? { businessId: file.Id, businessName: file.Name } : {};
    return redirect({ code, scope: scopes.join(' '), ...named });
  }

  issueRefreshToken(scope = DEFAULT_SCOPE): string {
    const token = `${randomBytes(3).toString('base64url')}!IAAAA${randomBytes(96).toString('base64url')}`;
    this.refresh.set(token, { scope: splitScope(scope), generation: this.generation, used: false });
    return token;
  }

  issueAuthorizationCode(redirectUri: string, scope = DEFAULT_SCOPE): string {
    const code = `${randomBytes(3).toString('base64url')}!IAAAA${randomBytes(48).toString('base64url')}`;
    this.codes.set(code, { redirectUri, scope: splitScope(scope), expiresAt: this.clock.now() + CODE_MS });
    return code;
  }

  expireAccessTokens(): void {
    const now = this.clock.now();
    for (const record of this.access.values()) record.expiresAt = Math.min(record.expiresAt, now);
  }

  /** Every token issued so far is dead; tokens issued afterwards work. */
  revoke(): void {
    this.generation++;
  }

  token(contentType: string | undefined, rawBody: string): Answer {
    if (!(contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) return oauthError('invalid_request');
    const form = Object.fromEntries(new URLSearchParams(rawBody));
    if (!form.client_id || !form.client_secret || !form.grant_type) return oauthError('invalid_request');
    if (form.client_id !== this.clientId || form.client_secret !== this.clientSecret) return oauthError('invalid_client');
    if (form.grant_type === 'refresh_token') {
      if (!form.refresh_token) return oauthError('invalid_request');
      const record = this.refresh.get(form.refresh_token);
      if (!record || record.used || record.generation !== this.generation) return oauthError('invalid_grant');
      record.used = true;
      return this.tokenSet(record.scope);
    }
    if (form.grant_type === 'authorization_code') {
      if (!form.code || !form.redirect_uri) return oauthError('invalid_request');
      const record = this.codes.get(form.code);
      this.codes.delete(form.code);
      if (!record || record.expiresAt <= this.clock.now() || record.redirectUri !== form.redirect_uri) return oauthError('invalid_grant');
      return this.tokenSet(record.scope);
    }
    return oauthError('unsupported_grant_type');
  }

  authenticate(authorization: string | undefined): Authentication {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) {
      return {
        ok: false,
        answer: errorAnswer(401, 'OAuthTokenIsMissing', 'The supplied OAuth token (Bearer) is missing', 'Header: Authorization'),
      };
    }
    const record = this.access.get(m[1]!);
    if (!record || record.generation !== this.generation || record.expiresAt <= this.clock.now()) {
      const why = !record ? 'unknown token' : record.generation !== this.generation ? 'access was revoked' : 'the token has expired';
      return { ok: false, answer: errorAnswer(401, 'OAuthTokenIsInvalid', 'The supplied OAuth token (Bearer) is not valid', why) };
    }
    return { ok: true, scope: record.scope };
  }

  private tokenSet(scope: string[]): Answer {
    const accessToken = `AAEAA${randomBytes(120).toString('base64url')}`;
    this.access.set(accessToken, { expiresAt: this.clock.now() + ACCESS_TOKEN_SECONDS * 1000, scope, generation: this.generation });
    return json(200, {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: String(ACCESS_TOKEN_SECONDS),
      refresh_token: this.issueRefreshToken(scope.join(' ')),
      scope: scope.join(' '),
      user: { ...this.user },
    });
  }
}

function splitScope(scope: string): string[] {
  return [...new Set(scope.split(/\s+/).filter(Boolean))];
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
