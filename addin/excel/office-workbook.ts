// The Office.js implementation of the workbook port: the only code in the add-in that calls `Excel`
// or `Office`. Everything here follows Office's guidance for large workbooks:
// - big ranges are read and written a block of rows at a time, each request under Excel on the web's
//   5 MB limit (see chunks.ts), one `context.sync()` per block;
// - while writing, events are off (`context.runtime.enableEvents`) and calculation is suspended
//   until the next sync, so the workbook does no work per block;
// - values first, then formats, and whole-range formats once at the end.
// Sheets laid out with formatEntrySheet are protected; this add-in's own writes lift that protection
// for their work and put it back (see withOwnProtectionLifted). Protection a person set stays.
// Needs ExcelApi 1.12 at most: see createOfficeWorkbook.

import {
  MAX_COLUMNS,
  MAX_ROWS,
  cellAddress,
  intersectAreas,
  parseRangeAddress,
  qualifiedAddress,
  rangeAddress,
  type GridArea,
} from './addresses.ts';
import { asCellText } from './cell-text.ts';
import { DEFAULT_BUDGET_BYTES, DEFAULT_BYTES_PER_CELL, planRowChunks, planWriteChunks, type RowChunk } from './chunks.ts';
import type { CellMark, CellRef, CellValue, EntryLayout, EntryValidation, Progress, SelectionValues, WorkbookPort } from './port.ts';

/** Excel's "light red fill" (the fill of its built-in "Bad" style), for cells with problems. */
export const MARK_FILL = '#FFC7CE';
/** Every comment this add-in writes starts with this; it is how clearProblems finds its own. */
export const COMMENT_PREFIX = 'Stocksheet: ';
/**
 * Sheet custom property listing the cells markProblems filled but could not comment for a reason it
 * cannot see (e.g. a legacy note on the cell), as "B2,C7", so that clearProblems finds them too.
 */
export const FILL_ONLY_PROPERTY = 'Stocksheet.fillOnlyCells';
/**
 * Sheet custom property formatEntrySheet leaves on the sheets it lays out and protects: the A1
 * address of the area it laid out (e.g. "A1:F101"). It tells this add-in's writes that the sheet's
 * protection is the add-in's own to lift, and a later formatEntrySheet what to reset.
 */
export const ENTRY_LAYOUT_PROPERTY = 'Stocksheet.entryLayout';
/** How an entry sheet is protected (no password): columns can still be resized, filtered and sorted. */
export const ENTRY_PROTECTION: Excel.WorksheetProtectionOptions = { allowFormatColumns: true, allowAutoFilter: true, allowSort: true };
/** The status that colours a row's status cell green; any other non-blank status is red. */
export const STATUS_OK = 'OK';
/** Excel's "Good" style, for the status "OK". */
export const STATUS_OK_FILL = '#C6EFCE';
export const STATUS_OK_FONT = '#006100';
/** Excel's "Bad" style, for any other status. */
export const STATUS_BAD_FILL = MARK_FILL;
export const STATUS_BAD_FONT = '#9C0006';

export interface OfficeWorkbookOptions {
  /** Bytes of cell data per request (default 4,000,000, under the 5 MB limit). */
  budgetBytes?: number;
  /** Assumed size of one cell when reading (default 256 bytes); see planRowChunks. */
  bytesPerCell?: number;
  /** Cells marked, unmarked or located per sync (default 500). */
  cellsPerSync?: number;
}

const PAYLOAD_TOO_LARGE = new Set(['RequestPayloadSizeLimitExceeded', 'ResponsePayloadSizeLimitExceeded']);

function isPayloadTooLarge(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && PAYLOAD_TOO_LARGE.has(code);
}

function slices<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

const cellKey = (row: number, column: number) => `${row},${column}`;

/**
 * Runs `work` with this add-in's events off and restores the previous setting afterwards, even when
 * `work` fails (a failure to restore never hides the original error).
 */
