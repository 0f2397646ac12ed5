// Running a report into a sheet: every page fetched (5,000 rows a request, the most reports.run
// gives), then written as an Excel table on a new sheet (Insert) or into the same table in place
// (Refresh), with the parameters kept in the sheet's custom property for the next refresh. Written
// against the workbook port and a function that runs a page, so it runs the same on Office.js, the
// fake Excel and the memory workbook.

import { CancelledError, type SheetProperties, type WorkbookTables } from '../../excel/port.ts';
import type { ParamDescription } from './param-form.ts';
import {
  captionLines,
  fitCaption,
  parseMeta,
  REPORT_PROPERTY,
  reportVersion,
  serializeMeta,
  uniqueSheetName,
  uniqueTableName,
  versionProblem,
  type ReportSheetMeta,
} from './report-sheet.ts';
import { tableColumns, tableRows, type ReportColumn, type ReportRow } from './report-values.ts';

/** The most rows reports.run gives in one page. */
export const PAGE_SIZE = 5000;

/** A report as reports.list() describes it. */
export interface ReportSummary {
  id: string;
  title: string;
  description: string;
  keywords: readonly string[];
  params: readonly ParamDescription[];
  columns: readonly ReportColumn[];
}

/** One page of a report as reports.run gives it. */
export interface ReportPage {
  report: string;
  title: string;
  columns: readonly ReportColumn[];
  hiddenColumns: readonly string[];
  rows: readonly ReportRow[];
  totals: Readonly<Record<string, unknown>> | null;
  nextCursor: string | null;
}

/** reports.run. */
export type RunPage = (input: { report: string; params: Record<string, unknown>; cursor?: string; limit: number }) => Promise<ReportPage>;

/** What the work is doing: fetching pages (rows so far), writing (rows of the total). */
export type RunProgress = (step: { phase: 'fetching'; rows: number } | { phase: 'writing'; done: number; total: number }) => void;

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: RunProgress;
}

/** Who runs it, where, when, and the time zone instants are shown in. */
export interface RunContext {
  serverUrl: string;
  user: { name: string; role: string };
  timeZone: string;
  now?: () => Date;
}

type ReportWorkbook = WorkbookTables & Pick<SheetProperties, 'getSheetProperty' | 'setSheetProperty' | 'sheetsWithProperty'>;

function stopIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Every row of a report, a page at a time (the first page carries the totals), stopping between pages when cancelled. */
export async function fetchAllRows(
  run: RunPage,
  report: string,
  params: Record<string, unknown>,
  options: RunOptions = {},
): Promise<{ first: ReportPage; rows: ReportRow[] }> {
  stopIfCancelled(options.signal);
  const first = await run({ report, params, limit: PAGE_SIZE });
  const rows: ReportRow[] = [...first.rows];
  options.onProgress?.({ phase: 'fetching', rows: rows.length });
  let cursor = first.nextCursor;
  while (cursor) {
    stopIfCancelled(options.signal);
    const page = await run({ report, params, cursor, limit: PAGE_SIZE });
    for (const row of page.rows) rows.push(row);
    options.onProgress?.({ phase: 'fetching', rows: rows.length });
    cursor = page.nextCursor;
  }
  return { first, rows };
}

export interface InsertInput {
  report: ReportSummary;
  /** What reports.run takes (formParams). */
  params: Record<string, unknown>;
  /** How the picked parameters read (a product's SKU and name). */
  shown: Record<string, string>;
}

export interface InsertOutcome {
  sheet: string;
  table: string;
  rowCount: number;
}

/**
 * Fetches every row (nothing is written until all are here: a cancel meanwhile leaves the workbook
 * as it was), then writes them as a table on a new sheet with the parameters above it, and stores
 * what Refresh needs. A cancel or a failure while writing deletes the new sheet.
 */
