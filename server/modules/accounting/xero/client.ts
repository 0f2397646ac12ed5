// The few Xero calls Stocksheet makes, on the wire names of Xero's published OpenAPI
// (schemas/xero/xero_accounting.yaml, which the tests' stand-in validates every request against).
import type { Accounting } from '../runtime.ts';
import { accessToken, type StoredConnection, type TokenSet } from '../connection.ts';
import { ProviderCallError } from '../errors.ts';
import { requestTokens } from '../token-endpoint.ts';
import { send, type ProviderAnswer } from '../transport.ts';
import { centsText, type ChartAccount } from '../../../domain/journals.ts';
import type { ElementResult, LedgerPage, TaxRate } from '../client.ts';

export interface XeroJournalLine {
  AccountCode: string;
  LineAmount: number;
  Description?: string;
}

export interface XeroManualJournal {
  Narration: string;
  Date: string;
  Status: 'POSTED';
  LineAmountTypes: 'NoTax';
  JournalLines: XeroJournalLine[];
}

export interface XeroItem {
  ItemID?: string;
  Code: string;
  Name: string;
  Description?: string;
  IsSold: boolean;
  IsPurchased: boolean;
  SalesDetails?: { AccountCode?: string; TaxType?: string };
  PurchaseDetails?: { AccountCode?: string; TaxType?: string };
}

interface XeroElement {
  ManualJournalID?: string;
  ItemID?: string;
  Narration?: string;
  Code?: string;
  StatusAttributeString?: string;
  ValidationErrors?: { Message?: string }[];
  Warnings?: { Message?: string }[];
}

/** Single-use refresh tokens rotate: the answer's refresh token replaces the one sent. */
export function refreshXeroTokens(
  accounting: Accounting,
  connection: Pick<StoredConnection, 'clientId' | 'clientSecret'>,
  refreshToken: string,
): Promise<TokenSet> {
  return requestTokens(accounting, 'xero', {
    url: `${accounting.endpoints.xero.identityUrl}/connect/token`,
    headers: { authorization: `Basic ${Buffer.from(`${connection.clientId}:${connection.clientSecret}`).toString('base64')}` },
    form: { grant_type: 'refresh_token', refresh_token: refreshToken },
  });
}

/**
 * A call with the connection's token and tenant; a 401 refreshes once and tries again. A call that
 * needs a scope other calls do not (`scope`) is refused, not disconnected, when Xero says the token
 * lacks it (401 AuthorizationUnsuccessful): refreshing would not grant it, and postings still go.
 */
async function xeroCall(
  accounting: Accounting,
  connection: StoredConnection,
  request: { method: 'GET' | 'PUT' | 'POST'; path: string; headers?: Record<string, string>; body?: unknown; scope?: string },
): Promise<ProviderAnswer> {
  const refresh = (c: StoredConnection, token: string) => refreshXeroTokens(accounting, c, token);
  for (let attempt = 1; ; attempt++) {
    const token = await accessToken(accounting, 'xero', refresh, attempt > 1);
    const answer = await send(accounting, 'xero', {
      method: request.method,
      url: `${accounting.endpoints.xero.apiUrl}${request.path}`,
      headers: { authorization: `Bearer ${token}`, 'xero-tenant-id': connection.tenantId, ...request.headers },
      body: request.body,
    });
    if (answer.status === 401 && request.scope && (answer.body as { Detail?: string } | null)?.Detail === 'AuthorizationUnsuccessful')
      throw new ProviderCallError({
        kind: 'refused',
        status: 401,
        code: 'SCOPE_NOT_GRANTED',
        message: `Xero refused the call: the connection was not granted the ${request.scope} scope. Reconnect Stocksheet to Xero, allowing it.`,
      });
    if (answer.status === 401 && attempt === 1) continue;
    if (answer.status === 401 || answer.status === 403) {
      throw new ProviderCallError({
        kind: 'disconnected',
        message: `Xero refused Stocksheet's access to ${connection.tenantName ?? connection.tenantId} (${answer.status}): reconnect Stocksheet to Xero.`,
      });
    }
    return answer;
  }
}