async function withEventsDisabled<T>(context: Excel.RequestContext, work: () => Promise<T>): Promise<T> {
  context.runtime.load('enableEvents');
  await context.sync();
  const previous = context.runtime.enableEvents;
  context.runtime.enableEvents = false;
  return thenRestore(context, work, () => {
    context.runtime.enableEvents = previous;
  });
}

/**
 * Runs `work`, then queues `restore` and syncs it, even when `work` fails; a failure to restore
 * is thrown only when `work` succeeded, so it never hides the original error.
 */
async function thenRestore<T>(context: Excel.RequestContext, work: () => Promise<T>, restore: () => void): Promise<T> {
  let failed = false;
  try {
    return await work();
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    restore();
    try {
      await context.sync();
    } catch (restoreError) {
      if (!failed) throw restoreError;
    }
  }
}

/** Starts a write batch: calculation waits until the sync that sends it (call before queuing writes). */
function beginWrite(context: Excel.RequestContext): void {
  context.application.suspendApiCalculationUntilNextSync();
}

/**
 * Runs `work` (writes to `worksheet`, events already off) with the sheet's protection lifted when
 * that protection is this add-in's own (formatEntrySheet left ENTRY_LAYOUT_PROPERTY on the sheet),
 * then protects it again with the options it had, even when `work` fails (a failure to re-protect
 * never hides the original error). A sheet a person protected is left protected: the writes then
 * fail as Excel refuses them.
 */
async function withOwnProtectionLifted<T>(context: Excel.RequestContext, worksheet: Excel.Worksheet, work: () => Promise<T>): Promise<T> {
  const protection = worksheet.protection.load('protected,options');
  const layout = worksheet.customProperties.getItemOrNullObject(ENTRY_LAYOUT_PROPERTY);
  await context.sync();
  if (!protection.protected || layout.isNullObject) return work();
  const options = protection.options;
  beginWrite(context);
  protection.unprotect();
  await context.sync();
  return thenRestore(context, work, () => {
    beginWrite(context);
    protection.protect(options);
  });
}

interface LocatedComment {
  comment: Excel.Comment;
  row: number;
  column: number;
  ours: boolean;
}

/** Every comment on the sheet with its cell; locations are fetched `perSync` at a time. */
async function locateComments(context: Excel.RequestContext, worksheet: Excel.Worksheet, perSync: number): Promise<LocatedComment[]> {
  const comments = worksheet.comments;
  comments.load('items/content');
  await context.sync();
  const located: LocatedComment[] = [];
  for (const batch of slices(comments.items, perSync)) {
    const cells = batch.map((comment) => comment.getLocation().load('rowIndex,columnIndex'));
    await context.sync();
    batch.forEach((comment, i) => {
      const cell = cells[i]!;
      located.push({ comment, row: cell.rowIndex, column: cell.columnIndex, ours: comment.content.startsWith(COMMENT_PREFIX) });
    });
  }
  return located;
}

/** Cells listed in FILL_ONLY_PROPERTY; entries that do not parse (edited by hand) are skipped. */
function parseCellList(text: string): Array<{ row: number; column: number }> {
  const cells: Array<{ row: number; column: number }> = [];
  for (const part of text.split(',')) {
    try {
      const { top, left } = parseRangeAddress(part);
      cells.push({ row: top, column: left });
    } catch {
      // not an address: ignore
    }
  }
  return cells;
}

/**
 * Removes this add-in's marks from a sheet and returns the cells that still carry someone else's
 * comment. Every cell markProblems fills has a comment (its own or, when the cell already had one,
 * the user's) or is listed in FILL_ONLY_PROPERTY. So: our comments are deleted with their cell's
 * fill; a cell with someone else's comment, or a listed cell, loses its fill only when the fill is
 * exactly ours.
 */
