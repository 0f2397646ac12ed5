// Any report as a file, streamed a page at a time: .xlsx (ExcelJS's streaming writer, inline
// strings so nothing is held until the end) and CSV (RFC 4180, UTF-8 with a byte-order mark so
// Excel reads it as UTF-8).
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { ColumnType } from './definition.ts';
import type { OpenReport, ReportRow, ReportValue } from './engine.ts';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** Excel number formats per column type; text columns are Text so serials and codes stay as typed. */
export const XLSX_FORMATS: Record<ColumnType, string | undefined> = {
  text: '@',
  integer: '0',
  quantity: '#,##0.####;-#,##0.####;0',
  money: '#,##0.00',
  unitCost: '#,##0.00####',
  date: 'yyyy-mm-dd',
  datetime: 'yyyy-mm-dd hh:mm:ss',
  boolean: undefined,
};

const WIDTHS: Record<ColumnType, number> = {
  text: 22,
  integer: 10,
  quantity: 12,
  money: 14,
  unitCost: 14,
  date: 12,
  datetime: 20,
  boolean: 8,
};

/** A value as Excel stores it: days and instants as dates (UTC), the rest as they are. */
function cellValue(type: ColumnType, value: ReportValue): ExcelJS.CellValue {
  if (value === null) return null;
  if (type === 'date') return new Date(`${value as string}T00:00:00Z`);
  if (type === 'datetime') return new Date(value as string);
  return value;
}

/** What a download says of itself: the report, its parameters, who ran it and when. */
export interface DownloadFacts {
  ranBy: string;
  ranAt: Date;
}

export async function writeReportXlsx(report: OpenReport, facts: DownloadFacts, output: Writable): Promise<number> {
  const { definition, columns } = report;
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Stocksheet';
  workbook.title = definition.title;
  const sheet = workbook.addWorksheet(definition.title.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({
    key: c.key,
    width: WIDTHS[c.type],
    style: XLSX_FORMATS[c.type] ? { numFmt: XLSX_FORMATS[c.type] } : {},
  }));
  const header = sheet.addRow(columns.map((c) => (c.type === 'datetime' ? `${c.label} (UTC)` : c.label)));
  header.font = { bold: true };
  header.commit();
  let count = 0;
  for await (const rows of report.pages()) {
    for (const row of rows) sheet.addRow(columns.map((c) => cellValue(c.type, row[c.key] ?? null))).commit();
    count += rows.length;
  }
  const totals = await report.totals();
  if (totals) {
    const line = sheet.addRow(columns.map((c, i) => (c.key in totals ? totals[c.key] : i === 0 ? 'Total' : null)));
    line.font = { bold: true };
    line.commit();
  }
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  sheet.commit();

  const about = workbook.addWorksheet('About');
  about.columns = [{ width: 22 }, { width: 60, style: { numFmt: '@' } }];
  about.addRow(['Report', definition.title]).commit();
  about.addRow(['Description', definition.description]).commit();
  for (const [key, value] of Object.entries(report.params as Record<string, unknown>))
    about.addRow([key, Array.isArray(value) ? value.join(', ') : String(value)]).commit();
  about.addRow(['Rows', count]).commit();
  about.addRow(['Run by', facts.ranBy]).commit();
  about.addRow(['Run at (UTC)', facts.ranAt.toISOString()]).commit();
  if (report.hiddenColumns.length > 0)
    about.addRow(['Not shown', `${report.hiddenColumns.map((c) => c.label).join(', ')} (costs are not shown to this role)`]).commit();
  about.commit();
  await workbook.commit();
  return count;
}

/**
 * A CSV field. Text that a spreadsheet would read as a formula (= + - @, tab, carriage return)
 * gets a leading apostrophe, so a serial like "=1+1" cannot run in the reader's Excel.
 */
function csvField(type: ColumnType, value: ReportValue): string {
  if (value === null) return '';
  let text = String(value);
  if (type === 'text' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export async function writeReportCsv(report: OpenReport, output: Writable): Promise<number> {
  const { columns } = report;
  const line = (values: string[]) => `${values.join(',')}\r\n`;
  // Waits for the reader when the socket's buffer is full, so memory holds about one page.
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (output.write(text)) return resolve();
      const done = (error?: Error) => {
        output.off('drain', done);
        output.off('error', done);
        if (error) reject(error);
        else resolve();
      };
      output.on('drain', done).on('error', done);
    });
  await write(`\uFEFF${line(columns.map((c) => csvField('text', c.type === 'datetime' ? `${c.label} (UTC)` : c.label)))}`);
  let count = 0;
  for await (const rows of report.pages()) {
    await write(rows.map((row: ReportRow) => line(columns.map((c) => csvField(c.type, row[c.key] ?? null)))).join(''));
    count += rows.length;
  }
  output.end();
  return count;
}
