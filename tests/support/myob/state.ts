// One company file's data in the stand-in (chart, tax codes, preferences, financial year, items,
// journals, the RowVersion counter) and what each operation gets to work with; the links and URIs
// answers carry.
import { randomUUID } from 'node:crypto';
import type { MyobAccount, MyobPreferences, MyobTaxCode, StoredItem, StoredJournal } from './types.ts';

export interface FileState {
  companyFileId: string;
  companyFileName: string;
  /** Other company files the stand-in's user has: listed and consentable, their data not served (404). */
  otherCompanyFiles?: { Id: string; Name: string }[];
  accounts: MyobAccount[];
  taxCodes: MyobTaxCode[];
  preferences: MyobPreferences;
  /** `YYYY-MM-DD` */
  financialYearStart: string;
  items: StoredItem[];
  journals: StoredJournal[];
  /** The last RowVersion handed out: one counter for the file, as a database rowversion column would be. */
  rowVersion: bigint;
  /** The last automatically numbered general journal (GJ000001, …). */
  journalNumber: number;
}

export interface OpContext {
  state: FileState;
  now: number;
  /** `${apiUrl}/${companyFileId}`, for URIs and NextPageLink. */
  fileUrl: string;
  /** The route's path under the file, e.g. `GeneralLedger/Account`. */
  resource: string;
  query: Record<string, string>;
  /** The `{UID}` path segment, when the route has one. */
  uid?: string;
  body: unknown;
}

export function newFileState(parts: Omit<FileState, 'items' | 'journals' | 'rowVersion' | 'journalNumber'>): FileState {
  return { ...parts, items: [], journals: [], rowVersion: 1_407_375_153_102_848n, journalNumber: 0 };
}

/** A RowVersion as MYOB sends them: a string of digits, different after every change. */
export function nextRowVersion(state: FileState): string {
  state.rowVersion += 65_536n;
  return String(state.rowVersion);
}

export const newUid = (): string => randomUUID();

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function findAccount(state: FileState, uid: string): MyobAccount | undefined {
  return state.accounts.find((a) => same(a.UID, uid));
}

export function findAccountByDisplayId(state: FileState, displayId: string): MyobAccount | undefined {
  return state.accounts.find((a) => a.DisplayID === displayId);
}

export function findTaxCode(state: FileState, uid: string): MyobTaxCode | undefined {
  return state.taxCodes.find((t) => same(t.UID, uid));
}

export function findTaxCodeByCode(state: FileState, code: string): MyobTaxCode | undefined {
  return state.taxCodes.find((t) => t.Code === code);
}

export function findItem(state: FileState, uid: string): StoredItem | undefined {
  return state.items.find((i) => same(i.UID, uid));
}

export function findJournal(state: FileState, uid: string): StoredJournal | undefined {
  return state.journals.find((j) => same(j.UID, uid));
}

export const accountUri = (ctx: OpContext, uid: string) => `${ctx.fileUrl}/GeneralLedger/Account/${uid}`;
export const taxCodeUri = (ctx: OpContext, uid: string) => `${ctx.fileUrl}/GeneralLedger/TaxCode/${uid}`;
export const itemUri = (ctx: OpContext, uid: string) => `${ctx.fileUrl}/Inventory/Item/${uid}`;
export const journalUri = (ctx: OpContext, uid: string) => `${ctx.fileUrl}/GeneralLedger/GeneralJournal/${uid}`;

/** An AccountLink as answers show it, or null. */
export function accountLink(ctx: OpContext, uid: string | null): Record<string, unknown> | null {
  if (uid === null) return null;
  const account = findAccount(ctx.state, uid);
  return { UID: uid, Name: account?.Name ?? null, DisplayID: account?.DisplayID ?? null, URI: accountUri(ctx, uid) };
}

export function taxCodeLink(ctx: OpContext, uid: string | null): Record<string, unknown> | null {
  if (uid === null) return null;
  return { UID: uid, Code: findTaxCode(ctx.state, uid)?.Code ?? null, URI: taxCodeUri(ctx, uid) };
}

/** `?returnBody=true` on a POST or PUT: answer with the entity instead of an empty body. */
export function returnBody(ctx: OpContext): boolean {
  return Object.entries(ctx.query).some(([k, v]) => k.toLowerCase() === 'returnbody' && v.toLowerCase() === 'true');
}

/** Cents of an amount, immune to binary fractions (1.005 → 101). */
export function cents(amount: number): number {
  return Math.round(Number((amount * 100).toPrecision(15)));
}

export function money(centsValue: number): string {
  return (centsValue / 100).toFixed(2);
}
