// The sheet "Failed postings to sheet" writes, and the postings Retry, Skip and Re-date act on: the
// ids in the rows a person selected there. Pure.

import type { CellValue, ColumnFormats } from '../../excel/port.ts';

export const FAILED_SHEET = 'Failed postings';
/** Worksheet custom property marking the sheet as this add-in's list of postings. */
export const POSTINGS_PROPERTY = 'stocksheet.accountingPostings';
export const FAILED_COLUMNS = ['Id', 'Kind', 'Document', 'Date', 'Amount', 'Attempts', 'Error code', 'Error'] as const;
/** Documents and codes stay as written; the journal's day shows as yyyy-mm-dd. */
export const FAILED_COLUMN_FORMATS: ColumnFormats = { Document: 'text', Date: 'date', 'Error code': 'text' };
/** The reason code of a journal refused for a locked period: the one a re-date fixes. */
export const PERIOD_LOCKED = 'PERIOD_LOCKED';

/** What the sheet shows of a posting (the server's `accounting.postings` items have all of it). */
export interface FailedPosting {
  id: number;
  entity: 'journal' | 'item';
  kind: string | null;
  document: { type: string; id: number | null } | null;
  productId: number | null;
  occurredAt: Date | string;
  redatedTo: string | null;
  amount: number | null;
  attempts: number;
  lastError: string | null;
  lastErrorCode: string | null;
}

const KINDS: Record<string, string> = {
  receipt: 'Receipt',
  sale: 'Cost of sales',
  adjustment: 'Stock adjustment',
  stocktake: 'Stocktake',
  opening: 'Opening stock',
  production: 'Work order',
};

export function kindLabel(posting: Pick<FailedPosting, 'entity' | 'kind'>): string {
  if (posting.entity === 'item') return 'Item';
  return (posting.kind && KINDS[posting.kind]) ?? posting.kind ?? 'Journal';
}

/** "Purchase order #3", "Product #12" (an item), or blank (an adjustment belongs to no document). */
export function documentLabel(posting: Pick<FailedPosting, 'entity' | 'document' | 'productId'>): string {
  if (posting.document) {
    const words = posting.document.type
      .replace(/_/g, ' ')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase();
    const label = words.charAt(0).toUpperCase() + words.slice(1);
    return posting.document.id === null ? label : `${label} #${posting.document.id}`;
  }
  return posting.entity === 'item' && posting.productId !== null ? `Product #${posting.productId}` : '';
}

/** The journal's day: the re-dated day, else the day it happened in the organisation's time zone (yyyy-mm-dd). */
export function journalDay(posting: Pick<FailedPosting, 'occurredAt' | 'redatedTo'>, timeZone: string): string {
  if (posting.redatedTo) return posting.redatedTo;
  const at = new Date(posting.occurredAt);
  if (Number.isNaN(at.getTime())) return String(posting.occurredAt);
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  } catch {
    return at.toISOString().slice(0, 10);
  }
}

/** Rows under FAILED_COLUMNS, one per posting, in the order given. */
export function failedRows(postings: FailedPosting[], timeZone: string): CellValue[][] {
  return postings.map((p) => [
    p.id,
    kindLabel(p),
    documentLabel(p),
    journalDay(p, timeZone),
    p.amount ?? '',
    p.attempts,
    p.lastErrorCode ?? '',
    p.lastError ?? '',
  ]);
}

/** A selected row of the sheet: the posting's id, its sheet row (0-based) and what the sheet says about it. */
export interface SelectedPosting {
  id: number;
  row: number;
  errorCode: string;
  error: string;
}

const text = (value: CellValue | undefined) => (value === undefined ? '' : typeof value === 'string' ? value.trim() : String(value));

/**
 * The postings in the rows of a selection (its first sheet row `top`, `rowCount` rows), read from the
 * sheet's values from A1 (readSheet): the Id column of every selected row below the header, wherever
 * in the row the selection is. Blank rows are passed over; an id seen twice is taken once. An Id cell
 * holding anything but a posting id, or a sheet without an Id column, is an error saying which.
 */
export function selectedPostings(
  selection: { top: number; rowCount: number },
  values: CellValue[][],
): { postings: SelectedPosting[] } | { error: string } {
  const header = (values[0] ?? []).map((cell) => text(cell).toLowerCase());
  const column = (name: string) => header.indexOf(name.toLowerCase());
  const idColumn = column('Id');
  if (idColumn < 0) return { error: 'The first row of the sheet must name the columns, "Id" among them: write the failed postings again.' };
  const codeColumn = column('Error code');
  const errorColumn = column('Error');
  const postings: SelectedPosting[] = [];
  const seen = new Set<number>();
  const bad: string[] = [];
  const last = Math.min(values.length, selection.top + selection.rowCount);
  for (let r = Math.max(1, selection.top); r < last; r++) {
    const row = values[r] ?? [];
    const raw = text(row[idColumn]);
    if (raw === '') continue;
    const id = Number(raw);
    if (!Number.isSafeInteger(id) || id <= 0) {
      bad.push(`row ${r + 1} ("${raw}")`);
      continue;
    }
    if (seen.has(id)) continue;
    seen.add(id);
    postings.push({
      id,
      row: r,
      errorCode: codeColumn < 0 ? '' : text(row[codeColumn]),
      error: errorColumn < 0 ? '' : text(row[errorColumn]),
    });
  }
  if (bad.length > 0) {
    const which = bad.length === 1 ? bad[0] : `${bad.slice(0, -1).join(', ')} and ${bad.at(-1)}`;
    return { error: `The Id column holds no posting id in ${which}: write the failed postings again, then select their rows.` };
  }
  return { postings };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The lock dates an error names: ours ("locked up to 2026-03-31") and Xero's ("… lock date, currently set at 31-Mar-2026"). */
function lockDates(error: string): string[] {
  const days = [...error.matchAll(/locked up to (\d{4}-\d{2}-\d{2})/gi)].map((m) => m[1]!);
  for (const m of error.matchAll(/lock date[^.]*?set at (\d{1,2})-([a-z]{3})-(\d{4})/gi)) {
    const month = MONTHS.indexOf(m[2]!.toLowerCase());
    if (month >= 0) days.push(`${m[3]}-${String(month + 1).padStart(2, '0')}-${m[1]!.padStart(2, '0')}`);
  }
  return days;
}

/**
 * The first open day after the locks the selected postings' errors name, as yyyy-mm-dd: what a
 * re-date proposes. Null when no error names a lock date.
 */
export function firstOpenDay(errors: string[]): string | null {
  const latest = errors.flatMap(lockDates).sort().at(-1);
  if (latest === undefined) return null;
  const day = new Date(`${latest}T00:00:00Z`);
  if (Number.isNaN(day.getTime())) return null;
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

/** "#3", "#3 and #5", "#3, #5 and #9". */
export function idList(ids: number[]): string {
  const named = ids.map((id) => `#${id}`);
  return named.length <= 1 ? (named[0] ?? '') : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
}