async function clearMarks(context: Excel.RequestContext, worksheet: Excel.Worksheet, perSync: number): Promise<Set<string>> {
  const remembered = worksheet.customProperties.getItemOrNullObject(FILL_ONLY_PROPERTY).load('value');
  const located = await locateComments(context, worksheet, perSync); // its first sync also loads `remembered`
  const theirs = located.filter((c) => !c.ours);
  const toCheck = [...theirs, ...(remembered.isNullObject ? [] : parseCellList(remembered.value))];
  const toClear: Array<{ row: number; column: number; comment?: Excel.Comment }> = located.filter((c) => c.ours);
  for (const batch of slices(toCheck, perSync)) {
    const fills = batch.map((c) => worksheet.getRangeByIndexes(c.row, c.column, 1, 1).format.fill.load('color'));
    await context.sync();
    batch.forEach((c, i) => {
      if (fills[i]!.color?.toUpperCase() === MARK_FILL) toClear.push({ row: c.row, column: c.column });
    });
  }
  const batches = slices(toClear, perSync);
  if (!remembered.isNullObject) {
    beginWrite(context);
    remembered.delete(); // goes with the first batch below, or alone
    if (batches.length === 0) await context.sync();
  }
  for (const [i, batch] of batches.entries()) {
    if (i > 0 || remembered.isNullObject) beginWrite(context);
    for (const c of batch) {
      c.comment?.delete();
      worksheet.getRangeByIndexes(c.row, c.column, 1, 1).format.fill.clear();
    }
    await context.sync();
  }
  return new Set(theirs.map((c) => cellKey(c.row, c.column)));
}

/** Cells of the sheet that carry a comment → whether the comment is ours. */
async function commentedCells(context: Excel.RequestContext, worksheet: Excel.Worksheet, perSync: number): Promise<Map<string, boolean>> {
  return new Map((await locateComments(context, worksheet, perSync)).map((c) => [cellKey(c.row, c.column), c.ours]));
}

/** Marks on the same cell become one mark, their messages joined. */
function mergeMarks(marks: CellMark[]): CellMark[] {
  const byCell = new Map<string, CellMark>();
  for (const mark of marks) {
    const key = cellKey(mark.row, mark.column);
    const earlier = byCell.get(key);
    byCell.set(key, earlier ? { ...earlier, message: `${earlier.message}; ${mark.message}` } : { ...mark });
  }
  return [...byCell.values()];
}

function addComment(context: Excel.RequestContext, sheet: string, mark: CellMark): void {
  context.workbook.comments.add(qualifiedAddress(sheet, cellAddress(mark.row, mark.column)), COMMENT_PREFIX + mark.message);
}

/** Fills every cell of the batch and comments the ones without a comment, in one sync. */
async function writeMarks(
  context: Excel.RequestContext,
  worksheet: Excel.Worksheet,
  sheet: string,
  batch: CellMark[],
  commented: ReadonlySet<string> | ReadonlyMap<string, boolean>,
): Promise<void> {
  beginWrite(context);
  for (const mark of batch) {
    worksheet.getRangeByIndexes(mark.row, mark.column, 1, 1).format.fill.color = MARK_FILL;
    if (!commented.has(cellKey(mark.row, mark.column))) addComment(context, sheet, mark);
  }
  await context.sync();
}

/**
 * After a batch of marks failed: fills every cell of the batch, then comments the cells still
 * without a comment. Excel runs a batch in order and keeps what ran before the failing operation, so
 * after each failure the first pending cell without our comment is the one that refused: when it has
 * someone else's comment (added meanwhile) it is done; when it has none (a legacy note, invisible to
 * the comments API) it stays filled without a comment and is returned. Throws when the fills fail.
 */
async function recoverBatch(
  context: Excel.RequestContext,
  worksheet: Excel.Worksheet,
  sheet: string,
  batch: CellMark[],
  perSync: number,
): Promise<{ commented: Map<string, boolean>; refused: CellMark[] }> {
  await writeMarks(context, worksheet, sheet, batch, new Set(batch.map((m) => cellKey(m.row, m.column)))); // fills only
  let commented = await commentedCells(context, worksheet, perSync);
  const refused: CellMark[] = [];
  let pending = batch.filter((m) => !commented.has(cellKey(m.row, m.column)));
  while (pending.length > 0) {
    try {
      beginWrite(context);
      for (const mark of pending) addComment(context, sheet, mark);
      await context.sync();
      for (const mark of pending) commented.set(cellKey(mark.row, mark.column), true);
      break;
    } catch {
      commented = await commentedCells(context, worksheet, perSync);
      const failed = pending.findIndex((m) => commented.get(cellKey(m.row, m.column)) !== true);
      if (failed < 0) break;
      if (!commented.has(cellKey(pending[failed]!.row, pending[failed]!.column))) refused.push(pending[failed]!);
      pending = pending.slice(failed + 1).filter((m) => !commented.has(cellKey(m.row, m.column)));
    }
  }
  return { commented, refused };
}

