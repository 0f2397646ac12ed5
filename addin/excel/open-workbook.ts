import { createOfficeWorkbook } from './office-workbook.ts';
import type { WorkbookPort } from './port.ts';

/** Waits for Office.js; outside Excel (a plain browser tab) there is no workbook, and the pane still connects and takes typed serials. */
export async function openWorkbook(): Promise<WorkbookPort | null> {
  if (typeof Office === 'undefined') return null;
  const info = await Office.onReady();
  if (info.host !== Office.HostType.Excel) return null;
  // Worksheet custom properties (used to remember marked cells and report sheets) arrived in
  // ExcelApi 1.12; the report tables need no more (office-tables.ts: 1.1 to 1.9, not Table.resize's 1.13).
  if (!Office.context.requirements.isSetSupported('ExcelApi', '1.12')) {
    throw new Error(
      'This version of Excel is too old for Stocksheet: it needs ExcelApi 1.12 (Microsoft 365, Excel 2021, Excel on the web, or Excel on Mac or iPad 16.40 or later).',
    );
  }
  return createOfficeWorkbook();
}
