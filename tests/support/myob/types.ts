// The MYOB stand-in's public shapes: the company file's data as a test sets it up and reads it back
// (chart of accounts, tax codes, preferences, stored items and general journals), the call log, the
// faults and the handle `startMyobStandIn` returns. Field names are MYOB's (the .NET SDK contracts
// under MYOB.API.SDK/SDK/Contracts/Version2/, https://github.com/myob-oss/AccountRight_Live_API_.Net_SDK).
import type { XeroClock } from '../xero/types.ts';
import type { MyobCompanyFile, MyobConsent } from './identity.ts';
import type { MyobLedger } from './ledger.ts';

export type { MyobCompanyFile, MyobConsent };

/** The stand-ins share one clock type (tests/support/xero/clock.ts). */
export type MyobClock = XeroClock;

/** `GeneralLedger/Classification.cs`: the first digit of an account's DisplayID (1 Asset … 9 OtherExpense). */
export type MyobClassification = 'Asset' | 'Liability' | 'Equity' | 'Income' | 'CostOfSales' | 'Expense' | 'OtherIncome' | 'OtherExpense';

/** `GeneralLedger/AccountType.cs`. */
export type MyobAccountType =
  | 'Bank'
  | 'AccountReceivable'
  | 'OtherCurrentAsset'
  | 'FixedAsset'
  | 'OtherAsset'
  | 'CreditCard'
  | 'AccountsPayable'
  | 'OtherCurrentLiability'
  | 'LongTermLiability'
  | 'OtherLiability'
  | 'Equity'
  | 'Income'
  | 'CostOfSales'
  | 'Expense'
  | 'OtherIncome'
  | 'OtherExpense';

/** One account of the chart. The API shows it with Number, ParentAccount, URI and balances added. */
export interface MyobAccount {
  UID: string;
  /** `1-1320`: classification digit, separator, four-digit number. */
  DisplayID: string;
  Name: string;
  Classification: MyobClassification;
  Type: MyobAccountType;
  IsActive: boolean;
  /** Header accounts group others; only detail accounts take transactions. */
  IsHeader: boolean;
  /** 1 (top) to 4. */
  Level: 1 | 2 | 3 | 4;
  /** The account's default tax code, by Code (`N-T`). */
  TaxCode?: string;
  Description?: string;
  RowVersion: string;
}

/** `GeneralLedger/TaxCode.cs` TaxCodeType. */
export type MyobTaxCodeType =
  | 'Consolidated'
  | 'ImportDuty'
  | 'SalesTax'
  | 'GST_VAT'
  | 'InputTaxed'
  | 'QST'
  | 'LuxuryCarTax'
  | 'WithholdingsTax'
  | 'NoABN_TFN'
  | 'ECPurchVAT'
  | 'ECSalesVAT';

export interface MyobTaxCode {
  UID: string;
  /** Three characters: `GST`, `N-T`, `FRE`. */
  Code: string;
  Description: string;
  Type: MyobTaxCodeType;
  /** Percent (10 for 10 %). */
  Rate: number;
  /** The accounts tax collected and paid post to, by DisplayID. */
  TaxCollectedAccount?: string;
  TaxPaidAccount?: string;
  RowVersion: string;
}

/**
 * `Company/CompanyPreferences.cs` and `CompanySystemPreferences.cs` (the System part only).
 * `LockPeriodPriorTo` is the SDK's name (verified in CompanySystemPreferences.cs: "Not null - Period
 * locked and disallow entries prior to [value]"); a test may set it as `YYYY-MM-DD` or
 * `YYYY-MM-DDT00:00:00`, the API shows the latter.
 */
export interface MyobPreferences {
  System: {
    CategoryTracking: 'Off' | 'OnAndNotRequired' | 'OnAndRequired';
    TransactionsCannotBeChangedMustBeReversed: boolean;
    LockPeriodPriorTo: string | null;
    UseAlphaAccountIdentifier: boolean;
  };
  RowVersion: string;
}

