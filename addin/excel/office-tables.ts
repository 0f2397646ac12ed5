// Excel tables on Office.js: a table made over rows written in chunks, read back by name or id, and
// its rows replaced in place (the same table grown or shrunk, never deleted and made again, so
// formulas, pivot tables and charts that use it keep working). What is decided comes from
// table-plan.ts; this file only makes the calls.
//
// Requirement sets (all within the ExcelApi 1.12 the add-in requires, open-workbook.ts):
// - TableCollection.add, Table.name, style, showTotals, getRange, getHeaderRowRange,
//   getDataBodyRange, getTotalRowRange, Range.delete(shift), Range.formulas: ExcelApi 1.1;
// - Workbook.functions (YEAR, to tell the 1900 date system from 1904), Table.worksheet,
//   Table.reapplyFilters: 1.2; TableCollection.add given a Range: 1.3;
// - TableRowCollection.add of several rows at once: 1.4; TableCollection.getItemOrNullObject: 1.4;
// - Table.autoFilter (isDataFiltered): 1.9.
// Not used: Table.resize (ExcelApi 1.13, above what the add-in requires) and
// TableRowCollection.deleteRows / deleteRowsAt (ExcelApiOnline 1.1: Excel on the web only). Rows
// are added with rows.add (blank, then formatted, then written like every other row, so no value
// goes into a cell before its format) and deleted with Range.delete("Up") over whole data rows at
// the end of the table, which Excel applies to the table (office-js #994 deletes table rows so).
// Excel refuses to insert or delete rows of a filtered table (that issue: the deletes do nothing),
// so a filtered table whose row count would change is refused with what to do.

import { checkCellValues } from './cell-text.ts';
import { DEFAULT_BUDGET_BYTES, inShrinkingChunks, planByteBatches, planWriteChunks, utf8Length } from './chunks.ts';
import {
  CancelledError,
  type CellValue,
  type DateSystem,
  type TableColumnSpec,
  type TableInfo,
  type TableWriteOptions,
  type WorkbookTables,
} from './port.ts';
import { headerProblem, planTableRows, tableCells, totalsFormats, totalsRow } from './table-plan.ts';

const GENERAL = 'General';
const TABLE_STYLE = 'TableStyleMedium2';
/** A day number that is 2000-01-01 in the 1900 date system and 2004-01-02 in the 1904 one. */
const PROBE_DAY = 36_526;

function stopIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** The caption block: `lines` from A1, General (so text stays text through asCellText), the first line bold. */
function queueCaption(worksheet: Excel.Worksheet, lines: CellValue[][]): void {
  const width = Math.max(1, ...lines.map((line) => line.length));
  if (lines.length === 0) return;
  const block = tableCells(
    Array.from({ length: width }, () => ({ name: '', numberFormat: GENERAL })),
    lines,
  );
  const range = worksheet.getRangeByIndexes(0, 0, lines.length, width);
  range.numberFormat = [[GENERAL]];
  range.values = block;
  range.format.font.bold = false;
  worksheet.getRangeByIndexes(0, 0, 1, width).format.font.bold = true;
}

/** Each column's number format over `rowCount` rows from `top` (one request each, whatever the row count). */
function queueColumnFormats(worksheet: Excel.Worksheet, top: number, left: number, rowCount: number, columns: readonly TableColumnSpec[]) {
  columns.forEach((column, i) => (worksheet.getRangeByIndexes(top, left + i, rowCount, 1).numberFormat = [[column.numberFormat]]));
}

/**
 * Writes `cells` (from tableCells) with their first cell at (top, left), a block of rows per sync
 * within the budget; a block Excel refuses as too big is split and written again. Stops before a
 * block when the signal is aborted.
 */