export async function insertReport(
  workbook: ReportWorkbook,
  run: RunPage,
  input: InsertInput,
  context: RunContext,
  options: RunOptions = {},
): Promise<InsertOutcome> {
  const { report, params } = input;
  const { first, rows } = await fetchAllRows(run, report.id, params, options);
  const [names, dateSystem] = await Promise.all([workbook.workbookNames(), workbook.dateSystem()]);
  const sheet = uniqueSheetName(first.title || report.title, names.sheets);
  const table = uniqueTableName(report.id, names.tables);
  const refreshedAt = (context.now ?? (() => new Date()))();
  const columns = tableColumns(first.columns, rows, first.totals);
  const caption = captionLines({
    title: first.title || report.title,
    params: report.params,
    values: params,
    shown: input.shown,
    refreshedAt,
    refreshedBy: context.user.name,
    timeZone: context.timeZone,
    rowCount: rows.length,
    hiddenColumns: first.hiddenColumns,
  });
  stopIfCancelled(options.signal);
  let info;
  try {
    info = await workbook.createTable(
      { sheet, name: table, caption, columns },
      tableRows(first.columns, rows, { dateSystem, timeZone: context.timeZone }),
      {
        signal: options.signal,
        onProgress: (done, total) => options.onProgress?.({ phase: 'writing', done, total }),
      },
    );
  } catch (error) {
    // Nothing half made stays behind: the new sheet goes, whatever stopped it (the first error is the one said).
    await workbook.deleteSheet(sheet).catch(() => undefined);
    throw error;
  }
  const meta: ReportSheetMeta = {
    format: 1,
    report: report.id,
    version: reportVersion(first.columns),
    title: first.title || report.title,
    columns: first.columns.map(({ key, label }) => ({ key, label })),
    params,
    shown: input.shown,
    table: info.name,
    tableId: info.id,
    rowCount: rows.length,
    refreshedAt: refreshedAt.toISOString(),
    refreshedBy: context.user.name,
    serverUrl: context.serverUrl,
    complete: true,
  };
  await workbook.setSheetProperty(info.sheet, REPORT_PROPERTY, serializeMeta(meta));
  return { sheet: info.sheet, table: info.name, rowCount: rows.length };
}

export interface RefreshOutcome {
  sheet: string;
  title: string;
  table: string;
  before: number;
  rowCount: number;
}

/** A refusal to refresh: the sheet stays as it was, and the message says why and what to do. */
export class RefreshRefused extends Error {
  constructor(
    readonly sheet: string,
    message: string,
  ) {
    super(message);
    this.name = 'RefreshRefused';
  }
}

/**
 * Re-runs a report sheet's stored parameters and writes the rows into its table in place: the
 * same table, name and columns; rows rewritten, added or deleted. Refused (RefreshRefused, nothing
 * changed) when the sheet is not a report sheet, was made on another server, its report is gone or
 * has other columns now (another version, or columns the role does not see), or its table is gone
 * or its header changed. While writing, the sheet is marked incomplete, so a stop halfway says so.
 */