export interface StoredBuyingDetails {
  StandardCost: number;
  StandardCostTaxInclusive: boolean | null;
  BuyingUnitOfMeasure: string | null;
  ItemsPerBuyingUnit: number | null;
  /** Tax code UID. */
  TaxCode: string | null;
}

export interface StoredSellingDetails {
  BaseSellingPrice: number;
  SellingUnitOfMeasure: string | null;
  ItemsPerSellingUnit: number | null;
  /** Tax code UID. */
  TaxCode: string | null;
  IsTaxInclusive: boolean;
  CalculateSalesTaxOn: string | null;
}

/** An inventory item as the stand-in keeps it; accounts and tax codes by UID. */
export interface StoredItem {
  UID: string;
  Number: string;
  Name: string;
  IsActive: boolean;
  Description: string | null;
  UseDescription: boolean;
  IsBought: boolean;
  IsSold: boolean;
  IsInventoried: boolean;
  AssetAccount: string | null;
  CostOfSalesAccount: string | null;
  IncomeAccount: string | null;
  ExpenseAccount: string | null;
  BuyingDetails: StoredBuyingDetails;
  SellingDetails: StoredSellingDetails;
  RowVersion: string;
  /** Milliseconds on the stand-in's clock. */
  createdAt: number;
  updatedAt: number;
}

export interface StoredJournalLine {
  RowID: number;
  /** Account UID, and its DisplayID at posting (for tests). */
  Account: string;
  AccountDisplayID: string;
  Memo: string | null;
  /** Tax code UID, or null. */
  TaxCode: string | null;
  /** Always positive; IsCredit says the side. */
  Amount: number;
  IsCredit: boolean;
  TaxAmount: number;
  IsOverriddenTaxAmount: boolean;
  RowVersion: string;
}

export interface StoredJournal {
  UID: string;
  DisplayID: string;
  /** `YYYY-MM-DDTHH:MM:SS`, no zone (the company file's local time). */
  DateOccurred: string;
  IsTaxInclusive: boolean;
  IsYearEndAdjustment: boolean;
  Memo: string | null;
  GSTReportingMethod: 'Sale' | 'Purchase';
  Lines: StoredJournalLine[];
  RowVersion: string;
  createdAt: number;
}

/** One request the stand-in received. Secrets (bearer token, file token, client secret, refresh token, code) are redacted. */
export interface MyobCall {
  kind: 'api' | 'token' | 'other';
  method: string;
  /** Path without the query, e.g. `/accountright/{cf}/GeneralLedger/GeneralJournal`. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON, the (redacted) form of a token request, the raw text when it did not parse, or undefined. */
  body: unknown;
  /** 0 when the answer was dropped. */
  status: number;
  /** The answer's status even when it was dropped. */
  answeredStatus: number;
  /** The answer's body as sent (or as it would have been). */
  response: unknown;
  dropped?: boolean;
  /** On the stand-in's clock. */
  startedAt: number;
  endedAt: number;
}

export type MyobRateLimitProblem = 'second' | 'day';

export interface MyobFaults {
  /**
   * The next `n` API answers (or each with `probability`, until `clear()`) are dropped: the request is
   * carried out (a journal or item stored) and then the socket is destroyed with no answer. MYOB has
   * no idempotency key, so a client that simply re-POSTs makes a duplicate.
   */
  dropAnswers(n: number | { probability: number; seed?: number }): void;
  /** The next `n` token answers are dropped after the refresh token was rotated. */
  dropTokenAnswers(n: number): void;
  /** The next `n` API requests fail with 500, 503 or 504 (`GatewayTimeout`) and are not carried out. */
  fail(status: 500 | 503 | 504, n?: number): void;
  /** The next `n` API requests are refused with 403 RateLimitError (the per-second or the daily message). */
  rateLimitBurst(n: number, problem: MyobRateLimitProblem): void;
  /** The next `n` API requests wait `ms` real milliseconds before being carried out. */
  slow(ms: number, n?: number): void;
  /** Every access token issued so far expires now. */
  expireAccessTokens(): void;
  /** Access is revoked: every token is refused (refresh gives invalid_grant) until `issueRefreshToken()` or a new code. */
  revoke(): void;
  /** Cancels every pending fault (not expiry or revocation, which are state). */
  clear(): void;
}

