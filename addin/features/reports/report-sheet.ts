// A report sheet: what is stored with it (the worksheet custom property `stocksheet.report`, JSON:
// which report, its version, the parameters, the table), the block above its table, and the names
// of new sheets and tables. Pure.

import type { CellValue } from '../../excel/port.ts';
import { shownValue, type ParamDescription } from './param-form.ts';
import { wallClock, type ReportColumn } from './report-values.ts';

/** The worksheet custom property a report sheet carries. */
export const REPORT_PROPERTY = 'stocksheet.report';
/** The longest property value the pane stores: a parameter list longer than this (thousands of serials) is not kept for Refresh. */
export const MAX_META_LENGTH = 32_000;

/** What a report sheet keeps about itself, for Refresh. */
export interface ReportSheetMeta {
  format: 1;
  /** The report's id. */
  report: string;
  /** A hash of the column keys the table was written with (reportVersion). */
  version: string;
  title: string;
  /** The columns written, key and header: a changed report is refused by them. */
  columns: { key: string; label: string }[];
  /** The parameters sent, as reports.run took them; null when too long to keep (not refreshable). */
  params: Record<string, unknown> | null;
  /** How each parameter read in the block (the product's SKU and name, not its id). */
  shown: Record<string, string>;
  /** The table: its name and Excel's id for it (which stays through a rename). */
  table: string;
  tableId: string;
  rowCount: number;
  /** ISO instant. */
  refreshedAt: string;
  refreshedBy: string;
  serverUrl: string;
  /** False while a refresh is writing, and after one was cancelled: the table holds old and new rows. */
  complete: boolean;
}

/** FNV-1a, 32 bits, as 8 hex digits. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** A report's version as a sheet sees it: a hash of its column keys, in order (another column, or one fewer, is another version). */
export function reportVersion(columns: readonly { key: string }[]): string {
  return fnv1a(columns.map((c) => c.key).join('\n'));
}

export function serializeMeta(meta: ReportSheetMeta): string {
  const text = JSON.stringify(meta);
  return text.length <= MAX_META_LENGTH ? text : JSON.stringify({ ...meta, params: null });
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The stored meta, or null when the text is not one the pane wrote. */
export function parseMeta(text: string | null): ReportSheetMeta | null {
  if (!text) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value) || value.format !== 1) return null;
  const strings = ['report', 'version', 'title', 'table', 'tableId', 'refreshedAt', 'refreshedBy', 'serverUrl'] as const;
  if (!strings.every((k) => typeof value[k] === 'string')) return null;
  if (typeof value.rowCount !== 'number' || typeof value.complete !== 'boolean') return null;
  if (value.params !== null && !isRecord(value.params)) return null;
  if (!isRecord(value.shown) || !Array.isArray(value.columns)) return null;
  if (!value.columns.every((c) => isRecord(c) && typeof c.key === 'string' && typeof c.label === 'string')) return null;
  return value as unknown as ReportSheetMeta;
}

/**
 * Why a sheet made with `stored` columns cannot be refreshed with the report's `current` ones
 * (null when they are the same version). A role that does not see some of the columns (costs)
 * is told so; a report whose columns changed is refused rather than breaking the table.
 */
export function versionProblem(meta: ReportSheetMeta, current: readonly ReportColumn[], role: string): string | null {
  if (reportVersion(current) === meta.version) return null;
  const now = new Set(current.map((c) => c.key));
  const before = new Set(meta.columns.map((c) => c.key));
  const gone = meta.columns.filter((c) => !now.has(c.key));
  const added = current.filter((c) => !before.has(c.key));
  const labels = (cs: readonly { label: string }[]) => cs.map((c) => `"${c.label}"`).join(', ');
  if (added.length === 0 && gone.length > 0) {
    return (
      `"${meta.title}" was inserted with ${gone.length === 1 ? 'a column' : 'columns'} your role (${role}) does not see ` +
      `(${labels(gone)}): refreshing it would change its table. Someone who sees ${gone.length === 1 ? 'it' : 'them'} can refresh it, ` +
      'or insert the report again on a new sheet.'
    );
  }
  const changes = [added.length > 0 ? `new: ${labels(added)}` : null, gone.length > 0 ? `gone: ${labels(gone)}` : null]
    .filter(Boolean)
    .join('; ');
  return (
    `The columns of "${meta.title}" have changed since this sheet was inserted (${changes || 'a new order'}). Refreshing would change ` +
    'its table under the formulas, pivot tables and charts that use it, so it is left as it is: insert the report again on a new sheet.'
  );
}

/** Characters Excel does not allow in a sheet name. */
const SHEET_FORBIDDEN = /[[\]:*?/\\]/g;

/** A sheet name from a title, not one of `taken` (case-insensitively): at most 31 characters, " (2)"... when needed. */
export function uniqueSheetName(title: string, taken: readonly string[]): string {
  const base =
    title
      .replace(SHEET_FORBIDDEN, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/^'+|'+$/g, '') || 'Report';
  const used = new Set(taken.map((t) => t.toLowerCase()));
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '' : ` (${n})`;
    const name = `${base.slice(0, 31 - suffix.length).trimEnd()}${suffix}`;
    if (!used.has(name.toLowerCase())) return name;
  }
}

/** A table name for a report, not one of `taken`: STK_<id>, then STK_<id>_2... (letters, digits and _ only). */
export function uniqueTableName(reportId: string, taken: readonly string[]): string {
  const base = `STK_${reportId.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 200);
  const used = new Set(taken.map((t) => t.toLowerCase()));
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}_${n}`;
    if (!used.has(name.toLowerCase())) return name;
  }
}

export interface CaptionInput {
  title: string;
  params: readonly ParamDescription[];
  values: Readonly<Record<string, unknown>>;
  shown: Readonly<Record<string, string>>;
  refreshedAt: Date;
  refreshedBy: string;
  timeZone: string;
  rowCount: number;
  /** Labels of columns the person's role does not see. */
  hiddenColumns: readonly string[];
  /** The table holds old and new rows: a refresh was stopped. */
  incomplete?: boolean;
}

/**
 * The block above a report's table: its title; each parameter with its value; when it was
 * refreshed and by whom; how many rows; columns left out for the role. Label in column A, value in B.
 */
export function captionLines(input: CaptionInput): CellValue[][] {
  const lines: CellValue[][] = [[input.title]];
  for (const p of input.params) lines.push([p.label, shownValue(p, input.values[p.key], input.shown[p.key])]);
  lines.push(['Refreshed at', `${wallClock(input.refreshedAt, input.timeZone).slice(0, 16)} (${input.timeZone}) by ${input.refreshedBy}`]);
  lines.push(['Rows', input.incomplete ? 'incomplete: the last refresh was stopped before it finished; refresh again' : input.rowCount]);
  if (input.hiddenColumns.length > 0) lines.push(['Not shown', `${input.hiddenColumns.join(', ')} (your role does not see costs)`]);
  return lines;
}

/** The caption cut to `room` lines (the rows above the table but one): the parameters folded into one line when there are too many. */
export function fitCaption(lines: CellValue[][], room: number): CellValue[][] {
  if (lines.length <= room) return lines;
  if (room <= 0) return [];
  const [title, ...rest] = lines;
  const tail = rest.slice(-2);
  const params = rest.slice(0, -2).map((l) => `${l[0]}: ${l[1]}`);
  const folded = [title!, ['Parameters', params.join('; ')], ...tail];
  return folded.slice(0, room);
}