/**
 * Reads `area` of a sheet a block of rows per sync. A block whose response still turns out too big
 * (cells far longer than `bytesPerCell`) is split in two and read again.
 */
async function readValues(
  context: Excel.RequestContext,
  worksheet: Excel.Worksheet,
  area: GridArea,
  options: Required<OfficeWorkbookOptions>,
  onProgress?: Progress,
): Promise<CellValue[][]> {
  const values: CellValue[][] = [];
  const pending: RowChunk[] = planRowChunks(area.rowCount, area.columnCount, options);
  onProgress?.(0, area.rowCount);
  while (pending.length > 0) {
    const chunk = pending.shift()!;
    const range = worksheet.getRangeByIndexes(area.top + chunk.rowOffset, area.left, chunk.rowCount, area.columnCount).load('values');
    try {
      await context.sync();
    } catch (error) {
      if (!isPayloadTooLarge(error) || chunk.rowCount === 1) throw error;
      const half = Math.ceil(chunk.rowCount / 2);
      pending.unshift(
        { rowOffset: chunk.rowOffset, rowCount: half },
        { rowOffset: chunk.rowOffset + half, rowCount: chunk.rowCount - half },
      );
      continue;
    }
    for (const row of range.values as CellValue[][]) values.push(row);
    onProgress?.(values.length, area.rowCount);
  }
  return values;
}

/**
 * The values of `area` of a sheet, read in chunks (readValues), with where they are. With no area
 * (nothing to read) the values are `[]` and `empty` gives the position and address reported.
 */
async function readArea(
  context: Excel.RequestContext,
  worksheet: Excel.Worksheet,
  sheet: string,
  area: GridArea | null,
  empty: GridArea,
  options: Required<OfficeWorkbookOptions>,
  onProgress?: Progress,
): Promise<SelectionValues> {
  if (!area) {
    onProgress?.(0, 0);
    return {
      sheet,
      address: rangeAddress(empty.top, empty.left, empty.rowCount, empty.columnCount),
      top: empty.top,
      left: empty.left,
      values: [],
    };
  }
  const values = await readValues(context, worksheet, area, options, onProgress);
  return { sheet, address: rangeAddress(area.top, area.left, area.rowCount, area.columnCount), top: area.top, left: area.left, values };
}

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
 * block of rows per sync, each request within `budgetBytes`, calculation suspended for each. Call
 * with events off. Progress counts rows written.
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
  for (const chunk of planWriteChunks(rows, budgetBytes)) {
    beginWrite(context);
    worksheet.getRangeByIndexes(top + chunk.rowOffset, left, chunk.rowCount, width).values = rows.slice(
      chunk.rowOffset,
      chunk.rowOffset + chunk.rowCount,
    );
    await context.sync();
    onProgress?.(chunk.rowOffset + chunk.rowCount, rows.length);
  }
}

/** An entry layout, checked, with the area it covers. */
interface EntryPlan {
  layout: EntryLayout;
  /** Rows 0..rowCount, columns 0..the last column the layout names. */
  extent: GridArea;
}

function checkIndex(what: string, value: number, limit: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= limit)
    throw new RangeError(`${what} must be a whole number from 0 to ${limit - 1}, not ${value}.`);
}

/** Excel's limit for a list typed into data validation (the source joined with commas). */
const LIST_SOURCE_MAX = 255;