async function writeChunks(
  context: Excel.RequestContext,
  worksheet: Excel.Worksheet,
  top: number,
  left: number,
  cells: CellValue[][],
  budgetBytes: number,
  options: TableWriteOptions,
): Promise<void> {
  const width = cells[0]?.length ?? 0;
  if (width === 0 || cells.length === 0) return;
  await inShrinkingChunks(planWriteChunks(cells, budgetBytes), async (chunk) => {
    stopIfCancelled(options.signal);
    worksheet.getRangeByIndexes(top + chunk.rowOffset, left, chunk.rowCount, width).values = cells.slice(
      chunk.rowOffset,
      chunk.rowOffset + chunk.rowCount,
    );
    await context.sync();
    options.onProgress?.(chunk.rowOffset + chunk.rowCount, cells.length);
  });
}

/** Queues loading a table's name, id, place, header, data rows, totals row and filter state; the info once synced. */
function queueInfo(table: Excel.Table): () => TableInfo {
  table.load('name,id,showTotals');
  const range = table.getRange().load('rowIndex,columnIndex,rowCount,columnCount');
  const header = table.getHeaderRowRange().load('values');
  const worksheet = table.worksheet.load('name');
  const filter = table.autoFilter.load('isDataFiltered');
  return () => ({
    name: table.name,
    id: table.id,
    sheet: worksheet.name,
    top: range.rowIndex,
    left: range.columnIndex,
    header: (header.values[0] ?? []).map(String),
    bodyRows: range.rowCount - 1 - (table.showTotals ? 1 : 0),
    showTotals: table.showTotals,
    filtered: filter.isDataFiltered === true,
  });
}

/** A table by name or id with its info, or null (one sync to learn whether it exists, one for the rest). */
async function loadTable(context: Excel.RequestContext, nameOrId: string): Promise<{ table: Excel.Table; info: TableInfo } | null> {
  const table = context.workbook.tables.getItemOrNullObject(nameOrId);
  await context.sync();
  if (table.isNullObject) return null;
  const info = queueInfo(table);
  await context.sync();
  return { table, info: info() };
}

