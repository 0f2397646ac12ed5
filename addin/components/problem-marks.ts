// Where a check's problems go in the sheet, and how they read there and in the pane's list. Pure.

import type { Problem } from '../api/errors.ts';
import { cellAddress } from '../excel/addresses.ts';
import type { CellMark, CellRef } from '../excel/port.ts';

/** Where entry `index` of a checked set (and its `field`, for tables) sits in the sheet. */
export type LocateCell = (index: number, field?: string) => CellRef | undefined;

/** A problem's message; a duplicate's names the cell of the entry it repeats. */
export function problemText(problem: Problem, locate?: LocateCell): string {
  const first = problem.firstIndex !== undefined ? locate?.(problem.firstIndex, problem.field) : undefined;
  return first ? `${problem.message} First in ${cellAddress(first.row, first.column)}.` : problem.message;
}

/** One mark per cell a problem points at; several problems on one cell are joined (a cell holds one comment). */
export function problemMarks(problems: Problem[], locate: LocateCell): CellMark[] {
  const byCell = new Map<string, CellMark>();
  for (const problem of problems) {
    const cell = problem.index === null ? undefined : locate(problem.index, problem.field);
    if (!cell) continue;
    const key = `${cell.row},${cell.column}`;
    const message = problemText(problem, locate);
    const mark = byCell.get(key);
    if (mark) mark.message += `; ${message}`;
    else byCell.set(key, { row: cell.row, column: cell.column, message });
  }
  return [...byCell.values()];
}
