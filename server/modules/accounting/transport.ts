import type { Accounting } from './runtime.ts';
import type { ProviderName } from './providers.ts';
import { blockCalls, endCall, startCall } from './rate-limit.ts';
import { ProviderCallError, uncertain } from './errors.ts';

export interface ProviderRequest {
  method: 'GET' | 'PUT' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface ProviderAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * One call to a provider: waits for its turn under the shared rate limits, then sends with a
 * timeout. No answer (timeout, dropped connection) is `uncertain`; a rate-limit answer (a 429, MYOB's
 * 403 RateLimitError) blocks every process's calls for its wait and is `limited`; the remaining-calls
 * headers block early when spent.
 * Other statuses are the caller's to read.
 */
export async function send(accounting: Accounting, provider: ProviderName, request: ProviderRequest): Promise<ProviderAnswer> {
  const call = await startCall(accounting, provider);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: {
        accept: 'application/json',
        ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...request.headers,
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(accounting.requestTimeoutMs),
    });
  } catch (error) {
    await endCall(accounting, call);
    throw uncertain(`No answer from ${provider} (${(error as Error).message}): it may have been applied.`);
  }
  let body: unknown = null;
  let unreadable: Error | null = null;
  try {
    const text = await response.text();
    body = text === '' ? null : JSON.parse(text);
  } catch (error) {
    unreadable = error as Error;
  }
  await endCall(accounting, call);
  if (unreadable && response.ok)
    throw uncertain(`${provider} answered ${response.status} with a body that could not be read (${unreadable.message}).`);
  const limit = limitOf(response, body);
  if (limit) {
    await blockCalls(accounting, provider, accounting.now() + limit.waitMs);
    throw new ProviderCallError({ kind: 'limited', retryAfterMs: limit.waitMs, problem: limit.problem });
  }
  // The day's calls spent (Xero's header): stop for an hour rather than meet a 429 on each try. The
  // minute is counted here already (startCall waits for the oldest call to leave the window).
  if (response.headers.get('x-daylimit-remaining') === '0') await blockCalls(accounting, provider, accounting.now() + 3_600_000);
  if (response.status >= 500) throw uncertain(`${provider} answered ${response.status}: it may have been applied.`);
  return { status: response.status, headers: response.headers, body };
}

/**
 * Over a rate limit, and for how long: a 429 (Xero: Retry-After and X-Rate-Limit-Problem), or MYOB's
 * 403 RateLimitError, which says only "daily" or "per-second" in its message.
 */
function limitOf(response: Response, body: unknown): { waitMs: number; problem: string } | null {
  if (response.status === 429) {
    const retryAfter = Number(response.headers.get('retry-after'));
    return {
      waitMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 60_000,
      problem: response.headers.get('x-rate-limit-problem') ?? 'unknown',
    };
  }
  if (response.status !== 403) return null;
  const errors = (body as { Errors?: { Name?: string; Message?: string }[] } | null)?.Errors ?? [];
  const limit = errors.find((e) => e.Name === 'RateLimitError');
  if (!limit) return null;
  return /daily/i.test(limit.Message ?? '') ? { waitMs: 3_600_000, problem: 'day' } : { waitMs: 1000, problem: 'second' };
}