/** Xero's words for a refusal: the elements' validation messages, else its top message. */
function refusalOf(answer: ProviderAnswer): ProviderCallError {
  const body = (answer.body ?? {}) as { Message?: string; Type?: string; Elements?: XeroElement[]; Detail?: string };
  const messages = (body.Elements ?? []).flatMap((e) => (e.ValidationErrors ?? []).map((v) => v.Message)).filter(Boolean);
  return new ProviderCallError({
    kind: 'refused',
    status: answer.status,
    code: body.Type ?? `HTTP_${answer.status}`,
    message: messages.length > 0 ? messages.join(' ') : (body.Message ?? body.Detail ?? `Xero answered ${answer.status}.`),
  });
}

function elementResults(elements: XeroElement[], id: (e: XeroElement) => string | undefined): ElementResult[] {
  return elements.map((e) => {
    const errors = (e.ValidationErrors ?? []).map((v) => v.Message ?? 'invalid');
    const found = id(e);
    if (errors.length > 0 || !found) return { ok: false, message: errors.join(' ') || 'Xero stored nothing for this element.' };
    return { ok: true, id: found, warnings: (e.Warnings ?? []).map((w) => w.Message ?? '') };
  });
}

export async function putManualJournals(
  accounting: Accounting,
  connection: StoredConnection,
  journals: XeroManualJournal[],
  idempotencyKey: string,
): Promise<ElementResult[]> {
  const answer = await xeroCall(accounting, connection, {
    method: 'PUT',
    path: '/ManualJournals?summarizeErrors=false',
    headers: { 'Idempotency-Key': idempotencyKey },
    body: { ManualJournals: journals },
  });
  if (answer.status !== 200) throw refusalOf(answer);
  const elements = ((answer.body as { ManualJournals?: XeroElement[] }).ManualJournals ?? []) as XeroElement[];
  if (elements.length !== journals.length)
    throw new ProviderCallError({ kind: 'uncertain', message: `Xero answered ${elements.length} journals for ${journals.length} sent.` });
  return elementResults(elements, (e) => e.ManualJournalID);
}

/**
 * Journals changed since `since` whose narration carries one of `markers`, for finding ours after
 * an answer was lost. Asked in groups (Xero's `where` with OR), so a look-up costs a call or two
 * however many journals the organisation has.
 */
export async function manualJournalsWithMarkers(
  accounting: Accounting,
  connection: StoredConnection,
  markers: string[],
  since: Date,
): Promise<XeroElement[]> {
  const found: XeroElement[] = [];
  for (let start = 0; start < markers.length; start += 25) {
    const where = markers
      .slice(start, start + 25)
      .map((m) => `Narration.Contains(${JSON.stringify(m)})`)
      .join(' OR ');
    for (let page = 1; ; page++) {
      const answer = await xeroCall(accounting, connection, {
        method: 'GET',
        path: `/ManualJournals?where=${encodeURIComponent(where)}&page=${page}`,
        headers: { 'If-Modified-Since': since.toISOString() },
      });
      if (answer.status === 304) break;
      if (answer.status !== 200) throw refusalOf(answer);
      const journals = ((answer.body as { ManualJournals?: XeroElement[] }).ManualJournals ?? []) as XeroElement[];
      found.push(...journals);
      if (journals.length < 100) break;
    }
  }
  return found;
}

export async function postItems(
  accounting: Accounting,
  connection: StoredConnection,
  items: XeroItem[],
  idempotencyKey: string,
): Promise<ElementResult[]> {
  const answer = await xeroCall(accounting, connection, {
    method: 'POST',
    path: '/Items?summarizeErrors=false',
    headers: { 'Idempotency-Key': idempotencyKey },
    body: { Items: items },
  });
  if (answer.status !== 200) throw refusalOf(answer);
  const elements = ((answer.body as { Items?: XeroElement[] }).Items ?? []) as XeroElement[];
  if (elements.length !== items.length)
    throw new ProviderCallError({ kind: 'uncertain', message: `Xero answered ${elements.length} items for ${items.length} sent.` });
  return elementResults(elements, (e) => e.ItemID);
}

export async function xeroChart(accounting: Accounting, connection: StoredConnection): Promise<ChartAccount[]> {
  const answer = await xeroCall(accounting, connection, { method: 'GET', path: '/Accounts' });
  if (answer.status !== 200) throw refusalOf(answer);
  const accounts = (answer.body as { Accounts?: { Code?: string; Name?: string; Type?: string; Status?: string }[] }).Accounts ?? [];
  return accounts.map((a) => ({
    code: a.Code ?? null,
    name: a.Name ?? '',
    type: a.Type ?? '',
    active: a.Status !== 'ARCHIVED' && a.Status !== 'DELETED',
  }));
}

