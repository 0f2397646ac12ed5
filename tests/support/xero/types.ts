// The Xero stand-in's public shapes: the organisation's data as a test sets it up and reads it back
// (chart of accounts, tax rates, tracking, organisation settings, stored journals and items), the
// call log, the faults and the handle `startXeroStandIn` returns. Field names are Xero's.
import type { XeroConsent, XeroTenant } from './identity.ts';
import type { XeroLedger } from './ledger.ts';

export type { XeroConsent, XeroTenant };

/** Xero's account types (`components.schemas.AccountType` in the spec). */
export type XeroAccountType =
  | 'BANK'
  | 'CURRENT'
  | 'CURRLIAB'
  | 'DEPRECIATN'
  | 'DIRECTCOSTS'
  | 'EQUITY'
  | 'EXPENSE'
  | 'FIXED'
  | 'INVENTORY'
  | 'LIABILITY'
  | 'NONCURRENT'
  | 'OTHERINCOME'
  | 'OVERHEADS'
  | 'PREPAYMENT'
  | 'REVENUE'
  | 'SALES'
  | 'TERMLIAB'
  | 'PAYG';

/** One account of the chart. `Code` is optional as in Xero (accounts without a code exist). */
export interface XeroAccount {
  AccountID: string;
  Code?: string;
  Name: string;
  Type: XeroAccountType;
  Status: 'ACTIVE' | 'ARCHIVED';
  /** The account's default tax type, used for journal lines that give none. */
  TaxType: string;
  Description?: string;
}

/** One tax rate. `Rate` is the percentage (15 for 15 %); `CanApplyTo*` say which account classes may use it. */
export interface XeroTaxRate {
  Name: string;
  TaxType: string;
  Status: 'ACTIVE' | 'ARCHIVED' | 'DELETED';
  Rate: number;
  ReportTaxType: string;
  CanApplyToAssets: boolean;
  CanApplyToEquity: boolean;
  CanApplyToExpenses: boolean;
  CanApplyToLiabilities: boolean;
  CanApplyToRevenue: boolean;
}

export interface XeroTrackingCategory {
  TrackingCategoryID: string;
  Name: string;
  Status: 'ACTIVE' | 'ARCHIVED';
  Options: { TrackingOptionID: string; Name: string; Status: 'ACTIVE' | 'ARCHIVED' }[];
}

/** The organisation's settings a test may change. Lock dates are `YYYY-MM-DD`; the API shows them as `/Date(ms+0000)/`. */
export interface XeroOrganisationSettings {
  OrganisationID: string;
  Name: string;
  BaseCurrency: string;
  CountryCode: string;
  PeriodLockDate?: string;
  EndOfYearLockDate?: string;
}

export interface StoredJournalLine {
  AccountID: string;
  AccountCode?: string;
  /** Debit positive, credit negative, rounded to cents. */
  LineAmount: number;
  TaxType: string;
  TaxAmount: number;
  Description?: string;
  Tracking: { TrackingCategoryID: string; TrackingOptionID: string; Name: string; Option: string }[];
}

/** A manual journal as the stand-in stores it (dates as `YYYY-MM-DD` and milliseconds, not Xero's JSON dates). */
export interface StoredManualJournal {
  ManualJournalID: string;
  Narration: string;
  Date: string;
  Status: 'DRAFT' | 'POSTED' | 'DELETED' | 'VOIDED';
  LineAmountTypes: 'NoTax' | 'Exclusive' | 'Inclusive';
  Url?: string;
  ShowOnCashBasisReports: boolean;
  JournalLines: StoredJournalLine[];
  /** Milliseconds on the stand-in's clock. */
  UpdatedDateUTC: number;
  /** The Idempotency-Key of the request that created it, if it had one (for tests; Xero shows no such field). */
  createdWithKey?: string;
}

export interface StoredItemDetails {
  UnitPrice?: number;
  AccountCode?: string;
  TaxType?: string;
}

export interface StoredItem {
  ItemID: string;
  Code: string;
  Name?: string;
  Description?: string;
  PurchaseDescription?: string;
  IsSold: boolean;
  IsPurchased: boolean;
  SalesDetails?: StoredItemDetails;
  PurchaseDetails?: StoredItemDetails;
  UpdatedDateUTC: number;
  createdWithKey?: string;
}

/** One request the stand-in received (identity, connections and API alike). */
export interface XeroCall {
  method: string;
  /** Path without the query, e.g. `/api.xro/2.0/ManualJournals`. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names, as Node receives them. */
  headers: Record<string, string>;
  /** Parsed JSON, the form fields of a token request, the raw text when it did not parse, or undefined. */
  body: unknown;
  /** 0 when the answer was dropped (the socket was destroyed instead). */
  status: number;
  /** The answer's body (parsed JSON or text) as sent, or as it would have been sent when dropped. */
  response: unknown;
  /** The answer's status even when it was dropped. */
  answeredStatus: number;
  /** The spec's operationId, for API calls that matched one. */
  operationId?: string;
  /** True when the answer was an idempotent replay of an earlier one. */
  replayed?: boolean;
  dropped?: boolean;
  /** On the stand-in's clock. */
  startedAt: number;
  endedAt: number;
}

export interface XeroClock {
  now(): number;
  advance(ms: number): void;
}

export type RateLimitProblem = 'minute' | 'day' | 'concurrent';