export interface MyobStandInStats {
  /** Most API requests that arrived within any 1 s of the stand-in's clock (refused ones included). */
  maxPerSecond: number;
  /** Most API requests in progress at once. */
  maxConcurrent: number;
  /** API requests received (the token endpoint not included). */
  total: number;
  /** Token endpoint requests received. */
  tokenRequests: number;
}

export interface MyobRateLimits {
  /** Calls per API key in any 1 s window (MYOB: 8). */
  perSecond: number;
  /** Calls per API key in any 24 h (MYOB: 1,000,000). */
  perDay: number;
}

export interface MyobStandIn {
  /** `http://127.0.0.1:PORT/accountright`; a company file's resources are under `${apiUrl}/${companyFileId}/`. */
  apiUrl: string;
  /** `http://127.0.0.1:PORT/identity`; the token endpoint is `${identityUrl}/oauth2/v1/authorize`. */
  identityUrl: string;
  /** The consent page, `${identityUrl}/oauth2/account/authorize`: redirects back as after the person's answer (`answerNextConsent`). */
  authorizeUrl: string;
  companyFileId: string;
  companyFileName: string;
  /** The API key (sent as `x-myobapi-key`) and OAuth client id. */
  clientId: string;
  clientSecret: string;
  /** The company file's user, for `x-myobapi-cftoken: base64(user:password)`. */
  fileUser: string;
  filePassword: string;
  /** A refresh token as after the user's consent (default scopes: every one the stand-in serves). */
  issueRefreshToken(scope?: string): string;
  /** An authorization code as the authorize page would redirect with (single use, 5 minutes). */
  issueAuthorizationCode(redirectUri: string, scope?: string): string;
  /**
   * How the next consent page is answered: Cancel (`deny`: error=access_denied); Allow for one of the
   * user's company files (`companyFileId`; the stand-in's own by default); or Allow as for an API key
   * made before 12 March 2025 (`allFiles`: the redirect names no file, GET /accountright/ lists them).
   */
  answerNextConsent(consent: MyobConsent): void;
  clock: MyobClock;
  /** The chart (mutable). */
  accounts: MyobAccount[];
  taxCodes: MyobTaxCode[];
  /** Company preferences (mutable: set `System.LockPeriodPriorTo`). */
  preferences: MyobPreferences;
  /** `YYYY-MM-DD`: the start of the current financial year; earlier dates are refused (25008). */
  financialYearStart: string;
  /** Copies, in creation order. */
  items(): StoredItem[];
  journals(): StoredJournal[];
  /** The general ledger (`GeneralLedger/JournalTransaction`): journal transactions of other sources a test adds (ledger.ts). */
  ledger: MyobLedger;
  calls: MyobCall[];
  faults: MyobFaults;
  stats(): MyobStandInStats;
  close(): Promise<void>;
}

export interface MyobStandInOptions {
  /** Token expiry, code expiry and rate-limit windows run on it (default: real time; see `createClock`). */
  clock?: MyobClock;
  companyFileId?: string;
  companyFileName?: string;
  /** Other company files the user has: listed by GET /accountright/ and consentable; their data is not served (404). */
  otherCompanyFiles?: MyobCompanyFile[];
  clientId?: string;
  clientSecret?: string;
  fileUser?: string;
  filePassword?: string;
  accounts?: MyobAccount[];
  taxCodes?: MyobTaxCode[];
  /** `YYYY-MM-DD` (or with `T00:00:00`); default null (no lock). */
  lockPeriodPriorTo?: string | null;
  /** `YYYY-MM-DD`, default `2020-07-01`. */
  financialYearStart?: string;
  /** Defaults: MYOB's 8 a second and 1,000,000 a day per API key. */
  limits?: Partial<MyobRateLimits>;
}
