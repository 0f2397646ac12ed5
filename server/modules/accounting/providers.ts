/**
 * The accounting systems, described once: what differs between them is data here, and one relay
 * (relay.ts) works over it. Each has its client for the few calls Stocksheet makes.
 */
export type ProviderName = 'xero' | 'myob';

export interface RateLimits {
  /** Calls in any rolling minute, in flight at once, in any rolling day, in any second (null: none). */
  perMinute: number | null;
  concurrent: number | null;
  perDay: number | null;
  perSecond: number | null;
}

export interface ProviderFacts {
  name: string;
  limits: RateLimits;
  /** How many journals one request may carry. */
  journalsPerRequest: number;
  itemsPerRequest: number;
  /**
   * How long the provider replays an answer for a repeated idempotency key (0: it has none). Past
   * it, a request of unknown outcome is looked up by its marker before it is ever sent again.
   */
  idempotencyWindowMs: number;
}

export const PROVIDERS: Record<ProviderName, ProviderFacts> = {
  // developer.xero.com/faq/limits: 60 a minute, 5 at once, 5,000 a day per organisation; keys kept 6 minutes (5 used).
  xero: {
    name: 'Xero',
    limits: { perMinute: 60, concurrent: 5, perDay: 5000, perSecond: null },
    journalsPerRequest: 50,
    itemsPerRequest: 50,
    idempotencyWindowMs: 5 * 60_000,
  },
  // MYOB: 8 calls a second and 1,000,000 a day per API key; POST creates one entity; no idempotency key.
  myob: {
    name: 'MYOB',
    limits: { perMinute: null, concurrent: 8, perDay: 1_000_000, perSecond: 8 },
    journalsPerRequest: 1,
    itemsPerRequest: 1,
    idempotencyWindowMs: 0,
  },
};