export interface XeroFaults {
  /**
   * The next `n` API answers (or each with `probability`, until `clear()`) are dropped: the request
   * is carried out and its answer kept under its Idempotency-Key, then the socket is destroyed so the
   * client sees "socket hang up" / "other side closed".
   */
  dropAnswers(n: number | { probability: number; seed?: number }): void;
  /** The next `n` answers of the token endpoint are dropped after the tokens were rotated. */
  dropTokenAnswers(n: number): void;
  /** The next `n` API requests fail: 500 is answered after the Idempotency-Key was taken (and is cached under it, as Xero documents); 503 before (not cached). Nothing is stored. */
  fail(status: 500 | 503, n?: number): void;
  /** The next `n` API requests are refused with 429 and `X-Rate-Limit-Problem: problem`. */
  rateLimitBurst(n: number, problem: RateLimitProblem, retryAfterSeconds?: number): void;
  /** The next `n` API requests wait `ms` real milliseconds before being carried out (holding their concurrency slot). */
  slow(ms: number, n?: number): void;
  /** Every access token issued so far expires now. */
  expireAccessTokens(): void;
  /** The connection is revoked (as when the user disconnects the app): refresh gives invalid_grant, API calls 401, until a new consent. */
  revoke(): void;
  /** Cancels every pending fault (not expiry or revocation, which are state). */
  clear(): void;
}

export interface XeroStandInStats {
  /** Most API requests in progress at once (counted on arrival, 429s included). */
  maxConcurrent: number;
  /** Most API requests that arrived within any rolling 60 s of the stand-in's clock (429s included). */
  maxPerMinute: number;
  /** API requests received. */
  requests: number;
}

export interface XeroStandIn {
  /** `http://127.0.0.1:PORT/api.xro/2.0` */
  apiUrl: string;
  /** `http://127.0.0.1:PORT/identity`; token endpoint `${identityUrl}/connect/token`, authorize `${identityUrl}/connect/authorize`. */
  identityUrl: string;
  /** `http://127.0.0.1:PORT/identity/connect/authorize`: Xero's is `https://login.xero.com/identity/connect/authorize`, not under its identity URL. */
  authorizeUrl: string;
  /** `http://127.0.0.1:PORT/connections` (`?authEventId=` narrows it to one sign-in's) */
  connectionsUrl: string;
  tenantId: string;
  /** The organisations the person may grant on the consent page: the default one (`tenantId`, with the API data) first. */
  tenants(): XeroTenant[];
  /**
   * How the person answers the next consent page (authorize): Allow access to these organisations
   * (by tenant id), or Cancel (`error=access_denied` back to the redirect URI). Unset, the default
   * organisation is granted.
   */
  answerNextConsent(consent: XeroConsent): void;
  clientId: string;
  clientSecret: string;
  /** A refresh token as after the user's consent (with the default scopes, offline_access included). */
  issueRefreshToken(scope?: string): string;
  clock: XeroClock;
  /** The chart of accounts (mutable: push, edit or archive accounts). */
  accounts: XeroAccount[];
  /** The tax rates (mutable). */
  taxRates: XeroTaxRate[];
  /** Tracking categories (mutable). */
  trackingCategories: XeroTrackingCategory[];
  /** Organisation settings (mutable: set lock dates, base currency). */
  organisation: XeroOrganisationSettings;
  /** Copies of the stored manual journals, in creation order. */
  journals(): StoredManualJournal[];
  /** Copies of the stored items, in creation order. */
  items(): StoredItem[];
  /** The general ledger (`GET /Journals`): its journals, and journals of other sources a test adds (ledger.ts). */
  ledger: XeroLedger;
  calls: XeroCall[];
  faults: XeroFaults;
  stats(): XeroStandInStats;
  close(): Promise<void>;
}

export interface XeroRateLimits {
  perMinute: number;
  perDay: number;
  concurrent: number;
  appPerMinute: number;
}

export interface XeroStandInOptions {
  /** Clock for token expiry, idempotency TTL and rate-limit windows (default: real time; see `createClock`). */
  clock?: XeroClock;
  tenantId?: string;
  tenantName?: string;
  /** Other organisations the person may grant (only listed in connections; the API serves the default one). */
  otherTenants?: XeroTenant[];
  clientId?: string;
  clientSecret?: string;
  /** Shown as ProviderName in answers. */
  appName?: string;
  /** Redirect URIs the authorize endpoint accepts (default: any http(s) URL). */
  redirectUris?: string[];
  /** Defaults: Xero's 60 a minute, 5,000 a day and 5 at once per tenant, 10,000 a minute per app. */
  limits?: Partial<XeroRateLimits>;
  /**
   * How long a used refresh token may be used again (default 0: reuse is refused at once, as the
   * issue's contract asks). Xero's staff describe a 30-minute grace period for a lost refresh answer
   * (1_800_000 here); within it the stand-in answers the reused token with the same new token set.
   */
  refreshTokenGraceMs?: number;
  /** Largest request body accepted (default 3.5 MB, Xero's documented limit); larger ones get 413. */
  maxBodyBytes?: number;
  /** Replace the default chart, tax rates, tracking categories or organisation settings. */
  accounts?: XeroAccount[];
  taxRates?: XeroTaxRate[];
  trackingCategories?: XeroTrackingCategory[];
  organisation?: Partial<XeroOrganisationSettings>;
}