export async function xeroTaxRates(accounting: Accounting, connection: StoredConnection): Promise<TaxRate[]> {
  const answer = await xeroCall(accounting, connection, { method: 'GET', path: '/TaxRates' });
  if (answer.status !== 200) throw refusalOf(answer);
  const rates = (answer.body as { TaxRates?: { Name?: string; TaxType?: string; Status?: string }[] }).TaxRates ?? [];
  return rates.filter((r) => r.TaxType).map((r) => ({ code: r.TaxType!, name: r.Name ?? r.TaxType!, active: r.Status === 'ACTIVE' }));
}

/** The last locked day (the later of the period and end-of-year lock dates), or null. */
export async function xeroLockDate(accounting: Accounting, connection: StoredConnection): Promise<string | null> {
  const answer = await xeroCall(accounting, connection, { method: 'GET', path: '/Organisation' });
  if (answer.status !== 200) throw refusalOf(answer);
  const org = ((answer.body as { Organisations?: { PeriodLockDate?: string; EndOfYearLockDate?: string }[] }).Organisations ?? [])[0] ?? {};
  const dates = [org.PeriodLockDate, org.EndOfYearLockDate].map(xeroDate).filter((d): d is string => d !== null);
  return dates.length > 0 ? dates.sort().at(-1)! : null;
}

/** A journal of Xero's general ledger (`GET /Journals`; the spec's Journal and JournalLine). */
interface XeroJournal {
  JournalID?: string;
  JournalNumber?: number;
  JournalDate?: string;
  Reference?: string;
  SourceID?: string;
  SourceType?: string;
  JournalLines?: { AccountID?: string; AccountCode?: string; Description?: string; NetAmount?: number }[];
}

/** Xero answers at most this many journals a call (developer.xero.com/documentation/api/accounting/journals). */
export const JOURNALS_PER_PAGE = 100;

/**
 * The journals numbered after `offset` (a page of 100): every posted transaction's effect on the
 * ledger, on the accrual basis (paymentsOnly=false). Needs the accounting.journals.read scope.
 */
export async function xeroJournals(accounting: Accounting, connection: StoredConnection, offset: number): Promise<LedgerPage> {
  const answer = await xeroCall(accounting, connection, {
    method: 'GET',
    path: `/Journals?offset=${offset}&paymentsOnly=false`,
    scope: 'accounting.journals.read',
  });
  if (answer.status !== 200) throw refusalOf(answer);
  const journals = ((answer.body as { Journals?: XeroJournal[] } | null)?.Journals ?? []) as XeroJournal[];
  let last = offset;
  const lines = journals.flatMap((j) => {
    const date = xeroDate(j.JournalDate);
    if (!j.JournalID || j.JournalNumber === undefined || !date)
      throw new ProviderCallError({
        kind: 'uncertain',
        message: `Xero answered a journal without its id, number or date (after #${offset}).`,
      });
    last = Math.max(last, j.JournalNumber);
    return (j.JournalLines ?? []).map((l, lineNo) => ({
      journalId: j.JournalID!.toLowerCase(),
      journalNumber: String(j.JournalNumber),
      journalDate: date,
      sourceType: j.SourceType ?? null,
      sourceId: j.SourceID?.toLowerCase() ?? null,
      reference: j.Reference?.slice(0, 500) ?? null,
      lineNo,
      accountCode: l.AccountCode ?? null,
      accountId: l.AccountID?.toLowerCase() ?? null,
      description: l.Description?.slice(0, 500) || null,
      amount: centsText(BigInt(Math.round(Number(((l.NetAmount ?? 0) * 100).toPrecision(15))))),
    }));
  });
  return { lines, position: String(last), done: journals.length < JOURNALS_PER_PAGE };
}

/** "/Date(1543536000000+0000)/" or "2018-11-30T00:00:00" -> "2018-11-30". */
export function xeroDate(value: string | undefined | null): string | null {
  if (!value) return null;
  const ms = /\/Date\((-?\d+)/.exec(value);
  if (ms) return new Date(Number(ms[1])).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : null;
}
