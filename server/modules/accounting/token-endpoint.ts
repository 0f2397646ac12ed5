import type { TokenSet } from './connection.ts';
import { ProviderCallError } from './errors.ts';
import { PROVIDERS, type ProviderName } from './providers.ts';
import type { Accounting } from './runtime.ts';

/**
 * One request to a provider's OAuth token endpoint (a refresh, or an authorisation code exchanged),
 * read the same way for every provider: refresh tokens rotate, so the answer's replaces the one
 * sent. A refusal (400/401: invalid_grant, a wrong client) means the connection is gone and people
 * must reconnect; no answer or another status is uncertain.
 */
export async function requestTokens(
  accounting: Accounting,
  provider: ProviderName,
  request: { url: string; form: Record<string, string>; headers?: Record<string, string> },
): Promise<TokenSet> {
  const name = PROVIDERS[provider].name;
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...request.headers },
      body: new URLSearchParams(request.form).toString(),
      signal: AbortSignal.timeout(accounting.requestTimeoutMs),
    });
  } catch (error) {
    throw new ProviderCallError({ kind: 'uncertain', message: `${name}'s sign-in did not answer (${(error as Error).message}).` });
  }
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    refresh_token?: string;
    // MYOB sends it as a string ("1200").
    expires_in?: number | string;
    error?: string;
  };
  if (response.status === 400 || response.status === 401) {
    throw new ProviderCallError({
      kind: 'disconnected',
      message: `${name} refused the connection (${body.error ?? response.status}): reconnect Stocksheet to ${name}.`,
    });
  }
  if (!response.ok || !body.access_token || !body.refresh_token) {
    throw new ProviderCallError({ kind: 'uncertain', message: `${name}'s sign-in answered ${response.status}.` });
  }
  const lifetime = Number(body.expires_in);
  return {
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    expiresAt: accounting.now() + (Number.isFinite(lifetime) && lifetime > 0 ? lifetime : 1200) * 1000,
  };
}