export async function refreshReportSheet(
  workbook: ReportWorkbook,
  run: RunPage,
  reports: readonly ReportSummary[],
  sheet: string,
  context: RunContext,
  options: RunOptions = {},
): Promise<RefreshOutcome> {
  const refuse = (message: string) => new RefreshRefused(sheet, message);
  const meta = parseMeta(await workbook.getSheetProperty(sheet, REPORT_PROPERTY));
  if (!meta) throw refuse(`"${sheet}" is not a report sheet this pane inserted.`);
  if (meta.serverUrl.replace(/\/+$/, '') !== context.serverUrl.replace(/\/+$/, '')) {
    throw refuse(
      `"${sheet}" was inserted from ${meta.serverUrl}; this pane is connected to ${context.serverUrl}. Connect to that server to refresh it.`,
    );
  }
  if (meta.params === null) {
    throw refuse(`The parameters of "${sheet}" were too long to keep in the workbook: insert the report again to update it.`);
  }
  const report = reports.find((r) => r.id === meta.report);
  if (!report) throw refuse(`The report "${meta.title}" (${meta.report}) is no longer on the server.`);
  const columnProblem = versionProblem(meta, report.columns, context.user.role);
  if (columnProblem) throw refuse(columnProblem);
  const table = (await workbook.readTable(meta.tableId)) ?? (await workbook.readTable(meta.table));
  if (!table) {
    throw refuse(
      `The table ${meta.table} of "${sheet}" is gone (deleted, or converted to a range): insert the report again on a new sheet.`,
    );
  }
  const labels = meta.columns.map((c) => c.label);
  if (table.header.length !== labels.length || table.header.some((h, i) => h !== labels[i])) {
    throw refuse(
      `The columns of table ${table.name} on "${sheet}" were changed in the sheet (renamed, added or removed), so it cannot be ` +
        'refreshed in place: put them back as they were, or insert the report again on a new sheet.',
    );
  }

  const { first, rows } = await fetchAllRows(run, meta.report, meta.params, options);
  const runProblem = versionProblem(meta, first.columns, context.user.role);
  if (runProblem) throw refuse(runProblem);
  const dateSystem = await workbook.dateSystem();
  stopIfCancelled(options.signal);

  const refreshedAt = (context.now ?? (() => new Date()))();
  const next: ReportSheetMeta = { ...meta, table: table.name, tableId: table.id, complete: false };
  await workbook.setSheetProperty(table.sheet, REPORT_PROPERTY, serializeMeta(next));
  const captionFor = (incomplete: boolean) =>
    fitCaption(
      captionLines({
        title: meta.title,
        params: report.params,
        values: meta.params!,
        shown: meta.shown,
        refreshedAt,
        refreshedBy: context.user.name,
        timeZone: context.timeZone,
        rowCount: rows.length,
        hiddenColumns: first.hiddenColumns,
        incomplete,
      }),
      table.top - 1,
    );
  let after;
  try {
    after = await workbook.replaceTableRows(
      table.id,
      tableColumns(first.columns, rows, first.totals),
      tableRows(first.columns, rows, { dateSystem, timeZone: context.timeZone }),
      { signal: options.signal, onProgress: (done, total) => options.onProgress?.({ phase: 'writing', done, total }) },
    );
  } catch (error) {
    if (error instanceof CancelledError) await workbook.writeCaption(table.sheet, captionFor(true));
    throw error;
  }
  await workbook.writeCaption(table.sheet, captionFor(false));
  await workbook.setSheetProperty(
    table.sheet,
    REPORT_PROPERTY,
    serializeMeta({
      ...next,
      table: after.name,
      rowCount: rows.length,
      refreshedAt: refreshedAt.toISOString(),
      refreshedBy: context.user.name,
      complete: true,
    }),
  );
  return { sheet: table.sheet, title: meta.title, table: after.name, before: table.bodyRows, rowCount: rows.length };
}

/** The report sheets of the workbook, in tab order. */
export async function reportSheets(
  workbook: Pick<SheetProperties, 'sheetsWithProperty'>,
): Promise<{ sheet: string; meta: ReportSheetMeta }[]> {
  const found = await workbook.sheetsWithProperty(REPORT_PROPERTY);
  return found.flatMap(({ sheet, value }) => {
    const meta = parseMeta(value);
    return meta ? [{ sheet, meta }] : [];
  });
}

/** One line per report sheet refreshed or refused, for Refresh all. */
export interface RefreshAllOutcome {
  refreshed: RefreshOutcome[];
  refused: { sheet: string; message: string }[];
}

/** Refreshes every report sheet in turn; a refusal or failure of one is said and the rest go on (a cancel stops them all). */
export async function refreshAll(
  workbook: ReportWorkbook,
  run: RunPage,
  reports: readonly ReportSummary[],
  context: RunContext,
  options: RunOptions & { onSheet?: (sheet: string, index: number, count: number) => void } = {},
): Promise<RefreshAllOutcome> {
  const sheets = await reportSheets(workbook);
  const outcome: RefreshAllOutcome = { refreshed: [], refused: [] };
  for (const [index, { sheet }] of sheets.entries()) {
    stopIfCancelled(options.signal);
    options.onSheet?.(sheet, index, sheets.length);
    try {
      outcome.refreshed.push(await refreshReportSheet(workbook, run, reports, sheet, context, options));
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      outcome.refused.push({ sheet, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcome;
}