/** Excel tables on Office.js, each request's cell data within `budgetBytes`. */
export function officeTables(budgetBytes: number = DEFAULT_BUDGET_BYTES): WorkbookTables {
  return {
    dateSystem() {
      return Excel.run(async (context): Promise<DateSystem> => {
        const year = context.workbook.functions.year(PROBE_DAY).load('value');
        await context.sync();
        return year.value === 2004 ? '1904' : '1900';
      });
    },

    workbookNames() {
      return Excel.run(async (context) => {
        const worksheets = context.workbook.worksheets.load('items/name');
        const tables = context.workbook.tables.load('items/name');
        await context.sync();
        return { sheets: worksheets.items.map((w) => w.name), tables: tables.items.map((t) => t.name) };
      });
    },

    /**
     * One request lays out the sheet (caption, header, the columns' number formats over the data
     * rows), then the rows go in blocks under the request limit, then one request makes the range a
     * table: name, style, totals row (its cells in the columns' formats, SUBTOTAL formulas), the
     * header frozen, widths autofit. Every value is checked first (checkCellValues): nothing is
     * written when a cell could not hold its value.
     */
    async createTable(spec, rows, options = {}) {
      const { columns } = spec;
      if (columns.length === 0) throw new RangeError('A table needs at least one column.');
      const cells = tableCells(columns, rows);
      checkCellValues(spec.sheet, 0, 0, cells);
      const top = spec.caption.length === 0 ? 0 : spec.caption.length + 1;
      const left = 0;
      const bodyRows = Math.max(1, cells.length);
      stopIfCancelled(options.signal);
      return Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.add(spec.sheet);
        queueCaption(worksheet, spec.caption);
        const header = worksheet.getRangeByIndexes(top, left, 1, columns.length);
        header.numberFormat = [[GENERAL]];
        header.values = [
          tableCells(
            columns.map(() => ({ name: '', numberFormat: GENERAL })),
            [columns.map((c) => c.name)],
          )[0]!,
        ];
        queueColumnFormats(worksheet, top + 1, left, bodyRows, columns);
        worksheet.activate();
        await context.sync();
        options.onProgress?.(0, cells.length);

        await writeChunks(context, worksheet, top + 1, left, cells, budgetBytes, options);

        stopIfCancelled(options.signal);
        const table = worksheet.tables.add(worksheet.getRangeByIndexes(top, left, 1 + bodyRows, columns.length), true);
        table.name = spec.name;
        table.style = TABLE_STYLE;
        if (columns.some((c) => c.total === 'sum')) {
          table.showTotals = true;
          const totals = table.getTotalRowRange();
          totals.numberFormat = [totalsFormats(columns)];
          totals.formulas = [totalsRow(columns)];
        }
        worksheet.freezePanes.freezeRows(top + 1);
        table.getRange().format.autofitColumns();
        const info = queueInfo(table);
        await context.sync();
        return info();
      });
    },

    readTable(nameOrId) {
      return Excel.run(async (context) => (await loadTable(context, nameOrId))?.info ?? null);
    },

    /**
     * One request reads the table. Surplus rows are deleted at its end (one request); missing ones
     * added at its end as blank rows (blocks under the limit); then the columns get their number
     * formats over the data rows (one request) and every row is written in blocks. The totals row,
     * the table's name and everything around it stay.
     */
    async replaceTableRows(nameOrId, columns, rows, options = {}) {
      const cells = tableCells(columns, rows);
      checkCellValues(nameOrId, 0, 0, cells);
      return Excel.run(async (context) => {
        const loaded = await loadTable(context, nameOrId);
        if (!loaded) throw new Error(`There is no table ${nameOrId} in this workbook.`);
        const { table, info } = loaded;
        const problem = headerProblem(info.name, info.header, columns);
        if (problem) throw new Error(problem);
        const plan = planTableRows(info.bodyRows, cells.length);
        if (info.filtered && (plan.add > 0 || plan.remove > 0)) {
          throw new Error(
            `Table ${info.name} is filtered, and Excel does not add or delete rows of a filtered table: ` +
              'clear its filter (Data › Clear) and refresh again.',
          );
        }
        const worksheet = table.worksheet;
        const bodyTop = info.top + 1;
        const width = columns.length;
        stopIfCancelled(options.signal);
        options.onProgress?.(0, cells.length);

        if (plan.remove > 0) {
          worksheet.getRangeByIndexes(bodyTop + plan.keep, info.left, plan.remove, width).delete('Up');
          await context.sync();
        }
        if (plan.add > 0) {
          // Blank rows, in batches under the limit: each costs its empty strings in the request.
          const blankRow = Array.from({ length: width }, () => '');
          const rowBytes = utf8Length(JSON.stringify(blankRow));
          const batches = planByteBatches(
            Array.from({ length: plan.add }, () => rowBytes),
            budgetBytes,
            { baseBytes: 2, separatorBytes: 1 },
          );
          await inShrinkingChunks(batches, async (batch) => {
            stopIfCancelled(options.signal);
            table.rows.add(
              null as unknown as number,
              Array.from({ length: batch.rowCount }, () => [...blankRow]),
            );
            await context.sync();
          });
        }
        queueColumnFormats(worksheet, bodyTop, info.left, plan.rows, columns);
        await context.sync();

        const written = plan.blank ? [columns.map(() => '' as CellValue)] : cells;
        await writeChunks(context, worksheet, bodyTop, info.left, written, budgetBytes, {
          ...options,
          onProgress: (done) => options.onProgress?.(Math.min(done, cells.length), cells.length),
        });
        if (info.filtered) table.reapplyFilters();
        const after = queueInfo(table);
        await context.sync();
        return after();
      });
    },

    async writeCaption(sheet, caption) {
      checkCellValues(sheet, 0, 0, caption);
      await Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItem(sheet);
        queueCaption(worksheet, caption);
        await context.sync();
      });
    },

    async deleteSheet(sheet) {
      await Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItemOrNullObject(sheet);
        await context.sync();
        if (worksheet.isNullObject) return;
        worksheet.delete();
        await context.sync();
      });
    },
  };
}
