/**
 * How a call to the provider ended when it did not succeed, as the relay must treat it:
 * - `refused`: the provider answered no (validation, a locked period, a bad account). The posting
 *   fails with the provider's words and is not sent again until a person retries it.
 * - `uncertain`: no answer (timeout, dropped connection, 5xx): it may have been applied. Looked up
 *   by its marker before anything is sent again.
 * - `limited`: over a rate limit (429, MYOB's 403 RateLimitError): not applied; wait and send again.
 * - `disconnected`: the connection itself is refused (revoked, refresh token spent): the queue
 *   pauses until someone reconnects.
 */
export type CallFailure =
  | { kind: 'refused'; status: number; code: string; message: string }
  | { kind: 'uncertain'; message: string }
  | { kind: 'limited'; retryAfterMs: number; problem: string }
  | { kind: 'disconnected'; message: string };

export class ProviderCallError extends Error {
  constructor(readonly failure: CallFailure) {
    super('message' in failure ? failure.message : `Rate limited (${failure.problem})`);
  }
}

export const uncertain = (message: string) => new ProviderCallError({ kind: 'uncertain', message });
