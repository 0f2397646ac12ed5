// Writing big blocks of values a block of rows per sync, each request under Excel on the web's 5 MB
// limit, values as data (asCellText).

import { MAX_ROWS } from './addresses.ts';
import { asCellText, checkCellValues } from './cell-text.ts';
import { inShrinkingChunks, planWriteChunks } from './chunks.ts';
import { withOwnProtectionLifted } from './office-protection.ts';
import type { CellValue, ColumnFormat, ColumnFormats, Progress, SheetWriter } from './port.ts';

/** A block ready to write: every value through asCellText, short rows padded with `pad` to the widest. */
function toBlock<P extends CellValue | null>(rows: CellValue[][], pad: P): Array<Array<CellValue | P>> {
  let width = 0;
  for (const row of rows) width = Math.max(width, row.length);
  return rows.map((row) => {
    const cells: Array<CellValue | P> = row.map(asCellText);
    while (cells.length < width) cells.push(pad);
    return cells;
  });
}

/**
 * Writes a block (from toBlock; `null` leaves a cell as it is) with its first cell at (top, left), a
 * block of rows per sync, each request within `budgetBytes`; a block Excel still refuses as too
 * large is split in two and written again (inShrinkingChunks). Progress counts rows written.
 */
async function writeRows(
  context: Excel.RequestContext,
  worksheet: Excel.Worksheet,
  top: number,
  left: number,
  rows: Array<Array<CellValue | null>>,
  budgetBytes: number,
  onProgress?: Progress,
): Promise<void> {
  const width = rows[0]?.length ?? 0;
  onProgress?.(0, rows.length);
  if (width === 0) return;
  await inShrinkingChunks(planWriteChunks(rows, budgetBytes), async (chunk) => {
    worksheet.getRangeByIndexes(top + chunk.rowOffset, left, chunk.rowCount, width).values = rows.slice(
      chunk.rowOffset,
      chunk.rowOffset + chunk.rowCount,
    );
    await context.sync();
    onProgress?.(chunk.rowOffset + chunk.rowCount, rows.length);
  });
}

/** Excel's number format codes for the port's column formats. */
const NUMBER_FORMATS: Record<ColumnFormat, string> = { text: '@', date: 'yyyy-mm-dd' };
const GENERAL = 'General';

/** Each column's number format code, from `formats` by header name (General for the rest). */
function columnNumberFormats(header: string[], width: number, formats: ColumnFormats): string[] {
  const unknown = Object.keys(formats).find((name) => !header.includes(name));
  if (unknown !== undefined) throw new RangeError(`The table has no column "${unknown}" to format.`);
  return Array.from({ length: width }, (_, column) => {
    const format = formats[header[column] ?? ''];
    return format ? NUMBER_FORMATS[format] : GENERAL;
  });
}

/** Writing tables and cells on Office.js, each request's cell data within `budgetBytes`. */
export function officeWriter(budgetBytes: number): SheetWriter {
  return {
    /**
     * Header in row 1 (bold, frozen), rows below, from column A. Short rows are padded with blanks.
     * Every value goes through asCellText; a value no cell can hold (checkCellValues) refuses the
     * whole table before anything is written. The table's columns are General while the values go
     * in (a Text cell would keep asCellText's apostrophe as typed); then the columns named in
     * `formats` get their number format on every row ('@' for text, yyyy-mm-dd for dates), so what
     * people type or paste into them later stays as typed. Progress counts data rows written. A
     * sheet laid out by formatEntrySheet is written unprotected and protected again (with every
     * cell locked, as the clear resets formats: lay it out again).
     */
    async writeTable(sheetName, header, rows, onProgress, formats = {}) {
      checkCellValues(sheetName, 0, 0, [header, ...rows]);
      const table = toBlock([header, ...rows], '');
      const width = table[0]!.length;
      const numberFormats = columnNumberFormats(header, width, formats);
      const dataRows = (done: number) => Math.min(rows.length, Math.max(0, done - 1)); // table rows → data rows
      await Excel.run(async (context) => {
        const existing = context.workbook.worksheets.getItemOrNullObject(sheetName);
        await context.sync();
        /** The sheet, cleared (with its columns General again), in a sync of its own: a block refused later does not undo it. */
        const prepare = async (worksheet: Excel.Worksheet) => {
          if (width > 0) worksheet.getRangeByIndexes(0, 0, MAX_ROWS, width).numberFormat = [[GENERAL]];
          await context.sync();
        };
        const fill = async (worksheet: Excel.Worksheet) => {
          if (width === 0) return;
          await writeRows(context, worksheet, 0, 0, table, budgetBytes, (done) => onProgress?.(dataRows(done), rows.length));
          worksheet.getRangeByIndexes(0, 0, 1, width).format.font.bold = true;
          worksheet.freezePanes.freezeRows(1);
          worksheet.getRangeByIndexes(0, 0, table.length, width).format.autofitColumns();
          numberFormats.forEach((format, column) => {
            // Whole columns, after the values: rows people add below the table are formatted too.
            if (format !== GENERAL) worksheet.getRangeByIndexes(0, column, MAX_ROWS, 1).numberFormat = [[format]];
          });
          await context.sync();
        };
        if (existing.isNullObject) {
          const added = context.workbook.worksheets.add(sheetName);
          await prepare(added);
          await fill(added);
        } else {
          await withOwnProtectionLifted(context, existing, async () => {
            existing.getUsedRange().clear();
            await prepare(existing);
            await fill(existing);
          });
        }
      });
    },

    /**
     * Values through asCellText, checked and written a block of rows per sync (as writeTable).
     * Cells a short row does not reach are left as they are. A sheet laid out by formatEntrySheet
     * is written unprotected and protected again.
     */
    async writeCells(sheet, top, left, values, onProgress) {
      checkCellValues(sheet, top, left, values);
      const block = toBlock(values, null);
      if ((block[0]?.length ?? 0) === 0) {
        onProgress?.(0, 0);
        return;
      }
      await Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItem(sheet);
        await withOwnProtectionLifted(context, worksheet, () => writeRows(context, worksheet, top, left, block, budgetBytes, onProgress));
      });
    },
  };
}
