import { cellText } from '../../server/domain/sheet-cells.ts';
import type { Problem } from '../api/errors.ts';
import type { CellRef, SelectionValues } from '../excel/port.ts';

/**
 * Serials read from a selection, with the cell each came from (same order, same index), and the
 * cells whose serial cannot be trusted: Excel stored what was typed there as a number or a date that
 * may differ from it (00123 → 123, 1-2 → a date, 20 digits → 15 and zeros). Those are not among
 * `serials`; each has a problem whose index points past them into `cells`, so it is marked at its
 * cell and listed like a server's problem.
 */
export interface CollectedSerials {
  sheet: string;
  serials: string[];
  /** The cells of `serials`, then the cells of `problems`. */
  cells: CellRef[];
  problems: Problem[];
}

/** The reason of a problem with a serial that Excel changed. */
export const CHANGED_BY_EXCEL = 'CHANGED_BY_EXCEL';

/**
 * One serial per non-blank cell, row by row, left to right (the order people read a sheet), as the
 * cell shows it (TRUE, not true); a number only when what the cell shows is exactly it (cellText).
 */
export function collectSerials(selection: SelectionValues): CollectedSerials {
  const serials: string[] = [];
  const cells: CellRef[] = [];
  const changed: { cell: CellRef; shown: string; message: string }[] = [];
  selection.values.forEach((row, r) => {
    row.forEach((value, c) => {
      const cell = { sheet: selection.sheet, row: selection.top + r, column: selection.left + c };
      const shown = selection.text[r]?.[c];
      const read = cellText(value, shown);
      if ('problem' in read) changed.push({ cell, shown: shown ?? String(value), message: read.problem });
      else if (read.text !== '') {
        serials.push(read.text);
        cells.push(cell);
      }
    });
  });
  const problems = changed.map(({ cell, shown, message }, i): Problem => {
    cells.push(cell);
    return { index: serials.length + i, token: shown, reason: CHANGED_BY_EXCEL, message };
  });
  return { sheet: selection.sheet, serials, cells, problems };
}