function planEntryLayout(layout: EntryLayout): EntryPlan {
  checkIndex('rowCount', layout.rowCount, MAX_ROWS);
  const seen = new Set<number>();
  for (const { column, validation } of layout.editable) {
    checkIndex('An editable column', column, MAX_COLUMNS);
    if (seen.has(column)) throw new RangeError(`Column ${column} is listed twice as editable.`);
    seen.add(column);
    if (validation?.kind === 'decimal' && !Number.isFinite(validation.min))
      throw new RangeError(`The minimum of column ${column} must be a number, not ${validation.min}.`);
    if (validation?.kind === 'list') {
      if (validation.values.length === 0) throw new RangeError(`The list of column ${column} has no values.`);
      const bad = validation.values.find((value) => value.trim() === '' || value.includes(','));
      if (bad !== undefined) throw new RangeError(`The list of column ${column} cannot hold "${bad}" (blank, or with a comma).`);
      if (validation.values.join(',').length > LIST_SOURCE_MAX) {
        throw new RangeError(`The list of column ${column} is longer than Excel's ${LIST_SOURCE_MAX} characters.`);
      }
    }
  }
  if (layout.statusColumn !== undefined) checkIndex('statusColumn', layout.statusColumn, MAX_COLUMNS);
  const lastColumn = Math.max(0, ...seen, layout.statusColumn ?? 0);
  return { layout, extent: { top: 0, left: 0, rowCount: layout.rowCount + 1, columnCount: lastColumn + 1 } };
}

/** The smallest area from A1 that holds both. */
function coverFromA1(a: GridArea, b: GridArea): GridArea {
  return {
    top: 0,
    left: 0,
    rowCount: Math.max(a.top + a.rowCount, b.top + b.rowCount),
    columnCount: Math.max(a.left + a.columnCount, b.left + b.columnCount),
  };
}

/** Excel's error alert for a cell that refuses what was typed. Its message is at most 225 characters. */
function validationAlert(validation: EntryValidation): Excel.DataValidationErrorAlert {
  let message: string;
  if (validation.kind === 'decimal') message = `Enter a number greater than or equal to ${validation.min}.`;
  else {
    message = `Choose one of: ${validation.values.join(', ')}.`;
    if (message.length > 225) message = "Choose a value from the cell's drop-down list.";
  }
  return { showAlert: true, style: Excel.DataValidationAlertStyle.stop, title: 'Not allowed here', message };
}

function validationRule(validation: EntryValidation): Excel.DataValidationRule {
  return validation.kind === 'decimal'
    ? { decimal: { formula1: validation.min, operator: Excel.DataValidationOperator.greaterThanOrEqualTo } }
    : { list: { inCellDropDown: true, source: validation.values.join(',') } };
}

/**
 * Colours a status column (one column, data rows): green for "OK", red for any other non-blank
 * value, nothing for blank. The red rule is a formula relative to the column's first cell
 * (`firstCell`, e.g. "D2"), as Excel applies it to each cell.
 */
function addStatusFormats(range: Excel.Range, firstCell: string): void {
  const ok = range.conditionalFormats.add(Excel.ConditionalFormatType.cellValue);
  ok.cellValue.rule = { formula1: `="${STATUS_OK}"`, operator: Excel.ConditionalCellValueOperator.equalTo };
  ok.cellValue.format.fill.color = STATUS_OK_FILL;
  ok.cellValue.format.font.color = STATUS_OK_FONT;
  const bad = range.conditionalFormats.add(Excel.ConditionalFormatType.custom);
  bad.custom.rule.formula = `=AND(${firstCell}<>"",${firstCell}<>"${STATUS_OK}")`;
  bad.custom.format.fill.color = STATUS_BAD_FILL;
  bad.custom.format.font.color = STATUS_BAD_FONT;
}

/**
 * The port on Office.js. Needs ExcelApi 1.12: comments 1.10, worksheet custom properties 1.12, data
 * validation 1.8, conditional formats 1.6, worksheet protection and cell locking 1.2 (unprotect 1.7).
 */
