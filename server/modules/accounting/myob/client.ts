// The few MYOB AccountRight calls Stocksheet makes. MYOB publishes no OpenAPI: the wire names are
// those of its .NET SDK contracts (MYOB.API.SDK/SDK/Contracts/Version2: GeneralLedger/Account,
// TaxCode, GeneralJournal; Inventory/Item; Company/Preferences) and its API overview pages
// (headers, 201 + Location, RowVersion and 409, the Errors envelope).
import { centsText, type ChartAccount } from '../../../domain/journals.ts';
import type { ElementResult, LedgerPage, TaxRate } from '../client.ts';
import { accessToken, type StoredConnection, type TokenSet } from '../connection.ts';
import { ProviderCallError } from '../errors.ts';
import type { Accounting } from '../runtime.ts';
import { requestTokens } from '../token-endpoint.ts';
import { send, type ProviderAnswer } from '../transport.ts';

export interface MyobRef {
  UID: string;
}

export interface MyobJournalLine {
  Account: MyobRef;
  /** Always positive; the side is IsCredit. */
  Amount: number;
  IsCredit: boolean;
  Memo?: string;
  TaxCode?: MyobRef;
}

export interface MyobGeneralJournal {
  DateOccurred: string;
  Memo: string;
  /** Sale (supply) or Purchase (acquisition), MYOB's GSTReportingMethod; stock moving at N-T is neither, so it reports nothing. */
  GSTReportingMethod: 'Purchase';
  IsTaxInclusive: false;
  IsYearEndAdjustment: false;
  Lines: MyobJournalLine[];
}

export interface MyobItem {
  Number: string;
  Name: string;
  Description?: string;
  IsActive: true;
  IsBought: boolean;
  IsSold: boolean;
  /** Never: MYOB's own stock keeping would count and value the stock a second time. */
  IsInventoried: false;
  IncomeAccount?: MyobRef;
  ExpenseAccount?: MyobRef;
  BuyingDetails?: { TaxCode?: MyobRef };
  SellingDetails?: { TaxCode?: MyobRef };
}

/** An item as the relay hands it over: its body, and its UID once it is known to exist. */
export interface MyobItemPush {
  uid: string | null;
  item: MyobItem;
}

interface MyobError {
  Name?: string;
  Message?: string;
  AdditionalDetails?: string;
  ErrorCode?: number;
}

/** MYOB's names for a date it will not take: in a locked period, or before the company file's first year. */
const LOCKED = new Set(['BusinessEvent_DateOccured_InLockPeriod', 'DatePriorToBeginningOfFinancialYear']);

export function refreshMyobTokens(
  accounting: Accounting,
  connection: Pick<StoredConnection, 'clientId' | 'clientSecret'>,
  refreshToken: string,
): Promise<TokenSet> {
  return requestTokens(accounting, 'myob', {
    url: `${accounting.endpoints.myob.identityUrl}/oauth2/v1/authorize`,
    form: {
      client_id: connection.clientId,
      client_secret: connection.clientSecret,
      refresh_token: refreshToken,
      grant_type: 'refresh_token',
    },
  });
}

/**
 * A call on the connection's company file: its token, the API key, the file's sign-in. A 401
 * refreshes once and tries again; a second 401, or a 403 that is not a rate limit (an inactive
 * API key, no access to the file), pauses the queue for a reconnect.
 */
