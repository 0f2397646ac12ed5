// Reading big ranges a block of rows per sync, each response under Excel on the web's 5 MB limit.

import { intersectAreas, rangeAddress, type GridArea } from './addresses.ts';
import { DEFAULT_BYTES_PER_CELL, inShrinkingChunks, planRowChunks, type RowChunkOptions } from './chunks.ts';
import type { CellValue, Progress, SelectionReader, SelectionValues, SheetReader } from './port.ts';

/**
 * Reads `area` of a sheet a block of rows per sync: the values, and what each cell shows (`text`). A
 * block whose response still turns out too big
 * (cells far longer than `bytesPerCell`) is split in two and read again (inShrinkingChunks).
 */
async function readValues(
  context: Excel.RequestContext,
  worksheet: Excel.Worksheet,
  area: GridArea,
  options: RowChunkOptions,
  onProgress?: Progress,
): Promise<{ values: CellValue[][]; text: string[][] }> {
  const values: CellValue[][] = [];
  const text: string[][] = [];
  onProgress?.(0, area.rowCount);
  // Two arrays per cell come back (values and text): plan for twice the bytes per cell.
  const { bytesPerCell = DEFAULT_BYTES_PER_CELL } = options;
  const chunks = planRowChunks(area.rowCount, area.columnCount, { ...options, bytesPerCell: 2 * bytesPerCell });
  await inShrinkingChunks(chunks, async (chunk) => {
    const range = worksheet.getRangeByIndexes(area.top + chunk.rowOffset, area.left, chunk.rowCount, area.columnCount).load('values,text');
    await context.sync();
    values.push(...(range.values as CellValue[][]));
    text.push(...range.text);
    onProgress?.(values.length, area.rowCount);
  });
  return { values, text };
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
  options: RowChunkOptions,
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
      text: [],
    };
  }
  const { values, text } = await readValues(context, worksheet, area, options, onProgress);
  return {
    sheet,
    address: rangeAddress(area.top, area.left, area.rowCount, area.columnCount),
    top: area.top,
    left: area.left,
    values,
    text,
  };
}

/** Reading the selection and sheets on Office.js, blocks planned with `options` (see planRowChunks). */
export function officeReader(options: RowChunkOptions): SelectionReader & SheetReader {
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
        return readArea(context, worksheet, worksheet.name, area, selection, options, onProgress);
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
        return readArea(context, worksheet, worksheet.name, area, { top: 0, left: 0, rowCount: 1, columnCount: 1 }, options, onProgress);
      });
    },
  };
}
