// One organisation's data in the stand-in (its chart, tax rates, tracking categories, settings,
// manual journals and items) and what each operation handler gets to work with.
import { randomUUID } from 'node:crypto';
import { msDateTime } from './dates.ts';
import type { StoredItem, StoredManualJournal, XeroAccount, XeroOrganisationSettings, XeroTaxRate, XeroTrackingCategory } from './types.ts';

export interface OrgState {
  accounts: XeroAccount[];
  taxRates: XeroTaxRate[];
  trackingCategories: XeroTrackingCategory[];
  organisation: XeroOrganisationSettings;
  journals: StoredManualJournal[];
  items: StoredItem[];
  /** When the organisation was "created" (UpdatedDateUTC of accounts, CreatedDateUTC of the organisation). */
  createdAt: number;
}

export interface OpContext {
  state: OrgState;
  now: number;
  query: Record<string, string>;
  headers: Record<string, string>;
  params: Record<string, string>;
  body: unknown;
  /** The request's Idempotency-Key, if any. */
  key?: string;
  appName: string;
}

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** The fields every Xero collection answer starts with. */
export function envelope(ctx: OpContext): Record<string, unknown> {
  return { Id: randomUUID(), Status: 'OK', ProviderName: ctx.appName, DateTimeUTC: msDateTime(ctx.now) };
}

/** Xero's real default for summarizeErrors is the summarised 400 (the spec says false; SDKs send true). */
export function summarize(ctx: OpContext): boolean {
  return (ctx.query.summarizeErrors ?? 'true').toLowerCase() !== 'false';
}

export function findAccountByCode(state: OrgState, code: string): XeroAccount | undefined {
  return state.accounts.find((a) => a.Code !== undefined && a.Code.toLowerCase() === code.toLowerCase());
}

export function findAccountById(state: OrgState, id: string): XeroAccount | undefined {
  return state.accounts.find((a) => a.AccountID.toLowerCase() === id.toLowerCase());
}

export function findTaxRate(state: OrgState, taxType: string): XeroTaxRate | undefined {
  return state.taxRates.find((t) => t.TaxType.toLowerCase() === taxType.toLowerCase());
}

/** Cents of an amount, immune to binary fractions (1.005 → 101). */
export function cents(amount: number): number {
  return Math.round(Number((amount * 100).toPrecision(15)));
}

export function money(centsValue: number): string {
  return (centsValue / 100).toFixed(2);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `If-Modified-Since`: records updated at or after that second (Xero: "accurate to the second"). */
export function modifiedSince(ctx: OpContext): ((updatedMs: number) => boolean) | undefined {
  const header = ctx.headers['if-modified-since'];
  if (!header) return undefined;
  const since = Date.parse(header);
  if (Number.isNaN(since)) return undefined;
  const sinceSecond = Math.floor(since / 1000);
  return (updatedMs) => Math.floor(updatedMs / 1000) >= sinceSecond;
}