async function myobCall(
  accounting: Accounting,
  connection: StoredConnection,
  request: { method: 'GET' | 'PUT' | 'POST'; path: string; body?: unknown },
): Promise<ProviderAnswer> {
  const refresh = (c: StoredConnection, token: string) => refreshMyobTokens(accounting, c, token);
  const file = `${accounting.endpoints.myob.apiUrl}/${connection.tenantId}/`;
  // A NextPageLink is absolute; the token only ever goes to the company file's own address.
  const url = request.path.startsWith('http') ? request.path : `${file}${request.path}`;
  if (!url.startsWith(file)) throw new ProviderCallError({ kind: 'uncertain', message: `MYOB pointed to another address (${url}).` });
  for (let attempt = 1; ; attempt++) {
    const token = await accessToken(accounting, 'myob', refresh, attempt > 1);
    const answer = await send(accounting, 'myob', {
      method: request.method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
        'x-myobapi-key': connection.clientId,
        'x-myobapi-version': 'v2',
        ...(connection.companyFileAuth ? { 'x-myobapi-cftoken': connection.companyFileAuth } : {}),
      },
      body: request.body,
    });
    if (answer.status === 401 && attempt === 1) continue;
    if (answer.status === 401 || answer.status === 403) {
      throw new ProviderCallError({
        kind: 'disconnected',
        message: `MYOB refused Stocksheet's access to the company file ${connection.tenantName ?? connection.tenantId} (${answer.status}: ${messageOf(answer)}): reconnect Stocksheet to MYOB, checking the company file's user name and password.`,
      });
    }
    return answer;
  }
}

function errorsOf(answer: ProviderAnswer): MyobError[] {
  return (answer.body as { Errors?: MyobError[] } | null)?.Errors ?? [];
}

/** MYOB's words: each error's message and details, else the status. */
function messageOf(answer: ProviderAnswer): string {
  const words = errorsOf(answer).map((e) => [e.Message, e.AdditionalDetails].filter(Boolean).join(': '));
  return words.filter(Boolean).join(' ') || `MYOB answered ${answer.status}.`;
}

function refusalOf(answer: ProviderAnswer): ProviderCallError {
  return new ProviderCallError({
    kind: 'refused',
    status: answer.status,
    code: errorsOf(answer)[0]?.Name ?? `HTTP_${answer.status}`,
    message: messageOf(answer),
  });
}

/** An element's refusal (400: a validation error about this one entity), with its reason where it is a locked date. */
function elementRefusal(answer: ProviderAnswer): ElementResult {
  const locked = errorsOf(answer).some((e) => e.Name && LOCKED.has(e.Name));
  return { ok: false, message: messageOf(answer), ...(locked ? { code: 'PERIOD_LOCKED' } : {}) };
}

/** The new entity's UID, from the Location header a 201 carries. */
function createdUid(answer: ProviderAnswer): string {
  const location = answer.headers.get('location') ?? '';
  const uid = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i.exec(location)?.[1];
  if (!uid)
    throw new ProviderCallError({
      kind: 'uncertain',
      message: `MYOB answered 201 without the new entity's address (Location "${location}").`,
    });
  return uid;
}

/** Every entity of a collection, page by page (NextPageLink), with an OData filter. */
async function collection<T>(accounting: Accounting, connection: StoredConnection, path: string, filter?: string): Promise<T[]> {
  const all: T[] = [];
  const query = new URLSearchParams({ $top: '1000', ...(filter ? { $filter: filter } : {}) });
  let next: string | null = `${path}?${query.toString().replace(/\+/g, '%20')}`;
  while (next) {
    const answer = await myobCall(accounting, connection, { method: 'GET', path: next });
    if (answer.status !== 200) throw refusalOf(answer);
    const page = answer.body as { Items?: T[]; NextPageLink?: string | null };
    all.push(...(page.Items ?? []));
    next = page.NextPageLink ?? null;
  }
  return all;
}

/** An OData string literal: quotes doubled. */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export async function myobChart(accounting: Accounting, connection: StoredConnection): Promise<ChartAccount[]> {
  const accounts = await collection<{
    UID: string;
    DisplayID?: string;
    Name?: string;
    Type?: string;
    IsActive?: boolean;
    IsHeader?: boolean;
  }>(accounting, connection, 'GeneralLedger/Account');
  return accounts.map((a) => ({
    code: a.DisplayID ?? null,
    name: a.Name ?? '',
    type: a.Type ?? '',
    active: a.IsActive !== false,
    header: a.IsHeader === true,
    id: a.UID,
  }));
}

