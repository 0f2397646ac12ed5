// Writing big blocks of values a block of rows per sync, each request under Excel on the web's 5 MB
// limit, values as data (asCellText).

import { asCellText, checkCellValues } from './cell-text.ts';
import { inShrinkingChunks, planWriteChunks } from './chunks.ts';
import { withOwnProtectionLifted } from './office-protection.ts';
import type { CellValue, Progress, SheetWriter } from './port.ts';

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

/** Writing tables and cells on Office.js, each request's cell data within `budgetBytes`. */
export function officeWriter(budgetBytes: number): SheetWriter {
  return {
    /**
     * Header in row 1 (bold, frozen), rows below, from column A. Short rows are padded with blanks.
     * Every value goes through asCellText; a value no cell can hold (checkCellValues) refuses the
     * whole table before anything is written. Progress counts data rows written. A sheet laid out by
     * formatEntrySheet is written unprotected and protected again (with every cell locked, as the
     * clear resets formats: lay it out again).
     */
    async writeTable(sheetName, header, rows, onProgress) {
      checkCellValues(sheetName, 0, 0, [header, ...rows]);
      const table = toBlock([header, ...rows], '');
      const dataRows = (done: number) => Math.min(rows.length, Math.max(0, done - 1)); // table rows → data rows
      await Excel.run(async (context) => {
        const existing = context.workbook.worksheets.getItemOrNullObject(sheetName);
        await context.sync();
        const fill = async (worksheet: Excel.Worksheet) => {
          const width = table[0]!.length;
          if (width === 0) {
            await context.sync();
            return;
          }
          await writeRows(context, worksheet, 0, 0, table, budgetBytes, (done) => onProgress?.(dataRows(done), rows.length));
          worksheet.getRangeByIndexes(0, 0, 1, width).format.font.bold = true;
          worksheet.freezePanes.freezeRows(1);
          worksheet.getRangeByIndexes(0, 0, table.length, width).format.autofitColumns();
          await context.sync();
        };
        if (existing.isNullObject) {
          await fill(context.workbook.worksheets.add(sheetName));
        } else {
          await withOwnProtectionLifted(context, existing, async () => {
            existing.getUsedRange().clear();
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
