// Entry sheets: a written table made a form to fill in (editable columns unlocked and validated, a
// coloured status column, the sheet protected), laid out again cleanly as often as needed.

import { MAX_COLUMNS, MAX_ROWS, cellAddress, parseRangeAddress, rangeAddress, type GridArea } from './addresses.ts';
import { MARK_FILL } from './office-marks.ts';
import { ENTRY_LAYOUT_PROPERTY, ENTRY_PROTECTION } from './office-protection.ts';
import type { EntryLayout, EntrySheets, EntryValidation } from './port.ts';

/** The status that colours a row's status cell green; any other non-blank status is red. */
export const STATUS_OK = 'OK';
/** Excel's "Good" style, for the status "OK". */
export const STATUS_OK_FILL = '#C6EFCE';
export const STATUS_OK_FONT = '#006100';
/** Excel's "Bad" style, for any other status. */
export const STATUS_BAD_FILL = MARK_FILL;
export const STATUS_BAD_FONT = '#9C0006';

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

/** Entry sheet layout on Office.js. */
export function officeEntrySheets(): EntrySheets {
  return {
    /**
     * Resets what an earlier layout left (locking, data validation and conditional formats over the
     * area it covered, the used range and the new layout), then unlocks the editable columns' data
     * rows with their validation, colours the status column, records the laid-out area in
     * ENTRY_LAYOUT_PROPERTY and protects the sheet with ENTRY_PROTECTION, all in one sync. A
     * protected sheet is unprotected first (this fails if a person protected it with a password).
     */
    async formatEntrySheet(sheet, layout) {
      const plan = planEntryLayout(layout);
      await Excel.run(async (context) => {
        const worksheet = context.workbook.worksheets.getItemOrNullObject(sheet);
        await context.sync();
        if (worksheet.isNullObject) throw new Error(`There is no sheet named "${sheet}" in this workbook.`);
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
        // The property goes on before the protection: a protected sheet refuses it.
        const { extent } = plan;
        worksheet.customProperties.add(ENTRY_LAYOUT_PROPERTY, rangeAddress(extent.top, extent.left, extent.rowCount, extent.columnCount));
        protection.protect(ENTRY_PROTECTION);
        await context.sync();
      });
    },
  };
}