export async function myobTaxCodes(accounting: Accounting, connection: StoredConnection): Promise<TaxRate[]> {
  const codes = await collection<{ UID: string; Code?: string; Description?: string }>(accounting, connection, 'GeneralLedger/TaxCode');
  return codes.filter((c) => c.Code).map((c) => ({ code: c.Code!, name: c.Description ?? c.Code!, active: true, id: c.UID }));
}

/**
 * The last locked day: MYOB's "lock periods prior to" date (the SDK's CompanySystemPreferences
 * LockPeriodPriorTo), taken as locked itself, since MYOB is reported to refuse a date on it too.
 */
export async function myobLockDate(accounting: Accounting, connection: StoredConnection): Promise<string | null> {
  const answer = await myobCall(accounting, connection, { method: 'GET', path: 'Company/Preferences' });
  if (answer.status !== 200) throw refusalOf(answer);
  const value = (answer.body as { System?: { LockPeriodPriorTo?: string | null } }).System?.LockPeriodPriorTo;
  return value && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : null;
}

/** One POST per journal: MYOB's API creates one entity a request. */
export async function postGeneralJournals(
  accounting: Accounting,
  connection: StoredConnection,
  journals: MyobGeneralJournal[],
): Promise<ElementResult[]> {
  const results: ElementResult[] = [];
  for (const journal of journals) {
    const answer = await myobCall(accounting, connection, { method: 'POST', path: 'GeneralLedger/GeneralJournal', body: journal });
    if (answer.status === 201) results.push({ ok: true, id: createdUid(answer), warnings: [] });
    else if (answer.status === 400) results.push(elementRefusal(answer));
    else throw refusalOf(answer);
  }
  return results;
}

/**
 * Journals whose memo carries one of the markers: marker -> UID. MYOB has no idempotency key, so
 * this look-up is what stands between a lost answer and a second journal.
 */
export async function generalJournalsWithMarkers(
  accounting: Accounting,
  connection: StoredConnection,
  markers: string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let start = 0; start < markers.length; start += 10) {
    const group = markers.slice(start, start + 10);
    const filter = group.map((m) => `substringof(${literal(m)}, Memo) eq true`).join(' or ');
    for (const journal of await collection<{ UID: string; Memo?: string }>(accounting, connection, 'GeneralLedger/GeneralJournal', filter))
      for (const marker of group) if (journal.Memo?.includes(marker)) found.set(marker, journal.UID);
  }
  return found;
}

/** How many times a PUT goes again after MYOB says another change came first (409). */
const ROW_VERSION_RETRIES = 3;

/**
 * Creates or updates each item, found by its UID or its Number (the SKU): sending one again after
 * a lost answer updates the item made the first time rather than making a second.
 */
export async function pushItems(accounting: Accounting, connection: StoredConnection, pushes: MyobItemPush[]): Promise<ElementResult[]> {
  const results: ElementResult[] = [];
  for (const push of pushes) results.push(await pushItem(accounting, connection, push));
  return results;
}

async function pushItem(accounting: Accounting, connection: StoredConnection, push: MyobItemPush): Promise<ElementResult> {
  for (let attempt = 0; ; attempt++) {
    const existing = await findItem(accounting, connection, push);
    if (!existing) {
      const answer = await myobCall(accounting, connection, { method: 'POST', path: 'Inventory/Item', body: push.item });
      if (answer.status === 201) return { ok: true, id: createdUid(answer), warnings: [] };
      if (answer.status === 400) return elementRefusal(answer);
      throw refusalOf(answer);
    }
    const answer = await myobCall(accounting, connection, {
      method: 'PUT',
      path: `Inventory/Item/${existing.UID}`,
      body: { ...push.item, UID: existing.UID, RowVersion: existing.RowVersion },
    });
    if (answer.status === 200) return { ok: true, id: existing.UID, warnings: [] };
    if (answer.status === 400) return elementRefusal(answer);
    // Changed in MYOB since it was read: read it again and apply the change to the new version.
    if (answer.status === 409 && attempt < ROW_VERSION_RETRIES) continue;
    throw refusalOf(answer);
  }
}