export function createOfficeWorkbook(options: OfficeWorkbookOptions = {}): WorkbookPort {
  const settings: Required<OfficeWorkbookOptions> = {
    budgetBytes: options.budgetBytes ?? DEFAULT_BUDGET_BYTES,
    bytesPerCell: options.bytesPerCell ?? DEFAULT_BYTES_PER_CELL,
    cellsPerSync: options.cellsPerSync ?? 500,
  };
  const perSync = settings.cellsPerSync;

  return {
    /**
     * The selection's values. Only the part of the selection inside the sheet's used range is read
     * (a whole column selected reads its filled rows, not a million blank ones); `top`, `left` and
     * `address` describe that part. A selection with no values gives `values: []`.
     */
    readSelection(onProgress) {
      return Excel.run(async (context): Promise<SelectionValues> => {
        const areas = context.workbook.getSelectedRanges().load('areaCount,address');
        await context.sync();
        if (areas.areaCount > 1) {
          throw new Error(
            `The selection has ${areas.areaCount} separate blocks of cells (${areas.address}). ` +
              'Select one rectangular block and try again.',
          );
        }
        const selected = context.workbook.getSelectedRange().load('rowIndex,columnIndex,rowCount,columnCount');
        const worksheet = selected.worksheet.load('name');
        const used = worksheet.getUsedRangeOrNullObject(true).load('rowIndex,columnIndex,rowCount,columnCount');
        await context.sync();
        const selection: GridArea = {
          top: selected.rowIndex,
          left: selected.columnIndex,
          rowCount: selected.rowCount,
          columnCount: selected.columnCount,
        };
        const area = used.isNullObject
          ? null
          : intersectAreas(selection, {
              top: used.rowIndex,
              left: used.columnIndex,
              rowCount: used.rowCount,
              columnCount: used.columnCount,
            });
        return readArea(context, worksheet, worksheet.name, area, selection, settings, onProgress);
      });
    },

    /**
     * The sheet's values from A1 to the last row and column with a value (`top` and `left` 0), so
     * row i of `values` is sheet row i. A sheet with no values gives `values: []` (address "A1").
     */
    readSheet(sheet, onProgress) {
      return Excel.run(async (context): Promise<SelectionValues> => {
        const worksheet = context.workbook.worksheets.getItemOrNullObject(sheet).load('name');
        await context.sync();
        if (worksheet.isNullObject) throw new Error(`There is no sheet named "${sheet}" in this workbook.`);
        const used = worksheet.getUsedRangeOrNullObject(true).load('rowIndex,columnIndex,rowCount,columnCount');
        await context.sync();
        const area = used.isNullObject
          ? null
          : { top: 0, left: 0, rowCount: used.rowIndex + used.rowCount, columnCount: used.columnIndex + used.columnCount };
        return readArea(context, worksheet, worksheet.name, area, { top: 0, left: 0, rowCount: 1, columnCount: 1 }, settings, onProgress);
      });
    },

    /**
     * Clears earlier marks, then fills each cell light red and attaches "Stocksheet: <message>" as a
     * comment, `cellsPerSync` cells per sync. Excel allows one comment per cell: a cell that already
     * has one is filled without a comment of ours (the pane lists every reason anyway). If a batch
     * still fails (a cell got a comment meanwhile, or has a legacy note the comments API does not
     * show), it is retried with fills only and then its comments added around the cells that refuse
     * one (see recoverBatch); cells left with a fill and no comment at all are listed in the sheet's
     * FILL_ONLY_PROPERTY so that clearProblems finds them. On a sheet laid out by formatEntrySheet,
     * its protection is lifted meanwhile; if even the fills fail (a sheet a person protected...),
     * the batch's first error is thrown.
     */
    async markProblems(sheet, marks, onProgress) {
      const cells = mergeMarks(marks);
      await Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItem(sheet);
        await withEventsDisabled(context, () =>
          withOwnProtectionLifted(context, worksheet, async () => {
            let commented: ReadonlySet<string> | ReadonlyMap<string, boolean> = await clearMarks(context, worksheet, perSync);
            const fillOnly: CellMark[] = [];
            onProgress?.(0, cells.length);
            let done = 0;
            for (const batch of slices(cells, perSync)) {
              try {
                await writeMarks(context, worksheet, sheet, batch, commented);
              } catch (error) {
                try {
                  const recovered = await recoverBatch(context, worksheet, sheet, batch, perSync);
                  commented = recovered.commented;
                  fillOnly.push(...recovered.refused);
                } catch {
                  throw error; // the first failure says best what went wrong
                }
              }
              done += batch.length;
              onProgress?.(done, cells.length);
            }
            if (fillOnly.length > 0) {
              beginWrite(context);
              worksheet.customProperties.add(FILL_ONLY_PROPERTY, fillOnly.map((m) => cellAddress(m.row, m.column)).join(','));
              await context.sync();
            }
          }),
        );
      });
    },

    async clearProblems(sheet) {
      await Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItem(sheet);
        await withEventsDisabled(context, () => withOwnProtectionLifted(context, worksheet, () => clearMarks(context, worksheet, perSync)));
      });
    },

    async selectCell(cell: CellRef) {
      await Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItem(cell.sheet);
        worksheet.activate();
        worksheet.getRangeByIndexes(cell.row, cell.column, 1, 1).select();
        await context.sync();
      });
    },

    /**
     * Header in row 1 (bold, frozen), rows below, from column A. Short rows are padded with blanks.
     * Every value goes through asCellText. Progress counts data rows written. A sheet laid out by
     * formatEntrySheet is written unprotected and protected again (with every cell locked, as the
     * clear resets formats: lay it out again).
     */
    async writeTable(sheetName, header, rows, onProgress) {
      const table = toBlock([header, ...rows], '');
      const dataRows = (done: number) => Math.min(rows.length, Math.max(0, done - 1)); // table rows → data rows
      await Excel.run(async (context) => {
        await withEventsDisabled(context, async () => {
          const existing = context.workbook.worksheets.getItemOrNullObject(sheetName);
          await context.sync();
          const fill = async (worksheet: Excel.Worksheet) => {
            const width = table[0]!.length;
            if (width === 0) {
              await context.sync();
              return;
            }
            await writeRows(context, worksheet, 0, 0, table, settings.budgetBytes, (done) => onProgress?.(dataRows(done), rows.length));
            beginWrite(context);
            worksheet.getRangeByIndexes(0, 0, 1, width).format.font.bold = true;
            worksheet.freezePanes.freezeRows(1);
            worksheet.getRangeByIndexes(0, 0, table.length, width).format.autofitColumns();
            await context.sync();
          };
          if (existing.isNullObject) {
            beginWrite(context);
            await fill(context.workbook.worksheets.add(sheetName));
          } else {
            await withOwnProtectionLifted(context, existing, async () => {
              beginWrite(context);
              existing.getUsedRange().clear();
              await fill(existing);
            });
          }
        });
      });
    },

    /**
     * Values through asCellText, a block of rows per sync, events off and calculation suspended (as
     * writeTable). Cells a short row does not reach are left as they are. A sheet laid out by
     * formatEntrySheet is written unprotected and protected again.
     */
    async writeCells(sheet, top, left, values, onProgress) {
      const block = toBlock(values, null);
      if ((block[0]?.length ?? 0) === 0) {
        onProgress?.(0, 0);
        return;
      }
      await Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItem(sheet);
        await withEventsDisabled(context, () =>
          withOwnProtectionLifted(context, worksheet, () =>
            writeRows(context, worksheet, top, left, block, settings.budgetBytes, onProgress),
          ),
        );
      });
    },

    /**
     * Resets what an earlier layout left (locking, data validation and conditional formats over the
     * area it covered, the used range and the new layout), then unlocks the editable columns' data
     * rows with their validation, colours the status column, protects the sheet with
     * ENTRY_PROTECTION and records the laid-out area in ENTRY_LAYOUT_PROPERTY, all in one sync. A
     * protected sheet is unprotected first (this fails if a person protected it with a password).
     */
    async formatEntrySheet(sheet, layout) {
      const plan = planEntryLayout(layout);
      await Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItemOrNullObject(sheet);
        await context.sync();
        if (worksheet.isNullObject) throw new Error(`There is no sheet named "${sheet}" in this workbook.`);
        await withEventsDisabled(context, async () => {
          const protection = worksheet.protection.load('protected');
          const used = worksheet.getUsedRangeOrNullObject().load('rowIndex,columnIndex,rowCount,columnCount');
          const previous = worksheet.customProperties.getItemOrNullObject(ENTRY_LAYOUT_PROPERTY).load('value');
          await context.sync();
          let reset = plan.extent;
          if (!used.isNullObject) {
            reset = coverFromA1(reset, {
              top: used.rowIndex,
              left: used.columnIndex,
              rowCount: used.rowCount,
              columnCount: used.columnCount,
            });
          }
          if (!previous.isNullObject) {
            try {
              reset = coverFromA1(reset, parseRangeAddress(previous.value));
            } catch {
              // edited by hand: the used range has to do
            }
          }
          beginWrite(context);
          if (protection.protected) protection.unprotect();
          const everything = worksheet.getRangeByIndexes(reset.top, reset.left, reset.rowCount, reset.columnCount);
          everything.format.protection.locked = true;
          everything.dataValidation.clear();
          everything.conditionalFormats.clearAll();
          const { rowCount, editable, statusColumn } = plan.layout;
          if (rowCount > 0) {
            for (const { column, validation } of editable) {
              const cells = worksheet.getRangeByIndexes(1, column, rowCount, 1);
              cells.format.protection.locked = false;
              if (validation) {
                cells.dataValidation.rule = validationRule(validation);
                cells.dataValidation.errorAlert = validationAlert(validation);
              }
            }
            if (statusColumn !== undefined)
              addStatusFormats(worksheet.getRangeByIndexes(1, statusColumn, rowCount, 1), cellAddress(1, statusColumn));
          }
          protection.protect(ENTRY_PROTECTION);
          const { extent } = plan;
          worksheet.customProperties.add(ENTRY_LAYOUT_PROPERTY, rangeAddress(extent.top, extent.left, extent.rowCount, extent.columnCount));
          await context.sync();
        });
      });
    },

    async sheetsWithProperty(key) {
      return Excel.run(async (context) => {
        const worksheets = context.workbook.worksheets.load('items/name');
        await context.sync();
        const properties = worksheets.items.map((worksheet) => worksheet.customProperties.getItemOrNullObject(key).load('value'));
        await context.sync();
        return worksheets.items.flatMap((worksheet, i) => {
          const property = properties[i]!;
          return property.isNullObject ? [] : [{ sheet: worksheet.name, value: property.value }];
        });
      });
    },

    async getSheetProperty(sheet, key) {
      return Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItemOrNullObject(sheet);
        await context.sync();
        if (worksheet.isNullObject) return null;
        const property = worksheet.customProperties.getItemOrNullObject(key).load('value');
        await context.sync();
        return property.isNullObject ? null : property.value;
      });
    },

    async setSheetProperty(sheet, key, value) {
      if (key.length === 0 || key.length > 255) throw new Error(`A sheet property key must be 1 to 255 characters, not ${key.length}.`);
      await Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItemOrNullObject(sheet);
        await context.sync();
        if (worksheet.isNullObject) throw new Error(`There is no sheet named "${sheet}" in this workbook.`);
        worksheet.customProperties.add(key, value);
        await context.sync();
      });
    },

    getWorkbookSetting(key) {
      const value: unknown = Office.context.document.settings.get(key);
      if (value === null || value === undefined) return null;
      return typeof value === 'string' ? value : String(value);
    },

    setWorkbookSetting(key, value) {
      const store = Office.context.document.settings;
      store.set(key, value);
      return new Promise<void>((resolve, reject) => {
        store.saveAsync((result) => {
          if (result.status === Office.AsyncResultStatus.Failed) {
            reject(new Error(`Could not save "${key}" in the workbook: ${result.error?.message ?? 'unknown error'}.`));
          } else {
            resolve();
          }
        });
      });
    },
  };
}
