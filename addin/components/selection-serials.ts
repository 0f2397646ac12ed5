import type { CellRef, CellValue, SelectionValues } from '../excel/port.ts';

/** Serials read from a selection, with the cell each came from (same order, same index). */
export interface CollectedSerials {
  sheet: string;
  serials: string[];
  cells: CellRef[];
}

/** The serial a cell holds, as Excel shows it (TRUE, not true). */
function cellText(value: CellValue): string {
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return typeof value === 'string' ? value.trim() : String(value);
}

/** One serial per non-blank cell, row by row, left to right (the order people read a sheet). */
export function collectSerials(selection: SelectionValues): CollectedSerials {
  const serials: string[] = [];
  const cells: CellRef[] = [];
  selection.values.forEach((row, r) => {
    row.forEach((value, c) => {
      const text = cellText(value);
      if (text === '') return;
      serials.push(text);
      cells.push({ sheet: selection.sheet, row: selection.top + r, column: selection.left + c });
    });
  });
  return { sheet: selection.sheet, serials, cells };
}
