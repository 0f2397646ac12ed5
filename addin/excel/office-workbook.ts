// The Office.js implementation of the workbook port, put together from one file per job. Those
// office-*.ts files are the only code in the add-in that calls `Excel` or `Office`. They follow
// Office's guidance for large workbooks:
// - big ranges are read and written a block of rows at a time, each request under Excel on the web's
//   5 MB limit (see chunks.ts), one `context.sync()` per block (office-read.ts, office-write.ts); a
//   block Excel still refuses as too big (its payload codes, or the generic error Excel on the web
//   has answered with) is split and sent again; a sheet's comments are read a page at a time and
//   marks are batched by the size of their messages (office-marks.ts);
// - values first, then formats, and whole-range formats once at the end; the columns a table names
//   for serials, batches, SKUs and bays are then Text on every row, expiry columns yyyy-mm-dd, so
//   what people type there later stays as typed.
// They neither turn events off nor suspend calculation: the add-in registers no event handlers, and
// calculation suspended by the API is left for the caller to redo, so Excel recalculates as usual
// (only a person's formulas that depend on the cells written have anything to do).
// Sheets laid out with formatEntrySheet (office-entry-sheet.ts) are protected; this add-in's own
// writes lift that protection for their work and put it back (office-protection.ts).

import { DEFAULT_BUDGET_BYTES, DEFAULT_BYTES_PER_CELL } from './chunks.ts';
import { officeEntrySheets } from './office-entry-sheet.ts';
import { officeProblemMarker } from './office-marks.ts';
import { officeSheetProperties } from './office-properties.ts';
import { officeReader } from './office-read.ts';
import { officeWorkbookSettings } from './office-settings.ts';
import { officeTables } from './office-tables.ts';
import { officeWriter } from './office-write.ts';
import type { WorkbookPort } from './port.ts';

export interface OfficeWorkbookOptions {
  /** Bytes of cell data per request (default 4,000,000, under the 5 MB limit). */
  budgetBytes?: number;
  /** Assumed size of one cell when reading (default 256 bytes); see planRowChunks. */
  bytesPerCell?: number;
  /** Cells marked, unmarked or located per sync at most (default 500); marks are also sized by their messages. */
  cellsPerSync?: number;
}

/**
 * The port on Office.js. Needs ExcelApi 1.12: comments 1.10, worksheet custom properties 1.12, data
 * validation 1.8, conditional formats 1.6, worksheet protection and cell locking 1.2 (unprotect 1.7);
 * Excel tables 1.1 to 1.9 (office-tables.ts: not Table.resize, 1.13).
 */
export function createOfficeWorkbook(options: OfficeWorkbookOptions = {}): WorkbookPort {
  const budgetBytes = options.budgetBytes ?? DEFAULT_BUDGET_BYTES;
  return {
    ...officeReader({ budgetBytes, bytesPerCell: options.bytesPerCell ?? DEFAULT_BYTES_PER_CELL }),
    ...officeWriter(budgetBytes),
    ...officeProblemMarker(options.cellsPerSync ?? 500, budgetBytes),
    ...officeEntrySheets(),
    ...officeSheetProperties(),
    ...officeWorkbookSettings(),
    ...officeTables(budgetBytes),
  };
}
