import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { createOfficeWorkbook } from './excel/office-workbook.ts';
import type { WorkbookPort } from './excel/port.ts';

/** Waits for Office.js; outside Excel (a plain browser tab) the pane still connects and takes typed serials. */
async function openWorkbook(): Promise<WorkbookPort | null> {
  if (typeof Office === 'undefined') return null;
  const info = await Office.onReady();
  if (info.host !== Office.HostType.Excel) return null;
  // Worksheet custom properties (used to remember marked cells) arrived in ExcelApi 1.12.
  if (!Office.context.requirements.isSetSupported('ExcelApi', '1.12')) {
    throw new Error(
      'This version of Excel is too old for Stocksheet: it needs ExcelApi 1.12 (Microsoft 365, Excel 2021 or Excel on the web).',
    );
  }
  return createOfficeWorkbook();
}

const root = createRoot(document.getElementById('root')!);
openWorkbook().then(
  (workbook) => root.render(<App workbook={workbook} storage={window.localStorage} defaultServerUrl={window.location.origin} />),
  (error: unknown) =>
    root.render(<p style={{ padding: 12, fontFamily: 'sans-serif' }}>{error instanceof Error ? error.message : String(error)}</p>),
);
