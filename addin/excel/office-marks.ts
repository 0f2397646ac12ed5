// Problem marks on cells: a light red fill and a comment saying why, cleared again before the next
// check. Only this add-in's own marks are ever removed; a person's comments and fills stay.

import { cellAddress, parseRangeAddress, qualifiedAddress } from './addresses.ts';
import { inShrinkingChunks, mayBeTooLarge, planByteBatches, planRowChunks, utf8Length, type RowChunk } from './chunks.ts';
import { withOwnProtectionLifted } from './office-protection.ts';
import type { CellMark, CellRef, ProblemMarker } from './port.ts';

/** Excel's "light red fill" (the fill of its built-in "Bad" style), for cells with problems. */
export const MARK_FILL = '#FFC7CE';
/** Every comment this add-in writes starts with this; it is how clearProblems finds its own. */
export const COMMENT_PREFIX = 'Stocksheet: ';
/**
 * Sheet custom property listing the cells markProblems filled but could not comment for a reason it
 * cannot see (e.g. a legacy note on the cell), as "B2,C7", so that clearProblems finds them too.
 */
export const FILL_ONLY_PROPERTY = 'Stocksheet.fillOnlyCells';

function slices<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

const cellKey = (row: number, column: number) => `${row},${column}`;

interface LocatedComment {
  comment: Excel.Comment;
  row: number;
  column: number;
  ours: boolean;
}

/**
 * Every comment on the sheet with its cell, a page of `perSync` comments at a time (their content,
 * then their cells): loading a sheet's comments at once puts them all in one response, which a
 * sheet with thousands of them takes past Excel's limit. A page whose response is still too big
 * (long comments) is split (inShrinkingChunks). Comments added or removed meanwhile by someone
 * else may be missed: the next check sees them.
 */
async function locateComments(context: Excel.RequestContext, worksheet: Excel.Worksheet, perSync: number): Promise<LocatedComment[]> {
  const count = worksheet.comments.getCount();
  await context.sync();
  const located: LocatedComment[] = [];
  const pages = planRowChunks(count.value, 1, { budgetBytes: perSync, bytesPerCell: 1 }); // perSync comments each
  await inShrinkingChunks(pages, async ({ rowOffset, rowCount }) => {
    const page = worksheet.comments.load({ select: 'content', skip: rowOffset, top: rowCount });
    await context.sync();
    const comments = page.items;
    const cells = comments.map((comment) => comment.getLocation().load('rowIndex,columnIndex'));
    await context.sync();
    comments.forEach((comment, i) => {
      const cell = cells[i]!;
      located.push({ comment, row: cell.rowIndex, column: cell.columnIndex, ours: comment.content.startsWith(COMMENT_PREFIX) });
    });
  });
  return located;
}

/**
 * What one mark adds to a request beyond its message, as a generous estimate: its fill and comment
 * operations, the objects they address, the cell's address.
 */
const MARK_OVERHEAD_BYTES = 1_000;

/** Batches of marks, each request within the budget by the bytes of its messages, `perSync` marks at most. */
function markBatches(marks: CellMark[], perSync: number, budgetBytes: number): RowChunk[] {
  return planByteBatches(
    marks.map((mark) => MARK_OVERHEAD_BYTES + utf8Length(COMMENT_PREFIX + mark.message)),
    budgetBytes,
    { maxItems: perSync },
  );
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
    remembered.delete(); // goes with the first batch below, or alone
    if (batches.length === 0) await context.sync();
  }
  for (const batch of batches) {
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
 * Problem marks on Office.js: `perSync` cells marked, unmarked or located per sync at most, each
 * batch of marks within `budgetBytes` by the size of its messages.
 */
export function officeProblemMarker(perSync: number, budgetBytes: number): ProblemMarker {
  return {
    /**
     * Clears earlier marks, then fills each cell light red and attaches "Stocksheet: <message>" as a
     * comment, in batches sized by their messages (markBatches; a batch Excel refuses as too big is
     * split and sent again). Excel allows one comment per cell: a cell that already
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
        await withOwnProtectionLifted(context, worksheet, async () => {
          let commented: ReadonlySet<string> | ReadonlyMap<string, boolean> = await clearMarks(context, worksheet, perSync);
          const fillOnly: CellMark[] = [];
          onProgress?.(0, cells.length);
          let done = 0;
          await inShrinkingChunks(markBatches(cells, perSync, budgetBytes), async ({ rowOffset, rowCount }) => {
            const batch = cells.slice(rowOffset, rowOffset + rowCount);
            try {
              await writeMarks(context, worksheet, sheet, batch, commented);
            } catch (error) {
              if (batch.length > 1 && mayBeTooLarge(error)) throw error; // split and sent again
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
          });
          if (fillOnly.length > 0) {
            worksheet.customProperties.add(FILL_ONLY_PROPERTY, fillOnly.map((m) => cellAddress(m.row, m.column)).join(','));
            await context.sync();
          }
        });
      });
    },

    async clearProblems(sheet) {
      await Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItem(sheet);
        await withOwnProtectionLifted(context, worksheet, () => clearMarks(context, worksheet, perSync));
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
  };
}