async function findItem(accounting: Accounting, connection: StoredConnection, push: MyobItemPush) {
  if (push.uid) {
    const answer = await myobCall(accounting, connection, { method: 'GET', path: `Inventory/Item/${push.uid}` });
    if (answer.status === 200) return answer.body as { UID: string; RowVersion: string };
    // Deleted in MYOB: found by its number, or made again.
    if (answer.status !== 404) throw refusalOf(answer);
  }
  const [item] = await collection<{ UID: string; RowVersion: string }>(
    accounting,
    connection,
    'Inventory/Item',
    `Number eq ${literal(push.item.Number)}`,
  );
  return item ?? null;
}

/**
 * A journal transaction: one transaction's effect on the ledger (SDK GeneralLedger/JournalTransaction
 * and JournalTransactionLine; the docs page lists SourceTransaction's types: GeneralJournal, Bill,
 * Invoice, …). Amounts are positive with IsCredit giving the side.
 */
interface MyobJournalTransaction {
  UID?: string;
  DisplayID?: string;
  JournalType?: string;
  DateOccurred?: string;
  DatePosted?: string;
  Description?: string;
  SourceTransaction?: { UID?: string; TransactionType?: string } | null;
  Lines?: { Account?: { UID?: string; DisplayID?: string } | null; Amount?: number; IsCredit?: boolean; LineDescription?: string | null }[];
}

/** Journal transactions a page asks for (MYOB's largest $top). */
const TRANSACTIONS_PER_PAGE = 1000;

/**
 * One page of the company file's journal transactions: from the start (null), or from the
 * NextPageLink the last page gave. MYOB numbers no journals in order, so a read covers them all.
 */
export async function myobJournalTransactions(
  accounting: Accounting,
  connection: StoredConnection,
  position: string | null,
): Promise<LedgerPage> {
  const path = position ?? `GeneralLedger/JournalTransaction?$top=${TRANSACTIONS_PER_PAGE}`;
  const answer = await myobCall(accounting, connection, { method: 'GET', path });
  if (answer.status !== 200) throw refusalOf(answer);
  const page = answer.body as { Items?: MyobJournalTransaction[]; NextPageLink?: string | null };
  const lines = (page.Items ?? []).flatMap((t) => {
    const date = t.DateOccurred && /^\d{4}-\d{2}-\d{2}/.test(t.DateOccurred) ? t.DateOccurred.slice(0, 10) : null;
    if (!t.UID || !date)
      throw new ProviderCallError({ kind: 'uncertain', message: 'MYOB answered a journal transaction without its UID or date.' });
    return (t.Lines ?? []).map((l, lineNo) => {
      const cents = BigInt(Math.round(Number(((l.Amount ?? 0) * 100).toPrecision(15))));
      return {
        journalId: t.UID!.toLowerCase(),
        journalNumber: t.DisplayID ?? null,
        journalDate: date,
        sourceType: t.SourceTransaction?.TransactionType ?? null,
        sourceId: t.SourceTransaction?.UID?.toLowerCase() ?? null,
        reference: t.Description?.slice(0, 500) ?? null,
        lineNo,
        accountCode: l.Account?.DisplayID ?? null,
        accountId: l.Account?.UID?.toLowerCase() ?? null,
        description: l.LineDescription?.slice(0, 500) || null,
        amount: centsText(l.IsCredit ? -cents : cents),
      };
    });
  });
  const next = page.NextPageLink ?? null;
  return { lines, position: next, done: next === null };
}
